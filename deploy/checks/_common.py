"""Helpers shared by the deploy checks in this folder.

Every check is a script that takes ``--root`` (the repository to check, by
default the one this file lives in), prints what it did, and exits non-zero
with a readable reason when the repository fails it. The tests in
``tests/deploy`` run the same scripts against deliberately broken copies.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

# Kubernetes version the manifests are validated against: the oldest minor
# release still supported upstream when the manifests were written. Raise it
# when that release leaves support (kubernetes-validate ships the schemas).
KUBERNETES_VERSION = "1.35.0"

OVERLAYS = ("dev", "prod")

# Optional kustomize components (deploy/k8s/components/<name>) an overlay may
# list. The checks render every overlay once more with each of them, adding to
# gateway-config what the component's own comment tells an overlay to add.
COMPONENT_SETTINGS: dict[str, tuple[str, ...]] = {
    "oidc": (
        "GATEWAY_OIDC_ISSUER=https://sso.county.invalid/realms/county",
        "GATEWAY_OIDC_CLIENT_ID=gridfusion",
        "GATEWAY_PUBLIC_URL=https://gridfusion.county.invalid",
    ),
}

# Jobs an operator applies by hand (deploy/k8s/jobs/*.yaml) into a namespace
# that holds the Secrets deploy/scripts/prod_secrets.py makes, with the image
# the gateway runs: the checks judge them as they are applied to this overlay.
JOBS_OVERLAY = "prod"

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


def check_schema(value: object, typ: object, where: str, errors: list[str],
                 schema: dict[str, dict[str, object]]) -> None:
    """Check a YAML value against a subset of a schema: `schema` maps an object's name to its
    fields and their types; a type is a Python type (or a tuple of them), the name of another
    object, or [type] for a list of it. A field the subset does not know is an error."""
    if isinstance(typ, list):
        if not isinstance(value, list):
            errors.append(f"{where}: expected a list, got {type(value).__name__}")
            return
        for i, item in enumerate(value):
            check_schema(item, typ[0], f"{where}[{i}]", errors, schema)
    elif isinstance(typ, str):
        if not isinstance(value, dict):
            errors.append(f"{where}: expected an object ({typ}), got {type(value).__name__}")
            return
        fields = schema[typ]
        for key, item in value.items():
            if key not in fields:
                errors.append(f"{where}.{key}: unknown field of {typ} "
                              f"(known: {', '.join(sorted(fields))})")
            else:
                check_schema(item, fields[key], f"{where}.{key}", errors, schema)
    else:
        types = typ if isinstance(typ, tuple) else (typ,)
        if bool in types and not isinstance(value, bool) or (
                bool not in types and isinstance(value, bool)) or not isinstance(value, types):
            names = "/".join(t.__name__ for t in types)
            errors.append(f"{where}: expected {names}, got {type(value).__name__} {value!r}")


def project_module(path: Path):
    """A module of the services that needs only the standard library (the permission table, the
    metric catalog), loaded from the repository checked by its path: the tools venv lacks the
    services' packages."""
    name = f"gridfusion_{path.stem}_{hashlib.sha256(str(path).encode()).hexdigest()[:12]}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while the file runs
        spec.loader.exec_module(module)
    return sys.modules[name]


def load_yaml_docs(text: str) -> list[dict]:
    import yaml  # installed in the tools venv (deploy/checks/requirements.txt)

    return [d for d in yaml.safe_load_all(text) if d]


def dump_yaml(docs: Sequence[dict]) -> str:
    import yaml

    return yaml.safe_dump_all(list(docs), sort_keys=False)


def render(root: Path, overlay: str) -> str:
    """`kubectl kustomize` of one overlay, as YAML text."""
    path = overlay_dir(root, overlay)
    if not path.is_dir():
        raise CheckFailed(f"overlay {overlay!r} missing: {path}")
    return run([tool("kubectl"), "kustomize", str(path)]).stdout


def components(root: Path) -> list[str]:
    """Names of the optional components in deploy/k8s/components."""
    path = root / "deploy" / "k8s" / "components"
    if not path.is_dir():
        return []
    return sorted(d.name for d in path.iterdir() if (d / "kustomization.yaml").is_file())


def variants(root: Path, overlays: Sequence[str]) -> list[tuple[str, str, str | None]]:
    """(label, overlay, component or None): each overlay, then each overlay with each component."""
    out: list[tuple[str, str, str | None]] = [(o, o, None) for o in overlays]
    out += [(f"{o}+{c}", o, c) for o in overlays for c in components(root)]
    return out


def render_variant(root: Path, overlay: str, component: str | None) -> str:
    """An overlay as is, or with one component and the settings it asks for."""
    if component is None:
        return render(root, overlay)
    comp = root / "deploy" / "k8s" / "components" / component
    with tempfile.TemporaryDirectory(prefix="gridfusion-variant-") as tmp:
        # kustomize takes only relative paths to other kustomizations.
        # The overlay's namespace, as if it listed the component itself.
        own = load_yaml_docs((overlay_dir(root, overlay) / "kustomization.yaml").read_text())[0]
        lines = ["apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization",
                 *([f"namespace: {own['namespace']}"] if own.get("namespace") else []),
                 "resources:", f"  - {os.path.relpath(overlay_dir(root, overlay), tmp)}",
                 "components:", f"  - {os.path.relpath(comp, tmp)}"]
        settings = COMPONENT_SETTINGS.get(component, ())
        if settings:
            lines += ["configMapGenerator:", "  - name: gateway-config", "    behavior: merge",
                      "    literals:", *[f"      - {s}" for s in settings]]
        Path(tmp, "kustomization.yaml").write_text("\n".join(lines) + "\n")
        return run([tool("kubectl"), "kustomize", tmp]).stdout


def job_files(root: Path) -> list[Path]:
    return sorted((root / "deploy" / "k8s" / "jobs").glob("*.yaml"))


def hand_applied_jobs(root: Path, overlay_docs: Sequence[dict]) -> list[tuple[Path, dict]]:
    """Each hand-applied Job as deploy/README.md applies it next to a rendered overlay:
    in the gateway's namespace, with the gateway's image for every project image."""
    gateway = next((d for d in overlay_docs if d.get("kind") == "Deployment"
                    and d["metadata"]["name"] == "gateway"), None)
    if gateway is None:
        raise CheckFailed("no Deployment gateway rendered: the hand-applied Jobs take its image")
    namespace = gateway["metadata"].get("namespace")
    image = gateway["spec"]["template"]["spec"]["containers"][0]["image"]
    out = []
    for path in job_files(root):
        for doc in load_yaml_docs(path.read_text()):
            if namespace:
                doc.setdefault("metadata", {})["namespace"] = namespace
            for _, spec in pod_specs(doc):
                for c in containers(spec):
                    if c.get("image") and is_project_image(c["image"]):
                        c["image"] = image
            out.append((path, doc))
    return out


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, name: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise CheckFailed(f"{name} exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise CheckFailed(f"{name} did not listen on {port} within {timeout:.0f}s")


@contextmanager
def nats_and_mongo(workdir: Path, auth_conf: str, nats_env: Mapping[str, str],
                   label: str) -> Iterator[tuple[int, int]]:
    """nats-server (JetStream, the users and permissions of ``auth_conf``, their passwords in
    ``nats_env``) and secantusd-py on free loopback ports, their files in ``workdir``.

    Yields ``(nats_port, mongo_port)`` once both listen (timed as ``label``); stops both on
    the way out."""
    nats_port, mongo_port = free_port(), free_port()
    (workdir / "auth.conf").write_text(auth_conf)
    (workdir / "nats.conf").write_text(
        f"listen: 127.0.0.1:{nats_port}\n"
        f"jetstream {{ store_dir: {workdir / 'js'}\n sync_interval: always }}\n"
        "include ./auth.conf\n")
    procs: list[subprocess.Popen] = []
    logs = []
    try:
        with timed(label):
            logs += [(workdir / "nats.log").open("w"), (workdir / "secantusd.log").open("w")]
            procs.append(subprocess.Popen(
                [tool("nats-server"), "-c", str(workdir / "nats.conf")],
                env={**os.environ, **nats_env},
                stdout=logs[0], stderr=subprocess.STDOUT))
            procs.append(subprocess.Popen(
                [tool("secantusd-py"), "--host", "127.0.0.1", "--port", str(mongo_port),
                 "--storage-path", str(workdir / "db"), "--log-level", "WARNING"],
                stdout=logs[1], stderr=subprocess.STDOUT))
            wait_port(nats_port, procs[0], "nats-server", 30)
            wait_port(mongo_port, procs[1], "secantusd-py", 90)
        yield nats_port, mongo_port
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        for f in logs:
            f.close()
