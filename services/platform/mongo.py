"""MongoDB through PyMongo's native async API, with indexes declared next to the code."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import AsyncMongoClient, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.write_concern import WriteConcern

log = logging.getLogger(__name__)

IndexSpec = Mapping[str, Sequence[IndexModel]]


# Every write is acknowledged only once it is in the journal of a majority: what a service has
# acknowledged (an accepted event, a fused batch before its messages are acked) survives the
# database server's crash. MongoDB's replica sets journal majority writes by default; a server
# that does not (SecantusDB, local mode: `make chaos`'s db_restart lost the last fused batches
# before this) is told to.
WRITE_CONCERN = WriteConcern("majority", j=True)


# One document per process in each database it commits transactions to (see :func:`journal`).
JOURNAL_COLLECTION = "journal_marks"
_MARK = f"{socket.gethostname()}:{os.getpid()}"


async def journal(db: AsyncDatabase) -> None:
    """Make sure what was committed in ``db`` before now is in the journal, before anyone is told
    it is done: one journaled write. MongoDB journals a transaction's commit under its write
    concern; SecantusDB (local mode) ignores the commit's ``j`` but writes its journal in order, so
    a journaled write after the commit carries the commit with it (``make chaos``'s db_restart lost
    the last fused batches before this). Costs a millisecond or two per transaction."""
    await db[JOURNAL_COLLECTION].update_one({"_id": _MARK}, {"$inc": {"n": 1}}, upsert=True)


def connect(uri: str, *, app_name: str) -> AsyncMongoClient:
    """A client for ``uri`` (``MONGODB_URI``); timestamps come back timezone-aware (UTC); writes
    acknowledged once journaled by a majority (:data:`WRITE_CONCERN`)."""
    return AsyncMongoClient(
        uri,
        appname=app_name,
        tz_aware=True,
        serverSelectionTimeoutMS=5000,
        retryWrites=True,
        w=WRITE_CONCERN.document["w"],
        journal=True,
    )


async def ensure_indexes(db: AsyncDatabase, spec: IndexSpec) -> None:
    """Create every declared index; creating an existing index is a no-op."""
    for collection, indexes in spec.items():
        if indexes:
            await db[collection].create_indexes(list(indexes))
    log.info("indexes ensured", extra={"database": db.name, "collections": len(spec)})


async def ping(client: AsyncMongoClient) -> bool:
    try:
        await client.admin.command("ping")
    except Exception:  # noqa: BLE001 - any failure means "not reachable now"
        return False
    return True


# Lists of ids go to the database in pieces of at most this many, sent together. A long ``$in``
# list is documented MongoDB, but SecantusDB (local mode) checks each document it finds against
# the list value by value, so one list of 1,000 ids costs it some 500,000 comparisons; pieces
# of 50 keep that linear and cost MongoDB a few more queries in flight at once.
IDS_PER_QUERY = 50


def pieces(ids: Sequence[str], size: int = IDS_PER_QUERY) -> list[list[str]]:
    """``ids`` in pieces of at most ``size``, in order."""
    ids = list(ids)
    return [ids[i : i + size] for i in range(0, len(ids), size)]


async def find_by_ids(collection, ids: Sequence[str], projection: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The documents of ``collection`` whose ``_id`` is one of ``ids``: one round of queries, a
    piece of at most :data:`IDS_PER_QUERY` ids each, sent together."""
    found = await asyncio.gather(*(
        collection.find({"_id": {"$in": piece}}, projection).to_list() for piece in pieces(ids)
    ))
    return [doc for docs in found for doc in docs]
