"""网格警务助理 police assistant: incidents and checks handed to the grid's police assistant.

Every grid has its police assistant, kept in the department's own ``assistants`` collection:
one document per grid, seeded from the reference version in use and changed only by the
department. A grid whose reference data names no assistant (an imported county) is recorded
with the post vacant (``status`` ``unassigned``, no person) until the department fills it, or a
later version names one. An accepted event is assigned to the assistant of the grid its
location falls in and carries that as ``details.assigned_to``; an event placed in no grid, or
in a grid whose post is vacant, stays unassigned with the reason (fusion dead-letters an
event in no grid as unlocatable).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from services.platform.vocabulary import SHARED_CATEGORIES

from .. import reference
from ..definition import Department, Details, EventType
from ..enrichers import assign_post_holder
from ..posts import seed_post


class IncidentDetails(Details):
    alarm_no: str | None = Field(None, max_length=64, description="接警单号")
    source: Literal["110", "patrol", "resident", "other"] = Field("other", description="警情来源")


class CheckDetails(Details):
    check_kind: Literal["household_visit", "rental_housing", "special_population", "venue"] = Field(
        "household_visit", description="核查类型: 入户走访, 出租房屋, 重点人员, 场所"
    )


_POLICE = frozenset(c for c in SHARED_CATEGORIES if c.split(".")[0] in {"public_order", "safety_hazard", "special_population", "dispute"})


async def seed_assistants(store) -> None:
    """One police assistant per grid of the reference version in use, as a post
    (:mod:`services.departments.posts`); the grid's community follows the reference; a grid the
    version no longer has keeps its record."""
    for grid in reference.county().grids:
        await seed_post(store.db["assistants"], grid.grid_id, grid.police_assistant,
                        {"community_id": grid.community_id})


# Every event goes to the police assistant of the grid it falls in.
assign_assistant = assign_post_holder("police_assistant", "assistants", per="grid", title="police assistant")


DEPARTMENT = Department(
    name="police_assistant",
    label="网格警务助理",
    event_types={
        "police.incident": EventType("警情", _POLICE, IncidentDetails),
        "police.check": EventType("走访核查", _POLICE, CheckDetails),
    },
    enrichers=(assign_assistant,),
    seeders=(seed_assistants,),
    uses_reference=True,
)
