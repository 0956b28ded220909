"""A department's own records. One document is both the record and its outbox entry.

``published`` is false from the moment the event is accepted until JetStream acknowledges
it; the relay publishes whatever stays false. Because the record and the outbox entry are
one document, a crash between accepting and publishing can never lose the event, and
``Nats-Msg-Id`` (``<department>:<id>``) keeps a second publish from doubling it. Each department
keeps its records in its own database, so the id alone is the key here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from gridfusion.events.v1 import events_pb2
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.platform.mongo import ensure_indexes

INDEXES = {
    "events": [
        IndexModel([("published", ASCENDING), ("accepted_at", ASCENDING)], name="outbox"),
        IndexModel([("subject_id", ASCENDING), ("family", ASCENDING), ("time", DESCENDING)], name="subject_history"),
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
        doc: dict[str, Any] = {
            "_id": event.id,
            "type": event.type,
            "category": event.category,
            "family": event.category.split(".", 1)[0],
            "subject_id": event.subject_id or None,
            "time": event.time.ToDatetime(tzinfo=UTC),
            "accepted_at": event.accepted_at.ToDatetime(tzinfo=UTC),
            "event": event.SerializeToString(),
            "published": False,
        }
        try:
            await self.events.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def get(self, event_id: str) -> tuple[events_pb2.DepartmentEvent, bool] | None:
        doc = await self.events.find_one({"_id": event_id})
        if doc is None:
            return None
        return events_pb2.DepartmentEvent.FromString(doc["event"]), bool(doc["published"])

    async def mark_published(self, event_id: str) -> None:
        await self.events.update_one(
            {"_id": event_id}, {"$set": {"published": True, "published_at": datetime.now(UTC)}}
        )

    async def unpublished(self, older_than: timedelta, limit: int = 500) -> list[events_pb2.DepartmentEvent]:
        cutoff = datetime.now(UTC) - older_than
        cursor = self.events.find({"published": False, "accepted_at": {"$lte": cutoff}}).sort(
            "accepted_at", ASCENDING
        ).limit(limit)
        return [events_pb2.DepartmentEvent.FromString(doc["event"]) async for doc in cursor]
