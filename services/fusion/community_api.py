"""``community.v1.CommunityService``: party members, service orders, service hours, the audit log
and the weekly report, answered from :class:`~services.fusion.community_store.CommunityStore`."""

from __future__ import annotations

import grpc
from gridfusion.community.v1 import community_pb2 as pb
from gridfusion.community.v1 import community_pb2_grpc as pb_grpc

from services.platform.grpcserver import abort_invalid_argument
from services.platform.paging import BadCursor, after_cursor, after_key_cursor, paging

from .audit import audit_to_proto
from .community_store import CommunityStore
from .members import member_to_proto
from .orders import Refused, order_to_proto
from .timestamps import time_of

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

    async def _after(self, context, cursor: str, read):
        """Where a list's page starts after ``cursor`` (None without one); INVALID_ARGUMENT
        naming the field when it is no cursor of the list."""
        try:
            return read(cursor) if cursor else None
        except BadCursor as bad:
            await abort_invalid_argument(context, [("cursor", str(bad).removeprefix("cursor: "))])

    async def ListPartyMembers(self, request, context) -> pb.ListPartyMembersResponse:
        after = await self._after(context, request.cursor, after_key_cursor)
        listed = await self.store.list_members(request.area, *paging(request.page, request.page_size), after=after,
                                               count=request.count)
        return pb.ListPartyMembersResponse(items=[member_to_proto(d) for d in listed.items], total=listed.total,
                                           total_exact=listed.total_exact, next_cursor=listed.next_cursor)

    async def PlaceOrder(self, request, context) -> pb.ServiceOrder:
        return order_to_proto(await self._run(context, self.store.place_order(request)))

    async def ActOnOrder(self, request, context) -> pb.ServiceOrder:
        return order_to_proto(await self._run(context, self.store.act(request)))

    async def GetOrder(self, request, context) -> pb.ServiceOrder:
        doc = await self.store.get_order(request.order_id)
        if doc is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"no service order {request.order_id!r}")
        return order_to_proto(doc)

    async def ListOrders(self, request, context) -> pb.ListOrdersResponse:
        after = await self._after(context, request.cursor, after_cursor)
        listed = await self.store.list_orders(request, *paging(request.page, request.page_size), after=after,
                                              count=request.count)
        return pb.ListOrdersResponse(items=[order_to_proto(d) for d in listed.items], total=listed.total,
                                     total_exact=listed.total_exact, next_cursor=listed.next_cursor)

    async def ServiceHours(self, request, context) -> pb.ServiceHoursResponse:
        return await self.store.service_hours(request.area, time_of(request.from_time), time_of(request.to_time))

    async def RecordAudit(self, request, context) -> pb.AuditEntry:
        if not request.who or not request.what or not request.why:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "who, what and why are required")
        return audit_to_proto(await self.store.record_audit(request))

    async def ListAudit(self, request, context) -> pb.ListAuditResponse:
        after = await self._after(context, request.cursor, after_cursor)
        listed = await self.store.list_audit(request, *paging(request.page, request.page_size), after=after,
                                             count=request.count)
        return pb.ListAuditResponse(items=[audit_to_proto(d) for d in listed.items], total=listed.total,
                                    total_exact=listed.total_exact, next_cursor=listed.next_cursor)

    async def GetWeeklyReport(self, request, context) -> pb.WeeklyReport:
        start, end = time_of(request.start), time_of(request.end)
        if start is None or end is None or end <= start:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "start and end must be set, end after start")
        return await self.store.weekly_report(request.area, start, end)
