"""The personal-data audit log: every read of unmasked names, phones or id numbers — who, what,
when, why — in fusion's ``audit_log`` collection, queryable by the county. An entry is
recorded once per ``audit_id``, so a relay that sends it again adds nothing."""

from __future__ import annotations

import uuid
from typing import Any

from gridfusion.community.v1 import community_pb2 as pb
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection

from services.platform.clock import Clock

from .timestamps import set_time, time_of

COLLECTION = "audit_log"
INDEXES = [IndexModel([("at", DESCENDING)]), IndexModel([("who", ASCENDING), ("at", DESCENDING)])]


async def record_audit(audit: AsyncCollection, entry: pb.AuditEntry, clock: Clock) -> dict[str, Any]:
    """Record one read (once per ``audit_id``); ``at`` defaults to now."""
    doc = {"_id": entry.audit_id or uuid.uuid4().hex, "who": entry.who, "role": entry.role, "what": entry.what,
           "why": entry.why, "grid_id": entry.grid_id, "records": entry.records,
           "at": time_of(entry.at) or clock.now()}
    await audit.update_one({"_id": doc["_id"]}, {"$setOnInsert": doc}, upsert=True)
    return doc


async def list_audit(audit: AsyncCollection, request: pb.ListAuditRequest, page: int, size: int) -> tuple[list[dict], int]:
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
    total = await audit.count_documents(query)
    cursor = audit.find(query).sort([("at", -1), ("_id", 1)]).skip((page - 1) * size).limit(size)
    return [d async for d in cursor], total


def audit_to_proto(doc: dict[str, Any]) -> pb.AuditEntry:
    out = pb.AuditEntry(audit_id=doc["_id"], who=doc["who"], role=doc.get("role", ""), what=doc["what"], why=doc["why"],
                        grid_id=doc.get("grid_id", ""), records=doc.get("records", 0))
    set_time(out.at, doc["at"])
    return out
