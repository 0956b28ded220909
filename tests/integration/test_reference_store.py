"""Reference data as versions in fusion's database, against a real secantusd-py: stored whole,
switched atomically, rolled back, seeded once however many replicas start together."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace

import pytest

from services.fusion import reference_store
from services.fusion.reference import ReferenceHolder
from services.platform.mongo import connect
from services.reference import build_county

pytestmark = pytest.mark.integration
COUNTY = build_county()


@pytest.fixture
async def db(mongo):
    database = mongo[f"reference_{uuid.uuid4().hex[:8]}"]
    await reference_store.ensure_indexes(database)
    yield database
    await mongo.drop_database(database.name)


async def test_replicas_starting_together_seed_the_synthetic_county_once_and_it_reads_back_equal(
        db, mongodb_uri) -> None:
    clients = [connect(mongodb_uri, app_name=f"replica-{i}") for i in range(3)]
    try:
        results = await asyncio.gather(*(reference_store.seed_synthetic(c[db.name], COUNTY) for c in clients))
    finally:
        for c in clients:
            await c.close()
    assert sorted(r for r in results if r) == ["v0001"]
    assert [v["_id"] for v in await reference_store.versions(db)] == ["v0001"]
    back = await reference_store.load_county(db, "v0001")
    for field in ("streets", "communities", "grids", "compounds", "households", "landmarks"):
        assert getattr(back, field) == getattr(COUNTY, field), field
    record = await reference_store.version_record(db, "v0001")
    assert record["counts"]["households"] == 40_861 and record["counts"]["residents"] == 140_098
    assert await reference_store.seed_synthetic(db, COUNTY) is None  # again: nothing to do


async def test_a_new_version_switches_every_view_at_once_and_a_rollback_restores_the_previous(db) -> None:
    holder = ReferenceHolder(db)
    assert not await holder.refresh() and holder.why_not_ready() == "no reference data imported"
    small = replace(COUNTY, grids=COUNTY.grids[:3], households=(), compounds=(), landmarks=())
    first = await reference_store.store_version(db, COUNTY, source="first", actor="tests")
    second = await reference_store.store_version(db, small, source="second", actor="tests")
    assert (first, second) == ("v0001", "v0002")
    seen: list[str] = []
    holder.listeners.append(lambda h: seen.append(h.version))
    # Stored is not current: nothing switches until a version is activated.
    assert not await holder.refresh()
    await reference_store.activate(db, first, actor="tests")
    assert await holder.refresh() and holder.version == "v0001" and len(holder.grid_docs) == 53
    point = COUNTY.grids[40].geometry.representative_point()
    assert holder.resolver.locate_points([(point.x, point.y)]) == [COUNTY.grids[40].grid_id]

    await reference_store.activate(db, second, actor="tests")
    assert await holder.refresh() and len(holder.grid_docs) == 3
    assert holder.resolver.locate_points([(point.x, point.y)]) == [None]  # that grid is not in v0002
    await reference_store.activate(db, first, actor="rollback")
    assert await holder.refresh() and holder.version == "v0001"
    assert holder.resolver.locate_points([(point.x, point.y)]) == [COUNTY.grids[40].grid_id]
    assert seen == ["v0001", "v0002", "v0001"]
    record = await reference_store.version_record(db, first)
    assert [a["by"] for a in record["activations"]] == ["tests", "rollback"]
    with pytest.raises(reference_store.UnknownVersion):
        await reference_store.activate(db, "v0999", actor="tests")


async def test_a_seeding_claim_left_by_a_replica_that_died_is_taken_over(db) -> None:
    from datetime import UTC, datetime, timedelta

    await db["meta"].insert_one({"_id": "reference_seed", "at": datetime.now(UTC)})
    assert await reference_store.seed_synthetic(db, COUNTY) is None  # a live claim: another replica seeds
    await db["meta"].update_one({"_id": "reference_seed"}, {"$set": {"at": datetime.now(UTC) - timedelta(hours=1)}})
    assert await reference_store.seed_synthetic(db, COUNTY) is not None
    assert (await reference_store.current(db))["version"]
