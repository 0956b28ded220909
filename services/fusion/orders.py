"""Order-style service: a resident places an order (居民点单), the grid's branch secretary
dispatches it to a party member registered to the grid (支部下单), the member takes and
completes it (党员接单), and the resident rates it.

The life cycle is one pure function, :func:`order_transition`, so its rules are tested without
a database. Orders are fusion's own ``service_orders`` collection; each change is a
compare-and-set on the order's ``version`` and adds a step to its ``steps``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gridfusion.community.v1 import community_pb2 as pb
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

from services.platform.clock import Clock
from services.platform.paging import keyset_page

from .members import place_query
from .refused import Refused
from .timestamps import set_time

ORDER_KINDS: dict[str, str] = {
    "elderly_care": "助老服务",
    "repair": "便民维修",
    "errand": "代办跑腿",
    "health": "健康服务",
    "legal": "法律咨询",
    "tutoring": "课业辅导",
    "other": "其他",
}
MAX_HOURS_PER_ORDER = 24.0
COLLECTION = "service_orders"
# The list's order is newest placed first, then by id. Whose orders it lists — an area's (by its
# narrowest place), a resident's, a member's, or every one — with or without a status, has an
# index of those fields and then that order, so every page is read in index order.
_NEWEST = [("placed_at", DESCENDING), ("_id", ASCENDING)]
_OWNERS = ("grid_id", "community_id", "street_id", "resident", "member_id")
INDEXES = [
    IndexModel([("status", ASCENDING), ("completed_at", ASCENDING)]),
    IndexModel(_NEWEST, name="list_newest"),
    IndexModel([("status", ASCENDING), *_NEWEST], name="list_status"),
    *(IndexModel([(owner, ASCENDING), *_NEWEST], name=f"list_{owner}") for owner in _OWNERS),
    *(IndexModel([(owner, ASCENDING), ("status", ASCENDING), *_NEWEST], name=f"list_{owner}_status") for owner in _OWNERS),
]


@dataclass(frozen=True)
class Transition:
    to_status: str
    set_fields: dict[str, Any]


def order_transition(order: dict[str, Any], action: str, actor: pb.Actor, *, member: dict[str, Any] | None = None,
                     hours: float = 0.0, rating: int = 0) -> Transition:
    """What ``action`` by ``actor`` does to ``order``; raises :class:`Refused` with the reason.

    placed ─dispatch (the grid's secretary)→ dispatched ─take (the member)→ taken
    ─complete (the member, with hours)→ completed ─rate (the resident, 1–5)→ rated;
    cancel: the resident or the grid's secretary, before the order is taken.
    """
    status = order["status"]
    own_secretary = actor.role == "secretary" and actor.grid_id == order["grid_id"]
    if action == "dispatch":
        if not own_secretary:
            raise Refused("role", "only the grid's branch secretary dispatches an order (支部下单)")
        if status not in ("placed", "dispatched"):
            raise Refused("state", f"an order that is {status} cannot be dispatched")
        if member is None:
            raise Refused("state", "member_id must name a party member registered to this grid")
        if member["grid_id"] != order["grid_id"]:
            raise Refused("state", f"party member {member['_id']} is registered to grid {member['grid_id']}, not this one")
        return Transition("dispatched", {"member_id": member["_id"], "member_name": member.get("name", "")})
    if action == "take":
        if actor.role != "member" or actor.username != order.get("member_id"):
            raise Refused("role", "only the party member the order was dispatched to takes it (党员接单)")
        if status != "dispatched":
            raise Refused("state", f"an order that is {status} cannot be taken")
        return Transition("taken", {})
    if action == "complete":
        if actor.role != "member" or actor.username != order.get("member_id"):
            raise Refused("role", "only the party member who took the order completes it")
        if status != "taken":
            raise Refused("state", f"an order that is {status} cannot be completed")
        if not 0 < hours <= MAX_HOURS_PER_ORDER:
            raise Refused("state", f"hours must be more than 0 and at most {MAX_HOURS_PER_ORDER:g}")
        return Transition("completed", {"hours": round(hours, 2)})
    if action == "rate":
        if actor.role != "resident" or actor.username != order["resident"]:
            raise Refused("role", "only the resident who placed the order rates it")
        if status != "completed":
            raise Refused("state", f"an order that is {status} cannot be rated")
        if not 1 <= rating <= 5:
            raise Refused("state", "rating must be 1 to 5")
        return Transition("rated", {"rating": rating})
    if action == "cancel":
        if not (own_secretary or (actor.role == "resident" and actor.username == order["resident"])):
            raise Refused("role", "only the resident who placed the order or the grid's secretary cancels it")
        if status not in ("placed", "dispatched"):
            raise Refused("state", f"an order that is {status} cannot be cancelled")
        return Transition("cancelled", {})
    raise Refused("state", f"unknown action {action!r}; actions are dispatch, take, complete, rate, cancel")


async def place_order(orders: AsyncCollection, request: pb.PlaceOrderRequest,
                      grid_of: Callable[[str], dict[str, Any]], clock: Clock) -> dict[str, Any]:
    """Place a resident's order on the resident's grid (居民点单); the same ``order_id`` again is the same order."""
    if request.actor.role != "resident":
        raise Refused("role", "only a resident places a service order (居民点单)")
    if request.kind not in ORDER_KINDS:
        raise Refused("invalid", f"kind must be one of {', '.join(ORDER_KINDS)}")
    grid = grid_of(request.actor.grid_id)
    now = clock.now()
    order_id = request.order_id or f"SO-{uuid.uuid4().hex[:12].upper()}"
    doc = {
        "_id": order_id, "grid_id": grid["_id"], "community_id": grid["community_id"], "street_id": grid["street_id"],
        "kind": request.kind, "title": request.title, "description": request.description,
        "resident": request.actor.username, "contact_name": request.contact_name,
        "contact_phone": request.contact_phone, "address": request.address, "status": "placed", "member_id": "",
        "member_name": "", "hours": 0.0, "rating": 0, "placed_at": now, "updated_at": now, "completed_at": None,
        "steps": [{"at": now, "action": "place", "actor": request.actor.username, "role": "resident",
                   "from_status": "", "to_status": "placed", "note": ""}],
        "version": 1,
    }
    # Placing the same id twice is one order: the first write wins, the second reads it back.
    await orders.update_one({"_id": order_id}, {"$setOnInsert": doc}, upsert=True)
    stored = await orders.find_one({"_id": order_id})
    if stored["resident"] != request.actor.username:
        raise Refused("exists", f"order id {order_id!r} is taken")
    return stored


async def act_on_order(orders: AsyncCollection, members: AsyncCollection, request: pb.ActOnOrderRequest,
                       clock: Clock) -> dict[str, Any]:
    """Apply one step of :func:`order_transition`; a completed order adds its hours to the member."""
    order = await orders.find_one({"_id": request.order_id})
    if order is None:
        raise Refused("not_found", f"no service order {request.order_id!r}")
    member = await members.find_one({"_id": request.member_id}) if request.member_id else None
    change = order_transition(order, request.action, request.actor, member=member, hours=request.hours,
                              rating=request.rating)
    now = clock.now()
    step = {"at": now, "action": request.action, "actor": request.actor.username, "role": request.actor.role,
            "from_status": order["status"], "to_status": change.to_status, "note": request.note[:500]}
    fields = {**change.set_fields, "status": change.to_status, "updated_at": now}
    if change.to_status == "completed":
        fields["completed_at"] = now
    # Compare-and-set on the version: two actions at once cannot both apply.
    updated = await orders.find_one_and_update(
        {"_id": order["_id"], "version": order["version"]},
        {"$set": fields, "$inc": {"version": 1}, "$push": {"steps": step}},
        return_document=ReturnDocument.AFTER,
    )
    if updated is None:
        raise Refused("state", "the order changed meanwhile; read it again and retry")
    if change.to_status == "completed":
        await members.update_one(
            {"_id": updated["member_id"]}, {"$inc": {"service_hours": updated["hours"], "orders_completed": 1}}
        )
    return updated


def order_query(request: pb.ListOrdersRequest) -> dict[str, Any]:
    """The filter of ``ListOrders``: the area's orders (by its narrowest place), a resident's, a
    member's, with the status asked for."""
    query = place_query(request.area)
    for field in ("status", "resident", "member_id"):
        if getattr(request, field):
            query[field] = getattr(request, field)
    return query


async def list_orders(orders: AsyncCollection, query: dict[str, Any], page: int, size: int, *,
                      after: tuple[datetime, str] | None = None) -> tuple[list[dict], tuple[datetime, str] | None]:
    """A page of the orders ``query`` matches, newest placed first, and where the next page starts
    (None on the last): page ``page``, or the page after ``after`` = (placed_at, order_id)."""
    return await keyset_page(orders, query, "placed_at", descending=True, page=page, size=size, after=after)


async def count_orders(orders: AsyncCollection, query: dict[str, Any], cap: int | None = None) -> int:
    return await orders.count_documents(query, **({"limit": cap} if cap else {}))


def order_to_proto(doc: dict[str, Any]) -> pb.ServiceOrder:
    out = pb.ServiceOrder(
        order_id=doc["_id"], grid_id=doc["grid_id"], community_id=doc.get("community_id", ""),
        street_id=doc.get("street_id", ""), kind=doc["kind"], title=doc["title"], description=doc.get("description", ""),
        resident=doc["resident"], contact_name=doc.get("contact_name", ""), contact_phone=doc.get("contact_phone", ""),
        address=doc.get("address", ""), status=doc["status"], member_id=doc.get("member_id", ""),
        member_name=doc.get("member_name", ""), hours=doc.get("hours", 0.0), rating=doc.get("rating", 0),
    )
    set_time(out.placed_at, doc.get("placed_at"))
    set_time(out.updated_at, doc.get("updated_at"))
    set_time(out.completed_at, doc.get("completed_at"))
    for step in doc.get("steps", []):
        s = out.steps.add(action=step["action"], actor=step["actor"], role=step["role"], from_status=step.get("from_status", ""),
                          to_status=step["to_status"], note=step.get("note", ""))
        set_time(s.at, step["at"])
    return out
