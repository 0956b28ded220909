#!/usr/bin/env python3
"""Build the Gridfusion image with buildah on a base that mmdebstrap makes.

1. Base: `mmdebstrap --variant=minbase` of this machine's Debian release, from
   this machine's own apt sources (read at build time, never written into the
   repository), imported into buildah as BASE_IMAGE.
2. Image: `buildah build` of deploy/Containerfile on that base. pip inside the
   build is configured like pip on this machine: its settings (`pip config
   list`) become a pip.conf passed as a build secret, and the local files they
   name (CA bundle, find-links folders, file:// indexes) are bind-mounted
   read-only for the build steps only. Nothing of it lands in the image.
3. Verification of the result: runs as a non-root numeric user, has no
   compiler, headers or pip, nor the local nats-server and secantusd-py, in the
   final image, and its Python imports the service dependencies
   (`python -c 'import grpc, nats, pymongo'`).

Needs root (or a working user namespace) and Debian's mmdebstrap, buildah,
podman and runc; .ci/deploy installs them.
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO_ROOT, CheckFailed, main_wrapper, run, timed

DEFAULT_IMAGE = "localhost/gridfusion:dev"
DEFAULT_BASE = "localhost/gridfusion-base:{codename}"
CONTAINERFILE = "deploy/Containerfile"
IGNOREFILE = "deploy/Containerfile.dockerignore"
RUNTIME = "runc"

# What must not be in the final image (paths inside it).
FORBIDDEN_PATHS = (
    "/usr/bin/gcc", "/usr/bin/cc", "/usr/bin/c++", "/usr/bin/make", "/usr/bin/ld",
    "/usr/include/python3.11", "/opt/gridfusion/bin/pip", "/opt/gridfusion/bin/pip3",
    "/usr/bin/pip3", "/usr/lib/python3/dist-packages/pip",
)
FORBIDDEN_PACKAGES = ("gcc", "g++", "make", "build-essential", "python3-dev",
                      "python3.11-dev", "python3-pip", "python3-venv", "python3.11-venv")
# The local servers of `make run` (the extra `local`): never in the image.
LOCAL_SERVERS = ("/opt/gridfusion/bin/nats-server", "/opt/gridfusion/bin/secantusd-py")
IMPORT_SMOKE = "import grpc, nats, pymongo; print('imports ok')"


# -- apt sources of this machine -------------------------------------------

def os_codename() -> str:
    text = Path("/etc/os-release").read_text()
    m = re.search(r"^VERSION_CODENAME=\"?([a-z]+)", text, re.MULTILINE)
    if not m:
        raise CheckFailed("cannot tell the Debian codename from /etc/os-release")
    return m.group(1)


def _deb822_stanzas(text: str) -> list[dict[str, str]]:
    stanzas, cur, key = [], {}, None
    for line in text.splitlines() + [""]:
        if not line.strip():
            if cur:
                stanzas.append(cur)
            cur, key = {}, None
            continue
        if line.lstrip().startswith("#"):
            continue
        if line[0] in " \t" and key:
            cur[key] += "\n" + line.strip()
            continue
        key, _, value = line.partition(":")
        key = key.strip()
        cur[key] = value.strip()
    return stanzas


def machine_apt_sources(codename: str, etc: Path = Path("/etc/apt")) -> tuple[str, str]:
    """This machine's Debian sources for `codename`, as (deb822 text, one-line text).

    Keeps only binary (`deb`) entries whose suite is the release or one of its
    -updates/-security suites; third-party repositories are left out.
    """
    keep = re.compile(rf"^{re.escape(codename)}(-[a-z]+)?$")
    deb822, oneline = [], []
    files = []
    if (etc / "sources.list").is_file():
        files.append(etc / "sources.list")
    files += sorted((etc / "sources.list.d").glob("*.list"))
    files += sorted((etc / "sources.list.d").glob("*.sources"))
    for f in files:
        text = f.read_text()
        if f.suffix == ".sources":
            for st in _deb822_stanzas(text):
                if st.get("Enabled", "yes").lower() == "no":
                    continue
                if "deb" not in st.get("Types", "").split():
                    continue
                suites = [s for s in st.get("Suites", "").split() if keep.match(s)]
                if not suites:
                    continue
                st = dict(st, Types="deb", Suites=" ".join(suites))
                deb822.append("\n".join(f"{k}: {v}" for k, v in st.items()))
        else:
            for line in text.splitlines():
                parts = line.split("#", 1)[0].split()
                if not parts or parts[0] != "deb":
                    continue
                rest = parts[1:]
                if rest and rest[0].startswith("["):
                    while rest and not rest[0].endswith("]"):
                        rest = rest[1:]
                    rest = rest[1:]
                if len(rest) >= 2 and keep.match(rest[1]):
                    oneline.append(" ".join(parts))
    if not deb822 and not oneline:
        raise CheckFailed(f"no Debian {codename} entries in {etc}/sources.list*")
    return "\n\n".join(deb822) + ("\n" if deb822 else ""), "\n".join(oneline) + ("\n" if oneline else "")


# -- pip settings of this machine -------------------------------------------

def _local_path(value: str) -> Path | None:
    if value.startswith("file://"):
        return Path(urlparse(value).path)
    if value.startswith("/"):
        return Path(value)
    return None


def machine_pip_config(python: str = sys.executable) -> tuple[str, list[Path]]:
    """pip.conf text equivalent to this machine's pip settings, and local paths it uses."""
    out = run([python, "-m", "pip", "config", "list"]).stdout
    files: dict[str, dict[str, str]] = {}
    envs: dict[str, str] = {}
    for line in out.splitlines():
        m = re.match(r"^([^=]+)='(.*)'$", line.strip())
        if not m:
            continue
        key, value = m.groups()
        if key.startswith(":env:."):
            envs[key[len(":env:."):]] = value
        else:
            section, _, option = key.partition(".")
            files.setdefault(section, {})[option] = value
    # Environment (PIP_*) beats files, as in pip itself.
    files.setdefault("global", {}).update(envs)
    paths: list[Path] = []
    cfg = configparser.ConfigParser(interpolation=None)
    for section, opts in files.items():
        cfg[section] = {}
        for option, value in opts.items():
            kept = []
            for item in value.split():
                p = _local_path(item)
                if p is None:
                    kept.append(item)
                elif p.exists():
                    kept.append(item)
                    # A local index's pages link to files beside it
                    # (simple/../files/...): mount the folder that holds both.
                    paths.append(p.parent if option.endswith("index-url") else p)
            if kept:
                cfg[section][option] = " ".join(kept)
    with tempfile.TemporaryFile("w+") as fh:
        cfg.write(fh)
        fh.seek(0)
        text = fh.read()
    return text, sorted(set(paths))


# -- tools -----------------------------------------------------------------

def require(*names: str) -> None:
    missing = [n for n in names if not shutil.which(n)]
    if missing:
        raise CheckFailed(
            f"missing {', '.join(missing)}: `apt-get install -y mmdebstrap buildah podman runc "
            "uidmap fuse-overlayfs` (.ci/deploy does this)")


def ulimit_args() -> list[str]:
    """Explicit rlimits for buildah/podman containers.

    Their defaults (nofile 1048576, nproc 4194304 for root) exceed what some
    sandboxes let runc set ("error setting rlimit type 7: operation not
    permitted"), and so, in one such sandbox, did an nproc equal to our own hard
    limit. Modest caps, never above this process's hard limits, avoid both.
    """
    args = []
    for flag, res, cap in (("nofile", resource.RLIMIT_NOFILE, 16384),
                           ("nproc", resource.RLIMIT_NPROC, 32768)):
        _, hard = resource.getrlimit(res)
        value = cap if hard == resource.RLIM_INFINITY else min(hard, cap)
        args += ["--ulimit", f"{flag}={value}:{value}"]
    return args


def image_exists(ref: str) -> bool:
    return subprocess.run(["buildah", "inspect", "--type", "image", ref], check=False,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def build_base(base: str, codename: str, workdir: Path) -> None:
    deb822, oneline = machine_apt_sources(codename)
    sources = []
    if deb822:
        (workdir / "machine.sources").write_text(deb822)
        sources.append(str(workdir / "machine.sources"))
    if oneline:
        (workdir / "machine.list").write_text(oneline)
        sources.append(str(workdir / "machine.list"))
    tar = workdir / "base.tar"
    with timed(f"mmdebstrap {codename} minbase"):
        run(["mmdebstrap", "--variant=minbase", "--mode=auto", "--format=tar",
             "--include=ca-certificates", "--aptopt=Acquire::Retries \"3\"",
             # Documentation is dead weight in a service image.
             *(f"--dpkgopt=path-exclude=/usr/share/{d}/*" for d in ("doc", "man", "info", "locale")),
             "--dpkgopt=path-include=/usr/share/doc/*/copyright",
             codename, str(tar), *sources], capture=False)
    with timed("buildah import of the base"):
        ctr = run(["buildah", "from", "scratch"]).stdout.strip()
        try:
            run(["buildah", "add", "--quiet", ctr, str(tar), "/"])
            run(["buildah", "config", "--cmd", "/bin/bash",
                 "--label", (f"org.opencontainers.image.description=Debian {codename} minbase "
                             "made by mmdebstrap from the build machine's apt sources"), ctr])
            run(["buildah", "commit", "--quiet", "--rm", ctr, base])
        except CheckFailed:
            subprocess.run(["buildah", "rm", ctr], capture_output=True, check=False)
            raise


def build_image(root: Path, image: str, base: str, target: str, workdir: Path,
                containerfile: str = CONTAINERFILE) -> None:
    pipconf, paths = machine_pip_config()
    (workdir / "pip.conf").write_text(pipconf)
    volumes: list[str] = []
    for p in paths:
        volumes += ["--volume", f"{p}:{p}:ro"]
    ignore = root / IGNOREFILE
    cmd = ["buildah", "build", "--layers", "--runtime", RUNTIME, *ulimit_args(),
           "--network", "host",
           "-f", str(root / containerfile),
           "--build-arg", f"BASE_IMAGE={base}",
           "--secret", f"id=pipconf,src={workdir / 'pip.conf'}",
           *volumes, "--target", target, "-t", image]
    if ignore.exists():
        cmd += ["--ignorefile", str(ignore)]
    cmd.append(str(root))
    with timed(f"buildah build {image} (target {target})"):
        run(cmd, capture=False)


# -- verification ----------------------------------------------------------

def podman(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return run(["podman", "--runtime", RUNTIME, *args], check=check)


def verify_image(image: str) -> list[str]:
    """Problems with a built image (empty when it passes)."""
    problems: list[str] = []
    info = json.loads(run(["buildah", "inspect", "--type", "image", image]).stdout)
    config = info.get("OCIv1", {}).get("config", {})
    user = config.get("User", "")
    uid = user.split(":", 1)[0]
    if not uid.isdigit() or int(uid) == 0:
        problems.append(f"image user is {user!r}: must be a numeric non-root uid "
                        "(Kubernetes runAsNonRoot needs a number)")
    if config.get("Entrypoint") != ["gridfusion"]:
        problems.append(f"entrypoint is {config.get('Entrypoint')!r}, expected ['gridfusion']")
    probe = " ".join(f"[ -e {p} ] && echo present:{p};" for p in FORBIDDEN_PATHS)
    probe += " ".join(f" [ -e {p} ] && echo local-server:{p};" for p in LOCAL_SERVERS)
    pkgs = " ".join(FORBIDDEN_PACKAGES)
    script = (f"{probe} for p in {pkgs}; do dpkg-query -W -f='${{Status}}' $p 2>/dev/null "
              "| grep -q 'install ok installed' && echo package:$p; done; true")
    out = podman("run", "--rm", *ulimit_args(), "--network", "none", "--read-only",
                 "--entrypoint", "/bin/sh", image, "-c", script).stdout
    for line in out.split():
        kind, _, what = line.partition(":")
        if kind == "local-server":
            problems.append(f"local server in the final image: {what} (extra 'local' installed)")
        else:
            problems.append(f"build tool in the final image: {what} ({kind})")
    smoke = podman("run", "--rm", *ulimit_args(), "--network", "none", "--read-only",
                   "--tmpfs", "/tmp", "--entrypoint", "python3", image, "-c", IMPORT_SMOKE,
                   check=False)
    if smoke.returncode != 0:
        problems.append(f"python imports fail in the image: {smoke.stderr.strip()[-2000:]}")
    else:
        print(smoke.stdout.strip())
    return problems


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=REPO_ROOT)
    ap.add_argument("--image", default=os.environ.get("IMAGE", DEFAULT_IMAGE))
    ap.add_argument("--base-image", default=None)
    ap.add_argument("--rebuild-base", action="store_true",
                    help="make the mmdebstrap base even if it exists")
    ap.add_argument("--target", default="service")
    ap.add_argument("--containerfile", default=CONTAINERFILE)
    ap.add_argument("--verify-only", action="store_true")
    args = ap.parse_args()
    require("mmdebstrap", "buildah", "podman", RUNTIME)
    codename = os_codename()
    base = args.base_image or DEFAULT_BASE.format(codename=codename)
    with tempfile.TemporaryDirectory(prefix="gridfusion-image-") as tmp:
        workdir = Path(tmp)
        if not args.verify_only:
            if args.rebuild_base or not image_exists(base):
                build_base(base, codename, workdir)
            else:
                print(f"base {base} exists (use --rebuild-base to remake it)")
            build_image(args.root, args.image, base, args.target, workdir, args.containerfile)
    if args.target == "service":
        with timed("verify image"):
            problems = verify_image(args.image)
        if problems:
            raise CheckFailed("\n".join(problems))
    print(f"built {args.image}")


if __name__ == "__main__":
    start = time.monotonic()
    main_wrapper(main)
