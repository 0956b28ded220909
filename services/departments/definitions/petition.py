"""信访 petitions: letters and visits. A petitioner's repeat visits on the same matter are
counted and carried on the event; a repeat visit raises its severity."""

from __future__ import annotations

from typing import Literal

from gridfusion.events.v1 import events_pb2
from pydantic import Field

from ..definition import Department, Details, EventType
from ..taxonomy import SHARED_CATEGORIES

Channel = Literal["visit", "letter", "online", "phone"]


class PetitionDetails(Details):
    petitioner_name: str | None = Field(None, max_length=64, description="信访人姓名 (personal data)")
    petitioner_phone: str | None = Field(None, max_length=32, description="联系电话 (personal data)")
    channel: Channel = Field("visit", description="信访形式: visit 来访, letter 来信, online 网上信访, phone 电话")
    matter: str | None = Field(None, max_length=200, description="信访事项 in the petitioner's words")
    people_count: int = Field(1, ge=1, le=10000, description="来访人数; five or more is a group visit (集体访)")


_PETITION_CATEGORIES = frozenset(
    c for c in SHARED_CATEGORIES if c.split(".")[0] in {"dispute", "livelihood", "property_management", "environment", "other", "legal_service"}
)

_RAISE = {
    events_pb2.SEVERITY_LOW: events_pb2.SEVERITY_MEDIUM,
    events_pb2.SEVERITY_MEDIUM: events_pb2.SEVERITY_HIGH,
    events_pb2.SEVERITY_HIGH: events_pb2.SEVERITY_CRITICAL,
    events_pb2.SEVERITY_CRITICAL: events_pb2.SEVERITY_CRITICAL,
}


async def count_repeat_visits(event: events_pb2.DepartmentEvent, store) -> None:
    """Carry the petitioner's earlier petitions on the same matter family; a repeat raises severity."""
    if not event.subject_id:
        return
    earlier = await store.count_subject_events(event.subject_id, event.category.split(".")[0], event.id)
    event.details.update({"repeat_visits": earlier})
    if earlier:
        event.severity = _RAISE.get(event.severity, events_pb2.SEVERITY_HIGH)


DEPARTMENT = Department(
    name="petition",
    label="信访",
    event_types={
        "petition.visit": EventType("来访", _PETITION_CATEGORIES, PetitionDetails),
        "petition.letter": EventType("来信", _PETITION_CATEGORIES, PetitionDetails),
        "petition.online": EventType("网上信访", _PETITION_CATEGORIES, PetitionDetails),
    },
    enrichers=(count_repeat_visits,),
)
