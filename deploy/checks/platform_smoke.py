#!/usr/bin/env python3
"""Run all seven services from the image with the dev overlay's configuration.

Renders deploy/k8s/overlays/dev and starts every Deployment of it as a podman
container (runc, read-only root, tmpfs /tmp, uid 10001, no capabilities) with
exactly the environment its pod would get: the ConfigMaps, the Secrets, the
per-Deployment variables. NATS runs with the rendered nats-config (users,
permissions) and the passwords the NATS pods would read from the Secrets.
Only what host networking forces is changed: addresses and ports become
127.0.0.1:<free port>, MongoDB is a local secantusd-py without users.

Passes when the gateway's /readyz answers 200, which needs NATS, every gRPC
peer SERVING and a current reference version (the dev overlay lets fusion
seed the synthetic county; the department services load it from fusion at
DEPARTMENT_FUSION_TARGET), and so proves that the manifests' variable names,
JSON targets, NATS users and permissions work with the services' code.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    CheckFailed,
    free_port,
    load_yaml_docs,
    main_wrapper,
    nats_and_mongo,
    render,
    timed,
)
from image_build import ulimit_args
from image_smoke import POD_ARGS, image_arguments, podman

TIMEOUT = 180.0


def resolved_env(container: dict, configmaps: dict, secrets: dict) -> dict[str, str]:
    env: dict[str, str] = {}
    for ef in container.get("envFrom") or []:
        if ef.get("configMapRef"):
            env.update(configmaps[ef["configMapRef"]["name"]])
        if ef.get("secretRef"):
            env.update(secrets[ef["secretRef"]["name"]])
    for e in container.get("env") or []:
        if "value" in e:
            env[e["name"]] = e["value"]
            continue
        src = e.get("valueFrom") or {}
        if src.get("secretKeyRef"):
            ref = src["secretKeyRef"]
            env[e["name"]] = secrets[ref["name"]][ref["key"]]
        elif src.get("configMapKeyRef"):
            ref = src["configMapKeyRef"]
            env[e["name"]] = configmaps[ref["name"]][ref["key"]]
        elif src.get("fieldRef"):
            env[e["name"]] = "smoke"
    return env


def main() -> None:
    args = image_arguments(__doc__, TIMEOUT)
    docs = load_yaml_docs(render(args.root, "dev"))
    configmaps = {d["metadata"]["name"]: d.get("data") or {} for d in docs if d["kind"] == "ConfigMap"}
    secrets = {d["metadata"]["name"]: {k: base64.b64decode(v).decode() for k, v in (d.get("data") or {}).items()}
               for d in docs if d["kind"] == "Secret"}
    deployments = [d for d in docs if d["kind"] == "Deployment"]
    nats_sts = next(d for d in docs if d["kind"] == "StatefulSet" and d["metadata"]["name"] == "nats")
    nats_env = resolved_env(nats_sts["spec"]["template"]["spec"]["containers"][0], configmaps, secrets)
    nats_files = configmaps[nats_sts["spec"]["template"]["spec"]["volumes"][0]["configMap"]["name"]]

    ports = {d["metadata"]["name"]: free_port() for d in deployments}
    targets = {}
    for d in deployments:
        c = d["spec"]["template"]["spec"]["containers"][0]
        if d["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"] == "department":
            targets[c["args"][-1]] = f"127.0.0.1:{ports[d['metadata']['name']]}"

    names: list[str] = []
    with (tempfile.TemporaryDirectory(prefix="gridfusion-platform-smoke-") as tmp,
          nats_and_mongo(Path(tmp), nats_files["auth.conf"], nats_env,
                         "start nats-server (rendered auth.conf, Secrets' passwords) and secantusd-py")
          as (nats_port, mongo_port)):
        try:
            with timed("podman run the seven services"):
                for d in deployments:
                    name = d["metadata"]["name"]
                    c = d["spec"]["template"]["spec"]["containers"][0]
                    env = resolved_env(c, configmaps, secrets)
                    env["NATS_URL"] = f"nats://127.0.0.1:{nats_port}"
                    if "MONGODB_URI" in env:
                        env["MONGODB_URI"] = f"mongodb://127.0.0.1:{mongo_port}/?directConnection=true"
                    for key in ("FUSION_GRPC_PORT", "DEPARTMENT_GRPC_PORT", "GATEWAY_HTTP_PORT"):
                        if key in env:
                            env[key] = str(ports[name])
                    # Whatever names fusion (the gateway's calls, the reference command,
                    # the departments' reference data) names it on this machine.
                    for key in ("GATEWAY_FUSION_TARGET", "GRIDFUSION_FUSION_TARGET",
                                "DEPARTMENT_FUSION_TARGET"):
                        if key in env:
                            env[key] = f"127.0.0.1:{ports['fusion']}"
                    if name == "gateway":
                        env["GATEWAY_HTTP_HOST"] = "127.0.0.1"
                        rendered = json.loads(env["GATEWAY_DEPARTMENT_TARGETS"])
                        if set(rendered) != set(targets):
                            raise CheckFailed(f"GATEWAY_DEPARTMENT_TARGETS names {sorted(rendered)}, "
                                              f"the Deployments serve {sorted(targets)}")
                        env["GATEWAY_DEPARTMENT_TARGETS"] = json.dumps(targets)
                    cname = f"gridfusion-smoke-{name}-{os.getpid()}"
                    names.append(cname)
                    env_args = [a for k, v in env.items() for a in ("--env", f"{k}={v}")]
                    podman("run", "--detach", "--name", cname, *ulimit_args(), *POD_ARGS,
                           *env_args, args.image, *c["args"])
            url = f"http://127.0.0.1:{ports['gateway']}/readyz"
            body = ""
            with timed("wait for the gateway's /readyz"):
                deadline = time.monotonic() + args.timeout
                while time.monotonic() < deadline:
                    for cname in names:
                        state = podman("inspect", "--format", "{{.State.Status}}", cname,
                                       check=False).stdout.strip()
                        if state not in ("running", "created", "configured"):
                            out = podman("logs", cname, check=False)
                            raise CheckFailed(f"{cname} stopped ({state}):\n"
                                              + (out.stdout + out.stderr)[-4000:])
                    try:
                        with urllib.request.urlopen(url, timeout=3) as resp:
                            body = resp.read().decode()
                            if resp.status == 200:
                                break
                    except urllib.error.HTTPError as exc:
                        body = exc.read().decode()
                    except OSError as exc:
                        body = str(exc)
                    time.sleep(2)
                else:
                    tails = "\n".join(f"--- {n}\n" + "".join(podman("logs", n, check=False).stderr.splitlines(True)[-15:])
                                      for n in names)
                    raise CheckFailed(f"/readyz not ready after {args.timeout:.0f}s: {body}\n{tails}")
            print(f"gateway /readyz: {body}")
        finally:
            if names:
                podman("rm", "--force", "--time", "10", *names, check=False)


if __name__ == "__main__":
    main_wrapper(main)
