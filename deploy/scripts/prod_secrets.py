#!/usr/bin/env python3
"""Make the Secrets the prod overlay reads, with fresh random values.

    python3 deploy/scripts/prod_secrets.py --namespace gridfusion > secrets.json
    kubectl create -f secrets.json        # `create`, not `apply`: never overwrites

On a running installation, a release that reads a new Secret needs only that
one: `--only fusion-mongodb` (repeatable) prints just the Secrets named.

Prints a Kubernetes List (JSON, which kubectl reads as YAML) of:
  gateway-jwt                 key                          the gateway's JWT signing key
  nats-user-<service>         username, password           one NATS user per service
  nats-route                  password                     NATS cluster routes
  mongodb-root                username, password           MongoDB administrator
  mongodb-keyfile             keyfile                      MongoDB members' shared key
  <service>-mongodb           username, password, uri      one MongoDB user per service (7), readWrite
                                                           on its own database only (gridfusion_fusion,
                                                           gridfusion_<department>, gridfusion_gateway)
  gateway-service-token       token, sha256                the gateway's credential on calls to the
                                                           department services (they read sha256)
  department-system-<dept>    token, sha256                one per department: its own system's
                                                           credential (hand `token` to that system;
                                                           the department services read sha256)

Keep the output in your secret manager; running this again makes different
values. To use a MongoDB outside the cluster, make there one user per service
with readWrite on its own database only, and pass each one's URI as
--mongodb-uri <service>=<uri> (all seven; the in-cluster replica set and its
bootstrap Job can then be removed with a kustomize patch).
Two Secrets are the operator's own and not made here: gateway-admin-password
(the first county administrator's, read by the hand-applied Job
deploy/k8s/jobs/bootstrap-admin.yaml) and, with single sign-on, gateway-oidc.
Only the standard library is used, so it runs anywhere Python 3.11 does.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import secrets
import sys
from urllib.parse import quote

SERVICES = ("gateway", "fusion", "comprehensive-governance", "petition", "legal-aid",
            "police-assistant", "civil-affairs")
DEPARTMENTS = ("comprehensive-governance", "petition", "legal-aid", "police-assistant",
               "civil-affairs")
MONGODB_MEMBERS = 3


def mongodb_secret(service: str) -> str:
    """The Secret of a service's own MongoDB user (its MONGODB_URI)."""
    return f"{service}-mongodb"


# What the manifests read from each Secret; deploy/checks/manifests.py holds
# the prod overlay to exactly this.
SECRET_KEYS: dict[str, tuple[str, ...]] = {
    "gateway-jwt": ("key",),
    **{f"nats-user-{s}": ("username", "password") for s in SERVICES},
    "nats-route": ("password",),
    "mongodb-root": ("username", "password"),
    "mongodb-keyfile": ("keyfile",),
    **{mongodb_secret(s): ("username", "password", "uri") for s in SERVICES},
    "gateway-service-token": ("token", "sha256"),
    **{f"department-system-{d}": ("token", "sha256") for d in DEPARTMENTS},
}


def nats_user(service: str) -> str:
    """NATS (and MongoDB) user name of a service: its department id (underscores) or its name."""
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


def generate(namespace: str, mongodb_uris: dict[str, str] | None = None) -> dict:
    """Every Secret; `mongodb_uris` (service -> URI) for a MongoDB outside the cluster."""
    if mongodb_uris:
        unknown = sorted(set(mongodb_uris) - set(SERVICES))
        missing = [s for s in SERVICES if s not in mongodb_uris]
        if unknown or missing:
            raise ValueError("an outside MongoDB needs --mongodb-uri <service>=<uri> for each of "
                             f"{', '.join(SERVICES)}"
                             + (f"; unknown: {', '.join(unknown)}" if unknown else "")
                             + (f"; missing: {', '.join(missing)}" if missing else ""))

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
    # One MongoDB user per service; the bootstrap Job gives each readWrite on its own database.
    for s in SERVICES:
        user, password = nats_user(s), pw()
        items.append(secret(mongodb_secret(s), namespace, {
            "username": user, "password": password,
            "uri": (mongodb_uris or {}).get(s) or in_cluster_uri(user, password, namespace),
        }))
    # gRPC bearer tokens (32 random bytes) with the SHA-256 the department services check
    # them against.
    for name in ("gateway-service-token", *(f"department-system-{d}" for d in DEPARTMENTS)):
        token = secrets.token_urlsafe(32)
        items.append(secret(name, namespace, {
            "token": token, "sha256": hashlib.sha256(token.encode()).hexdigest()}))
    return {"apiVersion": "v1", "kind": "List", "items": items}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--namespace", default="gridfusion")
    ap.add_argument("--mongodb-uri", action="append", metavar="SERVICE=URI", default=[],
                    help="for a MongoDB outside the cluster: a service's URI, as a user of its "
                    "own with readWrite on its own database only (repeat for all seven)")
    ap.add_argument("--only", action="append", metavar="SECRET", choices=sorted(SECRET_KEYS),
                    help="print only this Secret (repeatable), e.g. one a new release reads")
    args = ap.parse_args()
    uris = {}
    for given in args.mongodb_uri:
        service, sep, uri = given.partition("=")
        if not sep or not uri:
            ap.error(f"--mongodb-uri {given!r}: expected SERVICE=URI")
        uris[service] = uri
    try:
        doc = generate(args.namespace, uris)
    except ValueError as exc:
        ap.error(str(exc))
    if args.only:
        doc["items"] = [i for i in doc["items"] if i["metadata"]["name"] in args.only]
    json.dump(doc, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
