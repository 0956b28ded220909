"""Joint meetings (联席会议): ``/v1/meetings``.

A grid's staff, its community, its street or the county plan a meeting of the grid's party
branch with the street, the community and the grid's co-governance actors (业委会, 物业, 驻地单位,
社会组织, invited by themselves). The agenda takes open cases of the grid and residents' service
orders (居民点单 topics become co-governance items: ``/v1/meetings/agenda-suggestions`` lists
them) and, by itself, every open decision of the grid's earlier meetings, to be followed up.

Recording the minutes holds the meeting. Each decision has an owner and a due date; one about a
case may carry a step of the closed loop (accept, resolve on site, escalate, hand over), which is
taken on the case then and there, with the caller's rights, and whose outcome — applied, or the
loop's refusal — is kept with the decision. ``/v1/meetings/decisions`` lists the open (or
overdue) ones of an area; a decision is closed at the next meeting (a follow-up) or between
meetings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import grpc
from fastapi import APIRouter, Depends, HTTPException, Query, status
from gridfusion.community.v1 import community_pb2 as cpb
from gridfusion.fusion.v1 import fusion_pb2 as fpb
from gridfusion.party.v1 import party_pb2 as ppb

from services.platform.scope import sees_place

from ...auth import Principal
from ...privacy import mask_text
from ...scoping import AREA_ROLES
from ..deps import GatewayState, Page, State, require_roles, stamp
from ..models import (
    AgendaSuggestion,
    AgendaSuggestions,
    DecisionClose,
    JointMeeting,
    JointMeetingPage,
    MeetingAgendaItem,
    MeetingDecision,
    MeetingDecisions,
    MeetingIn,
    MeetingInvitee,
    MinutesIn,
)
from ..problems import SIGNED_IN, answers
from .community import area_of, visible_order

router = APIRouter(prefix="/v1/meetings", tags=["joint meetings"], responses=answers(*SIGNED_IN, 404, 409))

Organiser = Annotated[Principal, Depends(require_roles(*AREA_ROLES))]
SUGGESTIONS_MAX = 100



def _unprocessable(loc: list, msg: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, [{"loc": loc, "type": "value_error", "msg": msg}])


def decision_json(d: ppb.Decision, state: GatewayState) -> MeetingDecision:
    due = d.due_at.ToDatetime(tzinfo=state.tz) if d.HasField("due_at") else None
    return MeetingDecision(
        ref=f"{d.meeting_id}/{d.decision_id}", decision_id=d.decision_id, meeting_id=d.meeting_id, grid_id=d.grid_id,
        community_id=d.community_id, street_id=d.street_id, text=d.text, owner=d.owner, due_at=state.iso(d.due_at),
        overdue=d.status == "open" and due is not None and due < datetime.now(state.tz), case_id=d.case_id or None,
        action=d.action or None, department=d.department or None, status=d.status, outcome=d.outcome or None,
        closed_by=d.closed_by or None, closed_at=state.iso(d.closed_at), closing_note=d.closing_note or None,
        followed_up_in=list(d.followed_up_in))


def meeting_json(m: ppb.Meeting, state: GatewayState) -> JointMeeting:
    return JointMeeting(
        meeting_id=m.meeting_id, grid_id=m.grid_id, community_id=m.community_id, street_id=m.street_id, title=m.title,
        place=m.place, starts_at=state.iso(m.starts_at), status=m.status, convened_by=m.convened_by,
        invitees=[MeetingInvitee(party=i.party, name=i.name, org_id=i.org_id or None) for i in m.invitees],
        agenda=[MeetingAgendaItem(item_id=a.item_id, kind=a.kind, ref=a.ref or None, title=a.title) for a in m.agenda],
        minutes=m.minutes, attendees=list(m.attendees), decisions=[decision_json(d, state) for d in m.decisions],
        held_at=state.iso(m.held_at), recorded_by=m.recorded_by or None)


def _area(area: cpb.Area) -> ppb.Area:
    return ppb.Area(street_id=area.street_id, community_id=area.community_id, grid_id=area.grid_id)


async def _meeting_in_scope(state: GatewayState, caller: Principal, meeting_id: str) -> ppb.Meeting:
    """The meeting, if it lies in the caller's area; 404 otherwise (whether or not it exists)."""
    try:
        found = await state.peers.party.GetMeeting(ppb.GetMeetingRequest(meeting_id=meeting_id),
                                                   timeout=state.settings.rpc_timeout_seconds)
    except grpc.aio.AioRpcError as exc:
        if exc.code() != grpc.StatusCode.NOT_FOUND:
            raise
        found = None
    if found is None or not sees_place(caller, found):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no meeting {meeting_id!r} in your area")
    return found


async def _case_of_grid(state: GatewayState, caller: Principal, case_id: str, grid_id: str,
                        loc: list) -> fpb.Case:
    """The case, if the caller sees it and it is the meeting grid's; a 422 at ``loc`` otherwise."""
    try:
        detail = await state.peers.fusion.GetCase(
            fpb.GetCaseRequest(case_id=case_id, scope=caller.scope(), actor=caller.actor()),
            timeout=state.settings.rpc_timeout_seconds)
    except grpc.aio.AioRpcError as exc:
        if exc.code() not in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED):
            raise
        raise _unprocessable(loc, f"no case {case_id!r} in your scope") from exc
    if detail.case.grid_id != grid_id:
        raise _unprocessable(loc, f"case {case_id} is grid {detail.case.grid_id}'s, not {grid_id}'s")
    return detail.case


async def _order_of_grid(state: GatewayState, caller: Principal, order_id: str, grid_id: str,
                         loc: list) -> cpb.ServiceOrder:
    """The service order, if the caller sees it and it is the meeting grid's; a 422 at ``loc`` otherwise."""
    try:
        order = await visible_order(state, caller, order_id)
    except HTTPException as exc:
        raise _unprocessable(loc, exc.detail) from exc
    if order.grid_id != grid_id:
        raise _unprocessable(loc, f"order {order_id} is grid {order.grid_id}'s, not {grid_id}'s")
    return order


@router.get("/agenda-suggestions", response_model=AgendaSuggestions,
            summary="What a grid's next joint meeting could take up: its open cases and the service orders residents "
                    "placed that no one has taken yet (居民点单), newest first")
async def agenda_suggestions(state: State, caller: Organiser, grid_id: Annotated[str, Query(max_length=64)]
                             ) -> AgendaSuggestions:
    await area_of(state, caller, grid_id, None, None)
    cases = await state.peers.fusion.ListCases(
        fpb.ListCasesRequest(scope=caller.scope(), grid_id=grid_id, status="open", page=1, page_size=SUGGESTIONS_MAX,
                             count=fpb.COUNT_NONE),
        timeout=state.settings.rpc_timeout_seconds)
    orders = await state.peers.community.ListOrders(
        cpb.ListOrdersRequest(area=cpb.Area(grid_id=grid_id), status="placed", page=1, page_size=SUGGESTIONS_MAX,
                              count=fpb.COUNT_NONE),
        timeout=state.settings.rpc_timeout_seconds)
    items = [AgendaSuggestion(kind="case", ref=c.case_id, title=mask_text(c.summary)[0][:200], status=c.status)
             for c in cases.items]
    items += [AgendaSuggestion(kind="order", ref=o.order_id, title=mask_text(o.title)[0][:200], status=o.status)
              for o in orders.items]
    return AgendaSuggestions(grid_id=grid_id, items=items)


@router.get("/decisions", response_model=MeetingDecisions,
            summary="The decisions of the joint meetings of the caller's area, by due date: open ones unless status "
                    "says otherwise; overdue=true keeps those past due")
async def list_decisions(
    state: State, caller: Organiser, grid_id: str | None = None, community_id: str | None = None,
    street_id: str | None = None, status_: Annotated[str, Query(alias="status", pattern="^(open|done|dropped)$")] = "open",
    overdue: bool = False,
) -> MeetingDecisions:
    area = await area_of(state, caller, grid_id, community_id, street_id)
    reply = await state.peers.party.ListDecisions(
        ppb.ListDecisionsRequest(area=_area(area), status=status_,
                                 due_before=stamp(datetime.now(state.tz)) if overdue else None),
        timeout=state.settings.rpc_timeout_seconds)
    items = [decision_json(d, state) for d in reply.items]
    return MeetingDecisions(items=items, total=len(items))


@router.post("", response_model=JointMeeting, status_code=status.HTTP_201_CREATED,
             summary="Plan a grid's joint meeting (联席会议): the grid's co-governance actors are invited and the open "
                     "decisions of its earlier meetings put on the agenda to be followed up")
async def plan_meeting(body: MeetingIn, state: State, caller: Organiser) -> JointMeeting:
    await area_of(state, caller, body.grid_id, None, None)
    agenda = []
    for n, item in enumerate(body.agenda):
        loc, title = ["body", "agenda", n, "ref"], item.title.strip()
        if item.kind == "topic":
            if not title:
                raise _unprocessable(["body", "agenda", n, "title"], "a topic needs a title")
        elif not item.ref:
            raise _unprocessable(loc, f"a {item.kind} item names its {item.kind} id")
        elif item.kind == "case":
            title = title or mask_text((await _case_of_grid(state, caller, item.ref, body.grid_id, loc)).summary)[0]
        else:
            title = title or mask_text((await _order_of_grid(state, caller, item.ref, body.grid_id, loc)).title)[0]
        agenda.append(ppb.AgendaItem(kind=item.kind, ref=item.ref, title=title[:200]))
    reply = await state.peers.party.PlanMeeting(ppb.PlanMeetingRequest(actor=caller.username, meeting=ppb.Meeting(
        grid_id=body.grid_id, title=body.title, place=body.place, starts_at=stamp(body.starts_at), agenda=agenda)),
        timeout=state.settings.rpc_timeout_seconds)
    return meeting_json(reply, state)


@router.get("", response_model=JointMeetingPage, summary="The joint meetings of the caller's area, latest first")
async def list_meetings(
    state: State, caller: Organiser, grid_id: str | None = None, community_id: str | None = None,
    street_id: str | None = None, status_: Annotated[str | None, Query(alias="status", pattern="^(planned|held)$")] = None,
    page: Page = 1, page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> JointMeetingPage:
    area = await area_of(state, caller, grid_id, community_id, street_id)
    reply = await state.peers.party.ListMeetings(
        ppb.ListMeetingsRequest(area=_area(area), status=status_ or "", page=page, page_size=page_size),
        timeout=state.settings.rpc_timeout_seconds)
    return JointMeetingPage(items=[meeting_json(m, state) for m in reply.items], total=reply.total, page=page,
                            page_size=page_size)


@router.get("/{meeting_id}", response_model=JointMeeting, summary="One joint meeting with its agenda and decisions")
async def get_meeting(meeting_id: str, state: State, caller: Organiser) -> JointMeeting:
    return meeting_json(await _meeting_in_scope(state, caller, meeting_id), state)


@router.post("/{meeting_id}/minutes", response_model=JointMeeting,
             summary="Record the minutes, who came, the decisions and what became of earlier ones: the meeting is "
                     "held. A decision's case action is taken on the case now; its outcome is kept with it")
async def record_minutes(meeting_id: str, body: MinutesIn, state: State, caller: Organiser) -> JointMeeting:
    meeting = await _meeting_in_scope(state, caller, meeting_id)
    decisions = []
    for n, d in enumerate(body.decisions):
        if d.action and not d.case_id:
            raise _unprocessable(["body", "decisions", n, "case_id"], "a step of the closed loop needs the case")
        if d.action == "hand_over" and not d.department:
            raise _unprocessable(["body", "decisions", n, "department"], "hand_over: the department the case goes to")
        if d.case_id:
            await _case_of_grid(state, caller, d.case_id, meeting.grid_id, ["body", "decisions", n, "case_id"])
        decisions.append(ppb.Decision(text=d.text, owner=d.owner, due_at=stamp(d.due_at), case_id=d.case_id or "",
                                      action=d.action or "", department=d.department or ""))
    reply = await state.peers.party.RecordMinutes(ppb.RecordMinutesRequest(
        meeting_id=meeting_id, minutes=body.minutes, attendees=body.attendees, decisions=decisions, actor=caller.username,
        follow_ups=[ppb.FollowUp(ref=f.ref, status=f.status, note=f.note) for f in body.follow_ups]),
        timeout=state.settings.rpc_timeout_seconds)
    for d in reply.decisions:
        if d.action:
            reply = await _take_step(state, caller, d)
    return meeting_json(reply, state)


async def _take_step(state: GatewayState, caller: Principal, d: ppb.Decision) -> ppb.Meeting:
    """The decision's step of the closed loop on its case, and its outcome kept with it."""
    try:
        case = await state.peers.fusion.ActOnCase(
            fpb.ActOnCaseRequest(case_id=d.case_id, action=d.action, department=d.department, actor=caller.actor(),
                                 note=f"联席会议 {d.meeting_id}/{d.decision_id}: {d.text}"[:4000]),
            timeout=state.settings.rpc_timeout_seconds)
        outcome = "applied"
        hot = getattr(state.feed, "hotlist", None)
        if hot is not None:
            hot.apply(case)
    except grpc.aio.AioRpcError as exc:
        if exc.code() not in (grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.PERMISSION_DENIED,
                              grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND):
            raise
        outcome = f"refused: {exc.details()}"
    return await state.peers.party.SetDecisionOutcome(
        ppb.SetDecisionOutcomeRequest(meeting_id=d.meeting_id, decision_id=d.decision_id, outcome=outcome),
        timeout=state.settings.rpc_timeout_seconds)


@router.post("/{meeting_id}/decisions/{decision_id}/close", response_model=MeetingDecision,
             summary="A decision done or dropped between meetings; 409 when it is not open")
async def close_decision(meeting_id: str, decision_id: str, body: DecisionClose, state: State,
                         caller: Organiser) -> MeetingDecision:
    await _meeting_in_scope(state, caller, meeting_id)
    reply = await state.peers.party.CloseDecision(
        ppb.CloseDecisionRequest(meeting_id=meeting_id, decision_id=decision_id, status=body.status, note=body.note,
                                 actor=caller.username),
        timeout=state.settings.rpc_timeout_seconds)
    return decision_json(reply, state)
