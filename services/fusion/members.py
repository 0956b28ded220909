"""Party members in work register to the grid where they live (在职党员到网格报到).

One document per member in fusion's ``party_members`` collection; registering again updates
the member and keeps the registration date and the service hours the orders added up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gridfusion.community.v1 import community_pb2 as pb
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

from services.platform.clock import Clock
from services.platform.scope import area_query

from .timestamps import set_time

COLLECTION = "party_members"
INDEXES = [IndexModel([("grid_id", ASCENDING), ("_id", ASCENDING)])]


async def register_member(members: AsyncCollection, request: pb.RegisterPartyMemberRequest,
                          grid_of: Callable[[str], dict[str, Any]], clock: Clock) -> dict[str, Any]:
    """Register (or update) a member on the grid ``grid_of`` finds for the request's ``grid_id``."""
    grid = grid_of(request.grid_id)
    now = clock.now()
    return await members.find_one_and_update(
        {"_id": request.member_id},
        {
            "$set": {"name": request.name, "phone": request.phone, "workplace": request.workplace,
                     "grid_id": grid["_id"], "community_id": grid["community_id"], "street_id": grid["street_id"],
                     "skills": list(request.skills), "updated_at": now},
            "$setOnInsert": {"registered_at": now, "service_hours": 0.0, "orders_completed": 0},
        },
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )


async def list_members(members: AsyncCollection, area: pb.Area, page: int, size: int) -> tuple[list[dict], int]:
    query = area_query(area)
    total = await members.count_documents(query)
    cursor = members.find(query).sort([("grid_id", 1), ("_id", 1)]).skip((page - 1) * size).limit(size)
    return [d async for d in cursor], total


def member_to_proto(doc: dict[str, Any]) -> pb.PartyMember:
    out = pb.PartyMember(
        member_id=doc["_id"], name=doc.get("name", ""), phone=doc.get("phone", ""), workplace=doc.get("workplace", ""),
        grid_id=doc["grid_id"], community_id=doc.get("community_id", ""), street_id=doc.get("street_id", ""),
        service_hours=doc.get("service_hours", 0.0), orders_completed=doc.get("orders_completed", 0),
        skills=doc.get("skills", []),
    )
    set_time(out.registered_at, doc.get("registered_at"))
    return out
