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

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gridfusion.community.v1 import community_pb2 as pb
from pymongo.asynchronous.database import AsyncDatabase

from services.platform.clock import Clock
from services.platform.mongo import ensure_indexes
from services.platform.paging import COUNT_CAPPED, counted, cursor_of, key_cursor_of

from . import activities, audit, hours, members, orders, weekly
from .refused import Refused


@dataclass(frozen=True)
class Listing:
    """A page of a list: its documents, the matches counted (-1: not counted) and whether that is
    every one, and the cursor of the next page ("" on the last)."""

    items: list[dict[str, Any]]
    total: int
    total_exact: bool
    next_cursor: str


class CommunityStore:
    def __init__(self, db: AsyncDatabase, clock: Clock) -> None:
        self.db, self.clock = db, clock
        self.members = db[members.COLLECTION]
        self.orders = db[orders.COLLECTION]
        self.audit = db[audit.COLLECTION]
        self.activities = db[activities.COLLECTION]
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

    async def get_member(self, member_id: str, area: pb.Area) -> dict[str, Any]:
        doc = await self.members.find_one({"_id": member_id, **members.place_query(area)})
        if doc is None:
            raise Refused("not_found", f"no registered party member {member_id!r} in your area")
        return doc

    async def update_member(self, request: pb.UpdatePartyMemberRequest) -> dict[str, Any]:
        return await members.update_member(self.members, request, self.clock)

    async def activity_hours(self, usernames: list[str]) -> dict[str, float]:
        """Hours of the held activities each member attended, ever."""
        return await activities.attended_hours(self.activities, usernames)

    async def list_members(self, area: pb.Area, page: int, size: int, *, after: tuple[str, str] | None = None,
                           count: int = COUNT_CAPPED, category: str = "") -> Listing:
        """A page of the members registered in ``area`` (of ``category``), by grid and then id."""
        query = members.member_query(area, category)
        docs, next_key = await members.list_members(self.members, query, page, size, after=after)
        total, exact = await counted(lambda cap: members.count_members(self.members, query, cap), count,
                                     cursor=after is not None)
        return Listing(docs, total, exact, key_cursor_of(*next_key) if next_key else "")

    async def place_order(self, request: pb.PlaceOrderRequest) -> dict[str, Any]:
        return await orders.place_order(self.orders, request, self.grid, self.clock)

    async def act(self, request: pb.ActOnOrderRequest) -> dict[str, Any]:
        return await orders.act_on_order(self.orders, self.members, request, self.clock)

    async def get_order(self, order_id: str) -> dict[str, Any] | None:
        return await self.orders.find_one({"_id": order_id})

    async def list_orders(self, request: pb.ListOrdersRequest, page: int, size: int, *,
                          after: tuple[datetime, str] | None = None, count: int = COUNT_CAPPED) -> Listing:
        """A page of the orders ``request`` asks for, newest placed first."""
        query = orders.order_query(request)
        docs, next_key = await orders.list_orders(self.orders, query, page, size, after=after)
        total, exact = await counted(lambda cap: orders.count_orders(self.orders, query, cap), count,
                                     cursor=after is not None)
        return Listing(docs, total, exact, cursor_of(*next_key) if next_key else "")

    async def service_hours(self, area: pb.Area, start: datetime | None, end: datetime | None) -> pb.ServiceHoursResponse:
        return await hours.service_hours(self.orders, self.members, self.activities, area, start, end)

    async def record_audit(self, entry: pb.AuditEntry) -> dict[str, Any]:
        return await audit.record_audit(self.audit, entry, self.clock)

    async def list_audit(self, request: pb.ListAuditRequest, page: int, size: int, *,
                         after: tuple[datetime, str] | None = None, count: int = COUNT_CAPPED) -> Listing:
        """A page of the audit log's entries ``request`` asks for, newest first."""
        query = audit.audit_query(request)
        docs, next_key = await audit.list_audit(self.audit, query, page, size, after=after)
        total, exact = await counted(lambda cap: audit.count_audit(self.audit, query, cap), count,
                                     cursor=after is not None)
        return Listing(docs, total, exact, cursor_of(*next_key) if next_key else "")

    async def weekly_report(self, area: pb.Area, start: datetime, end: datetime) -> pb.WeeklyReport:
        """The week's figures; see :class:`pb.WeeklyReport` for what each one counts."""
        return await weekly.weekly_report(self.db, self.grids, area, start, end, self.clock)
