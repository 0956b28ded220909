"""Scope rules, masking, weeks and the weekly report's ranking: pure functions, no network."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from gridfusion.community.v1 import community_pb2 as cpb
from gridfusion.fusion.v1 import fusion_pb2 as fpb

from gateway.api.routes.community import contact_unmasked, sees_order
from gateway.auth import Principal
from gateway.privacy import audit_entry, mask_id_number, mask_name, mask_phone
from gateway.reports.weekly import assemble, grid_score, render_html
from gateway.scoping import (
    BadScope,
    OutOfScope,
    narrow,
    parse_week,
    report_area,
)
from services.platform import scope

pytestmark = pytest.mark.unit
TZ = ZoneInfo("Asia/Shanghai")

GRIDS = {
    g.grid_id: g
    for g in (
        fpb.Grid(grid_id="G1", name="一", street_id="S1", community_id="C1", street_name="文庙街道", community_name="甲社区"),
        fpb.Grid(grid_id="G2", name="二", street_id="S1", community_id="C2", street_name="文庙街道", community_name="乙社区"),
        fpb.Grid(grid_id="G3", name="三", street_id="S2", community_id="C3", street_name="八仙桥街道", community_name="丙社区"),
    )
}
COUNTY = Principal("admin", "county")
STREET = Principal("street-S1", "street", street_id="S1")
COMMUNITY = Principal("community-C1", "community", street_id="S1", community_id="C1")
SECRETARY = Principal("sec-G1", "secretary", street_id="S1", community_id="C1", grid_id="G1")
WORKER = Principal("worker-G1", "worker", street_id="S1", community_id="C1", grid_id="G1")
DEPARTMENT = Principal("dept-petition", "department", department="petition")
RESIDENT = Principal("resident-G1", "resident", street_id="S1", community_id="C1", grid_id="G1")
MEMBER = Principal("member-G1", "member", street_id="S1", community_id="C1", grid_id="G1")


@pytest.mark.parametrize(
    ("caller", "ask", "allowed"),
    [
        (COUNTY, {"grid_id": "G3"}, True),
        (STREET, {"grid_id": "G2"}, True),
        (STREET, {"grid_id": "G3"}, False),
        (STREET, {"street_id": "S2"}, False),
        (COMMUNITY, {"grid_id": "G1"}, True),
        (COMMUNITY, {"grid_id": "G2"}, False),
        (COMMUNITY, {"community_id": "C2"}, False),
        (SECRETARY, {"grid_id": "G1"}, True),
        (SECRETARY, {"grid_id": "G2"}, False),
        (SECRETARY, {"community_id": "C1"}, False),
        (WORKER, {"grid_id": "G3"}, False),
    ],
)
def test_narrow_refuses_areas_outside_the_callers_scope(caller, ask, allowed) -> None:
    if allowed:
        area = narrow(caller, GRIDS, **ask)
        assert area.grid_id == ask.get("grid_id", "")
    else:
        with pytest.raises(OutOfScope):
            narrow(caller, GRIDS, **ask)


def test_without_a_filter_each_role_gets_its_whole_area() -> None:
    assert narrow(COUNTY, GRIDS) == cpb.Area()
    assert narrow(STREET, GRIDS) == cpb.Area(street_id="S1")
    assert narrow(COMMUNITY, GRIDS) == cpb.Area(street_id="S1", community_id="C1")
    assert narrow(WORKER, GRIDS).grid_id == "G1"
    for outsider in (DEPARTMENT, RESIDENT, MEMBER):
        with pytest.raises(OutOfScope):
            narrow(outsider, GRIDS)


def test_unknown_grid_is_a_lookup_error() -> None:
    with pytest.raises(LookupError):
        narrow(COUNTY, GRIDS, grid_id="nope")


def test_report_scope() -> None:
    assert report_area(COUNTY, GRIDS, "county") == cpb.Area()
    assert report_area(STREET, GRIDS, "community:C2").community_id == "C2"
    with pytest.raises(OutOfScope):
        report_area(STREET, GRIDS, "county")
    with pytest.raises(OutOfScope):
        report_area(SECRETARY, GRIDS, "grid:G2")
    with pytest.raises(BadScope):
        report_area(COUNTY, GRIDS, "planet:earth")


def test_parse_week_is_monday_to_monday_in_county_time() -> None:
    week = parse_week("2026-W48", TZ)
    assert week.monday.isoformat() == "2026-11-23"
    assert week.start == datetime(2026, 11, 22, 16, 0, tzinfo=UTC)
    assert (week.end - week.start).days == 7
    for bad in ("2026-48", "2026-W54", "W48"):
        with pytest.raises(BadScope):
            parse_week(bad, TZ)


def test_case_visibility_on_the_feed() -> None:
    case = fpb.Case(case_id="C", grid_id="G1", community_id="C1", street_id="S1", departments=["petition"],
                    status="reported", level="grid")
    other = fpb.Case(case_id="D", grid_id="G3", community_id="C3", street_id="S2", departments=["civil_affairs"],
                     handed_to="legal_aid", status="handed_over", level="department")
    # petition contributed to the first case only: a department does not see that.
    assert [scope.sees_case(p, case) for p in (COUNTY, STREET, COMMUNITY, SECRETARY, WORKER, DEPARTMENT, RESIDENT, MEMBER)] == [
        True, True, True, True, True, False, False, False]
    assert [scope.sees_case(p, other) for p in (COUNTY, STREET, COMMUNITY, SECRETARY, DEPARTMENT)] == [True, False, False, False, False]
    legal_aid = Principal("dept-legal_aid", "department", department="legal_aid")
    assert scope.sees_case(legal_aid, other)
    back = fpb.Case(case_id="D", grid_id="G3", street_id="S2", handed_to="legal_aid", status="result_reported", level="street")
    assert not scope.sees_case(legal_aid, back)  # finding 10: out of sight once it is no longer handed to it


def test_finding_6_a_place_left_empty_never_matches_on_the_feed() -> None:
    nowhere = fpb.Case(case_id="E", grid_id="", community_id="", street_id="", handed_to="", status="handed_over",
                       level="department")
    for role in ("street", "community", "secretary", "worker", "department"):
        assert not scope.sees_case(Principal(f"{role}-x", role), nowhere), role


def test_a_caller_is_the_platforms_principal_with_its_session() -> None:
    caller = Principal("sec-G1", "secretary", street_id="S1", community_id="C1", grid_id="G1", session_id="s1")
    assert isinstance(caller, scope.Principal) and caller.session_id == "s1"
    assert scope.Principal.of_actor(caller.actor()) == scope.Principal("sec-G1", "secretary", "S1", "C1", "G1")
    assert [g for g, grid in GRIDS.items() if scope.sees_place(caller, grid)] == ["G1"]
    assert [g for g, grid in GRIDS.items() if scope.sees_place(COMMUNITY, grid)] == ["G1"]
    assert [g for g, grid in GRIDS.items() if scope.sees_place(STREET, grid)] == ["G1", "G2"]
    assert all(scope.sees_place(COUNTY, grid) for grid in GRIDS.values())
    assert not any(scope.sees_place(p, GRIDS["G1"]) for p in (DEPARTMENT, RESIDENT, MEMBER))


def test_a_service_order_is_seen_by_its_resident_its_member_and_its_area() -> None:
    order = cpb.ServiceOrder(order_id="SO-1", grid_id="G1", community_id="C1", street_id="S1", resident="resident-G1",
                             member_id="member-G1")
    elsewhere = cpb.ServiceOrder(order_id="SO-2", grid_id="G3", community_id="C3", street_id="S2", resident="resident-G3")
    assert [sees_order(p, order) for p in (COUNTY, STREET, COMMUNITY, SECRETARY, WORKER, DEPARTMENT, RESIDENT, MEMBER)] == [
        True, True, True, True, True, False, True, True]
    assert [sees_order(p, elsewhere) for p in (COUNTY, STREET, COMMUNITY, SECRETARY, DEPARTMENT, RESIDENT, MEMBER)] == [
        True, False, False, False, False, False, False]
    assert [contact_unmasked(p, order) for p in (RESIDENT, SECRETARY, MEMBER, COMMUNITY)] == [
        (True, False), (True, True), (True, True), (False, False)]


def test_masking_keeps_only_what_identifies_nobody() -> None:
    assert mask_name("张三丰") == "张**"
    assert mask_phone("13809215678") == "138****5678"
    assert mask_id_number("370921199001011234") == "370921********1234"
    assert mask_phone("") == ""


def test_audit_entry_names_who_what_why() -> None:
    entry = audit_entry(SECRETARY, what="households of grid G1 page 1", why=None, grid_id="G1", records=50)
    assert (entry.who, entry.role, entry.grid_id, entry.records) == ("sec-G1", "secretary", "G1", 50)
    assert "grid duty" in entry.why
    assert audit_entry(SECRETARY, what="x", why="visiting a household", grid_id="G1", records=1).why == "visiting a household"


def _report() -> cpb.WeeklyReport:
    return cpb.WeeklyReport(
        events=[cpb.EventCount(department="petition", family="dispute", events=3),
                cpb.EventCount(department="civil_affairs", family="livelihood", events=2)],
        cases_opened=4, cases_closed=2, open_cases=2, overdue=1, escalated=1, median_close_hours=5.5,
        orders_completed=3, service_hours=6.5,
        grids=[cpb.GridFigures(grid_id="G1", name="一", cases_closed=2, open_cases=0, orders_completed=3),
               cpb.GridFigures(grid_id="G2", name="二", cases_closed=0, open_cases=2, overdue=1)],
    )


def test_weekly_report_totals_rates_and_ranking() -> None:
    data = assemble(_report(), week="2026-W48", scope="county", start="s", end="e", patrol={"G1": 28.0, "G2": 7.0},
                    patrol_under=3, circle=(800, 20))
    assert data["service_circle"] == {"households": 800, "outside": 20, "coverage": 0.975}
    assert data["events_total"] == 5
    assert data["events_by_department"]["petition"] == 3 and data["events_by_department"]["legal_aid"] == 0
    assert data["events_by_family"]["livelihood"] == 2
    assert data["closure_rate"] == 0.5
    assert data["patrol_hours"] == 35.0
    assert [g["grid_id"] for g in data["grids"]] == ["G1", "G2"]
    assert data["grids"][0]["rank"] == 1 and data["grids"][0]["score"] == 50 + 20 + 15 + 9
    assert grid_score({"cases_closed": 0, "open_cases": 0, "closure_rate": None, "overdue": 0, "patrol_hours": None,
                       "orders_completed": 0}) == 70
    unavailable = assemble(_report(), week="w", scope="county", start="s", end="e", patrol=None, patrol_under=None)
    assert unavailable["patrol_hours"] is None and unavailable["grids"][0]["patrol_hours"] is None


def test_weekly_report_html_is_self_contained_with_charts() -> None:
    data = assemble(_report(), week="2026-W48", scope="county", start="2026-11-23T00:00:00+08:00",
                    end="2026-11-30T00:00:00+08:00", patrol=None, patrol_under=None)
    page = render_html(data, scope_label="宁阳县")
    assert page.count("<svg") == 3
    assert "一周一报" in page and "信访" in page and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
