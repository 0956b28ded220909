"""A department is a definition — its event types, categories, details and rules — not a copy
of a service. The framework (:mod:`services.departments.servicer`) runs any definition."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from services.platform.vocabulary import GENERIC_TYPE, SHARED_CATEGORIES

if TYPE_CHECKING:
    from gridfusion.events.v1 import events_pb2

    from .store import DepartmentStore


class Details(BaseModel):
    """Base of every department's ``details`` model; unknown keys are kept as sent."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)


class NoDetails(Details):
    pass


@dataclass(frozen=True)
class EventType:
    """One native event type: what it is called, which categories it may carry, its details."""

    label: str
    categories: frozenset[str]
    details: type[Details] = NoDetails


# A rule checks an event beyond its schema; it returns (field, message) pairs for refusals.
Rule = Callable[["events_pb2.DepartmentEvent", dict[str, Any]], list[tuple[str, str]]]
# Enrichment runs once when an event is first accepted, with the department's own records.
Enricher = Callable[["events_pb2.DepartmentEvent", "DepartmentStore"], Awaitable[None]]
# Seeding writes the department's own records (advisers, assistants, workers) from the
# reference version in use (:func:`services.departments.reference.county`), at start and after
# every switch to another version. It is idempotent, keeps whatever the department changed
# since, and never deletes: a record of a community or grid the version no longer has stays
# and simply stops matching.
Seeder = Callable[["DepartmentStore"], Awaitable[None]]

# What a department offers beyond events (the gRPC API answers empty or refuses elsewhere).
PATROL_LOGS = "patrol_logs"
LEGAL_AID_CIRCLE = "legal_aid_circle"


@dataclass(frozen=True)
class Department:
    name: str
    label: str
    event_types: dict[str, EventType]
    extra_categories: frozenset[str] = frozenset()
    rules: tuple[Rule, ...] = ()
    enrichers: tuple[Enricher, ...] = ()
    seeders: tuple[Seeder, ...] = ()
    features: frozenset[str] = frozenset()
    # Follows fusion's current reference version (it places events on grids or keeps records
    # per grid or community): not ready until a version is loaded.
    uses_reference: bool = False
    generic: EventType = field(
        default_factory=lambda: EventType("事件上报 (generic incident)", SHARED_CATEGORIES)
    )

    def event_type(self, type_name: str) -> EventType | None:
        if type_name == GENERIC_TYPE:
            return EventType(self.generic.label, SHARED_CATEGORIES | self.extra_categories)
        return self.event_types.get(type_name)

    @property
    def categories(self) -> frozenset[str]:
        return SHARED_CATEGORIES | self.extra_categories
