"""The party-branch grid in fusion's database, as versions.

Every import (and local mode's synthetic county) becomes a new version ``v0001``, ``v0002``, …
Its records live in collections of their own, ``ref_<version>_<kind>`` (kinds: ``streets``,
``communities``, ``grids``, ``compounds``, ``landmarks``, ``households``, ``members``), written
in full before the version is marked complete. Which version is current is one document
(``meta`` ``reference_current``), so switching — an import, or a rollback to an earlier
version — is one atomic write; versions are never changed afterwards. ``reference_versions``
records each version: where it came from, who made it and when, its counts, when it was
activated and by whom.

Nothing here seeds anything by itself: :func:`seed_synthetic` (local mode and tests) stores
the synthetic county as a version when there is none.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.reference import County, build_county
from services.reference.models import (
    Community,
    Compound,
    Grid,
    Household,
    Landmark,
    PartyMember,
    Person,
    Street,
)

log = logging.getLogger(__name__)

KINDS = ("streets", "communities", "grids", "compounds", "landmarks", "households", "members")
CURRENT = "reference_current"
SYNTHETIC_SOURCE = "synthetic Ningyang county seat (宁阳县城区, generated)"
NO_DATA = "no reference data imported"
BATCH = 2000
# How long a replica's claim to seed the synthetic county holds before another may take over.
SEED_CLAIM = timedelta(minutes=5)

INDEXES = {
    "reference_versions": [IndexModel([("created_at", DESCENDING)])],
}


class NoReferenceData(LookupError):
    """No version is current (nothing imported, nothing seeded)."""


class UnknownVersion(LookupError):
    pass


class Superseded(RuntimeError):
    """Another version became current meanwhile (an activation that expected a different one)."""


def collection_name(version: str, kind: str) -> str:
    return f"ref_{version}_{kind}"


def counts_of(county: County) -> dict[str, int]:
    return {
        "streets": len(county.streets), "communities": len(county.communities), "grids": len(county.grids),
        "compounds": len(county.compounds), "households": len(county.households),
        "residents": sum(h.residents for h in county.households),
        "party_members": sum(g.party_members for g in county.grids),
    }


# -- documents -----------------------------------------------------------------------------

def _person(p: Person | None) -> dict[str, Any] | None:
    return None if p is None else asdict(p)


def _unperson(d: dict[str, Any] | None) -> Person | None:
    return None if not d else Person(d["person_id"], d["name"], d["phone"], d["id_number"])


def grid_doc(grid: Grid, county: County) -> dict[str, Any]:
    """A grid as fusion keeps and serves it (names of its community and street included)."""
    community = next((c.name for c in county.communities if c.community_id == grid.community_id), "")
    street = next((s.name for s in county.streets if s.street_id == grid.street_id), "")
    return {
        "_id": grid.grid_id, "name": grid.name, "type": grid.type,
        "community_id": grid.community_id, "community_name": community,
        "street_id": grid.street_id, "street_name": street,
        "polygon": [list(p) for p in grid.polygon],
        "parts": [[[list(p) for p in ring] for ring in rings] for rings in grid.parts],
        "households": grid.households, "residents": grid.residents, "party_members": grid.party_members,
        "secretary": _person(grid.secretary), "committee_members": [_person(p) for p in grid.committee_members],
        "grid_workers": [_person(p) for p in grid.grid_workers], "police_assistant": _person(grid.police_assistant),
        "station": list(grid.station),
    }


def _docs(county: County) -> dict[str, list[dict[str, Any]]]:
    return {
        "streets": [{"_id": s.street_id, "name": s.name, "name_en": s.name_en} for s in county.streets],
        "communities": [{"_id": c.community_id, "name": c.name, "street_id": c.street_id,
                         "legal_adviser": _person(c.legal_adviser), "service_station": list(c.service_station)}
                        for c in county.communities],
        "grids": [grid_doc(g, county) for g in county.grids],
        "compounds": [{"_id": c.compound_id, "name": c.name, "grid_id": c.grid_id, "address": c.address,
                       "location": list(c.location)} for c in county.compounds],
        "landmarks": [{"_id": m.landmark_id, "name": m.name, "grid_id": m.grid_id, "address": m.address,
                       "location": list(m.location)} for m in county.landmarks],
        "households": [{"_id": h.household_id, "compound_id": h.compound_id, "grid_id": h.grid_id,
                        "address": h.address, "residents": h.residents, "location": list(h.location),
                        "head": _person(h.head)} for h in county.households],
        "members": [{"_id": m.member_id, "name": m.name, "phone": m.phone, "grid_id": m.grid_id,
                     "category": m.category} for m in county.member_records],
    }


def _lonlat(value) -> tuple[float, float]:
    return (float(value[0]), float(value[1]))


def _grid(d: dict[str, Any]) -> Grid:
    return Grid(
        grid_id=d["_id"], name=d["name"], type=d["type"], community_id=d["community_id"], street_id=d["street_id"],
        polygon=tuple(_lonlat(p) for p in d["polygon"]), households=d["households"], residents=d["residents"],
        party_members=d["party_members"], secretary=_unperson(d.get("secretary")),
        committee_members=tuple(_unperson(p) for p in d.get("committee_members", ())),
        grid_workers=tuple(_unperson(p) for p in d.get("grid_workers", ())),
        police_assistant=_unperson(d.get("police_assistant")), station=_lonlat(d["station"]),
        parts=tuple(tuple(tuple(_lonlat(p) for p in ring) for ring in rings) for rings in d.get("parts", ())),
    )


# -- versions ------------------------------------------------------------------------------

async def ensure_indexes(db: AsyncDatabase) -> None:
    from services.platform.mongo import ensure_indexes as ensure

    await ensure(db, INDEXES)


async def _next_version(db: AsyncDatabase) -> str:
    counter = await db["meta"].find_one_and_update(
        {"_id": "reference_counter"}, {"$inc": {"n": 1}}, upsert=True, return_document=ReturnDocument.AFTER)
    return f"v{counter['n']:04d}"


async def store_version(db: AsyncDatabase, county: County, *, source: str, actor: str, crs: str = "wgs84",
                        warnings: int = 0, now: datetime | None = None,
                        synthetic: bool = False) -> str:
    """Write ``county`` as a new, complete, not yet current version; its name. ``synthetic``: a
    version derived from the synthetic county (a register change), synthetic as that one is."""
    version = await _next_version(db)
    now = now or datetime.now(UTC)
    await db["reference_versions"].insert_one({
        "_id": version, "source": source, "created_at": now, "created_by": actor, "crs": crs,
        "counts": counts_of(county), "warnings": warnings, "complete": False, "activations": [],
        **({"synthetic": True} if synthetic else {}),
    })
    for kind, docs in _docs(county).items():
        collection = db[collection_name(version, kind)]
        for start in range(0, len(docs), BATCH):
            await collection.insert_many(docs[start:start + BATCH], ordered=False)
        if kind in ("households", "compounds", "members"):
            await collection.create_index([("grid_id", ASCENDING), ("_id", ASCENDING)])
    await db["reference_versions"].update_one({"_id": version}, {"$set": {"complete": True}})
    log.info("reference version stored", extra={"version": version, "source": source, **counts_of(county)})
    return version


async def activate(db: AsyncDatabase, version: str, *, actor: str, now: datetime | None = None,
                   expected: str | None = None) -> dict[str, Any]:
    """Make a complete stored version current; its record. With ``expected``, only while that
    version is the current one (:class:`Superseded` otherwise): a version derived from it."""
    now = now or datetime.now(UTC)
    record = await db["reference_versions"].find_one({"_id": version, "complete": True})
    if record is None:
        raise UnknownVersion(f"no stored reference version {version!r}")
    pointer = {"_id": CURRENT, "version": version, "activated_at": now, "activated_by": actor}
    if expected is None:
        await db["meta"].replace_one({"_id": CURRENT}, pointer, upsert=True)
    else:
        switched = await db["meta"].replace_one({"_id": CURRENT, "version": expected}, pointer)
        if switched.matched_count == 0:
            raise Superseded(f"reference version {expected!r} is no longer current")
    await db["reference_versions"].update_one(
        {"_id": version}, {"$push": {"activations": {"at": now, "by": actor}}})
    log.info("reference version activated", extra={"version": version, "actor": actor})
    return await db["reference_versions"].find_one({"_id": version})


def is_synthetic(record: dict[str, Any] | None) -> bool:
    """Whether a version's record is the synthetic county (local mode), or derived from it."""
    if not record:
        return False
    return record.get("source") == SYNTHETIC_SOURCE or bool(record.get("synthetic"))


async def current(db: AsyncDatabase) -> dict[str, Any] | None:
    """The current version's pointer (``version``, ``activated_at``, ``activated_by``), or None."""
    return await db["meta"].find_one({"_id": CURRENT})


async def versions(db: AsyncDatabase) -> list[dict[str, Any]]:
    return await db["reference_versions"].find({"complete": True}).sort("_id", DESCENDING).to_list()


async def version_record(db: AsyncDatabase, version: str) -> dict[str, Any] | None:
    return await db["reference_versions"].find_one({"_id": version, "complete": True})


async def load_county(db: AsyncDatabase, version: str) -> County:
    """A stored version as the reference model."""
    if await version_record(db, version) is None:
        raise UnknownVersion(f"no stored reference version {version!r}")

    async def read(kind: str) -> list[dict[str, Any]]:
        return await db[collection_name(version, kind)].find({}).sort("_id", ASCENDING).to_list()

    return County(
        streets=tuple(Street(d["_id"], d["name"], d.get("name_en", "")) for d in await read("streets")),
        communities=tuple(Community(d["_id"], d["name"], d["street_id"], _unperson(d.get("legal_adviser")),
                                    _lonlat(d["service_station"])) for d in await read("communities")),
        grids=tuple(_grid(d) for d in await read("grids")),
        compounds=tuple(Compound(d["_id"], d["name"], d["grid_id"], d["address"], _lonlat(d["location"]))
                        for d in await read("compounds")),
        households=tuple(Household(d["_id"], d["compound_id"], d["grid_id"], d["address"], d["residents"],
                                   _lonlat(d["location"]), _unperson(d.get("head")))
                         for d in await read("households")),
        social_organisations=(), resident_units=(),
        landmarks=tuple(Landmark(d["_id"], d["name"], d["grid_id"], d["address"], _lonlat(d["location"]))
                        for d in await read("landmarks")),
        member_records=tuple(PartyMember(d["_id"], d["name"], d["phone"], d["grid_id"], d["category"])
                             for d in await read("members")),
    )


async def seed_synthetic(db: AsyncDatabase, county: County | None = None) -> str | None:
    """Local mode and tests: store and activate the synthetic county when no version exists.
    Replicas starting together seed it once (the first to claim it); the version, or None when
    another replica claimed it (it becomes current shortly)."""
    if await current(db) is not None or await db["reference_versions"].find_one({"complete": True}):
        return None
    now = datetime.now(UTC)
    try:
        await db["meta"].insert_one({"_id": "reference_seed", "at": now})
    except DuplicateKeyError:
        # Claimed by another replica; take over a claim left by one that died seeding.
        stale = await db["meta"].update_one({"_id": "reference_seed", "at": {"$lt": now - SEED_CLAIM}},
                                            {"$set": {"at": now}})
        if stale.modified_count == 0:
            return None
    version = await store_version(db, county or build_county(), source=SYNTHETIC_SOURCE, actor="local-mode")
    await activate(db, version, actor="local-mode")
    await _drop_unversioned(db)
    return version


async def _drop_unversioned(db: AsyncDatabase) -> None:
    """Collections of the single, unversioned reference data older local data folders hold."""
    names = set(await db.list_collection_names())
    for kind in KINDS:
        if kind in names and kind != "members":
            await db.drop_collection(kind)
    await db["meta"].delete_one({"_id": "reference"})
