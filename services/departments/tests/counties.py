"""Reference data for the department tests: the synthetic county as fusion serves it in local
mode, two small hand-made versions of a county to switch between, and a way to put a version
in use for a test and take it away after."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from gridfusion.reference.v1 import reference_pb2 as rpb

from services.departments import reference
from services.reference import (
    Community,
    County,
    Grid,
    Household,
    LonLat,
    Person,
    Street,
    build_county,
)

STREET = "370921001"
C1, C2, C3 = "370921001901", "370921001902", "370921001903"
G1, G2 = f"{C1}001", f"{C2}001"
G3, G4 = f"{C1}002", f"{C3}001"
ADVISER_1, ADVISER_2 = Person("T-A1", "顾一", "13800000001", ""), Person("T-A2", "顾二", "13800000002", "")
ASSISTANT_1, ASSISTANT_2 = Person("T-P1", "警一", "13800000011", ""), Person("T-P2", "警二", "13800000012", "")
WORKER_1, WORKER_2 = Person("T-W1", "网一", "13800000021", ""), Person("T-W2", "网二", "13800000022", "")

# Where the grids of the two versions differ: in G2 of the first, in G3 of the second.
MOVED_POINT: LonLat = (116.803, 35.750)
# In G4's detached part (the second version's grid in parts).
DETACHED_POINT: LonLat = (116.832, 35.747)


def version(name: str, county: County, source: str = "tests") -> rpb.ReferenceVersion:
    return rpb.ReferenceVersion(
        version=name, source=source,
        counts=rpb.Counts(streets=len(county.streets), communities=len(county.communities), grids=len(county.grids),
                          compounds=len(county.compounds), households=len(county.households),
                          residents=sum(h.residents for h in county.households),
                          party_members=len(county.member_records)),
    )


@cache
def synthetic() -> County:
    """The synthetic Ningyang county seat: what fusion serves in local mode until an import."""
    return build_county()


@cache
def synthetic_view() -> reference.View:
    return reference.View.build(version("v0001", synthetic(), "synthetic Ningyang county seat"), synthetic())


def rect(west: float, south: float, east: float, north: float) -> tuple[LonLat, ...]:
    """A closed rectangle, counter-clockwise."""
    return ((west, south), (east, south), (east, north), (west, north), (west, south))


def _grid(grid_id: str, community_id: str, polygon, *, parts=(), assistant=None, workers=()) -> Grid:
    return Grid(grid_id, f"网格{grid_id[-3:]}", "compound", community_id, STREET, polygon, 1, 3, 0, None, (),
                tuple(workers), assistant, polygon[0], parts=parts)


def _household(household_id: str, grid_id: str, at: LonLat) -> Household:
    return Household(household_id, "", grid_id, f"测试路{household_id[-1]}号", 3, at, None)


def first() -> County:
    """Two square grids side by side (border at lon 116.800), a community each, every post named."""
    return County(
        streets=(Street(STREET, "文庙街道", "Wenmiao"),),
        communities=(Community(C1, "一社区", STREET, ADVISER_1, (116.7905, 35.7500)),
                     Community(C2, "二社区", STREET, ADVISER_2, (116.8095, 35.7500))),
        grids=(_grid(G1, C1, rect(116.780, 35.745, 116.800, 35.755), assistant=ASSISTANT_1, workers=(WORKER_1,)),
               _grid(G2, C2, rect(116.800, 35.745, 116.820, 35.755), assistant=ASSISTANT_2, workers=(WORKER_2,))),
        compounds=(), social_organisations=(), resident_units=(), landmarks=(),
        households=(_household("T-H1", G1, (116.790, 35.750)), _household("T-H2", G2, (116.810, 35.750))),
    )


def second() -> County:
    """What an import makes of it: the border moved east to lon 116.805 (new grid ids), a new
    community C3 whose grid G4 is in two parts, C1's station moved west, and no people named."""
    east = rect(116.805, 35.745, 116.820, 35.755)
    island = rect(116.830, 35.745, 116.835, 35.750)
    return County(
        streets=(Street(STREET, "文庙街道", "Wenmiao"),),
        communities=(Community(C1, "一社区", STREET, None, (116.7850, 35.7500)),
                     Community(C3, "三社区", STREET, None, (116.8150, 35.7500))),
        grids=(_grid(G3, C1, rect(116.780, 35.745, 116.805, 35.755)),
               _grid(G4, C3, east, parts=((east,), (island,)))),
        compounds=(), social_organisations=(), resident_units=(), landmarks=(),
        households=(_household("T-H1", G3, (116.790, 35.750)), _household("T-H3", G4, (116.812, 35.750)),
                    _household("T-H4", G4, DETACHED_POINT)),
    )


@contextmanager
def in_use(view: reference.View | None) -> Iterator[reference.View | None]:
    """Put ``view`` in use (None: no version loaded) for the block; what was in use comes back after."""
    holder = reference.HOLDER
    saved = holder.view, holder.reason
    if view is None:
        holder.clear()
    else:
        holder.install(view)
    try:
        yield view
    finally:
        holder.view, holder.reason = saved
