"""A valid import as the platform's ``County``.

- streets and communities come from the grid properties (names as given, ``name_en`` empty);
- a grid keeps its boundary: ``polygon`` is the outer ring of its largest part, ``parts`` the
  whole boundary when it is more than that one ring (holes or several parts), as in
  :class:`services.reference.models.Grid`; its household and resident counts come from the
  households file, its party members are the member rows in it (0 without that file);
- a compound is one (grid, ``compound`` name) of the households file: id
  ``<grid_id>-c<nnn>`` numbered in name order within the grid, located at the mean of its
  households, its address its name; a household without a compound has ``compound_id`` "";
- a household's head is a ``Person`` (``person_id`` = household id) when the row names a head,
  a phone or an id number; people the format does not carry (secretaries, committee members,
  grid workers, police assistants, legal advisers) are None or empty;
- each grid's ``station`` and each community's ``service_station`` is a point inside the grid /
  the union of the community's grids (``point_on_surface``), rounded to 6 decimals;
- no landmarks, social organisations or resident units; everything sorted by id.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict

import shapely

from services.reference.exchange.records import GridRow, HouseholdRow, MemberRow
from services.reference.models import (
    Community,
    Compound,
    County,
    Grid,
    Household,
    LonLat,
    PartyMember,
    Person,
    Street,
)


def _point(geometry) -> LonLat:
    point = shapely.point_on_surface(geometry)
    return round(point.x, 6), round(point.y, 6)


def assemble(
    grids: list[GridRow], households: list[HouseholdRow], members: list[MemberRow]
) -> County:
    """The county of a valid import (every row checked, every household placed in a grid)."""
    grids = sorted(grids, key=lambda g: g.grid_id)
    households = sorted(households, key=lambda h: h.household_id)
    members = sorted(members, key=lambda m: m.member_id)

    streets = {g.street_id: Street(g.street_id, g.street_name, "") for g in grids}
    by_community: dict[str, list[GridRow]] = defaultdict(list)
    for grid in grids:
        by_community[grid.community_id].append(grid)
    communities = [
        Community(
            community_id=community_id,
            name=rows[0].community_name,
            street_id=rows[0].street_id,
            legal_adviser=None,
            service_station=_point(shapely.union_all([row.geometry for row in rows])),
        )
        for community_id, rows in sorted(by_community.items())
    ]

    compound_ids = _compound_ids(households)
    compounds = _compounds(households, compound_ids)
    count: dict[str, int] = defaultdict(int)
    residents: dict[str, int] = defaultdict(int)
    for household in households:
        count[household.grid_id] += 1
        residents[household.grid_id] += household.residents or 0
    party_members: dict[str, int] = defaultdict(int)
    for member in members:
        party_members[member.grid_id] += 1

    return County(
        streets=tuple(streets[key] for key in sorted(streets)),
        communities=tuple(communities),
        grids=tuple(
            _grid(grid, count[grid.grid_id], residents[grid.grid_id], party_members[grid.grid_id])
            for grid in grids
        ),
        compounds=compounds,
        households=tuple(_household(h, compound_ids) for h in households),
        social_organisations=(),
        resident_units=(),
        landmarks=(),
        member_records=tuple(
            PartyMember(m.member_id, m.name, m.phone, m.grid_id, m.category) for m in members
        ),
    )


def _grid(row: GridRow, households: int, residents: int, party_members: int) -> Grid:
    largest = max(row.parts, key=lambda rings: abs(_ring_area(rings[0])))
    whole = len(row.parts) > 1 or len(row.parts[0]) > 1
    return Grid(
        grid_id=row.grid_id,
        name=row.name,
        type=row.type,
        community_id=row.community_id,
        street_id=row.street_id,
        polygon=largest[0],
        households=households,
        residents=residents,
        party_members=party_members,
        secretary=None,
        committee_members=(),
        grid_workers=(),
        police_assistant=None,
        station=_point(row.geometry),
        parts=row.parts if whole else (),
    )


def _ring_area(ring: tuple[LonLat, ...]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring)) / 2


def _compound_ids(households: list[HouseholdRow]) -> dict[tuple[str, str], str]:
    names: dict[str, set[str]] = defaultdict(set)
    for household in households:
        if household.compound:
            names[household.grid_id].add(household.compound)
    return {
        (grid_id, name): f"{grid_id}-c{number:03d}"
        for grid_id, grid_names in names.items()
        for number, name in enumerate(sorted(grid_names), start=1)
    }


def _compounds(
    households: list[HouseholdRow], compound_ids: dict[tuple[str, str], str]
) -> tuple[Compound, ...]:
    points: dict[tuple[str, str], list[LonLat]] = defaultdict(list)
    for household in households:
        if household.compound and household.location is not None:
            points[(household.grid_id, household.compound)].append(household.location)
    compounds = []
    for key, compound_id in compound_ids.items():
        located = points[key]
        compounds.append(
            Compound(
                compound_id=compound_id,
                name=key[1],
                grid_id=key[0],
                address=key[1],
                location=(
                    round(math.fsum(p[0] for p in located) / len(located), 6),
                    round(math.fsum(p[1] for p in located) / len(located), 6),
                ),
            )
        )
    return tuple(sorted(compounds, key=lambda c: c.compound_id))


def _household(row: HouseholdRow, compound_ids: dict[tuple[str, str], str]) -> Household:
    head = None
    if row.head_name or row.phone or row.id_number:
        head = Person(row.household_id, row.head_name, row.phone, row.id_number)
    assert row.location is not None and row.residents is not None
    return Household(
        household_id=row.household_id,
        compound_id=compound_ids.get((row.grid_id, row.compound), "") if row.compound else "",
        grid_id=row.grid_id,
        address=row.address,
        residents=row.residents,
        location=row.location,
        head=head,
    )
