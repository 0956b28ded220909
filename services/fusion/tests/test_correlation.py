"""The correlation rule (DESIGN "Correlation rule"): both branches and a near miss on every condition."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.fusion.correlation import (
    EARTH_RADIUS_M,
    NEAR_METRES,
    NEAR_WINDOW,
    SUBJECT_WINDOW,
    SUMMARY_SIMILARITY,
    Sighting,
    metres_between,
    same_incident,
    summary_similarity,
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
    assert SUMMARY_SIMILARITY == 80.0


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
    assert summary_similarity(a.summary, b.summary) >= SUMMARY_SIMILARITY
    assert both_ways(a, b)


def test_punctuation_width_and_spacing_do_not_change_the_similarity() -> None:
    assert summary_similarity("邻里纠纷：楼道 堆放杂物！", "邻里纠纷,楼道堆放杂物") == 100.0


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


def test_summary_similarity_threshold_is_the_boundary() -> None:
    a = "甲乙丙丁戊己庚辛壬癸"
    assert summary_similarity(a, "甲乙丙丁戊己庚辛壬X") == 90.0
    assert summary_similarity(a, "甲乙丙丁戊己庚辛XX") == 80.0
    assert summary_similarity(a, "甲乙丙丁戊己庚XXX") == 70.0
    assert both_ways(sighting(summary=a), sighting(event_id="e2", summary="甲乙丙丁戊己庚辛XX"))
    assert not both_ways(sighting(summary=a), sighting(event_id="e2", summary="甲乙丙丁戊己庚XXX"))


def test_sightings_round_trip_through_documents() -> None:
    a = sighting(subject_id="P1")
    assert Sighting.from_doc(a.to_doc()) == a
    assert Sighting.from_doc(sighting(point=None).to_doc()).point is None
