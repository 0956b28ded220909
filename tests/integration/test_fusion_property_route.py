"""红色物业 in fusion against a real secantusd-py: a case records the compound it lies in, and a
property-management case of a compound is routed to the compound's property company and owners'
committee — named in its opening entry as they were, and in the case read as they are now."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from gridfusion.events.v1 import events_pb2
from gridfusion.fusion.v1 import fusion_pb2 as fpb

from services.fusion import reference_store
from services.fusion.cases import CaseStore
from services.fusion.co_governance import Actor, CoGovernanceStore
from services.fusion.reference import ReferenceHolder
from services.fusion.server import FusionServicer
from services.reference import build_county
from services.reference.compounds import COMPOUND_RADIUS_M
from services.reference.distance import haversine_km
from services.reference.resolver import GridResolver

pytestmark = pytest.mark.integration

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
COUNTY = build_county()
# 文华新城小区 of 文庙社区第1网格 (a compound-type grid), and a point inside it.
WENHUA = "C00100100101"
GRID = "370921001001001"
INSIDE = (116.783711, 35.746942)
COUNTY_SCOPE = fpb.Scope(role="county")


def event(event_id: str, category: str = "property_management.service_quality", *, point=INSIDE,
          household: str = "", summary: str = "小区物业长期不清运垃圾") -> events_pb2.DepartmentEvent:
    e = events_pb2.DepartmentEvent(id=event_id, department="comprehensive_governance", type="incident.reported",
                                   category=category, summary=summary, subject_id=f"S-{event_id}",
                                   severity=events_pb2.SEVERITY_MEDIUM)
    e.time.FromDatetime(T0)
    if household:
        e.location.household_id = household
    else:
        e.location.point.lon, e.location.point.lat = point
    return e


@pytest.fixture(scope="module")
def resolver() -> GridResolver:
    return GridResolver.from_county(COUNTY)


@pytest.fixture
async def db(mongo) -> AsyncIterator:
    database = mongo[f"property_route_{uuid.uuid4().hex[:10]}"]
    yield database
    await mongo.drop_database(database.name)


@pytest.fixture
async def register(db) -> CoGovernanceStore:
    co = CoGovernanceStore(db)
    await co.ensure_indexes()
    co.use_reference(COUNTY, synthetic=True)
    return co


@pytest.fixture
async def store(mongo, db, register) -> CaseStore:
    s = CaseStore(mongo, db)
    await s.ensure_indexes()
    s.use_grids({g.grid_id: reference_store.grid_doc(g, COUNTY) for g in COUNTY.grids})
    s.co_governance = register
    return s


def far_point(resolver: GridResolver) -> tuple[tuple[float, float], str]:
    """A point just inside a grid's corner that lies farthest from the grid's compounds, and the grid."""
    def distance(p, grid_id: str) -> float:
        return min((haversine_km(p, c.location) for c in COUNTY.compounds if c.grid_id == grid_id), default=1.0)

    grid, corner = max(((g, p) for g in COUNTY.grids for p in g.polygon), key=lambda gp: distance(gp[1], gp[0].grid_id))
    centre = grid.geometry.centroid
    point = (corner[0] + (centre.x - corner[0]) * 0.02, corner[1] + (centre.y - corner[1]) * 0.02)
    assert resolver.locate_points([point]) == [grid.grid_id]
    return point, grid.grid_id


async def fuse(store: CaseStore, resolver: GridResolver, e: events_pb2.DepartmentEvent, now: datetime = T0):
    resolution = resolver.locate(e.location)
    assert resolution is not None
    return await store.fuse(e, resolution, now)


async def test_a_property_case_records_its_compound_and_its_opening_entry_names_the_route(store, resolver) -> None:
    fused = await fuse(store, resolver, event(f"pm-{uuid.uuid4().hex[:6]}"))
    case = await store.get_case(fused.case_id)
    assert (case["grid_id"], case["compound_id"]) == (GRID, WENHUA)
    routes = await store.co_governance.property_routes([WENHUA])
    company, committee = routes[WENHUA].actors
    assert (company.kind, committee.kind) == ("property_company", "owners_committee")
    assert committee.name == "文华新城小区业主委员会"
    opening = case["timeline"][0]
    assert opening["action"] == "reported" and len(case["timeline"]) == case["version"] == 1
    assert opening["routed_to"] == f"转文华新城小区物业 {company.name}、业委会 {committee.name} (红色物业)"


async def test_other_families_record_the_compound_but_are_not_routed(store, resolver) -> None:
    fused = await fuse(store, resolver, event(f"dp-{uuid.uuid4().hex[:6]}", "dispute.neighbor",
                                              summary="楼上楼下因漏水发生纠纷"))
    case = await store.get_case(fused.case_id)
    assert case["compound_id"] == WENHUA and "routed_to" not in case["timeline"][0]
    servicer = FusionServicer(store, ReferenceHolder(store.db))
    detail = await servicer.GetCase(fpb.GetCaseRequest(case_id=fused.case_id, scope=COUNTY_SCOPE), None)
    assert detail.case.compound_id == WENHUA and not detail.HasField("property_route")


async def test_a_household_event_lies_in_the_households_compound_and_a_far_point_in_none(store, resolver) -> None:
    household = next(h for h in COUNTY.households if h.grid_id == GRID and h.compound_id != WENHUA)
    fused = await fuse(store, resolver, event(f"hh-{uuid.uuid4().hex[:6]}", household=household.household_id))
    assert (await store.get_case(fused.case_id))["compound_id"] == household.compound_id
    # A point of a grid farther than the radius from every compound of that grid (a polygon corner
    # far from them, moved a little inside): no compound, so no route either.
    point, grid_id = far_point(resolver)
    assert min((haversine_km(point, c.location) for c in COUNTY.compounds if c.grid_id == grid_id),
               default=1.0) * 1000 > COMPOUND_RADIUS_M
    fused = await fuse(store, resolver, event(f"far-{uuid.uuid4().hex[:6]}", point=point))
    case = await store.get_case(fused.case_id)
    assert case["compound_id"] == "" and "routed_to" not in case["timeline"][0]


async def test_the_case_read_names_the_route_as_the_register_holds_it_now(store, resolver, register) -> None:
    fused = await fuse(store, resolver, event(f"pm-{uuid.uuid4().hex[:6]}"))
    before = (await store.get_case(fused.case_id))["timeline"][0]["routed_to"]
    await register.save(Actor(f"PC{WENHUA}", "property_company", "宁阳红色物业服务有限公司", GRID,
                              contact_name="周立新", contact_phone="13905380921"), "community-x", T0)
    servicer = FusionServicer(store, ReferenceHolder(store.db))
    detail = await servicer.GetCase(fpb.GetCaseRequest(case_id=fused.case_id, scope=COUNTY_SCOPE), None)
    route = detail.property_route
    assert (route.compound_id, route.compound_name) == (WENHUA, "文华新城小区")
    assert [(a.kind, a.org_id) for a in route.actors] == [("property_company", f"PC{WENHUA}"),
                                                          ("owners_committee", f"OC{WENHUA}")]
    company = route.actors[0]
    assert (company.name, company.contact_name, company.contact_phone, company.source) == (
        "宁阳红色物业服务有限公司", "周立新", "13905380921", "maintained")  # unmasked: the gateway masks
    # The timeline is history: its opening entry keeps whom the case went to then.
    assert detail.timeline[0].routed_to == before and "宁阳红色物业" not in before
    # A case opened next goes to the company as it is now.
    later = await fuse(store, resolver, event(f"pm-{uuid.uuid4().hex[:6]}", summary="电梯停运三天无人维修"),
                       T0 + timedelta(days=10))
    assert "宁阳红色物业服务有限公司" in (await store.get_case(later.case_id))["timeline"][0]["routed_to"]


async def test_a_store_without_a_register_opens_cases_as_before(mongo, db, resolver) -> None:
    plain = CaseStore(mongo, db)
    await plain.ensure_indexes()
    fused = await fuse(plain, resolver, event(f"pm-{uuid.uuid4().hex[:6]}"))
    case = await plain.get_case(fused.case_id)
    assert case["compound_id"] == WENHUA and "routed_to" not in case["timeline"][0]
