"""Loading the reference data into fusion's database: exact, once, and safe to repeat."""

from __future__ import annotations

import uuid

import pytest

from services.fusion import reference_store
from services.reference import build_county

pytestmark = pytest.mark.integration


async def test_seed_writes_the_county_once_and_completes_an_interrupted_load(mongo) -> None:
    db = mongo[f"seed_{uuid.uuid4().hex[:8]}"]
    county = build_county()
    # An earlier load that died part-way through the households.
    await db["households"].insert_one({"_id": county.households[0].household_id, "grid_id": "partial"})
    written = await reference_store.seed(db, county)
    assert written["grids"] == 53
    assert written["households"] == 40_861
    assert await db["households"].count_documents({}) == 40_861
    assert await db["compounds"].count_documents({}) == 275
    cursor = await db["households"].aggregate([{"$group": {"_id": None, "n": {"$sum": "$residents"}}}])
    residents = await cursor.to_list()
    assert residents[0]["n"] == 140_098 - county.households[0].residents  # the partial row was kept as found
    meta = await db["meta"].find_one({"_id": "reference"})
    assert meta["complete"] and meta["totals"]["party_members"] == 9_656
    assert await reference_store.seed(db, county) == {}  # again: nothing to do
    await mongo.drop_database(db.name)
