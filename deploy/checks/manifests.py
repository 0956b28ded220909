#!/usr/bin/env python3
"""Render every overlay, validate it strictly, and check that its parts agree.

For each overlay in deploy/k8s/overlays, and again for each overlay with each
optional component of deploy/k8s/components (label `<overlay>+<component>`):
1. `kubectl kustomize` renders it;
2. `kubernetes-validate --strict` accepts every object at the pinned
   Kubernetes version (unknown fields are errors);
3. the parts agree with each other and with the services' contract:
   - every Secret a pod reads exists (dev renders them all; prod reads the ones
     deploy/scripts/prod_secrets.py makes) and has the key read;
   - NATS: auth.conf is exactly what the permission table
     (services/platform/permissions.py) writes; each service's NATS user is a
     user of auth.conf, whose password variable the NATS pods take from that
     same Secret; a department's user may touch only its own department's
     subjects and its own hand-over consumer, and may listen to fusion's
     reference announcements (gridfusion.reference.>) without publishing
     there; only fusion may announce a reference version, every service may
     hear it; each user reads replies only in its own inbox (_INBOX_<user>.>)
     and nobody publishes into one; nobody may delete or purge a stream; the
     gateway uses JetStream only to follow the CASES stream (its info, an
     ephemeral consumer, flow-control replies); the rendered NATS configuration passes
     `nats-server -t` with the pods' environment;
   - the gateway's gRPC targets are rendered Services on port 50051; its
     token lifetimes are within bounds; single sign-on, when configured, is
     complete (issuer, client id, mapping file, public URL; the URLs https,
     the mapping file on a mounted volume, egress to the issuer's port);
   - fusion's address is set wherever it is needed (the gateway's
     GATEWAY_FUSION_TARGET and GRIDFUSION_FUSION_TARGET, each department's
     DEPARTMENT_FUSION_TARGET) and names a Service of fusion's pods; where
     fusion does not seed the synthetic county, the gateway's reach fusion
     pods that are not ready yet (publishNotReadyAddresses), or the first
     import of reference data could never reach fusion;
   - startup and liveness probes of the services never ask for readiness
     (which waits for reference data that only an operator brings);
   - no demo account can exist: GATEWAY_LOCAL_MODE is unset or false in every
     container; in prod, GRIDFUSION_DEMO_PASSWORD is set nowhere;
   - prod never seeds the synthetic county: FUSION_SEED_REFERENCE is unset or
     false in every container;
   - gRPC credentials (finding 5): the gateway sends its service token from
     Secret gateway-service-token; every department service reads the SHA-256
     of it and of each department system's token (department-system-<dept>),
     each from its own Secret, and no pod of the namespace holds a department
     system's token; a rendered token is at least 32 bytes, unique, and its
     sha256 key is its digest; prod: gRPC reflection (GRPC_REFLECTION) is
     unset or false in every container;
   - each department's systems (pods labelled gridfusion.io/department: <d>
     in a namespace labelled gridfusion.io/role: department-systems) reach
     that department's service and no other; unlabelled pods of that namespace
     and department-labelled pods of other namespaces reach none;
   - MongoDB: one user per service (the permission table), each created by
     the bootstrap Job from its own Secret with readWrite on exactly its own
     database (gridfusion_fusion, gridfusion_<department>, the gateway's
     GATEWAY_DATABASE); each service's MONGODB_URI comes from that Secret, no
     two share one, and a rendered URI signs in as that user;
   - the NetworkPolicies let every pod reach what its settings name: MongoDB
     for MONGODB_URI, NATS for NATS_USER, the gRPC targets of the gateway,
     fusion for GRIDFUSION_FUSION_TARGET and DEPARTMENT_FUSION_TARGET;
   - every service container has a read-only root and an emptyDir at /tmp;
   - prod: 3 NATS nodes (fsync always, streams of 3 replicas), 3 MongoDB
     members, at least 2 fusion replicas, a PodDisruptionBudget for every
     workload, autoscaling for gateway and fusion (fusion's may be KEDA's);
   - custom resources (KEDA's ScaledObject, the Prometheus Operator's PodMonitor and
     PrometheusRule), which kubernetes-validate passes unchecked: each fits a subset of its
     CRD's schema and points at what is rendered (deploy/checks/custom_resources.py).
4. the Jobs operators apply by hand (deploy/k8s/jobs), as applied next to the
   prod overlay: strictly valid; the Secrets they read exist; their settings
   equal the gateway's; their security context is the gateway's; the
   NetworkPolicies let them reach what they need.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import itertools
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import custom_resources
from _common import (
    JOBS_OVERLAY,
    KUBERNETES_VERSION,
    OVERLAYS,
    REPO_ROOT,
    CheckFailed,
    containers,
    dump_yaml,
    hand_applied_jobs,
    load_yaml_docs,
    main_wrapper,
    pod_specs,
    project_module,
    render_variant,
    run,
    timed,
    tool,
    variants,
)

DEPARTMENTS = ("comprehensive_governance", "petition", "legal_aid", "police_assistant",
               "civil_affairs")
APP_COMPONENTS = ("gateway", "fusion", "department")
GRPC_PORT = 50051
MONGODB_PORT = 27017
NATS_PORT = 4222
# Secrets an operator makes by hand (deploy/README.md), read only by the
# hand-applied Jobs; neither rendered nor made by prod_secrets.py.
HAND_MADE_SECRETS: dict[str, set[str]] = {"gateway-admin-password": {"password"}}
# How pydantic reads a boolean: these mean false, those true, anything else is invalid.
FALSE = ("0", "off", "f", "false", "n", "no")
TRUE = ("1", "on", "t", "true", "y", "yes")
# What fusion announces to every service (a new current reference version,
# services/fusion/reference.py): each service listens, only fusion speaks.
ANNOUNCEMENTS = ("gridfusion.reference.activated",)
ANNOUNCER = "fusion"
# What the gateway's replicas tell each other (the sessions one of them ended, gateway/feed.py):
# every replica speaks and hears there, no other service may speak.
GATEWAY_NOTICES = ("gridfusion.gateway.sessions.ended",)
# The JetStream API the gateway uses: following the CASES stream with an ephemeral ordered consumer,
# and reading it once more with its durable gateway-notifications (webhooks and notifications).
GATEWAY_JETSTREAM = ("$JS.API.STREAM.INFO.CASES", "$JS.API.CONSUMER.CREATE.CASES", "$JS.FC.CASES.>",
                     "$JS.API.CONSUMER.INFO.CASES.gateway-notifications",
                     "$JS.API.CONSUMER.CREATE.CASES.gateway-notifications.gridfusion.cases.>",
                     "$JS.API.CONSUMER.MSG.NEXT.CASES.gateway-notifications",
                     "$JS.ACK.CASES.gateway-notifications.>")
# Settings that name fusion's gRPC address, by the component whose pods read them:
# the gateway's own calls, the `gridfusion reference` command in a gateway pod, and the
# department services' reference data. Unset, each falls back to 127.0.0.1:50050.
FUSION_TARGETS = {"gateway": ("GATEWAY_FUSION_TARGET", "GRIDFUSION_FUSION_TARGET"),
                  "department": ("DEPARTMENT_FUSION_TARGET",)}
# The gRPC health service name that stays SERVING while the process runs
# (services/platform/grpcserver.py).
LIVENESS_SERVICE = "liveness"
# gRPC bearer tokens (services/platform/grpcserver.py): the gateway's, and one per department
# system; each Secret holds the token and its SHA-256, which the department services read.
GATEWAY_TOKEN_SECRET = "gateway-service-token"
MIN_TOKEN_BYTES = 32
# Where a department's own systems run (deploy/README.md, "Department systems").
SYSTEMS_NAMESPACE_LABELS = {"gridfusion.io/role": "department-systems"}
DEPARTMENT_LABEL = "gridfusion.io/department"
MAX_TOKEN_MINUTES = 30
MAX_REFRESH_HOURS = 24 * 30


def validate(path: Path) -> None:
    proc = run([tool("kubernetes-validate"), "--strict", "--quiet", "--no-warn",
                "-k", KUBERNETES_VERSION, str(path)], check=False)
    if proc.returncode != 0:
        raise CheckFailed(f"kubernetes-validate --strict (Kubernetes {KUBERNETES_VERSION}) "
                          f"rejects {path.name}:\n{(proc.stdout + proc.stderr).strip()}")


def external_secret_spec(root: Path) -> dict[str, set[str]]:
    sys.path.insert(0, str(root / "deploy" / "scripts"))
    try:
        import prod_secrets  # type: ignore
    finally:
        sys.path.pop(0)
    return {name: set(keys) for name, keys in prod_secrets.SECRET_KEYS.items()}


class Overlay:
    def __init__(self, name: str, docs: list[dict], overlay: str | None = None):
        self.name = name  # the label: an overlay, or <overlay>+<component>
        self.overlay = overlay or name
        self.docs = docs
        self.by_kind: dict[str, dict[str, dict]] = {}
        for d in docs:
            self.by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d

    def get(self, kind: str, name: str) -> dict | None:
        return self.by_kind.get(kind, {}).get(name)

    def find(self, kind: str, prefix: str) -> dict | None:
        """A generated object (name-hash suffix) or a plain one."""
        for name, d in self.by_kind.get(kind, {}).items():
            if name == prefix or re.fullmatch(re.escape(prefix) + HASH_SUFFIX, name):
                return d
        return None

    def workloads(self):
        for d in self.docs:
            for wname, spec in pod_specs(d):
                yield d, wname, spec

    def policies(self) -> list[dict]:
        return list(self.by_kind.get("NetworkPolicy", {}).values())

    def pods_of(self, selector: dict) -> list[tuple[str, dict, dict]]:
        """(workload, pod labels, pod spec) of the workloads whose pods a selector picks."""
        out = []
        for d, wname, spec in self.workloads():
            labels = (d.get("spec", {}).get("template", {}).get("metadata", {}).get("labels") or {})
            if selects(selector, labels):
                out.append((wname, labels, spec))
        return out

    def app_workloads(self):
        for d, wname, spec in self.workloads():
            comp = (d.get("spec", {}).get("template", {}).get("metadata", {})
                    .get("labels", {}).get("app.kubernetes.io/component"))
            if comp in APP_COMPONENTS and d["kind"] == "Deployment":
                yield d, wname, spec, comp


def selects(selector: dict, labels: dict) -> bool:
    """A Kubernetes label selector ({} picks everything)."""
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for e in selector.get("matchExpressions") or []:
        key, op, values = e["key"], e["operator"], e.get("values") or []
        if ((op == "In" and labels.get(key) not in values)
                or (op == "NotIn" and key in labels and labels[key] in values)
                or (op == "Exists" and key not in labels)
                or (op == "DoesNotExist" and key in labels)):
            return False
    return True


def policy_types(policy: dict) -> list[str]:
    spec = policy["spec"]
    return spec.get("policyTypes") or ["Ingress"] + (["Egress"] if "egress" in spec else [])


def port_admits(ports: list[dict] | None, port: int) -> bool:
    if not ports:
        return True
    for p in ports:
        if p.get("protocol", "TCP") != "TCP":
            continue
        if "port" not in p:
            return True
        if isinstance(p["port"], int) and p["port"] <= port <= p.get("endPort", p["port"]):
            return True
    return False


def peer_admits(peer: dict, labels: dict) -> bool:
    """A policy peer admits a pod of the policy's own namespace with these labels.
    Conservative: address blocks and selectors of other namespaces admit none."""
    if "ipBlock" in peer or peer.get("namespaceSelector"):
        return False
    return selects(peer.get("podSelector") or {}, labels)


def policies_allow(policies: list[dict], kind: str, pod: dict, admits) -> bool:
    """Whether the policies let `pod` send (Egress) or receive (Ingress) what `admits`
    describes: no policy of that kind selects the pod, or one of its rules admits it."""
    selecting = [p for p in policies if kind in policy_types(p)
                 and selects(p["spec"].get("podSelector") or {}, pod)]
    if not selecting:
        return True
    key = "to" if kind == "Egress" else "from"
    return any(admits(rule.get(key) or [], rule.get("ports"))
               for p in selecting for rule in p["spec"].get(kind.lower()) or [])


def reachable(policies: list[dict], src: dict, dst: dict, port: int) -> str | None:
    """None when pods labelled `src` may open TCP `port` on pods labelled `dst` in the
    same namespace; otherwise which side's policies refuse it."""
    out = policies_allow(policies, "Egress", src, lambda peers, ports: port_admits(ports, port)
                         and (not peers or any(peer_admits(x, dst) for x in peers)))
    into = policies_allow(policies, "Ingress", dst, lambda peers, ports: port_admits(ports, port)
                          and (not peers or any(peer_admits(x, src) for x in peers)))
    if out and into:
        return None
    return "egress" if not out else "ingress"


def egress_outside(policies: list[dict], src: dict, port: int) -> bool:
    """Pods labelled `src` may open TCP `port` to some address outside the namespace."""
    return policies_allow(policies, "Egress", src, lambda peers, ports: port_admits(ports, port)
                          and (not peers or any("ipBlock" in x or "namespaceSelector" in x
                                                for x in peers)))


def secret_data(secret: dict) -> dict[str, str]:
    out = {k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()}
    out.update(secret.get("stringData") or {})
    return out


# kustomize's name suffix: 10 characters of hex with 0, 1, 3, a, e swapped
# for letters that spell no words.
HASH_SUFFIX = r"-[2456789bcdfghkmt]{10}"


def strip_hash(name: str) -> str:
    return re.sub(HASH_SUFFIX + "$", "", name)


def env_of(container: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container.get("env") or []}


def check_secrets(ov: Overlay, external: dict[str, set[str]], errors: list[str],
                  workloads=None, hand_made: dict[str, set[str]] | None = None) -> None:
    rendered = {strip_hash(n): set(secret_data(s)) for n, s in ov.by_kind.get("Secret", {}).items()}
    for _, wname, spec in (ov.workloads() if workloads is None else workloads):
        refs = []
        for c in containers(spec):
            for e in c.get("env") or []:
                ref = (e.get("valueFrom") or {}).get("secretKeyRef")
                if ref:
                    refs.append((ref["name"], ref["key"], f"{c['name']} env {e['name']}",
                                 ref.get("optional", False)))
            for ef in c.get("envFrom") or []:
                if ef.get("secretRef"):
                    refs.append((ef["secretRef"]["name"], None, f"{c['name']} envFrom",
                                 ef["secretRef"].get("optional", False)))
        for v in spec.get("volumes") or []:
            if v.get("secret"):
                for item in v["secret"].get("items") or [{"key": None}]:
                    refs.append((v["secret"]["secretName"], item["key"], f"volume {v['name']}",
                                 v["secret"].get("optional", False)))
        for name, key, where, optional in refs:
            base = strip_hash(name)
            if base in rendered:
                keys = rendered[base]
            elif ov.overlay != "dev" and base in external:
                keys = external[base]
            elif hand_made and base in hand_made:
                keys = hand_made[base]
            elif optional:
                continue  # absent on purpose until the operator creates it
            else:
                errors.append(f"{wname} ({where}) reads Secret {base!r}, which the overlay "
                              "neither renders nor lists in deploy/scripts/prod_secrets.py")
                continue
            if key is not None and key not in keys:
                errors.append(f"{wname} ({where}) reads key {key!r} of Secret {base!r}, "
                              f"which has only {sorted(keys)}")


AUTH_USER = re.compile(
    r"user:\s*(?P<user>[A-Za-z0-9_]+)\s*\n\s*password:\s*\$(?P<var>[A-Z0-9_]+)\s*\n"
    r"\s*permissions:\s*\{(?P<perms>.*?)\n\s*\}\s*\n\s*\}", re.DOTALL)
# Where each NATS user gets its replies (services.platform.permissions.inbox_prefix).
INBOX = "_INBOX"


def parse_auth(text: str) -> dict[str, dict]:
    """Each user's password variable and the subjects it may publish and subscribe to
    (`deny: [">"]` alone: nothing; neither allow nor deny: everything)."""
    users = {}
    for m in AUTH_USER.finditer(text):
        perms = {}
        for kind in ("publish", "subscribe"):
            rules = {verb: re.findall(r'"([^"]+)"', found.group(1))
                     for verb in ("allow", "deny")
                     for found in [re.search(kind + r":\s*\{[^}]*?" + verb + r":\s*\[(.*?)\]",
                                             m.group("perms"), re.DOTALL)] if found}
            perms[kind] = rules.get("allow") or ([] if ">" in rules.get("deny", []) else [">"])
        users[m.group("user")] = {"var": m.group("var"), **perms}
    return users


def permission_table(root: Path):
    """services/platform/permissions.py of the repository checked: the table auth.conf is
    written from (standard library only, so it loads here without the services' packages)."""
    return project_module(root / "services" / "platform" / "permissions.py")


def check_nats(ov: Overlay, root: Path, external: dict[str, set[str]], errors: list[str]) -> None:
    cm = ov.find("ConfigMap", "nats-config")
    sts = ov.get("StatefulSet", "nats")
    if not cm or not sts:
        errors.append("NATS: ConfigMap nats-config or StatefulSet nats missing")
        return
    files = cm.get("data") or {}
    if "nats.conf" not in files or "auth.conf" not in files:
        errors.append(f"NATS: nats-config must hold nats.conf and auth.conf, has {sorted(files)}")
        return
    try:
        table = permission_table(root)
    except (OSError, ImportError, SyntaxError) as exc:
        errors.append(f"NATS: cannot load the permission table services/platform/permissions.py: {exc}")
    else:
        diff = table.drift(files["auth.conf"], DEPARTMENTS, name=f"auth.conf rendered in {ov.name}")
        if diff:
            lines = diff.splitlines()
            errors.append("NATS: auth.conf differs from the permission table "
                          "(services/platform/permissions.py); write it with `make nats-auth`:\n"
                          + "\n".join(lines[:40]) + (f"\n… {len(lines) - 40} more lines" if len(lines) > 40 else ""))
    users = parse_auth(files["auth.conf"])
    if not users:
        errors.append("NATS: no users found in auth.conf")
        return
    nats_c = next(c for c in sts["spec"]["template"]["spec"]["containers"] if c["name"] == "nats")
    nats_env = env_of(nats_c)
    secrets = {strip_hash(n): secret_data(s) for n, s in ov.by_kind.get("Secret", {}).items()}

    used: dict[str, str] = {}
    for _, wname, spec, comp in ov.app_workloads():
        c = spec["containers"][0]
        env = env_of(c)
        ref = (env.get("NATS_USER", {}).get("valueFrom") or {}).get("secretKeyRef")
        pref = (env.get("NATS_PASSWORD", {}).get("valueFrom") or {}).get("secretKeyRef")
        if not ref or not pref:
            errors.append(f"{wname}: NATS_USER and NATS_PASSWORD must come from a Secret")
            continue
        secret = strip_hash(ref["name"])
        if strip_hash(pref["name"]) != secret:
            errors.append(f"{wname}: NATS_USER and NATS_PASSWORD come from different Secrets")
        if secret in secrets:
            user = secrets[secret].get("username")
        else:
            user = external_username(secret)
        if user not in users:
            errors.append(f"{wname}: NATS user {user!r} (Secret {secret}) is not in auth.conf")
            continue
        if user in used:
            errors.append(f"{wname}: NATS user {user!r} is shared with {used[user]}")
        used[user] = wname
        var = users[user]["var"]
        nref = (nats_env.get(var, {}).get("valueFrom") or {}).get("secretKeyRef")
        if not nref or strip_hash(nref["name"]) != secret or nref["key"] != "password":
            errors.append(f"NATS pods: ${var} (password of {user!r}) must come from Secret "
                          f"{secret!r} key 'password', the one {wname} uses")
        if comp == "department":
            dept = c["args"][-1]
            if user != dept:
                errors.append(f"{wname}: serves {dept!r} but connects as NATS user {user!r}")
    for user in users:
        if user not in used:
            errors.append(f"NATS user {user!r} in auth.conf is used by no service")
    for user, perms in users.items():
        if user in DEPARTMENTS:
            for kind in ("publish", "subscribe"):
                for subj in perms[kind]:
                    parts = subj.split(".")
                    if parts[0] != "gridfusion" or (len(parts) >= 3 and parts[2] == user):
                        continue
                    if kind == "subscribe" and parts[:2] == ["gridfusion", "reference"]:
                        continue  # fusion's announcements to every service
                    errors.append(f"NATS user {user!r} may touch {subj!r}, "
                                  "outside its own department's subjects")
            if f"gridfusion.events.{user}.>" not in perms["publish"]:
                errors.append(f"NATS user {user!r} cannot publish gridfusion.events.{user}.>")
            if "$JS.API.>" in perms["publish"]:
                errors.append(f"NATS user {user!r} may use the whole JetStream API; a department "
                              "needs only its own hand-over consumer")
            own_api = department_jetstream_api(user)
            for need in own_api:
                if need not in perms["publish"]:
                    errors.append(f"NATS user {user!r} lacks publish {need}")
            for subj in perms["publish"]:
                if subj.startswith("$JS") and subj not in own_api:
                    errors.append(f"NATS user {user!r} may publish {subj!r}; a department reaches "
                                  "JetStream only through its own hand-over consumer")
    for user, perms in users.items():
        # Replies come to each user's own inbox: nobody reads another's, nobody answers into one.
        own = f"{INBOX}_{user}.>"
        for other in ("", *(f"_{u}" for u in users if u != user), "_admin"):
            if any(nats_match(subj, f"{INBOX}{other}.reply.1") for subj in perms["subscribe"]):
                whose = f"{other[1:]}'s" if other else "every user's"
                errors.append(f"NATS user {user!r} may read {whose} replies "
                              f"({INBOX}{other}.>); a user reads only its own inbox, {own}")
        if any(nats_match(subj, f"{INBOX}{sfx}.reply.1") for subj in perms["publish"]
               for sfx in ("", *(f"_{u}" for u in users))):
            errors.append(f"NATS user {user!r} may publish into inboxes; no service answers requests")
        if any(s.startswith("$JS.API") for s in perms["publish"]) and own not in perms["subscribe"]:
            errors.append(f"NATS user {user!r} uses JetStream but cannot subscribe its inbox {own}")
        for subject in ("$JS.API.STREAM.DELETE.EVENTS", "$JS.API.STREAM.PURGE.EVENTS"):
            if any(nats_match(p, subject) for p in perms["publish"]):
                errors.append(f"NATS user {user!r} may delete or purge streams ({subject})")
        if user == "gateway":
            for need in GATEWAY_JETSTREAM:
                if need not in perms["publish"]:
                    errors.append(f"NATS user 'gateway' lacks publish {need}: its live feed and case "
                                  "lists could not follow the case changes")
            for subj in perms["publish"]:
                if subj.startswith("$JS") and subj not in GATEWAY_JETSTREAM:
                    errors.append(f"NATS user 'gateway' may publish {subj!r}; the gateway reaches "
                                  "JetStream only to follow the case changes (" + ", ".join(GATEWAY_JETSTREAM) + ")")
    for subject in ANNOUNCEMENTS:
        for user, perms in users.items():
            speaks = any(nats_match(p, subject) for p in perms["publish"])
            if user == ANNOUNCER and not speaks:
                errors.append(f"NATS user {user!r} cannot publish {subject}: a new reference "
                              "version would reach the other services only at their next poll")
            elif user != ANNOUNCER and speaks:
                errors.append(f"NATS user {user!r} may publish {subject}; only {ANNOUNCER} "
                              "announces reference versions")
            if not any(nats_match(p, subject) for p in perms["subscribe"]):
                errors.append(f"NATS user {user!r} cannot subscribe {subject}: it would switch "
                              "reference versions only at its next poll")
    for subject in GATEWAY_NOTICES:
        for user, perms in users.items():
            speaks = any(nats_match(p, subject) for p in perms["publish"])
            hears = any(nats_match(p, subject) for p in perms["subscribe"])
            if user == "gateway" and not (speaks and hears):
                errors.append(f"NATS user 'gateway' cannot {'publish' if not speaks else 'subscribe'} "
                              f"{subject}: a session one replica ends would stay open on the others "
                              "for up to GATEWAY_SESSION_CACHE_SECONDS")
            elif user != "gateway" and speaks:
                errors.append(f"NATS user {user!r} may publish {subject}; only the gateway ends sessions")
    nats_server_test(ov, files, nats_c, errors)


def nats_match(pattern: str, subject: str) -> bool:
    """Whether a NATS permission pattern (`*` one token, `>` the rest) covers a subject."""
    tokens, parts = pattern.split("."), subject.split(".")
    for i, token in enumerate(tokens):
        if token == ">":
            return len(parts) > i
        if i >= len(parts) or token not in ("*", parts[i]):
            return False
    return len(tokens) == len(parts)


def department_jetstream_api(department: str) -> tuple[str, ...]:
    """The JetStream API a department service uses: its durable hand-over consumer, nothing else."""
    durable = f"handover-{department}"
    return (
        f"$JS.API.CONSUMER.INFO.HANDOVERS.{durable}",
        f"$JS.API.CONSUMER.CREATE.HANDOVERS.{durable}.gridfusion.handover.{department}.>",
        f"$JS.API.CONSUMER.MSG.NEXT.HANDOVERS.{durable}",
        f"$JS.ACK.HANDOVERS.{durable}.>",
    )


def external_username(secret: str) -> str | None:
    m = re.fullmatch(r"nats-user-(.+)", secret)
    return m.group(1).replace("-", "_") if m else None


def nats_server_test(ov: Overlay, files: dict[str, str], container: dict, errors: list[str]) -> None:
    """`nats-server -t` on the rendered config with the pods' environment (dummy secrets)."""
    env = {"PATH": os.environ.get("PATH", "")}
    for e in container.get("env") or []:
        if "value" in e:
            env[e["name"]] = re.sub(r"\$\(([A-Z0-9_]+)\)", lambda m: env.get(m.group(1), ""),
                                    e["value"])
        elif (e.get("valueFrom") or {}).get("fieldRef"):
            env[e["name"]] = "nats-0"
        else:
            env[e["name"]] = f"test-{e['name'].lower().replace('_', '-')}"
    replicas = ov.get("StatefulSet", "nats")["spec"].get("replicas", 1)
    conf = files["nats.conf"]
    if "cluster" in conf:
        routes = re.findall(r"\$NATS_ROUTE_(\d+)", conf)
        if len(routes) != replicas:
            errors.append(f"NATS: {len(routes)} routes for {replicas} nodes")
    if replicas > 1 and "cluster" not in conf:
        errors.append(f"NATS: {replicas} nodes but no cluster block in nats.conf")
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in files.items():
            Path(tmp, name).write_text(text)
        proc = run([tool("nats-server"), "-t", "-c", str(Path(tmp, "nats.conf"))],
                   env=env, check=False)
        if proc.returncode != 0:
            errors.append(f"NATS: nats-server -t rejects the {ov.name} configuration: "
                          f"{(proc.stdout + proc.stderr).strip()}")


def check_gateway(ov: Overlay, errors: list[str]) -> None:
    cm = ov.find("ConfigMap", "gateway-config")
    if not cm:
        errors.append("ConfigMap gateway-config missing")
        return
    data = cm["data"]
    try:
        targets = json.loads(data["GATEWAY_DEPARTMENT_TARGETS"])
    except (KeyError, ValueError) as exc:
        errors.append(f"GATEWAY_DEPARTMENT_TARGETS is not a JSON object: {exc}")
        return
    if sorted(targets) != sorted(DEPARTMENTS):
        errors.append(f"GATEWAY_DEPARTMENT_TARGETS names {sorted(targets)}, "
                      f"expected {sorted(DEPARTMENTS)}")
    all_targets = dict(targets, fusion=data.get("GATEWAY_FUSION_TARGET", ""))
    for who, target in all_targets.items():
        host, _, port = target.rpartition(":")
        svc = ov.get("Service", host)
        if not svc:
            errors.append(f"gateway target for {who} ({target!r}) names no Service")
        elif int(port or 0) not in [p["port"] for p in svc["spec"]["ports"]]:
            errors.append(f"gateway target for {who} ({target!r}): Service {host} has no port {port}")
        elif who in DEPARTMENTS and ov.get("Deployment", host) and (
                ov.get("Deployment", host)["spec"]["template"]["spec"]["containers"][0]["args"][-1]
                != who):
            errors.append(f"gateway target for {who} ({target!r}) is another department's service")


def effective_env(ov: Overlay, container: dict, external: dict[str, set[str]]
                  ) -> tuple[dict[str, tuple[str | None, str]], list[str]]:
    """What a container's process finds in its environment: name -> (value, where from),
    the value None when it comes from a Secret the overlay does not render. Also the
    sources whose names cannot be known (a ConfigMap or Secret neither rendered nor
    made by prod_secrets.py)."""
    env: dict[str, tuple[str | None, str]] = {}
    opaque: list[str] = []
    rendered_secrets = {strip_hash(n): secret_data(s)
                        for n, s in ov.by_kind.get("Secret", {}).items()}
    for ef in container.get("envFrom") or []:
        prefix = ef.get("prefix", "")
        if ef.get("configMapRef"):
            name = ef["configMapRef"]["name"]
            cm = ov.get("ConfigMap", name)
            if cm is None:
                opaque.append(f"envFrom ConfigMap {name}")
                continue
            for k, v in (cm.get("data") or {}).items():
                env[prefix + k] = (v, f"ConfigMap {strip_hash(name)}")
        if ef.get("secretRef"):
            name = strip_hash(ef["secretRef"]["name"])
            if name in rendered_secrets:
                for k, v in rendered_secrets[name].items():
                    env[prefix + k] = (v, f"Secret {name}")
            elif ov.overlay != "dev" and name in external:
                for k in external[name]:
                    env[prefix + k] = (None, f"Secret {name}")
            else:
                opaque.append(f"envFrom Secret {name}")
    for e in container.get("env") or []:
        src = e.get("valueFrom") or {}
        if "value" in e or not src:
            env[e["name"]] = (e.get("value", ""), "env")
        elif src.get("configMapKeyRef"):
            ref = src["configMapKeyRef"]
            cm = ov.get("ConfigMap", ref["name"])
            value = (cm.get("data") or {}).get(ref["key"]) if cm else None
            env[e["name"]] = (value, f"ConfigMap {strip_hash(ref['name'])}")
        elif src.get("secretKeyRef"):
            ref = src["secretKeyRef"]
            value = rendered_secrets.get(strip_hash(ref["name"]), {}).get(ref["key"])
            env[e["name"]] = (value, f"Secret {strip_hash(ref['name'])}")
        else:
            env[e["name"]] = (None, "env")
    return env, opaque


Env = dict[str, tuple[str | None, str]]


def lookup_all(env: Env, name: str) -> list[tuple[str | None, str]]:
    """Every variable pydantic-settings may take for a setting: it ignores case."""
    return [v for k, v in env.items() if k.upper() == name]


def lookup(env: Env, name: str) -> tuple[str | None, str] | None:
    found = lookup_all(env, name)
    return found[-1] if found else None


def is_gateway(container: dict) -> bool:
    return list(container.get("args") or [])[:2] == ["serve", "gateway"]


def check_no_demo_accounts(ov: Overlay, external: dict[str, set[str]], errors: list[str],
                           workloads=None) -> int:
    """Local mode creates the demo accounts; prod may not even carry their password.
    Returns how many gateway containers were looked at."""
    gateways = 0
    for _, wname, spec in (ov.workloads() if workloads is None else workloads):
        for c in containers(spec):
            env, opaque = effective_env(ov, c, external)
            gateways += is_gateway(c)
            for value, where in lookup_all(env, "GATEWAY_LOCAL_MODE"):
                if value is None:
                    errors.append(f"{wname} ({c['name']}): GATEWAY_LOCAL_MODE comes from {where}, "
                                  "which cannot be checked; it must be unset or false")
                elif value.strip().lower() not in FALSE:
                    errors.append(f"{wname} ({c['name']}): GATEWAY_LOCAL_MODE={value!r} ({where}); "
                                  "local mode creates demo accounts: it must be unset or false")
            if ov.overlay == "prod":
                for _, where in lookup_all(env, "GRIDFUSION_DEMO_PASSWORD"):
                    errors.append(f"{wname} ({c['name']}): GRIDFUSION_DEMO_PASSWORD is set "
                                  f"({where}); prod has no demo accounts")
                for src in opaque:
                    errors.append(f"{wname} ({c['name']}): {src} is neither rendered nor made by "
                                  "prod_secrets.py, so no demo or seeding setting in it can be "
                                  "ruled out")
    if ov.overlay == "prod" and workloads is None:
        for kind in ("ConfigMap", "Secret"):
            for name, d in ov.by_kind.get(kind, {}).items():
                data = secret_data(d) if kind == "Secret" else (d.get("data") or {})
                if any(k.upper() == "GRIDFUSION_DEMO_PASSWORD" for k in data):
                    errors.append(f"{kind} {strip_hash(name)} holds GRIDFUSION_DEMO_PASSWORD; "
                                  "prod has no demo accounts")
        for name, keys in external.items():
            if any(k.upper() == "GRIDFUSION_DEMO_PASSWORD" for k in keys):
                errors.append(f"prod_secrets.py puts GRIDFUSION_DEMO_PASSWORD into Secret {name}")
    if workloads is None and gateways == 0:
        errors.append("no gateway container found (args `serve gateway`): cannot confirm "
                      "that no demo account can exist")
    return gateways


def is_fusion(container: dict) -> bool:
    return list(container.get("args") or [])[:2] == ["serve", "fusion"]


def seeds(value: str | None) -> bool:
    """Whether a FUSION_SEED_REFERENCE value turns seeding on (pydantic's reading)."""
    return value is not None and value.strip().lower() in TRUE


def check_no_seeding(ov: Overlay, external: dict[str, set[str]], errors: list[str],
                     workloads=None) -> tuple[int, int]:
    """Prod: fusion never stores the synthetic county, in any container. Returns how many
    containers, and how many fusion containers, were looked at. (Sources whose names cannot
    be known are reported by check_no_demo_accounts.)"""
    looked = fusions = 0
    for _, wname, spec in (ov.workloads() if workloads is None else workloads):
        for c in containers(spec):
            env, _ = effective_env(ov, c, external)
            looked += 1
            fusions += is_fusion(c)
            for value, where in lookup_all(env, "FUSION_SEED_REFERENCE"):
                if value is None:
                    errors.append(f"{wname} ({c['name']}): FUSION_SEED_REFERENCE comes from "
                                  f"{where}, which cannot be checked; it must be unset or false")
                elif value.strip().lower() not in FALSE:
                    errors.append(f"{wname} ({c['name']}): FUSION_SEED_REFERENCE={value!r} "
                                  f"({where}); prod never seeds the synthetic county: it must be "
                                  "unset or false")
    if workloads is None and fusions == 0:
        errors.append("no fusion container found (args `serve fusion`): cannot confirm that "
                      "fusion never seeds the synthetic county")
    return looked, fusions


def service_pods(ov: Overlay, target: str) -> tuple[dict | None, list, str | None]:
    """The Service a `host:port` target names and the pods behind it, or why there is none."""
    host, _, port = target.rpartition(":")
    svc = ov.get("Service", host)
    if svc is None or not port.isdigit():
        return None, [], "names no rendered Service"
    if int(port) not in [p["port"] for p in svc["spec"]["ports"]]:
        return None, [], f"Service {host} has no port {port}"
    selector = svc["spec"].get("selector") or {}
    if not selector:
        return svc, [], f"Service {host} selects no pods"
    return svc, ov.pods_of({"matchLabels": selector}), None


def check_fusion_targets(ov: Overlay, external: dict[str, set[str]], errors: list[str]) -> None:
    """Whoever needs fusion has its address, and the address is fusion's. Where fusion
    does not seed, the gateway's must reach fusion pods before they are ready."""
    fusion_seeds = False
    for _, _, spec, comp in ov.app_workloads():
        if comp == "fusion":
            env, _ = effective_env(ov, spec["containers"][0], external)
            found = lookup(env, "FUSION_SEED_REFERENCE")
            fusion_seeds = fusion_seeds or seeds(found[0] if found else None)
    for _, wname, spec, comp in ov.app_workloads():
        env, _ = effective_env(ov, spec["containers"][0], external)
        for name in FUSION_TARGETS.get(comp, ()):
            found = lookup(env, name)
            if not found or not found[0]:
                errors.append(f"{wname}: {name} is not set: its default, 127.0.0.1:50050, is "
                              "no address of fusion in a cluster")
                continue
            target = found[0]
            svc, pods, why = service_pods(ov, target)
            if why:
                errors.append(f"{wname}: {name}={target!r} {why}")
                continue
            strangers = [w for w, labels, _ in pods
                         if labels.get("app.kubernetes.io/component") != "fusion"]
            if not pods or strangers:
                errors.append(f"{wname}: {name}={target!r} is not fusion: Service "
                              f"{svc['metadata']['name']} routes to {strangers or 'no pod'}")
            elif comp == "gateway" and not fusion_seeds \
                    and not svc["spec"].get("publishNotReadyAddresses"):
                errors.append(
                    f"{wname}: {name}={target!r}: Service {svc['metadata']['name']} routes only "
                    "to ready fusion pods, and fusion is not ready until reference data is "
                    "imported (FUSION_SEED_REFERENCE is off): the first import could never reach "
                    "fusion; name a Service with publishNotReadyAddresses: true")


def check_probes(ov: Overlay, errors: list[str]) -> None:
    """Startup and liveness probes never wait for readiness: a service is not ready until
    the county's reference data exists, and restarting it cannot bring that about."""
    for _, wname, spec, _ in ov.app_workloads():
        c = spec["containers"][0]
        ready_path = ((c.get("readinessProbe") or {}).get("httpGet") or {}).get("path")
        for kind in ("startupProbe", "livenessProbe"):
            probe = c.get(kind) or {}
            if "grpc" in probe and probe["grpc"].get("service") != LIVENESS_SERVICE:
                errors.append(f"{wname}: {kind} asks for gRPC health service "
                              f"{probe['grpc'].get('service', '')!r}, which stays NOT_SERVING "
                              "until reference data is loaded: on a new cluster the kubelet would "
                              f"restart the pod over and over; ask for {LIVENESS_SERVICE!r}")
            path = (probe.get("httpGet") or {}).get("path")
            if path and path == ready_path:
                errors.append(f"{wname}: {kind} asks {path}, the readiness path, which fails "
                              "until reference data is loaded: on a new cluster the kubelet would "
                              "restart the pod over and over")


def check_gateway_env(ov: Overlay, external: dict[str, set[str]], errors: list[str]) -> bool:
    """The gateway's token lifetimes are within bounds, and single sign-on is either off
    or complete. Returns whether single sign-on is on."""
    on = False
    for d, wname, spec in ov.workloads():
        for c in containers(spec):
            if not is_gateway(c):
                continue
            env, _ = effective_env(ov, c, external)
            for key, low, high in (("GATEWAY_TOKEN_MINUTES", 1, MAX_TOKEN_MINUTES),
                                   ("GATEWAY_REFRESH_HOURS", 1, MAX_REFRESH_HOURS)):
                for value, where in lookup_all(env, key):
                    if value is not None and not (value.isdigit() and low <= int(value) <= high):
                        errors.append(f"{wname}: {key}={value!r} ({where}) must be a whole "
                                      f"number from {low} to {high}")
            oidc = {k.upper(): v for k, v in env.items() if v[0] != ""
                    and (k.upper().startswith("GATEWAY_OIDC_") or k.upper() == "GATEWAY_PUBLIC_URL")}
            if not oidc:
                continue
            on = True
            # The gateway itself insists on issuer, client id and mapping file; in a cluster
            # the public URL too, or the redirect address would be the pod's own.
            for key in ("GATEWAY_OIDC_ISSUER", "GATEWAY_OIDC_CLIENT_ID",
                        "GATEWAY_OIDC_MAPPING_FILE", "GATEWAY_PUBLIC_URL"):
                value, _ = oidc.get(key, (None, ""))
                if not value:
                    errors.append(f"{wname}: single sign-on is configured "
                                  f"({', '.join(sorted(oidc))}) but {key} is not set")
                elif key in ("GATEWAY_OIDC_ISSUER", "GATEWAY_PUBLIC_URL") and not (
                        urlsplit(value).scheme == "https" and urlsplit(value).hostname):
                    errors.append(f"{wname}: {key}={value!r} must be an https:// URL")
            scopes = (oidc.get("GATEWAY_OIDC_SCOPES") or (None, ""))[0]
            if scopes is not None and "openid" not in scopes.split():
                errors.append(f"{wname}: GATEWAY_OIDC_SCOPES={scopes!r} must include openid")
            secret = env_of(c).get("GATEWAY_OIDC_CLIENT_SECRET")
            if secret and not (secret.get("valueFrom") or {}).get("secretKeyRef"):
                errors.append(f"{wname}: GATEWAY_OIDC_CLIENT_SECRET must come from a Secret")
            mapping = (oidc.get("GATEWAY_OIDC_MAPPING_FILE") or (None, ""))[0]
            if mapping:
                mounts = [m for m in c.get("volumeMounts") or []
                          if mapping.startswith(m["mountPath"].rstrip("/") + "/")]
                if not mounts:
                    errors.append(f"{wname}: GATEWAY_OIDC_MAPPING_FILE={mapping!r} is on no volume "
                                  "mounted into the gateway")
            labels = d["spec"]["template"]["metadata"].get("labels") or {}
            issuer = (oidc.get("GATEWAY_OIDC_ISSUER") or (None, ""))[0] or ""
            try:
                port = urlsplit(issuer).port or 443
            except ValueError:
                port = 443
            if not egress_outside(ov.policies(), labels, port):
                errors.append(f"{wname}: single sign-on is configured but no NetworkPolicy lets "
                              f"the gateway reach the provider over HTTPS ({port})")
    return on


def check_containers(ov: Overlay, errors: list[str]) -> None:
    for _, wname, spec, _ in ov.app_workloads():
        c = spec["containers"][0]
        if not (c.get("securityContext") or {}).get("readOnlyRootFilesystem"):
            errors.append(f"{wname}: root filesystem must be read-only")
        tmp = [m for m in c.get("volumeMounts") or [] if m["mountPath"] == "/tmp"]
        vols = {v["name"]: v for v in spec.get("volumes") or []}
        if not tmp or "emptyDir" not in vols.get(tmp[0]["name"], {}):
            errors.append(f"{wname}: needs an emptyDir mounted at /tmp")


def component(name: str) -> dict:
    return {"matchLabels": {"app.kubernetes.io/component": name}}


def destinations(ov: Overlay, env: Env) -> list[tuple[str, dict, int]]:
    """(what, pod selector, port) of everything a container's settings say it talks to."""
    out = []
    if lookup(env, "MONGODB_URI") is not None:
        out.append(("MongoDB (MONGODB_URI)", component("mongodb"), MONGODB_PORT))
    if lookup(env, "NATS_USER") is not None:
        out.append(("NATS (NATS_USER)", component("nats"), NATS_PORT))
    targets = {}
    for name in sorted({n for names in FUSION_TARGETS.values() for n in names}):
        fusion = lookup(env, name)
        if fusion and fusion[0]:
            targets[name] = fusion[0]
    depts = lookup(env, "GATEWAY_DEPARTMENT_TARGETS")
    if depts and depts[0]:
        try:
            targets.update({f"GATEWAY_DEPARTMENT_TARGETS[{k}]": v
                            for k, v in json.loads(depts[0]).items()})
        except ValueError:
            pass  # check_gateway reports it
    for what, target in targets.items():
        host, _, port = target.rpartition(":")
        svc = ov.get("Service", host)
        if not svc or not port.isdigit():
            continue  # check_gateway reports it
        sport = next((p for p in svc["spec"]["ports"] if p["port"] == int(port)), None)
        if sport is None:
            continue
        selector = {"matchLabels": svc["spec"].get("selector") or {}}
        tport = sport.get("targetPort", sport["port"])
        if isinstance(tport, str):
            named = [cp["containerPort"] for _, _, spec in ov.pods_of(selector)
                     for c in containers(spec) for cp in c.get("ports") or []
                     if cp.get("name") == tport]
            if not named:
                continue
            tport = named[0]
        out.append((f"{host}:{port} ({what})", selector, tport))
    return out


def check_network(ov: Overlay, external: dict[str, set[str]], errors: list[str],
                  workloads=None) -> None:
    """Every pod may reach, under the NetworkPolicies, what its settings name."""
    policies = ov.policies()
    items = ov.workloads() if workloads is None else workloads
    for d, wname, spec in items:
        labels = d["spec"]["template"]["metadata"].get("labels") or {}
        for c in containers(spec):
            env, _ = effective_env(ov, c, external)
            for what, selector, port in destinations(ov, env):
                pods = ov.pods_of(selector)
                if not pods:
                    errors.append(f"{wname}: {what}: no rendered pod serves it")
                for dname, dlabels, _ in pods:
                    refused = reachable(policies, labels, dlabels, port)
                    if refused:
                        errors.append(f"{wname}: the NetworkPolicies refuse its connection to "
                                      f"{what} ({dname}, port {port}): no {refused} rule admits it")


def system_secret(department: str) -> str:
    """The Secret of a department system's token: department-system-<department, dashed>."""
    return "department-system-" + department.replace("_", "-")


def secret_ref(container: dict, name: str) -> tuple[str, str] | None:
    """(Secret, key) a container's variable comes from, or None."""
    ref = ((env_of(container).get(name) or {}).get("valueFrom") or {}).get("secretKeyRef")
    return (strip_hash(ref["name"]), ref["key"]) if ref else None


def check_grpc_credentials(ov: Overlay, errors: list[str]) -> None:
    """The gateway sends its token; each department service knows the digests of the gateway's
    and of every department system's token, each from its own Secret; no pod holds a token
    that is not its own to send; the rendered tokens are long, distinct, and digested right."""
    token_secrets = {GATEWAY_TOKEN_SECRET, *(system_secret(d) for d in DEPARTMENTS)}
    for d, wname, spec in ov.workloads():
        for c in containers(spec):
            gateway = is_gateway(c)
            if gateway and secret_ref(c, "GATEWAY_SERVICE_TOKEN") != (GATEWAY_TOKEN_SECRET, "token"):
                errors.append(f"{wname}: GATEWAY_SERVICE_TOKEN must come from Secret "
                              f"{GATEWAY_TOKEN_SECRET!r} key 'token': without it the department "
                              "services refuse the gateway")
            for e in c.get("env") or []:
                ref = (e.get("valueFrom") or {}).get("secretKeyRef")
                if ref and strip_hash(ref["name"]) in token_secrets and ref["key"] != "sha256" \
                        and not (gateway and strip_hash(ref["name"]) == GATEWAY_TOKEN_SECRET):
                    errors.append(f"{wname} ({c['name']}): {e['name']} reads key {ref['key']!r} of "
                                  f"Secret {strip_hash(ref['name'])!r}: a token is its holder's alone "
                                  "(the services read only its sha256)")
            for ef in c.get("envFrom") or []:
                if ef.get("secretRef") and strip_hash(ef["secretRef"]["name"]) in token_secrets:
                    errors.append(f"{wname} ({c['name']}): envFrom Secret "
                                  f"{strip_hash(ef['secretRef']['name'])!r} hands it a token that is "
                                  "not its own")
        for v in spec.get("volumes") or []:
            if v.get("secret") and strip_hash(v["secret"]["secretName"]) in token_secrets:
                errors.append(f"{wname}: volume {v['name']} mounts Secret "
                              f"{strip_hash(v['secret']['secretName'])!r}, a token that is not its own")
    for _, wname, spec, comp in ov.app_workloads():
        if comp != "department":
            continue
        c = spec["containers"][0]
        own = c["args"][-1]
        wanted = {"DEPARTMENT_GATEWAY_TOKEN_SHA256": GATEWAY_TOKEN_SECRET}
        wanted |= {f"DEPARTMENT_SYSTEM_TOKEN_SHA256__{d.upper()}": system_secret(d) for d in DEPARTMENTS}
        for name, secret in wanted.items():
            found = secret_ref(c, name)
            if found != (secret, "sha256"):
                whose = ("the gateway's" if secret == GATEWAY_TOKEN_SECRET
                         else f"{own}'s own system's" if secret == system_secret(own)
                         else "another department's system's")
                source = f"Secret {found[0]!r} key {found[1]!r}" if found else "elsewhere"
                errors.append(f"{wname}: {name} must come from Secret {secret!r} key 'sha256' "
                              f"(the digest of {whose} token), not {source}")
    rendered = {strip_hash(n): secret_data(x) for n, x in ov.by_kind.get("Secret", {}).items()}
    seen: dict[str, str] = {}
    for name in sorted(token_secrets & set(rendered)):
        data = rendered[name]
        token, digest = data.get("token", ""), data.get("sha256", "")
        if len(token.encode()) < MIN_TOKEN_BYTES:
            errors.append(f"Secret {name}: the token must be at least {MIN_TOKEN_BYTES} bytes")
        if digest != hashlib.sha256(token.encode()).hexdigest():
            errors.append(f"Secret {name}: sha256 is not the SHA-256 of its token: the services "
                          "would refuse its holder")
        if token in seen:
            errors.append(f"Secrets {seen[token]} and {name} hold the same token")
        seen[token] = name


def check_no_reflection(ov: Overlay, external: dict[str, set[str]], errors: list[str]) -> int:
    """Prod: no gRPC server offers reflection. Returns how many containers were looked at."""
    looked = 0
    for _, wname, spec in ov.workloads():
        for c in containers(spec):
            env, _ = effective_env(ov, c, external)
            looked += 1
            for value, where in lookup_all(env, "GRPC_REFLECTION"):
                if value is None or value.strip().lower() not in FALSE:
                    errors.append(f"{wname} ({c['name']}): GRPC_REFLECTION={value!r} ({where}); "
                                  "prod serves no gRPC reflection: it must be unset or false")
    return looked


def outside_admitted(policies: list[dict], dst: dict, namespace: dict, pod: dict, port: int) -> bool:
    """Whether the Ingress policies let a pod labelled `pod`, in another namespace labelled
    `namespace`, open TCP `port` on pods labelled `dst`. An address block counts as admitting
    (it may cover that pod)."""

    def peer(x: dict) -> bool:
        if "ipBlock" in x:
            return True
        if "namespaceSelector" not in x:
            return False  # a pod selector alone picks pods of the policy's own namespace
        return selects(x["namespaceSelector"] or {}, namespace) and selects(x.get("podSelector") or {}, pod)

    return policies_allow(policies, "Ingress", dst, lambda peers, ports: port_admits(ports, port)
                          and (not peers or any(peer(x) for x in peers)))


def check_department_systems(ov: Overlay, errors: list[str]) -> int:
    """Each department's systems reach its service, and no other department's. Returns how
    many department services were looked at."""
    policies = ov.policies()
    systems_ns = {**SYSTEMS_NAMESPACE_LABELS, "kubernetes.io/metadata.name": "department-systems"}
    other_ns = {"kubernetes.io/metadata.name": "elsewhere"}
    looked = 0
    for d, wname, spec, comp in ov.app_workloads():
        if comp != "department":
            continue
        looked += 1
        serves = spec["containers"][0]["args"][-1]
        labels = d["spec"]["template"]["metadata"].get("labels") or {}
        if labels.get(DEPARTMENT_LABEL) != serves:
            errors.append(f"{wname}: serves {serves!r} but its pods are labelled "
                          f"{DEPARTMENT_LABEL}={labels.get(DEPARTMENT_LABEL)!r}")
        ports = {GRPC_PORT} | {p["containerPort"] for c in containers(spec) for p in c.get("ports") or []}
        for system in DEPARTMENTS:
            pod = {DEPARTMENT_LABEL: system}
            for port in sorted(ports):
                admitted = outside_admitted(policies, labels, systems_ns, pod, port)
                if system == serves and port == GRPC_PORT and not admitted:
                    errors.append(f"{wname}: the NetworkPolicies refuse {serves}'s own department "
                                  f"systems (gridfusion.io/department: {serves} in a namespace "
                                  f"labelled gridfusion.io/role: department-systems) on port {port}")
                elif system != serves and admitted:
                    errors.append(f"{wname}: the NetworkPolicies let {system}'s department systems "
                                  f"reach {serves}'s service on port {port}: a department system "
                                  "may reach its own department's service only")
            if outside_admitted(policies, labels, other_ns, pod, GRPC_PORT):
                errors.append(f"{wname}: the NetworkPolicies let pods labelled {DEPARTMENT_LABEL}: "
                              f"{system} of any namespace reach {serves}'s service, not only those of "
                              "namespaces labelled gridfusion.io/role: department-systems")
        if outside_admitted(policies, labels, systems_ns, {}, GRPC_PORT):
            errors.append(f"{wname}: the NetworkPolicies let every pod of the department-systems "
                          f"namespaces reach {serves}'s service, not only {serves}'s own systems")
    return looked


def check_prod(ov: Overlay, errors: list[str]) -> None:
    def replicas(kind, name):
        d = ov.get(kind, name)
        return None if d is None else d["spec"].get("replicas", 1)

    if replicas("StatefulSet", "nats") != 3:
        errors.append("prod: NATS must run 3 nodes")
    if replicas("StatefulSet", "mongodb") != 3:
        errors.append("prod: MongoDB must run 3 members")
    conf = ov.find("ConfigMap", "nats-config")["data"]["nats.conf"]
    if not re.search(r"^\s*sync_interval:\s*always\s*$", conf, re.MULTILINE):
        errors.append("prod: nats.conf must set jetstream sync_interval: always")
    if ov.find("ConfigMap", "gridfusion-config")["data"].get("NATS_STREAM_REPLICAS") != "3":
        errors.append("prod: NATS_STREAM_REPLICAS must be 3")
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h["spec"].get("minReplicas", 1)
            for h in ov.by_kind.get("HorizontalPodAutoscaler", {}).values()}
    hpas |= {s["spec"]["scaleTargetRef"]["name"]: s["spec"].get("minReplicaCount", 0)
             for s in ov.by_kind.get("ScaledObject", {}).values()}
    for name in ("gateway", "fusion"):
        if name not in hpas:
            errors.append(f"prod: no HorizontalPodAutoscaler or ScaledObject for {name}")
        elif hpas[name] < 2:
            errors.append(f"prod: {name} must keep at least 2 replicas")
    pdb_selectors = [p["spec"]["selector"]["matchLabels"] for p in ov.by_kind.get("PodDisruptionBudget", {}).values()]
    for kind in ("Deployment", "StatefulSet"):
        for name, d in ov.by_kind.get(kind, {}).items():
            labels = d["spec"]["template"]["metadata"]["labels"]
            if not any(all(labels.get(k) == v for k, v in sel.items()) for sel in pdb_selectors):
                errors.append(f"prod: no PodDisruptionBudget covers {kind}/{name}")
            if kind == "Deployment" and name not in hpas and d["spec"].get("replicas", 1) < 2:
                errors.append(f"prod: {kind}/{name} runs fewer than 2 replicas")


def check_custom_resources(ov: Overlay, root: Path, errors: list[str]) -> str:
    """The custom resources of an overlay (deploy/checks/custom_resources.py); says what they do."""
    problems, seen = custom_resources.schema_problems(ov.docs)
    errors += problems
    if problems or not seen:
        return ""
    done = []
    if ov.by_kind.get("ScaledObject"):
        namespace = next(iter(ov.by_kind["ScaledObject"].values()))["metadata"].get("namespace")
        custom_resources.check_scaled_objects(ov.docs, namespace, permission_table(root).FUSION_CONSUMERS, errors)
    for so in ov.by_kind.get("ScaledObject", {}).values():
        triggers = ", ".join(t["type"] if t["type"] != "nats-jetstream" else
                             f"the lag of {t['metadata'].get('stream')}/{t['metadata'].get('consumer')}"
                             for t in so["spec"].get("triggers") or [])
        done.append(f"KEDA scales {so['spec']['scaleTargetRef']['name']} on {triggers}")
    if ov.by_kind.get("PodMonitor") or ov.by_kind.get("PrometheusRule"):
        scraped = custom_resources.check_pod_monitors(ov.docs, errors)
        rules = sum(len(g.get("rules") or []) for r in ov.by_kind.get("PrometheusRule", {}).values()
                    for g in r["spec"].get("groups") or [])
        done.append(f"{len(ov.by_kind.get('PodMonitor', {}))} PodMonitors scrape {scraped} workloads, "
                    f"{rules} rules")
    return f"{seen} custom resources checked against their schemas; " + "; ".join(done)


def service_of(comp: str, container: dict) -> str:
    """The service a workload runs: gateway, fusion, or the department in its arguments."""
    return container["args"][-1] if comp == "department" else comp


def check_mongodb(ov: Overlay, root: Path, errors: list[str]) -> None:
    """One MongoDB user per service, readWrite on its own database only (the permission
    table), created by the bootstrap Job from the Secret the service's MONGODB_URI reads."""
    sts = ov.get("StatefulSet", "mongodb")
    job = ov.get("Job", "mongodb-bootstrap")
    if not sts or not job:
        errors.append("MongoDB: StatefulSet mongodb or Job mongodb-bootstrap missing")
        return
    env = env_of(job["spec"]["template"]["spec"]["containers"][0])
    members = env.get("MONGODB_MEMBERS", {}).get("value")
    if str(sts["spec"].get("replicas", 1)) != members:
        errors.append(f"MongoDB: the bootstrap Job sets up {members} members, "
                      f"the StatefulSet runs {sts['spec'].get('replicas', 1)}")
    try:
        table = permission_table(root)
    except (OSError, ImportError, SyntaxError) as exc:
        errors.append(f"MongoDB: cannot load the permission table services/platform/permissions.py: {exc}")
        return
    services = table.service_users(DEPARTMENTS)
    # The users the Job creates: prefix -> (Secret, databases).
    prefixes = [x.strip() for x in (env.get("MONGODB_USERS", {}).get("value") or "").split(",") if x.strip()]
    if sorted(prefixes) != sorted(s.upper() for s in services):
        errors.append(f"MongoDB: the bootstrap Job's MONGODB_USERS is {prefixes}; it must name one "
                      f"user per service: {[s.upper() for s in services]}")
    secret_of: dict[str, str] = {}
    for service in services:
        prefix = service.upper()
        ref = (env.get(f"MONGODB_{prefix}_USERNAME", {}).get("valueFrom") or {}).get("secretKeyRef")
        pref = (env.get(f"MONGODB_{prefix}_PASSWORD", {}).get("valueFrom") or {}).get("secretKeyRef")
        if not ref or not pref or strip_hash(ref["name"]) != strip_hash(pref["name"]):
            errors.append(f"MongoDB: the bootstrap Job must take MONGODB_{prefix}_USERNAME and "
                          "_PASSWORD from one Secret")
            continue
        secret_of[service] = strip_hash(ref["name"])
        listed = env.get(f"MONGODB_{prefix}_DATABASE", {}).get("value") or ""
        want = table.mongodb_database(service)
        if [x.strip() for x in listed.split(",")] != [want]:
            errors.append(f"MongoDB: {service}'s user may use {listed!r} (MONGODB_{prefix}_DATABASE); "
                          f"it must be exactly its own database, {want!r}")
    for a, b in itertools.combinations(secret_of, 2):
        if secret_of[a] == secret_of[b]:
            errors.append(f"MongoDB: {a} and {b} share the user of Secret {secret_of[a]}")
    gw_cm = ov.find("ConfigMap", "gateway-config")
    gw_db = ((gw_cm or {}).get("data") or {}).get("GATEWAY_DATABASE", "gridfusion_gateway")
    if gw_db != table.mongodb_database("gateway"):
        errors.append(f"MongoDB: the gateway's database (GATEWAY_DATABASE) is {gw_db!r}, but its "
                      f"user may use only {table.mongodb_database('gateway')!r}")
    for _, wname, spec, comp in ov.app_workloads():
        container = spec["containers"][0]
        service = service_of(comp, container)
        uri_env = env_of(container).get("MONGODB_URI", {})
        ref = (uri_env.get("valueFrom") or {}).get("secretKeyRef")
        want = secret_of.get(service)
        if want is None:
            errors.append(f"{wname}: the bootstrap Job creates no MongoDB user for {service!r}")
        elif ref is None:
            errors.append(f"{wname}: needs MONGODB_URI from Secret {want!r}")
        elif strip_hash(ref["name"]) != want or ref["key"] != "uri":
            errors.append(f"{wname}: MONGODB_URI comes from Secret {strip_hash(ref['name'])!r} "
                          f"key {ref['key']!r}; its MongoDB user's is {want!r} key 'uri'")
    for service, name in secret_of.items():
        secret = ov.find("Secret", name)
        if not secret:
            continue  # prod: made by prod_secrets.py
        data = secret_data(secret)
        uri = data.get("uri", "")
        if "replicaSet=rs0" not in uri:
            errors.append(f"MongoDB: the MONGODB_URI in Secret {name} must name replicaSet=rs0")
        user, password = (quote(data.get(k, ""), safe="") for k in ("username", "password"))
        if not uri.startswith(f"mongodb://{user}:{password}@"):
            errors.append(f"MongoDB: the uri in Secret {name} does not sign in as its own "
                          "username and password")
        if data.get("username") != service:
            errors.append(f"MongoDB: Secret {name} names user {data.get('username')!r}; "
                          f"{service}'s user is {service!r}")


def same_hardening(wname: str, spec: dict, like: dict, errors: list[str]) -> None:
    """A pod is hardened at least as `like` (the gateway's pod): every security setting of
    the pod and of its first container, no service-account token, an emptyDir at /tmp."""
    if spec.get("automountServiceAccountToken") is not False:
        errors.append(f"{wname}: must not mount a service-account token")
    pairs = [("pod", spec.get("securityContext") or {}, like.get("securityContext") or {})]
    pairs += [(f"container {c['name']}", c.get("securityContext") or {},
               like["containers"][0].get("securityContext") or {}) for c in containers(spec)]
    for where, ours, theirs in pairs:
        for k, v in theirs.items():
            if ours.get(k) != v:
                errors.append(f"{wname}: {where} securityContext.{k} is {ours.get(k)!r}, "
                              f"the services' is {v!r}")
    vols = {v["name"]: v for v in spec.get("volumes") or []}
    for c in containers(spec):
        tmp = [m for m in c.get("volumeMounts") or [] if m["mountPath"] == "/tmp"]
        if not tmp or "emptyDir" not in vols.get(tmp[0]["name"], {}):
            errors.append(f"{wname} ({c['name']}): needs an emptyDir mounted at /tmp")


def check_jobs(root: Path, ov: Overlay, outdir: Path, external: dict[str, set[str]]) -> list[str]:
    """The hand-applied Jobs as they are applied next to this overlay."""
    jobs = hand_applied_jobs(root, ov.docs)
    if not jobs:
        return []
    path = outdir / f"{ov.name}-jobs.yaml"
    path.write_text(dump_yaml([doc for _, doc in jobs]))
    with timed(f"jobs next to {ov.name}: kubernetes-validate --strict {KUBERNETES_VERSION}"):
        validate(path)
    errors: list[str] = []
    workloads = [(doc, f"{src.name}: {wname}", spec)
                 for src, doc in jobs for wname, spec in pod_specs(doc)]
    check_secrets(ov, external, errors, workloads, HAND_MADE_SECRETS)
    check_no_demo_accounts(ov, external, errors, workloads)
    if ov.overlay == "prod":
        check_no_seeding(ov, external, errors, workloads)
    check_network(ov, external, errors, workloads)
    gw_spec = ov.get("Deployment", "gateway")["spec"]["template"]["spec"]
    gw_env, _ = effective_env(ov, gw_spec["containers"][0], external)
    for _, wname, spec in workloads:
        same_hardening(wname, spec, gw_spec, errors)
        for c in containers(spec):
            # Settings the gateway has too must be the gateway's: the same database,
            # the same fusion, the same MongoDB user.
            env, _ = effective_env(ov, c, external)
            for name, (value, where) in env.items():
                theirs = lookup(gw_env, name.upper())
                if theirs is None:
                    continue
                if where.startswith("Secret") or theirs[1].startswith("Secret"):
                    if where != theirs[1]:
                        errors.append(f"{wname} ({c['name']}): {name} comes from {where}, "
                                      f"the gateway's from {theirs[1]}")
                elif value != theirs[0]:
                    errors.append(f"{wname} ({c['name']}): {name}={value!r}, "
                                  f"the gateway's is {theirs[0]!r}")
            mounted = {m["mountPath"].rstrip("/") + "/" + item["path"]
                       for m in c.get("volumeMounts") or [] for v in spec.get("volumes") or []
                       if v["name"] == m["name"] and v.get("secret")
                       for item in v["secret"].get("items") or []}
            args = list(c.get("args") or [])
            for flag, value in itertools.pairwise(args):
                if flag == "--password-file" and value not in mounted:
                    errors.append(f"{wname} ({c['name']}): --password-file {value} is no mounted "
                                  f"Secret key (mounted: {sorted(mounted)})")
    names = ", ".join(sorted({src.name for src, _ in jobs}))
    print(f"jobs next to {ov.name}: {len(jobs)} validated ({names})")
    return errors


def check_overlay(root: Path, label: str, overlay: str, component: str | None, outdir: Path,
                  external: dict[str, set[str]], rendered: dict[str, list[dict]]) -> list[str]:
    """Checks one overlay, or one overlay with a component. `rendered` keeps each plain
    overlay's objects: with a component, only the objects it changed are validated again."""
    with timed(f"{label}: kubectl kustomize"):
        text = render_variant(root, overlay, component)
    path = outdir / f"{label}.yaml"
    path.write_text(text)
    docs = load_yaml_docs(text)
    if component is None or overlay not in rendered:
        to_validate = path
    else:
        to_validate = outdir / f"{label}-changed.yaml"
        to_validate.write_text(dump_yaml([d for d in docs if d not in rendered[overlay]]))
    with timed(f"{label}: kubernetes-validate --strict {KUBERNETES_VERSION}"):
        validate(to_validate)
    if component is None:
        rendered[overlay] = docs
    ov = Overlay(label, docs, overlay)
    errors: list[str] = []
    with timed(f"{label}: consistency"):
        check_secrets(ov, external, errors)
        check_nats(ov, root, external, errors)
        check_gateway(ov, errors)
        gateways = check_no_demo_accounts(ov, external, errors)
        sso = check_gateway_env(ov, external, errors)
        check_fusion_targets(ov, external, errors)
        check_probes(ov, errors)
        check_containers(ov, errors)
        check_mongodb(ov, root, errors)
        check_network(ov, external, errors)
        check_grpc_credentials(ov, errors)
        departments = check_department_systems(ov, errors)
        customs = check_custom_resources(ov, root, errors)
        if overlay == "prod":
            looked, fusions = check_no_seeding(ov, external, errors)
            reflecting = check_no_reflection(ov, external, errors)
            check_prod(ov, errors)
    print(f"{label}: {len(ov.docs)} objects rendered and validated"
          + ("; single sign-on configured" if sso else ""))
    if customs and not errors:
        print(f"{label}: {customs}")
    if overlay == "prod" and not errors:
        print(f"{label}: no demo account can exist: GATEWAY_LOCAL_MODE unset or false in every "
              f"container ({gateways} gateway), GRIDFUSION_DEMO_PASSWORD set nowhere")
        print(f"{label}: fusion never seeds the synthetic county: FUSION_SEED_REFERENCE unset or "
              f"false in all {looked} containers ({fusions} fusion)")
        print(f"{label}: no gRPC reflection: GRPC_REFLECTION unset or false in all {reflecting} "
              "containers")
    if not errors:
        print(f"{label}: each department system reaches only its own department's service "
              f"({departments} department services), with its own token")
    if overlay == JOBS_OVERLAY and component is None:
        errors += check_jobs(root, ov, outdir, external)
    return errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=REPO_ROOT)
    ap.add_argument("--out", type=Path, help="keep the rendered overlays in this folder")
    ap.add_argument("overlays", nargs="*", default=list(OVERLAYS))
    args = ap.parse_args()
    external = external_secret_spec(args.root)
    rendered: dict[str, list[dict]] = {}
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        for label, overlay, component in variants(args.root, args.overlays):
            try:
                errors = check_overlay(args.root, label, overlay, component, out, external, rendered)
            except CheckFailed as exc:
                errors = [str(exc)]
            failures += [f"[{label}] {e}" for e in errors]
    if failures:
        raise CheckFailed("\n" + "\n".join(failures))


if __name__ == "__main__":
    main_wrapper(main)
