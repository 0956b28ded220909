"""The synthetic county's register of party members as people: exactly the seed's 9,656, each
grid's count of them, a category each, compound-type grids' members in one of the grid's
compound groups, and nobody's phone anyone else's."""

from __future__ import annotations

from collections import Counter

import pytest

from services.reference import build_county
from services.reference.generator import (
    _everyone,
    synthetic_co_governance,
    synthetic_grid_contacts,
    synthetic_group_leaders,
    synthetic_party_members,
)

pytestmark = pytest.mark.unit


def test_the_synthetic_register_carries_the_seeds_members_grid_by_grid():
    county = build_county()
    register = synthetic_party_members(county)
    assert len(register) == 9656 == county.party_members
    per_grid = Counter(m.grid_id for m, _ in register)
    assert all(per_grid[g.grid_id] == g.party_members for g in county.grids)
    assert set(Counter(m.category for m, _ in register)) == {"in_work", "retired", "mobile"}
    compounds = {c.compound_id: c.grid_id for c in county.compounds}
    kinds = {g.grid_id: g.type for g in county.grids}
    for member, group in register:
        if kinds[member.grid_id] == "compound":
            assert compounds[group.removeprefix("group-")] == member.grid_id
        else:
            assert group == ""
    phones = [m.phone for m, _ in register] + [p.phone for p in _everyone(county)]
    phones += [p.phone for p in synthetic_group_leaders(county).values()]
    phones += [c["phone"] for g in synthetic_grid_contacts(county).values() for c in g["cadres"]]
    phones += [a["contact_phone"] for a in synthetic_co_governance(county)]
    assert len(set(phones)) == len(phones)  # no two synthetic people, of any stream, share a phone
    assert synthetic_party_members(county) == register  # deterministic

