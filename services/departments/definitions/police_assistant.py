"""网格警务助理 police assistant: incidents and checks handed to the grid's police assistant."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..definition import Department, Details, EventType
from ..taxonomy import SHARED_CATEGORIES


class IncidentDetails(Details):
    alarm_no: str | None = Field(None, max_length=64, description="接警单号")
    source: Literal["110", "patrol", "resident", "other"] = Field("other", description="警情来源")


_POLICE = frozenset(c for c in SHARED_CATEGORIES if c.split(".")[0] in {"public_order", "safety_hazard", "special_population", "dispute"})

DEPARTMENT = Department(
    name="police_assistant",
    label="网格警务助理",
    event_types={
        "police.incident": EventType("警情", _POLICE, IncidentDetails),
        "police.check": EventType("走访核查", _POLICE),
    },
)
