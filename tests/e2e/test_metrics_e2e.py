"""Every process's metrics, scraped as Prometheus scrapes them, moving under a small load sent
through the gateway."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from services.figures import scrape
from services.fusion import gauges
from services.local import LocalPlatform

from .test_petition_flow import petition_event, token, wait_fused

pytestmark = pytest.mark.e2e


def total(samples, name: str, **labels: str) -> float:
    """The sum of ``name``'s samples whose labels include ``labels``."""
    return sum(v for (n, ls), v in samples.items() if n == name and set(labels.items()) <= set(ls))


def present(samples, name: str, **labels: str) -> bool:
    return any(n == name and set(labels.items()) <= set(ls) for n, ls in samples)


def endpoints(platform: LocalPlatform) -> dict[str, str]:
    return {"gateway": f"{platform.gateway_url}/metrics",
            **{name: f"http://127.0.0.1:{port}/metrics" for name, port in platform.ports.metrics.items()}}


def test_every_service_exposes_its_metrics_and_they_move_under_load(platform: LocalPlatform) -> None:
    urls = endpoints(platform)
    before = {name: scrape(url) for name, url in urls.items()}
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        dept = token(client, "dept-petition")
        ids = [f"xf-metrics-{uuid.uuid4()}" for _ in range(3)]
        for i, event_id in enumerate(ids):
            reply = client.post("/v1/departments/petition/events", headers=dept,
                                json=petition_event(event_id, 116.7921 + i * 0.01, 35.7481))
            assert reply.status_code == 202, reply.text
        again = client.post("/v1/departments/petition/events", headers=dept,
                            json=petition_event(ids[0], 116.7921, 35.7481))
        assert again.status_code == 200
        lost = f"xf-metrics-{uuid.uuid4()}"  # outside every grid: dead-lettered
        assert client.post("/v1/departments/petition/events", headers=dept,
                           json=petition_event(lost, 10.0, 10.0)).status_code == 202
        for event_id in ids:
            assert wait_fused(client, dept, event_id)["status"] == "fused"
        assert wait_fused(client, dept, lost)["status"] == "dead_lettered"
        refused = client.post("/v1/auth/token", data={"username": "dept-petition", "password": "not the password"})
        assert refused.status_code == 401
    # Fusion reads its store's figures every READ_SECONDS: the cases just opened are counted by then.
    deadline = time.monotonic() + gauges.READ_SECONDS + 20
    while True:
        after = {name: scrape(url) for name, url in urls.items()}
        fused = total(after["fusion"], "gridfusion_fuse_latency_seconds_count", department="petition")
        waiting = total(after["fusion"], "gridfusion_dead_letters_waiting", department="petition")
        if (fused - total(before["fusion"], "gridfusion_fuse_latency_seconds_count", department="petition") >= 3
                and total(after["fusion"], "gridfusion_cases") >= 3
                and waiting >= total(before["fusion"], "gridfusion_dead_letters_waiting", department="petition") + 1
                # the hand-overs waiting for petition's system, whether or not it ever connected
                and present(after["petition"], "gridfusion_consumer_pending", stream="HANDOVERS",
                            consumer="handover-petition")):
            break
        assert time.monotonic() < deadline, "the events' fuse latency, their cases, the dead letter or petition's hand-over lag were not counted"
        time.sleep(0.5)

    def moved(service: str, name: str, **labels: str) -> float:
        return total(after[service], name, **labels) - total(before[service], name, **labels)

    assert moved("petition", "gridfusion_events_accepted_total", department="petition") == 4
    assert moved("fusion", "gridfusion_dead_letters_total", stream="EVENTS") == 1
    assert moved("petition", "gridfusion_events_duplicate_total", department="petition") == 1
    assert moved("petition", "rpc_server_duration_seconds_count", rpc_method="SubmitEvent",
                 rpc_grpc_status_code="OK") == 5
    assert moved("fusion", "rpc_server_duration_seconds_count", rpc_service="gridfusion.fusion.v1.FusionService") > 0
    assert moved("gateway", "gridfusion_login_failures_total", reason="wrong_password") == 1
    assert moved("gateway", "http_server_request_duration_seconds_count", http_route="/v1/departments/{department}/events",
                 http_response_status_code="202") == 4
    # Gauges read from the bus and the store: present, with the labels an operator alerts on.
    assert present(after["fusion"], "gridfusion_consumer_pending", consumer="fusion", stream="EVENTS")
    assert present(after["fusion"], "gridfusion_consumer_ack_pending", consumer="fusion-results", stream="HANDOVERS")
    assert present(after["fusion"], "gridfusion_outbox_backlog", service="fusion")
    assert present(after["petition"], "gridfusion_outbox_backlog", service="petition")
    for name, samples in after.items():
        assert any(n == "target_info" for n, _ in samples), name
