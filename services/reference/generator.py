"""Generates the synthetic Ningyang county seat, deterministically, with the seed's totals.

The plan, top down:
1. a jittered lattice of 9 × 6 cells around the real county seat; one pair of cells is merged,
   giving 53 tiles (:mod:`services.reference.geometry`);
2. the western tiles form 文庙街道, the eastern 八仙桥街道; each street's tiles are walked in
   a serpentine order and cut into 5 runs of neighbouring tiles — its communities;
3. each grid gets a type, a number of compounds and of households (totals split exactly,
   with the largest-remainder method, from seeded random weights);
4. each compound sits near one road bounding its grid and takes a house number on that road;
   its households fill its buildings flat by flat (:mod:`services.reference.addresses`);
5. residents per household, party members per grid, the branch staff, social organisations
   and resident units complete it.
Every random draw comes from ``random.Random`` seeded per stage with a string, so the result is
the same on every machine and every run; no ``hash()``, set order or clock is involved.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from services.reference import labels, models
from services.reference.addresses import house_numbers, household_address, site_address
from services.reference.geometry import (
    COLUMNS,
    ROWS,
    Tile,
    Vertices,
    cell_point,
    lattice,
    ring_area,
    tile_ring,
)
from services.reference.people import PersonFactory

SEED = 370921

GRID_COUNT = 53
TOTAL_COMPOUNDS = 275
TOTAL_HOUSEHOLDS = 40_861
TOTAL_RESIDENTS = 140_098
TOTAL_PARTY_MEMBERS = 9_656
TOTAL_SOCIAL_ORGANISATIONS = 65
TOTAL_RESIDENT_UNITS = 108  # the seed says "100+"
TOTAL_COMMITTEE_MEMBERS = 229
COMMUNITIES_PER_STREET = 5

WENMIAO, BAXIANQIAO = "001", "002"
GOVERNMENT_CELL = (2, 2)  # north of 府前街 (east-west line 2), in 文庙街道
MERGED_TILE = Tile(column=8, row=0, height=2)  # the one grid made of two cells
TYPE_COUNTS: dict[str, dict[str, int]] = {
    WENMIAO: {"unit": 7, "compound": 11, "street_lane": 9},  # the old town
    BAXIANQIAO: {"unit": 6, "compound": 17, "street_lane": 3},  # the newer east
}
COMPOUNDS_PER_GRID: dict[str, tuple[int, int]] = {
    "unit": (3, 7),
    "compound": (4, 9),
    "street_lane": (2, 5),
}
HOUSEHOLD_DENSITY: dict[str, float] = {"unit": 0.9, "compound": 1.15, "street_lane": 0.8}
# (floors, units per building) choices; every floor has two flats (…01, …02).
BUILDING_SHAPES: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "unit": ((5, 6), (2, 3)),
    "compound": ((6, 6, 11, 18), (2, 3)),
    "street_lane": ((2, 3), (1, 2)),
}
FLATS_PER_FLOOR = 2
MIN_HOUSEHOLDS_PER_COMPOUND = 15
HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6)
HOUSEHOLD_SIZE_WEIGHTS = (6, 18, 30, 24, 14, 8)
MAX_HOUSEHOLD_SIZE = 8

STREET_NAMES: dict[str, str] = {code: name for code, name, _ in labels.STREETS}

Side = str  # "south" | "north" | "west" | "east" of a cell
RoadSide = tuple[str, int, bool]  # ("ew"|"ns", line index, odd-numbered side)


@dataclass(eq=False)
class _GridPlan:
    tile: Tile
    street_code: str
    community_index: int
    number: int = 0
    type: str = ""
    grid_id: str = ""
    name: str = ""
    community_name: str = ""
    ring: tuple[models.LonLat, ...] = ()
    households: int = 0


@dataclass(eq=False)
class _Site:
    """Something with a house number: a compound or a landmark, before numbering."""

    grid: _GridPlan
    name: str
    cell: tuple[int, int]
    side: Side
    u: float
    v: float
    number: int = 0
    households: int = 0
    floors: int = 6
    units: int = 2
    buildings: list[tuple[float, float]] = field(default_factory=list)


def stage_rng(seed: int, stage: str) -> random.Random:
    """An independent random stream per generation stage (string seeds hash with SHA-512)."""
    return random.Random(f"gridfusion-reference:{seed}:{stage}")


def split_total(total: int, weights: Sequence[float], minimums: Sequence[int]) -> list[int]:
    """Split ``total`` into integer shares ≥ ``minimums``, the rest by weight (largest remainder)."""
    rest = total - sum(minimums)
    if rest < 0:
        raise ValueError(f"minimums {sum(minimums)} exceed total {total}")
    scale = sum(weights)
    quotas = [rest * weight / scale for weight in weights]
    shares = [int(quota) for quota in quotas]
    left = rest - sum(shares)
    by_remainder = sorted(range(len(quotas)), key=lambda k: (shares[k] - quotas[k], k))
    for k in by_remainder[:left]:
        shares[k] += 1
    return [minimum + share for minimum, share in zip(minimums, shares, strict=True)]


def street_of(cell: tuple[int, int]) -> str:
    """文庙街道 holds the four western columns and the south half of the fifth."""
    column, row = cell
    return WENMIAO if column < 4 or (column == 4 and row < 3) else BAXIANQIAO


def serpentine_tiles() -> dict[str, list[Tile]]:
    """Each street's tiles in a walk where consecutive tiles share an edge."""
    walks: dict[str, list[Tile]] = {WENMIAO: [], BAXIANQIAO: []}
    merged = set(MERGED_TILE.cells())
    for column in range(COLUMNS):
        rows = range(ROWS) if column % 2 == 0 else range(ROWS - 1, -1, -1)
        for row in rows:
            street = street_of((column, row))
            if (column, row) == MERGED_TILE.cells()[0]:
                walks[street].append(MERGED_TILE)
            elif (column, row) not in merged:
                walks[street].append(Tile(column, row))
    # 八仙桥街道 walks north up the top half of column 4, then serpentines east from its top.
    east = walks[BAXIANQIAO]
    head = [tile for tile in east if tile.column == 4]
    walks[BAXIANQIAO] = sorted(head, key=lambda t: t.row) + [t for t in east if t.column != 4]
    return walks


def _plan_grids(vertices: Vertices, rng: random.Random) -> list[_GridPlan]:
    plans: list[_GridPlan] = []
    walks = serpentine_tiles()
    for street_index, (street_code, _, _) in enumerate(labels.STREETS):
        tiles = walks[street_code]
        sizes = split_total(
            len(tiles),
            [rng.uniform(0.8, 1.2) for _ in range(COMMUNITIES_PER_STREET)],
            [4] * COMMUNITIES_PER_STREET,
        )
        types = [t for t, n in TYPE_COUNTS[street_code].items() for _ in range(n)]
        rng.shuffle(types)
        _force_unit(tiles, types)
        start = 0
        for community_code, size in enumerate(sizes, start=1):
            community_name = labels.COMMUNITY_NAMES[street_code][community_code - 1]
            prefix = f"{labels.ADMIN_CODE}{street_code}{community_code:03d}"
            for number, k in enumerate(range(start, start + size), start=1):
                plans.append(
                    _GridPlan(
                        tile=tiles[k],
                        street_code=street_code,
                        community_index=street_index * COMMUNITIES_PER_STREET + community_code - 1,
                        number=number,
                        type=types[k],
                        grid_id=f"{prefix}{number:03d}",
                        name=f"{community_name}第{number}网格",
                        community_name=community_name,
                        ring=tile_ring(vertices, tiles[k]),
                    )
                )
            start += size
    return plans


def _force_unit(tiles: list[Tile], types: list[str]) -> None:
    """The government's grid and the merged (large, thinly housed) grid are unit-type."""
    forced = [
        k for k, tile in enumerate(tiles) if tile == MERGED_TILE or GOVERNMENT_CELL in tile.cells()
    ]
    for k in forced:
        if types[k] != "unit":
            swap = next(j for j, t in enumerate(types) if t == "unit" and j not in forced)
            types[k], types[swap] = types[swap], types[k]


def _compound_counts(plans: list[_GridPlan], rng: random.Random) -> list[int]:
    counts = [rng.randint(*COMPOUNDS_PER_GRID[plan.type]) for plan in plans]
    while sum(counts) != TOTAL_COMPOUNDS:
        k = rng.randrange(len(plans))
        low, high = COMPOUNDS_PER_GRID[plans[k].type]
        step = 1 if sum(counts) < TOTAL_COMPOUNDS else -1
        if low <= counts[k] + step <= high:
            counts[k] += step
    return counts


def _household_counts(plans: list[_GridPlan], counts: list[int], rng: random.Random) -> list[int]:
    areas = [ring_area(plan.ring) for plan in plans]
    mean = sum(areas) / len(areas)
    weights = [
        HOUSEHOLD_DENSITY[plan.type] * rng.uniform(0.8, 1.2) * (0.6 + 0.4 * area / mean)
        for plan, area in zip(plans, areas, strict=True)
    ]
    minimums = [MIN_HOUSEHOLDS_PER_COMPOUND * n for n in counts]
    return split_total(TOTAL_HOUSEHOLDS, weights, minimums)


def _name_pools(rng: random.Random) -> dict[str, list[str]]:
    """Unique compound names for each grid type, in a seeded order, consumed by ``pop()``."""
    residential = [
        f"{prefix}{middle}小区"
        for prefix in labels.COMPOUND_PREFIXES
        for middle in labels.COMPOUND_MIDDLES
    ]
    unit = [f"{u}家属院" for u in labels.UNIT_HOUSING]
    unit_new = [f"{u}新家属院" for u in labels.UNIT_HOUSING]
    lane = [f"{name}家属院" for name in labels.OLD_LANES]
    lane_new = [f"{name}新家属院" for name in labels.OLD_LANES]
    for pool in (residential, unit, unit_new, lane, lane_new):
        rng.shuffle(pool)
    # pop() takes from the end: first names first, then the 新 variants.
    return {"compound": residential, "unit": unit_new + unit, "street_lane": lane_new + lane}


def _sides(plan: _GridPlan, cell: tuple[int, int]) -> list[Side]:
    sides = ["west", "east"]
    if cell[1] == plan.tile.row:
        sides.append("south")
    if cell[1] == plan.tile.row + plan.tile.height - 1:
        sides.append("north")
    return sides


def _near_side(rng: random.Random, side: Side) -> tuple[float, float]:
    """A (u, v) in the band of a cell along one of its sides."""
    along = rng.uniform(0.12, 0.88)
    depth = rng.uniform(0.08, 0.3)
    return {
        "south": (along, depth),
        "north": (along, 1 - depth),
        "west": (depth, along),
        "east": (1 - depth, along),
    }[side]


def _new_site(rng: random.Random, plan: _GridPlan, name: str, side: Side | None = None) -> _Site:
    cell = rng.choice(plan.tile.cells())
    if side is None:
        side = rng.choice(_sides(plan, cell))
    u, v = _near_side(rng, side)
    return _Site(grid=plan, name=name, cell=cell, side=side, u=u, v=v)


def road_side(site: _Site) -> RoadSide:
    """The road a site fronts and whether that side carries odd numbers (north / west)."""
    column, row = site.cell
    return {
        "south": ("ew", row, True),
        "north": ("ew", row + 1, False),
        "west": ("ns", column, False),
        "east": ("ns", column + 1, True),
    }[site.side]


def road_name(side: RoadSide) -> str:
    axis, line, _ = side
    return labels.EAST_WEST_ROADS[line] if axis == "ew" else labels.NORTH_SOUTH_ROADS[line]


def _number_sites(sites: list[_Site], anchor: _Site, rng: random.Random) -> None:
    """Give every site its house number along its road side; ``anchor`` gets 府前街99号."""
    by_side: dict[RoadSide, list[_Site]] = {}
    for site in sites:
        by_side.setdefault(road_side(site), []).append(site)
    for key in sorted(by_side):
        axis = key[0]
        row = sorted(
            by_side[key],
            key=lambda s: (s.cell[0], s.u) if axis == "ew" else (s.cell[1], s.v),
        )
        at = next((k for k, site in enumerate(row) if site is anchor), None)
        pin = None if at is None else (at, labels.GOVERNMENT_NUMBER)
        for site, number in zip(row, house_numbers(rng, len(row), key[2], pin), strict=True):
            site.number = number


def _lay_out(rng: random.Random, site: _Site, kind: str) -> None:
    """Choose the building shape and place each building near the compound's point."""
    floors, units = BUILDING_SHAPES[kind]
    site.floors, site.units = rng.choice(floors), rng.choice(units)
    if site.name == labels.GOVERNMENT_COMPOUND:
        site.floors, site.units = 6, 2
    per_building = site.floors * site.units * FLATS_PER_FLOOR
    count = -(-site.households // per_building)
    site.buildings = [
        (
            min(0.96, max(0.04, site.u + rng.uniform(-0.06, 0.06))),
            min(0.96, max(0.04, site.v + rng.uniform(-0.06, 0.06))),
        )
        for _ in range(count)
    ]


def flat_of(index: int, floors: int, units: int) -> tuple[int, int, int]:
    """(building, unit, room) of the ``index``-th flat (0-based) of a compound."""
    per_unit = floors * FLATS_PER_FLOOR
    building, rest = divmod(index, per_unit * units)
    unit, rest = divmod(rest, per_unit)
    floor, door = divmod(rest, FLATS_PER_FLOOR)
    return building + 1, unit + 1, (floor + 1) * 100 + door + 1


def household_sizes(rng: random.Random, count: int, total: int) -> list[int]:
    """Residents per household: a realistic spread, nudged to sum to exactly ``total``."""
    sizes = rng.choices(HOUSEHOLD_SIZES, weights=HOUSEHOLD_SIZE_WEIGHTS, k=count)
    gap = total - sum(sizes)
    while gap:
        k = rng.randrange(count)
        step = 1 if gap > 0 else -1
        if 1 <= sizes[k] + step <= MAX_HOUSEHOLD_SIZE:
            sizes[k] += step
            gap -= step
    return sizes


def generate_county(seed: int = SEED) -> models.County:
    """Build the county from ``seed``; the same seed always gives an equal ``County``."""
    vertices = lattice(stage_rng(seed, "lattice"))
    plans = _plan_grids(vertices, stage_rng(seed, "grids"))
    sites_by_grid, government = _plan_compounds(plans, stage_rng(seed, "compounds"))
    offices = _street_offices(plans, stage_rng(seed, "offices"))
    every_site = [site for sites in sites_by_grid for site in sites] + offices
    _number_sites(every_site, government, stage_rng(seed, "numbers"))

    heads = PersonFactory(stage_rng(seed, "people"))
    staff = heads.sibling(stage_rng(seed, "staff"), id_prefix="S")
    compounds, households = _compounds_and_households(
        vertices, plans, sites_by_grid, heads, stage_rng(seed, "residents")
    )
    grids = _grids(vertices, plans, households, staff, stage_rng(seed, "branches"))
    communities = _communities(vertices, plans, staff, stage_rng(seed, "communities"))
    return models.County(
        streets=tuple(models.Street(f"{labels.ADMIN_CODE}{c}", n, e) for c, n, e in labels.STREETS),
        communities=communities,
        grids=grids,
        compounds=compounds,
        households=households,
        social_organisations=_social_organisations(plans, stage_rng(seed, "organisations")),
        resident_units=_resident_units(plans, offices, stage_rng(seed, "units")),
        landmarks=_landmarks(vertices, government, offices, stage_rng(seed, "landmarks")),
    )


def _plan_compounds(plans: list[_GridPlan], rng: random.Random) -> tuple[list[list[_Site]], _Site]:
    """Each grid's compounds: name, place, households and buildings; and 金鼎小区 at 府前街."""
    counts = _compound_counts(plans, rng)
    for plan, households in zip(plans, _household_counts(plans, counts, rng), strict=True):
        plan.households = households
    pools = _name_pools(rng)
    sites_by_grid: list[list[_Site]] = []
    government: _Site | None = None
    for plan, count in zip(plans, counts, strict=True):
        sites = [_new_site(rng, plan, pools[plan.type].pop()) for _ in range(count)]
        minimums = [MIN_HOUSEHOLDS_PER_COMPOUND] * count
        if GOVERNMENT_CELL in plan.tile.cells():
            government = _new_site(rng, plan, labels.GOVERNMENT_COMPOUND, side="south")
            sites[0] = government
            minimums[0] = 90  # enough flats to reach 3号楼2单元301室
        weights = [rng.uniform(0.5, 1.6) for _ in range(count)]
        for site, n in zip(sites, split_total(plan.households, weights, minimums), strict=True):
            site.households = n
            _lay_out(rng, site, plan.type)
        sites_by_grid.append(sites)
    if government is None:
        raise AssertionError("the government cell lies in no grid")
    return sites_by_grid, government


def site_text(site: _Site) -> str:
    """The site's address, e.g. ``宁阳县文庙街道府前街99号``."""
    return site_address(
        STREET_NAMES[site.grid.street_code], road_name(road_side(site)), site.number
    )


def _compounds_and_households(
    vertices: Vertices,
    plans: list[_GridPlan],
    sites_by_grid: list[list[_Site]],
    heads: PersonFactory,
    rng: random.Random,
) -> tuple[tuple[models.Compound, ...], tuple[models.Household, ...]]:
    """The compound records and, flat by flat, their households with their heads."""
    sizes = household_sizes(rng, TOTAL_HOUSEHOLDS, TOTAL_RESIDENTS)
    compounds: list[models.Compound] = []
    households: list[models.Household] = []
    for plan, sites in zip(plans, sites_by_grid, strict=True):
        code = plan.grid_id[6:]
        sequence = 0
        for k, site in enumerate(sites, start=1):
            compound = models.Compound(
                compound_id=f"C{code}{k:02d}",
                name=site.name,
                grid_id=plan.grid_id,
                address=site_text(site),
                location=cell_point(vertices, site.cell, site.u, site.v),
            )
            compounds.append(compound)
            locations = [cell_point(vertices, site.cell, u, v) for u, v in site.buildings]
            for index in range(site.households):
                building, unit, room = flat_of(index, site.floors, site.units)
                sequence += 1
                households.append(
                    models.Household(
                        household_id=f"H{code}{sequence:04d}",
                        compound_id=compound.compound_id,
                        grid_id=plan.grid_id,
                        address=household_address(
                            compound.address, site.name, building, unit, room
                        ),
                        residents=sizes[len(households)],
                        location=locations[building - 1],
                        head=heads.person(),
                    )
                )
    return tuple(compounds), tuple(households)


def _grids(
    vertices: Vertices,
    plans: list[_GridPlan],
    households: Sequence[models.Household],
    staff: PersonFactory,
    rng: random.Random,
) -> tuple[models.Grid, ...]:
    """The grid records with their party branch: secretary, 4–5 committee members, workers."""
    residents: dict[str, int] = {plan.grid_id: 0 for plan in plans}
    for household in households:
        residents[household.grid_id] += household.residents
    party_members = split_total(
        TOTAL_PARTY_MEMBERS,
        [residents[plan.grid_id] * rng.uniform(0.85, 1.15) for plan in plans],
        [1] * len(plans),
    )
    five = set(rng.sample(range(len(plans)), TOTAL_COMMITTEE_MEMBERS - 4 * len(plans)))
    grids = []
    for k, plan in enumerate(plans):
        station_cell = rng.choice(plan.tile.cells())
        grids.append(
            models.Grid(
                grid_id=plan.grid_id,
                name=plan.name,
                type=plan.type,
                community_id=plan.grid_id[:12],
                street_id=plan.grid_id[:9],
                polygon=plan.ring,
                households=plan.households,
                residents=residents[plan.grid_id],
                party_members=party_members[k],
                secretary=staff.person(30, 62),
                committee_members=tuple(staff.person(25, 70) for _ in range(5 if k in five else 4)),
                grid_workers=tuple(staff.person(23, 55) for _ in range(rng.randint(1, 3))),
                police_assistant=staff.person(24, 50),
                station=cell_point(vertices, station_cell, *_centre_uv(rng, 0.15)),
            )
        )
    return tuple(grids)


def _centre_uv(rng: random.Random, spread: float) -> tuple[float, float]:
    return rng.uniform(0.5 - spread, 0.5 + spread), rng.uniform(0.5 - spread, 0.5 + spread)


def _communities(
    vertices: Vertices, plans: list[_GridPlan], staff: PersonFactory, rng: random.Random
) -> tuple[models.Community, ...]:
    """Communities with their legal adviser and a service station in a middle grid."""
    communities = []
    for members in _community_members(plans):
        host = members[len(members) // 2]
        cell = rng.choice(host.tile.cells())
        communities.append(
            models.Community(
                community_id=members[0].grid_id[:12],
                name=members[0].community_name,
                street_id=members[0].grid_id[:9],
                legal_adviser=staff.person(28, 60),
                service_station=cell_point(vertices, cell, *_centre_uv(rng, 0.25)),
            )
        )
    return tuple(communities)


def _community_members(plans: list[_GridPlan]) -> list[list[_GridPlan]]:
    count = len(labels.STREETS) * COMMUNITIES_PER_STREET
    return [[p for p in plans if p.community_index == c] for c in range(count)]


def _street_offices(plans: list[_GridPlan], rng: random.Random) -> list[_Site]:
    """One street office (街道办事处) site in a grid of each street."""
    offices = []
    for code, name, _ in labels.STREETS:
        plan = rng.choice([p for p in plans if p.street_code == code])
        offices.append(_new_site(rng, plan, f"{name}办事处"))
    return offices


def _landmarks(
    vertices: Vertices, government: _Site, offices: list[_Site], rng: random.Random
) -> tuple[models.Landmark, ...]:
    """The county government at 府前街99号 (beside 金鼎小区) and the two street offices."""
    first = models.Landmark(
        landmark_id="LM001",
        name=labels.GOVERNMENT_NAME,
        grid_id=government.grid.grid_id,
        address=site_text(government),
        location=cell_point(vertices, government.cell, *_near_side(rng, "south")),
    )
    rest = tuple(
        models.Landmark(
            landmark_id=f"LM{k:03d}",
            name=site.name,
            grid_id=site.grid.grid_id,
            address=site_text(site),
            location=cell_point(vertices, site.cell, site.u, site.v),
        )
        for k, site in enumerate(offices, start=2)
    )
    return (first, *rest)


def _social_organisations(
    plans: list[_GridPlan], rng: random.Random
) -> tuple[models.SocialOrganisation, ...]:
    """65 organisations, spread over communities by size; names are community + kind."""
    members = _community_members(plans)
    shares = split_total(
        TOTAL_SOCIAL_ORGANISATIONS,
        [len(m) * rng.uniform(0.8, 1.2) for m in members],
        [3] * len(members),
    )
    placed: list[tuple[_GridPlan, str]] = []
    for grids, share in zip(members, shares, strict=True):
        for kind in rng.sample(labels.SOCIAL_ORGANISATION_KINDS, share):
            placed.append((rng.choice(grids), grids[0].community_name + kind))
    return tuple(
        models.SocialOrganisation(org_id=f"SO{plan.grid_id[6:]}{k:02d}", name=name, grid_id=plan.grid_id)
        for plan, k, name in _numbered(plans, placed)
    )


def _resident_units(
    plans: list[_GridPlan], offices: list[_Site], rng: random.Random
) -> tuple[models.ResidentUnit, ...]:
    """Institutions mostly in unit-type grids, enterprises anywhere; 108 in all."""
    fixed = {office.name: office.grid for office in offices}
    fixed[labels.GOVERNMENT_NAME] = next(p for p in plans if GOVERNMENT_CELL in p.tile.cells())
    institution_weights = [4.0 if p.type == "unit" else 1.0 for p in plans]
    placed: list[tuple[_GridPlan, str]] = []
    for name in labels.RESIDENT_INSTITUTIONS:
        plan = fixed.get(name) or rng.choices(plans, weights=institution_weights)[0]
        placed.append((plan, name))
    enterprises = [
        f"宁阳县{w}{t}" for w in labels.ENTERPRISE_WORDS for t in labels.ENTERPRISE_TRADES
    ]
    enterprise_weights = [1.0 if p.type == "unit" else 2.0 for p in plans]
    for name in rng.sample(enterprises, TOTAL_RESIDENT_UNITS - len(placed)):
        placed.append((rng.choices(plans, weights=enterprise_weights)[0], name))
    return tuple(
        models.ResidentUnit(unit_id=f"RU{plan.grid_id[6:]}{k:02d}", name=name, grid_id=plan.grid_id)
        for plan, k, name in _numbered(plans, placed)
    )


def _numbered(
    plans: list[_GridPlan], placed: list[tuple[_GridPlan, str]]
) -> list[tuple[_GridPlan, int, str]]:
    """Order items by grid (stable) and number them 1, 2, … within each grid."""
    position = {id(plan): k for k, plan in enumerate(plans)}
    ordered = sorted(placed, key=lambda item: position[id(item[0])])
    counters: dict[str, int] = {}
    result = []
    for plan, name in ordered:
        counters[plan.grid_id] = counters.get(plan.grid_id, 0) + 1
        result.append((plan, counters[plan.grid_id], name))
    return result


def _everyone(county: models.County) -> list[models.Person]:
    """Every person the county names: heads of household, branch staff, advisers."""
    people = [h.head for h in county.households if h.head is not None]
    for g in county.grids:
        people += [p for p in (g.secretary, g.police_assistant, *g.committee_members, *g.grid_workers) if p]
    return people + [c.legal_adviser for c in county.communities if c.legal_adviser]


def _phones_before(county: models.County, seed: int, stage: str) -> set[str]:
    """The phones of the synthetic people drawn before ``stage``, in the order group leaders,
    grid contacts, co-governance contacts, party members: each stream avoids those before it, so
    no two synthetic people share a phone."""
    phones: set[str] = set()
    if stage == "group-leaders":
        return phones
    phones |= {p.phone for p in synthetic_group_leaders(county, seed).values()}
    if stage == "grid-contacts":
        return phones
    phones |= {c["phone"] for g in synthetic_grid_contacts(county, seed).values() for c in g["cadres"]}
    if stage == "co-governance":
        return phones
    return phones | {a["contact_phone"] for a in synthetic_co_governance(county, seed)}


def synthetic_group_leaders(county: models.County, seed: int = SEED) -> dict[str, models.Person]:
    """The leader of each compound's party group (楼院党小组长) in the synthetic county, by
    compound id: drawn from a stream of their own, after the county, so the county itself is
    unchanged; never a phone or id number of someone in it."""
    leaders = PersonFactory.beside(stage_rng(seed, "group-leaders"), "L", _everyone(county))
    return {c.compound_id: leaders.person(35, 75) for c in sorted(county.compounds, key=lambda c: c.compound_id)}


def synthetic_grid_contacts(county: models.County, seed: int = SEED) -> dict[str, dict]:
    """Who each grid of the synthetic county has from the county (包管, 机关联系网格), by grid id:
    a deputy-section-level leader and an agency cadre, each of a county agency, and the agency
    paired with the grid (each agency with two or three grids). Drawn from a stream of their
    own, after the county, so the county itself is unchanged."""
    rng = stage_rng(seed, "grid-contacts")
    people = PersonFactory.beside(rng, "K", _everyone(county), _phones_before(county, seed, "grid-contacts"))
    grids = sorted(county.grids, key=lambda g: g.grid_id)
    agencies = list(labels.COUNTY_AGENCIES)
    paired = [agencies[i % len(agencies)] for i in range(len(grids))]
    rng.shuffle(paired)
    out = {}
    for grid, agency in zip(grids, paired, strict=True):
        leader, cadre = people.person(38, 58), people.person(26, 50)
        out[grid.grid_id] = {
            "cadres": [{"role": "leader", "name": leader.name, "phone": leader.phone, "agency": rng.choice(agencies)},
                       {"role": "cadre", "name": cadre.name, "phone": cadre.phone, "agency": agency}],
            "paired_agencies": [agency],
        }
    return out


def synthetic_co_governance(county: models.County, seed: int = SEED) -> list[dict]:
    """The co-governance actors of the synthetic county (共建共治), each with a contact person:
    the county's social organisations (65) and resident units; for every compound of a
    compound-type grid (一支部一委一会) its owners' committee (业主委员会) and property company
    (物业). Drawn from a stream of their own, after the county, so the county is unchanged."""
    rng = stage_rng(seed, "co-governance")
    people = PersonFactory.beside(rng, "G", _everyone(county), _phones_before(county, seed, "co-governance"))
    grids = {g.grid_id: g for g in county.grids}
    out = []

    def actor(org_id: str, kind: str, name: str, grid_id: str, compound_id: str = "") -> None:
        contact = people.person(30, 70)
        out.append({"org_id": org_id, "kind": kind, "name": name, "grid_id": grid_id, "compound_id": compound_id,
                    "contact_name": contact.name, "contact_phone": contact.phone})

    for o in county.social_organisations:
        actor(o.org_id, "social_organisation", o.name, o.grid_id)
    for u in county.resident_units:
        actor(u.unit_id, "resident_unit", u.name, u.grid_id)
    for c in sorted(county.compounds, key=lambda c: c.compound_id):
        if grids[c.grid_id].type != "compound":
            continue
        actor(f"OC{c.compound_id}", "owners_committee", f"{c.name}业主委员会", c.grid_id, c.compound_id)
        actor(f"PC{c.compound_id}", "property_company", rng.choice(labels.PROPERTY_COMPANIES), c.grid_id, c.compound_id)
    return out



# The synthetic register's categories: in work (在职), retired (离退休), mobile (流动). The seed
# gives no split; these shares are ours.
MEMBER_CATEGORY_SHARES = (("in_work", 0.42), ("retired", 0.46), ("mobile", 0.12))


def synthetic_party_members(county: models.County, seed: int = SEED) -> tuple[tuple[models.PartyMember, str], ...]:
    """The synthetic county's register of party members as people (党员名册): each grid's
    ``party_members`` count of them (9,656 in all), each with a category and, in a compound-type
    grid, the party group of one of its compounds (``group-<compound_id>``; "" elsewhere).
    Drawn from a stream of their own, after the county, so the county itself is unchanged."""
    rng = stage_rng(seed, "party-members")
    people = PersonFactory.beside(rng, "D", _everyone(county), _phones_before(county, seed, "party-members"))
    compounds: dict[str, list[str]] = {}
    for c in sorted(county.compounds, key=lambda c: c.compound_id):
        compounds.setdefault(c.grid_id, []).append(c.compound_id)
    kinds, shares = zip(*MEMBER_CATEGORY_SHARES, strict=True)
    out = []
    for grid in sorted(county.grids, key=lambda g: g.grid_id):
        own = compounds.get(grid.grid_id, []) if grid.type == "compound" else []
        for n in range(1, grid.party_members + 1):
            person = people.person(18, 90)
            member = models.PartyMember(f"D{grid.grid_id}{n:04d}", person.name, person.phone, grid.grid_id,
                                        rng.choices(kinds, shares)[0])
            out.append((member, f"group-{rng.choice(own)}" if own else ""))
    return tuple(out)
