"""The county as the department services see it: where an event is, and which grid and
community that is.

Departments do not read fusion's database. They place events with the same resolver fusion
uses, built here from the deterministic reference county (:func:`services.reference.build_county`),
so a department and fusion always agree on the grid of an event. Records a department owns
(its advisers, assistants, grid workers) are seeded from the same county into the
department's own database by the department's seeders.
"""

from __future__ import annotations

from functools import cache

from gridfusion.events.v1 import events_pb2

from services.fusion.resolver import GridResolver, Place, Resolution, _unambiguous
from services.reference import County, build_county


def county() -> County:
    return build_county()


@cache
def locator() -> GridResolver:
    """The grid resolver over the reference county (built once per process, about 3 s)."""
    c = county()
    households = {h.household_id: (h.grid_id, h.location) for h in c.households}
    addresses = {h.address: (h.grid_id, h.location) for h in c.households}
    places = [
        Place(key, site.grid_id, site.location)
        for site in (*c.compounds, *c.landmarks)
        for key in (site.address + site.name, site.name, site.address)
    ]
    polygons = {g.grid_id: [list(p) for p in g.polygon] for g in c.grids}
    return GridResolver(polygons, households, addresses, _unambiguous(places))


def locate(location: events_pb2.Location) -> Resolution | None:
    """The grid of an event's location, or None when it lies outside every grid."""
    return locator().locate(location)


def community_of(grid_id: str) -> str:
    return county().grid(grid_id).community_id
