"""deploy/scripts/prod_secrets.py: the Secrets prod reads, every service with a MongoDB user of its own."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.deploy

SCRIPT = ROOT / "deploy" / "scripts" / "prod_secrets.py"


def load():
    spec = importlib.util.spec_from_file_location("prod_secrets", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def secrets(doc: dict) -> dict[str, dict[str, str]]:
    return {i["metadata"]["name"]: {k: base64.b64decode(v).decode() for k, v in i["data"].items()}
            for i in doc["items"]}


SERVICES = {"gateway": "gateway", "fusion": "fusion",
            "comprehensive-governance": "comprehensive_governance", "petition": "petition",
            "legal-aid": "legal_aid", "police-assistant": "police_assistant",
            "civil-affairs": "civil_affairs"}


def test_every_service_gets_a_mongodb_user_of_its_own():
    made = secrets(load().generate("gridfusion"))
    users = {s: made[f"{s}-mongodb"] for s in SERVICES}
    assert {s: u["username"] for s, u in users.items()} == SERVICES
    assert len({u["password"] for u in users.values()}) == len(SERVICES)
    assert "gridfusion-mongodb" not in made  # the user every service once shared
    for secret in users.values():
        uri = urlsplit(secret["uri"])
        assert (uri.username, uri.password) == (secret["username"], secret["password"])
        assert "replicaSet=rs0" in uri.query and "w=majority" in uri.query


def test_an_outside_mongodb_needs_a_uri_for_every_service():
    proc = subprocess.run([sys.executable, str(SCRIPT), "--mongodb-uri", "fusion=mongodb://db.example/"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "missing: gateway, comprehensive-governance" in proc.stderr
    made = secrets(load().generate("gridfusion", {s: f"mongodb://{u}@db/" for s, u in SERVICES.items()}))
    assert made["fusion-mongodb"]["uri"] == "mongodb://fusion@db/"
    assert made["gateway-mongodb"]["uri"] == "mongodb://gateway@db/"


def test_only_prints_the_secrets_named():
    proc = subprocess.run([sys.executable, str(SCRIPT), "--only", "gateway-mongodb", "--only", "petition-mongodb"],
                          capture_output=True, text=True, check=True)
    assert [i["metadata"]["name"] for i in json.loads(proc.stdout)["items"]] == [
        "gateway-mongodb", "petition-mongodb"]


def test_every_department_system_and_the_gateway_get_a_grpc_token_and_its_digest():
    made = secrets(load().generate("gridfusion"))
    names = ["gateway-service-token"] + [f"department-system-{d}" for d in (
        "comprehensive-governance", "petition", "legal-aid", "police-assistant", "civil-affairs")]
    tokens = [made[n]["token"] for n in names]
    assert len(set(tokens)) == len(names)
    for name in names:
        token = made[name]["token"]
        assert len(token.encode()) >= 32, name
        assert made[name]["sha256"] == hashlib.sha256(token.encode()).hexdigest()
