"""Protobuf timestamps and the datetimes fusion stores, both ways; an unset timestamp is None."""

from __future__ import annotations

from datetime import UTC, datetime


def set_time(target, value: datetime | None) -> None:
    """Set the timestamp ``target`` to ``value``; leave it unset for None."""
    if value is not None:
        target.FromDatetime(value)


def time_of(ts) -> datetime | None:
    """The moment a timestamp names (UTC), or None when it is unset."""
    if ts.seconds == 0 and ts.nanos == 0:
        return None
    return ts.ToDatetime(tzinfo=UTC)
