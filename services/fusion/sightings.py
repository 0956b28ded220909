"""The sightings of fused events: one document per event joined to a case, what correlation
compares a new event with.

A sighting (collection ``sightings``) is keyed by its event's key (``<department>:<id>``) and
carries its case, grid, family, subject, time, point and summary, the correlation cell of its
point (``cell``) and the index keys of :mod:`.correlation` (``near_key``, ``subject_key``). The
two indexes ``near`` and ``subject`` are (grid, family, key): the lookup of a new event's
:func:`~.correlation.candidate_keys` reads only the sightings in its place or of its subject
within a few windows of its time, however many cases the grid holds. Fusion writes a sighting
in the transaction that records its event and opens or joins its case.

Case documents of an older shape embedded their sightings (``sightings`` array);
:func:`move_embedded` moves them here.
"""

from __future__ import annotations

import logging
from typing import Any

from pymongo import ASCENDING, IndexModel, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from .correlation import Sighting, sighting_keys

log = logging.getLogger(__name__)

COLLECTION = "sightings"
INDEXES = [
    IndexModel([("grid_id", ASCENDING), ("family", ASCENDING), ("near_key", ASCENDING)], name="near"),
    IndexModel([("grid_id", ASCENDING), ("family", ASCENDING), ("subject_key", ASCENDING)], name="subject"),
    IndexModel([("case_id", ASCENDING)], name="case"),
]
# How many case documents the move of embedded sightings handles per write.
MOVE_BATCH = 500
DUPLICATE_KEY = 11000


def document(sighting: Sighting, case_id: str) -> dict[str, Any]:
    """The stored sighting of an event joined to (or opening) case ``case_id``."""
    doc = sighting.to_doc()
    return {"_id": doc.pop("event_id"), "case_id": case_id, **doc, **sighting_keys(sighting)}


def sighting_of(doc: dict[str, Any]) -> Sighting:
    return Sighting.from_doc({**doc, "event_id": doc["_id"]})


def queries(grid_id: str, family: str, near: list[str], subject: list[str]) -> list[dict[str, Any]]:
    """The look-ups of the stored sightings of this grid and family under any of these place or
    subject keys: one per kind of key, each exactly the fields of its index (grid, family, key
    ``$in``) and nothing else, so that the server answers it from the index alone."""
    return [{"grid_id": grid_id, "family": family, name: {"$in": sorted(set(keys))}}
            for name, keys in (("near_key", near), ("subject_key", subject)) if keys]


async def find(collection: AsyncCollection, s: AsyncClientSession | None, grid_id: str, family: str,
               near: list[str], subject: list[str]) -> list[dict[str, Any]]:
    """The stored sightings of this grid and family under any of these place or subject keys."""
    found: dict[str, dict[str, Any]] = {}
    for query in queries(grid_id, family, near, subject):
        async for doc in collection.find(query, session=s):
            found[doc["_id"]] = doc
    return list(found.values())


async def move_embedded(db: AsyncDatabase, *, batch: int = MOVE_BATCH) -> int:
    """Move the sightings embedded in case documents of the older shape into the collection and
    remove the field from the case; answers how many case documents were moved.

    Safe to run again and from several replicas at once: a sighting is written only where none
    of its key is stored yet (``$setOnInsert``; a concurrent writer's duplicate key is that
    sighting written), and the case loses its field only after its sightings are stored, so a
    crash in between leaves the field for the next run.
    """
    cases, store = db["cases"], db[COLLECTION]
    moved = 0
    pending: list[dict[str, Any]] = []

    async def flush() -> None:
        nonlocal moved
        writes = []
        for case in pending:
            for embedded in case.get("sightings") or ():
                doc = document(Sighting.from_doc(embedded), case["_id"])
                key = doc.pop("_id")
                writes.append(UpdateOne({"_id": key}, {"$setOnInsert": doc}, upsert=True))
        if writes:
            try:
                await store.bulk_write(writes, ordered=False)
            except BulkWriteError as exc:
                if any(e.get("code") != DUPLICATE_KEY for e in exc.details.get("writeErrors", [])):
                    raise
        await cases.update_many({"_id": {"$in": [c["_id"] for c in pending]}}, {"$unset": {"sightings": ""}})
        moved += len(pending)
        pending.clear()

    async for case in cases.find({"sightings": {"$exists": True}}, {"sightings": 1}):
        pending.append(case)
        if len(pending) >= batch:
            await flush()
    if pending:
        await flush()
    if moved:
        log.info("embedded sightings moved to their collection", extra={"database": db.name, "cases": moved})
    return moved
