"""Metrics: OpenTelemetry instruments, scraped by Prometheus from every process, and sent over
OTLP as well when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set.

Where: the gateway at ``GET /metrics`` on its HTTP port; fusion and each department service on
their own HTTP port, ``METRICS_PORT`` (0: none; 9464 in the cluster). Every instrument is made
from :mod:`.metric_catalog`, which lists them with their Prometheus names and labels.

Gauges read from the store or the bus (``*_pending``, backlog, cases) are kept by a periodic task
of the process that owns them and reported as last read (:class:`Gauge`), so a scrape never waits
for the database.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping

from opentelemetry import metrics
from opentelemetry.metrics import CallbackOptions, Observation

from . import metric_catalog

_meter = metrics.get_meter("gridfusion")
_provider = None

# Every instrument of this module by its catalog name.
INSTRUMENTS: dict[str, object] = {}


def _made(name: str, kind: str):
    m = metric_catalog.BY_NAME[name]
    assert m.kind == kind and name not in INSTRUMENTS, name
    return m


def _counter(name: str):
    m = _made(name, "counter")
    INSTRUMENTS[name] = _meter.create_counter(name, unit=m.unit, description=m.description)
    return INSTRUMENTS[name]


def _histogram(name: str):
    m = _made(name, "histogram")
    INSTRUMENTS[name] = _meter.create_histogram(name, unit=m.unit, description=m.description,
                                                explicit_bucket_boundaries_advisory=list(m.buckets))
    return INSTRUMENTS[name]


EVENTS_ACCEPTED = _counter("gridfusion.events.accepted")
EVENTS_REFUSED = _counter("gridfusion.events.refused")
EVENTS_DUPLICATE = _counter("gridfusion.events.duplicate")
FUSE_LATENCY = _histogram("gridfusion.fuse.latency")
REDELIVERED = _counter("gridfusion.messages.redelivered")
DEAD_LETTERS = _counter("gridfusion.dead_letters")
ESCALATIONS = _counter("gridfusion.escalations")
LOGIN_FAILURES = _counter("gridfusion.login.failures")
WEBHOOK_ATTEMPTS = _counter("gridfusion.webhook.attempts")
RPC_DURATION = _histogram("rpc.server.duration")


class Gauge:
    """A gauge reported as last set, per label set: a periodic task sets it, a scrape reads it."""

    def __init__(self, name: str) -> None:
        m = _made(name, "gauge")
        INSTRUMENTS[name] = self
        self._values: dict[tuple[tuple[str, str], ...], float] = {}
        self._lock = threading.Lock()
        _meter.create_observable_gauge(name, callbacks=[self._observe], unit=m.unit, description=m.description)

    def set(self, value: float, **labels: str) -> None:
        with self._lock:
            self._values[tuple(sorted(labels.items()))] = value

    def replace(self, values: Iterable[tuple[Mapping[str, str], float]]) -> None:
        """Every label set at once: those not named are gone (e.g. a status no case has any more)."""
        fresh = {tuple(sorted(labels.items())): value for labels, value in values}
        with self._lock:
            self._values = fresh

    def _observe(self, options: CallbackOptions) -> Iterable[Observation]:
        with self._lock:
            return [Observation(value, dict(labels)) for labels, value in self._values.items()]


CONSUMER_PENDING = Gauge("gridfusion.consumer.pending")
CONSUMER_ACK_PENDING = Gauge("gridfusion.consumer.ack_pending")
OUTBOX_BACKLOG = Gauge("gridfusion.outbox.backlog")
CASES = Gauge("gridfusion.cases")
CASES_OVERDUE = Gauge("gridfusion.cases.overdue")
HANDOVERS_OUTSTANDING = Gauge("gridfusion.handovers.outstanding")
DEAD_LETTERS_WAITING = Gauge("gridfusion.dead_letters.waiting")


def setup_metrics(resource) -> None:
    """Install the meter provider: Prometheus's registry always, OTLP when an endpoint is set."""
    global _provider
    if _provider is not None:
        return
    from opentelemetry.exporter.prometheus import PrometheusMetricReader
    from opentelemetry.sdk.metrics import MeterProvider

    readers: list = [PrometheusMetricReader()]
    if os.environ.get("OTEL_METRICS_EXPORTER", "otlp").lower() == "otlp" and any(
            os.environ.get(v) for v in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")):
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

        readers.append(PeriodicExportingMetricReader(OTLPMetricExporter()))
    _provider = MeterProvider(resource=resource, metric_readers=readers)
    metrics.set_meter_provider(_provider)


def shutdown_metrics() -> None:
    if _provider is not None:
        _provider.shutdown()


def exposition() -> tuple[bytes, str]:
    """This process's metrics in the Prometheus text format, and its content type."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def serve(port: int, host: str = "0.0.0.0") -> None:
    """Answer Prometheus's scrapes on ``port`` (a thread of its own), any path."""
    from prometheus_client import start_http_server

    start_http_server(port, addr=host)
