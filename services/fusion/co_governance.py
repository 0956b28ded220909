"""The co-governance actors of the grid (共建共治): owners' committees (业主委员会), property
companies (物业), resident units (驻地单位) and social organisations (社会组织), each with the
person to contact.

The synthetic county names them (:func:`services.reference.generator.synthetic_co_governance`:
its 65 social organisations and its resident units, and for every compound of a compound-type
grid its owners' committee and property company — 一支部一委一会); a community, a street or the
county adds others and keeps their contacts, in ``co_governance``, which outlives a new reference
version (an actor of a grid the new version no longer has drops out).

红色物业: a property-management case (物业管理) of a compound goes, beside the grid's branch, to
the compound's property company and owners' committee (:meth:`CoGovernanceStore.property_routes`):
its opening timeline entry names them as they were then, and the case read names them as they
are now, with their contacts.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from services.reference import build_county
from services.reference.generator import synthetic_co_governance
from services.reference.models import County

from .organisations import Refused

COLLECTION = "co_governance"
KINDS = ("owners_committee", "property_company", "resident_unit", "social_organisation")
# The cases of this family go to their compound's actors of these kinds, in this order (红色物业).
ROUTED_FAMILY = "property_management"
ROUTED_KINDS = ("property_company", "owners_committee")
ROUTED_LABELS = {"property_company": "物业", "owners_committee": "业委会"}
INDEXES = [IndexModel([("grid_id", ASCENDING), ("kind", ASCENDING)], name="grid_kind")]


@dataclass
class Actor:
    org_id: str
    kind: str
    name: str
    grid_id: str
    compound_id: str = ""
    community_id: str = ""
    street_id: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    source: str = "reference"
    updated_by: str = ""
    updated_at: datetime | None = None


@dataclass
class PropertyRoute:
    """Where a property-management case of a compound goes: the compound's property companies,
    then its owners' committees (none when the register has none for it)."""

    compound_id: str
    compound_name: str
    actors: list[Actor]

    def note(self) -> str:
        """The route as the case's timeline says it, e.g. ``转文华新城小区物业 X、业委会 Y (红色物业)``;
        ``""`` when it names nobody."""
        if not self.actors:
            return ""
        named = "、".join(f"{ROUTED_LABELS[a.kind]} {a.name}" for a in self.actors)
        return f"转{self.compound_name}{named} (红色物业)"


def routed(family: str, compound_id: str) -> bool:
    """Whether a case of this family and compound goes to the compound's actors."""
    return family == ROUTED_FAMILY and bool(compound_id)


class CoGovernanceStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.records = db[COLLECTION]
        self._grids: dict[str, tuple[str, str]] = {}  # grid id → (community id, street id)
        self._compounds: dict[str, str] = {}  # compound id → grid id
        self._compound_names: dict[str, str] = {}
        self._reference: dict[str, Actor] | None = {}
        self._synthetic = False
        self._version = 0  # counts the switches

    async def ensure_indexes(self) -> None:
        await self.records.create_indexes(INDEXES)

    def use_reference(self, county: County | None, *, synthetic: bool = False) -> None:
        """Follow a reference version: its grids and compounds, and the synthetic county's actors."""
        self._grids = {g.grid_id: (g.community_id, g.street_id) for g in (county.grids if county else ())}
        self._compounds = {c.compound_id: c.grid_id for c in (county.compounds if county else ())}
        self._compound_names = {c.compound_id: c.name for c in (county.compounds if county else ())}
        self._synthetic = county is not None and synthetic
        self._version += 1
        self._reference = None  # made on the first read, off the event loop (:meth:`_actors`)

    async def _actors(self) -> dict[str, Actor]:
        """The reference's actors: the synthetic county's, generated again from the seed of the
        version itself (a stored version keeps no social organisations or resident units)."""
        if self._reference is not None:
            return self._reference
        version = self._version
        named = await asyncio.to_thread(lambda: synthetic_co_governance(build_county())) if self._synthetic else []
        made = {a["org_id"]: self._placed(Actor(**a)) for a in named}
        if self._version == version:  # not switched meanwhile
            self._reference = made
        return made

    def _placed(self, actor: Actor) -> Actor:
        actor.community_id, actor.street_id = self._grids.get(actor.grid_id, ("", ""))
        return actor

    async def in_area(self, street_id: str, community_id: str, grid_id: str, kind: str) -> list[Actor]:
        actors = {k: Actor(**v.__dict__) for k, v in (await self._actors()).items()}
        for doc in await self.records.find({}).to_list():
            doc.pop("_id")
            actors[doc["org_id"]] = self._placed(Actor(**doc, source="maintained"))
        return sorted(
            (a for a in actors.values() if a.grid_id in self._grids and (not kind or a.kind == kind)
             and (not grid_id or a.grid_id == grid_id) and (not community_id or a.community_id == community_id)
             and (not street_id or a.street_id == street_id)),
            key=lambda a: (a.grid_id, KINDS.index(a.kind), a.compound_id, a.org_id))

    async def property_routes(self, compound_ids: list[str] | set[str]) -> dict[str, PropertyRoute]:
        """The route of each of these compounds the current reference version has (one read of the
        register, however many)."""
        known = {c for c in compound_ids if c in self._compounds}
        if not known:
            return {}
        routes = {c: PropertyRoute(c, self._compound_names.get(c, ""), []) for c in sorted(known)}
        for actor in await self.in_area("", "", "", ""):
            if actor.kind in ROUTED_KINDS and actor.compound_id in routes:
                routes[actor.compound_id].actors.append(actor)
        for route in routes.values():
            route.actors.sort(key=lambda a: (ROUTED_KINDS.index(a.kind), a.org_id))
        return routes

    async def get(self, org_id: str) -> Actor:
        found = next((a for a in await self.in_area("", "", "", "") if a.org_id == org_id), None)
        if found is None:
            raise Refused("not_found", f"no co-governance actor {org_id!r}")
        return found

    async def save(self, record: Actor, actor: str, now: datetime) -> Actor:
        """Add an actor (no ``org_id``) or change one's name and contact."""
        if record.org_id:
            held = await self.get(record.org_id)
            held.name = record.name.strip() or held.name
            held.contact_name, held.contact_phone = record.contact_name.strip(), record.contact_phone.strip()
        else:
            if record.kind not in KINDS:
                raise Refused("invalid", f"kind: {record.kind!r} is none of {', '.join(KINDS)}")
            if not record.name.strip():
                raise Refused("invalid", "name: an actor needs a name")
            if record.grid_id not in self._grids:
                raise Refused("not_found", f"no grid {record.grid_id!r}")
            if record.compound_id and self._compounds.get(record.compound_id) != record.grid_id:
                raise Refused("invalid", f"compound_id: {record.compound_id!r} is no compound of grid {record.grid_id}")
            held = Actor(f"CG{uuid.uuid4().hex[:12]}", record.kind, record.name.strip(), record.grid_id,
                         record.compound_id, contact_name=record.contact_name.strip(),
                         contact_phone=record.contact_phone.strip())
        fields = {k: getattr(held, k) for k in ("org_id", "kind", "name", "grid_id", "compound_id", "contact_name",
                                                "contact_phone")}
        await self.records.update_one({"_id": held.org_id}, {"$set": {**fields, "updated_by": actor, "updated_at": now}},
                                      upsert=True)
        return await self.get(held.org_id)
