"""Grid resolution: every event to exactly one party-branch grid.

Three ways in, tried by the event's location form:

* a point — prepared grid polygons in an STR-tree, resolved in bulk for a fetched batch. A
  point on a shared border touches two grids; it resolves to the one with the smaller grid id,
  so the same point always lands in the same grid;
* a household id — the household register;
* an address — a gazetteer of household addresses, compounds and landmarks. Addresses are
  normalised first (full-width digits and letters, 號/号, 幢/号楼/座 → 栋, spaces and
  punctuation, the province/city/county prefix); an exact match wins, then the longest
  compound or landmark whose site (``…街99号``) or name appears in the address, then a fuzzy
  match (RapidFuzz ``WRatio``) at or above :data:`FUZZY_THRESHOLD`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from gridfusion.events.v1 import events_pb2
from rapidfuzz import fuzz, process
from shapely import STRtree
from shapely.geometry import Polygon

# A score out of 100; below it an address is unlocatable rather than guessed.
FUZZY_THRESHOLD = 88.0

_PREFIXES = ("山东省", "泰安市", "宁阳县")
_BUILDING = re.compile(r"(号楼|幢|座|栋楼)")
_DROP = re.compile(r"[\s,，.。、·\-—_/\\()（）#]+")


def normalise_address(address: str) -> str:
    """The comparable form of a Chinese address."""
    text = unicodedata.normalize("NFKC", address)
    text = text.replace("號", "号").replace("單元", "单元")
    text = _DROP.sub("", text)
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if text.startswith(prefix):
                text = text[len(prefix) :]
                changed = True
    text = _BUILDING.sub("栋", text)
    return text


@dataclass(frozen=True)
class Resolution:
    grid_id: str
    method: str  # point | household | address
    confidence: float = 1.0
    # Where the event is, as far as known: the reported point, the household's or the site's.
    point: tuple[float, float] | None = None


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
    ) -> None:
        self.grid_ids = sorted(polygons)
        self.polygons = [Polygon(polygons[g]) for g in self.grid_ids]
        for polygon in self.polygons:
            shapely.prepare(polygon)
        self.tree = STRtree(self.polygons)
        self.households = households
        self.by_address = {normalise_address(a): g for a, g in household_addresses.items()}
        places = sorted(
            {Place(normalise_address(p.key), p.grid_id, p.point) for p in places if p.key},
            key=lambda p: (-len(p.key), p.key),
        )
        self.places = places
        self.place_keys = [p.key for p in places]

    @classmethod
    async def load(cls, db) -> GridResolver:
        polygons = {g["_id"]: g["polygon"] async for g in db["grids"].find({}, {"polygon": 1})}
        households: dict[str, tuple[str, tuple[float, float] | None]] = {}
        addresses: dict[str, tuple[str, tuple[float, float] | None]] = {}
        async for h in db["households"].find({}, {"grid_id": 1, "address": 1, "location": 1}):
            entry = (h["grid_id"], tuple(h["location"]) if h.get("location") else None)
            households[h["_id"]] = entry
            addresses[h["address"]] = entry
        places: list[Place] = []
        for collection in ("compounds", "landmarks"):
            async for c in db[collection].find({}, {"grid_id": 1, "address": 1, "name": 1, "location": 1}):
                point = tuple(c["location"]) if c.get("location") else None
                for key in (c["address"] + c["name"], c["name"], c["address"]):
                    places.append(Place(key, c["grid_id"], point))
        return cls(polygons, households, addresses, _unambiguous(places))

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
        return Resolution(found[0], "household", 1.0, found[1]) if found else None

    def locate_address(self, address: str) -> Resolution | None:
        text = normalise_address(address)
        if not text:
            return None
        if text in self.by_address:
            grid_id, point = self.by_address[text]
            return Resolution(grid_id, "address", 1.0, point)
        for place in self.places:
            if place.key in text:
                return Resolution(place.grid_id, "address", 1.0, place.point)
        best = process.extractOne(text, self.place_keys, scorer=fuzz.WRatio, score_cutoff=FUZZY_THRESHOLD)
        if best is None:
            return None
        _, score, index = best
        place = self.places[index]
        return Resolution(place.grid_id, "address", round(score / 100.0, 3), place.point)

    def locate_many(self, locations: Sequence[events_pb2.Location]) -> list[Resolution | None]:
        """Resolve a batch: all points in one tree query, the rest one by one."""
        out: list[Resolution | None] = [None] * len(locations)
        point_slots = [i for i, loc in enumerate(locations) if loc.WhichOneof("kind") == "point"]
        grids = self.locate_points([(locations[i].point.lon, locations[i].point.lat) for i in point_slots])
        for slot, grid_id in zip(point_slots, grids):
            point = (locations[slot].point.lon, locations[slot].point.lat)
            out[slot] = Resolution(grid_id, "point", 1.0, point) if grid_id else None
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


def _unambiguous(places: list[Place]) -> list[Place]:
    """Drop keys that name sites in more than one grid: they cannot decide a grid."""
    grids_of: dict[str, set[str]] = {}
    for p in places:
        grids_of.setdefault(normalise_address(p.key), set()).add(p.grid_id)
    return [p for p in places if len(grids_of[normalise_address(p.key)]) == 1]
