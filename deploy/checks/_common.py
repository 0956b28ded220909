"""Helpers shared by the deploy checks in this folder.

Every check is a script that takes ``--root`` (the repository to check, by
default the one this file lives in), prints what it did, and exits non-zero
with a readable reason when the repository fails it. The tests in
``tests/deploy`` run the same scripts against deliberately broken copies.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

# Kubernetes version the manifests are validated against: the oldest minor
# release still supported upstream when the manifests were written. Raise it
# when that release leaves support (kubernetes-validate ships the schemas).
KUBERNETES_VERSION = "1.35.0"

OVERLAYS = ("dev", "prod")

# Images this project builds; anything else in the manifests is third-party.
PROJECT_IMAGE_PREFIX = "gridfusion"


class CheckFailed(Exception):
    """A check found a problem in the repository (not a crash of the check)."""


def overlay_dir(root: Path, overlay: str) -> Path:
    return root / "deploy" / "k8s" / "overlays" / overlay


def tool(name: str) -> str:
    """Path of a command-line tool, preferring the check tools' own venv."""
    here = Path(sys.executable).parent / name
    if here.exists():
        return str(here)
    found = shutil.which(name)
    if not found:
        raise CheckFailed(
            f"{name} not found: run `make deploy-tools` (or `python3 deploy/checks/tools.py`)"
        )
    return found


def run(cmd: Sequence[str], *, cwd: Path | None = None, env: dict | None = None,
        check: bool = True, capture: bool = True, timeout: float | None = None
        ) -> subprocess.CompletedProcess:
    proc = subprocess.run(  # noqa: PLW1510 - the caller decides
        list(cmd), cwd=cwd, env=env, text=True, timeout=timeout,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.PIPE if capture else None,
    )
    if check and proc.returncode != 0:
        detail = ((proc.stdout or "") + (proc.stderr or "")).strip()
        raise CheckFailed(f"`{' '.join(cmd)}` exited {proc.returncode}:\n{detail}")
    return proc


def load_yaml_docs(text: str) -> list[dict]:
    import yaml  # installed in the tools venv (deploy/checks/requirements.txt)

    return [d for d in yaml.safe_load_all(text) if d]


def render(root: Path, overlay: str) -> str:
    """`kubectl kustomize` of one overlay, as YAML text."""
    path = overlay_dir(root, overlay)
    if not path.is_dir():
        raise CheckFailed(f"overlay {overlay!r} missing: {path}")
    return run([tool("kubectl"), "kustomize", str(path)]).stdout


def image_repo(image: str) -> str:
    """`registry/name:tag@digest` -> `registry/name`."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)
    if ":" in last[-1]:
        name = name.rsplit(":", 1)[0]
    return name


def is_project_image(image: str) -> bool:
    return image_repo(image).rsplit("/", 1)[-1].startswith(PROJECT_IMAGE_PREFIX)


def pod_specs(doc: dict) -> Iterator[tuple[str, dict]]:
    """(workload name, pod spec) of every workload object in a rendered doc."""
    kind = doc.get("kind")
    name = f"{kind}/{doc.get('metadata', {}).get('name')}"
    spec = doc.get("spec") or {}
    if kind == "Pod":
        yield name, spec
    elif kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
        yield name, spec.get("template", {}).get("spec", {})
    elif kind == "CronJob":
        yield name, spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec", {})


def containers(pod_spec: dict) -> Iterator[dict]:
    for key in ("initContainers", "containers", "ephemeralContainers"):
        yield from pod_spec.get(key) or []


def images_in(docs: Sequence[dict]) -> set[str]:
    return {c["image"] for d in docs for _, spec in pod_specs(d) for c in containers(spec)
            if c.get("image")}


@contextmanager
def timed(label: str) -> Iterator[None]:
    start = time.monotonic()
    try:
        yield
    finally:
        print(f"[time] {label}: {time.monotonic() - start:.1f}s", flush=True)


def main_wrapper(fn) -> None:
    """Run a check's main(); a CheckFailed becomes a one-paragraph failure, exit 1."""
    start = time.monotonic()
    name = Path(sys.argv[0]).stem
    try:
        fn()
    except CheckFailed as exc:
        print(f"FAIL {name}: {exc}", file=sys.stderr, flush=True)
        print(f"[time] {name} total: {time.monotonic() - start:.1f}s", flush=True)
        sys.exit(1)
    print(f"PASS {name} ({time.monotonic() - start:.1f}s)", flush=True)


def env_with(**extra: str) -> dict:
    env = dict(os.environ)
    env.update(extra)
    return env
