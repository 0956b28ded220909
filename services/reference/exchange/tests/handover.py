"""A small hand-over built in code, for tests that break one thing at a time.

Four 200 m square grids in a 2 × 2 block near Ningyang (WGS84), one street, two communities
(the southern pair and the northern pair), households in each grid, a few party members.
Every builder returns plain structures the tests change before turning them into files.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

ORIGIN = (116.80, 35.76)
METRES_PER_DEGREE_LON = 90_340.0
METRES_PER_DEGREE_LAT = 110_950.0
CELL = 200.0

STREET = "370921001"
SOUTH = "370921001001"
NORTH = "370921001002"
GRID_SW, GRID_SE = f"{SOUTH}001", f"{SOUTH}002"
GRID_NW, GRID_NE = f"{NORTH}001", f"{NORTH}002"
CELLS = {GRID_SW: (0, 0), GRID_SE: (1, 0), GRID_NW: (0, 1), GRID_NE: (1, 1)}

HOUSEHOLD_HEADER = [
    "household_id",
    "address",
    "lon",
    "lat",
    "residents",
    "compound",
    "grid_id",
    "head_name",
    "phone",
    "id_number",
]
MEMBER_HEADER = ["member_id", "name", "phone", "grid_id", "category", "id_number"]
# Valid GB 11643 numbers (check characters computed with services.reference.people).
ID_NUMBERS = (
    "370921198001010018",
    "37092119750505006X",
    "370921199212120035",
    "370921196003030048",
)


def point(x_m: float, y_m: float) -> list[float]:
    """[lon, lat] of a point x_m east and y_m north of the origin, 6 decimals."""
    return [
        round(ORIGIN[0] + x_m / METRES_PER_DEGREE_LON, 6),
        round(ORIGIN[1] + y_m / METRES_PER_DEGREE_LAT, 6),
    ]


def square(i: float, j: float, size: float = CELL) -> list[list[float]]:
    """The closed counter-clockwise ring of the cell whose south-west corner is (i, j) cells."""
    x, y = i * CELL, j * CELL
    return [
        point(x, y),
        point(x + size, y),
        point(x + size, y + size),
        point(x, y + size),
        point(x, y),
    ]


def feature(grid_id: str, rings: list[list[list[float]]], **properties: Any) -> dict[str, Any]:
    community = grid_id[:12]
    values = {
        "grid_id": grid_id,
        "name": f"网格{grid_id[-3:]}",
        "type": "compound",
        "community_id": community,
        "community_name": "文庙社区" if community == SOUTH else "府前社区",
        "street_id": grid_id[:9],
        "street_name": "文庙街道",
    }
    values.update(properties)
    return {
        "type": "Feature",
        "properties": values,
        "geometry": {"type": "Polygon", "coordinates": rings},
    }


def grids() -> list[dict[str, Any]]:
    return [feature(grid_id, [square(*cell)]) for grid_id, cell in CELLS.items()]


def centre(grid_id: str, dx: float = 0.0, dy: float = 0.0) -> list[float]:
    i, j = CELLS[grid_id]
    return point((i + 0.5) * CELL + dx, (j + 0.5) * CELL + dy)


def households() -> list[dict[str, str]]:
    rows = []
    for k, grid_id in enumerate(CELLS):
        for n in range(3):
            lon, lat = centre(grid_id, dx=20 * n, dy=-10 * n)
            rows.append(
                {
                    "household_id": f"H{k + 1}{n + 1:02d}",
                    "address": f"宁阳县文庙街道府前街{10 * k + n + 1}号",
                    "lon": repr(lon),
                    "lat": repr(lat),
                    "residents": str(n + 2),
                    "compound": "金鼎小区" if n < 2 else "",
                    "grid_id": grid_id,
                    "head_name": "张伟",
                    "phone": f"1380538{k:02d}{n:02d}",
                    "id_number": ID_NUMBERS[k],
                }
            )
    return rows


def members() -> list[dict[str, str]]:
    return [
        {
            "member_id": "M001",
            "name": "王芳",
            "phone": "13905381111",
            "grid_id": GRID_SW,
            "category": "in_work",
            "id_number": ID_NUMBERS[0],
        },
        {
            "member_id": "M002",
            "name": "李强",
            "phone": "0538-5621234",
            "grid_id": GRID_SW,
            "category": "离退休",
            "id_number": "",
        },
        {
            "member_id": "M003",
            "name": "赵敏",
            "phone": "",
            "grid_id": GRID_NE,
            "category": "流动",
            "id_number": "",
        },
    ]


def csv_bytes(
    header: list[str], rows: list[dict[str, str]] | list[list[str]], bom: bool = False
) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header] if isinstance(row, dict) else row)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def geojson_bytes(features: list[dict[str, Any]]) -> bytes:
    return json.dumps(
        {"type": "FeatureCollection", "features": features}, ensure_ascii=False
    ).encode("utf-8")


def files(
    grid_features: list[dict[str, Any]] | None = None,
    household_rows: list[dict[str, str]] | None = None,
    member_rows: list[dict[str, str]] | None = None,
    household_header: list[str] | None = None,
    member_header: list[str] | None = None,
    with_members: bool = True,
) -> dict[str, bytes]:
    """The hand-over as the mapping of file names to bytes an upload gives."""
    out = {
        "grids.geojson": geojson_bytes(grids() if grid_features is None else grid_features),
        "households.csv": csv_bytes(
            household_header or HOUSEHOLD_HEADER,
            households() if household_rows is None else household_rows,
        ),
    }
    if with_members:
        out["party_members.csv"] = csv_bytes(
            member_header or MEMBER_HEADER, members() if member_rows is None else member_rows
        )
    return out
