"""The import contracts of `.importlinter` hold, and break as soon as a service imports another."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")


def tree(tmp_path: Path) -> Path:
    """A copy of the packages the contracts speak of, beside the contracts."""
    for package in ("services", "gateway"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "static"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    return tmp_path


def lint(where: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT), "--no-cache"], check=False, cwd=where, capture_output=True, text=True,
                          env={"PYTHONPATH": str(where), "PATH": "/usr/bin:/bin"}, timeout=120)


def add_import(module: Path, line: str) -> None:
    text = module.read_text(encoding="utf-8")
    head, sep, rest = text.partition("from __future__ import annotations\n")
    module.write_text(head + sep + line + "\n" + rest, encoding="utf-8")


def test_the_tree_keeps_every_import_contract(tmp_path: Path) -> None:
    answer = lint(tree(tmp_path))
    assert answer.returncode == 0, answer.stdout + answer.stderr
    assert "BROKEN" not in answer.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("gateway/api/routes/cases.py", "from services.fusion import workflow", "services.fusion"),
        ("services/fusion/consumer.py", "from services.departments import validation", "services.departments"),
        ("services/departments/intake.py", "import gateway.settings", "gateway"),
        ("gateway/api/routes/grids.py", "from services.reference import build_county", "services.reference"),
        ("services/platform/bus.py", "from services.fusion import cases", "services.fusion"),
        ("services/reference/models.py", "from services.departments import posts", "services.departments"),
    ],
)
def test_a_cross_service_import_breaks_the_lint(tmp_path: Path, module: str, line: str, contract: str) -> None:
    where = tree(tmp_path)
    add_import(where / module, line)
    answer = lint(where)
    assert answer.returncode != 0, answer.stdout
    assert "BROKEN" in answer.stdout and contract in answer.stdout
