"""Party-mass service stations (党群服务站, one grid, one station) with their "six haves" (六有)
checklist, and the one-kilometre service circle (一公里服务圈): every household within a
kilometre's walk of a station.

=============  ==========  =========================================
item           Chinese     what it asks
=============  ==========  =========================================
``site``       有场所       a fixed place of its own
``signage``    有标识       its sign and name board
``rules``      有制度       its service rules on the wall
``staff``      有人员       people on duty
``facilities`` 有设施       tables, chairs, books, first aid
``activities`` 有活动       activities held there
=============  ==========  =========================================

The stations are where the reference data puts each grid's station. The community keeps each
checklist (``stations``, outliving a new reference version); the synthetic county's are filled
deterministically, most items ticked. A walk is :data:`~services.reference.distance.DETOUR`
times the straight line, as for the half-hour legal-aid circle, so a household lies outside the
circle when its nearest station is more than 1 km / DETOUR away as the crow flies. The gaps are
worked out once per reference version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase

from services.reference import distance
from services.reference.models import County

from .organisations import Refused

COLLECTION = "stations"
SIX_HAVES = ("site", "signage", "rules", "staff", "facilities", "activities")
CIRCLE_KM = 1.0


@dataclass
class Station:
    station_id: str
    name: str
    grid_id: str
    community_id: str
    street_id: str
    lon: float
    lat: float
    checklist: dict[str, bool] = field(default_factory=dict)
    source: str = "reference"
    updated_by: str = ""
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Gap:
    household_id: str
    grid_id: str
    community_id: str
    street_id: str
    address: str
    nearest_station_id: str
    walk_km: float
    lon: float = 0.0
    lat: float = 0.0


def synthetic_checklist(grid_id: str) -> dict[str, bool]:
    """Most items ticked, a few stations short of one or two: the same for a grid every time."""
    digest = hashlib.sha256(f"six-haves:{grid_id}".encode()).digest()
    return {item: digest[i] % 7 != 0 for i, item in enumerate(SIX_HAVES)}


def circle_gaps(county: County, stations: list[Station], km: float = CIRCLE_KM) -> list[Gap]:
    """The households farther than ``km`` on foot from every station."""
    households = county.households
    which, straight = distance.nearest([h.location for h in households], [(s.lon, s.lat) for s in stations])
    grids = {g.grid_id: g for g in county.grids}
    out = []
    for i, walk in enumerate((straight * distance.DETOUR).tolist()):
        if walk <= km:
            continue
        h = households[i]
        g = grids[h.grid_id]
        out.append(Gap(h.household_id, h.grid_id, g.community_id, g.street_id, h.address,
                       stations[int(which[i])].station_id if stations else "", round(walk, 3), *h.location))
    return out


class StationStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.records = db[COLLECTION]
        self._county: County | None = None
        self._stations: dict[str, Station] = {}
        self._gaps: list[Gap] | None = None

    def use_reference(self, county: County | None, *, synthetic: bool = False) -> None:
        self._county, self._gaps = county, None
        self._stations = {
            f"station-{g.grid_id}": Station(
                f"station-{g.grid_id}", f"{g.name}党群服务站", g.grid_id, g.community_id, g.street_id,
                g.station[0], g.station[1],
                synthetic_checklist(g.grid_id) if synthetic else dict.fromkeys(SIX_HAVES, False))
            for g in (county.grids if county is not None else ())}

    async def in_area(self, street_id: str, community_id: str, grid_id: str) -> list[Station]:
        kept = {d["_id"]: d for d in await self.records.find({}).to_list()}
        out = []
        for s in self._stations.values():
            if (grid_id and s.grid_id != grid_id) or (community_id and s.community_id != community_id) or (
                    street_id and s.street_id != street_id):
                continue
            s = Station(**{**s.__dict__, "checklist": dict(s.checklist)})
            if (doc := kept.get(s.station_id)) is not None:
                s.checklist = {item: bool(doc["checklist"].get(item)) for item in SIX_HAVES}
                s.source, s.updated_by, s.updated_at = "maintained", doc.get("updated_by", ""), doc.get("updated_at")
            out.append(s)
        return sorted(out, key=lambda s: s.grid_id)

    async def set_checklist(self, station_id: str, checklist: Mapping[str, bool], actor: str, now: datetime) -> Station:
        if station_id not in self._stations:
            raise Refused("not_found", f"no station {station_id!r}")
        unknown = sorted(set(checklist) - set(SIX_HAVES))
        if unknown:
            raise Refused("invalid", f"checklist: {', '.join(unknown)} is no item of the six haves ({', '.join(SIX_HAVES)})")
        # Item by item, so two people ticking different items at once both count; a first change
        # starts from the reference's ticks.
        reference = self._stations[station_id]
        await self.records.update_one(
            {"_id": station_id},
            {"$set": {**{f"checklist.{k}": bool(v) for k, v in checklist.items()}, "updated_by": actor,
                      "updated_at": now},
             "$setOnInsert": {f"checklist.{k}": v for k, v in reference.checklist.items() if k not in checklist}},
            upsert=True)
        return next(s for s in await self.in_area("", "", reference.grid_id) if s.station_id == station_id)

    def households_in(self, street_id: str, community_id: str, grid_id: str) -> list:
        if self._county is None:
            return []
        grids = {g.grid_id: g for g in self._county.grids}
        return [h for h in self._county.households
                if (not grid_id or h.grid_id == grid_id)
                and (not community_id or grids[h.grid_id].community_id == community_id)
                and (not street_id or grids[h.grid_id].street_id == street_id)]

    def gaps(self) -> tuple[list[Gap], int]:
        """The households outside the circle, and how many households there are."""
        county, stations = self._county, list(self._stations.values())  # the version as this call found it
        if county is None:
            return [], 0
        gaps = self._gaps
        if gaps is None:
            gaps = circle_gaps(county, stations)
            if self._county is county:  # not switched meanwhile: keep them for the version
                self._gaps = gaps
        return gaps, len(county.households)
