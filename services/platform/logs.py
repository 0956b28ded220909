"""JSON logs on stderr, one object a line, with the service name on every record, and the
``trace_id`` and ``span_id`` of the span in progress (OpenTelemetry's logging instrumentation,
installed by :func:`services.platform.telemetry.setup_telemetry`, puts them on each record; ``0``
outside any span, null in a process without telemetry)."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

# What OpenTelemetry's logging instrumentation adds besides the ids: the sampling flag, and the
# service name every line already has.
UNLOGGED = ("otelTraceSampled", "otelServiceName")


def setup_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{message}{otelTraceID}{otelSpanID}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger", "otelTraceID": "trace_id",
                           "otelSpanID": "span_id"},
            static_fields={"service": service},
            reserved_attrs=[*RESERVED_ATTRS, *UNLOGGED],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Drivers are chatty at INFO; their warnings still come through.
    for noisy in ("pymongo", "nats", "grpc", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
