"""deploy/scripts/prod_secrets.py: the Secrets prod reads, the gateway with a MongoDB user of its own."""

from __future__ import annotations

import base64
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


def test_the_gateway_and_the_services_get_different_mongodb_users():
    made = secrets(load().generate("gridfusion"))
    gateway, services = made["gateway-mongodb"], made["gridfusion-mongodb"]
    assert gateway["username"] == "gateway" and services["username"] == "gridfusion"
    assert gateway["password"] != services["password"]
    for secret in (gateway, services):
        uri = urlsplit(secret["uri"])
        assert (uri.username, uri.password) == (secret["username"], secret["password"])
        assert "replicaSet=rs0" in uri.query and "w=majority" in uri.query


def test_an_outside_mongodb_needs_both_uris():
    proc = subprocess.run([sys.executable, str(SCRIPT), "--mongodb-uri", "mongodb://db.example/"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "--gateway-mongodb-uri" in proc.stderr
    made = secrets(load().generate("gridfusion", "mongodb://a@db/", "mongodb://b@db/"))
    assert made["gridfusion-mongodb"]["uri"] == "mongodb://a@db/"
    assert made["gateway-mongodb"]["uri"] == "mongodb://b@db/"


def test_only_prints_the_secrets_named():
    proc = subprocess.run([sys.executable, str(SCRIPT), "--only", "gateway-mongodb"],
                          capture_output=True, text=True, check=True)
    assert [i["metadata"]["name"] for i in json.loads(proc.stdout)["items"]] == ["gateway-mongodb"]
