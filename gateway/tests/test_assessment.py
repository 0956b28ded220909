"""The county's assessment (考核): each component's share, the weighted score, the ranking, and
weights from configuration refused at start-up when they name no component."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway.reports.assessment import (
    COMPONENTS,
    DEFAULT_WEIGHTS,
    GridWeek,
    assess,
    check_weights,
    components,
)
from gateway.settings import GatewaySettings

pytestmark = pytest.mark.unit

PERFECT = GridWeek("G1", "一", cases_closed=4, open_cases=0, overdue=0, patrol_hours=30.0, orders_completed=5,
                   submitted=True, six_ones_held=6, station_items=6, overdue_decisions=0)


def test_a_grid_that_did_everything_scores_100_and_each_shortfall_costs_its_weight():
    assert set(components(PERFECT)) == set(COMPONENTS) and sum(DEFAULT_WEIGHTS.values()) == 100
    weights = check_weights(DEFAULT_WEIGHTS)
    late = GridWeek("G2", "二", cases_closed=2, open_cases=2, overdue=1, patrol_hours=14.0, orders_completed=0,
                    submitted=False, six_ones_held=3, station_items=3, overdue_decisions=2)
    shares = components(late)
    assert shares == {"closure": 0.5, "timeliness": 0.75, "patrol": 0.5, "service": 0.0, "weekly_report": 0.0,
                      "six_ones": 0.5, "station": 0.5, "meetings": 0.5}
    rows = assess([late, PERFECT], weights)
    assert [(r["grid_id"], r["rank"]) for r in rows] == [("G1", 1), ("G2", 2)]
    assert rows[0]["score"] == 100.0
    assert rows[1]["score"] == 25 * 0.5 + 15 * 0.75 + 15 * 0.5 + 10 * 0.5 + 5 * 0.5 + 10 * 0.5


def test_a_quiet_grid_is_not_punished_for_cases_it_did_not_have():
    quiet = GridWeek("G3", "三", 0, 0, 0, None, 0, True, 0, 0, 0)
    shares = components(quiet)
    assert shares["closure"] == shares["timeliness"] == 1.0 and shares["patrol"] == 0.0


def test_weights_come_from_configuration_and_unknown_or_negative_ones_stop_the_start(monkeypatch):
    monkeypatch.setenv("GATEWAY_ASSESSMENT_WEIGHTS", '{"closure": 3, "weekly_report": 1}')
    settings = GatewaySettings(local_mode=True, jwt_key="k" * 48)
    assert settings.assessment_weights["closure"] == 3 and settings.assessment_weights["patrol"] == 0
    only_reports = assess([PERFECT, GridWeek("G4", "四", 0, 3, 3, 0, 0, True, 0, 0, 9)], settings.assessment_weights)
    assert only_reports[1]["score"] == 25.0  # 1 of 4 parts: the week submitted, nothing closed
    for bad, says in (('{"speed": 1}', "unknown components speed"), ('{"closure": -1}', "negative closure"),
                      ('{"closure": 0}', "at least one above 0")):
        monkeypatch.setenv("GATEWAY_ASSESSMENT_WEIGHTS", bad)
        with pytest.raises(ValidationError, match=says):
            GatewaySettings(local_mode=True, jwt_key="k" * 48)


def test_equal_scores_share_a_rank_and_the_next_counts_everyone_above():
    from gateway.reports.weekly import rank

    rows = [{"grid_id": g, "score": v} for g, v in (("G4", 50.0), ("G1", 70.0), ("G3", 70.0), ("G2", 60.0))]
    rank(rows)
    assert [(r["grid_id"], r["rank"]) for r in rows] == [("G1", 1), ("G3", 1), ("G2", 3), ("G4", 4)]
