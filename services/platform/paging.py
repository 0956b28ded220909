"""A list request's page: ``page`` counts from 1; ``page_size`` 0 means 20, at most 200. Or a
keyset cursor: where the page before ended, in the list's order (newest first, then by id).

A cursor is opaque to clients: ``<milliseconds since 1970>.<id>`` in URL-safe base64. It only
says where to go on; the scope and filters of each request still apply, so a cursor changed by
hand shows nothing the caller could not list anyway. A list sorted on text rather than time
(party members by grid, households and legal-aid gaps by household id) writes
:func:`key_cursor_of` instead; the two kinds never read as each other. Fusion's lists and the gateway's read model
of cases (``gateway/hotlist.py``) write and read the same cursors, so a client may page on
across either.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

MAX_PAGE_SIZE = 200


def paging(page: int, page_size: int) -> tuple[int, int]:
    return max(page, 1), min(max(page_size, 1), MAX_PAGE_SIZE) if page_size else 20


class BadCursor(ValueError):
    """A cursor that no list of Gridfusion wrote."""


def millis(moment: datetime) -> int:
    """``moment`` in whole milliseconds since 1970 (a cursor's precision, and MongoDB's)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return round(aware.timestamp() * 1000)


def cursor_of(moment: datetime, key: str) -> str:
    """The cursor after the item sorted at ``moment`` with id ``key``."""
    return base64.urlsafe_b64encode(f"{millis(moment)}.{key}".encode()).decode().rstrip("=")


def after_cursor(cursor: str) -> tuple[datetime, str]:
    """``(moment, id)`` of the item a cursor follows; :class:`BadCursor` when it is not one."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        ms, _, key = text.partition(".")
        if not key or not ms.lstrip("-").isdigit():
            raise ValueError(text)
        return datetime.fromtimestamp(int(ms) / 1000, UTC), key
    except (ValueError, UnicodeDecodeError, binascii.Error, OverflowError, OSError) as exc:
        raise BadCursor("cursor: not a cursor of this list (use the next_cursor of the page before)") from exc


# A list counts at most this many matches unless asked for the exact total (count=true).
COUNT_CAP = 10_000
# How much counting a list does (the values of ``gridfusion.fusion.v1.Count``).
COUNT_CAPPED, COUNT_EXACT, COUNT_NONE = 0, 1, 2


async def counted(count: Callable[[int | None], Awaitable[int]], mode: int, *, cursor: bool) -> tuple[int, bool]:
    """``(total, exact)`` of a list as ``mode`` asks: every match (COUNT_EXACT), up to
    :data:`COUNT_CAP` (COUNT_CAPPED, the default; nothing on a cursor's page), or nothing
    (``(-1, False)``). ``count(cap)`` counts the matches, at most ``cap`` when it is not None."""
    if mode == COUNT_CAPPED and cursor:
        mode = COUNT_NONE
    if mode == COUNT_EXACT:
        return await count(None), True
    if mode == COUNT_CAPPED:
        total = await count(COUNT_CAP)
        return total, total < COUNT_CAP
    return -1, False


def key_cursor_of(value: str, key: str = "") -> str:
    """The cursor after the item sorted at the text ``value`` with id ``key`` (a list sorted on
    text, e.g. by grid and then id, or on its id alone)."""
    return base64.urlsafe_b64encode(json.dumps(["k", value, key], ensure_ascii=False).encode()).decode().rstrip("=")


def after_key_cursor(cursor: str) -> tuple[str, str]:
    """``(value, id)`` of the item a :func:`key_cursor_of` cursor follows; :class:`BadCursor`
    when it is not one."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
        if (not isinstance(decoded, list) or len(decoded) != 3 or decoded[0] != "k"
                or not all(isinstance(v, str) for v in decoded[1:])):
            raise ValueError(cursor)
        return decoded[1], decoded[2]
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise BadCursor("cursor: not a cursor of this list (use the next_cursor of the page before)") from exc


# -- keyset paging in MongoDB --------------------------------------------------------------------
#
# A list sorted on (field, _id) seeks to where the page before ended instead of skipping: the
# items tied with the last one at the same field value and a greater id, then those past it.
# Each of the two is a plain filter (equalities, one range) that an index of the list's filter
# fields, the sort field and ``_id`` serves in sort order, on MongoDB and on SecantusDB alike;
# one ``$or`` of both would be served by MongoDB but scanned whole by SecantusDB.

_BOUNDS = {"$gt": lambda a, b: a > b, "$gte": lambda a, b: a >= b, "$lt": lambda a, b: a < b,
           "$lte": lambda a, b: a <= b}


def _comparable(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _meets(value: Any, condition: Any) -> bool | None:
    """Whether ``value`` meets a filter's ``condition`` (an equality or bounds); None when the
    condition is something else."""
    if not isinstance(condition, Mapping):
        return _comparable(value) == _comparable(condition)
    if not condition or not all(op in _BOUNDS for op in condition):
        return None
    try:
        return all(_BOUNDS[op](_comparable(value), _comparable(bound)) for op, bound in condition.items())
    except TypeError:
        return None


def narrowed(query: Mapping[str, Any], field: str, condition: Any) -> dict[str, Any] | None:
    """``query`` whose ``field`` also meets ``condition`` (a value, or ``{"$lt": v}`` and the like),
    still a plain filter where possible; None when no document can meet both."""
    out = dict(query)
    given = out.get(field)
    if field not in out:
        out[field] = condition
        return out
    if not isinstance(condition, Mapping):  # an equality: the value must meet what is given
        met = _meets(condition, given)
        if met is None:
            return {"$and": [dict(query), {field: condition}]}
        if not met:
            return None
        out[field] = condition
        return out
    if not isinstance(given, Mapping):  # given an equality: it must meet the bound
        met = _meets(given, condition)
        if met is None:
            return {"$and": [dict(query), {field: condition}]}
        return out if met else None
    if not all(op in _BOUNDS for op in given):
        return {"$and": [dict(query), {field: condition}]}
    merged = dict(given)
    for op, bound in condition.items():
        same_side = [o for o in merged if o[1] == op[1]]  # $lt/$lte or $gt/$gte
        if not same_side:
            merged[op] = bound
            continue
        old = same_side[0]
        tighter = (_comparable(bound) < _comparable(merged[old])) if op[1] == "l" else (
            _comparable(bound) > _comparable(merged[old]))
        if tighter or (bound == merged[old] and len(op) == 3):  # strict beats inclusive at one bound
            del merged[old]
            merged[op] = bound
    out[field] = merged
    return out


def seek_queries(query: Mapping[str, Any], field: str, descending: bool, after: tuple[Any, str]
                 ) -> list[tuple[dict[str, Any], list[tuple[str, int]]]]:
    """The filters (each with its sort) that together list what follows ``after`` = ``(value,
    id)`` in the order (``field`` descending or ascending, then ``_id``), in that order: the ties
    past the id, then the items past the value. A filter no document can meet is left out."""
    value, key = after
    order = -1 if descending else 1
    out = []
    ties = narrowed(query, field, value)
    ties = narrowed(ties, "_id", {"$gt": key}) if ties is not None else None
    if ties is not None:
        out.append((ties, [(field, order), ("_id", 1)]))
    past = narrowed(query, field, {"$lt" if descending else "$gt": value})
    if past is not None:
        out.append((past, [(field, order), ("_id", 1)]))
    return out


async def keyset_page(collection, query: Mapping[str, Any], field: str, *, descending: bool, page: int, size: int,
                      after: tuple[Any, str] | None = None, projection: Mapping[str, Any] | None = None
                      ) -> tuple[list[dict[str, Any]], tuple[Any, str] | None]:
    """A page of ``collection``'s documents matching ``query`` in (``field``, ``_id``) order, and
    where the next page starts (None on the last): page ``page``, or the page after ``after``."""
    order = [(field, -1 if descending else 1), ("_id", 1)]
    docs: list[dict[str, Any]] = []
    if after is None:
        cursor = collection.find(dict(query), projection).sort(order).skip((page - 1) * size).limit(size + 1)
        docs = [d async for d in cursor]
    else:
        for part, sort in seek_queries(query, field, descending, after):
            cursor = collection.find(part, projection).sort(sort).limit(size + 1 - len(docs))
            docs += [d async for d in cursor]
            if len(docs) > size:
                break
    more = len(docs) > size
    docs = docs[:size]
    return docs, (docs[-1].get(field), docs[-1]["_id"]) if more and docs else None


def page_after(items: list[Any], key: Callable[[Any], str], page: int, size: int, after: str | None
               ) -> tuple[list[Any], str | None]:
    """A page of ``items`` (in ``key`` order, e.g. household ids) and the key the next page
    starts after (None on the last): page ``page``, or the page after the item keyed ``after``
    (after where it would be, when it is gone)."""
    if after is None:
        start = (page - 1) * size
    else:
        keys = [key(item) for item in items]
        start = keys.index(after) + 1 if after in keys else next((i for i, k in enumerate(keys) if k > after), len(keys))
    chosen = items[start:start + size]
    more = start + size < len(items)
    return chosen, key(chosen[-1]) if more and chosen else None
