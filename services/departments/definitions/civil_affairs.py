"""民政 civil affairs: subsistence allowance, elderly and disabled care, special hardship.
Livelihood events (subsistence allowance 低保, elderly care, disability, special hardship
特困, medical and employment aid) carry a household id — in ``details.household_id`` or as
the location — and are refused without one; the household becomes the event's subject."""

from __future__ import annotations

from typing import Any

from gridfusion.events.v1 import events_pb2
from pydantic import Field

from ..definition import Department, Details, EventType

_LIVELIHOOD = frozenset(
    {
        "livelihood.subsistence_allowance",
        "livelihood.elderly_care",
        "livelihood.disability",
        "livelihood.medical",
        "livelihood.employment",
        "livelihood.special_hardship",
    }
)


class AssistanceDetails(Details):
    household_id: str | None = Field(None, max_length=128, description="户编号; required for livelihood events unless the location is a household")
    monthly_amount_yuan: float | None = Field(None, ge=0, le=100000, description="月保障金额 (元)")


class SocialOrganisationDetails(Details):
    organisation: str = Field(min_length=1, max_length=200, description="社会组织名称")


def household_required(event: events_pb2.DepartmentEvent, details: dict[str, Any]) -> list[tuple[str, str]]:
    """A livelihood event must name the household it concerns."""
    if not event.category.startswith("livelihood."):
        return []
    if event.location.WhichOneof("kind") == "household_id":
        return []
    given = details.get("household_id")
    if given is not None and not isinstance(given, str):
        return [("details.household_id", "must be a string")]
    if given and given.strip():
        return []
    return [("details.household_id", "livelihood events need a household id (here or as location.household_id)")]


def household_of(event: events_pb2.DepartmentEvent) -> str:
    if event.location.WhichOneof("kind") == "household_id":
        return event.location.household_id.strip()
    if event.HasField("details") and "household_id" in event.details.fields:
        value = event.details.fields["household_id"]
        if value.WhichOneof("kind") == "string_value":
            return value.string_value.strip()
    return ""


async def household_as_subject(event: events_pb2.DepartmentEvent, store) -> None:
    """The household is the subject of a livelihood case: events about it correlate."""
    household = household_of(event)
    if household and not event.subject_id:
        event.subject_id = household


DEPARTMENT = Department(
    name="civil_affairs",
    label="民政",
    event_types={
        "civil.assistance": EventType("民生救助", _LIVELIHOOD, AssistanceDetails),
        "civil.social_organisation": EventType(
            "社会组织事务", frozenset({"other.general", "property_management.owners_committee"}), SocialOrganisationDetails
        ),
    },
    extra_categories=frozenset({"livelihood.special_hardship"}),
    rules=(household_required,),
    enrichers=(household_as_subject,),
)
