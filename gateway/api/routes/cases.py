"""``GET /v1/cases``, ``GET /v1/cases/{case_id}`` and ``POST /v1/cases/{case_id}/actions``, scoped by
the caller's role.

Phone and ID numbers written into a case's free text (its summary and result, its events'
summaries, the timeline's notes and results) are masked unless the grid's own secretary or
worker asks; their unmasked reads are audited. A department reads the summaries of its own
events only.

A property-management case of a compound carries its ``property_route`` (红色物业), which fusion
works out from its co-governance register: the compound's property company and owners' committee,
their contacts masked and audited exactly as ``/v1/co-governance/organisations`` does."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from google.protobuf.json_format import MessageToDict
from gridfusion.fusion.v1 import fusion_pb2 as fpb
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.platform.vocabulary import (
    ACTION_LABELS,
    ACTIONS,
    CASE_NOTE_MAX,
    DEPARTMENTS,
    ID_MAX,
    RISK_LEVELS,
    SEVERITY_FROM_PROTO,
)

from ...auth import Principal
from ...hotlist import Answer
from ...privacy import grid_staff, mask_text, personal_data_in, record_read
from ..deps import Caller, GatewayState, Page, PageSize, State
from ..models import Case, CaseDetail, CasePage, PropertyRoute, TimelineEntry
from ..problems import SIGNED_IN, answers, link, links
from . import attachments as case_attachments
from .party import actor_json

router = APIRouter(prefix="/v1/cases", tags=["cases"], responses=answers(*SIGNED_IN, 404, 409, 413))


# A case read, and the step taken on it, lead to each other.
TO_CASE = links(Case=link("get_case_v1_cases__case_id__get", "The case with its events, timeline and allowed actions",
                          case_id="$response.body#/case_id"))
TO_ACTIONS = links(Act=link("act_on_case_v1_cases__case_id__actions_post",
                            "Take one of the case's `allowed_actions`", case_id="$response.body#/case_id"))

Purpose = Annotated[str | None, Query(max_length=500, description="Why personal data is read (audited)")]


def shown(text: str, masked: bool) -> str:
    """Free text as the caller may see it: phone and ID numbers masked unless it is the grid's staff."""
    return mask_text(text)[0] if masked else text


def exposed(case: fpb.Case) -> int:
    """How many phone and ID numbers a case's own text holds (what an unmasked read shows)."""
    return personal_data_in(case.summary) + personal_data_in(case.result)


def case_json(case: fpb.Case, state: GatewayState, *, masked: bool = True) -> dict[str, Any]:
    """A case as the API shows it; its free text masked unless ``masked`` is False (the grid's
    own staff, audited by the caller)."""
    return {
        "case_id": case.case_id,
        "grid_id": case.grid_id,
        "community_id": case.community_id,
        "street_id": case.street_id,
        "category": case.category,
        "status": case.status,
        "level": case.level,
        "departments": list(case.departments),
        "event_ids": list(case.event_ids),
        "summary": shown(case.summary, masked),
        "severity": SEVERITY_FROM_PROTO.get(case.severity),
        "subject_id": case.subject_id or None,
        "risk_level": case.risk_level or None,
        "handed_to": case.handed_to or None,
        "linked_case_id": case.linked_case_id or None,
        "rating": case.rating or None,
        "satisfaction": case.satisfaction or None,
        "opened_at": state.iso(case.opened_at),
        "due_at": state.iso(case.due_at),
        "closed_at": state.iso(case.closed_at),
        "updated_at": state.iso(case.updated_at),
        "result": shown(case.result, masked) or None,
        "overdue": case.overdue,
        "version": case.version or None,
        "possible_duplicates": [{"case_id": d.case_id, "score": d.score, "reasons": list(d.reasons)}
                                for d in case.possible_duplicates],
        "merged_into": case.merged_into or None,
        "merged_from": list(case.merged_from),
        "split_from": case.split_from or None,
        "compound_id": case.compound_id or None,
    }


def event_json(event: fpb.FusedEvent, state: GatewayState, *, masked: bool = True,
               own_department: str | None = None) -> dict[str, Any]:
    """An event of a case. A department caller (``own_department``) reads the summaries of its
    own events only: another department's summary is withheld (None)."""
    e = event.event
    location = MessageToDict(e.location, preserving_proto_field_name=True)
    location = location.get("point", location)
    return {
        "event_id": event.event_id,
        "department": event.department,
        "type": e.type,
        "category": event.category,
        "summary": None if own_department is not None and event.department != own_department
        else shown(e.summary, masked),
        "severity": SEVERITY_FROM_PROTO.get(e.severity),
        "time": state.iso(e.time),
        "location": location,
        "status": event.status,
        "fused_at": state.iso(event.fused_at),
    }


LIST_DESCRIPTION = """Cases in the caller's scope, newest opened first (then by id).

Filters: `grid_id`, `status` (a status, or `open` for every case still in the loop), `category`
(`family.subtype`), `department` (cases it reported an event to). Page with `page`, or pass the
`next_cursor` of the page before as `cursor` (keyset paging: fast however deep, right while
cases are added).

The hot lists — open cases, and cases opened in the last `GATEWAY_HOT_DAYS` days (30) — are
answered from the gateway's memory, kept current by fusion's case changes; a page further back
is read from fusion. Both give the same page.

`total`: with `count=false`, and on a cursor's page unless `count` is given, `null`. When every
case the list can match is in memory (`status=open` or an open status, a department's list, or a
store holding nothing older than the horizon) it is exact (`total_exact: true`). Otherwise, by
default, it is a floor with `total_exact: false` — the matching open and recent cases, or for a
page read from fusion a count stopped at 10,000 — and `count=true` has fusion count every match
exactly (slow over a large store). `next_cursor` says whether a next page exists.

Phone and ID numbers in the text are masked unless the grid's own staff asks (audited,
`purpose=` says why)."""


@router.get("", response_model=CasePage, summary="Cases in the caller's scope, newest first",
            responses={200: links(FirstCase=link("get_case_v1_cases__case_id__get", "The page's first case",
                                                 case_id="$response.body#/items/0/case_id"))},
            description=LIST_DESCRIPTION)
async def list_cases(
    state: State,
    caller: Caller,
    grid_id: str | None = None,
    status: str | None = None,
    category: str | None = None,
    department: str | None = None,
    page: Page = 1,
    page_size: PageSize = 20,
    cursor: Annotated[str | None, Query(max_length=512, description="next_cursor of the page before "
                                                                    "(keyset paging; page is then ignored)")] = None,
    count: Annotated[bool | None, Query(description="true: the exact total; false: no total. By default see "
                                                    "the description: exact when every match is in memory, "
                                                    "else a floor; a cursor's page counts nothing")] = None,
    purpose: Purpose = None,
) -> CasePage:
    counting = {True: fpb.COUNT_EXACT, False: fpb.COUNT_NONE, None: fpb.COUNT_CAPPED}[count]
    hot = getattr(state.feed, "hotlist", None)
    answer = hot.page(caller, grid_id=grid_id or "", status=status or "", category=category or "",
                      department=department or "", page=page, page_size=page_size, cursor=cursor or "",
                      count=counting) if hot is not None else None
    if answer is None:
        reply = await state.peers.fusion.ListCases(
            fpb.ListCasesRequest(
                scope=caller.scope(), grid_id=grid_id or "", status=status or "", category=category or "",
                department=department or "", page=page, page_size=page_size, cursor=cursor or "", count=counting,
            ),
            timeout=state.settings.rpc_timeout_seconds,
        )
        answer = Answer(items=list(reply.items), next_cursor=reply.next_cursor,
                        total=reply.total if reply.total >= 0 else None, total_exact=reply.total_exact)
    items = await shown_cases(answer.items, state, caller, what=f"cases page {page}", why=purpose)
    return CasePage(items=items, total=answer.total, total_exact=answer.total_exact, page=page, page_size=page_size,
                    next_cursor=answer.next_cursor or None)


async def shown_cases(cases: list[fpb.Case], state: GatewayState, caller: Principal, *, what: str,
                      why: str | None) -> list[Case]:
    """Cases as the caller may see them: masked unless the grid's own staff reads them, whose
    reads of phone and ID numbers are audited (one record per grid)."""
    items, read = [], {}
    for c in cases:
        unmasked = grid_staff(caller, c.grid_id)
        if unmasked and exposed(c):
            read[c.grid_id] = read.get(c.grid_id, 0) + 1
        items.append(Case(**case_json(c, state, masked=not unmasked)))
    for grid, records in read.items():
        await record_read(state, caller, what=f"{what} (phone and ID numbers in their text)", why=why,
                          grid_id=grid, records=records)
    return items


@router.get("/{case_id}", response_model=CaseDetail, responses={200: TO_ACTIONS},
            summary="One case with its events and timeline")
async def get_case(case_id: str, state: State, caller: Caller, purpose: Purpose = None) -> CaseDetail:
    detail = await state.peers.fusion.GetCase(
        fpb.GetCaseRequest(case_id=case_id, scope=caller.scope(), actor=caller.actor()),
        timeout=state.settings.rpc_timeout_seconds,
    )
    unmasked = grid_staff(caller, detail.case.grid_id)
    masked = not unmasked
    timeline = [
        TimelineEntry(
            at=state.iso(t.at), action=t.action, role=t.role,
            actor=t.actor if t.role != "resident" or unmasked else RESIDENT_SHOWN,
            satisfaction=t.satisfaction or None, channel=t.channel or None, from_status=t.from_status or None,
            to_status=t.to_status or None, level=t.level or None, note=shown(t.note, masked) or None,
            event_id=t.event_id or None, from_level=t.from_level or None, department=t.department or None,
            risk_level=t.risk_level or None, rating=t.rating or None, result=shown(t.result, masked) or None,
            other_case_id=t.other_case_id or None, origin_case_id=t.origin_case_id or None,
            event_ids=list(t.event_ids) or None, score=t.score if t.reasons else None,
            reasons=list(t.reasons) or None, routed_to=t.routed_to or None,
        )
        for t in detail.timeline
    ]
    own = caller.department if caller.role == "department" else None
    if unmasked:
        found = exposed(detail.case) + sum(personal_data_in(e.event.summary) for e in detail.events) + sum(
            personal_data_in(t.note) + personal_data_in(t.result) for t in detail.timeline)
        if found:
            await record_read(state, caller, what=f"case {case_id} ({found} phone and ID numbers in its text)",
                              why=purpose, grid_id=detail.case.grid_id, records=1)
    # Photos and documents (附件), and each upload as an `attach` entry of the timeline.
    files = await case_attachments.of_case(state, caller, case_id)
    timeline = case_attachments.with_uploads(timeline, case_attachments.upload_entries(
        files, state, caller, detail.case.grid_id))
    return CaseDetail(**case_json(detail.case, state, masked=masked),
                      attachments=await case_attachments.shown_attachments(
                          files, state, caller, grid_id=detail.case.grid_id, what=f"case {case_id}", why=purpose),
                      events=[event_json(e, state, masked=masked, own_department=own) for e in detail.events],
                      timeline=timeline, allowed_actions=list(detail.allowed_actions),
                      property_route=await property_route(detail, state, caller, purpose))


async def property_route(detail: fpb.CaseDetail, state: GatewayState, caller: Principal,
                         purpose: str | None) -> PropertyRoute | None:
    """The case's route to its compound's property company and owners' committee (红色物业), their
    contacts as ``/v1/co-governance/organisations`` shows them to the caller; the grid's own staff
    read them unmasked, audited."""
    if not detail.HasField("property_route"):
        return None
    route = detail.property_route
    own = [a for a in route.actors if grid_staff(caller, a.grid_id) and (a.contact_phone or a.contact_name)]
    if own:
        await record_read(state, caller, what=f"co-governance contacts of case {detail.case.case_id} (names, phones)",
                          why=purpose, grid_id=detail.case.grid_id, records=len(own))
    return PropertyRoute(compound_id=route.compound_id, compound_name=route.compound_name,
                         actors=[actor_json(a, state, caller) for a in route.actors])


# How long one name of an event in a split may be, and how many a split may name.
EVENT_REF_MAX = 300
SPLIT_MAX = 1000
# A resident's account name on a timeline, for all but the grid's own staff.
RESIDENT_SHOWN = "群众 resident"


class CaseAction(BaseModel):
    """One step of the closed loop (闭合循环) on a case."""

    model_config = ConfigDict(extra="forbid")

    action: Literal[ACTIONS] = Field(description="; ".join(f"{a} ({ACTION_LABELS[a]})" for a in ACTIONS))
    note: str = Field("", max_length=CASE_NOTE_MAX, description="What was done or why; required by resolve_on_site and reopen")
    department: Literal[DEPARTMENTS] | None = Field(None, description="hand_over: the department the case goes to")
    risk_level: Literal[RISK_LEVELS] | None = Field(None, description="assess: the judged risk (风险评估)")
    rating: int | None = Field(None, ge=1, le=5, description="feedback: the resident's rating, 1 to 5")
    result: str | None = Field(None, max_length=CASE_NOTE_MAX, description="report_result: the department's handling result")
    into: str | None = Field(None, min_length=1, max_length=ID_MAX,
                             description="merge: the open case this one is merged into (this one closes as merged)")
    event_ids: list[Annotated[str, StringConstraints(min_length=1, max_length=EVENT_REF_MAX)]] | None = Field(
        None, min_length=1, max_length=SPLIT_MAX,
        description="split: the events that leave for a new case, each `<department>:<event_id>` as in the case's "
                    "`event_ids` or the bare id when one department used it in the case; at least one must stay "
                    "(the events of a case merged into this one, exactly, restore it)")


@router.post(
    "/{case_id}/actions", response_model=Case,
    summary="Move a case round the closed loop, merge it into another or split events off it; 409 when its "
            "state refuses the action, 403 when your role does",
    responses={200: TO_CASE,
               403: {"description": "the caller's role may not take this action now"},
               404: {"description": "no such case in the caller's scope (merge: nor the case `into` names)"},
               409: {"description": "the case's state does not allow this action (merge: nor the other case's)"},
               422: {"description": "a field the action needs is missing or invalid (named in the detail)"}},
)
async def act_on_case(case_id: str, body: CaseAction, state: State, caller: Caller) -> Case:
    if body.action == "close" and state.settings.close_requires_rectification:
        await case_attachments.require_rectification(state, caller, case_id)
    case = await state.peers.fusion.ActOnCase(
        fpb.ActOnCaseRequest(
            case_id=case_id, action=body.action, note=body.note, department=body.department or "",
            risk_level=body.risk_level or "", rating=body.rating or 0, result=body.result or "",
            into=body.into or "", event_ids=body.event_ids or [], actor=caller.actor(),
        ),
        timeout=state.settings.rpc_timeout_seconds,
    )
    hot = getattr(state.feed, "hotlist", None)
    if hot is not None:
        hot.apply(case)  # the caller's next list shows its own step, even before fusion's change arrives
    unmasked = grid_staff(caller, case.grid_id)
    if unmasked and exposed(case):
        await record_read(state, caller, what=f"case {case_id} after {body.action} (phone and ID numbers in its text)",
                          why=None, grid_id=case.grid_id, records=1)
    return Case(**case_json(case, state, masked=not unmasked))
