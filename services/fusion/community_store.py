"""The community side of the grid, kept by fusion beside its cases, each part in its own module:

- :mod:`~services.fusion.members` — party members in work register to the grid where they live
  (在职党员到网格报到);
- :mod:`~services.fusion.orders` — order-style service: a resident places an order (居民点单),
  the branch secretary dispatches it to a registered member of the grid (支部下单), the member
  takes and completes it (党员接单), the resident rates it;
- :mod:`~services.fusion.hours` — completed hours add up per member and per grid;
- :mod:`~services.fusion.audit` — the personal-data audit log: every read of unmasked names,
  phones or id numbers (who, what, when, why), queryable by the county;
- :mod:`~services.fusion.weekly` — the aggregates of the weekly report (一周一报), from fusion's
  events, cases and orders.

:class:`CommunityStore` holds what they share — fusion's database, the clock, and the grids of
the current reference version — and answers for each. Each collection is fusion's own:
``party_members``, ``service_orders``, ``audit_log``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gridfusion.community.v1 import community_pb2 as pb
from pymongo.asynchronous.database import AsyncDatabase

from services.platform.clock import Clock
from services.platform.mongo import ensure_indexes

from . import audit, hours, members, orders, weekly
from .orders import Refused


class CommunityStore:
    def __init__(self, db: AsyncDatabase, clock: Clock) -> None:
        self.db, self.clock = db, clock
        self.members = db[members.COLLECTION]
        self.orders = db[orders.COLLECTION]
        self.audit = db[audit.COLLECTION]
        self.grids: dict[str, dict[str, Any]] = {}

    async def ensure_indexes(self) -> None:
        await ensure_indexes(self.db, {module.COLLECTION: module.INDEXES for module in (members, orders, audit)})

    def use_grids(self, grid_docs: dict[str, dict[str, Any]]) -> None:
        """The grids of the current reference version."""
        self.grids = grid_docs

    def grid(self, grid_id: str) -> dict[str, Any]:
        grid = self.grids.get(grid_id)
        if grid is None:
            raise Refused("not_found", f"no grid {grid_id!r}")
        return grid

    async def register_member(self, request: pb.RegisterPartyMemberRequest) -> dict[str, Any]:
        return await members.register_member(self.members, request, self.grid, self.clock)

    async def list_members(self, area: pb.Area, page: int, size: int) -> tuple[list[dict], int]:
        return await members.list_members(self.members, area, page, size)

    async def place_order(self, request: pb.PlaceOrderRequest) -> dict[str, Any]:
        return await orders.place_order(self.orders, request, self.grid, self.clock)

    async def act(self, request: pb.ActOnOrderRequest) -> dict[str, Any]:
        return await orders.act_on_order(self.orders, self.members, request, self.clock)

    async def get_order(self, order_id: str) -> dict[str, Any] | None:
        return await self.orders.find_one({"_id": order_id})

    async def list_orders(self, request: pb.ListOrdersRequest, page: int, size: int) -> tuple[list[dict], int]:
        return await orders.list_orders(self.orders, request, page, size)

    async def service_hours(self, area: pb.Area, start: datetime | None, end: datetime | None) -> pb.ServiceHoursResponse:
        return await hours.service_hours(self.orders, self.members, area, start, end)

    async def record_audit(self, entry: pb.AuditEntry) -> dict[str, Any]:
        return await audit.record_audit(self.audit, entry, self.clock)

    async def list_audit(self, request: pb.ListAuditRequest, page: int, size: int) -> tuple[list[dict], int]:
        return await audit.list_audit(self.audit, request, page, size)

    async def weekly_report(self, area: pb.Area, start: datetime, end: datetime) -> pb.WeeklyReport:
        """The week's figures; see :class:`pb.WeeklyReport` for what each one counts."""
        return await weekly.weekly_report(self.db, self.grids, area, start, end, self.clock)
