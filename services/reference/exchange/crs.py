"""The datums of the exchange — WGS84, GCJ-02, BD-09 — and conversion between them.

The platform stores WGS84. Most map SDKs used in China give GCJ-02 (国测局坐标, "Mars
coordinates": AutoNavi/Amap, Tencent, Google Maps inside China) or BD-09 (Baidu), so an import
or an event may say which one its coordinates are in.

- **WGS84 → GCJ-02** is the published obfuscation: an offset of a few hundred metres, a smooth
  function of (lon − 105, lat − 35) in metres, turned into degrees on the Krasovsky 1940
  ellipsoid (a = 6 378 245 m, e² = 0.006 693 421 622 965 943 23). Outside the rough box of
  China the algorithm defines (lon 72.004–137.8347, lat 0.8293–55.8271) it leaves a point
  unchanged.
- **GCJ-02 → BD-09** adds Baidu's rotation and stretch around the origin plus (0.0065, 0.006);
  outside the same box, as for GCJ-02, the point is left unchanged.
- **The inverse directions** have no closed form. The one-step approximation that many
  libraries ship (subtract the offset taken at the GCJ-02 point) is off by up to 5 m (up to
  3 m around Ningyang). Here they are inverted by fixed-point iteration on the forward function
  (w ← w − (f(w) − g)); the offset's derivative is about 10⁻³–10⁻², so each step gains two
  to three decimal digits: over the whole box, GCJ-02 is within 10⁻¹¹ degree after 3 steps
  and BD-09 after 4, and both reach the limit of double precision (≈ 10⁻¹³ degree, 10⁻⁸ m;
  4·10⁻¹² next to lon 105°, where the offset has a square-root kink) by the
  ``ITERATIONS`` = 6 steps taken. Every point takes the same number of steps, so a point gives
  bit for bit the same answer alone or in a batch.

Why not a library: on PyPI, ``prcoords-typed`` 2.1.0 needs Python ≥ 3.14 (and pydantic) and
applies the offset even outside China; ``prcoords`` 1.0.2 (2019, unmaintained) iterates with
a 10⁻⁵-degree stop test and warns on every point outside China; ``coordtransform`` 0.2.1
ships only the one-step inverse. The forward formulas are short and public, so they live here,
tested against the reference points of widely used implementations.

Every function takes and returns (lon, lat) in that order; the ``*_arrays`` variants take
NumPy arrays (or sequences) and convert many points at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from services.platform.vocabulary import DATUMS

CRS_NAMES: tuple[str, ...] = DATUMS

# Krasovsky 1940, the ellipsoid the GCJ-02 algorithm uses.
KRASOVSKY_A = 6_378_245.0
KRASOVSKY_EE = 0.00669342162296594323
# The box outside which GCJ-02 (and BD-09) leave a point unchanged.
CHINA_LON = (72.004, 137.8347)
CHINA_LAT = (0.8293, 55.8271)
# BD-09's constants.
BD_X_PI = math.pi * 3000.0 / 180.0
BD_DLON = 0.0065
BD_DLAT = 0.006

ITERATIONS = 6

Arrays = tuple[NDArray[np.float64], NDArray[np.float64]]
_ALIASES = {
    "wgs84": "wgs84",
    "gcj02": "gcj02",
    "bd09": "bd09",
    "bd09ll": "bd09",
    "epsg4326": "wgs84",
}


def normalise_crs(name: str | None) -> str:
    """``wgs84``, ``gcj02`` or ``bd09`` for a datum name given any way (``GCJ-02``, ``bd_09``,
    ``EPSG:4326``); empty or None is WGS84. ``ValueError`` for anything else."""
    if not name:
        return "wgs84"
    key = "".join(ch for ch in name.lower() if ch.isalnum())
    if key not in _ALIASES:
        raise ValueError(f"unknown datum {name!r}: use one of {', '.join(CRS_NAMES)}")
    return _ALIASES[key]


def in_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """Whether points fall inside the box where GCJ-02 and BD-09 shift coordinates."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return (
        (lon >= CHINA_LON[0])
        & (lon <= CHINA_LON[1])
        & (lat >= CHINA_LAT[0])
        & (lat <= CHINA_LAT[1])
    )


def _gcj02_offset_m(x: NDArray[np.float64], y: NDArray[np.float64]) -> Arrays:
    """The GCJ-02 offsets (east, north), in the algorithm's metres, of x = lon − 105,
    y = lat − 35."""
    sqrt_abs_x = np.sqrt(np.abs(x))
    shared = 20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)
    east = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    east += _gcj02_waves(x, shared, 150.0, 300.0)
    north = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    north += _gcj02_waves(y, shared, 160.0, 320.0)
    return east, north


def _gcj02_waves(
    t: NDArray[np.float64], shared: NDArray[np.float64], a12: float, a30: float
) -> NDArray[np.float64]:
    """The periodic part of one GCJ-02 offset: ``shared`` plus waves of periods 2, 6, 24 and
    60 in ``t``, the last two of amplitudes ``a12`` and ``a30``."""
    return (
        (
            shared
            + 20.0 * np.sin(t * np.pi)
            + 40.0 * np.sin(t / 3.0 * np.pi)
            + a12 * np.sin(t / 12.0 * np.pi)
            + a30 * np.sin(t / 30.0 * np.pi)
        )
        * 2.0
        / 3.0
    )


def _wgs84_to_gcj02(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> Arrays:
    east, north = _gcj02_offset_m(lon - 105.0, lat - 35.0)
    rad = lat * np.pi / 180.0
    magic = 1.0 - KRASOVSKY_EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = north * 180.0 / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * np.pi)
    dlon = east * 180.0 / (KRASOVSKY_A / sqrt_magic * np.cos(rad) * np.pi)
    inside = in_china(lon, lat)
    return np.where(inside, lon + dlon, lon), np.where(inside, lat + dlat, lat)


def _gcj02_to_bd09(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> Arrays:
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * BD_X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * BD_X_PI)
    inside = in_china(lon, lat)
    return (
        np.where(inside, z * np.cos(theta) + BD_DLON, lon),
        np.where(inside, z * np.sin(theta) + BD_DLAT, lat),
    )


def _wgs84_to_bd09(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> Arrays:
    return _gcj02_to_bd09(*_wgs84_to_gcj02(lon, lat))


_FORWARD: dict[str, Callable[[NDArray[np.float64], NDArray[np.float64]], Arrays]] = {
    "gcj02": _wgs84_to_gcj02,
    "bd09": _wgs84_to_bd09,
}


def _invert(
    forward: Callable[[NDArray[np.float64], NDArray[np.float64]], Arrays],
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
) -> Arrays:
    """The WGS84 points that ``forward`` maps onto (lon, lat), by fixed-point iteration."""
    shifted_lon, shifted_lat = forward(lon, lat)
    wgs_lon, wgs_lat = 2.0 * lon - shifted_lon, 2.0 * lat - shifted_lat  # the one-step estimate
    for _ in range(ITERATIONS):
        again_lon, again_lat = forward(wgs_lon, wgs_lat)
        wgs_lon, wgs_lat = wgs_lon - (again_lon - lon), wgs_lat - (again_lat - lat)
    return wgs_lon, wgs_lat


def _as_arrays(lons: ArrayLike, lats: ArrayLike) -> Arrays:
    lon = np.array(lons, dtype=float, ndmin=1)
    lat = np.array(lats, dtype=float, ndmin=1)
    if lon.shape != lat.shape:
        raise ValueError("longitudes and latitudes differ in length")
    return lon, lat


def to_wgs84_arrays(lons: ArrayLike | Sequence[float], lats: ArrayLike, crs: str) -> Arrays:
    """Points given in ``crs`` as WGS84 arrays (lon, lat)."""
    crs = normalise_crs(crs)
    lon, lat = _as_arrays(lons, lats)
    if crs == "wgs84":
        return lon, lat
    return _invert(_FORWARD[crs], lon, lat)


def from_wgs84_arrays(lons: ArrayLike | Sequence[float], lats: ArrayLike, crs: str) -> Arrays:
    """WGS84 points as arrays (lon, lat) in ``crs``."""
    crs = normalise_crs(crs)
    lon, lat = _as_arrays(lons, lats)
    if crs == "wgs84":
        return lon, lat
    return _FORWARD[crs](lon, lat)


def to_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """One point given in ``crs`` (``wgs84``, ``gcj02``, ``bd09``) as WGS84 (lon, lat)."""
    wgs_lon, wgs_lat = to_wgs84_arrays([lon], [lat], crs)
    return float(wgs_lon[0]), float(wgs_lat[0])


def from_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """One WGS84 point as (lon, lat) in ``crs``."""
    out_lon, out_lat = from_wgs84_arrays([lon], [lat], crs)
    return float(out_lon[0]), float(out_lat[0])


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine, mean Earth radius): for checking accuracy."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))
