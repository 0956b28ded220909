"""Party members in work register to the grid where they live (在职党员到网格报到), taking on a
service post there (设岗定责).

One document per member in fusion's ``party_members`` collection; registering again updates
the member and keeps the registration date, the service hours the orders added up and the
volunteer teams joined. A member has a category (在职 in work, 离退休 retired, 流动 mobile), may
name its number on the county's register (``register_id``, :mod:`~services.fusion.register`),
and belongs to a party group of its grid (``group_id``) once it or the grid's staff say which.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gridfusion.community.v1 import community_pb2 as pb
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

from services.platform.clock import Clock
from services.platform.paging import keyset_page
from services.platform.scope import area_query
from services.platform.vocabulary import MEMBER_CATEGORIES as CATEGORIES
from services.platform.vocabulary import SERVICE_POSTS

from .refused import Refused
from .timestamps import set_time

COLLECTION = "party_members"
# The list's order is (grid_id, _id); each area it is asked for has an index of its place, then
# that order, so a page — the first, a numbered one, or one after a cursor — is read in order.
_ORDER = [("grid_id", ASCENDING), ("_id", ASCENDING)]
INDEXES = [IndexModel(_ORDER), IndexModel([("community_id", ASCENDING), *_ORDER], name="list_community"),
           IndexModel([("street_id", ASCENDING), *_ORDER], name="list_street")]


async def register_member(members: AsyncCollection, request: pb.RegisterPartyMemberRequest,
                          grid_of: Callable[[str], dict[str, Any]], clock: Clock) -> dict[str, Any]:
    """Register (or update) a member on the grid ``grid_of`` finds for the request's ``grid_id``."""
    grid = grid_of(request.grid_id)
    category = request.category or "in_work"
    if category not in CATEGORIES:
        raise Refused("invalid", f"category: one of {', '.join(CATEGORIES)}")
    if request.service_post and request.service_post not in SERVICE_POSTS:
        raise Refused("invalid", f"service_post: one of {', '.join(SERVICE_POSTS)}")
    now = clock.now()
    return await members.find_one_and_update(
        {"_id": request.member_id},
        {
            "$set": {"name": request.name, "phone": request.phone, "workplace": request.workplace,
                     "grid_id": grid["_id"], "community_id": grid["community_id"], "street_id": grid["street_id"],
                     "skills": list(request.skills), "category": category, "updated_at": now,
                     # registering again keeps a post, group or register number not named again
                     **{name: value for name, value in (("service_post", request.service_post),
                                                        ("group_id", request.group_id),
                                                        ("register_id", request.register_id)) if value}},
            "$setOnInsert": {"registered_at": now, "service_hours": 0.0, "orders_completed": 0, "volunteer_teams": []},
        },
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )


async def update_member(members: AsyncCollection, request: pb.UpdatePartyMemberRequest, clock: Clock) -> dict[str, Any]:
    """The service post or party group the grid's staff set for a registered member."""
    changes: dict[str, Any] = {"updated_at": clock.now()}
    if request.HasField("service_post"):
        if request.service_post and request.service_post not in SERVICE_POSTS:
            raise Refused("invalid", f"service_post: one of {', '.join(SERVICE_POSTS)}")
        changes["service_post"] = request.service_post
    if request.HasField("group_id"):
        changes["group_id"] = request.group_id
    doc = await members.find_one_and_update({"_id": request.member_id, **place_query(request.area)},
                                            {"$set": changes}, return_document=ReturnDocument.AFTER)
    if doc is None:
        raise Refused("not_found", f"no registered party member {request.member_id!r} in your area")
    return doc


def place_query(area: pb.Area) -> dict[str, Any]:
    """The filter of an area by its narrowest place: a grid's id, else a community's, else a
    street's (a record carries its grid's community and street, so naming the grid is enough),
    nothing for the whole county."""
    query = area_query(area)
    for place in ("grid_id", "community_id", "street_id"):
        if place in query:
            return {place: query[place]}
    return {}


def member_query(area: pb.Area, category: str = "") -> dict[str, Any]:
    """The filter of ``ListPartyMembers``: the members registered in ``area`` (of ``category``)."""
    return {**place_query(area), **({"category": category} if category else {})}


async def list_members(members: AsyncCollection, query: dict[str, Any], page: int, size: int, *,
                       after: tuple[str, str] | None = None) -> tuple[list[dict], tuple[str, str] | None]:
    """A page of the members ``query`` matches by grid and then id, and where the next page starts
    (None on the last): page ``page``, or the page after ``after`` = (grid_id, member_id)."""
    return await keyset_page(members, query, "grid_id", descending=False, page=page, size=size, after=after)


async def count_members(members: AsyncCollection, query: dict[str, Any], cap: int | None = None) -> int:
    return await members.count_documents(query, **({"limit": cap} if cap else {}))


def member_to_proto(doc: dict[str, Any], activity_hours: float = 0.0, group_name: str = "") -> pb.PartyMember:
    out = pb.PartyMember(
        member_id=doc["_id"], name=doc.get("name", ""), phone=doc.get("phone", ""), workplace=doc.get("workplace", ""),
        grid_id=doc["grid_id"], community_id=doc.get("community_id", ""), street_id=doc.get("street_id", ""),
        service_hours=doc.get("service_hours", 0.0), orders_completed=doc.get("orders_completed", 0),
        skills=doc.get("skills", []), category=doc.get("category") or "in_work", group_id=doc.get("group_id", ""),
        service_post=doc.get("service_post", ""), volunteer_teams=doc.get("volunteer_teams", []),
        register_id=doc.get("register_id", ""), activity_hours=round(activity_hours, 2), group_name=group_name,
    )
    set_time(out.registered_at, doc.get("registered_at"))
    return out
