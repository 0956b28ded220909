"""``GET /v1/audit``: the personal-data audit log (who, what, when, why), for the county."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from gridfusion.community.v1 import community_pb2 as cpb

from ...auth import Principal
from ..deps import (
    CountParam,
    Cursor,
    Moment,
    Page,
    PageSize,
    State,
    count_mode,
    require_roles,
    total_of,
)
from ..models import AuditEntry, AuditPage
from ..problems import SIGNED_IN, answers

router = APIRouter(prefix="/v1/audit", tags=["audit"], responses=answers(*SIGNED_IN, 404))

County = Annotated[Principal, Depends(require_roles("county"))]


@router.get("", response_model=AuditPage, summary="Every read of unmasked personal data, newest first (county only)")
async def list_audit(
    state: State,
    caller: County,
    who: str | None = None,
    grid_id: str | None = None,
    since: Moment = None,
    until: Moment = None,
    page: Page = 1,
    page_size: PageSize = 50,
    cursor: Cursor = None,
    count: CountParam = None,
) -> AuditPage:
    request = cpb.ListAuditRequest(who=who or "", grid_id=grid_id or "", page=page, page_size=page_size,
                                   cursor=cursor or "", count=count_mode(count))
    if since is not None:
        request.from_time.FromDatetime(since if since.tzinfo else since.replace(tzinfo=state.tz))
    if until is not None:
        request.to_time.FromDatetime(until if until.tzinfo else until.replace(tzinfo=state.tz))
    reply = await state.peers.community.ListAudit(request, timeout=state.settings.rpc_timeout_seconds)
    items = [AuditEntry(audit_id=a.audit_id, who=a.who, role=a.role, what=a.what, why=a.why, at=state.iso(a.at),
                        grid_id=a.grid_id or None, records=a.records) for a in reply.items]
    return AuditPage(items=items, total=total_of(reply.total), total_exact=reply.total_exact, page=page,
                     page_size=page_size, next_cursor=reply.next_cursor or None)
