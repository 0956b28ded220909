"""``GET /v1/feed/cases``: server-sent events of case changes in the caller's scope."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from sse_starlette import EventSourceResponse, ServerSentEvent

from ...auth import STAFF_ROLES, Principal
from ..deps import State, require_roles
from ..problems import SIGNED_IN, answers, json_answers
from .cases import case_json

router = APIRouter(prefix="/v1/feed", tags=["live feed"], responses=answers(*SIGNED_IN))

Watcher = Annotated[Principal, Depends(require_roles(*STAFF_ROLES))]


@router.get(
    "/cases",
    summary="Live case changes in the caller's scope (text/event-stream; event name = the change)",
    response_class=EventSourceResponse,
    responses={**json_answers(*SIGNED_IN), 200: {"content": {"text/event-stream": {}},
                     "description": "`event: opened|updated|…`, `id: <case_id>.v<version>`, `data:` the case as in "
                                    "GET /v1/cases; `event: session_ended` and the end of the stream when the "
                                    "account's session ends (disabled, role or scope changed, signed out)"}},
)
async def case_feed(request: Request, state: State, caller: Watcher) -> EventSourceResponse:
    hub = state.feed
    if hub is None or not hub.connected:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the live feed is not connected to NATS yet")
    listener = hub.listen(caller)

    async def events():
        try:
            yield ServerSentEvent(event="ready", data=json.dumps({"scope": caller.role, "user": caller.username}))
            while True:
                change = await listener.next(state.settings.feed_session_check_seconds)
                if await request.is_disconnected():
                    break
                if change is None:
                    ended = await state.accounts.session_ended(caller.session_id)
                    if ended:
                        yield ServerSentEvent(event="session_ended", data=json.dumps({"reason": ended}))
                        break
                    continue
                # Always masked: a feed is an overview; reading the case itself is the audited read.
                yield ServerSentEvent(event=change.change, id=change.msg_id or None,
                                      data=json.dumps(case_json(change.case, state, masked=True), ensure_ascii=False))
        finally:
            hub.forget(listener)

    return EventSourceResponse(events(), ping=15, headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
