"""``/v1/party/organisations``, ``/v1/grids/{grid_id}/contacts``,
``/v1/co-governance/organisations``, ``/v1/stations`` and ``/v1/service-circle/gaps``: the party
organisation of the grid (党建引领), four levels — the
street's big working committee (街道大工委), the community's big party committee (社区大党委), the
grid's party branch (网格党支部) and the courtyard or building party group (楼院党小组) — with who
holds each post.

Everyone who sees places reads the organisations of their area (a grid's staff: its branch and
groups). The posts are public offices, so their holders' names are shown; their phones are
masked unless the grid's own staff ask (audited). The street and the community keep them: set
an organisation's posts and add groups to a branch of their area; the county anywhere.

A grid's contacts are who it has from the county: its 包管 cadres (a deputy-section-level leader
and an agency cadre) and the county agencies paired with it (机关联系网格). The county and the
street assign them.

The co-governance actors (共建共治) are the owners' committees, property companies, resident units
and social organisations of an area, each with the person to contact: read like the
organisations, kept by the community, the street and the county.

The party-mass service stations (党群服务站, one per grid) carry the six-haves checklist (六有),
kept by the community; the one-kilometre service circle (一公里服务圈) lists the households
farther than a kilometre's walk from every station.

Activities (``/v1/activities``): the six ones (六个一) every grid holds each quarter, party-member
dedication days and volunteer days. The grid's staff, its community, its street or the county
plan one; the grid's party members and residents sign up; the grid's staff record who came.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

import grpc
from fastapi import APIRouter, Depends, HTTPException, Query, status
from gridfusion.community.v1 import community_pb2 as cpb
from gridfusion.party.v1 import party_pb2 as ppb

from services.platform.scope import sees_place

from ...auth import Principal
from ...privacy import grid_staff, kept_name, kept_phone, mask_name, mask_phone, record_read
from ...scoping import AREA_ROLES
from ..deps import GatewayState, Page, State, require_roles, stamp
from ..models import (
    ActivityIn,
    ActivityKind,
    ActivityList,
    AttendanceIn,
    CadreNotice,
    CadreNotices,
    CircleGap,
    CircleGapPage,
    CoGovernanceActor,
    CoGovernanceChange,
    CoGovernanceIn,
    CoGovernanceKind,
    CoGovernancePage,
    GridActivity,
    GridCadreHeld,
    GridContacts,
    GridContactsIn,
    NoticeRecipient,
    PartyGroupIn,
    PartyOrganisation,
    PartyOrganisations,
    PartyPostHeld,
    PartyPostsIn,
    ServiceStation,
    ServiceStations,
    SixHaves,
    SixOnesCoverage,
    SixOnesOfGrid,
)
from ..problems import SIGNED_IN, answers
from .community import area_of

router = APIRouter(prefix="/v1", tags=["party organisation"], responses=answers(*SIGNED_IN, 404, 409))

Viewer = Annotated[Principal, Depends(require_roles(*AREA_ROLES))]
Keeper = Annotated[Principal, Depends(require_roles("county", "street", "community"))]
Assigner = Annotated[Principal, Depends(require_roles("county", "street"))]
Organiser = Annotated[Principal, Depends(require_roles(*AREA_ROLES))]
Participant = Annotated[Principal, Depends(require_roles("member", "resident"))]
Anyone = Annotated[Principal, Depends(require_roles(*AREA_ROLES, "member", "resident"))]
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
Purpose = Annotated[str | None, Query(max_length=500, description="Why personal data is read (audited)")]


def organisation_json(o: ppb.Organisation, state: GatewayState, caller: Principal) -> PartyOrganisation:
    unmasked = grid_staff(caller, o.grid_id)
    return PartyOrganisation(
        org_id=o.org_id, level=o.level, name=o.name, parent_id=o.parent_id or None, street_id=o.street_id,
        community_id=o.community_id or None, grid_id=o.grid_id or None, compound_id=o.compound_id or None,
        party_members=o.party_members, source=o.source, updated_by=o.updated_by or None,
        updated_at=state.iso(o.updated_at),
        posts=[PartyPostHeld(post=p.post, name=p.name, phone=p.phone if unmasked else mask_phone(p.phone),
                         member_id=p.member_id) for p in o.posts])


async def _listed(state: GatewayState, area: cpb.Area) -> ppb.ListOrganisationsResponse:
    return await state.peers.party.ListOrganisations(
        ppb.ListOrganisationsRequest(area=_party_area(area)),
        timeout=state.settings.rpc_timeout_seconds)


def _party_area(area: cpb.Area) -> ppb.Area:
    return ppb.Area(street_id=area.street_id, community_id=area.community_id, grid_id=area.grid_id)


def _kept(given: str, held: list[str], field: str) -> str:
    """A phone from a form: a masked one (what the caller was shown) keeps the number held by
    the same person; one that matches none is a 422 naming the field."""
    phone = kept_phone(given, held)
    if phone is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, [{
            "loc": ["body", *field.replace("[", ".").replace("]", "").split(".")], "type": "value_error",
            "msg": "a masked number keeps the number held for this person, and none is: give the whole number"}])
    return phone


async def _in_scope(state: GatewayState, caller: Principal, org_id: str) -> ppb.Organisation:
    """The organisation, if it lies in the caller's area; 404 otherwise (whether or not it exists)."""
    area = await area_of(state, caller, None, None, None)
    found = next((o for o in (await _listed(state, area)).items if o.org_id == org_id), None)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no organisation {org_id!r} in your area")
    return found


@router.get("/party/organisations", response_model=PartyOrganisations,
            summary="The party organisations of the caller's area, four levels, parents before their children; "
                    "grid_id, community_id or street_id narrow it")
async def list_organisations(
    state: State, caller: Viewer, grid_id: str | None = None, community_id: str | None = None,
    street_id: str | None = None, purpose: Purpose = None,
) -> PartyOrganisations:
    area = await area_of(state, caller, grid_id, community_id, street_id)
    reply = await _listed(state, area)
    own = [o for o in reply.items if grid_staff(caller, o.grid_id) and any(p.phone for p in o.posts)]
    if own:
        await record_read(state, caller, what=f"party posts of grid {caller.grid_id} (phones)", why=purpose,
                          grid_id=caller.grid_id, records=sum(len(o.posts) for o in own))
    items = [organisation_json(o, state, caller) for o in reply.items]
    return PartyOrganisations(items=items, total=len(items), reference_version=reply.reference_version)


@router.put("/party/organisations/{org_id}/posts", response_model=PartyOrganisation,
            summary="Set who holds an organisation's posts (the list replaces the one held); the street and "
                    "the community in their area, the county anywhere")
async def set_posts(org_id: str, body: PartyPostsIn, state: State, caller: Keeper) -> PartyOrganisation:
    held = await _in_scope(state, caller, org_id)
    posts = [ppb.Post(**{**p.model_dump(), "phone": _kept(p.phone, [h.phone for h in held.posts if h.name == p.name],
                                                          f"posts[{i}].phone")})
             for i, p in enumerate(body.posts)]
    reply = await state.peers.party.SetPosts(ppb.SetPostsRequest(org_id=org_id, actor=caller.username, posts=posts),
                                             timeout=state.settings.rpc_timeout_seconds)
    return organisation_json(reply, state, caller)


@router.post("/party/organisations", response_model=PartyOrganisation, status_code=status.HTTP_201_CREATED,
             summary="Add a party group (楼院党小组) to a branch of the caller's area; 409 when the branch "
                     "has a group of that name")
async def add_group(body: PartyGroupIn, state: State, caller: Keeper) -> PartyOrganisation:
    await _in_scope(state, caller, body.parent_id)
    reply = await state.peers.party.AddGroup(
        ppb.AddGroupRequest(parent_id=body.parent_id, name=body.name, compound_id=body.compound_id,
                            actor=caller.username),
        timeout=state.settings.rpc_timeout_seconds)
    return organisation_json(reply, state, caller)


def contacts_json(c: ppb.GridContacts, state: GatewayState, caller: Principal) -> GridContacts:
    unmasked = grid_staff(caller, c.grid_id)
    return GridContacts(
        grid_id=c.grid_id, paired_agencies=list(c.paired_agencies), source=c.source,
        updated_by=c.updated_by or None, updated_at=state.iso(c.updated_at),
        cadres=[GridCadreHeld(role=x.role, name=x.name, phone=x.phone if unmasked else mask_phone(x.phone),
                              agency=x.agency) for x in c.cadres])


@router.get("/grids/{grid_id}/contacts", response_model=GridContacts,
            summary="Who the grid has from the county: its 包管 cadres and the agencies paired with it "
                    "(机关联系网格); phones masked unless the grid's own staff ask (audited)")
async def grid_contacts(grid_id: str, state: State, caller: Viewer, purpose: Purpose = None) -> GridContacts:
    await area_of(state, caller, grid_id, None, None)
    reply = await state.peers.party.GetGridContacts(ppb.GetGridContactsRequest(grid_id=grid_id),
                                                    timeout=state.settings.rpc_timeout_seconds)
    if grid_staff(caller, grid_id) and any(c.phone for c in reply.cadres):
        await record_read(state, caller, what=f"county contacts of grid {grid_id} (phones)", why=purpose,
                          grid_id=grid_id, records=len(reply.cadres))
    return contacts_json(reply, state, caller)


@router.get("/grids/{grid_id}/notices", response_model=CadreNotices,
            summary="What the grid's 包管 cadres were told of its overdue cases (a case escalated when its time "
                    "limit passed, or put under supervision 督办), newest first; phones masked unless the grid's "
                    "own staff ask")
async def grid_notices(grid_id: str, state: State, caller: Viewer,
                       limit: Annotated[int, Query(ge=1, le=500)] = 100) -> CadreNotices:
    await area_of(state, caller, grid_id, None, None)
    reply = await state.peers.party.ListNotices(ppb.ListNoticesRequest(area=ppb.Area(grid_id=grid_id), limit=limit),
                                                timeout=state.settings.rpc_timeout_seconds)
    unmasked = grid_staff(caller, grid_id)
    items = [CadreNotice(
        notice_id=n.notice_id, case_id=n.case_id, grid_id=n.grid_id, change=n.change, level=n.level,
        category=n.category, note=n.note, status=n.status, text=n.text or None, created_at=state.iso(n.created_at),
        sent_at=state.iso(n.sent_at),
        recipients=[NoticeRecipient(role=r.role, name=r.name, phone=r.phone if unmasked else mask_phone(r.phone),
                                    message_id=r.message_id) for r in n.recipients]) for n in reply.items]
    return CadreNotices(items=items, total=len(items))


@router.put("/grids/{grid_id}/contacts", response_model=GridContacts,
            summary="Assign the grid's 包管 cadres and paired agencies (the lists replace those held); "
                    "the street in its area, the county anywhere")
async def set_grid_contacts(grid_id: str, body: GridContactsIn, state: State, caller: Assigner) -> GridContacts:
    await area_of(state, caller, grid_id, None, None)
    held = await state.peers.party.GetGridContacts(ppb.GetGridContactsRequest(grid_id=grid_id),
                                                   timeout=state.settings.rpc_timeout_seconds)
    cadres = [ppb.Cadre(**{**c.model_dump(), "phone": _kept(c.phone, [h.phone for h in held.cadres if h.name == c.name],
                                                             f"cadres[{i}].phone")})
              for i, c in enumerate(body.cadres)]
    reply = await state.peers.party.SetGridContacts(
        ppb.SetGridContactsRequest(grid_id=grid_id, actor=caller.username, paired_agencies=body.paired_agencies,
                                   cadres=cadres),
        timeout=state.settings.rpc_timeout_seconds)
    return contacts_json(reply, state, caller)


def actor_json(a: ppb.CoGovernanceActor, state: GatewayState, caller: Principal) -> CoGovernanceActor:
    return CoGovernanceActor(
        org_id=a.org_id, kind=a.kind, name=a.name, grid_id=a.grid_id, compound_id=a.compound_id or None,
        community_id=a.community_id, street_id=a.street_id,
        contact_name=a.contact_name if grid_staff(caller, a.grid_id) else mask_name(a.contact_name),
        contact_phone=a.contact_phone if grid_staff(caller, a.grid_id) else mask_phone(a.contact_phone),
        source=a.source, updated_by=a.updated_by or None, updated_at=state.iso(a.updated_at))


@router.get("/co-governance/organisations", response_model=CoGovernancePage,
            summary="The co-governance actors of the caller's area (共建共治): owners' committees, property "
                    "companies, resident units and social organisations, each with its contact")
async def list_co_governance(
    state: State, caller: Viewer, grid_id: str | None = None, community_id: str | None = None,
    street_id: str | None = None, kind: Annotated[CoGovernanceKind | None, Query()] = None, purpose: Purpose = None,
) -> CoGovernancePage:
    area = await area_of(state, caller, grid_id, community_id, street_id)
    reply = await state.peers.party.ListCoGovernance(
        ppb.ListCoGovernanceRequest(area=_party_area(area), kind=kind or ""),
        timeout=state.settings.rpc_timeout_seconds)
    own = [a for a in reply.items if grid_staff(caller, a.grid_id) and (a.contact_phone or a.contact_name)]
    if own:
        await record_read(state, caller, what=f"co-governance contacts of grid {caller.grid_id} (names, phones)",
                          why=purpose, grid_id=caller.grid_id, records=len(own))
    items = [actor_json(a, state, caller) for a in reply.items]
    return CoGovernancePage(items=items, total=len(items))


@router.post("/co-governance/organisations", response_model=CoGovernanceActor, status_code=status.HTTP_201_CREATED,
             summary="Add a co-governance actor to a grid of the caller's area")
async def add_co_governance(body: CoGovernanceIn, state: State, caller: Keeper) -> CoGovernanceActor:
    await area_of(state, caller, body.grid_id, None, None)
    reply = await state.peers.party.SaveCoGovernance(
        ppb.SaveCoGovernanceRequest(record=ppb.CoGovernanceActor(**body.model_dump()), actor=caller.username),
        timeout=state.settings.rpc_timeout_seconds)
    return actor_json(reply, state, caller)


@router.patch("/co-governance/organisations/{org_id}", response_model=CoGovernanceActor,
              summary="Change a co-governance actor's name or contact; the community, the street and the "
                      "county in their area")
async def change_co_governance(org_id: str, body: CoGovernanceChange, state: State, caller: Keeper) -> CoGovernanceActor:
    area = await area_of(state, caller, None, None, None)
    held = await state.peers.party.ListCoGovernance(
        ppb.ListCoGovernanceRequest(area=_party_area(area)),
        timeout=state.settings.rpc_timeout_seconds)
    found = next((a for a in held.items if a.org_id == org_id), None)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no co-governance actor {org_id!r} in your area")
    name = kept_name(body.contact_name, found.contact_name)
    phone = _kept(body.contact_phone, [found.contact_phone] if found.contact_name == name else [], "contact_phone")
    reply = await state.peers.party.SaveCoGovernance(
        ppb.SaveCoGovernanceRequest(record=ppb.CoGovernanceActor(org_id=org_id, name=body.name or "",
                                                                 contact_name=name, contact_phone=phone),
                                    actor=caller.username),
        timeout=state.settings.rpc_timeout_seconds)
    return actor_json(reply, state, caller)


def station_json(x: ppb.Station, state: GatewayState) -> ServiceStation:
    return ServiceStation(
        station_id=x.station_id, name=x.name, grid_id=x.grid_id, community_id=x.community_id, street_id=x.street_id,
        lon=x.lon, lat=x.lat, checklist=dict(x.checklist), complete=all(x.checklist.values()) and bool(x.checklist),
        source=x.source, updated_by=x.updated_by or None, updated_at=state.iso(x.updated_at))


@router.get("/stations", response_model=ServiceStations,
            summary="The party-mass service stations of the caller's area (党群服务站), each with its "
                    "six-haves checklist (六有)")
async def list_stations(state: State, caller: Viewer, grid_id: str | None = None, community_id: str | None = None,
                        street_id: str | None = None) -> ServiceStations:
    area = await area_of(state, caller, grid_id, community_id, street_id)
    reply = await state.peers.party.ListStations(
        ppb.ListStationsRequest(area=_party_area(area)),
        timeout=state.settings.rpc_timeout_seconds)
    items = [station_json(x, state) for x in reply.items]
    return ServiceStations(items=items, total=len(items), complete=sum(x.complete for x in items))


@router.put("/stations/{station_id}/checklist", response_model=ServiceStation,
            summary="Tick or untick items of a station's six-haves checklist (those not given stay); the "
                    "community, the street and the county in their area")
async def set_checklist(station_id: str, body: SixHaves, state: State, caller: Keeper) -> ServiceStation:
    area = await area_of(state, caller, None, None, None)
    held = await state.peers.party.ListStations(
        ppb.ListStationsRequest(area=_party_area(area)),
        timeout=state.settings.rpc_timeout_seconds)
    if not any(x.station_id == station_id for x in held.items):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no station {station_id!r} in your area")
    reply = await state.peers.party.SetChecklist(
        ppb.SetChecklistRequest(station_id=station_id, actor=caller.username,
                                checklist={k: v for k, v in body.model_dump().items() if v is not None}),
        timeout=state.settings.rpc_timeout_seconds)
    return station_json(reply, state)


@router.get("/service-circle/gaps", response_model=CircleGapPage,
            summary="The households of the caller's area outside the one-kilometre service circle (一公里服务圈): "
                    "farther than 1 km on foot from every party-mass service station")
async def circle_gaps(
    state: State, caller: Viewer, grid_id: str | None = None, community_id: str | None = None,
    street_id: str | None = None, page: Page = 1, page_size: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> CircleGapPage:
    area = await area_of(state, caller, grid_id, community_id, street_id)
    reply = await state.peers.party.ListCircleGaps(
        ppb.ListCircleGapsRequest(area=_party_area(area), page=page, page_size=page_size),
        timeout=state.settings.rpc_timeout_seconds)
    return CircleGapPage(
        items=[CircleGap(household_id=g.household_id, grid_id=g.grid_id, community_id=g.community_id,
                         street_id=g.street_id, address=g.address, nearest_station_id=g.nearest_station_id,
                         walk_km=round(g.walk_km, 3), lon=g.lon, lat=g.lat) for g in reply.items],
        total=reply.total, households=reply.households,
        coverage=round(1 - reply.total / reply.households, 4) if reply.households else 1.0,
        circle_km=reply.circle_km, detour=reply.detour, page=page, page_size=page_size)


def activity_json(a: ppb.Activity, state: GatewayState, caller: Principal) -> GridActivity:
    """A party member or resident sees whether it signed up and came, not who else did."""
    def seen(people) -> list[str]:
        return list(people) if caller.role not in ("member", "resident") else [p for p in people if p == caller.username]

    return GridActivity(
        activity_id=a.activity_id, grid_id=a.grid_id, community_id=a.community_id, street_id=a.street_id, kind=a.kind,
        title=a.title, place=a.place, starts_at=state.iso(a.starts_at), hours=a.hours, status=a.status,
        planned_by=a.planned_by, signed_up=seen(a.signed_up), attended=seen(a.attended),
        signed_up_count=len(a.signed_up), attended_count=len(a.attended), held_at=state.iso(a.held_at))


def quarter_bounds(quarter: str, state: GatewayState) -> tuple[datetime, datetime]:
    """``2026-Q4`` → its first moment and the next quarter's, county time; 422 otherwise."""
    m = QUARTER.match(quarter)
    if not m:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, [{
            "loc": ["query", "quarter"], "type": "value_error", "msg": "a quarter as YYYY-Qn, e.g. 2026-Q4"}])
    year, q = int(m.group(1)), int(m.group(2))
    if not 1971 <= year <= 9998:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, [{
            "loc": ["query", "quarter"], "type": "value_error", "msg": "a year from 1971 to 9998"}])
    start = datetime(year, 3 * q - 2, 1, tzinfo=state.tz)
    end = datetime(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1, tzinfo=state.tz)
    return start, end



async def _activity_area(state: GatewayState, caller: Principal, grid_id: str | None, community_id: str | None,
                         street_id: str | None) -> ppb.Area:
    if caller.role in ("member", "resident"):  # their own grid's
        if (grid_id and grid_id != caller.grid_id) or community_id or street_id:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "a party member or resident sees its own grid's activities")
        return ppb.Area(grid_id=caller.grid_id)
    return _party_area(await area_of(state, caller, grid_id, community_id, street_id))


async def _activity_in_scope(state: GatewayState, caller: Principal, activity_id: str) -> ppb.Activity:
    """The activity, if it lies in the caller's area; 404 otherwise (whether or not it exists)."""
    try:
        found = await state.peers.party.GetActivity(ppb.GetActivityRequest(activity_id=activity_id),
                                                    timeout=state.settings.rpc_timeout_seconds)
    except grpc.aio.AioRpcError as exc:
        if exc.code() != grpc.StatusCode.NOT_FOUND:
            raise
        found = None
    if found is None or not sees_place(caller, found):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no activity {activity_id!r} in your area")
    return found


@router.post("/activities", response_model=GridActivity, status_code=status.HTTP_201_CREATED,
             summary="Plan an activity of a grid of the caller's area: one of the six ones (六个一), a "
                     "party-member dedication day or a volunteer day")
async def plan_activity(body: ActivityIn, state: State, caller: Organiser) -> GridActivity:
    await area_of(state, caller, body.grid_id, None, None)
    reply = await state.peers.party.PlanActivity(ppb.PlanActivityRequest(actor=caller.username, activity=ppb.Activity(
        grid_id=body.grid_id, kind=body.kind, title=body.title, place=body.place, hours=body.hours,
        starts_at=stamp(body.starts_at))), timeout=state.settings.rpc_timeout_seconds)
    return activity_json(reply, state, caller)


@router.get("/activities", response_model=ActivityList,
            summary="The activities of the caller's area (a party member's or resident's: its grid's), by start; "
                    "quarter (YYYY-Qn) and kind narrow them")
async def list_activities(
    state: State, caller: Anyone, grid_id: str | None = None, community_id: str | None = None,
    street_id: str | None = None, kind: Annotated[ActivityKind | None, Query()] = None,
    quarter: Annotated[str | None, Query(max_length=7, description="e.g. 2026-Q4")] = None,
    page: Page = 1, page_size: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ActivityList:
    area = await _activity_area(state, caller, grid_id, community_id, street_id)
    since, until = quarter_bounds(quarter, state) if quarter else (None, None)
    reply = await state.peers.party.ListActivities(
        ppb.ListActivitiesRequest(area=area, kind=kind or "", since=stamp(since), until=stamp(until), page=page,
                                  page_size=page_size),
        timeout=state.settings.rpc_timeout_seconds)
    return ActivityList(items=[activity_json(a, state, caller) for a in reply.items], total=reply.total, page=page,
                        page_size=page_size)


@router.get("/activities/six-ones", response_model=SixOnesCoverage,
            summary="For each grid of the caller's area, which of the six ones (六个一) it held in the quarter "
                    "and which it has not")
async def six_ones(
    state: State, caller: Organiser, quarter: Annotated[str, Query(max_length=7, description="e.g. 2026-Q4")],
    grid_id: str | None = None, community_id: str | None = None, street_id: str | None = None,
) -> SixOnesCoverage:
    area = await area_of(state, caller, grid_id, community_id, street_id)
    since, until = quarter_bounds(quarter, state)
    reply = await state.peers.party.SixOnes(
        ppb.ListActivitiesRequest(area=_party_area(area), since=stamp(since), until=stamp(until)),
        timeout=state.settings.rpc_timeout_seconds)
    out = [SixOnesOfGrid(grid_id=g.grid_id, held=list(g.held), missing=list(g.missing)) for g in reply.grids]
    return SixOnesCoverage(quarter=quarter, grids=out, complete=sum(not g.missing for g in out))


@router.post("/activities/{activity_id}/sign-up", response_model=GridActivity,
             summary="Sign up for an activity of one's grid (a party member or resident); 409 once it was held")
async def sign_up(activity_id: str, state: State, caller: Participant) -> GridActivity:
    reply = await state.peers.party.SignUp(
        ppb.SignUpRequest(activity_id=activity_id, username=caller.username, grid_id=caller.grid_id),
        timeout=state.settings.rpc_timeout_seconds)
    return activity_json(reply, state, caller)


@router.post("/activities/{activity_id}/attendance", response_model=GridActivity,
             summary="Record who came (the list replaces any recorded): the activity is held; the grid's staff, "
                     "its community, street or the county")
async def record_attendance(activity_id: str, body: AttendanceIn, state: State, caller: Organiser) -> GridActivity:
    await _activity_in_scope(state, caller, activity_id)
    reply = await state.peers.party.RecordAttendance(
        ppb.RecordAttendanceRequest(activity_id=activity_id, attended=body.attended, actor=caller.username),
        timeout=state.settings.rpc_timeout_seconds)
    return activity_json(reply, state, caller)

