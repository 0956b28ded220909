"""``GET /v1/reports/weekly`` (JSON) and ``/v1/reports/weekly.html`` (printable, with charts): 一周一报."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import grpc
from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.responses import HTMLResponse
from gridfusion.community.v1 import community_pb2 as cpb
from gridfusion.departments.v1 import departments_pb2 as dpb

from ...auth import Principal
from ...reports.weekly import assemble, render_html
from ...scoping import AREA_ROLES, BadScope, OutOfScope, current_week, parse_week, report_area
from ..deps import GatewayState, State, require_roles
from ..models import WeeklyReport
from ..problems import SIGNED_IN, answers, json_answers

router = APIRouter(prefix="/v1/reports", tags=["weekly report"], responses=answers(*SIGNED_IN, 404))

Viewer = Annotated[Principal, Depends(require_roles(*AREA_ROLES))]
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


async def build(state: GatewayState, caller: Principal, week: str | None, scope: str | None) -> tuple[dict[str, Any], str]:
    week = week or current_week(state.tz)
    scope = scope or default_scope(caller)
    grids = await state.grids()
    try:
        parsed = parse_week(week, state.tz)
        area = report_area(caller, grids, scope)
    except BadScope as exc:
        raise HTTPException(422, [{"loc": ["query", "week" if "week" in str(exc) else "scope"], "msg": str(exc),
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
    data = assemble(report, week=parsed.label, scope=scope, start=start, end=end, patrol=patrol, patrol_under=under)
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
