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
from .orders import order_to_proto
from .organisations import OrganisationStore
from .refused import Refused
from .register import MemberRegister
from .teams import Team, TeamStore
from .timestamps import set_time, time_of

_CODES = {
    "role": grpc.StatusCode.PERMISSION_DENIED,
    "state": grpc.StatusCode.FAILED_PRECONDITION,
    "not_found": grpc.StatusCode.NOT_FOUND,
    "invalid": grpc.StatusCode.INVALID_ARGUMENT,
    "exists": grpc.StatusCode.ALREADY_EXISTS,
}


def team_to_proto(t: Team) -> pb.VolunteerTeam:
    out = pb.VolunteerTeam(team_id=t.team_id, name=t.name, description=t.description, street_id=t.street_id,
                           community_id=t.community_id, grid_id=t.grid_id, members=t.members, created_by=t.created_by)
    set_time(out.created_at, t.created_at)
    return out


class CommunityServicer(pb_grpc.CommunityServiceServicer):
    def __init__(self, store: CommunityStore, register: MemberRegister, teams: TeamStore,
                 organisations: OrganisationStore) -> None:
        self.store = store
        self.register = register
        self.teams = teams
        self.organisations = organisations

    async def _members(self, docs: list[dict]) -> list[pb.PartyMember]:
        """Registered members as the API gives them: with the hours of activities attended and
        their party group's name."""
        spent = await self.store.activity_hours([d["_id"] for d in docs])
        wanted = {d.get("group_id") for d in docs if d.get("group_id")}
        names = {o.org_id: o.name for o in await self.organisations.tree() if o.org_id in wanted} if wanted else {}
        return [member_to_proto(d, spent.get(d["_id"], 0.0), names.get(d.get("group_id", ""), "")) for d in docs]

    async def _check_group(self, context, group_id: str, grid_id: str) -> None:
        """INVALID_ARGUMENT naming ``group_id`` unless it is a party group of the grid."""
        if group_id and not any(o.org_id == group_id and o.level == "party_group" and o.grid_id == grid_id
                                for o in await self.organisations.tree()):
            await abort_invalid_argument(context, [("group_id", f"{group_id!r} is no party group of grid {grid_id}")])

    async def _run(self, context, coro):
        try:
            return await coro
        except Refused as exc:
            await context.abort(_CODES[exc.kind], str(exc))

    async def RegisterPartyMember(self, request, context) -> pb.PartyMember:
        if not request.member_id or not request.name:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "member_id and name are required")
        if request.register_id and await self.register.get(request.register_id) is None:
            why = f"{request.register_id!r} is on no register of the county's party members"
            await abort_invalid_argument(context, [("register_id", why)])
        await self._check_group(context, request.group_id, request.grid_id)
        doc = await self._run(context, self.store.register_member(request))
        return (await self._members([doc]))[0]

    async def UpdatePartyMember(self, request, context) -> pb.PartyMember:
        if request.HasField("group_id") and request.group_id:
            held = await self._run(context, self.store.get_member(request.member_id, request.area))
            await self._check_group(context, request.group_id, held["grid_id"])
        doc = await self._run(context, self.store.update_member(request))
        return (await self._members([doc]))[0]

    async def ListRegister(self, request, context) -> pb.ListRegisterResponse:
        a = request.area
        items, total, by_category = await self.register.page(a.street_id, a.community_id, a.grid_id, request.category,
                                                             *paging(request.page, request.page_size))
        return pb.ListRegisterResponse(total=total, by_category=by_category, items=[
            pb.RegisteredMember(member_id=e.member_id, name=e.name, phone=e.phone, grid_id=e.grid_id,
                                community_id=e.community_id, street_id=e.street_id, category=e.category,
                                group_id=e.group_id, registered_as=who) for e, who in items])

    async def SaveVolunteerTeam(self, request, context) -> pb.VolunteerTeam:
        t = request.team
        team = Team("", t.name, t.description, t.street_id, t.community_id, t.grid_id)
        return team_to_proto(await self._run(context, self.teams.save(team, request.actor, self.store.clock.now())))

    async def ListVolunteerTeams(self, request, context) -> pb.ListVolunteerTeamsResponse:
        a = request.area
        return pb.ListVolunteerTeamsResponse(items=[team_to_proto(t) for t in await self.teams.in_area(
            a.street_id, a.community_id, a.grid_id)])

    async def JoinVolunteerTeam(self, request, context) -> pb.VolunteerTeam:
        return team_to_proto(await self._run(context, self.teams.join(request.team_id, request.member_id,
                                                                      request.join)))

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
                                               count=request.count, category=request.category)
        return pb.ListPartyMembersResponse(items=await self._members(listed.items), total=listed.total,
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
