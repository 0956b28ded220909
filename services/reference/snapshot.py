"""A :class:`County` as ``reference.v1.Snapshot`` messages and back: how fusion hands a
reference version to the department services (``ReferenceService.GetSnapshot``).

The county goes in chunks — the first carries the version, then each kind of record in order —
so no message grows past about 1 MB whatever the county's size.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import pairwise

from gridfusion.reference.v1 import reference_pb2 as rpb

from . import models

CHUNK = 2000  # records of one kind in one message (a household is about 150 bytes)


def _person(p: models.Person | None) -> rpb.Person | None:
    return None if p is None else rpb.Person(person_id=p.person_id, name=p.name, phone=p.phone, id_number=p.id_number)


def _pos(p: models.LonLat) -> rpb.Position:
    return rpb.Position(lon=p[0], lat=p[1])


def _grid(g: models.Grid) -> rpb.Grid:
    parts = g.parts or ((g.polygon,),)
    return rpb.Grid(
        grid_id=g.grid_id, name=g.name, type=g.type, community_id=g.community_id, street_id=g.street_id,
        parts=[rpb.Polygon(rings=[rpb.Ring(points=[_pos(p) for p in ring]) for ring in rings]) for rings in parts],
        households=g.households, residents=g.residents, party_members=g.party_members,
        secretary=_person(g.secretary), committee_members=[_person(p) for p in g.committee_members],
        grid_workers=[_person(p) for p in g.grid_workers], police_assistant=_person(g.police_assistant),
        station=_pos(g.station),
    )


def to_snapshots(county: models.County, version: rpb.ReferenceVersion) -> Iterator[rpb.Snapshot]:
    yield rpb.Snapshot(version=version)
    kinds = (
        ("streets", county.streets, lambda s: rpb.Street(street_id=s.street_id, name=s.name, name_en=s.name_en)),
        ("communities", county.communities, lambda c: rpb.Community(
            community_id=c.community_id, name=c.name, street_id=c.street_id, legal_adviser=_person(c.legal_adviser),
            service_station=_pos(c.service_station))),
        ("grids", county.grids, _grid),
        ("compounds", county.compounds, lambda c: rpb.Compound(
            compound_id=c.compound_id, name=c.name, grid_id=c.grid_id, address=c.address,
            location=_pos(c.location))),
        ("landmarks", county.landmarks, lambda m: rpb.Landmark(
            landmark_id=m.landmark_id, name=m.name, grid_id=m.grid_id, address=m.address,
            location=_pos(m.location))),
        ("households", county.households, lambda h: rpb.Household(
            household_id=h.household_id, compound_id=h.compound_id, grid_id=h.grid_id, address=h.address,
            residents=h.residents, location=_pos(h.location), head=_person(h.head))),
        ("party_members", county.member_records, lambda m: rpb.PartyMember(
            member_id=m.member_id, name=m.name, phone=m.phone, grid_id=m.grid_id, category=m.category)),
    )
    for field, records, convert in kinds:
        # Grids carry polygons of hundreds of points: fewer of them to a message.
        size = 100 if field == "grids" else CHUNK
        for start in range(0, len(records), size):
            yield rpb.Snapshot(**{field: [convert(r) for r in records[start:start + size]]})


def _from_person(p: rpb.Person, present: bool) -> models.Person | None:
    return models.Person(p.person_id, p.name, p.phone, p.id_number) if present else None


def _lonlat(p: rpb.Position) -> models.LonLat:
    return (p.lon, p.lat)


def _from_grid(g: rpb.Grid) -> models.Grid:
    parts = tuple(tuple(tuple(_lonlat(p) for p in ring.points) for ring in poly.rings) for poly in g.parts)
    largest = max(parts, key=lambda rings: _ring_area(rings[0])) if parts else ((),)
    return models.Grid(
        grid_id=g.grid_id, name=g.name, type=g.type, community_id=g.community_id, street_id=g.street_id,
        polygon=largest[0], households=g.households, residents=g.residents, party_members=g.party_members,
        secretary=_from_person(g.secretary, g.HasField("secretary")),
        committee_members=tuple(_from_person(p, True) for p in g.committee_members),
        grid_workers=tuple(_from_person(p, True) for p in g.grid_workers),
        police_assistant=_from_person(g.police_assistant, g.HasField("police_assistant")),
        station=_lonlat(g.station),
        # One ring without holes is the plain polygon, as the synthetic county has it.
        parts=() if len(parts) == 1 and len(parts[0]) == 1 else parts,
    )


def _ring_area(ring: tuple[models.LonLat, ...]) -> float:
    return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in pairwise(ring))) / 2


def from_snapshots(messages: Iterable[rpb.Snapshot]) -> tuple[rpb.ReferenceVersion, models.County]:
    """The version and the county carried by a stream of snapshot messages."""
    version = rpb.ReferenceVersion()
    got: dict[str, list] = {k: [] for k in ("streets", "communities", "grids", "compounds", "landmarks",
                                            "households", "party_members")}
    for message in messages:
        if message.HasField("version"):
            version = message.version
        got["streets"] += [models.Street(s.street_id, s.name, s.name_en) for s in message.streets]
        got["communities"] += [models.Community(c.community_id, c.name, c.street_id,
                                                _from_person(c.legal_adviser, c.HasField("legal_adviser")),
                                                _lonlat(c.service_station)) for c in message.communities]
        got["grids"] += [_from_grid(g) for g in message.grids]
        got["compounds"] += [models.Compound(c.compound_id, c.name, c.grid_id, c.address, _lonlat(c.location))
                             for c in message.compounds]
        got["landmarks"] += [models.Landmark(m.landmark_id, m.name, m.grid_id, m.address, _lonlat(m.location))
                             for m in message.landmarks]
        got["households"] += [models.Household(h.household_id, h.compound_id, h.grid_id, h.address, h.residents,
                                               _lonlat(h.location), _from_person(h.head, h.HasField("head")))
                              for h in message.households]
        got["party_members"] += [models.PartyMember(m.member_id, m.name, m.phone, m.grid_id, m.category)
                                 for m in message.party_members]
    county = models.County(
        streets=tuple(got["streets"]), communities=tuple(got["communities"]), grids=tuple(got["grids"]),
        compounds=tuple(got["compounds"]), households=tuple(got["households"]), social_organisations=(),
        resident_units=(), landmarks=tuple(got["landmarks"]), member_records=tuple(got["party_members"]),
    )
    return version, county
