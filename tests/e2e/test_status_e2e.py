"""``gridfusion status`` against the whole platform: a dead-lettered event shows as waiting, and
the consumers' lag and the outboxes' backlog are there, read from every metrics endpoint."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from services import figures
from services.cli import app
from services.fusion import gauges
from services.local import LocalPlatform, free_port

from .test_metrics_e2e import endpoints
from .test_petition_flow import petition_event, token, wait_fused

pytestmark = pytest.mark.e2e


def section(output: str, heading: str) -> dict[str, list[str]]:
    """The rows under ``heading`` in the status output: each row's name → its figures."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"  {heading} "))
    rows = {}
    for line in lines[start + 1:]:
        row = re.fullmatch(r"    (\S.*?)\s{2,}(.*)", line)
        if row is None:
            break
        rows[row[1]] = row[2].split()
    return rows


def test_status_shows_the_lag_the_outboxes_and_a_dead_letter_waiting(
        platform: LocalPlatform, tmp_path: Path, output_dir: Path) -> None:
    urls = endpoints(platform)
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        dept = token(client, "dept-petition")
        lost = f"xf-status-{uuid.uuid4()}"  # outside every grid: dead-lettered
        assert client.post("/v1/departments/petition/events", headers=dept,
                           json=petition_event(lost, 10.0, 10.0)).status_code == 202
        assert wait_fused(client, dept, lost)["status"] == "dead_lettered"
    # Fusion reads its store's figures every READ_SECONDS.
    deadline = time.monotonic() + gauges.READ_SECONDS + 20
    while figures.gather([urls["fusion"]]).waiting.get("petition", 0) < 1:
        assert time.monotonic() < deadline, "the dead letter was not counted as waiting"
        time.sleep(0.5)

    result = CliRunner().invoke(app, ["status", "--home", str(tmp_path), "--gateway", platform.gateway_url,
                                      *(arg for url in urls.values() for arg in ("--metrics", url))])
    (output_dir / "status.txt").write_text(result.output)
    assert result.exit_code == 0, result.output
    assert f"metrics from {len(urls)} of {len(urls)} endpoints" in result.output
    assert "unreachable" not in result.output
    pending, ack_pending = section(result.output, "consumer lag")["EVENTS/fusion"]
    assert int(pending) >= 0 and int(ack_pending) >= 0
    outbox = section(result.output, "outbox backlog")
    assert "fusion" in outbox and "petition" in outbox
    waiting = section(result.output, "dead letters waiting")
    assert int(waiting["petition"][0]) >= 1
    assert int(waiting["total"][0]) >= int(waiting["petition"][0])
    assert int(section(result.output, "dead letters since start")["EVENTS at locate"][0]) >= 1


def test_status_shows_an_endpoint_that_does_not_answer_and_the_rest(platform: LocalPlatform, tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}/metrics"
    result = CliRunner().invoke(app, ["status", "--home", str(tmp_path), "--gateway", platform.gateway_url,
                                      "--metrics", endpoints(platform)["fusion"], "--metrics", closed])
    assert result.exit_code == 0, result.output  # readiness decides
    assert "metrics from 1 of 2 endpoints" in result.output
    assert f"  {closed}: unreachable (" in result.output
    assert "EVENTS/fusion" in section(result.output, "consumer lag")
