"""The caller's notifications (消息提醒): ``/v1/notifications``.

A case that reaches the caller's level (a grid's staff: opened or reopened on its grid; a
community or street centre: escalated to it, reopened there, or a department's result back at
the street; a department: handed to it) or whose deadline passed there is a notification for
every account responsible for it (:mod:`gateway.notifications.changes`), kept in the gateway's
database and listed unread first. A notification carries no personal data (no summary, no
names), so nothing in it is masked or audited; opening the case is the read that is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from pydantic import BaseModel, Field

from ...auth import STAFF_ROLES, Principal
from ...notifications.changes import KINDS, key_of
from ..deps import GatewayState, State, require_roles
from ..problems import SIGNED_IN, answers

router = APIRouter(
    prefix="/v1/notifications", tags=["notifications"], responses=answers(*SIGNED_IN)
)

Reader = Annotated[Principal, Depends(require_roles(*STAFF_ROLES))]
NotificationId = Annotated[str, Path(min_length=1, max_length=300)]
LIMIT_MAX = 200


class NotificationOut(BaseModel):
    notification_id: str
    kind: str = Field(description="arrived (the case reached you) | overdue (its deadline passed)")
    kind_label: str
    change: str = Field(description="the case change: opened, escalated, handed_over, overdue, …")
    automatic: bool = Field(description="an escalation the deadline made")
    case_id: str
    grid_id: str
    level: str
    status: str
    category: str
    handed_to: str | None = None
    at: str
    read: bool


class NotificationList(BaseModel):
    items: list[NotificationOut]
    unread: int = Field(description="how many of the caller's notifications are unread")


class Marked(BaseModel):
    marked: int


def _key(caller: Principal) -> str:
    key = key_of(caller)
    if not key:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"a {caller.role} account without its place has no notifications",
        )
    return key


def _time(state: GatewayState, moment: datetime) -> str:
    return moment.astimezone(state.tz).isoformat()


def notification_json(
    doc: dict[str, Any], caller: Principal, state: GatewayState
) -> NotificationOut:
    return NotificationOut(
        notification_id=doc["_id"],
        kind=doc["kind"],
        kind_label=KINDS.get(doc["kind"], doc["kind"]),
        change=doc["change"],
        automatic=doc.get("automatic", False),
        case_id=doc["case_id"],
        grid_id=doc["grid_id"],
        level=doc["level"],
        status=doc["status"],
        category=doc["category"],
        handed_to=doc.get("handed_to") or None,
        at=_time(state, doc["at"]),
        read=caller.username in doc.get("read_by", []),
    )


@router.get(
    "",
    response_model=NotificationList,
    summary="The caller's notifications of cases that reached it or became overdue, unread first",
)
async def list_notifications(
    state: State,
    caller: Reader,
    unread_only: Annotated[bool, Query(description="only the unread ones")] = False,
    limit: Annotated[int, Query(ge=1, le=LIMIT_MAX)] = 50,
) -> NotificationList:
    docs, unread = await state.notifications.inbox(
        caller.role, _key(caller), caller.username, unread_only=unread_only, limit=limit
    )
    return NotificationList(
        items=[notification_json(d, caller, state) for d in docs], unread=unread
    )


@router.post(
    "/read-all", response_model=Marked, summary="Mark all of the caller's notifications read"
)
async def mark_all_read(state: State, caller: Reader) -> Marked:
    return Marked(
        marked=await state.notifications.mark_read(caller.role, _key(caller), caller.username, None)
    )


@router.post(
    "/{notification_id}/read",
    response_model=NotificationOut,
    responses=answers(404),
    summary="Mark one of the caller's notifications read",
)
async def mark_read(
    notification_id: NotificationId, state: State, caller: Reader
) -> NotificationOut:
    key = _key(caller)
    await state.notifications.mark_read(caller.role, key, caller.username, notification_id)
    doc = await state.notifications.notification(caller.role, key, notification_id)
    if doc is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"no notification {notification_id!r} of yours"
        )
    return notification_json(doc, caller, state)
