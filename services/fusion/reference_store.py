"""The party-branch grid in fusion's database: loading the reference data, reading it back.

``seed`` writes the synthetic county once (a ``meta`` document records the version); running
it again, from any number of replicas at once, changes nothing. Real boundaries replace it
through the same collections.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from services.reference import County, build_county

log = logging.getLogger(__name__)

REFERENCE_VERSION = "ningyang-synthetic-1"
DUPLICATE_KEY = 11000

INDEXES = {
    "grids": [IndexModel([("community_id", ASCENDING)]), IndexModel([("street_id", ASCENDING)])],
    "households": [IndexModel([("grid_id", ASCENDING), ("_id", ASCENDING)])],
    "compounds": [IndexModel([("grid_id", ASCENDING)])],
    "communities": [IndexModel([("street_id", ASCENDING)])],
}


def _person(p) -> dict[str, Any]:
    return asdict(p)


def grid_doc(grid, county: County) -> dict[str, Any]:
    community = next(c for c in county.communities if c.community_id == grid.community_id)
    street = next(s for s in county.streets if s.street_id == grid.street_id)
    return {
        "_id": grid.grid_id,
        "name": grid.name,
        "type": grid.type,
        "community_id": grid.community_id,
        "community_name": community.name,
        "street_id": grid.street_id,
        "street_name": street.name,
        "polygon": [list(p) for p in grid.polygon],
        "households": grid.households,
        "residents": grid.residents,
        "party_members": grid.party_members,
        "secretary": _person(grid.secretary),
        "committee_members": [_person(p) for p in grid.committee_members],
        "grid_workers": [_person(p) for p in grid.grid_workers],
        "police_assistant": _person(grid.police_assistant),
        "station": list(grid.station),
    }


async def is_seeded(db: AsyncDatabase) -> bool:
    meta = await db["meta"].find_one({"_id": "reference"})
    return meta is not None and meta.get("complete", False)


async def seed(db: AsyncDatabase, county: County | None = None, *, batch: int = 2000) -> dict[str, int]:
    """Write the reference data unless it is already there; returns what was written."""
    if await is_seeded(db):
        return {}
    county = county or build_county()
    written: dict[str, int] = {}

    async def put(collection: str, docs: list[dict[str, Any]]) -> None:
        for start in range(0, len(docs), batch):
            try:
                await db[collection].insert_many(docs[start : start + batch], ordered=False)
            except BulkWriteError as exc:
                # Another replica (or an interrupted earlier run) wrote some of them already.
                if any(e.get("code") != DUPLICATE_KEY for e in exc.details.get("writeErrors", ())):
                    raise
        written[collection] = len(docs)
        log.info("reference data written", extra={"collection": collection, "count": len(docs)})

    await put("streets", [{"_id": s.street_id, "name": s.name, "name_en": s.name_en} for s in county.streets])
    await put(
        "communities",
        [
            {
                "_id": c.community_id,
                "name": c.name,
                "street_id": c.street_id,
                "legal_adviser": _person(c.legal_adviser),
                "service_station": list(c.service_station),
            }
            for c in county.communities
        ],
    )
    await put("grids", [grid_doc(g, county) for g in county.grids])
    await put(
        "compounds",
        [{"_id": c.compound_id, "name": c.name, "grid_id": c.grid_id, "address": c.address, "location": list(c.location)} for c in county.compounds],
    )
    await put(
        "households",
        [
            {
                "_id": h.household_id,
                "compound_id": h.compound_id,
                "grid_id": h.grid_id,
                "address": h.address,
                "residents": h.residents,
                "location": list(h.location),
                "head": _person(h.head),
            }
            for h in county.households
        ],
    )
    await put(
        "landmarks",
        [{"_id": m.landmark_id, "name": m.name, "grid_id": m.grid_id, "address": m.address, "location": list(m.location)} for m in county.landmarks],
    )
    await db["meta"].replace_one(
        {"_id": "reference"},
        {"_id": "reference", "version": REFERENCE_VERSION, "complete": True, "seeded_at": datetime.now(UTC), "totals": county.totals()},
        upsert=True,
    )
    return written


async def ensure_indexes(db: AsyncDatabase) -> None:
    from services.platform.mongo import ensure_indexes as ensure

    await ensure(db, INDEXES)
