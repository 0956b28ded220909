#!/usr/bin/env python3
"""Make the Secrets the prod overlay reads, with fresh random values.

    python3 deploy/scripts/prod_secrets.py --namespace gridfusion > secrets.json
    kubectl create -f secrets.json        # `create`, not `apply`: never overwrites

On a running installation, a release that reads a new Secret needs only that
one: `--only gateway-mongodb` (repeatable) prints just the Secrets named.

Prints a Kubernetes List (JSON, which kubectl reads as YAML) of:
  gateway-jwt                 key                          the gateway's JWT signing key
  nats-user-<service>         username, password           one NATS user per service
  nats-route                  password                     NATS cluster routes
  mongodb-root                username, password           MongoDB administrator
  mongodb-keyfile             keyfile                      MongoDB members' shared key
  gridfusion-mongodb          username, password, uri      fusion's and the departments' MongoDB user
  gateway-mongodb             username, password, uri      the gateway's MongoDB user (accounts only)

Keep the output in your secret manager; running this again makes different
values. To use a MongoDB outside the cluster, pass --mongodb-uri and
--gateway-mongodb-uri, the URIs of two users made there (the in-cluster replica
set and its bootstrap Job can then be removed with a kustomize patch).
Two Secrets are the operator's own and not made here: gateway-admin-password
(the first county administrator's, read by the hand-applied Job
deploy/k8s/jobs/bootstrap-admin.yaml) and, with single sign-on, gateway-oidc.
Only the standard library is used, so it runs anywhere Python 3.11 does.
"""

from __future__ import annotations

import argparse
import base64
import json
import secrets
import sys
from urllib.parse import quote

SERVICES = ("gateway", "fusion", "comprehensive-governance", "petition", "legal-aid",
            "police-assistant", "civil-affairs")
MONGODB_MEMBERS = 3

# What the manifests read from each Secret; deploy/checks/manifests.py holds
# the prod overlay to exactly this.
SECRET_KEYS: dict[str, tuple[str, ...]] = {
    "gateway-jwt": ("key",),
    **{f"nats-user-{s}": ("username", "password") for s in SERVICES},
    "nats-route": ("password",),
    "mongodb-root": ("username", "password"),
    "mongodb-keyfile": ("keyfile",),
    "gridfusion-mongodb": ("username", "password", "uri"),
    "gateway-mongodb": ("username", "password", "uri"),
}


def nats_user(service: str) -> str:
    """NATS user name of a service: its department id (underscores) or its name."""
    return service.replace("-", "_")


def in_cluster_uri(user: str, password: str, namespace: str) -> str:
    hosts = ",".join(f"mongodb-{i}.mongodb-headless:27017"
                     for i in range(MONGODB_MEMBERS))
    return (f"mongodb://{quote(user)}:{quote(password)}@{hosts}/"
            "?replicaSet=rs0&authSource=admin&w=majority&journal=true")


def secret(name: str, namespace: str, data: dict[str, str]) -> dict:
    assert set(data) == set(SECRET_KEYS[name]), name
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace,
                     "labels": {"app.kubernetes.io/part-of": "gridfusion"}},
        "type": "Opaque",
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
    }


def generate(namespace: str, mongodb_uri: str | None = None,
             gateway_mongodb_uri: str | None = None) -> dict:
    if (mongodb_uri is None) != (gateway_mongodb_uri is None):
        raise ValueError("an outside MongoDB needs both --mongodb-uri and --gateway-mongodb-uri")

    # URL-safe values: they go into NATS route URLs and the MongoDB URI.
    def pw() -> str:
        return secrets.token_urlsafe(32)

    items = [secret("gateway-jwt", namespace, {"key": secrets.token_urlsafe(48)})]
    items += [secret(f"nats-user-{s}", namespace, {"username": nats_user(s), "password": pw()})
              for s in SERVICES]
    items.append(secret("nats-route", namespace, {"password": pw()}))
    items.append(secret("mongodb-root", namespace, {"username": "root", "password": pw()}))
    # 6 to 1024 base64 characters (MongoDB's keyfile rule).
    items.append(secret("mongodb-keyfile", namespace,
                        {"keyfile": base64.b64encode(secrets.token_bytes(756)).decode()}))
    app_pw = pw()
    items.append(secret("gridfusion-mongodb", namespace, {
        "username": "gridfusion", "password": app_pw,
        "uri": mongodb_uri or in_cluster_uri("gridfusion", app_pw, namespace),
    }))
    gateway_pw = pw()
    items.append(secret("gateway-mongodb", namespace, {
        "username": "gateway", "password": gateway_pw,
        "uri": gateway_mongodb_uri or in_cluster_uri("gateway", gateway_pw, namespace),
    }))
    return {"apiVersion": "v1", "kind": "List", "items": items}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--namespace", default="gridfusion")
    ap.add_argument("--mongodb-uri", help="fusion's and the departments' MongoDB URI, "
                    "for a MongoDB outside the cluster")
    ap.add_argument("--gateway-mongodb-uri", help="the gateway's MongoDB URI (a user of its own, "
                    "readWrite on gridfusion_gateway only), for a MongoDB outside the cluster")
    ap.add_argument("--only", action="append", metavar="SECRET", choices=sorted(SECRET_KEYS),
                    help="print only this Secret (repeatable), e.g. one a new release reads")
    args = ap.parse_args()
    try:
        doc = generate(args.namespace, args.mongodb_uri, args.gateway_mongodb_uri)
    except ValueError as exc:
        ap.error(str(exc))
    if args.only:
        doc["items"] = [i for i in doc["items"] if i["metadata"]["name"] in args.only]
    json.dump(doc, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
