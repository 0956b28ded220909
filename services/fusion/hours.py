"""Service hours: what the completed service orders add up to, per party member and per grid."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gridfusion.community.v1 import community_pb2 as pb
from pymongo.asynchronous.collection import AsyncCollection

from services.platform.scope import area_query

from .activities import attended_hours


async def service_hours(orders: AsyncCollection, members: AsyncCollection, activities: AsyncCollection,
                        area: pb.Area, start: datetime | None, end: datetime | None) -> pb.ServiceHoursResponse:
    """The hours of the orders completed in ``area`` between ``start`` and ``end`` (either open), per member
    (most first) and per grid, with each grid's registered members; beside them the hours of the
    held activities the area's registered members attended (``activity_hours``, by the activity's start)."""
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
    registered: dict[str, dict[str, Any]] = {}
    async for member in members.find(area_query(area), {"grid_id": 1, "name": 1}):
        per_grid.setdefault(member["grid_id"], pb.GridHours(grid_id=member["grid_id"])).members += 1
        registered[member["_id"]] = member
    for who, spent in (await attended_hours(activities, registered, start, end)).items():
        member = registered[who]
        m = per_member.setdefault(who, pb.MemberHours(member_id=who, name=member.get("name", ""),
                                                      grid_id=member["grid_id"]))
        m.activity_hours += spent
        per_grid[member["grid_id"]].activity_hours += spent
    for item in (*per_member.values(), *per_grid.values()):
        item.hours = round(item.hours, 2)
        item.activity_hours = round(item.activity_hours, 2)
    return pb.ServiceHoursResponse(
        members=sorted(per_member.values(), key=lambda m: (-m.hours, m.member_id)),
        grids=sorted(per_grid.values(), key=lambda g: g.grid_id),
    )
