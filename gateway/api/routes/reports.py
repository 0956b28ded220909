"""``GET /v1/reports/weekly`` (JSON) and ``/v1/reports/weekly.html`` (printable, with charts): 一周一报;
``/v1/reports/weekly/submissions``: each grid submits its week (the figures from the data, the
secretary's text), and its community and street see who has not; ``/v1/bulletins``: the street's
weekly bulletin (通报), its grids ranked and those that did not submit."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import grpc
from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.responses import HTMLResponse
from gridfusion.community.v1 import community_pb2 as cpb
from gridfusion.departments.v1 import departments_pb2 as dpb
from gridfusion.party.v1 import party_pb2 as ppb

from ...auth import Principal
from ...reports.weekly import assemble, render_html
from ...scoping import (
    AREA_ROLES,
    BadScope,
    OutOfScope,
    current_week,
    narrow,
    parse_week,
    report_area,
)
from ..deps import GatewayState, State, require_roles
from ..models import (
    Bulletin,
    BulletinIn,
    Bulletins,
    RankedGrid,
    WeeklyReport,
    WeeklySubmission,
    WeeklySubmissions,
    WeekSubmissionIn,
)
from ..problems import SIGNED_IN, answers, json_answers

router = APIRouter(prefix="/v1/reports", tags=["weekly report"], responses=answers(*SIGNED_IN, 404))

Viewer = Annotated[Principal, Depends(require_roles(*AREA_ROLES))]
Secretary = Annotated[Principal, Depends(require_roles("secretary"))]
StreetOrCounty = Annotated[Principal, Depends(require_roles("street", "county"))]
WeekParam = Annotated[str | None, Query(description="ISO week, e.g. 2026-W48; default: this week", max_length=10)]
ScopeParam = Annotated[str | None, Query(description="county | street:<id> | community:<id> | grid:<id>; default: the caller's own",
                                         max_length=64)]


def default_scope(caller: Principal) -> str:
    if caller.role == "county":
        return "county"
    if caller.role == "street":
        return f"street:{caller.street_id}"
    if caller.role == "community":
        return f"community:{caller.community_id}"
    return f"grid:{caller.grid_id}"


async def patrol_hours(state: GatewayState, first_day: str, last_day: str,
                       grid_ids: list[str]) -> tuple[dict[str, float] | None, int | None]:
    """Hours the grid workers patrolled inside their grids, from comprehensive_governance's patrol logs."""
    try:
        reply = await state.peers.departments["comprehensive_governance"].PatrolSummary(
            dpb.PatrolSummaryRequest(from_date=first_day, to_date=last_day, grid_ids=grid_ids),
            timeout=state.settings.rpc_timeout_seconds,
        )
    except grpc.aio.AioRpcError:
        return None, None
    hours: dict[str, float] = {g: 0.0 for g in grid_ids}
    for day in reply.days:
        if day.grid_id in hours:
            hours[day.grid_id] += day.hours_in_grid
    return hours, sum(1 for d in reply.days if d.under_minimum and d.grid_id in hours)


async def circle_figures(state: GatewayState, area: cpb.Area) -> tuple[int, int] | None:
    """The scope's households and those outside the one-kilometre service circle (None when the
    party side did not answer: the report still comes)."""
    try:
        reply = await state.peers.party.ListCircleGaps(
            ppb.ListCircleGapsRequest(area=ppb.Area(street_id=area.street_id, community_id=area.community_id,
                                                    grid_id=area.grid_id), page=1, page_size=1),
            timeout=state.settings.rpc_timeout_seconds)
    except grpc.aio.AioRpcError:
        return None
    return reply.households, reply.total


async def build(state: GatewayState, caller: Principal, week: str | None, scope: str | None, *,
                week_in: str = "query") -> tuple[dict[str, Any], str]:
    """The report's data and its scope's label; a bad week is a 422 at ``week_in`` ("query" or "body")."""
    week = week or current_week(state.tz)
    scope = scope or default_scope(caller)
    grids = await state.grids()
    try:
        parsed = parse_week(week, state.tz)
        area = report_area(caller, grids, scope)
    except BadScope as exc:
        raise HTTPException(422, [{"loc": [week_in, "week"] if "week" in str(exc) else ["query", "scope"], "msg": str(exc),
                                   "type": "value_error"}]) from exc
    except OutOfScope as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from exc
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    request = cpb.WeeklyReportRequest(area=area)
    request.start.FromDatetime(parsed.start)
    request.end.FromDatetime(parsed.end)
    report = await state.peers.community.GetWeeklyReport(request, timeout=state.settings.rpc_timeout_seconds * 3)
    grid_ids = [g.grid_id for g in report.grids]
    sunday = parsed.monday + timedelta(days=6)
    patrol, under = await patrol_hours(state, parsed.monday.isoformat(), sunday.isoformat(), grid_ids)
    start = parsed.start.astimezone(state.tz).isoformat()
    end = parsed.end.astimezone(state.tz).isoformat()
    data = assemble(report, week=parsed.label, scope=scope, start=start, end=end, patrol=patrol, patrol_under=under,
                    circle=await circle_figures(state, area))
    kind, _, ident = scope.partition(":")
    if kind == "grid":
        label = f"{grids[ident].name} 网格"
    elif kind == "community":
        label = next(g.community_name for g in grids.values() if g.community_id == ident)
    elif kind == "street":
        label = next(g.street_name for g in grids.values() if g.street_id == ident)
    else:
        label = "宁阳县 全县 county"
    return data, label


@router.get("/weekly", response_model=WeeklyReport, summary="The weekly report (一周一报) of a week and a scope, as JSON")
async def weekly(state: State, caller: Viewer, week: WeekParam = None, scope: ScopeParam = None) -> WeeklyReport:
    data, _ = await build(state, caller, week, scope)
    return WeeklyReport(**data)


@router.get("/weekly.html", response_class=HTMLResponse, responses=json_answers(*SIGNED_IN, 404),
            summary="The weekly report as a printable HTML page with charts")
async def weekly_html(state: State, caller: Viewer, week: WeekParam = None, scope: ScopeParam = None) -> HTMLResponse:
    data, label = await build(state, caller, week, scope)
    return HTMLResponse(render_html(data, scope_label=label))


def submission_json(x: ppb.WeeklySubmission, state: GatewayState) -> WeeklySubmission:
    return WeeklySubmission(week=x.week, grid_id=x.grid_id, community_id=x.community_id, street_id=x.street_id,
                            text=x.text, figures=dict(x.figures), submitted_by=x.submitted_by,
                            submitted_at=state.iso(x.submitted_at), revision=x.revision)


@router.post("/weekly/submissions", response_model=WeeklySubmission, status_code=status.HTTP_201_CREATED,
             summary="The grid's secretary submits its week: the figures filled from the data, and the text; "
                     "submitting again replaces it (revision counts)")
async def submit_week(body: WeekSubmissionIn, state: State, caller: Secretary) -> WeeklySubmission:
    data, _ = await build(state, caller, body.week, f"grid:{caller.grid_id}", week_in="body")
    row = next((g for g in data["grids"] if g["grid_id"] == caller.grid_id), {})
    figures = {k: float(v) for k, v in row.items() if isinstance(v, int | float) and not isinstance(v, bool)
               and k != "rank"}
    reply = await state.peers.party.SubmitWeek(
        ppb.SubmitWeekRequest(week=data["week"], grid_id=caller.grid_id, text=body.text, figures=figures,
                              actor=caller.username),
        timeout=state.settings.rpc_timeout_seconds)
    return submission_json(reply, state)


@router.get("/weekly/submissions", response_model=WeeklySubmissions,
            summary="The week's submissions of the caller's area, and the grids that have not submitted")
async def list_submissions(state: State, caller: Viewer, week: WeekParam = None, grid_id: str | None = None,
                           community_id: str | None = None, street_id: str | None = None) -> WeeklySubmissions:
    week = week or current_week(state.tz)
    try:
        label = parse_week(week, state.tz).label
        area = narrow(caller, await state.grids(), grid_id=grid_id or "", community_id=community_id or "",
                      street_id=street_id or "")
    except BadScope as exc:
        raise HTTPException(422, [{"loc": ["query", "week"], "msg": str(exc), "type": "value_error"}]) from exc
    except OutOfScope as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from exc
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    reply = await state.peers.party.ListSubmissions(
        ppb.ListSubmissionsRequest(area=ppb.Area(street_id=area.street_id, community_id=area.community_id,
                                                 grid_id=area.grid_id), week=label),
        timeout=state.settings.rpc_timeout_seconds)
    items = [submission_json(x, state) for x in reply.items]
    return WeeklySubmissions(week=label, items=items, missing=list(reply.missing), submitted=len(items),
                             grids=len(items) + len(reply.missing))


bulletins = APIRouter(prefix="/v1/bulletins", tags=["weekly report"], responses=answers(*SIGNED_IN, 404))


def bulletin_json(b: ppb.Bulletin, state: GatewayState) -> Bulletin:
    return Bulletin(week=b.week, street_id=b.street_id, not_submitted=list(b.not_submitted), text=b.text,
                    issued_by=b.issued_by, issued_at=state.iso(b.issued_at), revision=b.revision,
                    ranking=[RankedGrid(grid_id=r.grid_id, name=r.name, rank=r.rank, score=r.score) for r in b.ranking])


async def street_of(state: GatewayState, caller: Principal) -> str:
    """The street a caller's area lies in ("" for the county's)."""
    if caller.street_id:
        return caller.street_id
    return next((g.street_id for g in (await state.grids()).values()
                 if (caller.grid_id and g.grid_id == caller.grid_id)
                 or (caller.community_id and g.community_id == caller.community_id)), "")


@bulletins.post("", response_model=Bulletin, status_code=status.HTTP_201_CREATED,
                summary="The street issues its weekly bulletin (通报): its grids ranked by the weekly report, "
                        "and those that have not submitted; issuing again replaces it")
async def issue_bulletin(body: BulletinIn, state: State, caller: StreetOrCounty) -> Bulletin:
    street_id = body.street_id or caller.street_id
    if not street_id:
        raise HTTPException(422, [{"loc": ["body", "street_id"], "msg": "the county names the street",
                                   "type": "value_error"}])
    data, _ = await build(state, caller, body.week, f"street:{street_id}", week_in="body")
    listed = await state.peers.party.ListSubmissions(
        ppb.ListSubmissionsRequest(area=ppb.Area(street_id=street_id), week=data["week"]),
        timeout=state.settings.rpc_timeout_seconds)
    reply = await state.peers.party.IssueBulletin(ppb.Bulletin(
        week=data["week"], street_id=street_id, not_submitted=listed.missing, text=body.text,
        issued_by=caller.username,
        ranking=[ppb.RankedGrid(grid_id=g["grid_id"], name=g["name"], rank=g["rank"], score=g["score"])
                 for g in data["grids"]]), timeout=state.settings.rpc_timeout_seconds)
    return bulletin_json(reply, state)


@bulletins.get("", response_model=Bulletins,
               summary="The bulletins of the caller's street (the county: every street's), newest week first")
async def list_bulletins(state: State, caller: Viewer, week: WeekParam = None,
                         street_id: str | None = None) -> Bulletins:
    if caller.role != "county":
        own = await street_of(state, caller)
        if not own or (street_id and street_id != own):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "the bulletins of your own street only")
        street_id = own
    if week:
        try:
            week = parse_week(week, state.tz).label
        except BadScope as exc:
            raise HTTPException(422, [{"loc": ["query", "week"], "msg": str(exc), "type": "value_error"}]) from exc
    reply = await state.peers.party.ListBulletins(ppb.ListBulletinsRequest(street_id=street_id or "", week=week or ""),
                                                  timeout=state.settings.rpc_timeout_seconds)
    items = [bulletin_json(b, state) for b in reply.items]
    return Bulletins(items=items, total=len(items))

