"""Grid resolution against the reference county: points, household ids, addresses."""

from __future__ import annotations

import random

import pytest
import shapely
from gridfusion.events.v1 import events_pb2
from shapely.geometry import Point, Polygon

from services.reference import build_county
from services.reference.resolver import (
    FUZZY_THRESHOLD,
    GridResolver,
    normalise_address,
    unlocatable_reason,
)

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def county():
    return build_county()


@pytest.fixture(scope="module")
def resolver(county) -> GridResolver:
    grids = [{"_id": g.grid_id, "polygon": [list(p) for p in g.polygon]} for g in county.grids]
    households = [
        {"_id": h.household_id, "grid_id": h.grid_id, "address": h.address, "location": list(h.location)}
        for h in county.households
    ]
    sites = [
        {"grid_id": c.grid_id, "address": c.address, "name": c.name, "location": list(c.location)}
        for c in (*county.compounds, *county.landmarks)
    ]
    return GridResolver.from_docs(grids, households, sites)


def random_points_inside(polygon: Polygon, n: int, rng: random.Random) -> list[tuple[float, float]]:
    """Uniform points strictly inside the polygon (rejection sampling in its bounds)."""
    minx, miny, maxx, maxy = polygon.bounds
    out: list[tuple[float, float]] = []
    while len(out) < n:
        p = (rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if polygon.contains(Point(p)) and polygon.exterior.distance(Point(p)) > 1e-9:
            out.append(p)
    return out


def test_twenty_random_points_inside_every_grid_resolve_to_it(county, resolver: GridResolver) -> None:
    rng = random.Random(20261127)
    points: list[tuple[float, float]] = []
    expected: list[str] = []
    for grid in county.grids:
        points += random_points_inside(Polygon(grid.polygon), 20, rng)
        expected += [grid.grid_id] * 20
    assert len(points) == 20 * 53
    assert resolver.locate_points(points) == expected


def test_batch_resolution_keeps_order_and_mixes_forms(county, resolver: GridResolver) -> None:
    g0, g1 = county.grids[0], county.grids[7]
    h = county.households[1234]
    c = county.compounds[42]
    inside0 = Polygon(g0.polygon).representative_point()
    inside1 = Polygon(g1.polygon).representative_point()
    locations = [
        events_pb2.Location(point=events_pb2.Point(lon=inside1.x, lat=inside1.y)),
        events_pb2.Location(household_id=h.household_id),
        events_pb2.Location(point=events_pb2.Point(lon=0.0, lat=0.0)),
        events_pb2.Location(address=c.address + c.name),
        events_pb2.Location(point=events_pb2.Point(lon=inside0.x, lat=inside0.y)),
        events_pb2.Location(),
    ]
    got = resolver.locate_many(locations)
    assert [r.grid_id if r else None for r in got] == [g1.grid_id, h.grid_id, None, c.grid_id, g0.grid_id, None]
    assert [r.method if r else None for r in got] == ["point", "household", None, "address", "point", None]
    assert got[1].point == h.location


def test_a_point_on_a_shared_border_resolves_to_the_smaller_grid_id_every_time(county, resolver: GridResolver) -> None:
    """Shared vertices lie exactly on both grids' borders (a midpoint would not, in floating point)."""
    polygons = {g.grid_id: Polygon(g.polygon) for g in county.grids}
    owners: dict[tuple[float, float], set[str]] = {}
    for g in county.grids:
        for p in g.polygon:
            owners.setdefault(tuple(p), set()).add(g.grid_id)
    border = [(p, sorted(ids)) for p, ids in owners.items() if len(ids) == 2]
    assert len(border) >= 10
    for p, (a, b) in border:
        assert polygons[a].intersects(Point(p)) and polygons[b].intersects(Point(p))
    rng = random.Random(7)
    for _ in range(3):  # the same answer in any batch order
        rng.shuffle(border)
        assert resolver.locate_points([p for p, _ in border]) == [ids[0] for _, ids in border]


def test_corners_shared_by_several_grids_resolve_to_the_smallest(county, resolver: GridResolver) -> None:
    corners: dict[tuple[float, float], set[str]] = {}
    for g in county.grids:
        for p in g.polygon:
            corners.setdefault(tuple(p), set()).add(g.grid_id)
    shared = [(p, ids) for p, ids in corners.items() if len(ids) >= 2]
    assert shared
    got = resolver.locate_points([p for p, _ in shared])
    polygons = [Polygon(g.polygon) for g in county.grids]
    for (p, _), grid_id in zip(shared, got):
        touching = sorted(g.grid_id for g, poly in zip(county.grids, polygons) if poly.intersects(shapely.Point(p)))
        assert grid_id == touching[0]


def test_points_outside_every_grid_are_unlocatable(resolver: GridResolver) -> None:
    assert resolver.locate_points([(0.0, 0.0), (116.0, 35.0), (117.5, 36.2)]) == [None, None, None]
    location = events_pb2.Location(point=events_pb2.Point(lon=116.0, lat=35.0))
    assert resolver.locate(location) is None
    assert "outside every grid" in unlocatable_reason(location)


def test_every_household_id_resolves_to_its_grid(county, resolver: GridResolver) -> None:
    for h in county.households:
        r = resolver.locate_household(h.household_id)
        assert r is not None and r.grid_id == h.grid_id, h.household_id
    assert resolver.locate_household("H9999999999999") is None
    assert "not in the register" in unlocatable_reason(events_pb2.Location(household_id="H9999999999999"))


def test_every_household_address_resolves_to_its_grid(county, resolver: GridResolver) -> None:
    wrong = [h.address for h in county.households if (r := resolver.locate_address(h.address)) is None or r.grid_id != h.grid_id]
    assert wrong == []


def test_every_compound_and_landmark_resolves_by_name_or_full_address(county, resolver: GridResolver) -> None:
    for site in (*county.compounds, *county.landmarks):
        r = resolver.locate_address(site.address + site.name)
        assert r is not None and r.grid_id == site.grid_id, site
        r = resolver.locate_address("宁阳县" + site.name)
        assert r is not None and r.grid_id == site.grid_id, site


def _written_differently(address: str) -> list[str]:
    full_width = address.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    return [
        full_width,
        "山东省泰安市" + address.replace("号楼", "幢").replace("号", "號"),
        address.replace("宁阳县", "").replace("单元", " 单元 ").replace("室", ""),
        address.removeprefix("宁阳县").split("街道", 1)[1],  # no county, no street office
    ]


def test_chinese_address_variants_normalise_to_the_same_form(county) -> None:
    for h in county.households[::997]:
        canonical = normalise_address(h.address)
        for variant in _written_differently(h.address):
            assert normalise_address(variant) == canonical, variant


def test_address_variants_resolve_to_the_household_grid(county, resolver: GridResolver) -> None:
    for h in county.households[::97]:
        for variant in _written_differently(h.address):
            r = resolver.locate_address(variant)
            assert r is not None and r.grid_id == h.grid_id, variant
            assert r.confidence == 1.0


def test_form_style_building_unit_room(county, resolver: GridResolver) -> None:
    h = next(x for x in county.households if "号楼" in x.address and "单元" in x.address)
    building, rest = h.address.split("号楼")
    head, number = building.rsplit("小区", 1) if "小区" in building else (building[:-1], building[-1])
    unit, room = rest.split("单元")
    form = f"{head}{'小区' if '小区' in building else ''}{number}-{unit}-{room.removesuffix('室')}"
    assert normalise_address(form) == normalise_address(h.address)


def test_fuzzy_match_takes_a_typo_and_reports_its_score(county, resolver: GridResolver) -> None:
    compound = next(c for c in county.compounds if len(c.name) >= 5)
    typo = compound.name[:-3] + "乂" + compound.name[-2:]  # one character wrong
    r = resolver.locate_address("宁阳县" + typo + "3号楼2单元101室")
    assert r is not None and r.grid_id == compound.grid_id
    assert FUZZY_THRESHOLD / 100 <= r.confidence < 1.0


def test_fuzzy_match_refuses_to_guess_between_grids(county, resolver: GridResolver) -> None:
    # 华新城小区 is one edit away from 文华新城小区, 华府新城小区 and 富华新城小区 alike.
    assert {c.name for c in county.compounds} >= {"文华新城小区", "华府新城小区", "富华新城小区"}
    assert resolver.locate_address("华新城小区5号楼") is None


def test_addresses_below_the_threshold_are_unlocatable(resolver: GridResolver) -> None:
    for text in ("北京市海淀区中关村大街1号", "某某小区", "", "   "):
        assert resolver.locate_address(text) is None, text
    assert "matches no compound" in unlocatable_reason(events_pb2.Location(address="北京市海淀区"))
