#!/usr/bin/env python3
"""Create or update the venv that holds the deploy checks' tools.

    python3 deploy/checks/tools.py            # fast checks (requirements.txt)
    python3 deploy/checks/tools.py --image    # + image smoke (requirements-image.txt)

The venv lives in the user's cache (~/.cache/gridfusion/deploy-tools, or
$GRIDFUSION_DEPLOY_TOOLS), outside the work tree, so fresh clones on the same
machine (CI) reuse it. It is reinstalled only when the requirements change.
Prints the venv's python path; `--where` prints it without installing.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import time
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def venv_dir() -> Path:
    if os.environ.get("GRIDFUSION_DEPLOY_TOOLS"):
        return Path(os.environ["GRIDFUSION_DEPLOY_TOOLS"]).absolute()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "gridfusion" / "deploy-tools"


def ensure(image: bool = False) -> Path:
    target = venv_dir()
    req = HERE / ("requirements-image.txt" if image else "requirements.txt")
    wanted = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(HERE.glob("requirements*.txt"))))
    wanted.update(req.name.encode())
    stamp = target / f".installed-{req.stem}"
    python = target / "bin" / "python"
    if stamp.exists() and stamp.read_text() == wanted.hexdigest() and python.exists():
        return python
    start = time.monotonic()
    if not python.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(target)
    proc = subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                           "--disable-pip-version-check", "-r", str(req)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        sys.exit(proc.returncode)
    stamp.write_text(wanted.hexdigest())
    print(f"[time] deploy tools ({req.name}) installed in {time.monotonic() - start:.1f}s",
          file=sys.stderr)
    return python


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--image", action="store_true", help="also the image smoke test's tools")
    ap.add_argument("--where", action="store_true", help="print the venv's python, install nothing")
    args = ap.parse_args()
    print(venv_dir() / "bin" / "python" if args.where else ensure(args.image))
