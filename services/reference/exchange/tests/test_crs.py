"""WGS84 ↔ GCJ-02 ↔ BD-09: the published reference points, exact inverses, China's box."""

from __future__ import annotations

import numpy as np
import pytest

from services.reference.exchange.crs import (
    CRS_NAMES,
    distance_m,
    from_wgs84,
    from_wgs84_arrays,
    normalise_crs,
    to_wgs84,
    to_wgs84_arrays,
)

pytestmark = pytest.mark.unit

# (wgs lon, wgs lat, gcj lon, gcj lat): the test points of googollee/eviltransform
# (python/test.py, go/transform_test.go — Shanghai, Shenzhen, Beijing), MIT licence.
EVILTRANSFORM = [
    (121.5272106, 31.1774276, 121.531541859215, 31.17530398364597),
    (113.912316, 22.543847, 113.9171764808363, 22.540796131694766),
    (116.377817, 39.911954, 116.38404722455657, 39.91334545536069),
]
# wandergis/coordtransform (test/app.js, the results printed for the point 116.404, 39.915),
# MIT licence. Its bd09togcj02 is the one-step approximate inverse.
COORDTRANSFORM_POINT = (116.404, 39.915)
COORDTRANSFORM_WGS84_TO_GCJ02 = (116.41024449916938, 39.91640428150164)
COORDTRANSFORM_GCJ02_TO_BD09 = (116.41036949371029, 39.92133699351021)
COORDTRANSFORM_BD09_TO_GCJ02 = (116.39762729119315, 39.90865673957631)

NINGYANG = (116.80, 35.76)


@pytest.mark.parametrize(("wgs_lon", "wgs_lat", "gcj_lon", "gcj_lat"), EVILTRANSFORM)
def test_wgs84_to_gcj02_gives_the_published_points(wgs_lon, wgs_lat, gcj_lon, gcj_lat):
    lon, lat = from_wgs84(wgs_lon, wgs_lat, "gcj02")
    assert lon == pytest.approx(gcj_lon, abs=1e-9)
    assert lat == pytest.approx(gcj_lat, abs=1e-9)


@pytest.mark.parametrize(("wgs_lon", "wgs_lat", "gcj_lon", "gcj_lat"), EVILTRANSFORM)
def test_gcj02_to_wgs84_is_an_exact_inverse_at_the_published_points(
    wgs_lon, wgs_lat, gcj_lon, gcj_lat
):
    lon, lat = to_wgs84(gcj_lon, gcj_lat, "gcj02")
    assert distance_m(lon, lat, wgs_lon, wgs_lat) < 0.001  # eviltransform's own bar is 0.5 m


def test_the_coordtransform_reference_point_converts_as_published():
    assert from_wgs84(*COORDTRANSFORM_POINT, "gcj02") == pytest.approx(
        COORDTRANSFORM_WGS84_TO_GCJ02, abs=1e-9
    )
    # GCJ-02 → BD-09 of a GCJ-02 point: from_wgs84 to bd09 of the matching WGS84 point.
    wgs = to_wgs84(*COORDTRANSFORM_POINT, "gcj02")
    assert from_wgs84(*wgs, "bd09") == pytest.approx(COORDTRANSFORM_GCJ02_TO_BD09, abs=1e-9)


def test_bd09_inverse_is_exact_where_the_one_step_formula_is_only_close():
    wgs = to_wgs84(*COORDTRANSFORM_POINT, "bd09")
    gcj = from_wgs84(*wgs, "gcj02")
    # Within centimetres of the published one-step result …
    assert distance_m(*gcj, *COORDTRANSFORM_BD09_TO_GCJ02) < 0.1
    # … and mapping forward again lands on the BD-09 point itself.
    assert from_wgs84(*wgs, "bd09") == pytest.approx(COORDTRANSFORM_POINT, abs=1e-10)


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_round_trips_around_ningyang_stay_far_below_half_a_metre(crs):
    lons, lats = np.meshgrid(np.linspace(116.60, 117.00, 41), np.linspace(35.56, 35.96, 41))
    lons, lats = lons.ravel(), lats.ravel()
    shifted = from_wgs84_arrays(lons, lats, crs)
    back_lon, back_lat = to_wgs84_arrays(*shifted, crs)
    worst = max(
        distance_m(a, b, c, d) for a, b, c, d in zip(lons, lats, back_lon, back_lat, strict=True)
    )
    assert worst < 0.001
    # and the datum really moves points there (by a few hundred metres)
    offsets = [distance_m(a, b, c, d) for a, b, c, d in zip(lons, lats, *shifted, strict=True)]
    assert 100 < min(offsets) and max(offsets) < 1500


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_the_inverse_converges_everywhere_in_chinas_box(crs):
    lons, lats = np.meshgrid(np.linspace(73.0, 135.0, 125), np.linspace(4.0, 53.0, 99))
    lons, lats = lons.ravel(), lats.ravel()
    back_lon, back_lat = to_wgs84_arrays(*from_wgs84_arrays(lons, lats, crs), crs)
    assert np.max(np.abs(back_lon - lons)) < 1e-11  # degrees: a micrometre
    assert np.max(np.abs(back_lat - lats)) < 1e-11


def test_the_one_step_inverse_would_not_do():
    gcj = from_wgs84(*NINGYANG, "gcj02")
    shifted_again = from_wgs84(*gcj, "gcj02")
    one_step = (2 * gcj[0] - shifted_again[0], 2 * gcj[1] - shifted_again[1])
    assert distance_m(*one_step, *NINGYANG) > 0.5
    assert distance_m(*to_wgs84(*gcj, "gcj02"), *NINGYANG) < 1e-4


@pytest.mark.parametrize(
    "place", [(2.3522, 48.8566), (139.6917, 35.6895), (151.2093, -33.8688), (-74.006, 40.7128)]
)
@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_points_outside_china_are_left_unchanged(place, crs):
    assert from_wgs84(*place, crs) == place
    assert to_wgs84(*place, crs) == place


def test_wgs84_is_the_identity_and_arrays_match_single_points():
    assert to_wgs84(*NINGYANG, "wgs84") == NINGYANG
    assert from_wgs84(*NINGYANG, "wgs84") == NINGYANG
    lons, lats = [116.8, 116.81, 116.82], [35.75, 35.76, 35.77]
    for crs in CRS_NAMES:
        array_lon, array_lat = to_wgs84_arrays(lons, lats, crs)
        for k in range(3):
            assert to_wgs84(lons[k], lats[k], crs) == (array_lon[k], array_lat[k])


@pytest.mark.parametrize(
    ("given", "name"),
    [
        (None, "wgs84"),
        ("", "wgs84"),
        ("WGS84", "wgs84"),
        ("EPSG:4326", "wgs84"),
        ("GCJ-02", "gcj02"),
        ("gcj02", "gcj02"),
        ("BD-09", "bd09"),
        ("bd09ll", "bd09"),
    ],
)
def test_datum_names_are_read_leniently(given, name):
    assert normalise_crs(given) == name


def test_an_unknown_datum_is_refused():
    with pytest.raises(ValueError, match="unknown datum"):
        to_wgs84(116.8, 35.76, "cgcs2000")
