"""The county's register of party members as people (党员名册): every member with its category
(在职 in work, 离退休 retired, 流动 mobile) and home grid, as the reference data's
``party_members.csv`` gives them; in local mode the synthetic county's own register (its 9,656
members, those of compound-type grids each in a compound's party group).

The register is read-only here: it changes with the reference data. A registration (报到, in
:mod:`~services.fusion.members`) may name a register entry by its ``register_id``; the list
shows which entries are named and by which account.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass

from pymongo.asynchronous.collection import AsyncCollection

from services.platform.vocabulary import MEMBER_CATEGORIES as CATEGORIES
from services.reference.generator import synthetic_party_members
from services.reference.models import County


@dataclass(frozen=True, slots=True)
class Entry:
    member_id: str
    name: str
    phone: str
    grid_id: str
    community_id: str
    street_id: str
    category: str
    group_id: str = ""


class MemberRegister:
    def __init__(self, registrations: AsyncCollection) -> None:
        self.registrations = registrations
        self._county: County | None = None
        self._synthetic = False
        self._entries: list[Entry] | None = None
        self._by_id: dict[str, Entry] = {}

    def use_reference(self, county: County | None, *, synthetic: bool) -> None:
        self._county, self._synthetic, self._entries, self._by_id = county, synthetic, None, {}

    def _build(self, county: County, synthetic: bool) -> list[Entry]:
        places = {g.grid_id: (g.community_id, g.street_id) for g in county.grids}
        if county.member_records:
            pairs = [(m, "") for m in county.member_records]
        elif synthetic:
            pairs = list(synthetic_party_members(county))
        else:
            pairs = []
        return sorted((Entry(m.member_id, m.name, m.phone, m.grid_id, *places.get(m.grid_id, ("", "")), m.category,
                             group) for m, group in pairs if m.grid_id in places),
                      key=lambda e: (e.grid_id, e.member_id))

    async def entries(self) -> list[Entry]:
        county, synthetic = self._county, self._synthetic
        if self._entries is None and county is not None:
            built = await asyncio.to_thread(self._build, county, synthetic)  # the synthetic one: 9,656 people
            if county is self._county:  # not switched away meanwhile
                self._entries, self._by_id = built, {e.member_id: e for e in built}
            return built
        return self._entries or []

    async def get(self, member_id: str) -> Entry | None:
        await self.entries()
        return self._by_id.get(member_id)

    async def page(self, street_id: str, community_id: str, grid_id: str, category: str, page: int,
                   size: int) -> tuple[list[tuple[Entry, str]], int, dict[str, int]]:
        """A page of the area's entries (by grid, then id), each with the account whose
        registration names it (""), the area's matches, and the area's members by category."""
        inside = [e for e in await self.entries() if (not grid_id or e.grid_id == grid_id)
                  and (not community_id or e.community_id == community_id)
                  and (not street_id or e.street_id == street_id)]
        by_category = Counter(e.category for e in inside)
        matching = [e for e in inside if not category or e.category == category]
        start = (max(page, 1) - 1) * size
        shown = matching[start:start + size]
        named = {d["register_id"]: d["_id"] async for d in self.registrations.find(
            {"register_id": {"$in": [e.member_id for e in shown]}}, {"register_id": 1})}
        return ([(e, named.get(e.member_id, "")) for e in shown], len(matching),
                {c: by_category.get(c, 0) for c in CATEGORIES})
