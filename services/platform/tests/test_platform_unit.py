"""The platform kit's pure parts: headers, trace context, subjects, settings, the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from pydantic import ValidationError

from services.platform import bus
from services.platform.clock import ManualClock
from services.platform.settings import CommonSettings
from services.platform.telemetry import extract_context

pytestmark = pytest.mark.unit


def test_cloudevents_headers_carry_the_event_id_and_the_current_trace() -> None:
    # A provider of this test's own: setup_telemetry would instrument the test process for good.
    with TracerProvider().get_tracer("tests").start_as_current_span("submit") as span:
        headers = bus.ce_headers(event_id="xf-1", ce_type="gridfusion.department_event.v1", source="gridfusion/departments/petition",
                                 subject="P-1", time=datetime(2026, 11, 27, 1, 30, tzinfo=UTC))
        trace_id = span.get_span_context().trace_id
    assert headers["Nats-Msg-Id"] == headers["ce-id"] == "xf-1"
    assert headers["ce-specversion"] == "1.0"
    assert headers["ce-source"] == "gridfusion/departments/petition"
    assert headers["ce-subject"] == "P-1"
    assert headers["ce-time"] == "2026-11-27T01:30:00+00:00"
    assert headers["traceparent"].split("-")[1] == f"{trace_id:032x}"
    # The consumer continues the producer's trace.
    context = extract_context(headers)
    assert trace.get_current_span(context).get_span_context().trace_id == trace_id


def test_subjects_follow_the_documented_layout() -> None:
    assert bus.event_subject("petition", "dispute.neighbor") == "gridfusion.events.petition.dispute"
    assert bus.handover_subject("legal_aid", "370921001001001") == "gridfusion.handover.legal_aid.370921001001001"
    assert bus.case_subject("370921001001001", "opened") == "gridfusion.cases.370921001001001.opened"
    assert bus.deadletter_subject("EVENTS") == "gridfusion.deadletter.events"
    for spec in bus.ALL_STREAMS:
        config = spec.config(replicas=3)
        assert config.num_replicas == 3 and config.storage.value == "file"


def test_settings_come_from_the_environment_and_refuse_nonsense(monkeypatch) -> None:
    monkeypatch.setenv("NATS_URL", "nats://nats.gridfusion:4222")
    monkeypatch.setenv("MONGODB_URI", "mongodb://db-0,db-1,db-2/?replicaSet=rs0")
    monkeypatch.setenv("NATS_STREAM_REPLICAS", "3")
    settings = CommonSettings()
    assert settings.nats_url == "nats://nats.gridfusion:4222"
    assert settings.mongodb_uri.endswith("replicaSet=rs0")
    assert settings.nats_stream_replicas == 3
    monkeypatch.setenv("NATS_STREAM_REPLICAS", "0")
    with pytest.raises(ValidationError, match="(?i)nats_stream_replicas"):
        CommonSettings()


def test_manual_clock_moves_only_when_told() -> None:
    start = datetime(2026, 11, 27, tzinfo=UTC)
    clock = ManualClock(start)
    assert clock.now() == start
    assert clock.advance(timedelta(hours=49)) == start + timedelta(hours=49)
    assert clock.now() == start + timedelta(hours=49)
