"""The rows of an import once read and typed, before they become a ``County``."""

from __future__ import annotations

from dataclasses import dataclass

from shapely import MultiPolygon, Polygon

from services.reference.models import LonLat

Rings = tuple[tuple[LonLat, ...], ...]


@dataclass(slots=True)
class GridRow:
    """A feature of ``grids.geojson``: properties as given, boundary in WGS84."""

    row: int  # the feature's number, 1-based
    grid_id: str
    name: str
    type: str  # unit | compound | street_lane, or "" when unknown
    community_id: str
    community_name: str
    street_id: str
    street_name: str
    # Polygons, each its outer ring (counter-clockwise) then its holes (clockwise), closed.
    parts: tuple[Rings, ...] = ()
    geometry: Polygon | MultiPolygon | None = None
    valid: bool = False

    @property
    def label(self) -> str:
        return (
            f"feature {self.row} (grid {self.grid_id})" if self.grid_id else f"feature {self.row}"
        )


@dataclass(slots=True)
class HouseholdRow:
    row: int
    household_id: str
    address: str
    residents: int | None
    compound: str
    declared_grid: str
    given: tuple[str, str]  # lon, lat as typed
    location: LonLat | None = None  # WGS84, rounded
    grid_id: str = ""  # the grid it lies in
    head_name: str = ""
    phone: str = ""
    id_number: str = ""

    @property
    def label(self) -> str:
        return (
            f"row {self.row} (household {self.household_id})"
            if self.household_id
            else f"row {self.row}"
        )


@dataclass(slots=True)
class MemberRow:
    row: int
    member_id: str
    name: str
    phone: str
    grid_id: str
    category: str  # in_work | retired | mobile, or "" when unknown

    @property
    def label(self) -> str:
        return f"row {self.row} (member {self.member_id})" if self.member_id else f"row {self.row}"
