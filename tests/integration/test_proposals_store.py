"""Information collection in fusion's store, against a real secantusd-py: who may propose and
review, versions that refuse a correction of a record that moved on, and an accepted household
change that becomes the current reference version, resolved at once."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from services.fusion import reference_store
from services.fusion.proposals import Invalid, ProposalStore, source_of, with_household
from services.fusion.reference import ReferenceHolder
from services.fusion.refused import Refused
from services.platform.clock import ManualClock
from services.platform.scope import Principal
from services.reference import build_county

pytestmark = pytest.mark.integration
COUNTY = build_county()
# Three grids of one community and a fourth of another: a small county stores in a moment.
GRIDS = (
    COUNTY.grids[:3]
    + tuple(g for g in COUNTY.grids if g.community_id != COUNTY.grids[0].community_id)[:1]
)
SMALL = replace(
    COUNTY,
    grids=GRIDS,
    households=tuple(h for h in COUNTY.households if h.grid_id in {g.grid_id for g in GRIDS}),
    compounds=tuple(c for c in COUNTY.compounds if c.grid_id in {g.grid_id for g in GRIDS}),
    landmarks=(),
)
A, B, FAR = GRIDS[0], GRIDS[1], GRIDS[3]
ID_NUMBER = "37092119490328444X"


def staff(grid, role="worker") -> Principal:
    return Principal(
        f"{role}-{grid.grid_id}", role, grid.street_id, grid.community_id, grid.grid_id
    )


def centre(grid) -> Principal:
    return Principal(
        f"community-{grid.community_id}", "community", grid.street_id, grid.community_id
    )


def inside(grid) -> tuple[float, float]:
    point = grid.geometry.representative_point()
    return round(point.x, 6), round(point.y, 6)


def new_household(grid, **over) -> dict:
    lon, lat = inside(grid)
    return {
        "address": f"宁阳县{grid.name}新建1号",
        "lon": lon,
        "lat": lat,
        "residents": 3,
        "head_name": "张新",
        "head_phone": "13809210001",
        "head_id_number": ID_NUMBER,
        **over,
    }


@pytest.fixture
async def store(mongo):
    db = mongo[f"proposals_{uuid.uuid4().hex[:8]}"]
    await reference_store.ensure_indexes(db)
    version = await reference_store.store_version(db, SMALL, source="tests", actor="tests")
    await reference_store.activate(db, version, actor="tests")
    holder = ReferenceHolder(db)
    await holder.refresh()
    store = ProposalStore(db, holder, ManualClock(datetime(2026, 12, 1, 9, tzinfo=UTC)))
    await store.ensure_indexes()
    yield store
    await mongo.drop_database(db.name)


async def test_an_accepted_household_is_a_new_current_version_found_by_point_id_and_the_grid_s_list(
    store,
) -> None:
    before = store.holder.version
    proposal = await store.propose(
        staff(A), "add", "household", "", 0, new_household(A), "新建住户"
    )
    assert proposal["status"] == "pending" and proposal["grid_id"] == A.grid_id
    household_id = proposal["record_id"]
    assert store.holder.resolver.locate_household(household_id) is None  # not before it is accepted

    reviewed = await store.review(centre(A), proposal["_id"], "accept", "")
    assert reviewed["status"] == "accepted" and reviewed["reviewed_by"] == centre(A).username
    version = reviewed["reference_version"]
    assert version != before and store.holder.version == version  # fusion switched before answering
    assert store.holder.resolver.locate_household(household_id).grid_id == A.grid_id
    listed = [h.household_id for h in store.holder.county.households_by_grid[A.grid_id]]
    assert household_id in listed
    assert store.holder.county.grid(A.grid_id).households == A.households + 1
    record = await reference_store.version_record(store.db, version)
    assert proposal["_id"] in record["source"] and record["created_by"] == centre(A).username
    assert (await store.get_record(staff(A), "household", household_id))["version"] == 1


async def test_a_correction_that_moves_a_household_takes_it_to_the_other_grid(store) -> None:
    household = store.holder.county.households_by_grid[A.grid_id][0]
    current = await store.get_record(staff(A), "household", household.household_id)
    lon, lat = inside(B)
    moved = {**current["data"], "lon": lon, "lat": lat, "compound_id": ""}
    proposal = await store.propose(
        staff(A, "secretary"), "correct", "household", household.household_id, 1, moved, ""
    )
    await store.review(centre(A), proposal["_id"], "accept", "")
    assert store.holder.resolver.locate_household(household.household_id).grid_id == B.grid_id
    after = await store.get_record(staff(B), "household", household.household_id)
    assert after["version"] == 2 and after["grid_id"] == B.grid_id
    with pytest.raises(Refused) as refused:  # no longer grid A's to correct
        await store.propose(staff(A), "correct", "household", household.household_id, 2, moved, "")
    assert refused.value.kind == "role"


async def test_a_correction_of_a_record_that_moved_on_is_refused(store) -> None:
    household = store.holder.county.households_by_grid[A.grid_id][1]
    data = (await store.get_record(staff(A), "household", household.household_id))["data"]
    first = await store.propose(
        staff(A), "correct", "household", household.household_id, 1, {**data, "residents": 5}, ""
    )
    second = await store.propose(
        staff(A),
        "correct",
        "household",
        household.household_id,
        1,
        {**data, "head_phone": "13909210002"},
        "",
    )
    await store.review(centre(A), first["_id"], "accept", "")
    with pytest.raises(Refused) as refused:
        await store.review(centre(A), second["_id"], "accept", "")
    assert refused.value.kind == "state" and "version 1" in str(refused.value)
    assert (await store.get(staff(A), second["_id"]))[
        "status"
    ] == "pending"  # still there to reject
    await store.review(centre(A), second["_id"], "reject", "基于旧版本，请重新采集")
    with pytest.raises(Refused) as stale:
        await store.propose(staff(A), "correct", "household", household.household_id, 1, data, "")
    assert stale.value.kind == "state" and "version 2" in str(stale.value)


async def test_only_the_grid_s_staff_propose_for_their_grid_and_only_its_community_reviews_once(
    store,
) -> None:
    with pytest.raises(Refused) as other_grid:
        await store.propose(staff(A), "add", "household", "", 0, new_household(B), "")
    assert other_grid.value.kind == "role" and B.grid_id in str(other_grid.value)
    with pytest.raises(Refused) as centre_proposes:
        await store.propose(centre(A), "add", "household", "", 0, new_household(A), "")
    assert centre_proposes.value.kind == "role"
    with pytest.raises(Invalid) as outside:
        await store.propose(
            staff(A), "add", "household", "", 0, new_household(A, lon=120.0, lat=30.0), ""
        )
    assert [f for f, _ in outside.value.errors] == ["household.lon"]

    proposal = await store.propose(staff(A), "add", "household", "", 0, new_household(A), "")
    with pytest.raises(Refused) as grid_reviews:
        await store.review(staff(A, "secretary"), proposal["_id"], "accept", "")
    assert grid_reviews.value.kind == "role"
    with pytest.raises(Refused) as other_community:
        await store.review(centre(FAR), proposal["_id"], "accept", "")
    assert other_community.value.kind == "not_found"
    with pytest.raises(Invalid):
        await store.review(centre(A), proposal["_id"], "reject", "")
    await store.review(centre(A), proposal["_id"], "reject", "地址不详")
    with pytest.raises(Refused) as twice:
        await store.review(centre(A), proposal["_id"], "accept", "")
    assert twice.value.kind == "state" and "rejected" in str(twice.value)

    # Lists: the grid its own, the community its grids, another community none of them.
    assert (await store.page(staff(A), {}, "", "", 1, 20))[1] == 1
    assert (await store.page(staff(B), {}, "", "", 1, 20))[1] == 0
    assert (await store.page(centre(A), {}, "rejected", "household", 1, 20))[1] == 1
    assert (await store.page(centre(A), {}, "pending", "", 1, 20))[1] == 0
    assert (await store.page(centre(FAR), {}, "", "", 1, 20))[1] == 0
    with pytest.raises(Refused):
        await store.get(staff(B), proposal["_id"])


async def test_residents_and_special_population_records_are_kept_on_the_register_with_versions(
    store,
) -> None:
    household = store.holder.county.households_by_grid[A.grid_id][2]
    resident = {
        "household_id": household.household_id,
        "name": "李矫正",
        "id_number": ID_NUMBER,
        "phone": "",
    }
    added = await store.propose(staff(A), "add", "resident", "", 0, resident, "")
    await store.review(centre(A), added["_id"], "accept", "")
    resident_id = added["record_id"]
    listed, total = await store.list_records(staff(A), A.grid_id, "resident", 1, 20)
    assert total == 1 and listed[0]["record_id"] == resident_id and listed[0]["version"] == 1
    with pytest.raises(Refused) as again:  # the same ID number is on the register already
        await store.propose(staff(A), "add", "resident", "", 0, resident, "")
    assert again.value.kind == "state" and resident_id in str(again.value)

    with pytest.raises(Invalid) as unknown:
        await store.propose(
            staff(A),
            "add",
            "special_population",
            "",
            0,
            {"resident_id": "R-NONE", "kind": "drug_rehab", "responsible_name": "王"},
            "",
        )
    assert [f for f, _ in unknown.value.errors] == ["special_population.resident_id"]
    special = {
        "resident_id": resident_id,
        "kind": "community_correction",
        "responsible_name": "王司法",
        "responsible_phone": "05385621234",
        "note": "社区矫正期至2027年",
    }
    with pytest.raises(Refused) as not_theirs:
        await store.propose(staff(B), "add", "special_population", "", 0, special, "")
    assert not_theirs.value.kind == "role"
    proposal = await store.propose(staff(A), "add", "special_population", "", 0, special, "")
    await store.review(centre(A), proposal["_id"], "accept", "")
    [record], _ = await store.list_records(centre(A), A.grid_id, "special_population", 1, 20)
    assert (
        record["data"]["kind"] == "community_correction"
        and record["data"]["resident_name"] == "李矫正"
    )

    corrected = await store.propose(
        staff(A),
        "correct",
        "resident",
        resident_id,
        1,
        {**resident, "phone": "13809210003"},
        "补充电话",
    )
    await store.review(centre(A), corrected["_id"], "accept", "")
    assert (await store.get_record(staff(A), "resident", resident_id))["version"] == 2
    with pytest.raises(Refused):  # residents and special-population records are their grid's
        await store.list_records(staff(B), A.grid_id, "resident", 1, 20)


async def test_a_version_made_current_meanwhile_is_the_one_an_accepted_change_is_derived_from(
    store,
) -> None:
    proposal = await store.propose(staff(A), "add", "household", "", 0, new_household(A), "")
    # An import happens between the proposal and its review (the holder has not heard of it yet).
    imported = await reference_store.store_version(
        store.db, replace(SMALL, households=SMALL.households[:-1]), source="import", actor="county"
    )
    await reference_store.activate(store.db, imported, actor="county")
    reviewed = await store.review(centre(A), proposal["_id"], "accept", "")
    county = await reference_store.load_county(store.db, reviewed["reference_version"])
    assert len(county.households) == len(SMALL.households)  # the import's, and the one added
    assert proposal["record_id"] in {h.household_id for h in county.households}


async def test_a_review_that_stopped_after_its_version_became_current_is_finished_by_the_next(
    store,
) -> None:
    proposal = await store.propose(staff(A), "add", "household", "", 0, new_household(A), "")
    # The first review made its version current, then its replica stopped (its claim lapses).
    derived = with_household(store.holder.county, proposal["proposed"], A.grid_id)
    made = await reference_store.store_version(
        store.db, derived, source=f"{source_of(proposal['_id'])} add", actor=centre(A).username
    )
    await reference_store.activate(store.db, made, actor=centre(A).username)
    reviewed = await store.review(centre(A), proposal["_id"], "accept", "")
    assert (
        reviewed["status"] == "accepted" and reviewed["reference_version"] == made
    )  # no second version
    assert (await reference_store.versions(store.db))[0]["_id"] == made
    assert (await store.get_record(staff(A), "household", proposal["record_id"]))["version"] == 1


async def test_a_household_accepted_on_the_synthetic_county_keeps_local_mode_s_synthetic_data(
    mongo,
) -> None:
    db = mongo[f"proposals_{uuid.uuid4().hex[:8]}"]
    try:
        version = await reference_store.store_version(
            db, SMALL, source=reference_store.SYNTHETIC_SOURCE, actor="local-mode"
        )
        await reference_store.activate(db, version, actor="local-mode")
        holder = ReferenceHolder(db)
        await holder.refresh()
        store = ProposalStore(db, holder, ManualClock(datetime(2026, 12, 1, 9, tzinfo=UTC)))
        proposal = await store.propose(staff(A), "add", "household", "", 0, new_household(A), "")
        reviewed = await store.review(centre(A), proposal["_id"], "accept", "")
        # The stores that keep the synthetic county's own people (members, contacts) go on doing so.
        assert holder.version == reviewed["reference_version"] and reference_store.is_synthetic(
            holder.record
        )
        assert not reference_store.is_synthetic(
            await reference_store.version_record(db, version) | {"source": "x"}
        )
    finally:
        await mongo.drop_database(db.name)
