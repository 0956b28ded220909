"""OpenTelemetry from the standard ``OTEL_*`` variables, and trace context in headers.

Traces are exported over OTLP/HTTP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or the traces
variant) is set, printed when ``OTEL_TRACES_EXPORTER=console``, and otherwise kept local —
spans still exist so ``traceparent`` flows from the gateway through NATS to fusion.

What makes the spans (the maintained instrumentation packages, installed once per process by
:func:`setup_telemetry`, before any client or server is made):

- gRPC: every ``grpc.aio`` server and channel (health checks and the long-lived
  ``StreamHandOvers`` left out), so the gateway's call and the department's or fusion's answer
  are one trace;
- PyMongo: every database command, under the span that sent it;
- httpx: the gateway's calls to an identity provider;
- logging: every record carries the current ``trace_id`` and ``span_id``
  (:mod:`services.platform.logs` writes them);
- FastAPI: the gateway's requests (:func:`instrument_app`, health and metrics left out);
- NATS: :mod:`services.platform.bus` itself — a ``traceparent`` header on every message, a
  consumer span per batch linking every message's context.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping

from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

from .metrics import setup_metrics, shutdown_metrics

_provider: TracerProvider | None = None
# Requests that make no span: probes and scrapes, many a minute and never of interest in a trace.
UNTRACED_URLS = "/healthz,/readyz,/metrics"


def setup_telemetry(service: str) -> TracerProvider:
    """Install a tracer provider, the meter provider (:mod:`.metrics`) and the instrumentation
    for this process; idempotent."""
    global _provider
    if _provider is not None:
        return _provider
    resource = Resource.create({SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME", service)})
    provider = TracerProvider(resource=resource)
    exporter_name = os.environ.get("OTEL_TRACES_EXPORTER", "otlp").lower()
    has_endpoint = any(
        os.environ.get(v)
        for v in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )
    if exporter_name == "console":
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    elif exporter_name == "otlp" and has_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    setup_metrics(resource)
    _instrument()
    _provider = provider
    return provider


def _instrument() -> None:
    # HTTP spans and metrics in the stable semantic conventions (http.server.request.duration in
    # seconds, http.response.status_code), unless the operator chose otherwise.
    os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN", "http")
    from opentelemetry.instrumentation.grpc import (
        GrpcAioInstrumentorClient,
        GrpcAioInstrumentorServer,
        filters,
    )
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.logging import LoggingInstrumentor
    from opentelemetry.instrumentation.pymongo import PymongoInstrumentor

    # Health checks: many a minute, never of interest. StreamHandOvers: a stream a department
    # system holds open for hours, whose handler writes with context.write(), which the
    # instrumentation's server side cannot wrap; each hand-over it delivers is traced from NATS.
    untraced = filters.negate(filters.any_of(filters.health_check(), filters.method_name("StreamHandOvers")))
    GrpcAioInstrumentorServer(filter_=untraced).instrument()
    GrpcAioInstrumentorClient(filter_=untraced).instrument()
    PymongoInstrumentor().instrument()
    HTTPXClientInstrumentor().instrument()
    # Trace ids on every record, for the JSON logs; no OpenTelemetry log handler (logs go to stderr).
    LoggingInstrumentor().instrument(inject_trace_context=True, enable_log_auto_instrumentation=False)


def instrument_app(app) -> None:
    """Spans for the gateway's requests (a ``traceparent`` header from the caller is their parent)."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, excluded_urls=UNTRACED_URLS)


def shutdown_telemetry() -> None:
    """Flush what is buffered; called last on shutdown."""
    if _provider is not None:
        _provider.shutdown()
    shutdown_metrics()


def inject_headers(headers: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Write the current trace context (W3C ``traceparent``) into message headers."""
    propagate.inject(headers)
    return headers


def extract_context(headers: Mapping[str, str] | None):
    """The trace context a producer put into message headers."""
    return propagate.extract(dict(headers or {}))


def current_traceparent() -> str:
    """The W3C ``traceparent`` of the span in progress (kept with what is stored, to continue its
    trace later); empty outside any span."""
    return inject_headers({}).get("traceparent", "")


def context_of(traceparent: str):
    """The context to continue a stored ``traceparent`` in; None (the current one) when empty."""
    return extract_context({"traceparent": traceparent}) if traceparent else None


def trace_id_of(traceparent: str) -> str:
    """The trace id (32 hex digits) a W3C ``traceparent`` names; empty when it names none."""
    context = trace.get_current_span(extract_context({"traceparent": traceparent})).get_span_context()
    return trace.format_trace_id(context.trace_id) if context.is_valid else ""


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name)
