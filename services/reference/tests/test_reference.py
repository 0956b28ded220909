"""The reference county keeps the seed's figures, tiles its area exactly and never changes."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from itertools import combinations

import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon
from shapely.strtree import STRtree

from services.reference import (
    GRID_TYPES,
    County,
    build_county,
    generate_county,
    is_valid_id_number,
    parse_address,
)
from services.reference.addresses import house_numbers
from services.reference.generator import split_total
from services.reference.geometry import is_convex_ccw
from services.reference.people import id_check_character

pytestmark = pytest.mark.unit

GRID_ID = re.compile(r"^370921(00[12])(\d{3})(\d{3})$")
PHONE = re.compile(r"^1[3-9]\d0921\d{4}$")
# Pinned digest of the whole county: a change means the generator's output changed, on purpose
# (then update it) or because something made it depend on the machine or the run.
FINGERPRINT = "e4a10741bf5cf816fff9c3450a79590c183d99641a1ce0ff4ad0bfec7a5a5c9b"


@pytest.fixture(scope="module")
def county() -> County:
    return build_county()


def all_people(county: County):
    for community in county.communities:
        yield community.legal_adviser
    for grid in county.grids:
        yield grid.secretary
        yield from grid.committee_members
        yield from grid.grid_workers
        yield grid.police_assistant
    for household in county.households:
        yield household.head


def digest(county: County) -> str:
    payload = {
        "streets": [list(map(str, (s.street_id, s.name, s.name_en))) for s in county.streets],
        "communities": [repr(c) for c in county.communities],
        "grids": [repr(g) for g in county.grids],
        "compounds": [repr(c) for c in county.compounds],
        "households": [repr(h) for h in county.households],
        "organisations": [repr(o) for o in county.social_organisations],
        "units": [repr(u) for u in county.resident_units],
        "landmarks": [repr(m) for m in county.landmarks],
    }
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


# --- the seed's figures ---------------------------------------------------------------------


def test_totals_are_the_seeds_figures(county):
    assert county.totals() == {
        "grids": 53,
        "compounds": 275,
        "households": 40_861,
        "residents": 140_098,
        "party_members": 9_656,
        "social_organisations": 65,
        "resident_units": 108,
        "secretaries": 53,
        "committee_members": 229,
    }
    assert county.party_members == 9_656
    assert len(county.resident_units) >= 100


def test_grid_figures_add_up_from_the_records(county):
    households = Counter(h.grid_id for h in county.households)
    residents = Counter()
    for h in county.households:
        residents[h.grid_id] += h.residents
    for grid in county.grids:
        assert grid.households == households[grid.grid_id]
        assert grid.residents == residents[grid.grid_id]
        assert 0 < grid.party_members < grid.residents
    sizes = [grid.households for grid in county.grids]
    assert 700 < sum(sizes) / len(sizes) < 850
    assert min(sizes) < 600 and max(sizes) > 1000, "grid sizes should vary"


def test_two_streets_wenmiao_west_of_baxianqiao(county):
    assert [(s.street_id, s.name, s.name_en) for s in county.streets] == [
        ("370921001", "文庙街道", "Wenmiao"),
        ("370921002", "八仙桥街道", "Baxianqiao"),
    ]
    polygons = county.grid_polygons
    west = shapely.union_all(
        [polygons[g.grid_id] for g in county.grids if g.street_id == "370921001"]
    )
    east = shapely.union_all(
        [polygons[g.grid_id] for g in county.grids if g.street_id == "370921002"]
    )
    assert west.geom_type == east.geom_type == "Polygon"
    assert west.centroid.x < east.centroid.x


def test_branch_staff(county):
    for grid in county.grids:
        assert len(grid.committee_members) in (4, 5)
        assert 1 <= len(grid.grid_workers) <= 3
        assert grid.police_assistant.person_id and grid.secretary.person_id
    assert len({g.secretary.person_id for g in county.grids}) == 53


# --- ids ------------------------------------------------------------------------------------


def test_grid_ids_follow_the_national_coding_pattern(county):
    communities = {c.community_id: c for c in county.communities}
    streets = {s.street_id for s in county.streets}
    assert len({g.grid_id for g in county.grids}) == 53
    for grid in county.grids:
        assert GRID_ID.match(grid.grid_id), grid.grid_id
        assert grid.community_id == grid.grid_id[:12]
        assert grid.street_id == grid.grid_id[:9]
        assert grid.street_id in streets
        assert communities[grid.community_id].street_id == grid.street_id
        assert grid.type in GRID_TYPES
        assert grid.name.startswith(communities[grid.community_id].name)
        assert grid.name.endswith("网格")
    for community in county.communities:
        assert re.fullmatch(r"370921\d{6}", community.community_id)
        assert community.name.endswith("社区")
    assert 8 <= len(county.communities) <= 12
    assert len({c.name for c in county.communities}) == len(county.communities)


def test_record_ids_are_unique_and_point_to_their_grid(county):
    grid_ids = {g.grid_id for g in county.grids}
    compounds = {c.compound_id: c for c in county.compounds}
    assert len(compounds) == 275
    assert len({h.household_id for h in county.households}) == 40_861
    for household in county.households:
        assert re.fullmatch(r"H\d{13}", household.household_id)
        assert household.household_id[1:10] == household.grid_id[6:]
        assert compounds[household.compound_id].grid_id == household.grid_id
    for items, key in (
        (county.social_organisations, "org_id"),
        (county.resident_units, "unit_id"),
        (county.landmarks, "landmark_id"),
    ):
        assert len({getattr(item, key) for item in items}) == len(items)
        assert all(item.grid_id in grid_ids for item in items)
    assert len({o.name for o in county.social_organisations}) == 65
    assert len({u.name for u in county.resident_units}) == len(county.resident_units)


def test_every_compound_has_households(county):
    per_compound = Counter(h.compound_id for h in county.households)
    assert set(per_compound) == {c.compound_id for c in county.compounds}
    assert all(name.endswith(("小区", "家属院")) for name in (c.name for c in county.compounds))
    assert len({c.name for c in county.compounds}) == 275
    types = {g.grid_id: g.type for g in county.grids}
    by_type = Counter(types[c.grid_id] for c in county.compounds)
    assert by_type["unit"] + by_type["compound"] > 3 * by_type["street_lane"]


# --- geometry -------------------------------------------------------------------------------


def test_polygons_are_valid_closed_counter_clockwise_rings(county):
    for grid in county.grids:
        ring = grid.polygon
        assert ring[0] == ring[-1] and len(ring) >= 5
        polygon = county.grid_polygons[grid.grid_id]
        assert polygon.is_valid, grid.grid_id
        assert polygon.exterior.is_ccw
        if len(ring) == 5:  # a single lattice cell
            assert is_convex_ccw(ring), grid.grid_id


def test_grids_tile_the_area_without_gap_or_overlap(county):
    polygons = list(county.grid_polygons.values())
    union = county.area_polygon
    total = sum(p.area for p in polygons)
    assert abs(total - union.area) <= 1e-9 * union.area
    assert union.geom_type == "Polygon" and not union.interiors
    for a, b in combinations(polygons, 2):
        assert a.intersection(b).area == 0.0


def test_neighbours_share_exactly_the_same_vertices(county):
    """No T-junctions: a vertex on another grid's boundary is one of that grid's vertices."""
    polygons = county.grid_polygons
    tree = STRtree([Point(p) for g in county.grids for p in g.polygon[:-1]])
    points = tree.geometries
    for grid in county.grids:
        polygon = polygons[grid.grid_id]
        own = set(grid.polygon)
        for k in tree.query(polygon.exterior, predicate="intersects"):
            assert (points[k].x, points[k].y) in own


def test_area_is_around_the_real_county_seat(county):
    min_lon, min_lat, max_lon, max_lat = county.area_polygon.bounds
    assert min_lon < 116.805 < max_lon and min_lat < 35.759 < max_lat
    assert 0.02 < max_lon - min_lon < 0.08  # a few km east-west
    assert 0.02 < max_lat - min_lat < 0.06


def test_communities_are_contiguous(county):
    polygons = county.grid_polygons
    for community in county.communities:
        members = [
            polygons[g.grid_id] for g in county.grids if g.community_id == community.community_id
        ]
        assert 4 <= len(members) <= 8
        area = shapely.union_all(members)
        assert area.geom_type == "Polygon", community.name
        assert area.covers(Point(community.service_station))


def test_every_location_lies_in_its_grid(county):
    polygons = county.grid_polygons
    for grid in county.grids:
        assert polygons[grid.grid_id].covers(Point(grid.station))
    for items in (county.compounds, county.households, county.landmarks):
        by_grid: dict[str, list] = {}
        for item in items:
            by_grid.setdefault(item.grid_id, []).append(item.location)
        for grid_id, locations in by_grid.items():
            points = shapely.points(locations)
            assert shapely.covers(polygons[grid_id], points).all(), grid_id


# --- addresses ------------------------------------------------------------------------------


def test_household_addresses_are_unique_and_parse(county):
    addresses = [h.address for h in county.households]
    assert len(set(addresses)) == len(addresses)
    streets = {s.street_id: s.name for s in county.streets}
    compounds = {c.compound_id: c for c in county.compounds}
    grids = county.grids_by_id
    for household in county.households:
        parts = parse_address(household.address)
        compound = compounds[household.compound_id]
        assert parts is not None, household.address
        assert household.address.startswith(compound.address + compound.name)
        assert parts.street == streets[grids[household.grid_id].street_id]
        assert parts.compound == compound.name
        assert parts.building and parts.unit and parts.room
    assert len({c.address for c in county.compounds}) == 275


def test_county_government_is_at_fuqianjie_99_in_wenmiao(county):
    government = next(m for m in county.landmarks if m.name == "宁阳县人民政府")
    assert government.address == "宁阳县文庙街道府前街99号"
    assert county.grid(government.grid_id).street_id == "370921001"
    assert county.grid(government.grid_id).type == "unit"
    example = "宁阳县文庙街道府前街99号金鼎小区3号楼2单元301室"
    household = next(h for h in county.households if h.address == example)
    assert household.grid_id == government.grid_id
    parts = parse_address(government.address)
    assert (parts.road, parts.number, parts.compound) == ("府前街", 99, None)


def test_parse_address_rejects_other_text():
    assert parse_address("北京市东城区府前街99号") is None
    assert parse_address("宁阳县文庙街道府前街号") is None


def test_house_numbers_rise_with_one_parity_and_keep_the_anchor():
    import random

    rng = random.Random(1)
    for count in range(1, 30):
        for index in range(count):
            numbers = house_numbers(rng, count, odd=True, anchor=(index, 99))
            assert numbers[index] == 99
            assert all(n % 2 == 1 and n > 0 for n in numbers)
            assert numbers == sorted(set(numbers))
        even = house_numbers(rng, count, odd=False)
        assert all(n % 2 == 0 for n in even) and even == sorted(set(even))


@given(
    total=st.integers(0, 100_000),
    weights=st.lists(st.floats(0.01, 100), min_size=1, max_size=60),
    minimum=st.integers(0, 20),
)
def test_split_total_is_exact_and_respects_minimums(total, weights, minimum):
    minimums = [minimum] * len(weights)
    if sum(minimums) > total:
        with pytest.raises(ValueError):
            split_total(total, weights, minimums)
        return
    shares = split_total(total, weights, minimums)
    assert sum(shares) == total
    assert all(share >= minimum for share in shares)


# --- people ---------------------------------------------------------------------------------


def test_people_carry_valid_unique_synthetic_identities(county):
    people = list(all_people(county))
    assert len({p.person_id for p in people}) == len(people)
    assert len({p.id_number for p in people}) == len(people)
    assert len({p.phone for p in people}) == len(people)
    for person in people:
        assert is_valid_id_number(person.id_number), person.id_number
        assert person.id_number.startswith("370921")
        assert PHONE.match(person.phone), person.phone
        assert 2 <= len(person.name) <= 3


def test_id_check_character_matches_the_standards_example():
    assert id_check_character("11010519491231002") == "X"
    assert is_valid_id_number("11010519491231002X")
    assert not is_valid_id_number("110105194912310021")
    assert not is_valid_id_number("1101051949123100X")


# --- determinism and GeoJSON ----------------------------------------------------------------


def test_builds_are_deterministic(county):
    again = generate_county()
    assert again == county
    assert build_county() is county
    assert generate_county(seed=7) != county


def test_fingerprint_is_pinned(county):
    assert digest(county) == FINGERPRINT


def test_grid_feature_collection(county):
    collection = county.grid_feature_collection()
    json.dumps(collection)
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert len(features) == 53
    keys = {
        "grid_id",
        "name",
        "type",
        "community_id",
        "street_id",
        "households",
        "residents",
        "party_members",
    }
    for feature, grid in zip(features, county.grids, strict=True):
        assert keys <= set(feature["properties"])
        assert feature["properties"]["grid_id"] == grid.grid_id
        ring = feature["geometry"]["coordinates"][0]
        assert Polygon(ring).equals(county.grid_polygons[grid.grid_id])
        assert ring[0] == ring[-1]
