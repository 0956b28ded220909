"""What a valid import becomes: the County's streets, communities, grids, compounds, households."""

from __future__ import annotations

import pytest
from shapely.geometry import MultiPolygon, Point, Polygon

from services.reference.exchange import load
from services.reference.exchange.tests import handover as h
from services.reference.exchange.tests.handover import (
    GRID_NE,
    GRID_NW,
    GRID_SE,
    GRID_SW,
    NORTH,
    SOUTH,
    STREET,
)

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def county():
    result = load(h.files())
    assert result.problems == []
    return result.county


def test_streets_and_communities_come_from_the_grid_properties(county):
    assert [(s.street_id, s.name, s.name_en) for s in county.streets] == [(STREET, "文庙街道", "")]
    assert [(c.community_id, c.name, c.street_id, c.legal_adviser) for c in county.communities] == [
        (SOUTH, "文庙社区", STREET, None),
        (NORTH, "府前社区", STREET, None),
    ]


def test_service_stations_lie_in_their_community_and_stations_in_their_grid(county):
    for community in county.communities:
        area = county.grid_polygons[f"{community.community_id}001"].union(
            county.grid_polygons[f"{community.community_id}002"]
        )
        assert area.covers(Point(community.service_station))
    for grid in county.grids:
        assert grid.geometry.contains(Point(grid.station))
        assert all(len(str(v).split(".")[1]) <= 6 for v in grid.station)


def test_grids_carry_their_counts_and_no_people(county):
    grid = county.grid(GRID_SW)
    assert (grid.households, grid.residents, grid.party_members) == (3, 2 + 3 + 4, 2)
    assert county.grid(GRID_NE).party_members == 1 and county.grid(GRID_NW).party_members == 0
    assert grid.secretary is None and grid.police_assistant is None
    assert grid.committee_members == () and grid.grid_workers == ()
    assert grid.polygon == tuple(map(tuple, h.square(0, 0))) and grid.parts == ()
    assert (
        county.landmarks == () and county.social_organisations == () and county.resident_units == ()
    )


def test_compounds_are_one_per_grid_and_name_with_stable_ids_at_their_households_mean(county):
    compounds = {c.compound_id: c for c in county.compounds}
    assert sorted(compounds) == [f"{g}-c001" for g in (GRID_SW, GRID_SE, GRID_NW, GRID_NE)]
    compound = compounds[f"{GRID_SW}-c001"]
    assert (compound.name, compound.address, compound.grid_id) == ("金鼎小区", "金鼎小区", GRID_SW)
    members = [hh for hh in county.households if hh.compound_id == compound.compound_id]
    assert len(members) == 2
    assert compound.location == pytest.approx(
        (sum(m.location[0] for m in members) / 2, sum(m.location[1] for m in members) / 2), abs=1e-6
    )


def test_compound_numbers_follow_the_names_within_a_grid():
    rows = h.households()
    rows[0]["compound"], rows[1]["compound"], rows[2]["compound"] = (
        "阳光小区",
        "金鼎小区",
        "阳光小区",
    )
    county = load(h.files(household_rows=rows)).county
    in_grid = [(c.compound_id, c.name) for c in county.compounds if c.grid_id == GRID_SW]
    assert in_grid == [(f"{GRID_SW}-c001", "金鼎小区"), (f"{GRID_SW}-c002", "阳光小区")]


def test_households_keep_their_compound_head_and_point(county):
    first = county.households[0]
    assert first.household_id == "H101" and first.compound_id == f"{GRID_SW}-c001"
    assert first.head.person_id == "H101" and first.head.name == "张伟"
    assert first.head.id_number == h.ID_NUMBERS[0]
    assert first.location == tuple(h.centre(GRID_SW))
    lane = next(hh for hh in county.households if hh.household_id == "H103")
    assert lane.compound_id == ""


def test_party_member_records_are_kept_sorted(county):
    assert [(m.member_id, m.category, m.grid_id) for m in county.member_records] == [
        ("M001", "in_work", GRID_SW),
        ("M002", "retired", GRID_SW),
        ("M003", "mobile", GRID_NE),
    ]


def test_everything_is_sorted_by_id_whatever_the_file_order():
    features = list(reversed(h.grids()))
    rows = list(reversed(h.households()))
    county = load(h.files(grid_features=features, household_rows=rows)).county
    assert county == load(h.files()).county


def test_a_grid_in_parts_and_with_a_hole_keeps_its_whole_boundary():
    # SW in two parts: its own cell and a far cell; NW gets a hole that NE's small square fills.
    far = h.square(5, 0)
    features = h.grids()
    features[0]["geometry"] = {"type": "MultiPolygon", "coordinates": [[h.square(0, 0)], [far]]}
    hole = [
        h.point(60, 260),
        h.point(60, 340),
        h.point(140, 340),
        h.point(140, 260),
        h.point(60, 260),
    ]
    features[2]["geometry"]["coordinates"] = [h.square(0, 1), hole]
    features.append(h.feature(f"{NORTH}003", [list(reversed(hole))]))
    rows = h.households()
    for row in rows:  # NW's households sit in its hole's middle otherwise
        if row["grid_id"] == GRID_NW:
            row["lon"], row["lat"] = map(repr, h.point(20, 220))
    result = load(h.files(grid_features=features, household_rows=rows))
    assert result.problems == [], result.lines()
    county = result.county
    sw = county.grid(GRID_SW)
    assert isinstance(sw.geometry, MultiPolygon) and len(sw.parts) == 2
    assert sw.polygon in (sw.parts[0][0], sw.parts[1][0])
    assert county.grid(GRID_SW).geojson()["type"] == "MultiPolygon"
    nw = county.grid(GRID_NW)
    assert isinstance(nw.geometry, Polygon) and len(nw.parts) == 1 and len(nw.parts[0]) == 2
    assert nw.polygon == tuple(map(tuple, h.square(0, 1)))
    # holes run clockwise, outer rings counter-clockwise (RFC 7946), whatever was given
    assert Polygon(nw.parts[0][1]).exterior.is_ccw is False
    assert Polygon(county.grid(f"{NORTH}003").polygon).exterior.is_ccw
    assert nw.geometry.contains(Point(nw.station))


def test_the_largest_part_gives_the_polygon():
    features = h.grids()
    small = [
        h.point(2000, 0),
        h.point(2010, 0),
        h.point(2010, 10),
        h.point(2000, 10),
        h.point(2000, 0),
    ]
    features[1]["geometry"] = {"type": "MultiPolygon", "coordinates": [[small], [h.square(1, 0)]]}
    county = load(h.files(grid_features=features)).county
    assert county.grid(GRID_SE).polygon == tuple(map(tuple, h.square(1, 0)))


def test_clockwise_rings_are_turned_counter_clockwise():
    features = h.grids()
    features[3]["geometry"]["coordinates"] = [list(reversed(h.square(1, 1)))]
    county = load(h.files(grid_features=features)).county
    assert Polygon(county.grid(GRID_NE).polygon).exterior.is_ccw
    assert county.grid(GRID_NE).polygon[0] == tuple(h.square(1, 1)[0])


def test_coordinates_are_rounded_to_six_decimals():
    features = h.grids()
    features[1]["geometry"]["coordinates"] = [[[x + 1e-9, y - 1e-9] for x, y in h.square(1, 0)]]
    rows = h.households()
    rows[3]["lon"] = rows[3]["lon"] + "0000004"
    county = load(h.files(grid_features=features, household_rows=rows)).county
    assert county.grid(GRID_SE).polygon == tuple(map(tuple, h.square(1, 0)))
    assert county.households[3].location == tuple(h.centre(GRID_SE))
    assert county.grid(GRID_SE).households == 3
    assert GRID_SE == county.households[3].grid_id
