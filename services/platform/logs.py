"""JSON logs on stderr, one object a line, with the service name on every record."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter


def setup_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            static_fields={"service": service},
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Drivers are chatty at INFO; their warnings still come through.
    for noisy in ("pymongo", "nats", "grpc", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
