"""Which compound an event lies in: the household's, else the nearest of its grid within 300 m."""

from __future__ import annotations

import pytest
from gridfusion.events.v1 import events_pb2

from services.reference import build_county
from services.reference.compounds import (
    COMPOUND_RADIUS_M,
    Site,
    compound_of,
    nearest_compound,
    sites_by_grid,
)
from services.reference.distance import haversine_km
from services.reference.resolver import GridResolver

pytestmark = pytest.mark.unit

# 文华新城小区 of 文庙社区第1网格 in the synthetic county, and a point inside it.
WENHUA = "C00100100101"
GRID = "370921001001001"
INSIDE = (116.783711, 35.746942)

SITES = sites_by_grid([
    Site("A", "G1", (116.80, 35.75)),
    Site("B", "G1", (116.803, 35.75)),  # about 271 m east of A
    Site("C", "G2", (116.8005, 35.75)),  # 45 m from A, in another grid
    Site("D", "G1", ()),  # no location: never found by a point
])


def east_of(point: tuple[float, float], metres: float) -> tuple[float, float]:
    """A point ``metres`` east of ``point`` (near enough at this latitude for a test)."""
    per_degree = haversine_km(point, (point[0] + 1.0, point[1])) * 1000.0
    return (point[0] + metres / per_degree, point[1])


@pytest.fixture(scope="module")
def county():
    return build_county()


@pytest.fixture(scope="module")
def resolver(county) -> GridResolver:
    return GridResolver.from_county(county)


def test_a_point_lies_in_the_nearest_compound_of_its_grid() -> None:
    assert compound_of("G1", (116.8001, 35.75), SITES) == "A"
    assert compound_of("G1", (116.8025, 35.75), SITES) == "B"


def test_a_compound_of_another_grid_is_never_chosen_however_near() -> None:
    assert compound_of("G2", (116.8001, 35.75), SITES) == "C"
    assert compound_of("G2", (116.804, 35.75), SITES) == ""  # B is 90 m off, but of G1; C 316 m
    assert compound_of("G3", (116.80, 35.75), SITES) == ""  # a grid without compounds


def test_a_point_farther_than_the_radius_from_every_compound_lies_in_none() -> None:
    assert compound_of("G1", east_of((116.80, 35.75), -(COMPOUND_RADIUS_M - 1)), SITES) == "A"
    assert compound_of("G1", east_of((116.80, 35.75), -(COMPOUND_RADIUS_M + 1)), SITES) == ""
    assert nearest_compound((116.80, 35.75), SITES["G1"], within_m=0.5) == "A"
    assert nearest_compound((116.8001, 35.75), SITES["G1"], within_m=1.0) == ""


def test_the_households_compound_wins_over_the_nearest_and_no_point_means_no_compound() -> None:
    assert compound_of("G1", (116.80, 35.75), SITES, household_compound="B") == "B"
    assert compound_of("G1", None, SITES) == ""
    assert compound_of("G1", None, SITES, household_compound="A") == "A"


def test_a_compound_without_a_location_is_left_out_and_ties_go_to_the_smaller_id() -> None:
    assert [s.compound_id for s in SITES["G1"]] == ["A", "B"]
    twins = sites_by_grid([Site("Y", "G", (1.0, 1.0)), Site("X", "G", (1.0, 1.0))])
    assert nearest_compound((1.0, 1.0), twins["G"]) == "X"


def test_the_resolver_names_the_compound_of_a_point_a_household_and_an_address(county, resolver) -> None:
    point = resolver.locate(events_pb2.Location(point=events_pb2.Point(lon=INSIDE[0], lat=INSIDE[1])))
    assert (point.grid_id, point.compound_id) == (GRID, WENHUA)
    household = next(h for h in county.households if h.compound_id != WENHUA and h.grid_id == GRID)
    at_home = resolver.locate(events_pb2.Location(household_id=household.household_id))
    assert at_home.compound_id == household.compound_id  # its own, whatever lies nearest its point
    site = next(c for c in county.compounds if c.compound_id == WENHUA)
    by_name = resolver.locate(events_pb2.Location(address=f"{site.name}3栋2单元301"))
    assert (by_name.grid_id, by_name.compound_id) == (GRID, WENHUA)


def test_every_compound_site_lies_in_itself_and_every_household_in_its_own(county, resolver) -> None:
    for c in county.compounds:
        found = resolver.locate(events_pb2.Location(point=events_pb2.Point(lon=c.location[0], lat=c.location[1])))
        if found is not None and found.grid_id == c.grid_id:
            assert found.compound_id == c.compound_id, c
    for h in county.households[::997]:
        assert resolver.locate_household(h.household_id).compound_id == h.compound_id

