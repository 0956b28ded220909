"""Checking a county's hand-over and turning it into a ``County``: :func:`load`.

Coordinates are converted to WGS84 first (``crs``: ``wgs84``, ``gcj02`` or ``bd09``, see
:mod:`services.reference.exchange.crs`) and rounded to 6 decimals (≈ 0.1 m), as the platform
stores them; every geometric check runs on what would be stored. Rings are closed and oriented
as RFC 7946 says (outer counter-clockwise, holes clockwise).

Every problem is one line naming what is wrong and where: the file, the row (a feature's number
in ``grids.geojson``; rows as a spreadsheet numbers them, the header being row 1), and the grid,
community, household or member ids. Any error refuses the whole import (``county`` is None);
warnings do not. The checks, by code:

| code | severity | what, and why |
| --- | --- | --- |
| ``missing_file`` | error | ``grids.geojson`` or ``households.csv``/``.xlsx`` is absent |
| ``ambiguous_file`` | error | a table comes both as ``.csv`` and ``.xlsx``: which one is meant? |
| ``ambiguous_layout`` | error | the files are spread over several folders of the zip / folder |
| ``unreadable_source`` | error | the source is neither a folder nor a zip |
| ``unreadable_file`` | error | invalid JSON, a workbook openpyxl cannot read |
| ``file_too_large`` | error | a file over 256 MiB (a county's data is a few MB) |
| ``encoding`` | error | not UTF-8 (says so when it reads as GBK, Excel's usual "CSV") |
| ``unknown_file`` | warning | a file the format does not have; ignored |
| ``missing_header`` | error | a required column is missing: names the header and its Chinese alias |
| ``duplicate_header`` | error | two columns (or two grid properties) mean the same field |
| ``unknown_header`` | warning | a column or grid property the format does not have; ignored |
| ``empty_file`` | error | ``grids.geojson`` without features, a households file without rows |
| ``not_feature_collection`` | error | ``grids.geojson`` is not a GeoJSON FeatureCollection |
| ``geometry_type`` | error | a feature is not a Polygon or MultiPolygon |
| ``invalid_coordinates`` | error | a grid's or a household's coordinate that is not a number, or outside lon [-180, 180] / lat [-90, 90] |
| ``ring_not_closed`` | warning | a ring whose last position is not its first; the import closes it |
| ``invalid_polygon`` | error | a ring of fewer than 4 positions, or shapely's ``is_valid`` fails (self-intersection, …; the reason from ``is_valid_reason``) |
| ``missing_value`` | error | a required value is empty |
| ``grid_type_unknown`` | error | a type other than unit/compound/street_lane or 单位/小区/街巷(型) |
| ``duplicate_grid_id``, ``duplicate_household_id``, ``duplicate_member_id`` | error | an id given twice: names both rows |
| ``grid_id_pattern`` | warning | a grid id not of the national pattern (CJ/T 349: 15 digits = county 6 + street 3 + community 3 + grid 3), or not starting with its community id or its street id. A warning: the platform works with any unique id, but other systems expect the pattern |
| ``community_inconsistent`` | error | one community id with two street ids or two names |
| ``street_inconsistent`` | error | one street id with two names |
| ``grid_overlap`` | error | two grids share more than ``OVERLAP_TOLERANCE_M2``: names both grids and the area |
| ``community_gap`` | error | a hole of more than ``GAP_TOLERANCE_M2`` inside the union of one community's grids, covered by no other grid: names the community, the grids around it and the area |
| ``residents_invalid`` | error | residents not a whole number ≥ 1 |
| ``household_grid_unknown`` | error | a household's ``grid_id`` is not a grid of the import |
| ``household_outside_grids`` | error | a household's point lies in no grid |
| ``household_grid_mismatch`` | error | a household's point lies in another grid than its ``grid_id``: names both |
| ``phone_invalid`` | error | a phone that is neither a mainland mobile nor a landline with area code (see :mod:`services.reference.exchange.values`); an empty phone is allowed |
| ``id_number_invalid`` | error | an id number that is not 18 characters of 17 digits + check character |
| ``id_number_check_digit`` | error | an id number failing the GB 11643 check digit |
| ``member_grid_unknown`` | error | a party member's ``grid_id`` is not a grid of the import |
| ``member_category_unknown`` | error | a category other than in_work/retired/mobile or 在职/离退休/流动 |

Tolerances. Grids are meant to tile: a point must resolve to exactly one grid. Neighbouring
grids drawn from one topology share their vertices and overlap by nothing. Rounding to 6
decimals (here, or in the county's own export) can still move a vertex that sits on a
neighbour's edge (a T-junction) by up to 0.055 m, which along a 360 m edge is a sliver of
10 m², a few centimetres wide: no event lands in it that a phone's GPS (5–10 m) could place
better. So ``OVERLAP_TOLERANCE_M2`` and ``GAP_TOLERANCE_M2`` are 10 m²; anything larger is a
drawing error the county must fix (the message gives a point in it). Areas are measured in a
local metric projection (:mod:`services.reference.exchange.topology`).

Performance: households are placed with one vectorised STRtree query over all points
(shapely 2), never a loop over grids per household; Ningyang's 40,861 households load and
validate in one to three seconds on one core (converting them from GCJ-02 adds little).
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import shapely
from shapely import MultiPolygon, Polygon

from services.reference.exchange import topology
from services.reference.exchange.assemble import assemble
from services.reference.exchange.columns import (
    GRID_PROPERTIES,
    GRID_TYPE_VALUES,
    MEMBER_CATEGORY_VALUES,
    header_index,
    normalise_value,
)
from services.reference.exchange.crs import normalise_crs, to_wgs84_arrays
from services.reference.exchange.reader import Handover, Source, Table, read_handover
from services.reference.exchange.records import GridRow, HouseholdRow, MemberRow, Rings
from services.reference.exchange.report import Counts, ImportResult, Problems
from services.reference.exchange.values import (
    id_number_fault,
    is_valid_phone,
    normalise_id_number,
    parse_float,
    parse_positive_int,
)
from services.reference.models import LonLat

OVERLAP_TOLERANCE_M2 = 10.0
GAP_TOLERANCE_M2 = 10.0
DECIMALS = 6
GRID_ID_DIGITS = 15


def load(source: Source, crs: str | None = "wgs84") -> ImportResult:
    """Read, check and convert a hand-over (folder, zip path, zip bytes or file mapping)."""
    crs = normalise_crs(crs)
    problems = Problems()
    handover = read_handover(source, problems)
    grids = _read_grids(handover, crs, problems)
    _check_hierarchy(grids, handover.grids_file, problems)
    _check_topology(grids, handover.grids_file, problems)
    # Without any grid read, a reference to a grid cannot be judged: say nothing of it.
    grid_ids = {g.grid_id for g in grids} if grids else None
    households = _read_households(handover.households, crs, grid_ids, problems)
    _place_households(households, grids, handover.households, problems)
    members = _read_members(handover.members, grid_ids, problems)

    counts = Counts(
        streets=len({g.street_id for g in grids if g.street_id}),
        communities=len({g.community_id for g in grids if g.community_id}),
        grids=len(grids),
        compounds=len(
            {(h.grid_id or h.declared_grid, h.compound) for h in households if h.compound}
        ),
        households=len(households),
        residents=sum(h.residents or 0 for h in households),
        party_members=len(members),
    )
    county = None if problems.has_errors else assemble(grids, households, members)
    rank = {"": 0, handover.grids_file: 1}
    ordered = sorted(
        enumerate(problems.items),
        key=lambda item: (rank.get(item[1].file, 2), item[1].file, item[1].row, item[0]),
    )
    return ImportResult(county=county, problems=[p for _, p in ordered], counts=counts, crs=crs)


def _show(value: Any, limit: int = 60) -> str:
    """A value quoted for a one-line message."""
    text = " ".join(str(value).split())
    return f"'{text[:limit]}…'" if len(text) > limit else f"'{text}'"


def _round(value: float) -> float:
    return round(float(value), DECIMALS)


# ---------------------------------------------------------------------------------------- grids


def _property_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_grids(handover: Handover, crs: str, problems: Problems) -> list[GridRow]:
    data, file = handover.grids, handover.grids_file
    if data is None:
        return []
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        problems.error(
            "not_feature_collection", f"{file}: not a GeoJSON FeatureCollection", file=file
        )
        return []
    if not data["features"]:
        problems.error("empty_file", f"{file}: the FeatureCollection has no features", file=file)
        return []
    index = header_index(GRID_PROPERTIES)
    unknown: dict[str, list[int]] = defaultdict(list)
    rows: list[GridRow] = []
    first_row: dict[str, int] = {}
    for number, feature in enumerate(data["features"], start=1):
        error = partial(problems.error, file=file, row=number)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            error("geometry_type", f"{file}: feature {number} is not a GeoJSON Feature")
            continue
        values: dict[str, str] = {}
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            properties = {}
        for key, value in properties.items():
            column = index.get(normalise_value(str(key)))
            if column is None:
                unknown[str(key)].append(number)
                continue
            text = _property_text(value)
            if column.name in values and values[column.name] != text:
                error("duplicate_header",
                      f"{file}: feature {number} gives {column.label} twice, as "
                      f"{_show(values[column.name])} and {_show(text)}")
                continue
            values.setdefault(column.name, text)
        row = GridRow(
            row=number,
            grid_id=values.get("grid_id", ""),
            name=values.get("name", ""),
            type="",
            community_id=values.get("community_id", ""),
            community_name=values.get("community_name", ""),
            street_id=values.get("street_id", ""),
            street_name=values.get("street_name", ""),
        )
        for column in GRID_PROPERTIES:
            if not values.get(column.name):
                error("missing_value", f"{file}: {row.label} has no {column.label}",
                      ids=[row.grid_id] if row.grid_id else [])
        given_type = values.get("type", "")
        if given_type:
            row.type = GRID_TYPE_VALUES.get(normalise_value(given_type), "")
            if not row.type:
                error("grid_type_unknown",
                      f"{file}: {row.label} has type {_show(given_type)}; expected unit, compound, "
                      "street_lane or 单位/小区/街巷",
                      ids=[row.grid_id])
        _read_boundary(feature.get("geometry"), row, crs, file, problems)
        if row.grid_id:
            if row.grid_id in first_row:
                error("duplicate_grid_id",
                      f"{file}: features {first_row[row.grid_id]} and {number} both have grid_id {row.grid_id}",
                      ids=[row.grid_id])
                continue
            first_row[row.grid_id] = number
        rows.append(row)
    for key, numbers in sorted(unknown.items()):
        problems.warning(
            "unknown_header",
            f"{file}: property {_show(key)} is not part of the format; ignored "
            f"(in {len(numbers)} feature{'s' if len(numbers) > 1 else ''})",
            file=file,
        )
    return rows


def _position(value: Any) -> tuple[float, float] | str:
    if not isinstance(value, (list, tuple)) or len(value) < 2:
        return f"position {_show(value)} is not [lon, lat]"
    lon, lat = value[0], value[1]
    for number in (lon, lat):
        if (
            isinstance(number, bool)
            or not isinstance(number, (int, float))
            or not math.isfinite(number)
        ):
            return f"position {_show(value)} holds a non-number"
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return f"position {_show(value)} is out of range (lon -180..180, lat -90..90)"
    return float(lon), float(lat)


def _read_boundary(geometry: Any, row: GridRow, crs: str, file: str, problems: Problems) -> None:
    """Fill ``row.parts`` and ``row.geometry`` from a GeoJSON geometry, or report why not."""
    ids = [row.grid_id] if row.grid_id else []
    error = partial(problems.error, file=file, row=row.row, ids=ids)
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind not in ("Polygon", "MultiPolygon"):
        error("geometry_type",
              f"{file}: {row.label} has a {kind or 'missing'} geometry; expected Polygon or MultiPolygon")
        return
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if kind == "Polygon" else coordinates
    if (
        not isinstance(polygons, list)
        or not polygons
        or not all(
            isinstance(p, list) and p and all(isinstance(r, list) for r in p) for p in polygons
        )
    ):
        error("invalid_polygon", f"{file}: {row.label} has no rings in its {kind}")
        return
    rings: list[list[tuple[float, float]]] = []
    unclosed = 0
    for polygon in polygons:
        for ring in polygon:
            positions = []
            for value in ring:
                position = _position(value)
                if isinstance(position, str):
                    error("invalid_coordinates", f"{file}: {row.label}: {position}")
                    return
                positions.append(position)
            if positions and positions[0] != positions[-1]:
                positions.append(positions[0])
                unclosed += 1
            if len(positions) < 4:
                error("invalid_polygon",
                      f"{file}: {row.label} has a ring of {len(positions)} positions; a ring needs at least 4")
                return
            rings.append(positions)
    if unclosed:
        problems.warning("ring_not_closed",
                         f"{file}: {row.label} has {unclosed} ring(s) whose last position is not the first; closed",
                         file=file, row=row.row, ids=ids)
    lons = [lon for ring in rings for lon, _ in ring]
    lats = [lat for ring in rings for _, lat in ring]
    wgs_lon, wgs_lat = to_wgs84_arrays(lons, lats, crs)
    converted = iter(zip(map(_round, wgs_lon), map(_round, wgs_lat), strict=True))
    stored = [tuple(next(converted) for _ in ring) for ring in rings]
    parts: list[Rings] = []
    at = 0
    for polygon in polygons:
        polygon_rings = stored[at : at + len(polygon)]
        at += len(polygon)
        parts.append(tuple(_oriented(ring, k == 0) for k, ring in enumerate(polygon_rings)))
    row.parts = tuple(parts)
    shapes = [Polygon(rings[0], rings[1:]) for rings in row.parts]
    row.geometry = shapes[0] if len(shapes) == 1 else MultiPolygon(shapes)
    row.valid = bool(shapely.is_valid(row.geometry))
    if not row.valid:
        error("invalid_polygon",
              f"{file}: {row.label} is not a valid polygon: {shapely.is_valid_reason(row.geometry)}")


def _oriented(ring: tuple[LonLat, ...], outer: bool) -> tuple[LonLat, ...]:
    area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring))
    return ring if (area > 0) == outer or area == 0 else ring[::-1]


def _check_hierarchy(grids: list[GridRow], file: str, problems: Problems) -> None:
    """Communities and streets are consistent; grid ids follow the national pattern."""
    community_streets: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    community_names: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    street_names: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for grid in grids:
        if grid.community_id:
            if grid.street_id:
                community_streets[grid.community_id][grid.street_id].append(grid.grid_id)
            if grid.community_name:
                community_names[grid.community_id][grid.community_name].append(grid.grid_id)
        if grid.street_id and grid.street_name:
            street_names[grid.street_id][grid.street_name].append(grid.grid_id)

    def listed(variants: dict[str, list[str]], what: str) -> str:
        return "; ".join(
            f"{what} {_show(v)} in grids {', '.join(ids)}" for v, ids in sorted(variants.items())
        )

    # (code, the variants by id, whose, the fault, what varies, whether the variants are ids)
    checks = (
        ("community_inconsistent", community_streets, "community", "lies in more than one street",
         "street", True),
        ("community_inconsistent", community_names, "community", "has more than one name", "name", False),
        ("street_inconsistent", street_names, "street", "has more than one name", "name", False),
    )
    for code, found, whose, fault, what, variants_are_ids in checks:
        for key, variants in sorted(found.items()):
            if len(variants) > 1:
                problems.error(
                    code,
                    f"{file}: {whose} {key} {fault}: {listed(variants, what)}",
                    file=file,
                    ids=[
                        key,
                        *(sorted(variants) if variants_are_ids else ()),
                        *sorted(g for ids in variants.values() for g in ids),
                    ],
                )

    for grid in grids:
        gid = grid.grid_id
        if not gid:
            continue
        warn = partial(problems.warning, "grid_id_pattern", file=file, row=grid.row)
        if not (len(gid) == GRID_ID_DIGITS and gid.isascii() and gid.isdigit()):
            warn(f"{file}: {grid.label}: grid id {gid} is not of the national pattern (CJ/T 349: "
                 "15 digits = county 6 + street 3 + community 3 + grid 3)",
                 ids=[gid])
            continue
        if grid.community_id and not gid.startswith(grid.community_id):
            warn(f"{file}: {grid.label}: grid id {gid} does not start with its community id {grid.community_id}",
                 ids=[gid, grid.community_id])
        if grid.street_id and not gid.startswith(grid.street_id):
            warn(f"{file}: {grid.label}: grid id {gid} does not start with its street id {grid.street_id}",
                 ids=[gid, grid.street_id])


def _check_topology(grids: list[GridRow], file: str, problems: Problems) -> None:
    """Overlaps between any two valid grids; gaps inside each community."""
    usable = sorted(
        (g for g in grids if g.valid and g.geometry is not None), key=lambda g: g.grid_id
    )
    if not usable:
        return
    geometries = [g.geometry for g in usable]
    projection = topology.LocalProjection.around(geometries)
    for overlap in topology.overlaps(geometries, projection, OVERLAP_TOLERANCE_M2):
        a, b = usable[overlap.first], usable[overlap.second]
        problems.error(
            "grid_overlap",
            f"{file}: grids {a.grid_id} (feature {a.row}) and {b.grid_id} (feature {b.row}) overlap "
            f"by {overlap.area_m2:.1f} m² (tolerance {OVERLAP_TOLERANCE_M2:g} m²) around "
            f"{overlap.where[0]:.6f}, {overlap.where[1]:.6f}",
            file=file,
            ids=[a.grid_id, b.grid_id],
        )
    with_community = [k for k, g in enumerate(usable) if g.community_id]
    found = topology.gaps(
        [geometries[k] for k in with_community],
        [usable[k].community_id for k in with_community],
        projection,
        GAP_TOLERANCE_M2,
    )
    for gap in found:
        around = [usable[with_community[k]].grid_id for k in gap.bordering]
        problems.error(
            "community_gap",
            f"{file}: community {gap.community} has a gap of {gap.area_m2:.1f} m² (tolerance "
            f"{GAP_TOLERANCE_M2:g} m²) between grids {', '.join(around)} around "
            f"{gap.where[0]:.6f}, {gap.where[1]:.6f}",
            file=file,
            ids=[gap.community, *around],
        )


# ------------------------------------------------------------------------------------ households


def _check_person(
    row: int, label: str, phone: str, id_number: str, file: str, ids: list[str], problems: Problems
) -> None:
    error = partial(problems.error, file=file, row=row, ids=ids)
    if phone and not is_valid_phone(phone):
        error("phone_invalid",
              f"{file}: {label}: phone {_show(phone)} is neither a mainland mobile (1[3-9] + 9 digits) "
              "nor a landline with area code")
    if id_number:
        fault = id_number_fault(id_number)
        if fault:
            code = "id_number_check_digit" if fault.startswith("fails") else "id_number_invalid"
            error(code, f"{file}: {label}: id number {_show(id_number)} {fault}")


def _repeated_id(
    row_id: str, label: str, kind: str, number: int, first_row: dict[str, int], file: str,
    error: Callable[..., None],
) -> bool:
    """Report a row without its id (the column ``label``), and one whose id an earlier row has:
    True for that repeat, which is left out. Else the row is the first with its id."""
    if not row_id:
        error("missing_value", f"{file}: row {number} has no {label}")
    elif row_id in first_row:
        error(f"duplicate_{kind}_id",
              f"{file}: row {number}: {kind} {row_id} is already in row {first_row[row_id]}")
        return True
    else:
        first_row[row_id] = number
    return False


def _read_households(
    table: Table | None, crs: str, grid_ids: set[str] | None, problems: Problems
) -> list[HouseholdRow]:
    if table is None:
        return []
    file = table.file
    if not table.rows:
        problems.error("empty_file", f"{file}: no households below the header", file=file)
        return []
    rows: list[HouseholdRow] = []
    first_row: dict[str, int] = {}
    numbers: list[tuple[int, float, float]] = []  # (index in rows, lon, lat) as given
    for number, values in table.rows:
        household_id = values["household_id"]
        row = HouseholdRow(
            row=number,
            household_id=household_id,
            address=values["address"],
            residents=parse_positive_int(values["residents"]),
            compound=values.get("compound", ""),
            declared_grid=values.get("grid_id", ""),
            given=(values["lon"], values["lat"]),
            head_name=values.get("head_name", ""),
            phone=values.get("phone", ""),
            id_number=normalise_id_number(values.get("id_number", "")),
        )
        ids = [household_id] if household_id else []
        error = partial(problems.error, file=file, row=number, ids=ids)
        if _repeated_id(household_id, "household_id (户号)", "household", number, first_row, file, error):
            continue
        if not row.address:
            error("missing_value", f"{file}: {row.label} has no address (地址)")
        if row.residents is None:
            error("residents_invalid",
                  f"{file}: {row.label}: residents {_show(values['residents'])} is not a whole number of at least 1")
        lon, lat = parse_float(values["lon"]), parse_float(values["lat"])
        faults = []
        if lon is None:
            faults.append(f"lon {_show(values['lon'])} is not a number")
        elif not -180 <= lon <= 180:
            faults.append(f"lon {lon:g} is out of range (-180..180)")
        if lat is None:
            faults.append(f"lat {_show(values['lat'])} is not a number")
        elif not -90 <= lat <= 90:
            faults.append(f"lat {lat:g} is out of range (-90..90)")
        if faults:
            error("invalid_coordinates", f"{file}: {row.label}: {'; '.join(faults)}")
        else:
            numbers.append((len(rows), lon, lat))
        if row.declared_grid and grid_ids is not None and row.declared_grid not in grid_ids:
            error("household_grid_unknown",
                  f"{file}: {row.label}: grid_id {row.declared_grid} is not a grid of grids.geojson",
                  ids=[*ids, row.declared_grid])
        _check_person(number, row.label, row.phone, row.id_number, file, ids, problems)
        rows.append(row)
    if numbers:
        at = np.fromiter((n[0] for n in numbers), dtype=np.intp, count=len(numbers))
        wgs_lon, wgs_lat = to_wgs84_arrays([n[1] for n in numbers], [n[2] for n in numbers], crs)
        for k, lon, lat in zip(at.tolist(), wgs_lon.tolist(), wgs_lat.tolist(), strict=True):
            rows[k].location = (_round(lon), _round(lat))
    return rows


def _place_households(
    households: list[HouseholdRow], grids: list[GridRow], table: Table | None, problems: Problems
) -> None:
    """Put each located household in the grid it lies in, and report those that lie wrong."""
    usable = sorted((g for g in grids if g.geometry is not None), key=lambda g: g.grid_id)
    located = [h for h in households if h.location is not None]
    if not usable or not located or table is None:
        return
    file = table.file
    geometries = [g.geometry if g.valid else shapely.make_valid(g.geometry) for g in usable]
    lons = np.fromiter((h.location[0] for h in located), dtype=float, count=len(located))
    lats = np.fromiter((h.location[1] for h in located), dtype=float, count=len(located))
    point_index, grid_index = topology.locate(lons, lats, geometries)
    first = np.full(len(located), -1, dtype=np.intp)
    if len(point_index):
        starts = np.flatnonzero(np.r_[True, point_index[1:] != point_index[:-1]])
        first[point_index[starts]] = grid_index[starts]  # the lowest grid id holding the point
    containing: dict[int, set[int]] = defaultdict(set)
    counts = np.bincount(point_index, minlength=len(located))
    for p, g in zip(point_index.tolist(), grid_index.tolist(), strict=True):
        if counts[p] > 1:
            containing[p].add(g)
    position = {g.grid_id: k for k, g in enumerate(usable)}
    # A grid without a boundary was reported already; its households are not judged on it.
    unbounded = {g.grid_id for g in grids if g.geometry is None}
    for k, household in enumerate(located):
        if household.declared_grid in unbounded:
            continue
        found = int(first[k])
        declared = position.get(household.declared_grid, -1) if household.declared_grid else -1
        ids = [household.household_id] if household.household_id else []
        where = f"({household.given[0]}, {household.given[1]})"
        error = partial(problems.error, file=file, row=household.row)
        if found < 0:
            said = f" (its grid_id is {household.declared_grid})" if household.declared_grid else ""
            error("household_outside_grids",
                  f"{file}: {household.label} lies outside every grid at {where}{said}",
                  ids=[*ids, *([household.declared_grid] if household.declared_grid else [])])
            continue
        holding = containing.get(k, {found})
        if declared >= 0 and declared not in holding:
            actual = usable[found].grid_id
            error("household_grid_mismatch",
                  f"{file}: {household.label} has grid_id {household.declared_grid} but lies in grid {actual} at {where}",
                  ids=[*ids, household.declared_grid, actual])
            household.grid_id = actual
            continue
        household.grid_id = usable[declared if declared >= 0 else found].grid_id


# --------------------------------------------------------------------------------------- members


def _read_members(
    table: Table | None, grid_ids: set[str] | None, problems: Problems
) -> list[MemberRow]:
    if table is None:
        return []
    file = table.file
    rows: list[MemberRow] = []
    first_row: dict[str, int] = {}
    for number, values in table.rows:
        member_id = values["member_id"]
        given_category = values["category"]
        row = MemberRow(
            row=number,
            member_id=member_id,
            name=values["name"],
            phone=values["phone"],
            grid_id=values["grid_id"],
            category=MEMBER_CATEGORY_VALUES.get(normalise_value(given_category), ""),
        )
        ids = [member_id] if member_id else []
        error = partial(problems.error, file=file, row=number, ids=ids)
        if _repeated_id(member_id, "member_id (党员编号)", "member", number, first_row, file, error):
            continue
        if not row.name:
            error("missing_value", f"{file}: {row.label} has no name (姓名)")
        if not row.grid_id:
            error("missing_value", f"{file}: {row.label} has no grid_id (网格编码)")
        elif grid_ids is not None and row.grid_id not in grid_ids:
            error("member_grid_unknown",
                  f"{file}: {row.label}: grid_id {row.grid_id} is not a grid of grids.geojson",
                  ids=[*ids, row.grid_id])
        if not row.category:
            error("member_category_unknown",
                  f"{file}: {row.label}: category {_show(given_category)} is not in_work, retired or mobile "
                  "(在职/离退休/流动)")
        id_number = normalise_id_number(values.get("id_number", ""))
        _check_person(number, row.label, row.phone, id_number, file, ids, problems)
        rows.append(row)
    return rows
