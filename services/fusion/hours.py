"""Service hours: what the completed service orders add up to, per party member and per grid."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gridfusion.community.v1 import community_pb2 as pb
from pymongo.asynchronous.collection import AsyncCollection

from services.platform.scope import area_query


async def service_hours(orders: AsyncCollection, members: AsyncCollection, area: pb.Area, start: datetime | None,
                        end: datetime | None) -> pb.ServiceHoursResponse:
    """The hours of the orders completed in ``area`` between ``start`` and ``end`` (either open), per member
    (most first) and per grid, with each grid's registered members."""
    match: dict[str, Any] = {**area_query(area), "status": {"$in": ["completed", "rated"]}}
    window: dict[str, Any] = {}
    if start:
        window["$gte"] = start
    if end:
        window["$lt"] = end
    if window:
        match["completed_at"] = window
    per_member: dict[str, pb.MemberHours] = {}
    per_grid: dict[str, pb.GridHours] = {}
    async for order in orders.find(match, {"member_id": 1, "member_name": 1, "grid_id": 1, "hours": 1}):
        m = per_member.setdefault(order["member_id"], pb.MemberHours(
            member_id=order["member_id"], name=order.get("member_name", ""), grid_id=order["grid_id"]))
        m.hours += order.get("hours", 0.0)
        m.orders_completed += 1
        g = per_grid.setdefault(order["grid_id"], pb.GridHours(grid_id=order["grid_id"]))
        g.hours += order.get("hours", 0.0)
        g.orders_completed += 1
    async for member in members.find(area_query(area), {"grid_id": 1}):
        per_grid.setdefault(member["grid_id"], pb.GridHours(grid_id=member["grid_id"])).members += 1
    for item in (*per_member.values(), *per_grid.values()):
        item.hours = round(item.hours, 2)
    return pb.ServiceHoursResponse(
        members=sorted(per_member.values(), key=lambda m: (-m.hours, m.member_id)),
        grids=sorted(per_grid.values(), key=lambda g: g.grid_id),
    )
