"""Which residential compound (小区/家属院) an event lies in, when one can be told.

A compound-type grid is run by "one branch, one committee, one meeting": the party branch with
the compound's owners' committee (业主委员会) and property company (物业), so a case needs its
compound to reach them. The compound is

* for an event at a household: the household's compound;
* for an event at a point, or at an address placed at a household's or a site's point: the
  compound of the event's grid whose site lies nearest the point, if it lies within
  :data:`COMPOUND_RADIUS_M` (straight line). A compound of another grid is never chosen, however
  near: the case belongs to its grid's branch and the actors of that grid's compounds.

Otherwise no compound (``""``): a point far from every compound of its grid is in a street, a
park or a unit, not in a compound the reference data knows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .distance import haversine_km
from .models import LonLat

# How far (metres, straight line) a point may lie from a compound's site and still be taken to
# lie in it: the synthetic county's compounds of one grid stand 200–400 m apart, and a compound
# of a few thousand residents spans about as much.
COMPOUND_RADIUS_M = 300.0


@dataclass(frozen=True, slots=True)
class Site:
    """A compound's site as the finder needs it."""

    compound_id: str
    grid_id: str
    location: LonLat


def sites_by_grid(compounds: Iterable[Site]) -> dict[str, tuple[Site, ...]]:
    """The compounds of each grid (those without a location cannot be found by a point)."""
    grouped: dict[str, list[Site]] = {}
    for c in compounds:
        if c.location:
            grouped.setdefault(c.grid_id, []).append(c)
    return {grid_id: tuple(sorted(sites, key=lambda s: s.compound_id)) for grid_id, sites in grouped.items()}


def nearest_compound(point: LonLat, sites: Sequence[Site], within_m: float = COMPOUND_RADIUS_M) -> str:
    """The id of the site nearest ``point`` within ``within_m`` metres, else ``""``; of two at the
    same distance, the smaller id (``sites`` as :func:`sites_by_grid` orders them)."""
    best, best_m = "", within_m
    for site in sites:
        metres = haversine_km(point, site.location) * 1000.0
        if metres < best_m or (metres == best_m and not best):
            best, best_m = site.compound_id, metres
    return best


def compound_of(grid_id: str, point: LonLat | None, grid_sites: Mapping[str, Sequence[Site]], *,
                household_compound: str = "", within_m: float = COMPOUND_RADIUS_M) -> str:
    """The compound an event of grid ``grid_id`` lies in (see the module's docstring), or ``""``.

    ``household_compound`` is the compound of the household the event names, which wins;
    ``grid_sites`` the compounds by grid (:func:`sites_by_grid`)."""
    if household_compound:
        return household_compound
    if point is None:
        return ""
    return nearest_compound(point, grid_sites.get(grid_id, ()), within_m)
