"""Telemetry as a process sets it up: trace ids in its JSON logs, the context a stored message
carries, and the trace id an event's status names."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from opentelemetry.sdk.trace import TracerProvider

from services.platform.telemetry import context_of, current_traceparent, trace_id_of

pytestmark = pytest.mark.unit

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = f"00-{TRACE}-00f067aa0ba902b7-01"


def test_every_json_log_line_names_the_trace_and_span_it_was_written_in() -> None:
    program = textwrap.dedent("""
        import logging, sys
        from services.platform.logs import setup_logging
        from services.platform.telemetry import context_of, setup_telemetry, tracer
        setup_logging("probe")
        setup_telemetry("probe")
        log = logging.getLogger("probe")
        log.warning("outside")
        with tracer("probe").start_as_current_span("work", context=context_of(sys.argv[1])) as span:
            log.warning("inside", extra={"span": format(span.get_span_context().span_id, "016x")})
    """)
    done = subprocess.run([sys.executable, "-c", program, PARENT], capture_output=True, text=True, timeout=60, check=True)
    lines = {line["message"]: line for line in map(json.loads, done.stderr.splitlines())}
    assert lines["outside"]["trace_id"] == "0" and lines["outside"]["span_id"] == "0"
    assert lines["inside"]["trace_id"] == TRACE and lines["inside"]["span_id"] == lines["inside"]["span"]
    assert lines["inside"]["service"] == "probe" and lines["inside"]["level"] == "WARNING"
    assert not {"otelTraceSampled", "otelServiceName"} & set(lines["inside"])


def test_a_stored_traceparent_continues_its_trace_and_names_its_trace_id() -> None:
    tracer = TracerProvider().get_tracer("test")
    assert current_traceparent() == "" and trace_id_of("") == "" and trace_id_of("not a traceparent") == ""
    with tracer.start_as_current_span("later", context=context_of(PARENT)) as span:
        assert span.get_span_context().trace_id == int(TRACE, 16)
        stored = current_traceparent()
    assert stored.startswith(f"00-{TRACE}-") and stored != PARENT
    assert trace_id_of(stored) == TRACE
    assert context_of("") is None
