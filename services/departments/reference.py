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

from services.fusion.resolver import GridResolver, Resolution
from services.reference import County, build_county


def county() -> County:
    return build_county()


@cache
def locator() -> GridResolver:
    """The grid resolver over the reference county (built once per process, about 3 s)."""
    return GridResolver.from_county(county())


def locate(location: events_pb2.Location) -> Resolution | None:
    """The grid of an event's location, or None when it lies outside every grid."""
    return locator().locate(location)


def community_of(grid_id: str) -> str:
    return county().grid(grid_id).community_id
