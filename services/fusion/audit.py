"""The personal-data audit log: every read of unmasked names, phones or id numbers — who, what,
when, why — in fusion's ``audit_log`` collection, queryable by the county. An entry is
recorded once per ``audit_id``, so a relay that sends it again adds nothing."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from gridfusion.community.v1 import community_pb2 as pb
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection

from services.platform.clock import Clock
from services.platform.paging import keyset_page

from .timestamps import set_time, time_of

COLLECTION = "audit_log"
# The list's order is newest first, then by id; each filter it takes (who read, which grid's
# data, both, neither; with or without a time window) has an index of its fields and that order.
_NEWEST = [("at", DESCENDING), ("_id", ASCENDING)]
INDEXES = [IndexModel(_NEWEST, name="list_newest"), IndexModel([("who", ASCENDING), *_NEWEST], name="list_who"),
           IndexModel([("grid_id", ASCENDING), *_NEWEST], name="list_grid"),
           IndexModel([("who", ASCENDING), ("grid_id", ASCENDING), *_NEWEST], name="list_who_grid")]


async def record_audit(audit: AsyncCollection, entry: pb.AuditEntry, clock: Clock) -> dict[str, Any]:
    """Record one read (once per ``audit_id``); ``at`` defaults to now."""
    doc = {"_id": entry.audit_id or uuid.uuid4().hex, "who": entry.who, "role": entry.role, "what": entry.what,
           "why": entry.why, "grid_id": entry.grid_id, "records": entry.records,
           "at": time_of(entry.at) or clock.now()}
    await audit.update_one({"_id": doc["_id"]}, {"$setOnInsert": doc}, upsert=True)
    return doc


def audit_query(request: pb.ListAuditRequest) -> dict[str, Any]:
    """The filter of ``ListAudit``: who read, which grid's data, and when (``[from, to)``)."""
    query: dict[str, Any] = {}
    if request.who:
        query["who"] = request.who
    if request.grid_id:
        query["grid_id"] = request.grid_id
    window: dict[str, Any] = {}
    if time_of(request.from_time):
        window["$gte"] = time_of(request.from_time)
    if time_of(request.to_time):
        window["$lt"] = time_of(request.to_time)
    if window:
        query["at"] = window
    return query


async def list_audit(audit: AsyncCollection, query: dict[str, Any], page: int, size: int, *,
                     after: tuple[datetime, str] | None = None) -> tuple[list[dict], tuple[datetime, str] | None]:
    """A page of the entries ``query`` matches, newest first, and where the next page starts (None
    on the last): page ``page``, or the page after ``after`` = (at, audit_id)."""
    return await keyset_page(audit, query, "at", descending=True, page=page, size=size, after=after)


async def count_audit(audit: AsyncCollection, query: dict[str, Any], cap: int | None = None) -> int:
    return await audit.count_documents(query, **({"limit": cap} if cap else {}))


def audit_to_proto(doc: dict[str, Any]) -> pb.AuditEntry:
    out = pb.AuditEntry(audit_id=doc["_id"], who=doc["who"], role=doc.get("role", ""), what=doc["what"], why=doc["why"],
                        grid_id=doc.get("grid_id", ""), records=doc.get("records", 0))
    set_time(out.at, doc["at"])
    return out
