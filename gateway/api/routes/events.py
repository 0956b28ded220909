"""What became of an event.

An event id is unique within its department only (DESIGN "Event identity"), so the canonical
status URL names both: ``GET /v1/departments/{department}/events/{event_id}``.
``GET /v1/events/{event_id}`` answers for a department account's own id, and for any other
caller when exactly one department's event of that id is in the caller's view; when several
are, it is 409 with ``departments`` listing them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import grpc
from fastapi import APIRouter, HTTPException, Path, status
from fastapi.responses import JSONResponse
from gridfusion.departments.v1 import departments_pb2 as dpb
from gridfusion.fusion.v1 import fusion_pb2 as fpb

from services.platform.bus import event_key
from services.platform.telemetry import trace_id_of
from services.platform.vocabulary import DEPARTMENTS

from ...auth import Principal
from ..deps import Caller, GatewayState, State
from ..models import EventStatus
from ..problems import SIGNED_IN, answers, link, links

log = logging.getLogger(__name__)

router = APIRouter(tags=["events"], responses=answers(*SIGNED_IN, 404, 409))

Department = Annotated[str, Path(description="One of: " + ", ".join(DEPARTMENTS))]
# A fused event's case (no case while pending or dead-lettered).
TO_CASE = {200: links(Case=link("get_case_v1_cases__case_id__get", "The case the event was fused into",
                                case_id="$response.body#/case_id"))}
AMBIGUOUS = {**TO_CASE, 409: {"description": "several departments used this id: `departments` lists them; ask "
                                  "/v1/departments/{department}/events/{event_id}"}}


@router.get("/v1/departments/{department}/events/{event_id}", response_model=EventStatus,
            response_model_exclude_none=False, responses=TO_CASE,
            summary="A department's event: pending until fused, then fused with its case, or dead_lettered with a reason")
async def get_department_event(department: Department, event_id: str, state: State, caller: Caller) -> EventStatus:
    if department not in DEPARTMENTS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no department '{department}'; departments are {', '.join(DEPARTMENTS)}")
    return await _one(department, event_id, state, caller)


@router.get("/v1/events/{event_id}", response_model=EventStatus, response_model_exclude_none=False, responses=AMBIGUOUS,
            summary="An event's status by its id alone: a department's own, or the one department that used the id")
async def get_event(event_id: str, state: State, caller: Caller):
    if caller.role == "department":
        return await _one(caller.department, event_id, state, caller)
    timeout = state.settings.rpc_timeout_seconds
    found = await state.peers.fusion.FindEvents(fpb.FindEventsRequest(event_id=event_id), timeout=timeout)
    visible = [e for e in found.events if await _visible(e, state, caller)]
    answers: dict[str, EventStatus] = {e.department: EventStatus.of_fused(e, state.iso) for e in visible}
    if caller.role == "county":
        others = [d for d in state.peers.departments if d not in answers]
        for department, pending in zip(others, await asyncio.gather(
                *(_pending_record(d, event_id, state, tolerant=bool(answers)) for d in others))):
            if pending is not None:
                answers[department] = pending
    if not answers:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no event {event_id!r} in your scope")
    if len(answers) > 1:
        departments = sorted(answers)
        return JSONResponse(status_code=status.HTTP_409_CONFLICT, content={
            "detail": f"event id {event_id!r} was used by {len(departments)} departments: {', '.join(departments)}; "
                      f"ask /v1/departments/{{department}}/events/{event_id}",
            "departments": departments,
        })
    return next(iter(answers.values()))


async def _one(department: str, event_id: str, state: GatewayState, caller: Principal) -> EventStatus:
    """The status of (department, event_id) as the caller may see it."""
    try:
        fused = await state.peers.fusion.GetEvent(fpb.GetEventRequest(event_id=event_id, department=department),
                                                  timeout=state.settings.rpc_timeout_seconds)
    except grpc.aio.AioRpcError as exc:
        if exc.code() != grpc.StatusCode.NOT_FOUND:
            raise
        fused = None
    if fused is not None:
        if not await _visible(fused, state, caller):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no event {event_id!r} of {department} in your scope")
        hot = getattr(state.feed, "hotlist", None)
        if hot is not None and fused.status == "fused" and fused.case_id:
            await hot.catch_up(state.peers.fusion, fused.case_id, event_key(fused.department, fused.event_id),
                               timeout=state.settings.rpc_timeout_seconds)
        return EventStatus.of_fused(fused, state.iso)
    # Accepted by the department but not fused yet: the county and the department itself may ask it.
    if caller.role == "county" or (caller.role == "department" and caller.department == department):
        pending = await _pending_record(department, event_id, state)
        if pending is not None:
            return pending
    raise HTTPException(status.HTTP_404_NOT_FOUND, f"no event {event_id!r} of {department} in your scope")


async def _visible(fused: fpb.FusedEvent, state: GatewayState, caller: Principal) -> bool:
    """The county sees every event, a department its own, grid staff those of cases in their scope."""
    if caller.role == "county":
        return True
    if caller.role == "department":
        return fused.department == caller.department
    if not fused.case_id:
        return False
    try:
        await state.peers.fusion.GetCase(fpb.GetCaseRequest(case_id=fused.case_id, scope=caller.scope()),
                                         timeout=state.settings.rpc_timeout_seconds)
    except grpc.aio.AioRpcError as exc:
        if exc.code() != grpc.StatusCode.NOT_FOUND:
            raise
        return False
    return True


async def _pending_record(department: str, event_id: str, state: GatewayState, *, tolerant: bool = False) -> EventStatus | None:
    """The department's own record of an event fusion has not seen, as ``pending``.

    ``tolerant``: a department that does not answer counts as not having it (used when fusion
    already knows the id from another department, so one unavailable service does not hide it).
    """
    try:
        record = await state.peers.departments[department].GetEvent(
            dpb.GetEventRequest(event_id=event_id), timeout=state.settings.rpc_timeout_seconds
        )
    except grpc.aio.AioRpcError as exc:
        if exc.code() == grpc.StatusCode.NOT_FOUND:
            return None
        if tolerant:
            log.warning("department not asked about a pending event", extra={"department": department, "error": exc.code().name})
            return None
        raise
    return EventStatus(event_id=event_id, status="pending", department=department, category=record.event.category,
                       trace_id=trace_id_of(record.event.traceparent) or None)
