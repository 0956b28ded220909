"""``GET /v1/events/{event_id}``: what became of an event."""

from __future__ import annotations

import asyncio

import grpc
from fastapi import APIRouter, HTTPException, status
from gridfusion.departments.v1 import departments_pb2 as dpb
from gridfusion.fusion.v1 import fusion_pb2 as fpb

from ..deps import Caller, State
from ..models import EventStatus

router = APIRouter(prefix="/v1/events", tags=["events"])


@router.get("/{event_id}", response_model=EventStatus, response_model_exclude_none=False,
            summary="An event's status: pending until fused, then fused with its case, or dead_lettered with a reason")
async def get_event(event_id: str, state: State, caller: Caller) -> EventStatus:
    timeout = state.settings.rpc_timeout_seconds
    try:
        fused = await state.peers.fusion.GetEvent(fpb.GetEventRequest(event_id=event_id), timeout=timeout)
    except grpc.aio.AioRpcError as exc:
        if exc.code() != grpc.StatusCode.NOT_FOUND:
            raise
        return await _pending(event_id, state, caller)
    if caller.role != "county":
        if caller.role == "department":
            visible = fused.department == caller.department
        elif fused.case_id:
            try:
                await state.peers.fusion.GetCase(fpb.GetCaseRequest(case_id=fused.case_id, scope=caller.scope()), timeout=timeout)
                visible = True
            except grpc.aio.AioRpcError as exc:
                if exc.code() != grpc.StatusCode.NOT_FOUND:
                    raise
                visible = False
        else:
            visible = False
        if not visible:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no event {event_id!r} in your scope")
    return EventStatus(
        event_id=fused.event_id,
        status=fused.status,
        case_id=fused.case_id or None,
        grid_id=fused.grid_id or None,
        reason=fused.reason or None,
        department=fused.department or None,
        category=fused.category or None,
        fused_at=state.iso(fused.fused_at),
    )


async def _pending(event_id: str, state: State, caller: Caller) -> EventStatus:
    """Accepted by a department but not fused yet: ask the departments the caller may see."""
    if caller.role not in ("county", "department"):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no event {event_id!r} in your scope")
    departments = [caller.department] if caller.role == "department" else list(state.peers.departments)

    async def ask(department: str):
        try:
            return await state.peers.departments[department].GetEvent(
                dpb.GetEventRequest(event_id=event_id), timeout=state.settings.rpc_timeout_seconds
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise

    for record in await asyncio.gather(*(ask(d) for d in departments)):
        if record is not None:
            return EventStatus(event_id=event_id, status="pending", department=record.event.department,
                               category=record.event.category)
    raise HTTPException(status.HTTP_404_NOT_FOUND, f"no event {event_id!r}")
