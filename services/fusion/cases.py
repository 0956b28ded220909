"""Cases in fusion's database, and fusing one event into one.

Fusing is one MongoDB transaction: the event's record (keyed by the event id), the case it
opens or joins, and the timeline entry commit together or not at all. A redelivered or
re-published event finds its record and changes nothing. Every transaction on a grid and
family first bumps one guard document, so two fusion replicas correlating events of the same
incident at once conflict, and the retry of the later one sees the earlier one's case.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gridfusion.events.v1 import events_pb2
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.asynchronous.mongo_client import AsyncMongoClient
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from services.departments.schema import SEVERITY_FROM_PROTO
from services.platform.mongo import ensure_indexes

from .correlation import SUBJECT_WINDOW, Sighting, same_incident
from .deadlines import deadline
from .resolver import Resolution

log = logging.getLogger(__name__)

OPEN_STATUSES = ("reported", "accepted", "escalated", "assessed", "handed_over", "result_reported", "reopened")
CLOSED_STATUSES = ("resolved", "closed")
SEVERITY_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}

INDEXES = {
    "cases": [
        IndexModel([("grid_id", ASCENDING), ("family", ASCENDING), ("status", ASCENDING), ("last_seen", DESCENDING)], name="correlation"),
        IndexModel([("opened_at", DESCENDING)], name="recent"),
        IndexModel([("status", ASCENDING), ("due_at", ASCENDING)], name="deadlines"),
        IndexModel([("community_id", ASCENDING), ("opened_at", DESCENDING)]),
        IndexModel([("street_id", ASCENDING), ("opened_at", DESCENDING)]),
        IndexModel([("departments", ASCENDING), ("opened_at", DESCENDING)]),
        IndexModel([("handed_to", ASCENDING), ("opened_at", DESCENDING)]),
    ],
    "events": [IndexModel([("case_id", ASCENDING)]), IndexModel([("status", ASCENDING)])],
    "dead_letters": [IndexModel([("dead_lettered_at", DESCENDING)]), IndexModel([("event_id", ASCENDING)])],
}


def case_id_for(event: events_pb2.DepartmentEvent) -> str:
    """A case's id derives from the event that opened it, so a retry opens the same case."""
    day = event.time.ToDatetime(tzinfo=UTC).strftime("%Y%m%d")
    digest = hashlib.sha256(f"{event.department}/{event.id}".encode()).hexdigest()[:10].upper()
    return f"C{day}-{digest}"


@dataclass(frozen=True)
class Fused:
    event_id: str
    case_id: str
    grid_id: str
    opened: bool  # a new case (False: joined an existing one)
    duplicate: bool  # already fused before: nothing changed
    version: int = 0


def sighting_of(event: events_pb2.DepartmentEvent, resolution: Resolution) -> Sighting:
    return Sighting(
        event_id=event.id,
        grid_id=resolution.grid_id,
        family=event.category.split(".", 1)[0],
        subject_id=event.subject_id,
        time=event.time.ToDatetime(tzinfo=UTC),
        point=resolution.point,
        summary=event.summary,
    )


class CaseStore:
    def __init__(self, client: AsyncMongoClient, db: AsyncDatabase) -> None:
        self.client = client
        self.db = db
        self.cases = db["cases"]
        self.events = db["events"]
        self.dead_letters = db["dead_letters"]
        self.guards = db["correlation_guards"]
        self.grids: dict[str, dict[str, Any]] = {}

    async def ensure_indexes(self) -> None:
        await ensure_indexes(self.db, INDEXES)

    async def load_grids(self) -> None:
        self.grids = {g["_id"]: g async for g in self.db["grids"].find({}, {"polygon": 0})}

    async def fuse(self, event: events_pb2.DepartmentEvent, resolution: Resolution, now: datetime) -> Fused:
        async with self.client.start_session() as session:
            return await session.with_transaction(
                lambda s: self._fuse(s, event, resolution, now),
                read_concern=ReadConcern("snapshot"),
                write_concern=WriteConcern("majority"),
            )

    async def _fuse(
        self, s: AsyncClientSession, event: events_pb2.DepartmentEvent, resolution: Resolution, now: datetime
    ) -> Fused:
        existing = await self.events.find_one({"_id": event.id}, {"status": 1, "case_id": 1, "grid_id": 1}, session=s)
        if existing is not None and existing.get("status") == "fused":
            return Fused(event.id, existing["case_id"], existing["grid_id"], opened=False, duplicate=True)
        sighting = sighting_of(event, resolution)
        await self.guards.update_one(
            {"_id": f"{sighting.grid_id}|{sighting.family}"}, {"$inc": {"n": 1}}, upsert=True, session=s
        )
        severity = SEVERITY_FROM_PROTO.get(event.severity, "medium")
        department = event.department
        entry = {
            "at": now,
            "action": "reported",
            "actor": f"department:{department}",
            "role": "department",
            "event_id": event.id,
            "note": event.summary[:200],
        }
        match, linked = await self._correlate(s, sighting)
        if match is not None:
            version = match["version"] + 1
            entry.update(action="correlated", from_status=match["status"], to_status=match["status"], level=match["level"])
            update: dict[str, Any] = {
                "$push": {"event_ids": event.id, "sightings": sighting.to_doc(), "timeline": entry},
                "$addToSet": {"departments": department},
                "$max": {"last_seen": sighting.time},
                "$set": {"updated_at": now, "version": version},
            }
            if SEVERITY_RANK[severity] > SEVERITY_RANK.get(match.get("severity", "low"), 1):
                update["$set"]["severity"] = severity
            await self.cases.update_one({"_id": match["_id"]}, update, session=s)
            case_id, opened = match["_id"], False
        else:
            case_id, opened, version = case_id_for(event), True, 1
            grid = self.grids.get(sighting.grid_id, {})
            entry.update(from_status="", to_status="reported", level="grid")
            await self.cases.insert_one(
                {
                    "_id": case_id,
                    "grid_id": sighting.grid_id,
                    "community_id": grid.get("community_id", ""),
                    "street_id": grid.get("street_id", ""),
                    "category": event.category,
                    "family": sighting.family,
                    "status": "reported",
                    "level": "grid",
                    "departments": [department],
                    "event_ids": [event.id],
                    "sightings": [sighting.to_doc()],
                    "summary": event.summary,
                    "severity": severity,
                    "subject_id": event.subject_id,
                    "risk_level": "",
                    "handed_to": "",
                    "linked_case_id": linked or "",
                    "rating": 0,
                    "opened_at": now,
                    "updated_at": now,
                    "level_started_at": now,
                    "due_at": now + deadline("grid", sighting.family),
                    "closed_at": None,
                    "last_seen": sighting.time,
                    "timeline": [entry],
                    "version": 1,
                },
                session=s,
            )
        await self.events.replace_one(
            {"_id": event.id},
            {
                "_id": event.id,
                "status": "fused",
                "case_id": case_id,
                "grid_id": sighting.grid_id,
                "department": department,
                "category": event.category,
                "method": resolution.method,
                "confidence": resolution.confidence,
                "fused_at": now,
                "event": event.SerializeToString(),
            },
            upsert=True,
            session=s,
        )
        return Fused(event.id, case_id, sighting.grid_id, opened=opened, duplicate=False, version=version)

    async def _correlate(self, s: AsyncClientSession, sighting: Sighting) -> tuple[dict | None, str | None]:
        """The open case this sighting joins, else the closed case a new one should link to."""
        window = {"$gte": sighting.time - SUBJECT_WINDOW}
        query = {"grid_id": sighting.grid_id, "family": sighting.family, "last_seen": window}
        linked: str | None = None
        async for case in self.cases.find(query, session=s).sort("opened_at", ASCENDING):
            if any(same_incident(sighting, Sighting.from_doc(d)) for d in case["sightings"]):
                if case["status"] in CLOSED_STATUSES:
                    linked = case["_id"]
                    continue
                return case, None
        return None, linked

    async def record_unfused(self, event: events_pb2.DepartmentEvent | None, event_id: str, *, stage: str, reason: str,
                             origin_subject: str, now: datetime) -> None:
        """Keep a dead-lettered event where the API can list it and GET /v1/events can explain it."""
        department = event.department if event is not None else origin_subject.split(".")[2] if origin_subject.count(".") >= 2 else ""
        await self.dead_letters.replace_one(
            {"_id": event_id or f"unknown-{now.timestamp()}"},
            {
                "event_id": event_id,
                "stage": stage,
                "reason": reason,
                "origin_subject": origin_subject,
                "department": department,
                "dead_lettered_at": now,
                "reprocessed": False,
                "event": event.SerializeToString() if event is not None else None,
            },
            upsert=True,
        )
        if event_id:
            await self.events.update_one(
                {"_id": event_id, "status": {"$ne": "fused"}},
                {"$set": {"status": "dead_lettered", "reason": reason, "department": department, "category": event.category if event else "", "dead_lettered_at": now}},
                upsert=True,
            )

    async def get_case(self, case_id: str) -> dict | None:
        return await self.cases.find_one({"_id": case_id})

    async def get_event(self, event_id: str) -> dict | None:
        return await self.events.find_one({"_id": event_id})

    async def list_cases(self, query: dict, page: int, page_size: int) -> tuple[list[dict], int]:
        total = await self.cases.count_documents(query)
        cursor = (
            self.cases.find(query, {"sightings": 0, "timeline": 0})
            .sort([("opened_at", DESCENDING), ("_id", ASCENDING)])
            .skip((page - 1) * page_size)
            .limit(page_size)
        )
        return [c async for c in cursor], total
