"""Outbound webhooks: ``/v1/webhooks``.

A department system or another client subscribes a URL to case events (``case.changed``,
``case.opened``, ``case.escalated``, ``case.handed_over``, ``case.overdue``, ``case.closed``:
:data:`gateway.notifications.changes.EVENTS`) with a secret; each event is posted to it signed
(``X-Gridfusion-Signature``: :mod:`gateway.notifications.signing`), retried with backoff, and
logged (``GET /v1/webhooks/{webhook_id}/deliveries``).

Who: the county, a street or community centre, or a department account. A subscription sees the
cases as the account that made it does (:mod:`services.platform.scope`): the county every case, a
street or community its subtree's, a department the cases handed to it while they are there.
An account lists and deletes the subscriptions of its scope: the county all, a street or
community those made inside its subtree, a department its own department's.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ...auth import Principal
from ...notifications import signing
from ...notifications.changes import EVENTS
from ...notifications.sender import allows_private
from ..deps import GatewayState, Page, PageSize, State, require_roles
from ..problems import SIGNED_IN, answers

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], responses=answers(*SIGNED_IN, 404))

MANAGERS = ("county", "street", "community", "department")
Manager = Annotated[Principal, Depends(require_roles(*MANAGERS))]
WebhookId = Annotated[str, Path(min_length=1, max_length=64)]
STATUSES = ("pending", "delivered", "failed", "cancelled")


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(
        max_length=signing.URL_MAX, description="http:// or https:// URL the events are posted to"
    )
    events: list[str] = Field(
        min_length=1, max_length=len(EVENTS), description=f"any of {', '.join(EVENTS)}"
    )
    secret: str = Field(
        min_length=signing.SECRET_MIN,
        max_length=signing.SECRET_MAX,
        description="the key of the HMAC-SHA256 signature; never shown again",
    )
    description: str = Field(
        "", max_length=200, description="whose system this is, e.g. 县综治中心平台"
    )

    @field_validator("url")
    @classmethod
    def http_url(cls, url: str) -> str:
        return signing.check_url(url.strip())

    @field_validator("events")
    @classmethod
    def known_events(cls, events: list[str]) -> list[str]:
        unknown = [e for e in events if e not in EVENTS]
        if unknown:
            raise ValueError(f"unknown event(s) {', '.join(unknown)}; known: {', '.join(EVENTS)}")
        return list(dict.fromkeys(events))


class WebhookScope(BaseModel):
    role: str
    street_id: str | None = None
    community_id: str | None = None
    grid_id: str | None = None
    department: str | None = None


class WebhookOut(BaseModel):
    webhook_id: str
    url: str
    events: list[str]
    description: str
    scope: WebhookScope = Field(description="the cases it is told of: those this scope sees")
    created_by: str
    created_at: str


class WebhookPage(BaseModel):
    items: list[WebhookOut]
    total: int


class Attempt(BaseModel):
    at: str
    status_code: int | None = Field(
        None, description="the receiver's answer; none when it gave none"
    )
    error: str | None = Field(
        None, description="why there was no answer (time-out, refused connection, …)"
    )
    ms: int


class DeliveryOut(BaseModel):
    delivery_id: str
    event: str
    case_id: str
    grid_id: str
    status: str = Field(description="pending | delivered | failed | cancelled")
    attempts: list[Attempt]
    next_attempt_at: str | None
    created_at: str
    finished_at: str | None = None
    payload: dict[str, Any] = Field(description="the JSON body posted (and signed)")


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    total: int


def _time(state: GatewayState, moment: datetime | None) -> str | None:
    return moment.astimezone(state.tz).isoformat() if moment is not None else None


def webhook_json(doc: dict[str, Any], state: GatewayState) -> WebhookOut:
    scope = {k: v for k, v in doc["scope"].items() if v and k != "username"}
    return WebhookOut(
        webhook_id=doc["_id"],
        url=doc["url"],
        events=doc["events"],
        description=doc.get("description", ""),
        scope=WebhookScope(**scope),
        created_by=doc["created_by"],
        created_at=_time(state, doc["created_at"]),
    )


def delivery_json(doc: dict[str, Any], state: GatewayState) -> DeliveryOut:
    return DeliveryOut(
        delivery_id=doc["_id"],
        event=doc["event"],
        case_id=doc["case_id"],
        grid_id=doc["grid_id"],
        status=doc["status"],
        attempts=[
            Attempt(
                at=_time(state, a["at"]),
                status_code=a.get("status_code"),
                error=a.get("error"),
                ms=a.get("ms", 0),
            )
            for a in doc.get("attempts", [])
        ],
        next_attempt_at=_time(state, doc.get("next_at")) if doc["status"] == "pending" else None,
        created_at=_time(state, doc["created_at"]),
        finished_at=_time(state, doc.get("finished_at")),
        payload=doc["payload"],
    )


def scope_query(caller: Principal) -> dict[str, Any]:
    """The subscriptions an account manages: the county all; a department its department's; a street
    or community those made inside its subtree."""
    if caller.role == "county":
        return {}
    if caller.role == "department":
        return {"scope.department": caller.department or "\0"}
    places = caller.places()
    if not places:
        return {"_id": {"$exists": False}}
    return {f"scope.{k}": v for k, v in places.items()}


async def _visible(state: GatewayState, caller: Principal, webhook_id: str) -> dict[str, Any]:
    doc = await state.notifications.webhooks.find_one({"_id": webhook_id, **scope_query(caller)})
    if doc is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no webhook {webhook_id!r} in your scope")
    return doc


@router.post(
    "",
    response_model=WebhookOut,
    status_code=status.HTTP_201_CREATED,
    summary="Subscribe a URL to case events in the caller's scope (signed, retried)",
)
async def create_webhook(body: WebhookIn, state: State, caller: Manager) -> WebhookOut:
    if not allows_private(state.settings):
        try:
            await signing.check_public(body.url)
        except signing.BadTarget as exc:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_ENTITY,
                [{"loc": ["body", "url"], "type": "value_error", "msg": str(exc)}],
            ) from exc
    doc = {
        "_id": f"wh_{secrets.token_hex(8)}",
        "url": body.url,
        "events": body.events,
        "secret": body.secret,
        "description": body.description,
        "scope": {
            "username": caller.username,
            "role": caller.role,
            "street_id": caller.street_id,
            "community_id": caller.community_id,
            "grid_id": caller.grid_id,
            "department": caller.department,
        },
        "created_by": caller.username,
        "created_at": datetime.now(UTC),
    }
    await state.notifications.add_webhook(doc)
    return webhook_json(doc, state)


@router.get(
    "", response_model=WebhookPage, summary="The webhook subscriptions of the caller's scope"
)
async def list_webhooks(
    state: State, caller: Manager, page: Page = 1, page_size: PageSize = 50
) -> WebhookPage:
    docs, total = await state.notifications.list_webhooks(
        scope_query(caller), (page - 1) * page_size, page_size
    )
    return WebhookPage(items=[webhook_json(d, state) for d in docs], total=total)


@router.get(
    "/{webhook_id}",
    response_model=WebhookOut,
    summary="One webhook subscription (never its secret)",
)
async def get_webhook(webhook_id: WebhookId, state: State, caller: Manager) -> WebhookOut:
    return webhook_json(await _visible(state, caller, webhook_id), state)


@router.delete(
    "/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a subscription; its deliveries not yet made are cancelled, its log kept",
)
async def delete_webhook(webhook_id: WebhookId, state: State, caller: Manager) -> Response:
    await _visible(state, caller, webhook_id)
    await state.notifications.delete_webhook(webhook_id, datetime.now(UTC))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{webhook_id}/deliveries",
    response_model=DeliveryPage,
    summary="The delivery log of a subscription, newest first: attempts, status codes, next try",
)
async def list_deliveries(
    webhook_id: WebhookId,
    state: State,
    caller: Manager,
    page: Page = 1,
    page_size: PageSize = 50,
    status_: Annotated[
        str | None, Query(alias="status", pattern=f"^({'|'.join(STATUSES)})$")
    ] = None,
) -> DeliveryPage:
    await _visible(state, caller, webhook_id)
    docs, total = await state.notifications.delivery_log(
        webhook_id, status_, (page - 1) * page_size, page_size
    )
    return DeliveryPage(items=[delivery_json(d, state) for d in docs], total=total)
