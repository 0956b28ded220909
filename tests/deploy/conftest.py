"""Helpers for the deploy tests: the check tools' venv, a scratch copy of the
repository to break, and a way to run one check script against it.

The checks run with the tools venv that `make deploy-tools` creates
(deploy/checks/tools.py --where); the `tools` fixture creates or updates it
first (about a minute when missing, a no-op otherwise).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKS = ROOT / "deploy" / "checks"
# What a check needs of the repository: the deploy folder, skaffold.yaml and
# the build context that deploy/Containerfile copies from.
COPIED = ("deploy", "skaffold.yaml", "pyproject.toml", "README.md", "proto", "services", "gateway")


def tools_python() -> Path:
    out = subprocess.run([sys.executable, str(CHECKS / "tools.py"), "--where"],
                         capture_output=True, text=True, check=True).stdout
    return Path(out.strip())


@pytest.fixture(scope="session")
def tools() -> Path:
    """The tools venv, created or updated first (a no-op when it is current)."""
    proc = subprocess.run([sys.executable, str(CHECKS / "tools.py")], capture_output=True,
                          text=True, timeout=900, check=False)
    assert proc.returncode == 0, f"deploy/checks/tools.py failed:\n{proc.stdout}{proc.stderr}"
    return tools_python()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the parts of the repository the checks read, safe to break."""
    dest = tmp_path / "repo"
    dest.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "tests")
    for name in COPIED:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        elif src.exists():
            shutil.copy2(src, dest / name)
    return dest


@pytest.fixture
def check(tools: Path) -> Callable[..., subprocess.CompletedProcess]:
    """check("manifests", root, "dev") runs deploy/checks/manifests.py --root root dev."""

    def run(name: str, root: Path, *args: str) -> subprocess.CompletedProcess:
        proc = subprocess.run([str(tools), str(CHECKS / f"{name}.py"), "--root", str(root), *args],
                              capture_output=True, text=True, timeout=600, check=False)
        proc.output = proc.stdout + proc.stderr  # type: ignore[attr-defined]
        sys.stdout.write(proc.output)  # shown by pytest when a test fails
        return proc

    return run


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace `old` by `new` in a file, insisting that `old` is there."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count))
