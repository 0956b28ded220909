"""The community side of the grid, kept by fusion beside its cases.

- Party members in work register to the grid where they live (在职党员到网格报到).
- Order-style service: a resident places an order (居民点单), the branch secretary dispatches
  it to a registered member of the grid (支部下单), the member takes and completes it
  (党员接单), the resident rates it. Completed hours add up per member and per grid.
- The personal-data audit log: every read of unmasked names, phones or id numbers (who, what,
  when, why), queryable by the county.
- The aggregates of the weekly report (一周一报), from fusion's events, cases and orders.

The order life cycle is one pure function, :func:`order_transition`, so its rules are tested
without a database. Each collection is fusion's own: ``party_members``, ``service_orders``,
``audit_log``.
"""

from __future__ import annotations

import statistics
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import grpc
from gridfusion.community.v1 import community_pb2 as pb
from gridfusion.community.v1 import community_pb2_grpc as pb_grpc
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from services.platform.clock import Clock
from services.platform.mongo import ensure_indexes

from .workflow import SYSTEM_ACTOR, SYSTEM_ROLE

ORDER_KINDS: dict[str, str] = {
    "elderly_care": "助老服务",
    "repair": "便民维修",
    "errand": "代办跑腿",
    "health": "健康服务",
    "legal": "法律咨询",
    "tutoring": "课业辅导",
    "other": "其他",
}
# Case statuses with nothing left to do (resolved on the spot, or closed): "closed" in the report.
FINISHED = ("resolved", "closed")
# Timeline entries that mean a deadline was missed: fusion's deadline keeper acting on a case,
# known by its actor *and* its role: no person or department system acts with the role
# ``system``, so a department's result naming itself "fusion:deadline" is not a missed deadline.
DEADLINE_ACTOR = SYSTEM_ACTOR
ORDER_STATUSES = ("placed", "dispatched", "taken", "completed", "rated", "cancelled")
MAX_HOURS_PER_ORDER = 24.0
MAX_PAGE_SIZE = 200

INDEXES = {
    "party_members": [IndexModel([("grid_id", ASCENDING), ("_id", ASCENDING)])],
    "service_orders": [
        IndexModel([("grid_id", ASCENDING), ("placed_at", DESCENDING)]),
        IndexModel([("resident", ASCENDING), ("placed_at", DESCENDING)]),
        IndexModel([("member_id", ASCENDING), ("placed_at", DESCENDING)]),
        IndexModel([("status", ASCENDING), ("completed_at", ASCENDING)]),
    ],
    "audit_log": [IndexModel([("at", DESCENDING)]), IndexModel([("who", ASCENDING), ("at", DESCENDING)])],
}


class Refused(Exception):
    """An action the order's state (``state``) or the actor's role (``role``) does not allow."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


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


def area_query(area: pb.Area, *, grid_field: str = "grid_id") -> dict[str, Any]:
    query: dict[str, Any] = {}
    if area.street_id:
        query["street_id"] = area.street_id
    if area.community_id:
        query["community_id"] = area.community_id
    if area.grid_id:
        query[grid_field] = area.grid_id
    return query


def _ts(target, value: datetime | None) -> None:
    if value is not None:
        target.FromDatetime(value)


def _time(ts) -> datetime | None:
    if ts.seconds == 0 and ts.nanos == 0:
        return None
    return ts.ToDatetime(tzinfo=UTC)


def member_to_proto(doc: dict[str, Any]) -> pb.PartyMember:
    out = pb.PartyMember(
        member_id=doc["_id"], name=doc.get("name", ""), phone=doc.get("phone", ""), workplace=doc.get("workplace", ""),
        grid_id=doc["grid_id"], community_id=doc.get("community_id", ""), street_id=doc.get("street_id", ""),
        service_hours=doc.get("service_hours", 0.0), orders_completed=doc.get("orders_completed", 0),
        skills=doc.get("skills", []),
    )
    _ts(out.registered_at, doc.get("registered_at"))
    return out


def order_to_proto(doc: dict[str, Any]) -> pb.ServiceOrder:
    out = pb.ServiceOrder(
        order_id=doc["_id"], grid_id=doc["grid_id"], community_id=doc.get("community_id", ""),
        street_id=doc.get("street_id", ""), kind=doc["kind"], title=doc["title"], description=doc.get("description", ""),
        resident=doc["resident"], contact_name=doc.get("contact_name", ""), contact_phone=doc.get("contact_phone", ""),
        address=doc.get("address", ""), status=doc["status"], member_id=doc.get("member_id", ""),
        member_name=doc.get("member_name", ""), hours=doc.get("hours", 0.0), rating=doc.get("rating", 0),
    )
    _ts(out.placed_at, doc.get("placed_at"))
    _ts(out.updated_at, doc.get("updated_at"))
    _ts(out.completed_at, doc.get("completed_at"))
    for step in doc.get("steps", []):
        s = out.steps.add(action=step["action"], actor=step["actor"], role=step["role"], from_status=step.get("from_status", ""),
                          to_status=step["to_status"], note=step.get("note", ""))
        _ts(s.at, step["at"])
    return out


def audit_to_proto(doc: dict[str, Any]) -> pb.AuditEntry:
    out = pb.AuditEntry(audit_id=doc["_id"], who=doc["who"], role=doc.get("role", ""), what=doc["what"], why=doc["why"],
                        grid_id=doc.get("grid_id", ""), records=doc.get("records", 0))
    _ts(out.at, doc["at"])
    return out


def finished_at(case: dict[str, Any]) -> datetime | None:
    """When a case reached resolved or closed (and stayed there); None while it is open."""
    if case.get("status") not in FINISHED:
        return None
    if case.get("closed_at") is not None:
        return case["closed_at"]
    moments = [t["at"] for t in case.get("timeline", []) if t.get("to_status") in FINISHED and t.get("at")]
    return max(moments) if moments else case.get("updated_at")


def deadline_missed(entry: dict[str, Any]) -> bool:
    """Whether a timeline entry is the deadline keeper's: an automatic escalation or 督办."""
    return entry.get("role") == SYSTEM_ROLE and (entry.get("actor") == DEADLINE_ACTOR or entry.get("action") == "overdue")


def median_hours(durations_seconds: list[float]) -> float:
    return round(statistics.median(durations_seconds) / 3600, 2) if durations_seconds else 0.0


class CommunityStore:
    def __init__(self, db: AsyncDatabase, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self.members = db["party_members"]
        self.orders = db["service_orders"]
        self.audit = db["audit_log"]
        self.grids: dict[str, dict[str, Any]] = {}

    async def ensure_indexes(self) -> None:
        await ensure_indexes(self.db, INDEXES)

    def use_grids(self, grid_docs: dict[str, dict[str, Any]]) -> None:
        """The grids of the current reference version."""
        self.grids = grid_docs

    def grid(self, grid_id: str) -> dict[str, Any]:
        grid = self.grids.get(grid_id)
        if grid is None:
            raise Refused("not_found", f"no grid {grid_id!r}")
        return grid

    # --- party members -------------------------------------------------------------------
    async def register_member(self, request: pb.RegisterPartyMemberRequest) -> dict[str, Any]:
        grid = self.grid(request.grid_id)
        now = self.clock.now()
        return await self.members.find_one_and_update(
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

    async def list_members(self, area: pb.Area, page: int, size: int) -> tuple[list[dict], int]:
        query = area_query(area)
        total = await self.members.count_documents(query)
        cursor = self.members.find(query).sort([("grid_id", 1), ("_id", 1)]).skip((page - 1) * size).limit(size)
        return [d async for d in cursor], total

    # --- service orders ------------------------------------------------------------------
    async def place_order(self, request: pb.PlaceOrderRequest) -> dict[str, Any]:
        if request.actor.role != "resident":
            raise Refused("role", "only a resident places a service order (居民点单)")
        if request.kind not in ORDER_KINDS:
            raise Refused("invalid", f"kind must be one of {', '.join(ORDER_KINDS)}")
        grid = self.grid(request.actor.grid_id)
        now = self.clock.now()
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
        await self.orders.update_one({"_id": order_id}, {"$setOnInsert": doc}, upsert=True)
        stored = await self.orders.find_one({"_id": order_id})
        if stored["resident"] != request.actor.username:
            raise Refused("exists", f"order id {order_id!r} is taken")
        return stored

    async def act(self, request: pb.ActOnOrderRequest) -> dict[str, Any]:
        order = await self.orders.find_one({"_id": request.order_id})
        if order is None:
            raise Refused("not_found", f"no service order {request.order_id!r}")
        member = await self.members.find_one({"_id": request.member_id}) if request.member_id else None
        change = order_transition(order, request.action, request.actor, member=member, hours=request.hours,
                                  rating=request.rating)
        now = self.clock.now()
        step = {"at": now, "action": request.action, "actor": request.actor.username, "role": request.actor.role,
                "from_status": order["status"], "to_status": change.to_status, "note": request.note[:500]}
        fields = {**change.set_fields, "status": change.to_status, "updated_at": now}
        if change.to_status == "completed":
            fields["completed_at"] = now
        # Compare-and-set on the version: two actions at once cannot both apply.
        updated = await self.orders.find_one_and_update(
            {"_id": order["_id"], "version": order["version"]},
            {"$set": fields, "$inc": {"version": 1}, "$push": {"steps": step}},
            return_document=ReturnDocument.AFTER,
        )
        if updated is None:
            raise Refused("state", "the order changed meanwhile; read it again and retry")
        if change.to_status == "completed":
            await self.members.update_one(
                {"_id": updated["member_id"]}, {"$inc": {"service_hours": updated["hours"], "orders_completed": 1}}
            )
        return updated

    async def list_orders(self, request: pb.ListOrdersRequest, page: int, size: int) -> tuple[list[dict], int]:
        query = area_query(request.area)
        for field in ("status", "resident", "member_id"):
            if getattr(request, field):
                query[field] = getattr(request, field)
        total = await self.orders.count_documents(query)
        cursor = self.orders.find(query).sort([("placed_at", -1), ("_id", 1)]).skip((page - 1) * size).limit(size)
        return [d async for d in cursor], total

    async def service_hours(self, area: pb.Area, start: datetime | None, end: datetime | None) -> pb.ServiceHoursResponse:
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
        async for order in self.orders.find(match, {"member_id": 1, "member_name": 1, "grid_id": 1, "hours": 1}):
            m = per_member.setdefault(order["member_id"], pb.MemberHours(
                member_id=order["member_id"], name=order.get("member_name", ""), grid_id=order["grid_id"]))
            m.hours += order.get("hours", 0.0)
            m.orders_completed += 1
            g = per_grid.setdefault(order["grid_id"], pb.GridHours(grid_id=order["grid_id"]))
            g.hours += order.get("hours", 0.0)
            g.orders_completed += 1
        async for member in self.members.find(area_query(area), {"grid_id": 1}):
            per_grid.setdefault(member["grid_id"], pb.GridHours(grid_id=member["grid_id"])).members += 1
        for item in (*per_member.values(), *per_grid.values()):
            item.hours = round(item.hours, 2)
        return pb.ServiceHoursResponse(
            members=sorted(per_member.values(), key=lambda m: (-m.hours, m.member_id)),
            grids=sorted(per_grid.values(), key=lambda g: g.grid_id),
        )

    # --- audit log -----------------------------------------------------------------------
    async def record_audit(self, entry: pb.AuditEntry) -> dict[str, Any]:
        doc = {"_id": entry.audit_id or uuid.uuid4().hex, "who": entry.who, "role": entry.role, "what": entry.what,
               "why": entry.why, "grid_id": entry.grid_id, "records": entry.records,
               "at": _time(entry.at) or self.clock.now()}
        await self.audit.update_one({"_id": doc["_id"]}, {"$setOnInsert": doc}, upsert=True)
        return doc

    async def list_audit(self, request: pb.ListAuditRequest, page: int, size: int) -> tuple[list[dict], int]:
        query: dict[str, Any] = {}
        if request.who:
            query["who"] = request.who
        if request.grid_id:
            query["grid_id"] = request.grid_id
        window: dict[str, Any] = {}
        if _time(request.from_time):
            window["$gte"] = _time(request.from_time)
        if _time(request.to_time):
            window["$lt"] = _time(request.to_time)
        if window:
            query["at"] = window
        total = await self.audit.count_documents(query)
        cursor = self.audit.find(query).sort([("at", -1), ("_id", 1)]).skip((page - 1) * size).limit(size)
        return [d async for d in cursor], total

    # --- weekly report -------------------------------------------------------------------
    async def weekly_report(self, area: pb.Area, start: datetime, end: datetime) -> pb.WeeklyReport:
        """The week's figures; see :class:`pb.WeeklyReport` for what each one counts."""
        scope = area_query(area)
        grids = {gid: g for gid, g in self.grids.items()
                 if all(g.get(k) == v if k != "grid_id" else gid == v for k, v in scope.items())}
        rows = {gid: pb.GridFigures(grid_id=gid, name=g.get("name", "")) for gid, g in sorted(grids.items())}
        report = pb.WeeklyReport()

        in_scope = {"grid_id": {"$in": list(rows)}}
        counts: dict[tuple[str, str], int] = {}
        events = self.db["events"].find(
            {**in_scope, "status": "fused", "fused_at": {"$gte": start, "$lt": end}}, {"department": 1, "category": 1, "grid_id": 1}
        )
        async for e in events:
            key = (e.get("department", ""), e.get("category", "").split(".", 1)[0])
            counts[key] = counts.get(key, 0) + 1
            if e.get("grid_id") in rows:
                rows[e["grid_id"]].events += 1
        report.events.extend(pb.EventCount(department=d, family=f, events=n) for (d, f), n in sorted(counts.items()))

        durations: list[float] = []
        # A deadline later than now has not passed yet, even if the week runs on.
        cutoff = min(end, self.clock.now())
        # Open cases, and finished ones touched since the week began (one finished earlier is done with).
        relevant = {**in_scope, "opened_at": {"$lt": end}, "$or": [
            {"status": {"$nin": list(FINISHED)}}, {"updated_at": {"$gte": start}}, {"updated_at": {"$exists": False}}]}
        fields = {"grid_id": 1, "status": 1, "opened_at": 1, "closed_at": 1, "due_at": 1, "overdue": 1, "timeline.action": 1,
                  "timeline.at": 1, "timeline.to_status": 1, "timeline.actor": 1, "timeline.role": 1}
        async for c in self.db["cases"].find(relevant, fields):
            row = rows.get(c["grid_id"])
            timeline = c.get("timeline", [])
            opened, due = c.get("opened_at"), c.get("due_at")
            finished = finished_at(c)
            if finished is not None and finished < start:
                continue
            closed_in_week = finished is not None and start <= finished < end
            open_at_end = finished is None or finished >= end
            missed = any(deadline_missed(t) for t in timeline)
            overdue = (open_at_end and (c.get("overdue") or (due is not None and due < cutoff))) or (
                closed_in_week and (missed or (due is not None and finished > due)))
            escalated = any(t.get("action") == "escalate" and t.get("at") and start <= t["at"] < end for t in timeline)
            flags = {
                "cases_opened": opened is not None and opened >= start,
                "cases_closed": closed_in_week,
                "overdue": overdue,
                "escalated": escalated,
                "open_cases": open_at_end,
            }
            for name, yes in flags.items():
                if yes:
                    setattr(report, name, getattr(report, name) + 1)
                    if row is not None:
                        setattr(row, name, getattr(row, name) + 1)
            if closed_in_week and opened is not None:
                durations.append((finished - opened).total_seconds())
        report.median_close_hours = median_hours(durations)

        hours = await self.service_hours(area, start, end)
        for g in hours.grids:
            report.orders_completed += g.orders_completed
            report.service_hours += g.hours
            if g.grid_id in rows:
                rows[g.grid_id].orders_completed = g.orders_completed
                rows[g.grid_id].service_hours = g.hours
        report.service_hours = round(report.service_hours, 2)
        report.grids.extend(rows.values())
        return report


def paging(page: int, page_size: int) -> tuple[int, int]:
    return max(page, 1), min(max(page_size, 1), MAX_PAGE_SIZE) if page_size else 20


_CODES = {
    "role": grpc.StatusCode.PERMISSION_DENIED,
    "state": grpc.StatusCode.FAILED_PRECONDITION,
    "not_found": grpc.StatusCode.NOT_FOUND,
    "invalid": grpc.StatusCode.INVALID_ARGUMENT,
    "exists": grpc.StatusCode.ALREADY_EXISTS,
}


class CommunityServicer(pb_grpc.CommunityServiceServicer):
    def __init__(self, store: CommunityStore) -> None:
        self.store = store

    async def _run(self, context, coro):
        try:
            return await coro
        except Refused as exc:
            await context.abort(_CODES[exc.kind], str(exc))

    async def RegisterPartyMember(self, request, context) -> pb.PartyMember:
        if not request.member_id or not request.name:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "member_id and name are required")
        return member_to_proto(await self._run(context, self.store.register_member(request)))

    async def ListPartyMembers(self, request, context) -> pb.ListPartyMembersResponse:
        docs, total = await self.store.list_members(request.area, *paging(request.page, request.page_size))
        return pb.ListPartyMembersResponse(items=[member_to_proto(d) for d in docs], total=total)

    async def PlaceOrder(self, request, context) -> pb.ServiceOrder:
        return order_to_proto(await self._run(context, self.store.place_order(request)))

    async def ActOnOrder(self, request, context) -> pb.ServiceOrder:
        return order_to_proto(await self._run(context, self.store.act(request)))

    async def GetOrder(self, request, context) -> pb.ServiceOrder:
        doc = await self.store.orders.find_one({"_id": request.order_id})
        if doc is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"no service order {request.order_id!r}")
        return order_to_proto(doc)

    async def ListOrders(self, request, context) -> pb.ListOrdersResponse:
        docs, total = await self.store.list_orders(request, *paging(request.page, request.page_size))
        return pb.ListOrdersResponse(items=[order_to_proto(d) for d in docs], total=total)

    async def ServiceHours(self, request, context) -> pb.ServiceHoursResponse:
        return await self.store.service_hours(request.area, _time(request.from_time), _time(request.to_time))

    async def RecordAudit(self, request, context) -> pb.AuditEntry:
        if not request.who or not request.what or not request.why:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "who, what and why are required")
        return audit_to_proto(await self.store.record_audit(request))

    async def ListAudit(self, request, context) -> pb.ListAuditResponse:
        docs, total = await self.store.list_audit(request, *paging(request.page, request.page_size))
        return pb.ListAuditResponse(items=[audit_to_proto(d) for d in docs], total=total)

    async def GetWeeklyReport(self, request, context) -> pb.WeeklyReport:
        start, end = _time(request.start), _time(request.end)
        if start is None or end is None or end <= start:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "start and end must be set, end after start")
        return await self.store.weekly_report(request.area, start, end)
