#!/usr/bin/env python3
"""Render every overlay, validate it strictly, and check that its parts agree.

For each overlay in deploy/k8s/overlays:
1. `kubectl kustomize` renders it;
2. `kubernetes-validate --strict` accepts every object at the pinned
   Kubernetes version (unknown fields are errors);
3. the parts agree with each other and with the services' contract:
   - every Secret a pod reads exists (dev renders them all; prod reads the ones
     deploy/scripts/prod_secrets.py makes) and has the key read;
   - NATS: each service's NATS user is a user of auth.conf, whose password
     variable the NATS pods take from that same Secret; a department's user
     may touch only its own department's subjects; the rendered NATS
     configuration passes `nats-server -t` with the pods' environment;
   - the gateway's gRPC targets are rendered Services on port 50051, and its
     local mode is off;
   - every service container has a read-only root and an emptyDir at /tmp;
   - prod: 3 NATS nodes (fsync always, streams of 3 replicas), 3 MongoDB
     members, at least 2 fusion replicas, a PodDisruptionBudget for every
     workload, autoscaling for gateway and fusion.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    KUBERNETES_VERSION,
    OVERLAYS,
    REPO_ROOT,
    CheckFailed,
    containers,
    load_yaml_docs,
    main_wrapper,
    pod_specs,
    render,
    run,
    timed,
    tool,
)

DEPARTMENTS = ("comprehensive_governance", "petition", "legal_aid", "police_assistant",
               "civil_affairs")
APP_COMPONENTS = ("gateway", "fusion", "department")
GRPC_PORT = 50051


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
    def __init__(self, name: str, docs: list[dict]):
        self.name = name
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

    def app_workloads(self):
        for d, wname, spec in self.workloads():
            comp = (d.get("spec", {}).get("template", {}).get("metadata", {})
                    .get("labels", {}).get("app.kubernetes.io/component"))
            if comp in APP_COMPONENTS and d["kind"] == "Deployment":
                yield d, wname, spec, comp


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


def check_secrets(ov: Overlay, external: dict[str, set[str]], errors: list[str]) -> None:
    rendered = {strip_hash(n): set(secret_data(s)) for n, s in ov.by_kind.get("Secret", {}).items()}
    for _, wname, spec in ov.workloads():
        refs = []
        for c in containers(spec):
            for e in c.get("env") or []:
                ref = (e.get("valueFrom") or {}).get("secretKeyRef")
                if ref:
                    refs.append((ref["name"], ref["key"], f"{c['name']} env {e['name']}"))
            for ef in c.get("envFrom") or []:
                if ef.get("secretRef"):
                    refs.append((ef["secretRef"]["name"], None, f"{c['name']} envFrom"))
        for v in spec.get("volumes") or []:
            if v.get("secret"):
                for item in v["secret"].get("items") or [{"key": None}]:
                    refs.append((v["secret"]["secretName"], item["key"], f"volume {v['name']}"))
        for name, key, where in refs:
            base = strip_hash(name)
            if base in rendered:
                keys = rendered[base]
            elif ov.name != "dev" and base in external:
                keys = external[base]
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


def parse_auth(text: str) -> dict[str, dict]:
    users = {}
    for m in AUTH_USER.finditer(text):
        perms = {}
        for kind in ("publish", "subscribe"):
            pm = re.search(kind + r":\s*\{allow:\s*\[(.*?)\]\}", m.group("perms"), re.DOTALL)
            perms[kind] = re.findall(r'"([^"]+)"', pm.group(1)) if pm else []
        users[m.group("user")] = {"var": m.group("var"), **perms}
    return users


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
            for subj in perms["publish"] + perms["subscribe"]:
                parts = subj.split(".")
                if parts[0] == "gridfusion" and (len(parts) < 3 or parts[2] != user):
                    errors.append(f"NATS user {user!r} may touch {subj!r}, "
                                  "outside its own department's subjects")
            if f"gridfusion.events.{user}.>" not in perms["publish"]:
                errors.append(f"NATS user {user!r} cannot publish gridfusion.events.{user}.>")
            if f"gridfusion.handover.{user}.>" not in perms["subscribe"]:
                errors.append(f"NATS user {user!r} cannot subscribe gridfusion.handover.{user}.>")
    for user, perms in users.items():
        if user in DEPARTMENTS:
            if "$JS.API.>" in perms["publish"]:
                errors.append(f"NATS user {user!r} may use the whole JetStream API; a department "
                              "needs only its own hand-over consumer")
            needs = department_jetstream_api(user)
        else:
            needs = ("$JS.API.>",)
        for need in (*needs, "_INBOX.>"):
            if need not in perms["publish"]:
                errors.append(f"NATS user {user!r} lacks publish {need}")
        if "_INBOX.>" not in perms["subscribe"]:
            errors.append(f"NATS user {user!r} lacks subscribe _INBOX.>")
    nats_server_test(ov, files, nats_c, errors)


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
    if data.get("GATEWAY_LOCAL_MODE", "false").lower() not in ("false", "0", "no"):
        errors.append("GATEWAY_LOCAL_MODE must be false in a cluster (it seeds demo accounts)")
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


def check_containers(ov: Overlay, errors: list[str]) -> None:
    for _, wname, spec, _ in ov.app_workloads():
        c = spec["containers"][0]
        if not (c.get("securityContext") or {}).get("readOnlyRootFilesystem"):
            errors.append(f"{wname}: root filesystem must be read-only")
        tmp = [m for m in c.get("volumeMounts") or [] if m["mountPath"] == "/tmp"]
        vols = {v["name"]: v for v in spec.get("volumes") or []}
        if not tmp or "emptyDir" not in vols.get(tmp[0]["name"], {}):
            errors.append(f"{wname}: needs an emptyDir mounted at /tmp")


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
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in ov.by_kind.get("HorizontalPodAutoscaler", {}).values()}
    for name in ("gateway", "fusion"):
        if name not in hpas:
            errors.append(f"prod: no HorizontalPodAutoscaler for {name}")
        elif hpas[name]["spec"].get("minReplicas", 1) < 2:
            errors.append(f"prod: {name} must keep at least 2 replicas")
    pdb_selectors = [p["spec"]["selector"]["matchLabels"] for p in ov.by_kind.get("PodDisruptionBudget", {}).values()]
    for kind in ("Deployment", "StatefulSet"):
        for name, d in ov.by_kind.get(kind, {}).items():
            labels = d["spec"]["template"]["metadata"]["labels"]
            if not any(all(labels.get(k) == v for k, v in sel.items()) for sel in pdb_selectors):
                errors.append(f"prod: no PodDisruptionBudget covers {kind}/{name}")
            if kind == "Deployment" and name not in hpas and d["spec"].get("replicas", 1) < 2:
                errors.append(f"prod: {kind}/{name} runs fewer than 2 replicas")


def check_mongodb(ov: Overlay, errors: list[str]) -> None:
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
    uri_secret = ov.find("Secret", "gridfusion-mongodb")
    if uri_secret:
        uri = secret_data(uri_secret).get("uri", "")
        if "replicaSet=rs0" not in uri:
            errors.append("MongoDB: the services' MONGODB_URI must name replicaSet=rs0")


def check_overlay(root: Path, overlay: str, outdir: Path, external: dict[str, set[str]]) -> list[str]:
    with timed(f"{overlay}: kubectl kustomize"):
        text = render(root, overlay)
    path = outdir / f"{overlay}.yaml"
    path.write_text(text)
    with timed(f"{overlay}: kubernetes-validate --strict {KUBERNETES_VERSION}"):
        validate(path)
    ov = Overlay(overlay, load_yaml_docs(text))
    errors: list[str] = []
    with timed(f"{overlay}: consistency"):
        check_secrets(ov, external, errors)
        check_nats(ov, root, external, errors)
        check_gateway(ov, errors)
        check_containers(ov, errors)
        check_mongodb(ov, errors)
        if overlay == "prod":
            check_prod(ov, errors)
    print(f"{overlay}: {len(ov.docs)} objects rendered and validated")
    return errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=REPO_ROOT)
    ap.add_argument("--out", type=Path, help="keep the rendered overlays in this folder")
    ap.add_argument("overlays", nargs="*", default=list(OVERLAYS))
    args = ap.parse_args()
    external = external_secret_spec(args.root)
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        for overlay in args.overlays:
            try:
                errors = check_overlay(args.root, overlay, out, external)
            except CheckFailed as exc:
                errors = [str(exc)]
            failures += [f"[{overlay}] {e}" for e in errors]
    if failures:
        raise CheckFailed("\n" + "\n".join(failures))


if __name__ == "__main__":
    main_wrapper(main)
