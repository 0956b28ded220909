"""Party members and order-style service: ``/v1/party-members``, ``/v1/service-orders``,
``/v1/service-hours``.

在职党员到网格报到: a party member in work registers to the grid where they live, with the service
post it takes on (设岗定责) and its party group; the grid's staff may change both. The county's
register of members as people (党员名册) is ``/v1/party-members/register``.
居民点单、支部下单、党员接单: a resident orders, the branch secretary dispatches to a registered
member, the member takes and completes the order, the resident rates it.
"""

from __future__ import annotations

from typing import Annotated, Any

import grpc
from fastapi import APIRouter, Depends, HTTPException, Query, status
from gridfusion.community.v1 import community_pb2 as cpb

from services.platform.scope import sees_place

from ...auth import Principal
from ...privacy import grid_staff, mask_name, mask_phone, mask_text, record_read
from ...scoping import AREA_ROLES, OutOfScope, narrow
from ..deps import (
    PAGE_SIZE_MAX,
    Caller,
    CountParam,
    Cursor,
    GatewayState,
    Page,
    PageSize,
    State,
    count_mode,
    require_roles,
    total_of,
)
from ..models import (
    MemberCategory,
    OrderActionIn,
    OrderStep,
    PartyMember,
    PartyMemberChange,
    PartyMemberIn,
    PartyMemberPage,
    RegisterEntry,
    RegisterPage,
    ServiceHours,
    ServiceOrder,
    ServiceOrderIn,
    ServiceOrderPage,
)
from ..problems import SIGNED_IN, answers, link, links

router = APIRouter(prefix="/v1", tags=["party members and service orders"], responses=answers(*SIGNED_IN, 404, 409, 413))

Member = Annotated[Principal, Depends(require_roles("member"))]
Resident = Annotated[Principal, Depends(require_roles("resident"))]
AreaViewer = Annotated[Principal, Depends(require_roles(*AREA_ROLES))]
Purpose = Annotated[str | None, Query(max_length=500, description="Why personal data is read (audited)")]


async def area_of(state: GatewayState, caller: Principal, grid_id: str | None, community_id: str | None,
                  street_id: str | None) -> cpb.Area:
    try:
        return narrow(caller, await state.grids(), grid_id=grid_id or "", community_id=community_id or "",
                      street_id=street_id or "")
    except OutOfScope as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from exc
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc


def member_json(m: cpb.PartyMember, state: GatewayState, *, unmasked: bool) -> PartyMember:
    return PartyMember(
        member_id=m.member_id, name=m.name if unmasked else mask_name(m.name),
        phone=m.phone if unmasked else mask_phone(m.phone), workplace=m.workplace, grid_id=m.grid_id,
        community_id=m.community_id, street_id=m.street_id, registered_at=state.iso(m.registered_at),
        service_hours=round(m.service_hours, 2), orders_completed=m.orders_completed, skills=list(m.skills),
        category=m.category, group_id=m.group_id or None, service_post=m.service_post or None,
        volunteer_teams=list(m.volunteer_teams), activity_hours=round(m.activity_hours, 2),
        register_id=m.register_id or None, group_name=m.group_name or None,
    )


def _text(text: str, unmasked: bool) -> str:
    return text if unmasked else mask_text(text)[0]


def order_json(o: cpb.ServiceOrder, state: GatewayState, *, unmasked: bool, member_unmasked: bool = False) -> ServiceOrder:
    """An order as the caller may see it: the contact (and phone or ID numbers in the order's
    text) unless ``unmasked``, the serving member's name unless ``member_unmasked``, masked as
    ``/party-members`` masks them."""
    return ServiceOrder(
        order_id=o.order_id, grid_id=o.grid_id, community_id=o.community_id, street_id=o.street_id, kind=o.kind,
        title=_text(o.title, unmasked), description=_text(o.description, unmasked), resident=o.resident,
        contact_name=o.contact_name if unmasked else mask_name(o.contact_name),
        contact_phone=o.contact_phone if unmasked else mask_phone(o.contact_phone),
        address=o.address, status=o.status, member_id=o.member_id or None,
        member_name=(o.member_name if member_unmasked else mask_name(o.member_name)) or None,
        hours=round(o.hours, 2), rating=o.rating or None, placed_at=state.iso(o.placed_at),
        updated_at=state.iso(o.updated_at), completed_at=state.iso(o.completed_at),
        steps=[OrderStep(at=state.iso(s.at), action=s.action, actor=s.actor, role=s.role, from_status=s.from_status or None,
                         to_status=s.to_status, note=_text(s.note, unmasked) or None) for s in o.steps],
    )


def placed(caller: Principal, o: cpb.ServiceOrder) -> bool:
    """The caller is the resident who placed the order."""
    return caller.role == "resident" and o.resident == caller.username


def serving(caller: Principal, o: cpb.ServiceOrder) -> bool:
    """The caller is the party member the order is dispatched to."""
    return caller.role == "member" and o.member_id == caller.username


def sees_order(caller: Principal, o: cpb.ServiceOrder) -> bool:
    """The resident who placed it, the member serving it, and whoever sees its place."""
    return placed(caller, o) or serving(caller, o) or sees_place(caller, o)


def member_unmasked(caller: Principal, o: cpb.ServiceOrder) -> bool:
    """The serving member's name: the grid's staff (audited with the contact) and the member itself."""
    return grid_staff(caller, o.grid_id) or serving(caller, o)


def contact_unmasked(caller: Principal, o: cpb.ServiceOrder) -> tuple[bool, bool]:
    """(unmasked, audited): the resident reads their own contact unaudited; the grid's staff
    and the member serving the order read it unmasked, and that read is audited."""
    if placed(caller, o):
        return True, False
    if member_unmasked(caller, o):
        return True, True
    return False, False


async def shown_orders(state: GatewayState, caller: Principal, orders: list[cpb.ServiceOrder], why: str | None,
                       what: str) -> list[ServiceOrder]:
    out, audited_by_grid = [], {}
    for o in orders:
        unmasked, audited = contact_unmasked(caller, o)
        if audited:
            audited_by_grid[o.grid_id] = audited_by_grid.get(o.grid_id, 0) + 1
        out.append(order_json(o, state, unmasked=unmasked, member_unmasked=member_unmasked(caller, o)))
    for grid_id, count in audited_by_grid.items():
        await record_read(state, caller, what=f"{what} (contact and member names, phones)", why=why, grid_id=grid_id,
                          records=count)
    return out


# --- party members ---------------------------------------------------------------------------
@router.post("/party-members", response_model=PartyMember, status_code=status.HTTP_201_CREATED,
             responses={201: links(Registration=link("my_registration_v1_party_members_me_get",
                                                     "The registration, read back"))},
             summary="A party member in work registers to the grid where they live (在职党员到网格报到)")
async def register(body: PartyMemberIn, state: State, caller: Member) -> PartyMember:
    reply = await state.peers.community.RegisterPartyMember(
        cpb.RegisterPartyMemberRequest(member_id=caller.username, name=body.name, phone=body.phone,
                                       workplace=body.workplace, grid_id=caller.grid_id, skills=body.skills,
                                       category=body.category, service_post=body.service_post or "",
                                       group_id=body.group_id or "", register_id=body.register_id or ""),
        timeout=state.settings.rpc_timeout_seconds,
    )
    return member_json(reply, state, unmasked=True)


@router.get("/party-members/me", response_model=PartyMember, summary="The calling party member's registration")
async def my_registration(state: State, caller: Member) -> PartyMember:
    cursor = ""
    while True:  # the grid's members, a page at a time, until the caller is found
        reply = await state.peers.community.ListPartyMembers(
            cpb.ListPartyMembersRequest(area=cpb.Area(grid_id=caller.grid_id), page_size=PAGE_SIZE_MAX, cursor=cursor,
                                        count=count_mode(False)),
            timeout=state.settings.rpc_timeout_seconds,
        )
        for m in reply.items:
            if m.member_id == caller.username:
                return member_json(m, state, unmasked=True)
        cursor = reply.next_cursor
        if not cursor:
            break
    raise HTTPException(status.HTTP_404_NOT_FOUND, "not registered yet: POST /v1/party-members")


@router.get("/party-members", response_model=PartyMemberPage,
            summary="Registered party members in the caller's area; names and phones masked unless the grid's staff asks")
async def list_members(
    state: State, caller: AreaViewer, grid_id: str | None = None, community_id: str | None = None,
    street_id: str | None = None, category: Annotated[MemberCategory | None, Query()] = None, page: Page = 1,
    page_size: PageSize = 50, cursor: Cursor = None, count: CountParam = None, purpose: Purpose = None,
) -> PartyMemberPage:
    area = await area_of(state, caller, grid_id, community_id, street_id)
    reply = await state.peers.community.ListPartyMembers(
        cpb.ListPartyMembersRequest(area=area, page=page, page_size=page_size, cursor=cursor or "",
                                    count=count_mode(count), category=category or ""),
        timeout=state.settings.rpc_timeout_seconds,
    )
    unmasked = bool(area.grid_id) and grid_staff(caller, area.grid_id)
    if unmasked:
        await record_read(state, caller, what=f"party members of grid {area.grid_id} page {page} (names, phones)",
                          why=purpose, grid_id=area.grid_id, records=len(reply.items))
    return PartyMemberPage(items=[member_json(m, state, unmasked=unmasked) for m in reply.items],
                           total=total_of(reply.total), total_exact=reply.total_exact, page=page, page_size=page_size,
                           next_cursor=reply.next_cursor or None)


@router.get("/party-members/register", response_model=RegisterPage,
            summary="The county's register of party members as people (党员名册) in the caller's area: category, "
                    "home grid, party group, and the account whose registration (报到) names each; names and "
                    "phones masked unless the grid's staff asks (audited)")
async def member_register(
    state: State, caller: AreaViewer, grid_id: str | None = None, community_id: str | None = None,
    street_id: str | None = None, category: Annotated[MemberCategory | None, Query()] = None, page: Page = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50, purpose: Purpose = None,
) -> RegisterPage:
    area = await area_of(state, caller, grid_id, community_id, street_id)
    reply = await state.peers.community.ListRegister(
        cpb.ListRegisterRequest(area=area, category=category or "", page=page, page_size=page_size),
        timeout=state.settings.rpc_timeout_seconds)
    unmasked = bool(area.grid_id) and grid_staff(caller, area.grid_id)
    if unmasked and reply.items:
        await record_read(state, caller, what=f"party member register of grid {area.grid_id} page {page} (names, phones)",
                          why=purpose, grid_id=area.grid_id, records=len(reply.items))
    return RegisterPage(
        items=[RegisterEntry(member_id=e.member_id, name=e.name if unmasked else mask_name(e.name),
                             phone=e.phone if unmasked else mask_phone(e.phone), grid_id=e.grid_id,
                             community_id=e.community_id, street_id=e.street_id, category=e.category,
                             group_id=e.group_id or None, registered_as=e.registered_as or None) for e in reply.items],
        total=reply.total, by_category=dict(reply.by_category), page=page, page_size=page_size)


@router.patch("/party-members/{member_id}", response_model=PartyMember,
              summary="The grid's staff, its community or street set a registered member's service post (设岗定责) "
                      "or party group; a member outside the caller's area is a 404")
async def change_member(member_id: str, body: PartyMemberChange, state: State, caller: AreaViewer) -> PartyMember:
    area = await area_of(state, caller, None, None, None)
    request = cpb.UpdatePartyMemberRequest(member_id=member_id, area=area)
    if body.service_post is not None:
        request.service_post = body.service_post
    if body.group_id is not None:
        request.group_id = body.group_id
    reply = await state.peers.community.UpdatePartyMember(request, timeout=state.settings.rpc_timeout_seconds)
    return member_json(reply, state, unmasked=grid_staff(caller, reply.grid_id))


# --- service orders --------------------------------------------------------------------------
# An order leads to its reading and its next step, and each of those to the other.
ORDER = link("get_order_v1_service_orders__order_id__get", "The order with its steps",
             order_id="$response.body#/order_id")
ORDER_ACTIONS = link("act_on_order_v1_service_orders__order_id__actions_post", "The order's next step",
                     order_id="$response.body#/order_id")


@router.post("/service-orders", response_model=ServiceOrder, status_code=status.HTTP_201_CREATED,
             responses={201: links(Order=ORDER, ActOnOrder=ORDER_ACTIONS)},
             summary="A resident places a service order in their grid (居民点单)")
async def place_order(body: ServiceOrderIn, state: State, caller: Resident) -> ServiceOrder:
    reply = await state.peers.community.PlaceOrder(
        cpb.PlaceOrderRequest(order_id=body.id or "", actor=caller.community_actor(), kind=body.kind, title=body.title,
                              description=body.description, contact_name=body.contact_name,
                              contact_phone=body.contact_phone, address=body.address),
        timeout=state.settings.rpc_timeout_seconds,
    )
    return order_json(reply, state, unmasked=True)


@router.get("/service-orders", response_model=ServiceOrderPage,
            responses={200: links(FirstOrder=link("get_order_v1_service_orders__order_id__get", "The page's first order",
                                                  order_id="$response.body#/items/0/order_id"))},
            summary="Service orders: a resident's own, a member's dispatched to them, or those of the caller's area")
async def list_orders(
    state: State, caller: Caller, grid_id: str | None = None, community_id: str | None = None,
    street_id: str | None = None, status_: Annotated[str | None, Query(alias="status")] = None,
    page: Page = 1, page_size: PageSize = 20, cursor: Cursor = None, count: CountParam = None,
    purpose: Purpose = None,
) -> ServiceOrderPage:
    request = cpb.ListOrdersRequest(status=status_ or "", page=page, page_size=page_size, cursor=cursor or "",
                                    count=count_mode(count))
    if caller.role == "resident":
        request.resident = caller.username
    elif caller.role == "member":
        request.member_id = caller.username
    elif caller.role in AREA_ROLES:
        request.area.CopyFrom(await area_of(state, caller, grid_id, community_id, street_id))
    else:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"role '{caller.role}' sees no service orders")
    reply = await state.peers.community.ListOrders(request, timeout=state.settings.rpc_timeout_seconds)
    items = await shown_orders(state, caller, list(reply.items), purpose, f"service orders page {page}")
    return ServiceOrderPage(items=items, total=total_of(reply.total), total_exact=reply.total_exact, page=page,
                            page_size=page_size, next_cursor=reply.next_cursor or None)


async def visible_order(state: GatewayState, caller: Principal, order_id: str) -> cpb.ServiceOrder:
    try:
        order = await state.peers.community.GetOrder(cpb.GetOrderRequest(order_id=order_id),
                                                     timeout=state.settings.rpc_timeout_seconds)
    except grpc.aio.AioRpcError as exc:
        if exc.code() != grpc.StatusCode.NOT_FOUND:
            raise
        order = None
    if order is None or not sees_order(caller, order):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no service order {order_id!r} in your scope")
    return order


@router.get("/service-orders/{order_id}", response_model=ServiceOrder, responses={200: links(ActOnOrder=ORDER_ACTIONS)},
            summary="One service order with its steps")
async def get_order(order_id: str, state: State, caller: Caller, purpose: Purpose = None) -> ServiceOrder:
    order = await visible_order(state, caller, order_id)
    return (await shown_orders(state, caller, [order], purpose, f"service order {order_id}"))[0]


@router.post("/service-orders/{order_id}/actions", response_model=ServiceOrder,
             responses={200: links(Order=ORDER), 403: {"description": "The caller's role may not take this action"},
                        409: {"description": "The order's state does not allow the action"}},
             summary="dispatch (支部下单, secretary) · take (党员接单) · complete (member, hours) · rate (resident) · cancel")
async def act_on_order(order_id: str, body: OrderActionIn, state: State, caller: Caller) -> ServiceOrder:
    await visible_order(state, caller, order_id)
    if body.action == "dispatch" and not body.member_id:
        raise HTTPException(422, [{"loc": ["body", "member_id"], "msg": "dispatch needs member_id", "type": "missing"}])
    if body.action == "complete" and body.hours is None:
        raise HTTPException(422, [{"loc": ["body", "hours"], "msg": "complete needs hours", "type": "missing"}])
    if body.action == "rate" and body.rating is None:
        raise HTTPException(422, [{"loc": ["body", "rating"], "msg": "rate needs a rating of 1 to 5", "type": "missing"}])
    reply = await state.peers.community.ActOnOrder(
        cpb.ActOnOrderRequest(order_id=order_id, action=body.action, actor=caller.community_actor(), member_id=body.member_id or "",
                              hours=body.hours or 0.0, rating=body.rating or 0, note=body.note),
        timeout=state.settings.rpc_timeout_seconds,
    )
    return (await shown_orders(state, caller, [reply], None, f"service order {order_id} after {body.action}"))[0]


@router.get("/service-hours", response_model=ServiceHours,
            summary="Completed service hours per party member and per grid in the caller's area")
async def service_hours(
    state: State, caller: AreaViewer, grid_id: str | None = None, community_id: str | None = None,
    street_id: str | None = None,
) -> ServiceHours:
    area = await area_of(state, caller, grid_id, community_id, street_id)
    reply = await state.peers.community.ServiceHours(cpb.ServiceHoursRequest(area=area),
                                                     timeout=state.settings.rpc_timeout_seconds)
    members: list[dict[str, Any]] = [
        {"member_id": m.member_id, "name": mask_name(m.name), "grid_id": m.grid_id, "hours": round(m.hours, 2),
         "orders_completed": m.orders_completed, "activity_hours": round(m.activity_hours, 2)}
        for m in reply.members
    ]
    grids = [{"grid_id": g.grid_id, "hours": round(g.hours, 2), "orders_completed": g.orders_completed,
              "members": g.members, "activity_hours": round(g.activity_hours, 2)} for g in reply.grids]
    return ServiceHours(members=members, grids=grids)
