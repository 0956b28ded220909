#!/usr/bin/env python3
"""Check skaffold.yaml without skaffold (its binary is not installable here).

- the schema version is the pinned one and `kind` is Config;
- every key is one skaffold's schema knows, with a value of the right type
  (the subset of the schema this project can use; anything else is an error);
- for the default configuration and for each profile:
  - every artifact's context exists, its Dockerfile exists, its build target
    is a stage of that Dockerfile, its build args are ARGs there, and the
    files the Dockerfile COPYs from the context exist;
  - every sync rule's source folder exists;
  - every kustomize path renders with `kubectl kustomize`;
  - every built image is used by a rendered manifest, and every project image
    (gridfusion*) a manifest uses is built;
  - port-forwards name rendered Services in their namespace.
"""

from __future__ import annotations

import argparse
import glob
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    REPO_ROOT,
    CheckFailed,
    check_schema,
    image_repo,
    images_in,
    is_project_image,
    load_yaml_docs,
    main_wrapper,
    run,
    tool,
)

# skaffold/v4beta13: skaffold 2.14 and later read it. Move on deliberately.
SCHEMA_VERSION = "skaffold/v4beta13"

# The part of skaffold's v4beta13 schema this project may use: object -> key -> type.
# A type is a Python type, the name of another object, or [type] for a list of it.
SCHEMA: dict[str, dict[str, object]] = {
    "Config": {"apiVersion": str, "kind": str, "metadata": "Metadata", "requires": list,
               "build": "Build", "test": list, "manifests": "Manifests", "deploy": "Deploy",
               "portForward": ["PortForward"], "profiles": ["Profile"],
               "resourceSelector": dict, "verify": list, "customActions": list},
    "Metadata": {"name": str, "labels": dict, "annotations": dict},
    "Build": {"artifacts": ["Artifact"], "insecureRegistries": list, "tagPolicy": "TagPolicy",
              "platforms": list, "local": "Local", "googleCloudBuild": dict, "cluster": dict},
    "Artifact": {"image": str, "context": str, "sync": "Sync", "requires": list, "hooks": dict,
                 "platforms": list, "runtimeType": str, "docker": "Docker"},
    "Docker": {"dockerfile": str, "target": str, "buildArgs": dict, "network": str,
               "addHost": list, "cacheFrom": list, "cacheTo": list, "cliFlags": list,
               "pullParent": bool, "noCache": bool, "squash": bool, "secrets": list,
               "ssh": str},
    "Sync": {"manual": ["SyncRule"], "infer": list, "auto": bool, "hooks": dict},
    "SyncRule": {"src": str, "dest": str, "strip": str},
    "TagPolicy": {"gitCommit": dict, "sha256": dict, "envTemplate": dict, "dateTime": dict,
                  "customTemplate": dict, "inputDigest": dict},
    "Local": {"push": bool, "tryImportMissing": bool, "useDockerCLI": bool,
              "useBuildkit": bool, "concurrency": int},
    "Manifests": {"rawYaml": list, "kustomize": "Kustomize", "hooks": dict, "transform": list,
                  "validate": list},
    "Kustomize": {"paths": list, "buildArgs": list},
    "Deploy": {"kubectl": "Kubectl", "statusCheck": bool, "statusCheckDeadlineSeconds": int,
               "tolerateFailuresUntilDeadline": bool, "kubeContext": str, "logs": dict},
    "Kubectl": {"defaultNamespace": str, "flags": dict, "hooks": dict,
                "remoteManifests": list},
    "PortForward": {"resourceType": str, "resourceName": str, "namespace": str,
                    "port": (int, str), "address": str, "localPort": int},
    "Profile": {"name": str, "activation": ["Activation"], "requiresAllActivations": bool,
                "build": "Build", "test": list, "manifests": "Manifests", "deploy": "Deploy",
                "portForward": ["PortForward"], "resourceSelector": dict, "verify": list,
                "customActions": list},
    "Activation": {"env": str, "kubeContext": str, "command": str},
}


def dockerfile_facts(path: Path) -> tuple[set[str], set[str], list[str]]:
    """(stage names, ARG names, COPY/ADD sources from the context) of a Dockerfile."""
    text = re.sub(r"\\\n", " ", path.read_text())
    stages, args, sources = set(), set(), []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        word = word.upper()
        if word == "FROM":
            m = re.search(r"\s+AS\s+(\S+)\s*$", rest, re.IGNORECASE)
            if m:
                stages.add(m.group(1).lower())
        elif word == "ARG":
            args.add(rest.split("=", 1)[0].strip())
        elif word in ("COPY", "ADD"):
            parts = rest.split()
            if any(p.startswith("--from") for p in parts):
                continue
            parts = [p for p in parts if not p.startswith("--")]
            sources += parts[:-1]
    return stages, args, sources


def effective_configs(cfg: dict) -> dict[str, dict]:
    base = {k: cfg.get(k) for k in ("build", "manifests", "deploy", "portForward")}
    out = {"(default)": base}
    for prof in cfg.get("profiles") or []:
        eff = dict(base)
        for k in base:
            if k in prof:
                eff[k] = prof[k]
        out[f"profile {prof.get('name')}"] = eff
    return out


def check_config(root: Path, label: str, eff: dict, errors: list[str], cache: dict) -> None:
    build = eff.get("build") or {}
    artifacts = build.get("artifacts") or []
    if not artifacts:
        errors.append(f"{label}: builds no artifact")
    built: set[str] = set()
    for i, art in enumerate(artifacts):
        where = f"{label}: artifact {art.get('image')!r}"
        image = art.get("image")
        if not image:
            errors.append(f"{label}: artifact {i} has no image name")
            continue
        if image in built:
            errors.append(f"{where} is built twice")
        built.add(image)
        context = root / art.get("context", ".")
        if not context.is_dir():
            errors.append(f"{where}: context {art.get('context')!r} does not exist")
            continue
        docker = art.get("docker")
        if docker is None:
            errors.append(f"{where}: only the docker builder is checked here; it has none")
            continue
        dockerfile = context / docker.get("dockerfile", "Dockerfile")
        if not dockerfile.is_file():
            errors.append(f"{where}: Dockerfile {docker.get('dockerfile')!r} does not exist")
            continue
        stages, args, sources = dockerfile_facts(dockerfile)
        if docker.get("target") and docker["target"].lower() not in stages:
            errors.append(f"{where}: target {docker['target']!r} is no stage of "
                          f"{docker.get('dockerfile')} (stages: {', '.join(sorted(stages))})")
        for arg in docker.get("buildArgs") or {}:
            if arg not in args:
                errors.append(f"{where}: build arg {arg!r} is no ARG of {docker.get('dockerfile')}")
        for src in sources:
            if not glob.glob(str(context / src)):
                errors.append(f"{where}: {docker.get('dockerfile')} copies {src!r}, "
                              "which is not in the context")
        for rule in (art.get("sync") or {}).get("manual") or []:
            prefix = re.split(r"[*?\[]", rule["src"], maxsplit=1)[0]
            folder = (context / prefix) if prefix.endswith("/") else (context / prefix).parent
            if not folder.exists():
                errors.append(f"{where}: sync source {rule['src']!r}: {prefix!r} does not exist")

    manifests = eff.get("manifests") or {}
    paths = (manifests.get("kustomize") or {}).get("paths") or []
    raw = manifests.get("rawYaml") or []
    if not paths and not raw:
        errors.append(f"{label}: deploys no manifests")
    docs: list[dict] = []
    for p in paths:
        full = root / p
        if not (full / "kustomization.yaml").is_file():
            errors.append(f"{label}: kustomize path {p!r} has no kustomization.yaml")
            continue
        if p not in cache:
            proc = run([tool("kubectl"), "kustomize", str(full)], check=False)
            cache[p] = proc
        proc = cache[p]
        if proc.returncode != 0:
            errors.append(f"{label}: kustomize path {p!r} does not render:\n{proc.stderr.strip()}")
            continue
        docs += load_yaml_docs(proc.stdout)
    for p in raw:
        files = glob.glob(str(root / p))
        if not files:
            errors.append(f"{label}: rawYaml {p!r} matches no file")
        for f in files:
            docs += load_yaml_docs(Path(f).read_text())
    if (eff.get("deploy") or {}).get("kubectl") is None:
        errors.append(f"{label}: deploy.kubectl missing (the manifests are applied with kubectl)")

    used = images_in(docs)
    used_repos = {image_repo(i) for i in used}
    for image in sorted(built):
        if image_repo(image) not in used_repos:
            errors.append(f"{label}: image {image!r} is built but no manifest uses it")
    built_repos = {image_repo(i) for i in built}
    for image in sorted(used):
        if is_project_image(image) and image_repo(image) not in built_repos:
            errors.append(f"{label}: manifests use project image {image!r}, which is not built")

    services = {(d["metadata"].get("namespace"), d["metadata"]["name"])
                for d in docs if d.get("kind") == "Service"}
    for pf in eff.get("portForward") or []:
        if pf.get("resourceType", "").lower() == "service":
            key = (pf.get("namespace"), pf.get("resourceName"))
            if key not in services:
                errors.append(f"{label}: port-forward to service {key[1]!r} in namespace "
                              f"{key[0]!r}, which the manifests do not have")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=REPO_ROOT)
    args = ap.parse_args()
    path = args.root / "skaffold.yaml"
    if not path.is_file():
        raise CheckFailed(f"{path} does not exist")
    docs = load_yaml_docs(path.read_text())
    if len(docs) != 1:
        raise CheckFailed(f"skaffold.yaml should hold one configuration, has {len(docs)}")
    cfg = docs[0]
    errors: list[str] = []
    if cfg.get("apiVersion") != SCHEMA_VERSION:
        errors.append(f"apiVersion is {cfg.get('apiVersion')!r}, expected {SCHEMA_VERSION!r}")
    if cfg.get("kind") != "Config":
        errors.append(f"kind is {cfg.get('kind')!r}, expected 'Config'")
    check_schema(cfg, "Config", "skaffold.yaml", errors, SCHEMA)
    names = [p.get("name") for p in cfg.get("profiles") or []]
    if len(names) != len(set(names)):
        errors.append(f"profile names repeat: {names}")
    if not errors:
        cache: dict = {}
        for label, eff in effective_configs(cfg).items():
            check_config(args.root, label, eff, errors, cache)
            print(f"{label}: checked")
    if errors:
        raise CheckFailed("\n" + "\n".join(errors))


if __name__ == "__main__":
    main_wrapper(main)
