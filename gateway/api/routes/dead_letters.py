"""``/v1/dead-letters``: what fusion could not process, and re-processing it after a fix (county only).

A dead-lettered event is identified by its department and id (ids are unique within a
department only); each item of the list carries both.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from gridfusion.fusion.v1 import fusion_pb2 as fpb

from ...auth import Principal
from ..deps import CountParam, Cursor, Page, PageSize, State, count_mode, require_roles, total_of
from ..models import EventStatus
from ..problems import SIGNED_IN, answers, link, links

router = APIRouter(prefix="/v1/dead-letters", tags=["dead letters"], responses=answers(*SIGNED_IN, 404, 409))

County = Annotated[Principal, Depends(require_roles("county"))]


@router.get("", responses={200: links(FirstEventStatus=link(
                "get_department_event_v1_departments__department__events__event_id__get",
                "The status of the page's first dead-lettered event", department="$response.body#/items/0/department",
                event_id="$response.body#/items/0/event_id"))},
            summary="Dead-lettered events and results with the reason, newest first; page by cursor "
                        "(next_cursor) or by page")
async def list_dead_letters(
    state: State,
    caller: County,
    pending_only: bool = False,
    page: Page = 1,
    page_size: PageSize = 50,
    cursor: Cursor = None,
    count: CountParam = None,
) -> dict[str, Any]:
    reply = await state.peers.fusion.ListDeadLetters(
        fpb.ListDeadLettersRequest(page=page, page_size=page_size, pending_only=pending_only, cursor=cursor or "",
                                   count=count_mode(count)),
        timeout=state.settings.rpc_timeout_seconds,
    )
    items = [
        {
            "event_id": d.event_id,
            "department": d.department or None,
            "stage": d.stage,
            "reason": d.reason,
            "origin_subject": d.origin_subject,
            "dead_lettered_at": state.iso(d.dead_lettered_at),
            "reprocessable": d.reprocessable,
            "reprocessed": d.reprocessed,
            "reprocessed_at": state.iso(d.reprocessed_at),
            "case_id": d.case_id or None,
        }
        for d in reply.items
    ]
    return {"items": items, "total": total_of(reply.total), "total_exact": reply.total_exact, "page": page,
            "page_size": page_size, "next_cursor": reply.next_cursor or None}


@router.post("/{department}/{event_id}:reprocess", response_model=EventStatus,
             summary="Fuse a department's dead-lettered event again with the grid data as it is now; "
                     "409 with the reason if it still cannot be")
async def reprocess_department_event(department: str, event_id: str, state: State, caller: County) -> EventStatus:
    return await _reprocess(department, event_id, state, caller)


@router.post("/{event_id}:reprocess", response_model=EventStatus,
             summary="Re-process the one department's dead-lettered event of this id; 409 when several departments "
                     "have one (name it: /v1/dead-letters/{department}/{event_id}:reprocess)")
async def reprocess(event_id: str, state: State, caller: County) -> EventStatus:
    return await _reprocess("", event_id, state, caller)


async def _reprocess(department: str, event_id: str, state: State, caller: Principal) -> EventStatus:
    fused = await state.peers.fusion.ReprocessDeadLetter(
        fpb.ReprocessDeadLetterRequest(event_id=event_id, department=department, actor=caller.username),
        timeout=max(state.settings.rpc_timeout_seconds, 30.0),
    )
    return EventStatus.of_fused(fused, state.iso)
