"""Volunteer teams (志愿服务队, e.g. 宁阳先锋): the county, a street, a community or a grid forms
one for its area; registered party members of that area join and leave. Kept in
``volunteer_teams`` (the members inside); a member's ``volunteer_teams`` lists what it joined.
In local mode the county-wide 宁阳先锋志愿服务队 exists from the start.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from .grid_records import GridRecords
from .members import COLLECTION as MEMBERS
from .refused import Refused

COLLECTION = "volunteer_teams"
INDEXES = [IndexModel([("street_id", ASCENDING), ("community_id", ASCENDING), ("grid_id", ASCENDING)], name="area")]
MAX_NAME = 100
MAX_DESCRIPTION = 1000
SYNTHETIC_TEAM = {"_id": "VT-ningyang-xianfeng", "name": "宁阳先锋志愿服务队",
                  "description": "全县党员志愿服务队：政策宣传、关爱帮扶、环境整治、应急服务",
                  "street_id": "", "community_id": "", "grid_id": "", "members": [], "created_by": "reference"}


@dataclass
class Team:
    team_id: str
    name: str
    description: str = ""
    street_id: str = ""
    community_id: str = ""
    grid_id: str = ""
    members: list[str] = field(default_factory=list)
    created_by: str = ""
    created_at: datetime | None = None


def _of(doc: dict[str, Any]) -> Team:
    return Team(doc["_id"], doc["name"], doc.get("description", ""), doc.get("street_id", ""),
                doc.get("community_id", ""), doc.get("grid_id", ""), list(doc.get("members", [])),
                doc.get("created_by", ""), doc.get("created_at"))


def overlaps(team: Team, street_id: str, community_id: str, grid_id: str) -> bool:
    """Whether the team's area contains the asked area, or lies within it (empty fields do not narrow)."""
    pairs = ((team.street_id, street_id), (team.community_id, community_id), (team.grid_id, grid_id))
    return all(not mine or not asked or mine == asked for mine, asked in pairs)


class TeamStore(GridRecords):
    def __init__(self, db: AsyncDatabase) -> None:
        super().__init__(db, COLLECTION, INDEXES)
        self.members = db[MEMBERS]

    async def seed_synthetic(self, now: datetime) -> None:
        await self.records.update_one({"_id": SYNTHETIC_TEAM["_id"]},
                                      {"$setOnInsert": {**SYNTHETIC_TEAM, "created_at": now}}, upsert=True)

    def _area(self, street_id: str, community_id: str, grid_id: str) -> tuple[str, str, str]:
        """The area named, filled in from its narrowest place; NOT_FOUND for a place the
        reference data does not have."""
        if grid_id:
            if grid_id not in self._grids:
                raise Refused("not_found", f"no grid {grid_id!r}")
            community_id, street_id = self.place(grid_id)
        elif community_id:
            street_id = next((s for c, s in self._grids.values() if c == community_id), "")
            if not street_id:
                raise Refused("not_found", f"no community {community_id!r}")
        elif street_id and street_id not in {s for _, s in self._grids.values()}:
            raise Refused("not_found", f"no street {street_id!r}")
        return street_id, community_id, grid_id

    async def save(self, team: Team, actor: str, now: datetime) -> Team:
        name = team.name.strip()
        if not name or len(name) > MAX_NAME:
            raise Refused("invalid", f"name: 1 to {MAX_NAME} characters")
        if len(team.description) > MAX_DESCRIPTION:
            raise Refused("invalid", f"description: at most {MAX_DESCRIPTION} characters")
        street_id, community_id, grid_id = self._area(team.street_id, team.community_id, team.grid_id)
        doc = {"_id": f"VT{uuid.uuid4().hex[:12]}", "name": name, "description": team.description.strip(),
               "street_id": street_id, "community_id": community_id, "grid_id": grid_id, "members": [],
               "created_by": actor, "created_at": now}
        await self.records.insert_one(doc)
        return _of(doc)

    async def in_area(self, street_id: str, community_id: str, grid_id: str) -> list[Team]:
        street_id, community_id, grid_id = self._area(street_id, community_id, grid_id)
        teams = [_of(d) for d in await self.records.find({}).sort("_id", ASCENDING).to_list()]
        return [t for t in teams if overlaps(t, street_id, community_id, grid_id)]

    async def get(self, team_id: str) -> Team:
        doc = await self.records.find_one({"_id": team_id})
        if doc is None:
            raise Refused("not_found", f"no volunteer team {team_id!r}")
        return _of(doc)

    async def join(self, team_id: str, member_id: str, join: bool) -> Team:
        team = await self.get(team_id)
        member = await self.members.find_one({"_id": member_id})
        if member is None:
            raise Refused("not_found", f"{member_id} has not registered (报到) yet: POST /v1/party-members first")
        if not overlaps(team, *self._area("", "", member["grid_id"])):  # the member's area, all three places
            raise Refused("state", f"team {team.name} is not of {member_id}'s area")
        change = "$addToSet" if join else "$pull"
        await self.records.update_one({"_id": team_id}, {change: {"members": member_id}})
        await self.members.update_one({"_id": member_id}, {change: {"volunteer_teams": team_id}})
        return await self.get(team_id)
