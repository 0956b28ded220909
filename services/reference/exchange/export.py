"""A ``County`` in the exchange format: what :func:`services.reference.exchange.load` reads back.

- ``grids.geojson``: one Feature per grid with the format's properties (``grid_id``, ``name``,
  ``type``, ``community_id``, ``community_name``, ``street_id``, ``street_name``) and its whole
  boundary (Polygon or MultiPolygon);
- ``households.csv``: the English headers, ``compound`` the compound's name; ``head_name``,
  ``phone`` and ``id_number`` when any household has a head;
- ``party_members.csv`` when the county has member records.
CSV files are UTF-8 with a byte-order mark, so that Excel shows the Chinese text; the loader
accepts both. Coordinates are WGS84 unless ``crs`` asks for another datum; numbers are written
in full (shortest round-tripping form), so loading the export gives back an equal county.
The zip is reproducible: fixed timestamps, files in a fixed order.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from services.reference.exchange.columns import (
    GRIDS_FILE,
    HEAD_EXPORT,
    HOUSEHOLD_EXPORT,
    MEMBER_EXPORT,
)
from services.reference.exchange.crs import from_wgs84_arrays, normalise_crs
from services.reference.models import County

BOM = "\ufeff"
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


def exchange_files(county: County, crs: str = "wgs84") -> dict[str, bytes]:
    """The files of the exchange, by name."""
    crs = normalise_crs(crs)
    files = {
        GRIDS_FILE: _grids_geojson(county, crs),
        "households.csv": _households_csv(county, crs),
    }
    if county.member_records:
        files["party_members.csv"] = _members_csv(county)
    return files


def write_exchange(county: County, folder: str | Path, crs: str = "wgs84") -> list[Path]:
    """Write the exchange files into ``folder`` (created if needed); the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in exchange_files(county, crs).items():
        path = folder / name
        path.write_bytes(data)
        written.append(path)
    return written


def exchange_zip(county: County, crs: str = "wgs84") -> bytes:
    """The exchange files as one zip, files at its root."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in exchange_files(county, crs).items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def _converted(points: list[tuple[float, float]], crs: str) -> list[tuple[float, float]]:
    if crs == "wgs84" or not points:
        return points
    lons, lats = from_wgs84_arrays([p[0] for p in points], [p[1] for p in points], crs)
    return list(zip(lons.tolist(), lats.tolist(), strict=True))


def _geometry(coordinates: Any, kind: str, crs: str) -> dict[str, Any]:
    polygons = [coordinates] if kind == "Polygon" else coordinates
    flat = [(p[0], p[1]) for polygon in polygons for ring in polygon for p in ring]
    moved = iter(_converted(flat, crs))
    out = [[[list(next(moved)) for _ in ring] for ring in polygon] for polygon in polygons]
    return {"type": kind, "coordinates": out[0] if kind == "Polygon" else out}


def _grids_geojson(county: County, crs: str) -> bytes:
    communities = {c.community_id: c.name for c in county.communities}
    streets = {s.street_id: s.name for s in county.streets}
    features = []
    for grid in county.grids:
        shape = grid.geojson()
        features.append(
            {
                "type": "Feature",
                "id": grid.grid_id,
                "properties": {
                    "grid_id": grid.grid_id,
                    "name": grid.name,
                    "type": grid.type,
                    "community_id": grid.community_id,
                    "community_name": communities.get(grid.community_id, ""),
                    "street_id": grid.street_id,
                    "street_name": streets.get(grid.street_id, ""),
                },
                "geometry": _geometry(shape["coordinates"], shape["type"], crs),
            }
        )
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, ensure_ascii=False, indent=1).encode("utf-8")


def _csv(header: tuple[str, ...], rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return (BOM + buffer.getvalue()).encode("utf-8")


def _households_csv(county: County, crs: str) -> bytes:
    compound_names = {c.compound_id: c.name for c in county.compounds}
    with_heads = any(h.head is not None for h in county.households)
    header = HOUSEHOLD_EXPORT + (HEAD_EXPORT if with_heads else ())
    points = _converted([h.location for h in county.households], crs)
    rows = []
    for household, (lon, lat) in zip(county.households, points, strict=True):
        row = [
            household.household_id,
            household.address,
            repr(float(lon)),
            repr(float(lat)),
            household.residents,
            compound_names.get(household.compound_id, ""),
            household.grid_id,
        ]
        if with_heads:
            head = household.head
            row += [head.name, head.phone, head.id_number] if head else ["", "", ""]
        rows.append(row)
    return _csv(header, rows)


def _members_csv(county: County) -> bytes:
    return _csv(
        MEMBER_EXPORT,
        [[m.member_id, m.name, m.phone, m.grid_id, m.category] for m in county.member_records],
    )
