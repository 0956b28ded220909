"""Exports for the spreadsheet: ``GET /v1/cases.csv|.xlsx`` (the case list with the list's
filters) and ``GET /v1/reports/weekly.csv|.xlsx`` (the weekly report's grids).

CSV is UTF-8 with a byte-order mark, so the spreadsheet programs in use read the Chinese right;
headers are Chinese then English. The case list is read from fusion a page at a time, newest
opened first, up to :data:`EXPORT_MAX` cases (``X-Gridfusion-Truncated: true`` says when there
were more); phone and ID numbers in the text are masked as in ``GET /v1/cases``, and the grid's
own staff's unmasked reads are audited.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response
from gridfusion.fusion.v1 import fusion_pb2 as fpb

from services.platform.vocabulary import CATEGORY_LABELS, LEVEL_LABELS, STATUS_LABELS

from ...auth import Principal
from ...scoping import AREA_ROLES
from ..deps import PAGE_SIZE_MAX, Caller, GatewayState, State, require_roles, staff_only
from ..problems import SIGNED_IN, answers
from .cases import Purpose, shown_cases
from .reports import ScopeParam, WeekParam, build

router = APIRouter(prefix="/v1", tags=["exports"], responses=answers(*SIGNED_IN))

Viewer = Annotated[Principal, Depends(require_roles(*AREA_ROLES))]
EXPORT_MAX = 20_000
CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Format = Annotated[Literal["csv", "xlsx"], Path(description="csv or xlsx")]

CASE_COLUMNS = (
    ("case_id", "案件编号 case_id"), ("grid_id", "网格 grid_id"), ("category", "类别 category"),
    ("category_label", "类别名称 category label"), ("status", "状态 status"), ("level", "层级 level"),
    ("departments", "部门 departments"), ("handed_to", "移交部门 handed_to"), ("severity", "严重程度 severity"),
    ("opened_at", "立案时间 opened_at"), ("due_at", "办理期限 due_at"), ("closed_at", "结案时间 closed_at"),
    ("overdue", "督办 overdue"), ("rating", "回访评价 rating"),
    ("satisfaction", "群众满意度 satisfaction"), ("events", "事件数 events"),
    ("summary", "摘要 summary"),
)
WEEKLY_COLUMNS = (
    ("rank", "排名 rank"), ("grid_id", "网格 grid_id"), ("name", "网格名称 name"), ("events", "事件 events"),
    ("cases_opened", "新立案件 cases opened"), ("cases_closed", "办结案件 cases closed"),
    ("open_cases", "在办案件 open cases"), ("closure_rate", "办结率 closure rate"), ("overdue", "超期 overdue"),
    ("escalated", "上报 escalated"), ("orders_completed", "完成服务单 orders completed"),
    ("service_hours", "服务时长 service hours"), ("patrol_hours", "巡查时长 patrol hours"), ("score", "得分 score"),
)


def table(columns: tuple[tuple[str, str], ...], rows: Iterable[dict[str, Any]], fmt: str, name: str) -> Response:
    """The rows as a CSV or XLSX attachment named ``name``."""
    header = [label for _, label in columns]
    values = [[_cell(row.get(key)) for key, _ in columns] for row in rows]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(values)
        body, media = ("\ufeff" + out.getvalue()).encode("utf-8"), CSV
    else:
        # openpyxl is imported when a workbook is asked for: it takes a while to load.
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(name[:31])
        sheet.append(header)
        for row in values:
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        body, media = buffer.getvalue(), XLSX
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # never a formula in the reader's spreadsheet
    return value


async def all_cases(state: GatewayState, caller: Principal, grid_id: str | None, status: str | None,
                    category: str | None, department: str | None) -> tuple[list[fpb.Case], bool]:
    """Every case of the caller's scope the filters match, newest opened first, up to EXPORT_MAX;
    and whether there were more."""
    out: list[fpb.Case] = []
    cursor = ""
    while True:
        reply = await state.peers.fusion.ListCases(
            fpb.ListCasesRequest(scope=caller.scope(), grid_id=grid_id or "", status=status or "",
                                 category=category or "", department=department or "", page=1,
                                 page_size=PAGE_SIZE_MAX, cursor=cursor, count=fpb.COUNT_NONE),
            timeout=state.settings.rpc_timeout_seconds)
        out.extend(reply.items)
        cursor = reply.next_cursor
        if not cursor or len(out) >= EXPORT_MAX:
            return out[:EXPORT_MAX], bool(cursor) or len(out) > EXPORT_MAX


@router.get("/cases.{fmt}", dependencies=[Depends(staff_only)],
            responses={200: {"content": {CSV: {}, XLSX: {}}, "description": "The cases as a spreadsheet"}},
            summary="The case list as CSV or XLSX, with the list's filters (at most 20,000 cases, newest first)")
async def export_cases(
    fmt: Format, state: State, caller: Caller, grid_id: str | None = None, status: str | None = None,
    category: str | None = None, department: str | None = None, purpose: Purpose = None,
) -> Response:
    cases, truncated = await all_cases(state, caller, grid_id, status, category, department)
    shown = await shown_cases(cases, state, caller, what=f"cases export ({len(cases)})", why=purpose)
    rows = []
    for case in shown:
        row = case.model_dump()
        row["category_label"] = CATEGORY_LABELS.get(case.category, "")
        row["status"] = f"{case.status} {STATUS_LABELS.get(case.status, '')}".strip()
        row["level"] = f"{case.level} {LEVEL_LABELS.get(case.level, '')}".strip()
        row["events"] = len(case.event_ids)
        rows.append(row)
    answer = table(CASE_COLUMNS, rows, fmt, "cases")
    answer.headers["X-Gridfusion-Truncated"] = "true" if truncated else "false"
    return answer


@router.get("/reports/weekly.{fmt}", responses={200: {"content": {CSV: {}, XLSX: {}},
                                                      "description": "The week's grids as a spreadsheet"}},
            summary="The weekly report's grids (一周一报), ranked, as CSV or XLSX")
async def export_weekly(fmt: Format, state: State, caller: Viewer, week: WeekParam = None,
                        scope: ScopeParam = None) -> Response:
    data, _ = await build(state, caller, week, scope)
    return table(WEEKLY_COLUMNS, data["grids"], fmt, f"weekly-{data['week']}")
