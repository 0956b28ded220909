"""网格警务助理 police assistant: incidents and checks handed to the grid's police assistant.

Every grid has its police assistant, kept in the department's own ``assistants`` collection
(one document per grid, seeded from the reference county and changed only by the
department). An accepted event is assigned to the assistant of the grid its location falls
in and carries that as ``details.assigned_to``; an event placed in no grid stays unassigned
(fusion then dead-letters it as unlocatable, with the reason).
"""

from __future__ import annotations

from typing import Literal

from gridfusion.events.v1 import events_pb2
from pydantic import Field

from .. import reference
from ..definition import Department, Details, EventType
from ..taxonomy import SHARED_CATEGORIES


class IncidentDetails(Details):
    alarm_no: str | None = Field(None, max_length=64, description="接警单号")
    source: Literal["110", "patrol", "resident", "other"] = Field("other", description="警情来源")


class CheckDetails(Details):
    check_kind: Literal["household_visit", "rental_housing", "special_population", "venue"] = Field(
        "household_visit", description="核查类型: 入户走访, 出租房屋, 重点人员, 场所"
    )


_POLICE = frozenset(c for c in SHARED_CATEGORIES if c.split(".")[0] in {"public_order", "safety_hazard", "special_population", "dispute"})


async def seed_assistants(store) -> None:
    """One police assistant per grid, from the reference county; an existing assignment is kept."""
    for grid in reference.county().grids:
        person = grid.police_assistant
        await store.db["assistants"].update_one(
            {"_id": grid.grid_id},
            {"$setOnInsert": {"person_id": person.person_id, "name": person.name, "phone": person.phone,
                              "community_id": grid.community_id}},
            upsert=True,
        )


async def assign_assistant(event: events_pb2.DepartmentEvent, store) -> None:
    """Assign the event to the police assistant of the grid it falls in."""
    found = reference.locate(event.location)
    if found is None:
        event.details.update({"assigned_to": {"role": "police_assistant", "status": "unassigned",
                                              "reason": "the location lies in no grid of the county"}})
        return
    assistant = await store.db["assistants"].find_one({"_id": found.grid_id})
    if assistant is None:
        event.details.update({"assigned_to": {"role": "police_assistant", "status": "unassigned",
                                              "reason": f"grid {found.grid_id} has no police assistant on record"}})
        return
    event.details.update({"assigned_to": {
        "role": "police_assistant", "status": "assigned", "person_id": assistant["person_id"], "grid_id": found.grid_id,
    }})


DEPARTMENT = Department(
    name="police_assistant",
    label="网格警务助理",
    event_types={
        "police.incident": EventType("警情", _POLICE, IncidentDetails),
        "police.check": EventType("走访核查", _POLICE, CheckDetails),
    },
    enrichers=(assign_assistant,),
    seeders=(seed_assistants,),
)
