"""The sightings of fused events: one document per event joined to a case, what correlation
compares a new event with.

A sighting (collection ``sightings``) is keyed by its event's key (``<department>:<id>``) and
carries its case, grid, family, subject, time, point and summary, the correlation cell of its
point (``cell``) and the index keys of :mod:`.correlation` (``place_key``, naming the grid too;
``subject_key``, naming grid and family). Each key has a single-field index, so the look-up of the
:func:`~.correlation.candidate_keys` of every event of a fetched batch, whatever their grids
and families, is a few index reads per kind of key (:func:`find`): it reads only the sightings in
the events' places or of their subjects within a few windows of their times, however many cases
the grids hold. Fusion writes a sighting in the transaction that records its event and opens or
joins its case.

Case documents of an older shape embedded their sightings (``sightings`` array);
:func:`move_embedded` moves them here. Sightings of an older shape carry a place key that names
the family too (``near_key``), which the cross-family look-up for possible duplicates does not
use: :func:`set_place_keys` gives them their ``place_key``.
"""

from __future__ import annotations

import logging
from typing import Any

from pymongo import ASCENDING, IndexModel, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from services.platform.mongo import pieces

from .correlation import Sighting, sighting_keys

log = logging.getLogger(__name__)

COLLECTION = "sightings"
INDEXES = [
    IndexModel([("place_key", ASCENDING)], name="place_key"),
    IndexModel([("subject_key", ASCENDING)], name="subject_key"),
    IndexModel([("case_id", ASCENDING)], name="case"),
]
# How many keys one look-up sends. The server reads each key's sightings through the index, then
# checks every sighting it read against the ``$in`` list value by value (SecantusDB, local mode):
# a batch's some 5,000 place keys in one list would cost it some 2,500 comparisons per sighting
# read, in pieces of this many a few more queries and some hundred comparisons each.
KEYS_PER_QUERY = 250
# How many case documents the move of embedded sightings handles per write.
MOVE_BATCH = 500
DUPLICATE_KEY = 11000


def document(sighting: Sighting, case_id: str) -> dict[str, Any]:
    """The stored sighting of an event joined to (or opening) case ``case_id``."""
    doc = sighting.to_doc()
    return {"_id": doc.pop("event_id"), "case_id": case_id, **doc, **sighting_keys(sighting)}


def sighting_of(doc: dict[str, Any]) -> Sighting:
    return Sighting.from_doc({**doc, "event_id": doc["_id"]})


def queries(near: list[str], subject: list[str], *, size: int | None = None) -> list[dict[str, Any]]:
    """The look-ups of the stored sightings under any of these place or subject keys (of any
    grids and families: the keys name them): per kind of key, a piece of at most ``size`` (else
    :data:`KEYS_PER_QUERY`) of its keys each, every one exactly the field of its index (``$in`` the keys) and nothing else, so
    that the server answers it from the index."""
    return [{name: {"$in": piece}} for name, keys in (("place_key", near), ("subject_key", subject))
            for piece in pieces(sorted(set(keys)), size or KEYS_PER_QUERY)]


async def find(collection: AsyncCollection, s: AsyncClientSession | None, near: list[str],
               subject: list[str]) -> list[dict[str, Any]]:
    """The stored sightings under any of these place or subject keys, each once (the pieces one
    after the other: a session runs one operation at a time)."""
    found: dict[str, dict[str, Any]] = {}
    for query in queries(near, subject):
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


async def set_place_keys(db: AsyncDatabase, *, batch: int = MOVE_BATCH) -> int:
    """Give the sightings of the older shape (a ``near_key``, no ``place_key``) their place key, and
    drop the old one; answers how many. Safe to run again and from several replicas at once (each
    write sets what the sighting's own fields give)."""
    store = db[COLLECTION]
    done = 0
    writes: list[UpdateOne] = []
    async for doc in store.find({"near_key": {"$exists": True}}):
        keys = sighting_keys(sighting_of(doc))
        update: dict[str, Any] = {"$unset": {"near_key": ""}}
        if "place_key" in keys:
            update["$set"] = {"place_key": keys["place_key"]}
        writes.append(UpdateOne({"_id": doc["_id"]}, update))
        if len(writes) >= batch:
            await store.bulk_write(writes, ordered=False)
            done += len(writes)
            writes.clear()
    if writes:
        await store.bulk_write(writes, ordered=False)
        done += len(writes)
    if done:
        log.info("sightings given their place keys", extra={"database": db.name, "sightings": done})
    return done
