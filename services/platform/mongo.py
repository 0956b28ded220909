"""MongoDB through PyMongo's native async API, with indexes declared next to the code."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from pymongo import AsyncMongoClient, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

log = logging.getLogger(__name__)

IndexSpec = Mapping[str, Sequence[IndexModel]]


def connect(uri: str, *, app_name: str) -> AsyncMongoClient:
    """A client for ``uri`` (``MONGODB_URI``); timestamps come back timezone-aware (UTC)."""
    return AsyncMongoClient(
        uri,
        appname=app_name,
        tz_aware=True,
        serverSelectionTimeoutMS=5000,
        retryWrites=True,
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
