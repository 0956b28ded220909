"""The correlation rule (DESIGN "Correlation rule"): both branches and a near miss on every condition,
the two thresholds (fuse, suggest) and their reasons; the cells and time windows of the index keys
that find a new event's candidates."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.fusion.correlation import (
    AUTO_FUSE,
    CELL_DEGREES,
    EARTH_RADIUS_M,
    EPOCH,
    NEAR_METRES,
    NEAR_WINDOW,
    SUBJECT_WINDOW,
    SUGGEST,
    Sighting,
    assess,
    candidate_keys,
    cell_of,
    cells_near,
    columns_of,
    metres_between,
    same_incident,
    sighting_keys,
    window_of,
)

pytestmark = pytest.mark.unit

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
HERE = (116.8052, 35.7598)
SUMMARY = "邻里因楼道堆放杂物发生纠纷，多次协商未果"


def north(point: tuple[float, float], metres: float) -> tuple[float, float]:
    return point[0], point[1] + math.degrees(metres / EARTH_RADIUS_M)


def sighting(**kw) -> Sighting:
    base = Sighting("e1", "370921001001001", "dispute", "", T0, HERE, SUMMARY)
    return replace(base, **kw)


def both_ways(a: Sighting, b: Sighting) -> bool:
    assert same_incident(a, b) == same_incident(b, a)
    return same_incident(a, b)


def test_the_thresholds_are_the_designs() -> None:
    assert (SUBJECT_WINDOW, NEAR_WINDOW, NEAR_METRES) == (timedelta(days=7), timedelta(hours=48), 100.0)
    assert 0 < SUGGEST < AUTO_FUSE < 1


def test_distance_is_great_circle_metres() -> None:
    assert metres_between(HERE, north(HERE, 250.0)) == pytest.approx(250.0, abs=0.01)
    assert metres_between(HERE, HERE) == 0.0


# Branch 1: the same subject within 7 days — wherever and whatever the summaries.
def test_same_subject_within_seven_days_is_one_incident() -> None:
    a = sighting(subject_id="P-370921-0001")
    b = sighting(event_id="e2", subject_id="P-370921-0001", time=T0 + SUBJECT_WINDOW,
                 point=north(HERE, 900), summary="申请临时救助")
    assert both_ways(a, b)


def test_same_subject_without_points_is_one_incident() -> None:
    a = sighting(subject_id="H0010010010001", point=None)
    b = sighting(event_id="e2", subject_id="H0010010010001", point=None, summary="低保复核")
    assert both_ways(a, b)


def test_same_subject_just_outside_seven_days_is_not() -> None:
    a = sighting(subject_id="P1")
    b = sighting(event_id="e2", subject_id="P1", time=T0 + SUBJECT_WINDOW + timedelta(seconds=1))
    assert not both_ways(a, b)


@pytest.mark.parametrize("field,value", [("grid_id", "370921001001002"), ("family", "livelihood")])
def test_same_subject_in_another_grid_or_family_is_not(field: str, value: str) -> None:
    a = sighting(subject_id="P1")
    assert not both_ways(a, replace(a, event_id="e2", **{field: value}))


# Branch 2: no common subject — near in place and time, near-duplicate summaries.
def test_near_duplicate_reports_without_subject_are_one_incident() -> None:
    a = sighting()
    b = sighting(event_id="e2", time=T0 + NEAR_WINDOW, point=north(HERE, NEAR_METRES - 0.5),
                 summary="邻里因楼道堆放杂物引发纠纷，多次协商未果")
    assert both_ways(a, b)


def test_one_incident_in_three_departments_words_is_fused_with_its_reasons() -> None:
    grid = sighting(summary="3号楼两户居民因车位占用发生争执，网格员已到场劝解")
    petition = sighting(event_id="e2", time=T0 + timedelta(hours=3), point=north(HERE, 40),
                        summary="来访反映邻居长期占用其3号楼下固定停车位，多次协商未果")
    assert both_ways(grid, petition)
    verdict = assess(grid, petition)
    assert verdict.score >= AUTO_FUSE
    assert "40 m apart" in verdict.reasons and "3.0 h apart" in verdict.reasons
    assert any(r.startswith("same matter:") and "停车" in r for r in verdict.reasons)
    assert "same place: 3号楼" in verdict.reasons


def test_a_look_alike_in_the_same_building_is_neither_fused_nor_suggested() -> None:
    parking = sighting(summary="3号楼两户居民因车位占用发生争执，网格员已到场劝解")
    noise = sighting(event_id="e2", time=T0 + timedelta(hours=2), point=north(HERE, 10),
                     summary="3号楼两户居民因装修噪音发生争执")
    verdict = assess(parking, noise)
    assert not verdict.fuse and not verdict.suggest
    assert "different matters" in verdict.reasons


def test_the_same_incident_filed_under_another_family_is_suggested_not_fused() -> None:
    grid = sighting(summary="网格员巡查发现小区内两名男子因停车问题发生口角推搡")
    police = sighting(event_id="e2", family="public_order", time=T0 + timedelta(hours=1), point=north(HERE, 30),
                      summary="接警：小区内两名男子因停车问题发生口角并推搡")
    verdict = assess(grid, police)
    assert verdict.score >= AUTO_FUSE
    assert not verdict.fuse and verdict.suggest
    assert "families differ: dispute / public_order" in verdict.reasons


def test_between_the_thresholds_is_a_suggestion() -> None:
    a = sighting(summary="3号楼两户居民因车位占用发生争执")
    b = sighting(event_id="e2", time=T0 + timedelta(hours=30), point=north(HERE, 80),
                 summary="接警：两名男子因停车问题发生口角推搡")
    verdict = assess(a, b)
    assert SUGGEST <= verdict.score < AUTO_FUSE
    assert verdict.suggest and not verdict.fuse and not same_incident(a, b)


def test_one_subject_missing_still_correlates_by_place() -> None:
    a = sighting(subject_id="P1")
    assert both_ways(a, sighting(event_id="e2"))


def test_different_subjects_lack_a_common_subject_and_fall_to_branch_two() -> None:
    a = sighting(subject_id="P1")
    assert both_ways(a, sighting(event_id="e2", subject_id="P2"))  # two parties of one dispute
    assert not both_ways(a, sighting(event_id="e2", subject_id="P2", summary="小区路灯损坏无人维修"))


@pytest.mark.parametrize(
    "change",
    [
        {"grid_id": "370921001001002"},                               # other grid
        {"family": "environment"},                                    # other family
        {"time": T0 + NEAR_WINDOW + timedelta(seconds=1)},            # outside the time window
        {"time": T0 - NEAR_WINDOW - timedelta(seconds=1)},            # outside it, before
        {"point": north(HERE, NEAR_METRES + 0.5)},                     # too far apart
        {"point": None},                                              # no place to compare
        {"summary": "楼道灯坏了，晚上出行不便"},                          # not a near-duplicate
    ],
    ids=["other-grid", "other-family", "after-window", "before-window", "too-far", "no-point", "other-summary"],
)
def test_near_misses_on_every_condition_are_not_one_incident(change: dict) -> None:
    assert not both_ways(sighting(), sighting(event_id="e2", **change))


def test_nearness_in_place_and_time_raises_the_score_but_not_of_near_duplicates() -> None:
    a = sighting(summary="3号楼两户居民因车位占用发生争执")
    b = sighting(event_id="e2", summary="接警：两名男子因停车问题发生口角推搡")
    same = assess(a, b).score
    farther = assess(a, replace(b, point=north(HERE, 90))).score
    later = assess(a, replace(b, time=T0 + timedelta(hours=20))).score
    assert same > farther and same > later
    assert assess(a, replace(b, point=north(HERE, NEAR_METRES + 1))) is None
    twice = replace(a, event_id="e2", time=T0 + NEAR_WINDOW, point=north(HERE, NEAR_METRES - 1))
    assert assess(a, twice).score == 1.0


def test_sightings_round_trip_through_documents() -> None:
    a = sighting(subject_id="P1")
    assert Sighting.from_doc(a.to_doc()) == a
    assert Sighting.from_doc(sighting(point=None).to_doc()).point is None


# -- the index keys: every sighting the rule can accept is found under a candidate key ---------

def towards(point: tuple[float, float], metres: float, bearing_degrees: float) -> tuple[float, float]:
    """The point ``metres`` from ``point`` along the great circle leaving it at this bearing."""
    lon, lat = map(math.radians, point)
    d, b = metres / EARTH_RADIUS_M, math.radians(bearing_degrees)
    lat2 = math.asin(math.sin(lat) * math.cos(d) + math.cos(lat) * math.sin(d) * math.cos(b))
    lon2 = lon + math.atan2(math.sin(b) * math.sin(d) * math.cos(lat), math.cos(d) - math.sin(lat) * math.sin(lat2))
    return (math.degrees(lon2) + 540.0) % 360.0 - 180.0, math.degrees(lat2)


def test_a_cell_is_about_111_metres_high_and_at_least_as_wide() -> None:
    row, column = cell_of(HERE)
    south = -90.0 + row * CELL_DEGREES
    assert south <= HERE[1] < south + CELL_DEGREES
    assert metres_between((HERE[0], south), (HERE[0], south + CELL_DEGREES)) == pytest.approx(111.2, abs=0.1)
    width = 360.0 / columns_of(row)
    west = -180.0 + column * width
    assert west <= HERE[0] < west + width
    for lat in (south - CELL_DEGREES, south + 2 * CELL_DEGREES):  # the block's far edges
        assert metres_between((west, lat), (west + width, lat)) > NEAR_METRES


def test_the_block_is_nine_distinct_cells_round_the_points_own() -> None:
    block = cells_near(HERE)
    assert len(block) == len(set(block)) == 9
    row, column = cell_of(HERE)
    assert {r for r, _ in block} == {row - 1, row, row + 1}
    assert [c for r, c in block if r == row] == [column - 1, column, column + 1]


@pytest.mark.parametrize("bearing", [0.0, 90.0, 180.0, 270.0, 45.0, 135.0, 225.0, 315.0])
def test_points_99_m_apart_across_a_cell_border_are_in_each_others_block(bearing: float) -> None:
    row, column = cell_of(HERE)
    # A point just inside the south-west corner of its cell: 99 m away in any direction crosses
    # a border (or two), and the other way round too.
    south = -90.0 + row * CELL_DEGREES
    p = (-180.0 + column * 360.0 / columns_of(row) + 1e-7, south + 1e-7)
    assert cell_of(p) == (row, column)
    for start in (p, towards(p, 60.0, 45.0)):
        q = towards(start, 99.0, bearing)
        assert metres_between(start, q) == pytest.approx(99.0, abs=0.01)
        assert cell_of(q) in cells_near(start)
        assert cell_of(start) in cells_near(q)
    # Straight across the row border: the two cells differ.
    a, b = (HERE[0], south + 0.0000005), (HERE[0], south - 0.0000005)
    assert cell_of(a) != cell_of(b) and cell_of(b) in cells_near(a) and cell_of(a) in cells_near(b)


@pytest.mark.parametrize("latitude", [-89.9995, -60.0, -23.5, 0.0, 0.0004, 35.7598, 51.5, 70.0, 85.0, 89.9, 89.9995])
def test_every_point_within_100_m_falls_in_the_block_at_any_latitude(latitude: float) -> None:
    rng = random.Random(latitude)
    for _ in range(400):
        p = (rng.uniform(-180.0, 180.0), latitude + rng.uniform(-0.002, 0.002))
        p = (p[0], max(-90.0, min(90.0, p[1])))
        q = towards(p, rng.uniform(0.0, NEAR_METRES), rng.uniform(0.0, 360.0))
        assert cell_of(q) in cells_near(p), (p, q)


def test_the_block_wraps_round_the_180th_meridian() -> None:
    east, west = (179.99995, 35.0), (-179.99995, 35.0)
    assert metres_between(east, west) < 10.0
    assert cell_of(west) in cells_near(east) and cell_of(east) in cells_near(west)


def test_times_within_a_window_of_each_other_are_in_neighbouring_windows() -> None:
    for width in (NEAR_WINDOW, SUBJECT_WINDOW):
        w = window_of(T0, width)
        for apart in (timedelta(0), timedelta(seconds=1), width / 2, width):
            assert abs(window_of(T0 + apart, width) - w) <= 1
            assert abs(window_of(T0 - apart, width) - w) <= 1
    edge = EPOCH + 1000 * NEAR_WINDOW
    assert window_of(edge, NEAR_WINDOW) - window_of(edge - timedelta(microseconds=1), NEAR_WINDOW) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"subject_id": "P1", "time": T0 + SUBJECT_WINDOW, "point": None},     # the subject rule, at its edge
        {"subject_id": "P1", "time": T0 - SUBJECT_WINDOW},
        {"time": T0 + NEAR_WINDOW, "point": north(HERE, NEAR_METRES - 0.5)},   # the place rule, at its edges
        {"time": T0 - NEAR_WINDOW, "point": towards(HERE, NEAR_METRES - 0.5, 250.0)},
    ],
    ids=["subject-after", "subject-before", "near-after", "near-before"],
)
def test_a_stored_sighting_the_rule_accepts_is_under_a_candidate_key(change: dict) -> None:
    stored = sighting(event_id="e0", **({"subject_id": "P1"} if "subject_id" in change else {}))
    new = sighting(event_id="e1", **change)
    assert both_ways(stored, new)
    near, subject = candidate_keys(new)
    keys = sighting_keys(stored)
    assert keys.get("place_key") in near or keys.get("subject_key") in subject
    assert len(near) == (27 if new.point else 0) and len(subject) == (3 if new.subject_id else 0)


def test_a_sighting_without_point_or_subject_has_no_keys() -> None:
    bare = sighting(point=None)
    assert sighting_keys(bare) == {} and candidate_keys(bare) == ([], [])
    assert set(sighting_keys(sighting(subject_id="P1"))) == {"cell", "place_key", "subject_key"}


def test_place_keys_name_the_grid_and_subject_keys_grid_and_family() -> None:
    """One look-up by the keys of a batch's events finds only sightings of each event's own grid,
    of any family by place (a possible duplicate may be of another family) and of its own family
    by subject: a sighting of another grid at the same place, subject and time is under none of an
    event's candidate keys."""
    new = sighting(event_id="e1", subject_id="P1")
    near, subject = candidate_keys(new)
    assert all(k.startswith("370921001001001|") for k in near)
    assert all(k.startswith("370921001001001|dispute|") for k in subject)
    other_grid = sighting_keys(replace(new, event_id="e0", grid_id="370921001001002"))
    assert other_grid["place_key"] not in near and other_grid["subject_key"] not in subject
    other_family = sighting_keys(replace(new, event_id="e0", family="livelihood"))
    assert other_family["place_key"] in near and other_family["subject_key"] not in subject
    keys = sighting_keys(replace(new, event_id="e0"))
    assert keys["place_key"] in near and keys["subject_key"] in subject
