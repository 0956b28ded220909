"""The county's assessment of the grids (考核): each grid's week scored out of 100 from what the
platform already knows, with the weights as configuration (``GATEWAY_ASSESSMENT_WEIGHTS``, a
JSON object of the components below; those left out weigh nothing).

Each component is a share from 0 to 1; the score is the weighted mean times 100:

=============  ===========================================================  =======
component      share of the grid's week                                     default
=============  ===========================================================  =======
closure        cases closed ÷ (closed + still open); 1 with no case           25
timeliness     1 − overdue cases ÷ cases handled                              15
patrol         patrol hours in the grid ÷ 28 (4 hours a day), at most 1       15
service        service orders completed ÷ 5, at most 1                        10
weekly_report  1 when the grid submitted its week (一周一报), else 0           10
six_ones       the six ones (六个一) held this quarter up to the week ÷ 6      10
station        the station's six haves (六有) ticked ÷ 6                       5
meetings       1 − joint-meeting decisions overdue at the week's end ÷ 4,     10
               at least 0 (联席会议 decisions followed through)
=============  ===========================================================  =======

The first four are the weekly report's ranking (:mod:`gateway.reports.weekly`); the others add
the party-building side. An assessment keeps the weights it was made with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .weekly import ORDERS_TARGET, PATROL_WEEK_TARGET, rank

COMPONENTS: dict[str, str] = {
    "closure": "办结率 cases closed ÷ cases handled",
    "timeliness": "按时办结 1 − overdue ÷ cases handled",
    "patrol": "巡查时长 patrol hours ÷ 28",
    "service": "党员服务 service orders completed ÷ 5",
    "weekly_report": "一周一报 the week submitted",
    "six_ones": "六个一 held this quarter ÷ 6",
    "station": "六有 station checklist ÷ 6",
    "meetings": "联席会议 1 − overdue decisions ÷ 4",
}
DEFAULT_WEIGHTS: dict[str, float] = {"closure": 25, "timeliness": 15, "patrol": 15, "service": 10,
                                     "weekly_report": 10, "six_ones": 10, "station": 5, "meetings": 10}
SIX = 6
OVERDUE_DECISIONS_TO_ZERO = 4


def check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """The weights, every component named (missing ones 0); ValueError naming what is wrong."""
    unknown = sorted(set(weights) - set(COMPONENTS))
    if unknown:
        raise ValueError(f"assessment weights: unknown components {', '.join(unknown)} "
                         f"(known: {', '.join(COMPONENTS)})")
    negative = sorted(k for k, v in weights.items() if v < 0)
    if negative:
        raise ValueError(f"assessment weights: negative {', '.join(negative)}")
    if sum(weights.values()) <= 0:
        raise ValueError("assessment weights: at least one above 0")
    return {k: float(weights.get(k, 0.0)) for k in COMPONENTS}


@dataclass(frozen=True)
class GridWeek:
    """What the platform knows of one grid's week."""

    grid_id: str
    name: str
    cases_closed: int
    open_cases: int
    overdue: int
    patrol_hours: float | None
    orders_completed: int
    submitted: bool
    six_ones_held: int
    station_items: int
    overdue_decisions: int


def components(g: GridWeek) -> dict[str, float]:
    handled = g.cases_closed + g.open_cases
    return {
        "closure": g.cases_closed / handled if handled else 1.0,
        "timeliness": 1 - min(g.overdue / handled, 1.0) if handled else 1.0,
        "patrol": min(1.0, (g.patrol_hours or 0.0) / PATROL_WEEK_TARGET),
        "service": min(1.0, g.orders_completed / ORDERS_TARGET),
        "weekly_report": 1.0 if g.submitted else 0.0,
        "six_ones": min(1.0, g.six_ones_held / SIX),
        "station": min(1.0, g.station_items / SIX),
        "meetings": max(0.0, 1 - g.overdue_decisions / OVERDUE_DECISIONS_TO_ZERO),
    }


def score(shares: Mapping[str, float], weights: Mapping[str, float]) -> float:
    total = sum(weights.values())
    return round(100 * sum(weights[k] * shares[k] for k in weights) / total, 2)


def assess(grids: list[GridWeek], weights: Mapping[str, float]) -> list[dict[str, Any]]:
    """Every grid's components and score, ranked (best first; equal scores share a rank)."""
    rows = []
    for g in grids:
        shares = components(g)
        rows.append({"grid_id": g.grid_id, "name": g.name, "score": score(shares, weights),
                     "components": {k: round(v, 4) for k, v in shares.items()}})
    rank(rows)
    return rows
