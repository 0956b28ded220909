"""The county-seat lattice: grid polygons that tile the area exactly, and points inside them.

The area is cut by ``COLUMNS + 1`` north-south and ``ROWS + 1`` east-west lines (the roads)
into a lattice of irregular convex quadrilaterals: column widths and row heights vary, and every
lattice vertex is jittered by at most 15 % of the neighbouring spacing, which keeps each cell
convex. A grid is one cell, or a column of vertically adjacent cells. Neighbouring grids share
the very same vertex tuples, so the polygons tile the area with no gap, no overlap and no
T-junction. Points are placed by bilinear interpolation inside one cell, which for a convex
quadrilateral stays inside it.

Only IEEE arithmetic on seeded ``random.Random`` draws is used (no trigonometry, no shapely
in the generator), so every machine produces the same coordinates.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

from services.reference.models import LonLat

CENTRE: LonLat = (116.805, 35.759)  # the real county seat of Ningyang
METRES_PER_DEGREE_LON = 90_335.0  # 111 320 m × cos(35.759°)
METRES_PER_DEGREE_LAT = 110_950.0
COLUMNS = 9
ROWS = 6
CELL_WIDTH_M = 480.0
CELL_HEIGHT_M = 520.0
JITTER = 0.15
DECIMALS = 6

Vertices = tuple[
    tuple[LonLat, ...], ...
]  # vertices[i][j]: line i (west→east), line j (south→north)


@dataclass(frozen=True, slots=True)
class Tile:
    """The lattice cells of one grid: column ``column``, rows ``row`` .. ``row + height - 1``."""

    column: int
    row: int
    height: int = 1

    def cells(self) -> tuple[tuple[int, int], ...]:
        return tuple((self.column, self.row + k) for k in range(self.height))


def lattice(rng: random.Random) -> Vertices:
    """The jittered lattice vertices, as rounded (lon, lat)."""
    widths = [CELL_WIDTH_M * rng.uniform(0.75, 1.3) for _ in range(COLUMNS)]
    heights = [CELL_HEIGHT_M * rng.uniform(0.75, 1.3) for _ in range(ROWS)]
    xs = _centred_edges(widths)
    ys = _centred_edges(heights)
    columns = []
    for i, x in enumerate(xs):
        jx = JITTER * min(widths[max(i - 1, 0) : i + 1])
        line = []
        for j, y in enumerate(ys):
            jy = JITTER * min(heights[max(j - 1, 0) : j + 1])
            line.append(_to_lonlat(x + rng.uniform(-jx, jx), y + rng.uniform(-jy, jy)))
        columns.append(tuple(line))
    return tuple(columns)


def _centred_edges(sizes: list[float]) -> list[float]:
    edges = [0.0]
    for size in sizes:
        edges.append(edges[-1] + size)
    half = edges[-1] / 2
    return [edge - half for edge in edges]


def _to_lonlat(x_m: float, y_m: float) -> LonLat:
    return (
        round(CENTRE[0] + x_m / METRES_PER_DEGREE_LON, DECIMALS),
        round(CENTRE[1] + y_m / METRES_PER_DEGREE_LAT, DECIMALS),
    )


def tile_ring(vertices: Vertices, tile: Tile) -> tuple[LonLat, ...]:
    """The tile's closed, counter-clockwise ring, including every lattice vertex on its edge."""
    c, r, h = tile.column, tile.row, tile.height
    east = [vertices[c + 1][r + k] for k in range(h + 1)]
    west = [vertices[c][r + k] for k in range(h, -1, -1)]
    ring = [vertices[c][r], *east, *west]
    return tuple(ring)


def cell_point(vertices: Vertices, cell: tuple[int, int], u: float, v: float) -> LonLat:
    """The point at (u, v) ∈ [0, 1]² of a cell: u runs west→east, v south→north."""
    c, r = cell
    (x0, y0), (x1, y1) = vertices[c][r], vertices[c + 1][r]
    (x2, y2), (x3, y3) = vertices[c + 1][r + 1], vertices[c][r + 1]
    a, b, d, e = (1 - u) * (1 - v), u * (1 - v), u * v, (1 - u) * v
    return (
        round(a * x0 + b * x1 + d * x2 + e * x3, DECIMALS),
        round(a * y0 + b * y1 + d * y2 + e * y3, DECIMALS),
    )


def ring_area(ring: tuple[LonLat, ...]) -> float:
    """Signed shoelace area in square degrees (positive when counter-clockwise)."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring)) / 2


def is_convex_ccw(ring: tuple[LonLat, ...]) -> bool:
    """Whether a closed ring turns left (or goes straight) at every vertex."""
    points = ring[:-1]
    n = len(points)
    for k in range(n):
        (ax, ay), (bx, by), (cx, cy) = points[k - 1], points[k], points[(k + 1) % n]
        if (bx - ax) * (cy - by) - (by - ay) * (cx - bx) < 0:
            return False
    return True
