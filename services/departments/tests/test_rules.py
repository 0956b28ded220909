"""The departments' own rules as pure functions: schemas, categories, patrol hours, the
half-hour legal-aid circle, severity raising. No network: the synthetic county is put in use
as the reference version, as a department would receive it from fusion in local mode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from gridfusion.departments.v1 import departments_pb2 as pb
from gridfusion.events.v1 import events_pb2

from services.departments.definitions import DEFINITIONS
from services.departments.definitions import legal_aid as la
from services.departments.definitions.petition import raised
from services.departments.description import describe
from services.departments.patrol import MAX_GAP, Fix, check_log, daily_hours, parse_range
from services.departments.reference import county, locate
from services.departments.results import check_result, result_id_of
from services.departments.validation import check_event
from services.platform.events import EventIn
from services.platform.vocabulary import FAMILIES, SHARED_CATEGORIES

from .counties import in_use, synthetic_view

pytestmark = pytest.mark.unit

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True, scope="module")
def synthetic_county_in_use():
    with in_use(synthetic_view()):
        yield


def event(department: str, **fields) -> events_pb2.DepartmentEvent:
    body = {
        "id": "e-1",
        "type": "incident.reported",
        "time": "2026-11-27T09:30:00+08:00",
        "category": "dispute.neighbor",
        "summary": "邻里纠纷",
        "location": {"lon": 116.8052, "lat": 35.7598},
    }
    body.update(fields)
    return EventIn.model_validate(body).to_proto(department)


def test_every_department_maps_its_types_onto_the_shared_taxonomy() -> None:
    assert set(DEFINITIONS) == {"comprehensive_governance", "petition", "legal_aid", "police_assistant", "civil_affairs"}
    for department in DEFINITIONS.values():
        described = describe(department)
        assert described.event_types[0].type == "incident.reported"
        assert len(described.event_types) >= 3
        for event_type in described.event_types:
            assert event_type.categories, (department.name, event_type.type)
            for category in event_type.categories:
                family, _, subtype = category.partition(".")
                assert family in FAMILIES and subtype
                assert category in SHARED_CATEGORIES or category in department.extra_categories


@pytest.mark.parametrize(
    ("department", "type_", "category", "details"),
    [
        ("comprehensive_governance", "governance.dispute", "dispute.land", {"parties": 3}),
        ("comprehensive_governance", "governance.risk_screening", "special_population.mental_health", {"risk_kind": "special_population"}),
        ("petition", "petition.letter", "livelihood.medical", {"channel": "letter"}),
        ("legal_aid", "legal_aid.application", "legal_service.aid_application", {"topic": "labour", "hardship_proof": True}),
        ("police_assistant", "police.incident", "public_order.theft", {"source": "110", "alarm_no": "J2026-1"}),
        ("civil_affairs", "civil.assistance", "livelihood.special_hardship", {"household_id": "H0010010010001"}),
    ],
)
def test_native_types_accept_their_own_events(department, type_, category, details) -> None:
    assert check_event(event(department, type=type_, category=category, details=details), DEFINITIONS[department]) == []


@pytest.mark.parametrize(
    ("department", "fields", "bad"),
    [
        ("comprehensive_governance", {"type": "governance.risk_screening", "details": {}}, "details.risk_kind"),
        ("comprehensive_governance", {"type": "governance.hazard", "category": "dispute.land"}, "category"),
        ("petition", {"type": "petition.visit", "details": {"channel": "pigeon"}}, "details.channel"),
        ("petition", {"type": "petition.visit", "details": {"people_count": 0}}, "details.people_count"),
        ("legal_aid", {"type": "legal_aid.consultation", "category": "legal_service.aid_application"}, "category"),
        ("police_assistant", {"type": "police.raid"}, "type"),
        ("civil_affairs", {"type": "civil.social_organisation", "details": {}}, "details.organisation"),
        ("civil_affairs", {"category": "livelihood.gold"}, "category"),
    ],
)
def test_bad_department_fields_are_named(department, fields, bad) -> None:
    errors = check_event(event(department, **fields), DEFINITIONS[department])
    assert bad in [field for field, _ in errors], errors


@pytest.mark.parametrize("category", ["livelihood.subsistence_allowance", "livelihood.elderly_care",
                                      "livelihood.disability", "livelihood.special_hardship"])
def test_civil_affairs_refuses_livelihood_without_a_household(category) -> None:
    civil = DEFINITIONS["civil_affairs"]
    for type_ in ("civil.assistance", "incident.reported"):
        errors = check_event(event("civil_affairs", type=type_, category=category), civil)
        assert [f for f, _ in errors] == ["details.household_id"], errors
        blank = check_event(event("civil_affairs", type=type_, category=category, details={"household_id": "  "}), civil)
        assert [f for f, _ in blank] == ["details.household_id"]
        with_details = event("civil_affairs", type=type_, category=category, details={"household_id": "H0010010010001"})
        assert check_event(with_details, civil) == []
        as_location = event("civil_affairs", type=type_, category=category, location={"household_id": "H0010010010001"})
        assert check_event(as_location, civil) == []
    # not a livelihood event: no household needed
    assert check_event(event("civil_affairs", category="other.general"), civil) == []


def test_severity_is_raised_by_steps_and_capped() -> None:
    low, medium, high, critical = (events_pb2.SEVERITY_LOW, events_pb2.SEVERITY_MEDIUM,
                                   events_pb2.SEVERITY_HIGH, events_pb2.SEVERITY_CRITICAL)
    assert raised(low, 1) == medium
    assert raised(medium, 1) == high
    assert raised(medium, 2) == critical
    assert raised(critical, 1) == critical
    assert raised(events_pb2.SEVERITY_UNSPECIFIED, 1) == high  # unspecified counts as medium


# --- patrol hours -------------------------------------------------------------------------


def track(start: datetime, minutes: int, points: list[tuple[float, float]] | tuple[float, float], step: int = 5) -> list[Fix]:
    """A fix every ``step`` minutes for ``minutes`` minutes, at one point or cycling points."""
    spots = points if isinstance(points, list) else [points]
    return [Fix(start + timedelta(minutes=m), *spots[(m // step) % len(spots)]) for m in range(0, minutes + 1, step)]


def inside_and_outside(grid_id: str) -> tuple[tuple[float, float], tuple[float, float]]:
    c = county()
    polygon = c.grid_polygons[grid_id]
    inside = polygon.representative_point()
    other = next(g for g in c.grids if g.grid_id != grid_id)
    outside = c.grid_polygons[other.grid_id].representative_point()
    assert not polygon.covers(outside)
    return (inside.x, inside.y), (outside.x, outside.y)


def test_patrol_hours_count_only_time_inside_the_own_grid() -> None:
    grid = county().grids[0]
    inside, outside = inside_and_outside(grid.grid_id)
    day = datetime(2026, 11, 23, 8, 0, tzinfo=TZ)
    fixes = track(day, 180, inside) + track(day + timedelta(hours=3, minutes=5), 60, outside)
    hours = daily_hours(fixes, county().grid_polygons[grid.grid_id], TZ)
    got = hours[day.date()]
    assert got.inside_seconds == 3 * 3600
    # 3 h inside, 5 min walking out (one fix inside, one outside: not inside), 1 h outside
    assert got.logged_seconds == 3 * 3600 + 5 * 60 + 3600


def test_patrol_silences_longer_than_the_gap_count_nothing_and_merge_overlaps() -> None:
    grid = county().grids[0]
    inside, _ = inside_and_outside(grid.grid_id)
    polygon = county().grid_polygons[grid.grid_id]
    day = datetime(2026, 11, 23, 8, 0, tzinfo=TZ)
    sparse = [Fix(day, *inside), Fix(day + MAX_GAP + timedelta(seconds=1), *inside)]
    assert daily_hours(sparse, polygon, TZ) == {}
    one = track(day, 120, inside)
    overlapping = one + track(day + timedelta(minutes=60), 120, inside)  # 08:00-10:00 and 09:00-11:00
    assert daily_hours(overlapping, polygon, TZ)[day.date()].inside_seconds == 3 * 3600


def test_patrol_across_midnight_is_split_by_county_day() -> None:
    grid = county().grids[0]
    inside, _ = inside_and_outside(grid.grid_id)
    start = datetime(2026, 11, 23, 23, 0, tzinfo=TZ)
    hours = daily_hours(track(start, 120, inside), county().grid_polygons[grid.grid_id], TZ)
    assert hours[start.date()].inside_seconds == 3600
    assert hours[(start + timedelta(days=1)).date()].inside_seconds == 3600


def test_patrol_log_checks_name_each_bad_field() -> None:
    log = pb.PatrolLog(log_id="", worker_id="nobody")
    p = log.points.add(lon=200, lat=35.7)
    p.time.FromDatetime(datetime(2026, 11, 23, tzinfo=UTC))
    log.points.add(lon=116.8, lat=95)
    fields = {f for f, _ in check_log(log, {"S1": "G1"})}
    assert fields == {"log_id", "worker_id", "points.0.lon", "points.1.time", "points.1.lat"}
    assert parse_range("2026-11-30", "2026-11-23") == [("to_date", "must not be before from_date")]
    assert {f for f, _ in parse_range("monday", "")} == {"from_date", "to_date"}


def test_finding_11_a_grid_worker_uploads_only_its_own_patrol_track() -> None:
    def log(worker_id: str, **fields) -> pb.PatrolLog:
        out = pb.PatrolLog(log_id="xc-1", worker_id=worker_id, **fields)
        for minute in (0, 5):
            out.points.add(lon=116.8, lat=35.75).time.FromDatetime(datetime(2026, 11, 23, 8, minute, tzinfo=UTC))
        return out

    workers = {"S1": "G1", "S2": "G1", "S3": "G2"}
    assert check_log(log("S2", grid_id="G1", uploader_worker_id="S2"), workers) == []
    refused = check_log(log("S2", grid_id="G1", uploader_worker_id="S1"), workers)
    assert [f for f, _ in refused] == ["worker_id"] and "its own track" in refused[0][1]
    # a grid's secretary (grid only) uploads for its grid's workers, not another grid's
    assert check_log(log("S2", grid_id="G1"), workers) == []
    assert [f for f, _ in check_log(log("S3", grid_id="G1"), workers)] == ["worker_id"]


# --- legal aid ------------------------------------------------------------------------------


def test_travel_model_and_the_half_hour_circle() -> None:
    # 30 minutes of walking at 5 km/h with a 1.3 detour factor is 1.923 km straight line.
    assert la.travel_minutes(2.5 / la.DETOUR) == pytest.approx(30.0)
    assert la.haversine_km((116.8, 35.75), (116.8, 35.76)) == pytest.approx(1.112, abs=0.002)
    c = county()
    all_stations = tuple((x.community_id, x.service_station) for x in c.communities)
    gaps, checked = la.circle_gaps(all_stations)
    assert checked == len(c.households) == 40861
    assert gaps == []  # every household of the seat is within half an hour of an adviser
    lone = all_stations[:1]
    gaps, _ = la.circle_gaps(lone)
    assert gaps and all(g.travel_minutes >= la.LIMIT_MINUTES for g in gaps)  # rounded to 0.1
    assert {g.nearest_adviser_community_id for g in gaps} == {lone[0][0]}
    gap_ids = {g.household_id for g in gaps}
    for household in c.households[::997]:
        minutes = la.travel_minutes(la.haversine_km(household.location, lone[0][1]))
        assert (household.household_id in gap_ids) == (minutes > la.LIMIT_MINUTES)


def test_locations_resolve_to_the_grid_fusion_would_choose() -> None:
    c = county()
    household = c.households[1234]
    found = locate(events_pb2.Location(household_id=household.household_id))
    assert found is not None and found.grid_id == household.grid_id
    point = c.grid_polygons[c.grids[7].grid_id].representative_point()
    found = locate(events_pb2.Location(point=events_pb2.Point(lon=point.x, lat=point.y)))
    assert found is not None and found.grid_id == c.grids[7].grid_id
    assert locate(events_pb2.Location(point=events_pb2.Point(lon=0, lat=0))) is None


def test_handling_results_are_checked_and_keep_a_stable_id() -> None:
    request = pb.ReportResultRequest(case_id="C-1", result="resolved", note="已调解", actor="S000001")
    assert check_result(request) == []
    assert result_id_of("petition", request) == result_id_of("petition", request)
    assert result_id_of("petition", request) != result_id_of("legal_aid", request)
    assert result_id_of("petition", pb.ReportResultRequest(case_id="C-1", result="x", result_id="r-9")) == "r-9"
    assert {f for f, _ in check_result(pb.ReportResultRequest(result=" "))} == {"case_id", "result"}


def test_nan_and_infinity_in_details_are_field_errors_not_crashes() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as refused:
        EventIn.model_validate({
            "id": "e-1", "type": "incident.reported", "time": "2026-11-27T09:30:00+08:00",
            "category": "dispute.neighbor", "summary": "x", "location": {"address": "府前街99号"},
            "details": {"a": [1, {"b": float("nan")}]},
        })
    assert "details.a.1.b must be a finite number" in str(refused.value)
    # A gRPC client can put them in the Struct directly: named, not raised.
    ev = event("civil_affairs", category="livelihood.medical", details={"household_id": "H1"})
    ev.details.update({"monthly_amount_yuan": float("inf"), "nested": {"x": float("nan")}})
    errors = check_event(ev, DEFINITIONS["civil_affairs"])
    assert sorted(errors) == [("details.monthly_amount_yuan", "must be a finite number"),
                              ("details.nested.x", "must be a finite number")]
