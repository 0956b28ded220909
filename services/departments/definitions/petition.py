"""信访 petitions: letters and visits. A petitioner's repeat visits on the same matter are
counted and carried on the event; a repeat visit raises its severity."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from gridfusion.events.v1 import events_pb2
from pydantic import Field
from pymongo import UpdateOne
from pymongo.errors import BulkWriteError

from services.platform.mongo import find_by_ids
from services.platform.vocabulary import SHARED_CATEGORIES

from ..definition import Department, Details, EventType
from ..enrichers import batch_enricher
from ..store import DUPLICATE_KEY

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


@batch_enricher
async def count_repeat_visits(events: Sequence[events_pb2.DepartmentEvent], store) -> None:
    """Count the petitioner's visits on each event's matter and carry the count on the event.

    The ``petitioners`` collection keeps, per matter, the ids of its petitions in the order
    they arrived; an event's earlier visits are its place in that list, so submitting the
    same event again (or after a crash) counts it once and gets the same number. A repeat
    visit raises the severity one level, a third or later visit two; a group visit (five or
    more people, 集体访) is at least high.

    A batch is counted in two rounds to the store, whatever its size: the events of each matter
    are appended to its list in the batch's order, every matter in one unordered write (each
    append is atomic, so a concurrent call's visits fall before or after the batch's, never
    between), then the lists are read in one round of queries.
    """
    matters: dict[str, list[events_pb2.DepartmentEvent]] = {}
    for event in events:
        if int(details_people(event)) >= GROUP_VISIT:
            event.severity = max(event.severity, events_pb2.SEVERITY_HIGH)
        if event.subject_id:
            matters.setdefault(matter_key(event), []).append(event)
    if not matters:
        return
    collection = store.db["petitioners"]
    await _append_in_order(collection, [
        UpdateOne(
            {"_id": key},
            {"$setOnInsert": {"subject_id": visits[0].subject_id, "category": visits[0].category},
             "$addToSet": {"event_ids": {"$each": [e.id for e in visits]}}},
            upsert=True,
        )
        for key, visits in matters.items()
    ])
    places = {
        doc["_id"]: {event_id: i for i, event_id in enumerate(doc["event_ids"])}
        for doc in await find_by_ids(collection, list(matters), {"event_ids": 1})
    }
    for key, visits in matters.items():
        for event in visits:
            earlier = places[key][event.id]
            event.details.update({"repeat_visits": earlier, "visit_number": earlier + 1})
            if earlier:
                event.severity = raised(event.severity, 1 if earlier == 1 else 2)


async def _append_in_order(collection, writes: list[UpdateOne], attempts: int = 3) -> None:
    """Apply the matters' appends; one that lost a race to create its matter (two first visits
    at once: the other call created it) is applied again, and then finds the matter there."""
    for attempt in range(attempts):
        try:
            await collection.bulk_write(writes, ordered=False)
            return
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if attempt == attempts - 1 or any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            writes = [writes[e["index"]] for e in errors]


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
