"""The benchmark harness (``make bench``) runs end to end and writes the JSON its figures are read
from: a tiny run against a real secantusd-py, and the table and targets of every benchmark."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import report

ROOT = Path(__file__).resolve().parents[2]
NUMBER = (int, float)


@pytest.mark.integration
def test_a_tiny_run_writes_each_figure_beside_its_baseline_and_the_targets(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--scale", "0.02", "--only", "lookup", "correlation",
         "--out", str(out)],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=280,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    document = json.loads(out.read_text())
    assert set(document) == {"meta", "benchmarks", "targets"}
    meta = document["meta"]
    assert meta["quick"] is True and meta["benchmarks"] == ["lookup", "correlation"]
    assert meta["machine"]["cores"] >= 1 and meta["date"]
    lookup = document["benchmarks"]["lookup"]
    assert all(isinstance(lookup[k], NUMBER) and lookup[k] > 0 for k in ("rate_53", "rate_5k", "rate_50k", "ratio"))
    assert lookup["unresolved"] == 0  # a tiling leaves no point outside every grid
    correlation = document["benchmarks"]["correlation"]
    assert all(isinstance(correlation[k], NUMBER) and correlation[k] > 0 for k in ("ms_1k", "ms_50k", "ratio"))
    assert correlation["open_cases"]["50k"] > correlation["open_cases"]["1k"]
    assert [t["benchmark"] for t in document["targets"]] == ["correlation", "lookup"]
    assert all(isinstance(t["met"], bool) for t in document["targets"])
    for line in ("name", "lookup 50k grids", "correlation 50k open", "targets:"):
        assert line in done.stdout


@pytest.mark.unit
def test_every_benchmark_has_rows_in_the_table_and_its_target_is_judged() -> None:
    results = {
        "ingest": {"rate": 900.0, "baseline": 2000.0, "ratio": 0.45},
        "fusion": {"rate": 300.0, "baseline": 500.0, "ratio": 0.6},
        "e2e": {"p50_ms": 40.0, "p99_ms": 210.0, "rate": 150.0},
        "gateway_cases": {"p50_ms": 80.0, "p99_ms": 250.0, "baseline_p99_ms": 30.0, "rps": 200.0, "periodic_ms": {"deadline_loop": 1.5},
                          "baseline_rps": 900.0, "errors": 0},
        "lookup": {"rate_53": 100_000.0, "rate_5k": 90_000.0, "rate_50k": 70_000.0, "ratio": 0.7},
        "correlation": {"ms_1k": 5.0, "ms_50k": 9.0, "ratio": 1.8},
        "rss_mb": {"fusion": 300.0, "gateway": 200.0},
        "broken": {"error": "RuntimeError: the platform did not start"},
    }
    targets = {t["benchmark"]: t["met"] for t in report.targets_of(results)}
    assert targets == {"ingest": False, "fusion": True, "correlation": False, "lookup": True, "gateway_cases": True}
    text = report.table(results, report.targets_of(results))
    for row in ("ingest", "fusion", "e2e p99", "gateway_cases rps", "loop query deadline_loop", "lookup 5k grids",
                "correlation 1k open",
                "rss_mb fusion", "MISSED  ingest ratio >= 0.5", "met     fusion ratio >= 0.5"):
        assert row in text
    assert report.percentile([5, 1, 4, 2, 3], 50) == 3 and report.percentile(list(range(1, 101)), 99) == 99
