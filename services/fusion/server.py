"""Fusion's gRPC API: the grid, locating, events as fused, cases, dead letters."""

from __future__ import annotations

import logging
from typing import Any

import grpc
from gridfusion.events.v1 import events_pb2
from gridfusion.fusion.v1 import fusion_pb2 as pb
from gridfusion.fusion.v1 import fusion_pb2_grpc as pb_grpc

from services.platform.clock import Clock, SystemClock
from services.platform.grpcserver import abort_invalid_argument
from services.platform.paging import (
    BadCursor,
    after_cursor,
    after_key_cursor,
    counted,
    cursor_of,
    key_cursor_of,
    page_after,
    paging,
)
from services.platform.scope import Principal, ScopeRefused, area_query, case_query, matches
from services.platform.vocabulary import OPEN_STATUSES
from services.reference.resolver import unlocatable_reason

from . import case_lists, dead_letters, workflow
from .cases import CaseStore, Conflict
from .co_governance import routed
from .convert import (
    case_to_proto,
    dead_letter_to_proto,
    event_to_proto,
    grid_to_proto,
    household_model_to_proto,
    timeline_to_proto,
)
from .outbox import Relay
from .party_api import actor_to_proto
from .reference import ReferenceHolder
from .reference_store import NO_DATA

log = logging.getLogger(__name__)

# A list counts at most this many matches unless asked for the exact total (count=true).
COUNT_CAP = 10_000
# `GET /v1/cases?status=open`: every case still in the loop.
OPEN = "open"


def scope_query(scope: pb.Scope) -> dict[str, Any]:
    """The MongoDB filter of the cases a request's scope sees, by the one rule of who sees what
    (:func:`services.platform.scope.case_query`); raises :class:`ScopeRefused` rather than fail open."""
    return case_query(Principal.of_scope(scope))


def both(*queries: dict[str, Any]) -> dict[str, Any]:
    """Every one of ``queries`` (so a filter never widens or replaces the scope's own conditions)."""
    given = [q for q in queries if q]
    if len(given) <= 1:
        return given[0] if given else {}
    return {"$and": given}


def ambiguous(event_id: str, departments: list[str]) -> str:
    """The refusal of an id several departments used, naming them (the gateway answers 409)."""
    return f"event id {event_id!r} was used by {len(departments)} departments: {', '.join(departments)}; name the department"


class FusionServicer(pb_grpc.FusionServiceServicer):
    def __init__(self, store: CaseStore, reference: ReferenceHolder, relay: Relay | None = None,
                 clock: Clock | None = None) -> None:
        self.store = store
        self.reference = reference
        self.resolver = reference.resolver
        self.relay = relay
        self.clock = clock or SystemClock()
        self.db = store.db

    async def _publish(self, messages: list[str]) -> None:
        if self.relay is not None and messages:
            try:
                await self.relay.publish(messages)
            except Exception:
                log.exception("case changes not published yet; the relay will")

    async def _require_reference(self, context) -> None:
        if self.reference.county is None:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, NO_DATA)

    async def ListGrids(self, request: pb.ListGridsRequest, context) -> pb.ListGridsResponse:
        await self._require_reference(context)
        scope = request.scope
        wanted = area_query(scope)
        grids = [grid_to_proto(doc) for grid_id, doc in sorted(self.reference.grid_docs.items())
                 if matches(wanted, {**doc, "grid_id": grid_id})]
        return pb.ListGridsResponse(grids=grids, reference_version=self.reference.version or "")

    async def GetGrid(self, request: pb.GetGridRequest, context) -> pb.Grid:
        await self._require_reference(context)
        doc = self.reference.grid_docs.get(request.grid_id)
        if doc is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"no grid {request.grid_id!r}")
        return grid_to_proto(doc)

    async def ListHouseholds(self, request: pb.ListHouseholdsRequest, context) -> pb.ListHouseholdsResponse:
        await self._require_reference(context)
        page, size = paging(request.page, request.page_size)
        try:
            after = after_key_cursor(request.cursor)[1] if request.cursor else None
        except BadCursor as bad:
            await abort_invalid_argument(context, [("cursor", str(bad).removeprefix("cursor: "))])
        households = list(self.reference.county.households_by_grid.get(request.grid_id, ()))  # household-id order
        chosen, next_key = page_after(households, lambda h: h.household_id, page, size, after)
        return pb.ListHouseholdsResponse(items=[household_model_to_proto(h) for h in chosen], total=len(households),
                                         next_cursor=key_cursor_of("", next_key) if next_key else "")

    async def Locate(self, request: pb.LocateRequest, context) -> pb.LocateResponse:
        resolution = self.resolver.locate(request.location)
        if resolution is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, "the location lies in no grid")
        grid = self.store.grids.get(resolution.grid_id, {})
        return pb.LocateResponse(
            grid_id=resolution.grid_id,
            grid_name=grid.get("name", ""),
            community_id=grid.get("community_id", ""),
            street_id=grid.get("street_id", ""),
            method=resolution.method,
            confidence=resolution.confidence,
        )

    async def GetEvent(self, request: pb.GetEventRequest, context) -> pb.FusedEvent:
        """The record of (department, event_id); without a department, of the one department
        that used the id."""
        if request.department:
            doc = await self.store.get_event(request.department, request.event_id)
            if doc is None:
                await context.abort(grpc.StatusCode.NOT_FOUND,
                                    f"fusion has not seen event {request.event_id!r} of {request.department}")
            return event_to_proto(doc)
        docs = await self.store.find_events(request.event_id)
        if not docs:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"fusion has not seen event {request.event_id!r}")
        if len(docs) > 1:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, ambiguous(request.event_id, [d["department"] for d in docs]))
        return event_to_proto(docs[0])

    async def FindEvents(self, request: pb.FindEventsRequest, context) -> pb.FindEventsResponse:
        return pb.FindEventsResponse(events=[event_to_proto(d) for d in await self.store.find_events(request.event_id)])

    async def ListCases(self, request: pb.ListCasesRequest, context) -> pb.ListCasesResponse:
        page, size = paging(request.page, request.page_size)
        try:
            scoped = scope_query(request.scope)
        except ScopeRefused as refused:
            await context.abort(refused.code, refused.message)
        filters: dict[str, Any] = {}
        if request.status == OPEN:
            filters["status"] = {"$in": list(OPEN_STATUSES)}
        for field in ("grid_id", "status", "category"):
            value = getattr(request, field)
            if value and not (field == "status" and value == OPEN):
                filters[field] = value
        if request.department:
            filters["departments"] = request.department
        try:
            after = after_cursor(request.cursor) if request.cursor else None
        except BadCursor as bad:
            await abort_invalid_argument(context, [("cursor", str(bad).removeprefix("cursor: "))])
        query = case_lists.list_query(scoped, filters)
        docs, next_key = await case_lists.list_cases(self.store.cases, query, page, size, after=after)
        out = pb.ListCasesResponse(items=[case_to_proto(d) for d in docs], total=-1,
                                   next_cursor=cursor_of(*next_key) if next_key else "")
        mode = request.count
        if mode == pb.COUNT_CAPPED and after is not None:
            mode = pb.COUNT_NONE
        if mode == pb.COUNT_EXACT:
            out.total, out.total_exact = await case_lists.count_cases(self.store.cases, query), True
        elif mode == pb.COUNT_CAPPED:
            out.total = await case_lists.count_cases(self.store.cases, query, cap=COUNT_CAP)
            out.total_exact = out.total < COUNT_CAP
        return out

    async def GetCase(self, request: pb.GetCaseRequest, context) -> pb.CaseDetail:
        try:
            scoped = scope_query(request.scope)
        except ScopeRefused as refused:
            await context.abort(refused.code, refused.message)
        doc = await self.store.cases.find_one(both({"_id": request.case_id}, scoped))
        if doc is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"no case {request.case_id!r} in your scope")
        records = await self.store.events_of(doc)
        timeline = await self.store.timeline_of(doc, records)
        allowed = workflow.available_actions(doc, Principal.of_actor(request.actor)) if request.HasField("actor") else ()
        return pb.CaseDetail(
            case=case_to_proto(doc), events=[event_to_proto(e) for e in records],
            timeline=[timeline_to_proto(t) for t in timeline], allowed_actions=allowed,
            property_route=await self._property_route(doc),
        )

    async def _property_route(self, doc: dict[str, Any]) -> pb.PropertyRoute | None:
        """红色物业: the compound's property company and owners' committee as the register holds them
        now, for a property-management case of a compound (see :mod:`.co_governance`)."""
        compound_id = doc.get("compound_id", "")
        register = self.store.co_governance
        if register is None or not routed(doc.get("family") or doc["category"].split(".", 1)[0], compound_id):
            return None
        route = (await register.property_routes([compound_id])).get(compound_id)
        if route is None:
            return None  # a compound the current reference version no longer has
        return pb.PropertyRoute(compound_id=route.compound_id, compound_name=route.compound_name,
                                actors=[actor_to_proto(a) for a in route.actors])

    async def ListDeadLetters(self, request: pb.ListDeadLettersRequest, context) -> pb.ListDeadLettersResponse:
        page, size = paging(request.page, request.page_size)
        try:
            after = after_cursor(request.cursor) if request.cursor else None
        except BadCursor as bad:
            await abort_invalid_argument(context, [("cursor", str(bad).removeprefix("cursor: "))])
        collection = self.store.dead_letters
        query = dead_letters.dead_letter_query(pending_only=request.pending_only, department=request.department)
        docs, next_key = await dead_letters.list_dead_letters(collection, query, page, size, after=after)
        total, exact = await counted(lambda cap: dead_letters.count_dead_letters(collection, query, cap), request.count,
                                     cursor=after is not None)
        return pb.ListDeadLettersResponse(items=[dead_letter_to_proto(d) for d in docs], total=total, total_exact=exact,
                                          next_cursor=cursor_of(*next_key) if next_key else "")

    async def ActOnCase(self, request: pb.ActOnCaseRequest, context) -> pb.Case:
        action = workflow.Request(
            action=request.action, note=request.note, department=request.department, risk_level=request.risk_level,
            rating=request.rating, result=request.result, into=request.into, event_ids=tuple(request.event_ids),
            satisfaction=request.satisfaction, channel=request.channel,
        )
        try:
            acted = await self.store.act(request.case_id, action, Principal.of_actor(request.actor), self.clock.now())
        except workflow.Refused as refused:
            if refused.kind == "invalid":
                await abort_invalid_argument(context, [(refused.field, refused.reason)])
            code = {"not_found": grpc.StatusCode.NOT_FOUND, "state": grpc.StatusCode.FAILED_PRECONDITION,
                    "role": grpc.StatusCode.PERMISSION_DENIED}[refused.kind]
            await context.abort(code, refused.reason)
        except Conflict as conflict:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, f"{conflict}; read it again and retry")
        await self._publish(acted.messages)
        return case_to_proto(acted.case)

    async def ReprocessDeadLetter(self, request: pb.ReprocessDeadLetterRequest, context) -> pb.FusedEvent:
        """Fuse a dead-lettered event again with the grid data as it is now."""
        department = request.department
        if not department:
            departments = await self.store.dead_letter_departments(request.event_id)
            if len(departments) > 1:
                await context.abort(grpc.StatusCode.FAILED_PRECONDITION, ambiguous(request.event_id, departments))
            department = departments[0] if departments else ""
        record = await self.store.dead_letter(department, request.event_id) if department else None
        if record is None:
            of = f" of {request.department}" if request.department else ""
            await context.abort(grpc.StatusCode.NOT_FOUND, f"no dead-lettered event {request.event_id!r}{of}")
        if record.get("reprocessed"):
            return event_to_proto(await self.store.get_event(department, request.event_id))
        event = events_pb2.DepartmentEvent.FromString(record["event"]) if record.get("event") else None
        # Only the department whose subject it came on may have it fused (see consumer.check_sender).
        if event is None or not record.get("reprocessable", True) or event.department != department:
            await context.abort(
                grpc.StatusCode.FAILED_PRECONDITION,
                f"event {request.event_id!r} of {department} cannot be re-processed: {record.get('reason', 'no stored event')}",
            )
        resolution = self.resolver.locate(event.location)
        if resolution is None:
            # A corrected version may have been imported since this process loaded one.
            await self.reference.refresh()
            resolution = self.resolver.locate(event.location)
        if resolution is None:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, f"still {unlocatable_reason(event.location)}")
        now = self.clock.now()
        fused = await self.store.fuse(event, resolution, now)
        await self.store.mark_reprocessed(department, request.event_id, fused.case_id, now)
        log.info("dead letter re-processed", extra={"event_id": event.id, "department": department,
                                                    "case_id": fused.case_id, "actor": request.actor})
        await self._publish(list(fused.messages))
        return event_to_proto(await self.store.get_event(department, request.event_id))
