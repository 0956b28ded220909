"""The reference records: plain frozen dataclasses, and the ``County`` that holds them all.

Every collection is a tuple and every record is frozen, so one ``County`` can be shared by every
caller of :func:`services.reference.build_county` without copying. Coordinates are WGS84
``(lon, lat)`` tuples rounded to 6 decimals (about 0.1 m).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon

LonLat = tuple[float, float]

GRID_TYPES: tuple[str, ...] = ("unit", "compound", "street_lane")
GRID_TYPE_LABELS: Mapping[str, str] = {
    "unit": "单位型",
    "compound": "小区型",
    "street_lane": "街巷型",
}


@dataclass(frozen=True, slots=True)
class Person:
    """A synthetic person: name from fixed lists, phone ``1xx-0921-xxxx``, valid 18-digit id."""

    person_id: str
    name: str
    phone: str
    id_number: str


@dataclass(frozen=True, slots=True)
class Street:
    """A street (街道): one of the county seat's two sub-districts."""

    street_id: str
    name: str
    name_en: str


@dataclass(frozen=True, slots=True)
class Community:
    """A community (社区) with its big party committee, its legal adviser and service station."""

    community_id: str
    name: str
    street_id: str
    # None where the import does not say (the department records its adviser itself).
    legal_adviser: Person | None
    service_station: LonLat


@dataclass(frozen=True, slots=True)
class Grid:
    """A grid (网格) and its party branch (网格党支部): secretary, committee, workers."""

    grid_id: str
    name: str
    type: str
    community_id: str
    street_id: str
    # The outer ring of the grid's (largest) part, closed.
    polygon: tuple[LonLat, ...]
    households: int
    residents: int
    party_members: int
    # None and empty where an import does not say who they are.
    secretary: Person | None
    committee_members: tuple[Person, ...]
    grid_workers: tuple[Person, ...]
    police_assistant: Person | None
    station: LonLat
    # The whole boundary when it is more than one ring: polygons, each its outer ring then its
    # holes. Empty: ``polygon`` is the whole boundary.
    parts: tuple[tuple[tuple[LonLat, ...], ...], ...] = ()

    @property
    def geometry(self) -> Polygon | MultiPolygon:
        """The boundary as a shapely geometry."""
        if not self.parts:
            return Polygon(self.polygon)
        polygons = [Polygon(rings[0], rings[1:]) for rings in self.parts]
        return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)

    def geojson(self) -> dict[str, Any]:
        """The boundary as a GeoJSON geometry (Polygon or MultiPolygon)."""
        if not self.parts:
            return {"type": "Polygon", "coordinates": [[[lon, lat] for lon, lat in self.polygon]]}
        polygons = [[[[lon, lat] for lon, lat in ring] for ring in rings] for rings in self.parts]
        if len(polygons) == 1:
            return {"type": "Polygon", "coordinates": polygons[0]}
        return {"type": "MultiPolygon", "coordinates": polygons}


@dataclass(frozen=True, slots=True)
class Compound:
    """A residential compound (小区/家属院); ``address`` is the site, e.g. ``宁阳县文庙街道府前街99号``."""

    compound_id: str
    name: str
    grid_id: str
    address: str
    location: LonLat


@dataclass(frozen=True, slots=True)
class Household:
    """A household (户): one flat of one compound, with its head of household."""

    household_id: str
    compound_id: str
    grid_id: str
    address: str
    residents: int
    location: LonLat
    # None when the import gives no head of household.
    head: Person | None


@dataclass(frozen=True, slots=True)
class SocialOrganisation:
    """A social organisation (社会组织) active in a grid."""

    org_id: str
    name: str
    grid_id: str


@dataclass(frozen=True, slots=True)
class ResidentUnit:
    """A resident unit or enterprise (驻区单位/企业) located in a grid."""

    unit_id: str
    name: str
    grid_id: str


@dataclass(frozen=True, slots=True)
class PartyMember:
    """A party member (党员) on the county's register, by home grid: 在职 in work, 离退休
    retired, 流动 mobile."""

    member_id: str
    name: str
    phone: str
    grid_id: str
    category: str


@dataclass(frozen=True, slots=True)
class Landmark:
    """A well-known non-residential address, e.g. the county government at 府前街99号."""

    landmark_id: str
    name: str
    grid_id: str
    address: str
    location: LonLat


@dataclass(frozen=True)
class County:
    """The synthetic Ningyang county seat: two streets, their communities, 53 grids and below.

    Derived views (polygons, look-ups, totals) are computed on first use and cached on the
    instance; they never take part in equality.
    """

    streets: tuple[Street, ...]
    communities: tuple[Community, ...]
    grids: tuple[Grid, ...]
    compounds: tuple[Compound, ...]
    households: tuple[Household, ...]
    social_organisations: tuple[SocialOrganisation, ...]
    resident_units: tuple[ResidentUnit, ...]
    landmarks: tuple[Landmark, ...]
    # Party members as people (an import's ``party_members.csv``); the synthetic county has counts only.
    member_records: tuple[PartyMember, ...] = ()

    @cached_property
    def party_members(self) -> int:
        """Registered party members over all grids (a per-grid count; no person records)."""
        return sum(grid.party_members for grid in self.grids)

    @cached_property
    def grid_polygons(self) -> Mapping[str, Polygon | MultiPolygon]:
        """Shapely geometry of every grid, by grid id."""
        return {grid.grid_id: grid.geometry for grid in self.grids}

    @cached_property
    def area_polygon(self) -> Polygon:
        """The outline of the whole county-seat area: the union of the 53 grid polygons."""
        return shapely.union_all(list(self.grid_polygons.values()))

    @cached_property
    def grids_by_id(self) -> Mapping[str, Grid]:
        return {grid.grid_id: grid for grid in self.grids}

    @cached_property
    def households_by_grid(self) -> Mapping[str, tuple[Household, ...]]:
        """Households of each grid, in household-id order."""
        groups: dict[str, list[Household]] = {grid.grid_id: [] for grid in self.grids}
        for household in self.households:
            groups[household.grid_id].append(household)
        return {grid_id: tuple(items) for grid_id, items in groups.items()}

    def grid(self, grid_id: str) -> Grid:
        """The grid with this id; ``KeyError`` when there is none."""
        return self.grids_by_id[grid_id]

    def totals(self) -> dict[str, int]:
        """The seed's headline figures, counted from the records."""
        return {
            "grids": len(self.grids),
            "compounds": len(self.compounds),
            "households": len(self.households),
            "residents": sum(household.residents for household in self.households),
            "party_members": self.party_members,
            "social_organisations": len(self.social_organisations),
            "resident_units": len(self.resident_units),
            "secretaries": sum(1 for grid in self.grids if grid.secretary is not None),
            "committee_members": sum(len(grid.committee_members) for grid in self.grids),
        }

    def grid_feature_collection(self) -> dict[str, Any]:
        """All grids as a GeoJSON FeatureCollection (RFC 7946: WGS84, exterior rings CCW)."""
        return {
            "type": "FeatureCollection",
            "features": [grid_feature(grid) for grid in self.grids],
        }


def grid_feature(grid: Grid) -> dict[str, Any]:
    """One grid as a GeoJSON Feature with the gateway's grid properties."""
    return {
        "type": "Feature",
        "id": grid.grid_id,
        "geometry": grid.geojson(),
        "properties": {
            "grid_id": grid.grid_id,
            "name": grid.name,
            "type": grid.type,
            "community_id": grid.community_id,
            "street_id": grid.street_id,
            "households": grid.households,
            "residents": grid.residents,
            "party_members": grid.party_members,
        },
    }
