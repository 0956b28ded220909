"""Distances on the county's map, for the service circles: the half-hour legal-aid circle
(半小时法律援助圈) and the one-kilometre service circle (一公里服务圈).

A walk is estimated as :data:`DETOUR` times the straight-line (haversine) distance: streets do not
run straight to a station.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .models import LonLat

EARTH_RADIUS_KM = 6371.0088
DETOUR = 1.3


def haversine_km(a: LonLat, b: LonLat) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def nearest(points: Sequence[LonLat], sites: Sequence[LonLat]) -> tuple[np.ndarray, np.ndarray]:
    """For every point, the index of the nearest site and the straight-line distance to it in km
    (-1 and infinity without sites)."""
    if not sites or not points:
        return np.full(len(points), -1), np.full(len(points), np.inf)
    pts = np.radians(np.asarray(points, dtype=float))
    st = np.radians(np.asarray(sites, dtype=float))
    dlon = pts[:, None, 0] - st[None, :, 0]
    dlat = pts[:, None, 1] - st[None, :, 1]
    h = np.sin(dlat / 2) ** 2 + np.cos(pts[:, None, 1]) * np.cos(st[None, :, 1]) * np.sin(dlon / 2) ** 2
    km = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    which = km.argmin(axis=1)
    return which, km[np.arange(len(points)), which]
