"""Dependencies typed once: the gateway's state, the caller, and role checks."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from google.protobuf.timestamp_pb2 import Timestamp
from gridfusion.fusion.v1 import fusion_pb2

from ..auth import STAFF_ROLES, AccountBook, Principal, demo_accounts, read_token
from ..clients import Peers
from ..settings import GatewaySettings

oauth2 = OAuth2PasswordBearer(tokenUrl="/v1/auth/token")


@dataclass
class GatewayState:
    settings: GatewaySettings
    peers: Peers
    jwt_key: str
    _accounts: AccountBook | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _grids: dict[str, fusion_pb2.Grid] | None = None
    # The live feed of case changes (set up in the app's lifespan when NATS is configured).
    feed: Any = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    async def accounts(self) -> AccountBook:
        """Accounts; in local mode the demo accounts, built from fusion's grids on first use."""
        if self._accounts is None:
            async with self._lock:
                if self._accounts is None:
                    if not self.settings.local_mode:
                        self._accounts = AccountBook()
                    else:
                        reply = await self.peers.fusion.ListGrids(
                            fusion_pb2.ListGridsRequest(), timeout=self.settings.rpc_timeout_seconds
                        )
                        self._accounts = await asyncio.to_thread(
                            demo_accounts, list(reply.grids), self.settings.demo_password
                        )
        return self._accounts

    async def grids(self) -> dict[str, fusion_pb2.Grid]:
        """Every grid (without polygons' use in mind): for scope checks and names; read once."""
        if self._grids is None:
            reply = await self.peers.fusion.ListGrids(fusion_pb2.ListGridsRequest(), timeout=self.settings.rpc_timeout_seconds)
            self._grids = {g.grid_id: g for g in reply.grids}
        return self._grids

    def iso(self, ts: Timestamp, *, present: bool = True) -> str | None:
        """A protobuf time as ISO 8601 with the county's offset; None when unset."""
        if not present or (ts.seconds == 0 and ts.nanos == 0):
            return None
        return ts.ToDatetime(tzinfo=self.tz).isoformat()

    def now(self) -> str:
        return datetime.now(self.tz).isoformat()


def get_state(request: Request) -> GatewayState:
    return request.app.state.gateway


State = Annotated[GatewayState, Depends(get_state)]


async def current_principal(state: State, token: Annotated[str, Depends(oauth2)]) -> Principal:
    try:
        return read_token(token, state.jwt_key)
    except jwt.InvalidTokenError as exc:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, f"invalid or expired token: {exc}", headers={"WWW-Authenticate": "Bearer"}
        ) from exc


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
