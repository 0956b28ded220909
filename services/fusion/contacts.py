"""Who a grid has from the county: its 包管 cadres — a deputy-section-level leader (副科级领导)
and an agency cadre (机关干部) — and the county agencies paired with it (机关联系网格).

The synthetic county names them (:func:`services.reference.generator.synthetic_grid_contacts`);
an imported county's grids have none until the county or the street sets them. What staff set is
kept in ``grid_contacts`` and outlives a new reference version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase

from services.reference.generator import synthetic_grid_contacts
from services.reference.models import County

from .organisations import Refused

COLLECTION = "grid_contacts"
ROLES = ("leader", "cadre")
MAX_CADRES = 10
MAX_AGENCIES = 10


@dataclass
class Cadre:
    role: str
    name: str
    phone: str = ""
    agency: str = ""


@dataclass
class Contacts:
    grid_id: str
    cadres: list[Cadre] = field(default_factory=list)
    paired_agencies: list[str] = field(default_factory=list)
    source: str = "reference"
    updated_by: str = ""
    updated_at: datetime | None = None


def checked(cadres: Iterable[Cadre], agencies: Iterable[str]) -> tuple[list[Cadre], list[str]]:
    """The contacts as staff set them, or Refused("invalid") naming what is wrong."""
    out = []
    for i, c in enumerate(cadres):
        if c.role not in ROLES:
            raise Refused("invalid", f"cadres[{i}].role: {c.role!r} is none of {', '.join(ROLES)}")
        if not c.name.strip():
            raise Refused("invalid", f"cadres[{i}].name: a cadre needs a name")
        out.append(Cadre(c.role, c.name.strip(), c.phone.strip(), c.agency.strip()))
    paired = [a.strip() for a in agencies]
    if any(not a for a in paired):
        raise Refused("invalid", "paired_agencies: an agency needs a name")
    if len(out) > MAX_CADRES or len(paired) > MAX_AGENCIES:
        raise Refused("invalid", f"at most {MAX_CADRES} cadres and {MAX_AGENCIES} agencies")
    return out, list(dict.fromkeys(paired))


class ContactStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.records = db[COLLECTION]
        self._reference: dict[str, Contacts] = {}

    def use_reference(self, county: County | None, *, synthetic: bool = False) -> None:
        """Follow a reference version: its grids, and the synthetic county's contacts."""
        named = synthetic_grid_contacts(county) if county is not None and synthetic else {}
        self._reference = {
            g.grid_id: Contacts(g.grid_id, [Cadre(**c) for c in named.get(g.grid_id, {}).get("cadres", [])],
                                list(named.get(g.grid_id, {}).get("paired_agencies", [])))
            for g in (county.grids if county is not None else ())}

    async def get(self, grid_id: str) -> Contacts:
        held = self._reference.get(grid_id)
        if held is None:
            raise Refused("not_found", f"no grid {grid_id!r}")
        doc = await self.records.find_one({"_id": grid_id})
        if doc is None:
            return Contacts(grid_id, list(held.cadres), list(held.paired_agencies))
        return Contacts(grid_id, [Cadre(**c) for c in doc["cadres"]], list(doc["paired_agencies"]), "maintained",
                        doc.get("updated_by", ""), doc.get("updated_at"))

    async def set(self, grid_id: str, cadres: list[Cadre], agencies: list[str], actor: str, now: datetime) -> Contacts:
        if grid_id not in self._reference:
            raise Refused("not_found", f"no grid {grid_id!r}")
        cadres, agencies = checked(cadres, agencies)
        await self.records.update_one(
            {"_id": grid_id},
            {"$set": {"cadres": [c.__dict__ for c in cadres], "paired_agencies": agencies, "updated_by": actor,
                      "updated_at": now}},
            upsert=True)
        return await self.get(grid_id)
