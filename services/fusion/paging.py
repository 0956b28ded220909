"""A list request's page: ``page`` counts from 1; ``page_size`` 0 means 20, at most 200. Or a
keyset cursor: where the page before ended, in the list's order (newest first, then by id).

A cursor is opaque to clients: ``<milliseconds since 1970>.<id>`` in URL-safe base64. It only
says where to go on; the scope and filters of each request still apply, so a cursor changed by
hand shows nothing the caller could not list anyway.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime

MAX_PAGE_SIZE = 200


def paging(page: int, page_size: int) -> tuple[int, int]:
    return max(page, 1), min(max(page_size, 1), MAX_PAGE_SIZE) if page_size else 20


class BadCursor(ValueError):
    """A cursor that no list of this service wrote."""


def _millis(moment: datetime) -> int:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return round(aware.timestamp() * 1000)


def cursor_of(moment: datetime, key: str) -> str:
    """The cursor after the item sorted at ``moment`` with id ``key``."""
    return base64.urlsafe_b64encode(f"{_millis(moment)}.{key}".encode()).decode().rstrip("=")


def after_cursor(cursor: str) -> tuple[datetime, str]:
    """``(moment, id)`` of the item a cursor follows; :class:`BadCursor` when it is not one."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        millis, _, key = text.partition(".")
        if not key or not millis.lstrip("-").isdigit():
            raise ValueError(text)
        return datetime.fromtimestamp(int(millis) / 1000, UTC), key
    except (ValueError, UnicodeDecodeError, binascii.Error, OverflowError, OSError) as exc:
        raise BadCursor("cursor: not a cursor of this list (use the next_cursor of the page before)") from exc
