"""One trace from the caller to the live feed: an event sent through the gateway with a
``traceparent`` header, followed in the spans every process of the platform exported to an OTLP
receiver this test session started (``tests/otlp_receiver.py``)."""

from __future__ import annotations

import json
import secrets
import uuid

import httpx
import pytest

from services.local import LocalPlatform
from tests.otlp_receiver import OtlpReceiver

from .test_petition_flow import petition_event, token, wait_fused

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def client(platform: LocalPlatform):
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as c:
        yield c


def test_an_event_is_one_trace_from_the_gateway_through_the_department_and_fusion_to_the_live_feed(
        client: httpx.Client, otlp: OtlpReceiver) -> None:
    dept = token(client, "dept-petition")
    trace_id = secrets.token_hex(16)
    caller = {**dept, "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}
    event_id = f"xf-trace-{uuid.uuid4()}"
    # A place of this test's own, so that the event opens a case of its own.
    reply = client.post("/v1/departments/petition/events", json=petition_event(event_id, 116.7991, 35.7544),
                        headers=caller)
    assert reply.status_code == 202, reply.text
    fused = wait_fused(client, dept, event_id)
    assert fused["status"] == "fused" and fused["trace_id"] == trace_id

    def complete(spans) -> bool:
        names = {(s.service, s.name) for s in spans}
        return (("fusion", "process gridfusion.events.petition.dispute") in names
                and ("gateway", "deliver CASES change") in names
                and ("department-petition", "/gridfusion.departments.v1.DepartmentService/SubmitEvent") in names)

    spans = otlp.wait_for(trace_id, complete)
    by_service: dict[str, list] = {}
    for span in spans:
        by_service.setdefault(span.service, []).append(span)
    assert {"gateway", "department-petition", "fusion"} <= set(by_service), sorted(by_service)

    gateway = by_service["gateway"]
    assert any(s.kind == "server" and s.attributes.get("http.route") == "/v1/departments/{department}/events"
               for s in gateway), [s.name for s in gateway]
    assert any(s.kind == "client" and s.attributes.get("rpc.service") == "gridfusion.departments.v1.DepartmentService"
               for s in gateway)
    petition = by_service["department-petition"]
    assert any(s.kind == "server" and s.attributes.get("rpc.method") == "SubmitEvent" for s in petition), \
        [s.name for s in petition]
    # The database, under the department's handling of the call.
    assert any(s.kind == "client" and s.attributes.get("db.system") == "mongodb" for s in petition)
    assert any(s.kind == "producer" and s.name == "publish gridfusion.events.petition.dispute" for s in petition)

    fusion = by_service["fusion"]
    [processed] = [s for s in fusion if s.name == "process gridfusion.events.petition.dispute"]
    assert processed.attributes["gridfusion.verdict"] == "done" and processed.kind == "consumer"
    assert processed.links, "the event's span links the batch that fused it"
    # The case change the event caused continues its trace, out of fusion and into the gateway's live feed.
    assert any(s.kind == "producer" and s.name.startswith("publish gridfusion.cases.") for s in fusion)
    [delivered] = [s for s in gateway if s.name == "deliver CASES change"]
    assert delivered.attributes["gridfusion.case_id"] == fused["case_id"]
    # Every span is in the one trace, and each parent is a span of it, or the caller's.
    ids = {s.span_id for s in spans} | {caller["traceparent"].split("-")[2]}
    assert all(s.trace_id == trace_id and s.parent_span_id in ids for s in spans)


def test_every_log_line_names_a_trace_and_a_span(platform: LocalPlatform) -> None:
    """``0`` for work outside any trace (start-up, the relay's rounds): the key is always there."""
    for service in ("gateway", "fusion", "petition"):
        lines = [json.loads(line) for line in platform.log_tail(service, 200).splitlines() if line.startswith("{")]
        assert lines and all("trace_id" in line and "span_id" in line for line in lines), service
