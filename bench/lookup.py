"""``lookup``: points/s of grid resolution (:meth:`GridResolver.locate_many`, in batches of 200
as fusion calls it) over synthetic tilings of 53, 5,000 and 50,000 grids of the same area.

A tiling covers the county seat's extent without gap or overlap: rows of cells of random
widths, each cell a six-vertex polygon (real grids have five to seven). The same random points
go to every tiling; rounds alternate between the tilings and the median of each is kept.
"""

from __future__ import annotations

import math
import random
import time
from typing import Any

from gridfusion.events.v1 import events_pb2

from services.reference.resolver import GridResolver

from .report import median

SIZES = {"53": 53, "5k": 5_000, "50k": 50_000}
EXTENT = (116.779, 35.7448, 116.8311, 35.7734)  # lon/lat of the synthetic county seat
BATCH = 200  # fusion's fetch size


def tiling(n: int, seed: int = 7) -> dict[str, list[tuple[float, float]]]:
    """``n`` polygons tiling :data:`EXTENT`, keyed by a grid id."""
    rng = random.Random(seed)
    west, south, east, north = EXTENT
    rows = max(1, round(math.sqrt(n * (north - south) / (east - west))))
    rows = min(rows, n)
    per_row = [n // rows + (1 if r < n % rows else 0) for r in range(rows)]
    polygons: dict[str, list[tuple[float, float]]] = {}
    height = (north - south) / rows
    for r, cells in enumerate(per_row):
        y0, y1 = south + r * height, south + (r + 1) * height
        widths = [rng.uniform(0.6, 1.4) for _ in range(cells)]
        scale = (east - west) / sum(widths)
        x0 = west
        for c, w in enumerate(widths):
            x1 = east if c == cells - 1 else x0 + w * scale
            xm = (x0 + x1) / 2
            ring = [(x0, y0), (xm, y0), (x1, y0), (x1, y1), (xm, y1), (x0, y1)]
            polygons[f"B{n}-{r:04d}-{c:04d}"] = ring
            x0 = x1
    return polygons


def points(count: int, seed: int = 11) -> list[events_pb2.Location]:
    rng = random.Random(seed)
    west, south, east, north = EXTENT
    out = []
    for _ in range(count):
        loc = events_pb2.Location()
        loc.point.lon = rng.uniform(west, east)
        loc.point.lat = rng.uniform(south, north)
        out.append(loc)
    return out


def _rate(resolver: GridResolver, locations: list[events_pb2.Location]) -> tuple[float, int]:
    unresolved = 0
    started = time.perf_counter()
    for i in range(0, len(locations), BATCH):
        unresolved += sum(1 for r in resolver.locate_many(locations[i : i + BATCH]) if r is None)
    return len(locations) / (time.perf_counter() - started), unresolved


def run(*, quick: bool, scale: float, say) -> dict[str, Any]:
    count = max(BATCH, int((20_000 if quick else 50_000) * scale))
    rounds = 3 if quick else 5
    sizes = {k: max(2, int(n * scale)) if k != "53" else n for k, n in SIZES.items()}
    locations = points(count)
    resolvers: dict[str, GridResolver] = {}
    build: dict[str, float] = {}
    for key, n in sizes.items():
        started = time.perf_counter()
        resolvers[key] = GridResolver(tiling(n), {}, {}, ())
        build[key] = time.perf_counter() - started
    rates: dict[str, list[float]] = {k: [] for k in sizes}
    unresolved = 0
    for r in range(rounds):
        order = list(sizes) if r % 2 == 0 else list(reversed(sizes))
        for key in order:
            rate, missed = _rate(resolvers[key], locations)
            rates[key].append(rate)
            unresolved += missed
    out: dict[str, Any] = {f"rate_{k}": round(median(v), 1) for k, v in rates.items()}
    out["ratio"] = round(out["rate_50k"] / out["rate_53"], 3)
    out.update(points=count, rounds=rounds, grids={k: len(resolvers[k].grid_ids) for k in sizes},
               build_s={k: round(v, 2) for k, v in build.items()}, unresolved=unresolved)
    say(f"lookup: {out['rate_53']:,.0f} / {out['rate_5k']:,.0f} / {out['rate_50k']:,.0f} points/s")
    return out
