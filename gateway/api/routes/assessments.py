"""The county's assessment of the grids (考核): ``/v1/assessments``.

The county assesses a week: every grid's score out of 100 from the weekly report's figures
(closure, timeliness, patrol, service), whether the grid submitted its week (一周一报), the six
ones held this quarter (六个一), its station's six haves (六有) and its joint-meeting decisions
overdue (联席会议) — weighted as ``GATEWAY_ASSESSMENT_WEIGHTS`` says
(:mod:`gateway.reports.assessment`). The scores are kept week by week with the weights used;
each area sees its own grids' scores and their county-wide ranks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from gridfusion.party.v1 import party_pb2 as ppb

from ...auth import Principal
from ...reports.assessment import COMPONENTS, GridWeek, assess
from ...scoping import AREA_ROLES, BadScope, parse_week
from ..deps import GatewayState, State, require_roles, stamp
from ..models import (
    Assessment,
    AssessmentIn,
    Assessments,
    AssessmentWeight,
    AssessmentWeights,
    GridScore,
)
from ..problems import SIGNED_IN, answers
from .community import area_of
from .reports import WeekParam, build

router = APIRouter(prefix="/v1/assessments", tags=["weekly report"], responses=answers(*SIGNED_IN, 404))

County = Annotated[Principal, Depends(require_roles("county"))]
Viewer = Annotated[Principal, Depends(require_roles(*AREA_ROLES))]



def assessment_json(a: ppb.Assessment, state: GatewayState) -> Assessment:
    return Assessment(
        week=a.week, weights=dict(a.weights), assessed_by=a.assessed_by, assessed_at=state.iso(a.assessed_at),
        revision=a.revision,
        grids=[GridScore(grid_id=g.grid_id, name=g.name, community_id=g.community_id, street_id=g.street_id,
                         rank=g.rank, score=g.score, components=dict(g.components)) for g in a.grids])


async def grid_weeks(state: GatewayState, caller: Principal, week: str | None) -> tuple[str, list[GridWeek]]:
    """What the platform knows of every grid's week, from the weekly report and the party side."""
    data, _ = await build(state, caller, week, "county", week_in="body")
    parsed = parse_week(data["week"], state.tz)
    monday = parsed.monday
    quarter_start = datetime(monday.year, 3 * ((monday.month - 1) // 3) + 1, 1, tzinfo=state.tz)
    timeout, party, county = state.settings.rpc_timeout_seconds, state.peers.party, ppb.Area()
    submissions = await party.ListSubmissions(ppb.ListSubmissionsRequest(area=county, week=parsed.label),
                                              timeout=timeout)
    six = await party.SixOnes(ppb.ListActivitiesRequest(area=county, since=stamp(quarter_start),
                                                        until=stamp(parsed.end)), timeout=timeout)
    stations = await party.ListStations(ppb.ListStationsRequest(area=county), timeout=timeout)
    overdue = await party.ListDecisions(ppb.ListDecisionsRequest(area=county, status="open",
                                                                 due_before=stamp(parsed.end)), timeout=timeout)
    submitted = {x.grid_id for x in submissions.items}
    held = {g.grid_id: len(g.held) for g in six.grids}
    station_items: dict[str, int] = {}
    for s in stations.items:
        station_items[s.grid_id] = max(station_items.get(s.grid_id, 0), sum(s.checklist.values()))
    late: dict[str, int] = {}
    for d in overdue.items:
        late[d.grid_id] = late.get(d.grid_id, 0) + 1
    return parsed.label, [
        GridWeek(grid_id=r["grid_id"], name=r["name"], cases_closed=r["cases_closed"], open_cases=r["open_cases"],
                 overdue=r["overdue"], patrol_hours=r["patrol_hours"], orders_completed=r["orders_completed"],
                 submitted=r["grid_id"] in submitted, six_ones_held=held.get(r["grid_id"], 0),
                 station_items=station_items.get(r["grid_id"], 0), overdue_decisions=late.get(r["grid_id"], 0))
        for r in data["grids"]]


@router.get("/weights", response_model=AssessmentWeights,
            summary="The weights the county's assessment uses now, and what each component measures")
async def weights(state: State, caller: Viewer) -> AssessmentWeights:
    return AssessmentWeights(weights={k: AssessmentWeight(weight=state.settings.assessment_weights[k], meaning=v)
                                      for k, v in COMPONENTS.items()})


@router.post("", response_model=Assessment, status_code=status.HTTP_201_CREATED,
             summary="The county assesses a week (考核): every grid scored and ranked with the configured weights, "
                     "and kept; assessing the week again replaces it")
async def assess_week(body: AssessmentIn, state: State, caller: County) -> Assessment:
    label, grids = await grid_weeks(state, caller, body.week)
    weights = state.settings.assessment_weights
    rows = assess(grids, weights)
    reply = await state.peers.party.SaveAssessment(ppb.Assessment(
        week=label, weights=weights, assessed_by=caller.username,
        grids=[ppb.GridScore(grid_id=r["grid_id"], name=r["name"], rank=r["rank"], score=r["score"],
                             components=r["components"]) for r in rows]),
        timeout=state.settings.rpc_timeout_seconds)
    return assessment_json(reply, state)


@router.get("", response_model=Assessments,
            summary="The assessments of the caller's area's grids: one week's, or every week's (newest first); "
                    "ranks are county-wide")
async def list_assessments(state: State, caller: Viewer, week: WeekParam = None, grid_id: str | None = None,
                           community_id: str | None = None, street_id: str | None = None) -> Assessments:
    area = await area_of(state, caller, grid_id, community_id, street_id)
    try:
        label = parse_week(week, state.tz).label if week else ""
    except BadScope as exc:
        raise HTTPException(422, [{"loc": ["query", "week"], "msg": str(exc), "type": "value_error"}]) from exc
    reply = await state.peers.party.ListAssessments(ppb.ListAssessmentsRequest(
        area=ppb.Area(street_id=area.street_id, community_id=area.community_id, grid_id=area.grid_id), week=label),
        timeout=state.settings.rpc_timeout_seconds)
    items = [assessment_json(a, state) for a in reply.items]
    return Assessments(items=items, total=len(items))

