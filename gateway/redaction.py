"""Secrets that must never reach a log line: an access token sent as Open311's ``api_key`` (or
``access_token``) in a query string. Access logs are off by default (``uvicorn.access`` logs at
WARNING only); should an operator turn them on, the query string is written with the value
replaced by ``[redacted]``, and so is any other log line of the gateway that carries one."""

from __future__ import annotations

import logging
import re

SECRET_PARAMETER = re.compile(r"(?i)(?<![\w-])((?:api_key|access_token|refresh_token)=)[^&\s\"'#]*")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    return SECRET_PARAMETER.sub(lambda m: m[1] + REDACTED, text)


class RedactSecrets(logging.Filter):
    """A handler filter: the record's message and string arguments, redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Redact on every handler of ``logger`` (the root logger: every record passes through it)."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets())
