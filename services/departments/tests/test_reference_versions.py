"""The reference version a department uses, as pure logic: the view in use and the one a request
pinned, grids in parts, results kept per version, and points given in another datum. No network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import grpc
import pytest
from gridfusion.events.v1 import events_pb2
from pydantic import ValidationError

from services.departments import reference
from services.departments.datum import keep_in_wgs84
from services.departments.definitions import DEFINITIONS
from services.departments.definitions import legal_aid as la
from services.departments.patrol import Fix, daily_hours
from services.departments.validation import check_event
from services.platform.events import EventIn
from services.reference.exchange.crs import CRS_NAMES, distance_m, from_wgs84

from . import counties

pytestmark = pytest.mark.unit


def point(lon: float, lat: float) -> events_pb2.Location:
    return events_pb2.Location(point=events_pb2.Point(lon=lon, lat=lat))


@pytest.fixture(scope="module")
def first() -> reference.View:
    return reference.View.build(counties.version("v0001", counties.first()), counties.first())


@pytest.fixture(scope="module")
def second() -> reference.View:
    return reference.View.build(counties.version("v0002", counties.second()), counties.second())


def test_without_a_version_every_use_says_why(first) -> None:
    with counties.in_use(None):
        assert reference.why_not_ready() == "reference data not loaded: no reference version loaded yet"
        reference.HOLDER.reason = "fusion at f:1 has no reference data: no reference data imported"
        with pytest.raises(reference.NotLoaded, match="no reference data imported"):
            reference.locate(point(*counties.MOVED_POINT))
        with reference.pinned() as pinned:  # nothing to pin: still says why
            assert pinned is None
            with pytest.raises(reference.NotLoaded):
                reference.county()
    with counties.in_use(first):
        assert reference.why_not_ready() is None
        assert reference.locate(point(*counties.MOVED_POINT)).grid_id == counties.G2


def test_a_request_finishes_with_the_version_it_started_with(first, second) -> None:
    with counties.in_use(first):
        with reference.pinned() as started_on:
            reference.HOLDER.install(second)  # a switch while the request is in flight
            assert started_on is first
            assert reference.locate(point(*counties.MOVED_POINT)).grid_id == counties.G2
            assert reference.community_of(counties.G2) == counties.C2
            with reference.pinned():  # a nested step keeps the request's version
                assert reference.county() is first.county
        # the next request sees the new version
        assert reference.locate(point(*counties.MOVED_POINT)).grid_id == counties.G3


def test_a_grid_in_parts_resolves_in_every_part_and_counts_patrol_time_in_each(second) -> None:
    assert second.locate(point(*counties.DETACHED_POINT)).grid_id == counties.G4
    assert second.locate(point(116.812, 35.750)).grid_id == counties.G4
    assert second.locate(point(116.825, 35.750)) is None  # between the two parts
    geometry = second.county.grid_polygons[counties.G4]
    assert geometry.geom_type == "MultiPolygon"
    tz = ZoneInfo("Asia/Shanghai")
    start = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    spots = [(116.812, 35.75)] * 6 + [(116.825, 35.75)] + [counties.DETACHED_POINT] * 6
    fixes = [Fix(start + timedelta(minutes=5 * i), *spot) for i, spot in enumerate(spots)]
    # 25 min in one part, 10 min out of the grid between the parts, 25 min in the other.
    hours = daily_hours(fixes, geometry, tz)[start.astimezone(tz).date()]
    assert (hours.inside_seconds, hours.logged_seconds) == (50 * 60, 60 * 60)


def test_the_half_hour_circle_is_kept_per_version(first, second) -> None:
    stations = ((counties.C1, (116.7850, 35.7500)),)
    gaps_first, checked_first = la.circle_gaps(stations, view=first)
    gaps_second, checked_second = la.circle_gaps(stations, view=second)
    assert (checked_first, checked_second) == (2, 3)
    assert {g.household_id for g in gaps_first} == {"T-H2"}
    assert {g.household_id for g in gaps_second} == {"T-H3", "T-H4"}
    assert la.circle_gaps(stations, view=first)[0] is gaps_first  # answered once per version
    with counties.in_use(second):
        assert la.circle_gaps(stations)[0] is gaps_second


# --- location.crs ----------------------------------------------------------------------------


def body(location: dict) -> dict:
    return {"id": "e-1", "type": "incident.reported", "time": "2026-11-27T09:30:00+08:00",
            "category": "dispute.neighbor", "summary": "x", "location": location}


def bad_locs(raw: dict) -> list[tuple]:
    with pytest.raises(ValidationError) as refused:
        EventIn.model_validate(raw)
    return [e["loc"] for e in refused.value.errors()]


def test_location_crs_is_optional_and_one_of_three_datums_of_a_point() -> None:
    assert CRS_NAMES == ("wgs84", "gcj02", "bd09")
    plain = EventIn.model_validate(body({"lon": 116.8, "lat": 35.7}))
    assert plain.location.crs == "wgs84" and plain.to_proto("petition").location.crs == ""
    gcj = EventIn.model_validate(body({"lon": 116.8, "lat": 35.7, "crs": "gcj02"})).to_proto("petition")
    assert gcj.location.crs == "gcj02"
    assert bad_locs(body({"lon": 116.8, "lat": 35.7, "crs": "utm50n"})) == [("location", "crs")]
    assert bad_locs(body({"address": "府前街99号", "crs": "bd09"})) == [("location", "crs")]
    assert EventIn.model_validate(body({"address": "府前街99号", "crs": "wgs84"})).location.crs == "wgs84"
    schema = EventIn.model_json_schema()["$defs"]["LocationIn"]["properties"]["crs"]
    assert schema["enum"] == ["wgs84", "gcj02", "bd09"] and schema["default"] == "wgs84"


def test_a_grpc_client_is_told_which_datums_there_are() -> None:
    petition = DEFINITIONS["petition"]
    ev = EventIn.model_validate(body({"lon": 116.8, "lat": 35.7})).to_proto("petition")
    ev.location.crs = "GCJ-02"
    assert check_event(ev, petition) == [("location.crs", "must be one of wgs84, gcj02, bd09")]
    on_address = EventIn.model_validate(body({"address": "府前街99号"})).to_proto("petition")
    on_address.location.crs = "gcj02"
    assert check_event(on_address, petition) == [("location.crs", "a datum applies only to a point (lon, lat)")]
    for crs in ("", "wgs84", "gcj02", "bd09"):
        ev.location.crs = crs
        assert check_event(ev, petition) == []


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_a_point_in_another_datum_is_kept_in_wgs84_with_the_reported_one_in_details(crs) -> None:
    wgs = (116.8031, 35.7598)
    given = from_wgs84(*wgs, crs)
    ev = EventIn.model_validate(body({"lon": given[0], "lat": given[1], "crs": crs})).to_proto("petition")
    keep_in_wgs84(ev)
    assert ev.location.crs == ""
    assert distance_m(ev.location.point.lon, ev.location.point.lat, *wgs) < 0.01
    assert dict(ev.details.fields["reported_location"].struct_value) == {"crs": crs, "lon": given[0], "lat": given[1]}


def test_a_wgs84_point_is_kept_as_given() -> None:
    ev = EventIn.model_validate(body({"lon": 116.8, "lat": 35.7})).to_proto("petition")
    ev.location.crs = "wgs84"
    keep_in_wgs84(ev)
    assert (ev.location.crs, ev.location.point.lon, ev.location.point.lat) == ("", 116.8, 35.7)
    assert not ev.HasField("details")


def test_why_fusion_gave_no_version_reads_as_one_line() -> None:
    class Refused(grpc.aio.AioRpcError):
        def __init__(self, code: grpc.StatusCode, details: str) -> None:
            super().__init__(code, grpc.aio.Metadata(), grpc.aio.Metadata(), details)

    target = "fusion:50050"
    assert reference.reason_of(Refused(grpc.StatusCode.FAILED_PRECONDITION, "no reference data imported"), target) == (
        "fusion at fusion:50050 has no reference data: no reference data imported")
    assert reference.reason_of(Refused(grpc.StatusCode.UNAVAILABLE, "connection refused"), target) == (
        "fusion at fusion:50050 is unreachable (unavailable): connection refused")
    assert "does not serve" in reference.reason_of(Refused(grpc.StatusCode.UNIMPLEMENTED, ""), target)
    assert "ValueError" in reference.reason_of(ValueError("no version"), target)
