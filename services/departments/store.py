"""A department's own records. One document is both the record and its outbox entry.

``published`` says whether JetStream has acknowledged the event: a new event is published
first and recorded with the answer (see :mod:`services.departments.intake`); the relay
publishes whatever is recorded false and then sets it. Because the record and the outbox entry
are one document, an accepted event is never lost between the two, and ``Nats-Msg-Id``
(``<department>:<id>``) keeps a second publish from doubling it. Each department
keeps its records in its own database, so the id alone is the key here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from gridfusion.events.v1 import events_pb2
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from services.platform.mongo import ensure_indexes, find_by_ids, pieces

DUPLICATE_KEY = 11000

INDEXES = {
    "events": [
        IndexModel([("published", ASCENDING), ("accepted_at", ASCENDING)], name="outbox"),
    ],
}


class DepartmentStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db
        self.events = db["events"]

    async def ensure_indexes(self) -> None:
        await ensure_indexes(self.db, INDEXES)

    async def insert(self, event: events_pb2.DepartmentEvent) -> bool:
        """Record an accepted event as unpublished; False when the id is already recorded."""
        try:
            await self.events.insert_one(record_of(event))
        except DuplicateKeyError:
            return False
        return True

    async def insert_many(self, events: Sequence[events_pb2.DepartmentEvent],
                          published: Sequence[bool] | None = None) -> set[str]:
        """Record accepted events (distinct ids) in one unordered write, each flagged for the outbox
        unless ``published`` says JetStream acknowledged it; the ids recorded. An id already there
        (sent before, or by a concurrent call) is left out and the others are still recorded; any
        other failure raises."""
        if not events:
            return set()
        flags = published if published is not None else [False] * len(events)
        try:
            await self.events.insert_many([record_of(e, done) for e, done in zip(events, flags, strict=True)],
                                          ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            already = {events[e["index"]].id for e in errors}
            return {e.id for e in events} - already
        return {e.id for e in events}

    async def get(self, event_id: str) -> tuple[events_pb2.DepartmentEvent, bool] | None:
        doc = await self.events.find_one({"_id": event_id})
        if doc is None:
            return None
        return events_pb2.DepartmentEvent.FromString(doc["event"]), bool(doc["published"])

    async def listed(self, id_prefix: str, event_ids: Sequence[str], since: datetime | None, until: datetime | None,
                     limit: int) -> list[tuple[events_pb2.DepartmentEvent, bool]]:
        """The recorded events whose ids start with ``id_prefix``, newest accepted first: those of
        ``event_ids``, else those accepted in [since, until); at most ``limit``."""
        query: dict[str, Any] = {"_id": {"$gte": id_prefix, "$lt": id_prefix + "\uffff"}} if id_prefix else {}
        if event_ids:
            query["_id"] = {"$in": [e for e in event_ids if e.startswith(id_prefix)]}
        elif since or until:
            query["accepted_at"] = {**({"$gte": since} if since else {}), **({"$lt": until} if until else {})}
        docs = await (self.events.find(query, {"event": 1, "published": 1})
                      .sort([("accepted_at", DESCENDING), ("_id", ASCENDING)]).limit(limit).to_list())
        return [(events_pb2.DepartmentEvent.FromString(d["event"]), bool(d["published"])) for d in docs]

    async def get_many(self, event_ids: Sequence[str]) -> dict[str, tuple[events_pb2.DepartmentEvent, bool]]:
        """The recorded events among ``event_ids``, by id, each with whether it is published: one
        round of queries (:func:`find_by_ids`)."""
        docs = await find_by_ids(self.events, event_ids, {"event": 1, "published": 1})
        return {doc["_id"]: (events_pb2.DepartmentEvent.FromString(doc["event"]), bool(doc["published"])) for doc in docs}

    async def mark_published(self, event_id: str) -> None:
        await self.events.update_one(
            {"_id": event_id}, {"$set": {"published": True, "published_at": datetime.now(UTC)}}
        )

    async def mark_published_many(self, event_ids: Sequence[str]) -> None:
        """Clear the outbox flag of every one of ``event_ids``: one round of updates, a piece of at
        most :data:`services.platform.mongo.IDS_PER_QUERY` ids each, sent together."""
        now = datetime.now(UTC)
        await asyncio.gather(*(
            self.events.update_many({"_id": {"$in": piece}}, {"$set": {"published": True, "published_at": now}})
            for piece in pieces(event_ids)
        ))

    async def unpublished(self, older_than: timedelta, limit: int = 500) -> list[events_pb2.DepartmentEvent]:
        cutoff = datetime.now(UTC) - older_than
        cursor = self.events.find({"published": False, "accepted_at": {"$lte": cutoff}}).sort(
            "accepted_at", ASCENDING
        ).limit(limit)
        return [events_pb2.DepartmentEvent.FromString(doc["event"]) async for doc in cursor]

    async def backlog(self) -> int:
        """How many accepted events JetStream has not acknowledged yet (the outbox's length)."""
        return await self.events.count_documents({"published": False})


def record_of(event: events_pb2.DepartmentEvent, published: bool = False) -> dict[str, Any]:
    """The document of an accepted event: the record and, unless ``published``, its outbox entry."""
    return {
        "_id": event.id,
        "type": event.type,
        "category": event.category,
        "family": event.category.split(".", 1)[0],
        "subject_id": event.subject_id or None,
        "time": event.time.ToDatetime(tzinfo=UTC),
        "accepted_at": event.accepted_at.ToDatetime(tzinfo=UTC),
        "event": event.SerializeToString(),
        "published": published,
    }
