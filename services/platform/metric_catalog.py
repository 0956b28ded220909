"""Every metric Gridfusion exports, as plain data: the one list that :mod:`.metrics` makes its
instruments from, and that the deployment checks read (with the standard library only) to hold
the alert rules and the Grafana dashboard in ``deploy/`` to names and labels that exist.

Prometheus names follow the OpenTelemetry exporter's rules: dots become underscores, a unit of
seconds adds ``_seconds``, a counter adds ``_total``, a histogram is scraped as ``_bucket``,
``_count`` and ``_sum``; a label is an attribute with its dots made underscores.

==========================================  ==========  ==========================================
metric (Prometheus)                         labels      what
==========================================  ==========  ==========================================
``gridfusion_events_accepted_total``        department  events a department service accepted
``gridfusion_events_refused_total``         department  events refused as invalid (422)
``gridfusion_events_duplicate_total``       department  events sent again with a known id
``gridfusion_fuse_latency_seconds``         department  from acceptance to fused (histogram)
``gridfusion_messages_redelivered_total``   stream,     messages delivered again (a failed or
                                            consumer    abandoned attempt before)
``gridfusion_dead_letters_total``           stream,     messages dead-lettered, by the stage that
                                            stage       refused them
``gridfusion_dead_letters_waiting``         department  dead-lettered events in fusion's store
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
``gridfusion_webhook_attempts_total``       outcome     webhook posts by what came of them:
                                                        ``delivered``, ``retry`` (tried again
                                                        later), ``failed`` (the last attempt)
``rpc_server_duration_seconds``             rpc_*       every gRPC call served, by method and
                                                        status code (histogram: rate, errors,
                                                        duration)
``http_server_request_duration_seconds``    http_*      every HTTP request the gateway answered
                                                        (the FastAPI instrumentation's)
==========================================  ==========  ==========================================

Besides these, rules and dashboards may use what every scrape has (``up``, ``target_info``) and
what kube-state-metrics reports of Deployments (:data:`ELSEWHERE`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    name: str  # the OpenTelemetry instrument's name
    kind: str  # counter, histogram or gauge
    unit: str
    labels: tuple[str, ...]
    description: str
    buckets: tuple[float, ...] = ()
    by_library: bool = False  # made by an instrumentation package, not by Gridfusion's code

    @property
    def prometheus(self) -> str:
        """The family's name as Prometheus scrapes it."""
        name = self.name.replace(".", "_")
        if self.unit == "s":
            name += "_seconds"
        return name + "_total" if self.kind == "counter" else name

    @property
    def series(self) -> tuple[str, ...]:
        """The names a query may select: a histogram's three series, otherwise the family."""
        if self.kind == "histogram":
            return tuple(f"{self.prometheus}_{part}" for part in ("bucket", "count", "sum"))
        return (self.prometheus,)


_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)
_RPC_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

METRICS: tuple[Metric, ...] = (
    Metric("gridfusion.events.accepted", "counter", "{event}", ("department",),
           "Events a department service accepted"),
    Metric("gridfusion.events.refused", "counter", "{event}", ("department",),
           "Events refused as invalid"),
    Metric("gridfusion.events.duplicate", "counter", "{event}", ("department",),
           "Events sent again with an id already accepted"),
    Metric("gridfusion.fuse.latency", "histogram", "s", ("department",),
           "From a department's acceptance to the event fused", _LATENCY_BUCKETS),
    Metric("gridfusion.messages.redelivered", "counter", "{message}", ("stream", "consumer"),
           "Messages delivered again after a failed or abandoned attempt"),
    Metric("gridfusion.dead_letters", "counter", "{message}", ("stream", "stage"),
           "Messages dead-lettered, by the stage that refused them"),
    Metric("gridfusion.dead_letters.waiting", "gauge", "{event}", ("department",),
           "Dead-lettered events not yet re-processed, by department"),
    Metric("gridfusion.consumer.pending", "gauge", "{message}", ("stream", "consumer"),
           "Messages the consumer has not been given yet"),
    Metric("gridfusion.consumer.ack_pending", "gauge", "{message}", ("stream", "consumer"),
           "Messages given and not yet settled"),
    Metric("gridfusion.outbox.backlog", "gauge", "{message}", ("service",),
           "Messages committed and not yet published"),
    Metric("gridfusion.cases", "gauge", "{case}", ("status", "level"),
           "Cases in the store, by status and level"),
    Metric("gridfusion.cases.overdue", "gauge", "{case}", ("level",),
           "Open cases past their deadline, by level"),
    Metric("gridfusion.escalations", "counter", "{case}", ("level",),
           "Cases escalated for being overdue, by the level reached"),
    Metric("gridfusion.handovers.outstanding", "gauge", "{case}", ("department",),
           "Cases handed over to a department and awaiting its result"),
    Metric("gridfusion.login.failures", "counter", "{attempt}", ("reason",),
           "Refused sign-ins at the gateway"),
    Metric("gridfusion.webhook.attempts", "counter", "{attempt}", ("outcome",),
           "Webhook posts by outcome: delivered, retry (tried again later) or failed"),
    Metric("rpc.server.duration", "histogram", "s",
           ("rpc_system", "rpc_service", "rpc_method", "rpc_grpc_status_code"),
           "gRPC calls served", _RPC_BUCKETS),
    Metric("http.server.request.duration", "histogram", "s",
           ("http_request_method", "http_route", "http_response_status_code", "url_scheme",
            "network_protocol_version", "error_type"),
           "HTTP requests the gateway answered", by_library=True),
)

BY_NAME: dict[str, Metric] = {m.name: m for m in METRICS}

# Series from elsewhere that rules and dashboards may use, with their labels: every scrape's own,
# and kube-state-metrics' view of the Deployments.
ELSEWHERE: dict[str, tuple[str, ...]] = {
    "up": (),
    "target_info": ("service_name", "service_instance_id", "service_version"),
    "kube_deployment_spec_replicas": ("deployment",),
    "kube_deployment_status_replicas_available": ("deployment",),
}

# Labels every series carries once scraped: the target's, and those the Prometheus Operator
# adds from the pod it scraped.
TARGET_LABELS = ("job", "instance", "namespace", "pod", "container", "service", "endpoint",
                 "otel_scope_name", "otel_scope_version", "otel_scope_schema_url")


def series_labels() -> dict[str, frozenset[str]]:
    """Every series name a query may select → the labels it may be matched, grouped or joined on."""
    out: dict[str, frozenset[str]] = {}
    for m in METRICS:
        extra = ("le",) if m.kind == "histogram" else ()
        for name in m.series:
            out[name] = frozenset((*m.labels, *TARGET_LABELS, *(extra if name.endswith("_bucket") else ())))
    for name, labels in ELSEWHERE.items():
        out[name] = frozenset((*labels, *TARGET_LABELS))
    return out
