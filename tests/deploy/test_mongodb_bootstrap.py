"""deploy/k8s/base/mongodb/bootstrap.js: the users it creates, from the Job's own environment.

The script runs in mongosh against the replica set; here it runs under Node.js with the few
mongosh calls it makes answered by a recorder, and the dev overlay's Secrets as the Job would
read them. What it asks MongoDB to create is checked against the permission table: one user per
service, ``readWrite`` on its own database and no other role. That the roles hold against a
real server is shown by tests/integration/test_mongodb_identities.py (SecantusDB enforces them).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
import yaml

from services.platform import permissions

from .conftest import ROOT

pytestmark = pytest.mark.deploy

JOB = ROOT / "deploy/k8s/base/mongodb/bootstrap-job.yaml"
SCRIPT = ROOT / "deploy/k8s/base/mongodb/bootstrap.js"
DEV = ROOT / "deploy/k8s/overlays/dev/kustomization.yaml"

# mongosh's calls that bootstrap.js makes, recorded; a one-member replica set that answers.
SHELL = """
const calls = [];
const existing = JSON.parse(process.env.TEST_EXISTING_USERS || "{}");
globalThis.print = () => {};
globalThis.printjson = () => {};
globalThis.tojson = (x) => JSON.stringify(x);
globalThis.sleep = () => {};
globalThis.Mongo = class {
  getDB() {
    return {
      auth: () => 1,
      runCommand: (cmd) => {
        if (cmd.hello) return { ok: 1, primary: "mongodb-0.mongodb-headless:27017" };
        if (cmd.replSetGetConfig) {
          return { ok: 1, config: { version: 1, members: [{ _id: 0, host: "mongodb-0.mongodb-headless:27017" }] } };
        }
        return { ok: 1 };
      },
      getUser: (user) => existing[user] || null,
      createUser: (doc) => calls.push(["createUser", doc.user, doc.pwd, doc.roles]),
      updateUser: (user, doc) => calls.push(["updateUser", user, doc.pwd, doc.roles]),
    };
  }
};
require("vm").runInThisContext(require("fs").readFileSync(process.argv[1], "utf8"));
console.log(JSON.stringify(calls));
"""


def job_environment() -> dict[str, str]:
    """The Job's variables, its Secrets' values taken from the dev overlay's generator."""
    literals = {}
    for gen in yaml.safe_load(DEV.read_text())["secretGenerator"]:
        literals[gen["name"]] = dict(item.split("=", 1) for item in gen.get("literals", []))
    job = yaml.safe_load(JOB.read_text())
    env = {}
    for e in job["spec"]["template"]["spec"]["containers"][0]["env"]:
        if "value" in e:
            env[e["name"]] = e["value"]
        else:
            ref = e["valueFrom"]["secretKeyRef"]
            env[e["name"]] = literals[ref["name"]][ref["key"]]
    return env


def run_bootstrap(existing: dict | None = None) -> list:
    node = shutil.which("node")
    if not node:
        pytest.skip("Node.js not installed")
    env = dict(os.environ, **job_environment(), TEST_EXISTING_USERS=json.dumps(existing or {}))
    proc = subprocess.run([node, "-e", SHELL, str(SCRIPT)], env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_bootstrap_creates_one_user_per_service_with_its_own_database_only():
    calls = run_bootstrap()
    made = {user: roles for verb, user, _, roles in calls if verb == "createUser"}
    assert made == {user: [{"role": "readWrite", "db": permissions.mongodb_database(user)}]
                    for user in permissions.service_users()}
    assert len({pwd for _, _, pwd, _ in calls}) == len(calls)  # each its own Secret's password


def test_running_it_again_takes_away_any_other_role():
    """A user an earlier release created with more (the shared user had every database) keeps
    only its own database once the Job runs again."""
    calls = run_bootstrap({"petition": {"roles": [{"role": "readWrite", "db": "gridfusion_fusion"}]}})
    [(verb, _, _, roles)] = [c for c in calls if c[1] == "petition"]
    assert verb == "updateUser" and roles == [{"role": "readWrite", "db": "gridfusion_petition"}]
