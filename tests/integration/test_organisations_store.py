"""Fusion's party organisation store against a real secantusd-py: what staff set is kept, and
follows the reference data when a new version comes."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from services.fusion.co_governance import Actor, CoGovernanceStore
from services.fusion.contacts import Cadre, ContactStore
from services.fusion.organisations import OrganisationStore, Post, Refused
from services.fusion.stations import StationStore
from services.reference import build_county

pytestmark = pytest.mark.integration

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
async def store(mongo):
    db = mongo[f"party_{uuid.uuid4().hex[:8]}"]
    s = OrganisationStore(db)
    await s.ensure_indexes()
    s.use_reference(build_county(), "v0001")
    yield s
    await mongo.drop_database(db.name)


async def test_posts_set_by_staff_are_kept_and_outlive_a_new_reference_version(store: OrganisationStore) -> None:
    county = build_county()
    grid = county.grids[0]
    org = await store.set_posts(f"branch-{grid.grid_id}", [Post("secretary", "王建国", "13800000000"),
                                                           Post("deputy_secretary", "李红")], "community-x", NOW)
    assert [p.name for p in org.posts] == ["王建国", "李红"] and org.source == "maintained"
    # A new version with the grid's secretary changed: staff's posts still win.
    store.use_reference(replace(county, grids=tuple(replace(g, secretary=None) for g in county.grids)), "v0002")
    again = next(o for o in await store.tree() if o.org_id == f"branch-{grid.grid_id}")
    assert [p.name for p in again.posts] == ["王建国", "李红"] and store.version == "v0002"
    # A group's leader; a post a group does not have is refused.
    group = next(o for o in await store.tree() if o.level == "party_group")
    assert (await store.set_posts(group.org_id, [Post("group_leader", "赵六")], "street-y", NOW)).posts[0].name == "赵六"
    with pytest.raises(Refused, match="no post of a party_group"):
        await store.set_posts(group.org_id, [Post("secretary", "赵六")], "street-y", NOW)
    with pytest.raises(Refused) as missing:
        await store.set_posts("branch-nowhere", [], "street-y", NOW)
    assert missing.value.kind == "not_found"


async def test_groups_added_to_a_branch_are_numbered_and_named_once(store: OrganisationStore) -> None:
    grid = build_county().grids[1]
    first = await store.add_group(f"branch-{grid.grid_id}", "3号楼党小组", "", "community-x", NOW)
    second = await store.add_group(f"branch-{grid.grid_id}", "4号楼党小组", "", "community-x", NOW)
    assert (first.org_id, second.org_id) == (f"group-{grid.grid_id}-1", f"group-{grid.grid_id}-2")
    assert first.parent_id == f"branch-{grid.grid_id}" and first.community_id == grid.community_id
    with pytest.raises(Refused) as twice:
        await store.add_group(f"branch-{grid.grid_id}", "3号楼党小组", "", "community-x", NOW)
    assert twice.value.kind == "exists"
    with pytest.raises(Refused) as not_branch:
        await store.add_group(first.org_id, "子小组", "", "community-x", NOW)
    assert not_branch.value.kind == "not_found"
    tree = [o.org_id for o in await store.tree()]
    assert tree.index(second.org_id) == tree.index(first.org_id) + 1
    assert tree.index(f"branch-{grid.grid_id}") < tree.index(first.org_id)


async def test_a_grids_contacts_are_the_synthetic_countys_until_the_street_assigns_others(mongo) -> None:
    db = mongo[f"contacts_{uuid.uuid4().hex[:8]}"]
    store = ContactStore(db)
    county = build_county()
    grid = county.grids[2].grid_id
    store.use_reference(county, synthetic=True)
    named = await store.get(grid)
    assert [c.role for c in named.cadres] == ["leader", "cadre"] and named.source == "reference"
    kept = await store.set(grid, [Cadre("leader", "周强", "13900001111", "县民政局")], ["县民政局", "县民政局"],
                           "street-x", NOW)
    assert kept.source == "maintained" and kept.paired_agencies == ["县民政局"] and kept.updated_by == "street-x"
    store.use_reference(county, synthetic=False)  # an imported version: staff's assignment still stands
    assert [c.name for c in (await store.get(grid)).cadres] == ["周强"]
    assert (await store.get(county.grids[3].grid_id)).cadres == []
    with pytest.raises(Refused) as missing:
        await store.get("nowhere")
    assert missing.value.kind == "not_found"
    await mongo.drop_database(db.name)


async def test_co_governance_actors_are_listed_by_area_and_kept_by_staff(mongo) -> None:
    db = mongo[f"cogov_{uuid.uuid4().hex[:8]}"]
    store = CoGovernanceStore(db)
    await store.ensure_indexes()
    county = build_county()
    store.use_reference(county, synthetic=True)
    grid = next(g for g in county.grids if g.type == "compound")
    here = await store.in_area("", "", grid.grid_id, "")
    assert {a.kind for a in here} >= {"owners_committee", "property_company"}
    assert all(a.grid_id == grid.grid_id and a.community_id == grid.community_id for a in here)
    committee = next(a for a in here if a.kind == "owners_committee")
    changed = await store.save(Actor(committee.org_id, "", "", "", contact_name="孙丽", contact_phone="13700002222"),
                               "community-x", NOW)
    assert (changed.name, changed.contact_name, changed.source) == (committee.name, "孙丽", "maintained")
    compound = next(c for c in county.compounds if c.grid_id == grid.grid_id)
    added = await store.save(Actor("", "social_organisation", "红色物业志愿队", grid.grid_id, compound.compound_id),
                             "community-x", NOW)
    assert added.org_id.startswith("CG") and added.street_id == grid.street_id
    assert added.org_id in {a.org_id for a in await store.in_area("", grid.community_id, "", "social_organisation")}
    for bad, kind in ((Actor("", "club", "甲", grid.grid_id), "invalid"), (Actor("", "resident_unit", "甲", "nowhere"),
                                                                          "not_found"),
                      (Actor("", "resident_unit", "甲", grid.grid_id, "C-nowhere"), "invalid")):
        with pytest.raises(Refused) as refused:
            await store.save(bad, "community-x", NOW)
        assert refused.value.kind == kind
    await mongo.drop_database(db.name)


async def test_a_stations_checklist_is_kept_item_by_item(mongo) -> None:
    db = mongo[f"stations_{uuid.uuid4().hex[:8]}"]
    store = StationStore(db)
    county = build_county()
    store.use_reference(county, synthetic=False)  # an imported county: nothing ticked yet
    grid = county.grids[4]
    station = (await store.in_area("", "", grid.grid_id))[0]
    assert station.station_id == f"station-{grid.grid_id}" and not any(station.checklist.values())
    kept = await store.set_checklist(station.station_id, {"site": True, "staff": True}, "community-x", NOW)
    assert kept.checklist == {"site": True, "signage": False, "rules": False, "staff": True, "facilities": False,
                              "activities": False} and kept.source == "maintained"
    again = await store.set_checklist(station.station_id, {"staff": False}, "community-x", NOW)
    assert again.checklist["site"] is True and again.checklist["staff"] is False
    with pytest.raises(Refused, match="no item of the six haves"):
        await store.set_checklist(station.station_id, {"wifi": True}, "community-x", NOW)
    assert len(await store.in_area("", grid.community_id, "")) == sum(
        g.community_id == grid.community_id for g in county.grids)
    gaps, households = store.gaps()
    assert gaps == [] and households == len(county.households)
    await mongo.drop_database(db.name)


async def test_an_activity_is_planned_signed_up_for_and_held(mongo) -> None:
    from datetime import timedelta

    from services.fusion.activities import Activity, ActivityStore, attended_hours

    db = mongo[f"activities_{uuid.uuid4().hex[:8]}"]
    store = ActivityStore(db)
    await store.ensure_indexes()
    store.use_grids({"G1": ("C1", "S1"), "G2": ("C2", "S1")})
    planned = await store.plan(Activity("", "G1", "legal_lecture", " 法治讲座进网格 ", NOW, 1.5, "党群服务站"), "sec-G1")
    assert (planned.status, planned.title, planned.community_id, planned.planned_by) == ("planned", "法治讲座进网格", "C1",
                                                                                          "sec-G1")
    await store.sign_up(planned.activity_id, "member-G1", "G1")
    again = await store.sign_up(planned.activity_id, "member-G1", "G1")
    assert again.signed_up == ["member-G1"]
    with pytest.raises(Refused) as other_grid:
        await store.sign_up(planned.activity_id, "member-G2", "G2")
    assert other_grid.value.kind == "not_found"
    held = await store.record_attendance(planned.activity_id, ["member-G1", "resident-G1", "member-G1"], NOW)
    assert held.status == "held" and held.attended == ["member-G1", "resident-G1"] and held.held_at
    with pytest.raises(Refused) as late:
        await store.sign_up(planned.activity_id, "resident-G1", "G1")
    assert late.value.kind == "state"
    for bad in (Activity("", "G1", "picnic", "x", NOW, 1), Activity("", "G1", "clean_up", "x", NOW, 0),
                Activity("", "G9", "clean_up", "x", NOW, 1)):
        with pytest.raises(Refused):
            await store.plan(bad, "sec-G1")
    later = await store.plan(Activity("", "G2", "clean_up", "扫除", NOW + timedelta(days=100), 2), "community-C2")
    quarter, total = await store.in_area("S1", "", "", "", NOW, NOW + timedelta(days=90))
    assert [a.activity_id for a in quarter] == [planned.activity_id] and total == 1
    cleaning, _ = await store.in_area("", "C2", "", "clean_up", None, None)
    assert [a.activity_id for a in cleaning] == [later.activity_id]
    second, total = await store.in_area("S1", "", "", "", None, None, page=2, size=1)  # by start: the later one
    assert [a.activity_id for a in second] == [later.activity_id] and total == 2
    assert (await store.get(later.activity_id)).grid_id == "G2"
    # Hours of held activities attended: the member's 1.5, nothing for one who did not come.
    assert await attended_hours(store.records, ["member-G1", "member-G2"]) == {"member-G1": 1.5}
    await mongo.drop_database(db.name)


async def test_a_grid_submits_its_week_again_and_its_area_sees_who_has_not(mongo) -> None:
    from services.fusion.submissions import SubmissionStore

    db = mongo[f"weekly_{uuid.uuid4().hex[:8]}"]
    store = SubmissionStore(db)
    await store.ensure_indexes()
    store.use_grids({"G1": ("C1", "S1"), "G2": ("C1", "S1"), "G3": ("C2", "S1")})
    first = await store.submit("2026-W48", "G1", " 本周调处纠纷3起 ", {"events": 5.0}, "sec-G1", NOW)
    assert (first.revision, first.text, first.community_id) == (1, "本周调处纠纷3起", "C1")
    again = await store.submit("2026-W48", "G1", "本周调处纠纷4起", {"events": 6.0}, "sec-G1", NOW)
    assert again.revision == 2 and again.figures == {"events": 6.0}
    items, missing = await store.in_area("", "C1", "", "2026-W48")
    assert [x.grid_id for x in items] == ["G1"] and missing == ["G2"]
    items, missing = await store.in_area("S1", "", "", "2026-W49")
    assert items == [] and missing == ["G1", "G2", "G3"]
    for grid, text in (("G9", "x"), ("G1", " ")):
        with pytest.raises(Refused):
            await store.submit("2026-W48", grid, text, {}, "sec-G1", NOW)
    await mongo.drop_database(db.name)
