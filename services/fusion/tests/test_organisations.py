"""The party organisation's four levels as the reference data implies them, and what staff set."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from services.fusion.contacts import Cadre, checked
from services.fusion.organisations import (
    Organisation,
    Post,
    Refused,
    checked_posts,
    from_reference,
    merged,
    within,
)
from services.reference import build_county
from services.reference.generator import synthetic_group_leaders

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def tree() -> list[Organisation]:
    return from_reference(build_county())


def test_the_synthetic_county_has_the_seeds_four_levels_and_branch_staff(tree) -> None:
    assert Counter(o.level for o in tree) == {"street_committee": 2, "community_committee": 10, "branch": 53,
                                              "party_group": 275}
    posts = Counter(p.post for o in tree for p in o.posts)
    assert posts == {"secretary": 53, "committee_member": 229}  # the seed's 53 secretaries, 229 members
    assert sum(o.party_members for o in tree if o.level == "branch") == 9656
    assert {o.name for o in tree if o.level == "street_committee"} == {"文庙街道大工委", "八仙桥街道大工委"}


def test_the_synthetic_county_names_a_leader_for_every_group_nobody_else_in_it_is() -> None:
    county = build_county()
    leaders = synthetic_group_leaders(county)
    groups = [o for o in from_reference(county, leaders) if o.level == "party_group"]
    assert all(len(g.posts) == 1 and g.posts[0].post == "group_leader" for g in groups)
    assert synthetic_group_leaders(county) == leaders  # the same every time
    phones = {h.head.phone for h in county.households if h.head} | {
        p.phone for g in county.grids for p in (g.secretary, *g.committee_members, *g.grid_workers) if p}
    assert len({g.posts[0].phone for g in groups}) == 275 and not phones & {g.posts[0].phone for g in groups}


def test_every_organisation_comes_after_its_parent_one_level_up(tree) -> None:
    seen: dict[str, Organisation] = {}
    for org in tree:
        if org.level == "street_committee":
            assert org.parent_id == ""
        else:
            parent = seen[org.parent_id]
            assert LEVEL_ABOVE[org.level] == parent.level
            assert org.street_id == parent.street_id
            assert parent.community_id in ("", org.community_id) and parent.grid_id in ("", org.grid_id)
        seen[org.org_id] = org
    assert len(seen) == len(tree)


LEVEL_ABOVE = {"community_committee": "street_committee", "branch": "community_committee", "party_group": "branch"}


def test_staff_posts_replace_the_references_and_their_groups_follow_the_branchs_own(tree) -> None:
    branch = next(o for o in tree if o.level == "branch")
    fresh = [Organisation(**{**o.__dict__, "posts": list(o.posts)}) for o in tree]
    maintained = [
        {"_id": branch.org_id, "posts": [{"post": "secretary", "name": "王建国", "phone": "13800000000",
                                          "member_id": "M1"}], "updated_by": "community-x", "updated_at": NOW},
        {"_id": f"group-{branch.grid_id}-1", "level": "party_group", "parent_id": branch.org_id, "name": "3号楼党小组",
         "posts": [], "updated_by": "community-x", "updated_at": NOW},
        {"_id": "branch-gone", "posts": []},  # a grid a new reference version no longer has
        {"_id": "group-x-1", "level": "party_group", "parent_id": "branch-gone", "name": "旧党小组"},
    ]
    out = merged(fresh, maintained)
    by_id = {o.org_id: o for o in out}
    assert by_id[branch.org_id].posts == [Post("secretary", "王建国", "13800000000", "M1")]
    assert by_id[branch.org_id].source == "maintained" and by_id[branch.org_id].updated_by == "community-x"
    assert "branch-gone" not in by_id and "group-x-1" not in by_id
    ids = [o.org_id for o in out]
    own_groups = [o.org_id for o in tree if o.parent_id == branch.org_id]
    added = ids.index(f"group-{branch.grid_id}-1")
    assert added == max(ids.index(g) for g in own_groups) + 1
    assert len(out) == len(tree) + 1


@pytest.mark.parametrize(("level", "posts", "problem"), [
    ("party_group", [Post("secretary", "甲")], "'secretary' is no post of a party_group"),
    ("branch", [Post("group_leader", "甲")], "'group_leader' is no post of a branch"),
    ("branch", [Post("secretary", "甲"), Post("secretary", "乙")], "one secretary at most"),
    ("branch", [Post("committee_member", "  ")], "posts[0].name"),
])
def test_posts_a_level_does_not_have_are_refused_naming_them(level, posts, problem) -> None:
    with pytest.raises(Refused) as refused:
        checked_posts(level, posts)
    assert refused.value.kind == "invalid" and problem in str(refused.value)


def test_a_branch_may_have_several_deputies_and_members(tree) -> None:
    posts = [Post("secretary", " 甲 "), Post("deputy_secretary", "乙"), Post("deputy_secretary", "丙"),
             Post("committee_member", "丁")]
    assert [p.name for p in checked_posts("branch", posts)] == ["甲", "乙", "丙", "丁"]


def test_an_area_holds_the_organisations_inside_it_not_the_committees_above(tree) -> None:
    grid = next(o for o in tree if o.level == "branch")
    inside = [o for o in tree if within(o, "", "", grid.grid_id)]
    assert {o.level for o in inside} == {"branch", "party_group"}
    assert all(o.grid_id == grid.grid_id for o in inside)
    community = [o for o in tree if within(o, "", grid.community_id, "")]
    assert [o.level for o in community].count("community_committee") == 1
    assert not any(o.level == "street_committee" for o in community)
    assert len([o for o in tree if within(o, "", "", "")]) == len(tree)


def test_every_synthetic_grid_has_a_leader_a_cadre_and_a_paired_agency() -> None:
    from services.reference.generator import synthetic_grid_contacts

    county = build_county()
    contacts = synthetic_grid_contacts(county)
    assert set(contacts) == {g.grid_id for g in county.grids}
    assert all([c["role"] for c in v["cadres"]] == ["leader", "cadre"] and len(v["paired_agencies"]) == 1
               for v in contacts.values())
    per_agency = Counter(a for v in contacts.values() for a in v["paired_agencies"])
    assert set(per_agency.values()) <= {2, 3}  # every agency contacts two or three grids
    assert synthetic_grid_contacts(county) == contacts


@pytest.mark.parametrize(("cadres", "agencies", "problem"), [
    ([Cadre("chief", "甲")], [], "cadres[0].role: 'chief'"),
    ([Cadre("leader", " ")], [], "cadres[0].name"),
    ([], ["县民政局", " "], "paired_agencies: an agency needs a name"),
])
def test_contacts_staff_set_are_checked_naming_the_problem(cadres, agencies, problem) -> None:
    with pytest.raises(Refused) as refused:
        checked(cadres, agencies)
    assert problem in str(refused.value)


def test_the_synthetic_countys_co_governance_actors_have_the_seeds_65_social_organisations() -> None:
    from services.reference.generator import synthetic_co_governance

    county = build_county()
    actors = synthetic_co_governance(county)
    kinds = Counter(a["kind"] for a in actors)
    assert kinds["social_organisation"] == 65 and kinds["resident_unit"] == len(county.resident_units)
    compound_grids = {g.grid_id for g in county.grids if g.type == "compound"}
    expected = sum(1 for c in county.compounds if c.grid_id in compound_grids)
    assert kinds["owners_committee"] == kinds["property_company"] == expected  # 一支部一委一会
    assert all(a["contact_name"] and a["contact_phone"] for a in actors)
    assert len({a["org_id"] for a in actors}) == len(actors)


def test_households_beyond_a_kilometres_walk_of_every_station_are_the_circles_gaps() -> None:
    from services.fusion.stations import Station, circle_gaps
    from services.reference.distance import DETOUR, haversine_km

    county = build_county()
    everywhere = [Station(f"station-{g.grid_id}", g.name, g.grid_id, g.community_id, g.street_id, *g.station)
                  for g in county.grids]
    assert circle_gaps(county, everywhere) == []  # one grid, one station: the whole county is covered
    lone = everywhere[:1]
    gaps = circle_gaps(county, lone)
    assert 0 < len(gaps) < len(county.households)
    by_id = {h.household_id: h for h in county.households}
    for gap in gaps[:50]:
        walk = haversine_km(by_id[gap.household_id].location, (lone[0].lon, lone[0].lat)) * DETOUR
        assert walk > 1.0 and gap.walk_km == pytest.approx(walk, abs=0.001)
        assert (gap.lon, gap.lat) == by_id[gap.household_id].location  # drawn where the household is
    outside = {g.household_id for g in gaps}
    inside = [h for h in county.households if h.household_id not in outside]
    assert all(haversine_km(h.location, (lone[0].lon, lone[0].lat)) * DETOUR <= 1.0 for h in inside[:200])


def test_the_synthetic_stations_checklists_are_mostly_ticked_and_always_the_same() -> None:
    from services.fusion.stations import SIX_HAVES, synthetic_checklist

    county = build_county()
    lists = [synthetic_checklist(g.grid_id) for g in county.grids]
    assert all(set(c) == set(SIX_HAVES) for c in lists)
    ticked = sum(sum(c.values()) for c in lists)
    assert 0.7 * 6 * len(lists) < ticked < 6 * len(lists)  # most, not all
    assert lists == [synthetic_checklist(g.grid_id) for g in county.grids]


def test_a_grid_misses_the_six_ones_it_has_not_held_planned_ones_do_not_count() -> None:
    from services.fusion.activities import SIX_ONES, Activity, missing_six

    held = [Activity("A1", "G1", "clean_up", "扫除", NOW, 2, status="held"),
            Activity("A2", "G1", "health_check", "义诊", NOW, 3, status="planned"),
            Activity("A3", "G1", "volunteer_day", "志愿日", NOW, 3, status="held"),
            *(Activity(f"B{i}", "G2", kind, kind, NOW, 1, status="held") for i, kind in enumerate(SIX_ONES))]
    assert missing_six(["G1", "G2", "G3"], held) == {
        "G1": ["consultation", "health_check", "safety_lesson", "legal_lecture", "cultural_event"],
        "G2": [], "G3": list(SIX_ONES)}
