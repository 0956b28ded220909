"""Metrics: OpenTelemetry instruments, scraped by Prometheus from every process, and sent over
OTLP as well when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set.

Where: the gateway at ``GET /metrics`` on its HTTP port; fusion and each department service on
their own HTTP port, ``METRICS_PORT`` (0: none; 9464 in the cluster). The Prometheus names
(dots become underscores, counters end in ``_total``, a unit in seconds adds ``_seconds``):

==========================================  ==========  ==========================================
metric                                      labels      what
==========================================  ==========  ==========================================
``gridfusion_events_accepted_total``        department  events a department service accepted
``gridfusion_events_refused_total``         department  events refused as invalid (422)
``gridfusion_events_duplicate_total``       department  events sent again with a known id
``gridfusion_fuse_latency_seconds``         department  from acceptance to fused (histogram)
``gridfusion_messages_redelivered_total``   stream,     messages delivered again (a failed or
                                            consumer    abandoned attempt before)
``gridfusion_dead_letters_total``           stream,     messages dead-lettered, by the stage that
                                            stage       refused them
``gridfusion_dead_letters_waiting``        department  dead-lettered events in fusion's store
                                                        not yet re-processed (read every 15 s)
``gridfusion_consumer_pending``             stream,     messages the consumer has not been given
                                            consumer    yet: its lag (read every 15 s)
``gridfusion_consumer_ack_pending``         stream,     messages given and not yet settled
                                            consumer
``gridfusion_outbox_backlog``               service     messages committed and not yet published
``gridfusion_cases``                        status,     cases in the store (read every 15 s)
                                            level
``gridfusion_cases_overdue``                level       open cases past their deadline
``gridfusion_escalations_total``            level       cases escalated for being overdue, by the
                                            level they reached
``gridfusion_handovers_outstanding``        department  cases handed over and awaiting a result
``gridfusion_login_failures_total``         reason      refused sign-ins at the gateway
``rpc_server_duration_seconds``             rpc_*       every gRPC call served, by method and
                                                        status code (histogram: rate, errors,
                                                        duration)
``http_server_request_duration_seconds``    http_*      every HTTP request the gateway answered
==========================================  ==========  ==========================================

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

_meter = metrics.get_meter("gridfusion")
_provider = None

EVENTS_ACCEPTED = _meter.create_counter("gridfusion.events.accepted", unit="{event}",
                                        description="Events a department service accepted")
EVENTS_REFUSED = _meter.create_counter("gridfusion.events.refused", unit="{event}",
                                       description="Events refused as invalid")
EVENTS_DUPLICATE = _meter.create_counter("gridfusion.events.duplicate", unit="{event}",
                                         description="Events sent again with an id already accepted")
FUSE_LATENCY = _meter.create_histogram(
    "gridfusion.fuse.latency", unit="s", description="From a department's acceptance to the event fused",
    explicit_bucket_boundaries_advisory=[0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600])
REDELIVERED = _meter.create_counter("gridfusion.messages.redelivered", unit="{message}",
                                    description="Messages delivered again after a failed or abandoned attempt")
DEAD_LETTERS = _meter.create_counter("gridfusion.dead_letters", unit="{message}",
                                     description="Messages dead-lettered, by the stage that refused them")
ESCALATIONS = _meter.create_counter("gridfusion.escalations", unit="{case}",
                                    description="Cases escalated for being overdue, by the level reached")
LOGIN_FAILURES = _meter.create_counter("gridfusion.login.failures", unit="{attempt}",
                                       description="Refused sign-ins at the gateway")
RPC_DURATION = _meter.create_histogram(
    "rpc.server.duration", unit="s", description="gRPC calls served",
    explicit_bucket_boundaries_advisory=[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])


class Gauge:
    """A gauge reported as last set, per label set: a periodic task sets it, a scrape reads it."""

    def __init__(self, name: str, unit: str, description: str) -> None:
        self._values: dict[tuple[tuple[str, str], ...], float] = {}
        self._lock = threading.Lock()
        _meter.create_observable_gauge(name, callbacks=[self._observe], unit=unit, description=description)

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


CONSUMER_PENDING = Gauge("gridfusion.consumer.pending", "{message}", "Messages the consumer has not been given yet")
CONSUMER_ACK_PENDING = Gauge("gridfusion.consumer.ack_pending", "{message}", "Messages given and not yet settled")
OUTBOX_BACKLOG = Gauge("gridfusion.outbox.backlog", "{message}", "Messages committed and not yet published")
CASES = Gauge("gridfusion.cases", "{case}", "Cases in the store, by status and level")
CASES_OVERDUE = Gauge("gridfusion.cases.overdue", "{case}", "Open cases past their deadline, by level")
HANDOVERS_OUTSTANDING = Gauge("gridfusion.handovers.outstanding", "{case}",
                              "Cases handed over to a department and awaiting its result")
DEAD_LETTERS_WAITING = Gauge("gridfusion.dead_letters.waiting", "{event}",
                             "Dead-lettered events not yet re-processed, by department")


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
