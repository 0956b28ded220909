"""Dependencies typed once: the gateway's state, the caller, and role checks."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import jwt
from fastapi import Depends, HTTPException, Query, Request, status
from fastapi.security import OAuth2PasswordBearer
from google.protobuf.timestamp_pb2 import Timestamp
from gridfusion.fusion.v1 import fusion_pb2
from pydantic import AfterValidator

from ..accounts.demo import seed_demo_accounts
from ..accounts.oidc import SingleSignOn
from ..accounts.service import Accounts
from ..accounts.tokens import read_access
from ..auth import STAFF_ROLES, Principal
from ..clients import Peers
from ..settings import GatewaySettings

oauth2 = OAuth2PasswordBearer(tokenUrl="/v1/auth/token")
GRIDS_MAX_AGE = 60.0



def stamp(moment: datetime | None) -> Timestamp | None:
    """A moment as a protobuf time (None stays None: the field is left unset)."""
    if moment is None:
        return None
    out = Timestamp()
    out.FromDatetime(moment)
    return out

@dataclass
class GatewayState:
    settings: GatewaySettings
    peers: Peers
    jwt_key: str
    accounts: Accounts
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _grids: dict[str, fusion_pb2.Grid] | None = None
    _grids_read: float = 0.0
    reference_version: str = ""
    _demo_ready: bool = False
    # The live feed of case changes (set up in the app's lifespan when NATS is configured).
    feed: Any = None
    # Single sign-on through an OpenID Connect provider; None when not configured.
    sso: SingleSignOn | None = None
    # Webhook subscriptions, deliveries and notifications
    # (gateway.notifications.store.NotificationStore).
    notifications: Any = None

    async def ensure_demo_accounts(self) -> None:
        """Local mode: create the demo accounts from fusion's grids at the first start."""
        if self._demo_ready or not self.settings.local_mode:
            return
        async with self._lock:
            if not self._demo_ready:
                grids = await self.grids()
                await seed_demo_accounts(self.accounts.store, self.accounts.hasher, grids.values(),
                                         self.settings.demo_password)
                self.accounts.audit_written.set()
                self._demo_ready = True

    async def grids(self) -> dict[str, fusion_pb2.Grid]:
        """Every grid of the current reference version: for scope checks and names. Read again
        when a new version is announced (:meth:`forget_grids`), and at least every
        ``GRIDS_MAX_AGE`` seconds in case an announcement was missed."""
        if self._grids is None or time.monotonic() - self._grids_read > GRIDS_MAX_AGE:
            reply = await self.peers.fusion.ListGrids(fusion_pb2.ListGridsRequest(), timeout=self.settings.rpc_timeout_seconds)
            self._grids = {g.grid_id: g for g in reply.grids}
            self._grids_read = time.monotonic()
            self.reference_version = reply.reference_version
        return self._grids

    def forget_grids(self, version: str) -> None:
        """A new reference version was announced: read the grids again at the next need."""
        if version != self.reference_version:
            self._grids = None

    @cached_property
    def tz(self) -> ZoneInfo:
        """The county's time zone (read once: the settings do not change while the gateway runs)."""
        return ZoneInfo(self.settings.timezone)

    def iso(self, ts: Timestamp, *, present: bool = True) -> str | None:
        """A protobuf time as ISO 8601 with the county's offset; None when unset."""
        if not present or (ts.seconds == 0 and ts.nanos == 0):
            return None
        return ts.ToDatetime(tzinfo=self.tz).isoformat()

    def now(self) -> str:
        return datetime.now(self.tz).isoformat()


async def get_state(request: Request) -> GatewayState:
    # async: FastAPI runs a plain function dependency in a worker thread, for every request.
    return request.app.state.gateway


State = Annotated[GatewayState, Depends(get_state)]
# A list's page (from 1) and its size, bounded so a number too large is a 422, never a 500.
PAGE_MAX = 100000
PAGE_SIZE_MAX = 200
Page = Annotated[int, Query(ge=1, le=PAGE_MAX)]
PageSize = Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX)]
# Keyset paging: the next_cursor of the page before (a bad one is a 422 naming `cursor`).
Cursor = Annotated[str | None, Query(max_length=512, description="next_cursor of the page before "
                                                                 "(keyset paging; page is then ignored)")]
# How much a list counts: exactly, not at all, or (by default) up to 10,000 and nothing on a cursor's page.
CountParam = Annotated[bool | None, Query(alias="count", description=(
    "true: the exact total; false: no total. By default a page counts up to 10,000 and a cursor's page "
    "counts nothing"))]


def _within_timestamps(moment: datetime | None) -> datetime | None:
    """A moment a protobuf ``Timestamp`` can carry whatever its offset (or the county's, for one
    without): a day inside 0001-01-01 and 9999-12-31 (offsets are at most a day)."""
    if moment is not None and not datetime.min + timedelta(days=1) <= moment.replace(tzinfo=None) <= datetime.max - timedelta(days=1):
        raise ValueError("must lie between 0001-01-02 and 9999-12-30")
    return moment


# A moment in a query: ISO 8601 with offset, bounded so a year at the calendar's edge is a 422.
Moment = Annotated[datetime | None, AfterValidator(_within_timestamps), Query(description="ISO 8601 with offset")]

def count_mode(count: bool | None) -> int:
    """The ``Count`` of a list request (``gridfusion.fusion.v1.Count``) for the ``count`` parameter."""
    return {True: fusion_pb2.COUNT_EXACT, False: fusion_pb2.COUNT_NONE, None: fusion_pb2.COUNT_CAPPED}[count]


def total_of(total: int) -> int | None:
    """A list's ``total`` as the API shows it: None when it was not counted."""
    return total if total >= 0 else None


# What a caller that must first change its one-time password may still do.
PASSWORD_CHANGE_PATHS = frozenset({"/v1/auth/password", "/v1/auth/me", "/v1/auth/logout"})


async def authenticate(state: GatewayState, token: str, *, path: str = "") -> Principal:
    """The caller of a bearer token: valid signature, audience and expiry, and a session still
    open (ended by sign-out, disabling, a role or scope change, a password reset) — 401 otherwise."""
    try:
        principal = Principal.of(read_access(token, state.jwt_key))
    except jwt.InvalidTokenError as exc:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, f"invalid or expired token: {exc}", headers={"WWW-Authenticate": "Bearer"}
        ) from exc
    ended = await state.accounts.session_ended(principal.session_id)
    if ended:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"this token is no longer valid: {ended}; sign in again",
                            headers={"WWW-Authenticate": "Bearer"})
    if principal.must_change_password and path and path not in PASSWORD_CHANGE_PATHS:
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            "change the one-time password first: POST /v1/auth/password")
    return principal


async def current_principal(request: Request, state: State, token: Annotated[str, Depends(oauth2)]) -> Principal:
    return await authenticate(state, token, path=request.url.path)


Caller = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str):
    async def check(caller: Caller) -> Principal:
        if caller.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"role '{caller.role}' may not do this; allowed: {', '.join(roles)}")
        return caller

    return check


async def staff_only(caller: Caller) -> Principal:
    """The grid's staff and the departments; residents and party members have their own endpoints."""
    if caller.role not in STAFF_ROLES:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"role '{caller.role}' may not do this; allowed: {', '.join(STAFF_ROLES)}")
    return caller


Staff = Annotated[Principal, Depends(staff_only)]
