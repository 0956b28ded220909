"""Grid resolution: every event to exactly one party-branch grid.

Three ways in, tried by the event's location form:

* a point — prepared grid polygons in an STR-tree, resolved in bulk for a fetched batch. A
  point on a shared border touches two grids; it resolves to the one with the smaller grid id,
  so the same point always lands in the same grid;
* a household id — the household register;
* an address — a gazetteer of household addresses, compounds and landmarks. Addresses are
  normalised first (NFKC, so full-width digits and letters become ASCII; 號/号, 單元/单元,
  幢/号楼/座 → 栋; ``1-2-301`` → ``1栋2单元301``; a trailing 室; spaces and punctuation; the
  province/city/county prefix and the street office); an exact match wins, then the longest
  compound or landmark whose site (``…街99号``) or name appears in the address, then a fuzzy
  match: the address without its building/unit/room tail against every site key, scored by
  normalised Levenshtein similarity (RapidFuzz) out of 100. The best key wins when it scores at
  least :data:`FUZZY_THRESHOLD` (one wrong character in five) and beats the best key of any
  other grid by :data:`FUZZY_MARGIN`; otherwise the address is ambiguous and unlocatable.

Each resolution also names the compound the event lies in, when one can be told
(:func:`services.reference.compounds.compound_of`): the household's, or the compound of the grid
nearest the resolved point.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from gridfusion.events.v1 import events_pb2
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from shapely import STRtree
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from .compounds import Site, compound_of, sites_by_grid

# A score out of 100; below it an address is unlocatable rather than guessed.
FUZZY_THRESHOLD = 80.0
# How far the best match must lead the best match in any other grid.
FUZZY_MARGIN = 5.0
# The building, unit and room after a compound's name: 3栋, 2单元, 101.
_TAIL = re.compile(r"\d+栋.*$|\d+单元.*$|\d+$")

_PREFIXES = ("山东省", "泰安市", "宁阳县")
# The street office (街道) in front of a postal address (one with a house number) adds nothing
# once the road is known; in a name (文庙街道办事处) it stays.
_STREET_OFFICE = re.compile(r"^[\u4e00-\u9fff]{2,4}街道(?=.*\d+号)")
_BUILDING = re.compile(r"(号楼|幢|座|栋楼)")
# 1-2-301 (building-unit-room) as written on forms.
_TRIPLE = re.compile(r"(\d+)[-－—](\d+)[-－—](\d+)(室)?$")
_DROP = re.compile(r"[\s,，.。、·\-—_/\\()（）#]+")


def normalise_address(address: str) -> str:
    """The comparable form of a Chinese address."""
    text = unicodedata.normalize("NFKC", address).strip()
    text = text.replace("號", "号").replace("單元", "单元").replace("棟", "栋")
    text = _TRIPLE.sub(r"\1栋\2单元\3", text)
    text = _DROP.sub("", text)
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if text.startswith(prefix):
                text = text[len(prefix) :]
                changed = True
    text = _STREET_OFFICE.sub("", text)
    text = _BUILDING.sub("栋", text)
    # "101室" and "101" are the same room.
    return text.removesuffix("室")


@dataclass(frozen=True)
class Resolution:
    grid_id: str
    method: str  # point | household | address
    confidence: float = 1.0
    # Where the event is, as far as known: the reported point, the household's or the site's.
    point: tuple[float, float] | None = None
    # The compound it lies in (services/reference/compounds.py), "" when none can be told.
    compound_id: str = ""


@dataclass(frozen=True)
class Place:
    """A gazetteer entry: a named site somewhere in one grid."""

    key: str
    grid_id: str
    point: tuple[float, float] | None = None


class GridResolver:
    def __init__(
        self,
        polygons: dict[str, Sequence[Sequence[float]]],
        households: dict[str, tuple[str, tuple[float, float] | None]],
        household_addresses: dict[str, tuple[str, tuple[float, float] | None]],
        places: Iterable[Place],
        household_compounds: dict[str, str] | None = None,
        compounds: Iterable[Site] = (),
    ) -> None:
        self.grid_ids = sorted(polygons)
        # A ring, or a whole boundary already built (a grid in parts: see :func:`_boundary`).
        self.polygons = [_as_geometry(polygons[g]) for g in self.grid_ids]
        for polygon in self.polygons:
            shapely.prepare(polygon)
        self.tree = STRtree(self.polygons)
        self.households = households
        self.household_compounds = household_compounds or {}
        self.compounds = sites_by_grid(compounds)
        self.by_address = {normalise_address(a): g for a, g in household_addresses.items()}
        places = sorted(
            {Place(normalise_address(p.key), p.grid_id, p.point) for p in places if p.key},
            key=lambda p: (-len(p.key), p.key),
        )
        self.places = places
        self.place_keys = [p.key for p in places]

    @classmethod
    def from_docs(cls, grids: Iterable[dict], households: Iterable[dict], sites: Iterable[dict]) -> GridResolver:
        """Build from fusion's documents: grids (``_id``, ``polygon``, and ``parts`` when the
        boundary is more than one ring), households (their ``compound_id`` when they have one),
        and named sites (compounds and landmarks: ``grid_id``, ``address``, ``name``,
        ``location``; a compound's with its ``compound_id``)."""
        polygons = {g["_id"]: _boundary(g) for g in grids}
        register: dict[str, tuple[str, tuple[float, float] | None]] = {}
        addresses: dict[str, tuple[str, tuple[float, float] | None]] = {}
        for h in households:
            entry = (h["grid_id"], tuple(h["location"]) if h.get("location") else None)
            register[h["_id"]] = entry
            addresses[h["address"]] = entry
        places: list[Place] = []
        compounds: list[Site] = []
        for c in sites:
            point = tuple(c["location"]) if c.get("location") else None
            for key in (c["address"] + c["name"], c["name"], c["address"]):
                places.append(Place(key, c["grid_id"], point))
            if c.get("compound_id") and point:
                compounds.append(Site(c["compound_id"], c["grid_id"], point))
        in_compound = {h["_id"]: h["compound_id"] for h in households if h.get("compound_id")}
        return cls(polygons, register, addresses, _unambiguous(places), in_compound, compounds)

    @classmethod
    def from_county(cls, county) -> GridResolver:
        """Build straight from a reference county (a version as fusion holds it, or as a
        department service receives it from ``ReferenceService.GetSnapshot``), so a department
        places events exactly as fusion does without reading fusion's database. A grid in parts
        keeps every part and hole."""
        grids = [
            {"_id": g.grid_id, "polygon": [list(p) for p in g.polygon],
             "parts": [[[list(p) for p in ring] for ring in rings] for rings in g.parts]}
            for g in county.grids
        ]
        households = [
            {"_id": h.household_id, "grid_id": h.grid_id, "address": h.address, "location": h.location,
             "compound_id": h.compound_id}
            for h in county.households
        ]
        sites = [
            {"grid_id": s.grid_id, "address": s.address, "name": s.name, "location": s.location,
             "compound_id": getattr(s, "compound_id", "")}
            for s in (*county.compounds, *county.landmarks)
        ]
        return cls.from_docs(grids, households, sites)

    def locate_points(self, points: Sequence[tuple[float, float]]) -> list[str | None]:
        """Grid of each point, in one query of the tree; None outside every grid."""
        if not points:
            return []
        geoms = shapely.points(np.asarray(points, dtype=float))
        hits = self.tree.query(geoms, predicate="intersects")
        found: list[str | None] = [None] * len(points)
        # hits[1] indexes self.grid_ids, which is sorted: the smallest index is the smallest id.
        for point_index, grid_index in zip(hits[0].tolist(), hits[1].tolist()):
            current = found[point_index]
            candidate = self.grid_ids[grid_index]
            if current is None or candidate < current:
                found[point_index] = candidate
        return found

    def locate_household(self, household_id: str) -> Resolution | None:
        found = self.households.get(household_id.strip())
        if not found:
            return None
        compound = compound_of(found[0], found[1], self.compounds,
                               household_compound=self.household_compounds.get(household_id.strip(), ""))
        return Resolution(found[0], "household", 1.0, found[1], compound)

    def _placed(self, grid_id: str, method: str, confidence: float, point: tuple[float, float] | None) -> Resolution:
        """A resolution at a point, with the compound of its grid it lies in."""
        return Resolution(grid_id, method, confidence, point, compound_of(grid_id, point, self.compounds))

    def locate_address(self, address: str) -> Resolution | None:
        text = normalise_address(address)
        if not text:
            return None
        if text in self.by_address:
            grid_id, point = self.by_address[text]
            return self._placed(grid_id, "address", 1.0, point)
        for place in self.places:
            if place.key in text:
                return self._placed(place.grid_id, "address", 1.0, place.point)
        return self._fuzzy(_TAIL.sub("", text) or text)

    def _fuzzy(self, text: str) -> Resolution | None:
        scored = process.extract(
            text, self.place_keys, scorer=Levenshtein.normalized_similarity, processor=None, limit=None,
            score_cutoff=(FUZZY_THRESHOLD - FUZZY_MARGIN) / 100.0,
        )
        if not scored:
            return None
        _, best, index = max(scored, key=lambda m: (m[1], -m[2]))
        place = self.places[index]
        if best * 100 < FUZZY_THRESHOLD:
            return None
        rival = max((score for _, score, i in scored if self.places[i].grid_id != place.grid_id), default=0.0)
        if (best - rival) * 100 < FUZZY_MARGIN:
            return None
        return self._placed(place.grid_id, "address", round(best, 3), place.point)

    def locate_many(self, locations: Sequence[events_pb2.Location]) -> list[Resolution | None]:
        """Resolve a batch: all points in one tree query, the rest one by one."""
        out: list[Resolution | None] = [None] * len(locations)
        point_slots = [i for i, loc in enumerate(locations) if loc.WhichOneof("kind") == "point"]
        grids = self.locate_points([(locations[i].point.lon, locations[i].point.lat) for i in point_slots])
        for slot, grid_id in zip(point_slots, grids):
            point = (locations[slot].point.lon, locations[slot].point.lat)
            out[slot] = self._placed(grid_id, "point", 1.0, point) if grid_id else None
        for i, loc in enumerate(locations):
            kind = loc.WhichOneof("kind")
            if kind == "household_id":
                out[i] = self.locate_household(loc.household_id)
            elif kind == "address":
                out[i] = self.locate_address(loc.address)
        return out

    def locate(self, location: events_pb2.Location) -> Resolution | None:
        return self.locate_many([location])[0]


def unlocatable_reason(location: events_pb2.Location) -> str:
    kind = location.WhichOneof("kind")
    if kind == "point":
        return f"unlocatable: point ({location.point.lon}, {location.point.lat}) lies outside every grid"
    if kind == "household_id":
        return f"unlocatable: household {location.household_id!r} is not in the register"
    if kind == "address":
        return f"unlocatable: address {location.address!r} matches no compound, household or landmark"
    return "unlocatable: the event has no location"


def _boundary(grid: dict) -> Sequence[Sequence[float]] | BaseGeometry:
    """A grid document's whole boundary: its ``parts`` (polygons, each its outer ring then its
    holes) when it has them, else its ``polygon`` ring."""
    parts = grid.get("parts") or ()
    if not parts:
        return grid["polygon"]
    polygons = [Polygon(rings[0], rings[1:]) for rings in parts]
    return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)


def _as_geometry(boundary: Sequence[Sequence[float]] | BaseGeometry) -> BaseGeometry:
    return boundary if isinstance(boundary, BaseGeometry) else Polygon(boundary)


def _unambiguous(places: list[Place]) -> list[Place]:
    """Drop keys that name sites in more than one grid: they cannot decide a grid."""
    grids_of: dict[str, set[str]] = {}
    for p in places:
        grids_of.setdefault(normalise_address(p.key), set()).add(p.grid_id)
    return [p for p in places if len(grids_of[normalise_address(p.key)]) == 1]
