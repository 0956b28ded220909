"""Volunteer teams (志愿服务队, e.g. 宁阳先锋): ``/v1/volunteer-teams``.

The county forms teams for the whole county or any area, a street or community for its own area
(or a grid of it); registered party members of the team's area join and leave them. Staff see
the teams of their area (those above it too) with who joined; a party member sees the teams it
may join and, of their members, only itself.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from gridfusion.community.v1 import community_pb2 as cpb

from ...auth import Principal
from ...scoping import AREA_ROLES
from ..deps import GatewayState, State, require_roles
from ..models import VolunteerTeam, VolunteerTeamIn, VolunteerTeams
from ..problems import SIGNED_IN, answers
from .community import area_of

router = APIRouter(prefix="/v1/volunteer-teams", tags=["party members and service orders"],
                   responses=answers(*SIGNED_IN, 404, 409))

Former = Annotated[Principal, Depends(require_roles("county", "street", "community"))]
Viewer = Annotated[Principal, Depends(require_roles(*AREA_ROLES, "member"))]
Member = Annotated[Principal, Depends(require_roles("member"))]


def team_json(t: cpb.VolunteerTeam, state: GatewayState, caller: Principal) -> VolunteerTeam:
    members = [m for m in t.members if m == caller.username] if caller.role == "member" else list(t.members)
    return VolunteerTeam(team_id=t.team_id, name=t.name, description=t.description, street_id=t.street_id or None,
                         community_id=t.community_id or None, grid_id=t.grid_id or None, members=members,
                         member_count=len(t.members), created_by=t.created_by, created_at=state.iso(t.created_at))


@router.post("", response_model=VolunteerTeam, status_code=status.HTTP_201_CREATED,
             summary="Form a volunteer team for an area of the caller's (by default its own; the county's: the "
                     "whole county)")
async def form_team(body: VolunteerTeamIn, state: State, caller: Former) -> VolunteerTeam:
    area = await area_of(state, caller, body.grid_id, body.community_id, body.street_id)
    reply = await state.peers.community.SaveVolunteerTeam(cpb.SaveVolunteerTeamRequest(actor=caller.username, team=
        cpb.VolunteerTeam(name=body.name, description=body.description, street_id=area.street_id,
                          community_id=area.community_id, grid_id=area.grid_id)),
        timeout=state.settings.rpc_timeout_seconds)
    return team_json(reply, state, caller)


@router.get("", response_model=VolunteerTeams,
            summary="The volunteer teams of the caller's area, and those of the areas above it (a party member: "
                    "those of its grid it may join)")
async def list_teams(state: State, caller: Viewer, grid_id: str | None = None, community_id: str | None = None,
                     street_id: str | None = None) -> VolunteerTeams:
    if caller.role == "member":
        area = cpb.Area(grid_id=caller.grid_id)
    else:
        area = await area_of(state, caller, grid_id, community_id, street_id)
    reply = await state.peers.community.ListVolunteerTeams(cpb.ListVolunteerTeamsRequest(area=area),
                                                           timeout=state.settings.rpc_timeout_seconds)
    items = [team_json(t, state, caller) for t in reply.items]
    return VolunteerTeams(items=items, total=len(items))


async def _join(state: GatewayState, caller: Principal, team_id: str, join: bool) -> VolunteerTeam:
    reply = await state.peers.community.JoinVolunteerTeam(
        cpb.JoinVolunteerTeamRequest(team_id=team_id, member_id=caller.username, join=join),
        timeout=state.settings.rpc_timeout_seconds)
    return team_json(reply, state, caller)


@router.post("/{team_id}/join", response_model=VolunteerTeam,
             summary="A registered party member joins a team of its area; 404 before registering (报到), 409 for "
                     "another area's team")
async def join_team(team_id: str, state: State, caller: Member) -> VolunteerTeam:
    return await _join(state, caller, team_id, True)


@router.post("/{team_id}/leave", response_model=VolunteerTeam, summary="A party member leaves a team")
async def leave_team(team_id: str, state: State, caller: Member) -> VolunteerTeam:
    return await _join(state, caller, team_id, False)
