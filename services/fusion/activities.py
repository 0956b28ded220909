"""Activities of the grids: the "six ones" (六个一) every grid holds — a consultation (议事协商), a
health check (健康义诊), a safety lesson (安全教育), a legal lecture (法治讲座), a clean-up (环境整治)
and a cultural event (文化活动) — and party-member dedication days (党员奉献日) and volunteer days
(志愿服务日).

The grid's staff, its community, its street or the county plan one; the grid's party members
and residents sign up; the grid's staff record who came, which makes it held. Which of the six a grid has not held in a quarter is worked out from the held
ones (:func:`missing_six`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from .grid_records import GridRecords
from .organisations import Refused

COLLECTION = "activities"
SIX_ONES = ("consultation", "health_check", "safety_lesson", "legal_lecture", "clean_up", "cultural_event")
KINDS = (*SIX_ONES, "dedication_day", "volunteer_day")
MAX_HOURS = 24.0
MAX_PEOPLE = 500
INDEXES = [IndexModel([("grid_id", ASCENDING), ("starts_at", ASCENDING)], name="grid_time"),
           IndexModel([("starts_at", ASCENDING)], name="time"),
           IndexModel([("attended", ASCENDING)], name="attended")]


@dataclass
class Activity:
    activity_id: str
    grid_id: str
    kind: str
    title: str
    starts_at: datetime
    hours: float
    place: str = ""
    community_id: str = ""
    street_id: str = ""
    status: str = "planned"
    planned_by: str = ""
    signed_up: list[str] = field(default_factory=list)
    attended: list[str] = field(default_factory=list)
    held_at: datetime | None = None


def missing_six(grid_ids: Iterable[str], held: Iterable[Activity]) -> dict[str, list[str]]:
    """For each grid, the six ones it has not held among ``held`` (in the six's order)."""
    done: dict[str, set[str]] = {}
    for a in held:
        if a.status == "held":
            done.setdefault(a.grid_id, set()).add(a.kind)
    return {g: [k for k in SIX_ONES if k not in done.get(g, set())] for g in grid_ids}


async def attended_hours(records, usernames: Iterable[str], since: datetime | None = None,
                         until: datetime | None = None) -> dict[str, float]:
    """Hours of the held activities each of ``usernames`` attended (by the activity's start)."""
    people = list(usernames)
    query: dict = {"status": "held", "attended": {"$in": people}}
    if since or until:
        query["starts_at"] = {**({"$gte": since} if since else {}), **({"$lt": until} if until else {})}
    wanted, out = set(people), {}
    async for a in records.find(query, {"attended": 1, "hours": 1}):
        for who in wanted.intersection(a.get("attended", [])):
            out[who] = out.get(who, 0.0) + a.get("hours", 0.0)
    return out


class ActivityStore(GridRecords):
    def __init__(self, db: AsyncDatabase) -> None:
        super().__init__(db, COLLECTION, INDEXES)

    def _of(self, doc: dict) -> Activity:
        doc = dict(doc)
        doc["activity_id"] = doc.pop("_id")
        a = Activity(**doc)
        a.community_id, a.street_id = self.place(a.grid_id)
        return a

    async def plan(self, a: Activity, actor: str) -> Activity:
        if a.grid_id not in self._grids:
            raise Refused("not_found", f"no grid {a.grid_id!r}")
        if a.kind not in KINDS:
            raise Refused("invalid", f"kind: {a.kind!r} is none of {', '.join(KINDS)}")
        if not a.title.strip():
            raise Refused("invalid", "title: an activity needs a title")
        if not 0 < a.hours <= MAX_HOURS:
            raise Refused("invalid", f"hours: more than 0 and at most {MAX_HOURS:g}")
        doc = {"_id": f"A{uuid.uuid4().hex[:12]}", "grid_id": a.grid_id, "kind": a.kind, "title": a.title.strip(),
               "place": a.place.strip(), "starts_at": a.starts_at, "hours": a.hours, "status": "planned",
               "planned_by": actor, "signed_up": [], "attended": [], "held_at": None}
        await self.records.insert_one(doc)
        return self._of(doc)

    async def get(self, activity_id: str) -> Activity:
        doc = await self.records.find_one({"_id": activity_id})
        if doc is None or doc["grid_id"] not in self._grids:
            raise Refused("not_found", f"no activity {activity_id!r}")
        return self._of(doc)

    async def in_area(self, street_id: str, community_id: str, grid_id: str, kind: str,
                      since: datetime | None, until: datetime | None, page: int = 1,
                      size: int = 0) -> tuple[list[Activity], int]:
        """The area's activities by start, a page of ``size`` (0: all), and how many match."""
        query: dict = {"grid_id": {"$in": self.grids_in(street_id, community_id, grid_id)}}
        if kind:
            query["kind"] = kind
        if since or until:
            query["starts_at"] = {**({"$gte": since} if since else {}), **({"$lt": until} if until else {})}
        found = self.records.find(query).sort([("starts_at", ASCENDING), ("_id", ASCENDING)])
        if size:
            found = found.skip((max(page, 1) - 1) * size).limit(size)
        docs = await found.to_list()
        total = len(docs) if not size else await self.records.count_documents(query)
        return [self._of(d) for d in docs], total

    async def sign_up(self, activity_id: str, username: str, grid_id: str) -> Activity:
        a = await self.get(activity_id)
        if a.grid_id != grid_id:
            raise Refused("not_found", f"no activity {activity_id!r} of your grid")
        if a.status != "planned":
            raise Refused("state", f"the activity is {a.status}: no more sign-ups")
        if len(a.signed_up) >= MAX_PEOPLE:
            raise Refused("state", "the activity is full")
        await self.records.update_one({"_id": activity_id, "status": "planned"}, {"$addToSet": {"signed_up": username}})
        return await self.get(activity_id)

    async def record_attendance(self, activity_id: str, attended: list[str], now: datetime) -> Activity:
        a = await self.get(activity_id)
        people = list(dict.fromkeys(x.strip() for x in attended if x.strip()))
        if len(people) > MAX_PEOPLE:
            raise Refused("invalid", f"attended: at most {MAX_PEOPLE}")
        await self.records.update_one({"_id": a.activity_id},
                                      {"$set": {"attended": people, "status": "held", "held_at": now}})
        return await self.get(activity_id)
