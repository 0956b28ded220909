"""信访 petitions: letters and visits. A petitioner's repeat visits on the same matter are
counted and carried on the event; a repeat visit raises its severity."""

from __future__ import annotations

from contextlib import suppress
from typing import Literal

from gridfusion.events.v1 import events_pb2
from pydantic import Field
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.platform.vocabulary import SHARED_CATEGORIES

from ..definition import Department, Details, EventType

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

_ORDER = (events_pb2.SEVERITY_LOW, events_pb2.SEVERITY_MEDIUM, events_pb2.SEVERITY_HIGH, events_pb2.SEVERITY_CRITICAL)
GROUP_VISIT = 5


def raised(severity: int, levels: int) -> int:
    """``severity`` raised by ``levels`` steps, capped at critical."""
    index = _ORDER.index(severity) if severity in _ORDER else 1
    return _ORDER[min(index + levels, len(_ORDER) - 1)]


def matter_key(event: events_pb2.DepartmentEvent) -> str:
    """The same matter: the same petitioner (``subject_id``) on the same category."""
    return f"{event.subject_id}|{event.category}"


async def count_repeat_visits(event: events_pb2.DepartmentEvent, store) -> None:
    """Count the petitioner's visits on this matter and carry the count on the event.

    The ``petitioners`` collection keeps, per matter, the ids of its petitions in the order
    they arrived; an event's earlier visits are its place in that list, so submitting the
    same event again (or after a crash) counts it once and gets the same number. A repeat
    visit raises the severity one level, a third or later visit two; a group visit (five or
    more people, 集体访) is at least high.
    """
    people = int(details_people(event))
    if people >= GROUP_VISIT:
        event.severity = max(event.severity, events_pb2.SEVERITY_HIGH)
    if not event.subject_id:
        return
    matters = store.db["petitioners"]
    key = matter_key(event)
    with suppress(DuplicateKeyError):  # two first visits at once: the other created it
        await matters.update_one(
            {"_id": key},
            {"$setOnInsert": {"subject_id": event.subject_id, "category": event.category, "event_ids": []}},
            upsert=True,
        )
    doc = await matters.find_one_and_update(
        {"_id": key}, {"$addToSet": {"event_ids": event.id}}, return_document=ReturnDocument.AFTER
    )
    earlier = doc["event_ids"].index(event.id)
    event.details.update({"repeat_visits": earlier, "visit_number": earlier + 1})
    if earlier:
        event.severity = raised(event.severity, 1 if earlier == 1 else 2)


def details_people(event: events_pb2.DepartmentEvent) -> float:
    if event.HasField("details") and "people_count" in event.details.fields:
        value = event.details.fields["people_count"]
        if value.WhichOneof("kind") == "number_value":
            return value.number_value
    return 1


DEPARTMENT = Department(
    name="petition",
    label="信访",
    # One type per channel, alike but for the name: a visit, a letter, an online petition.
    event_types={
        name: EventType(label, _PETITION_CATEGORIES, PetitionDetails)
        for name, label in (("petition.visit", "来访"), ("petition.letter", "来信"), ("petition.online", "网上信访"))
    },
    enrichers=(count_repeat_visits,),
)
