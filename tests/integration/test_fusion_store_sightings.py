"""Correlation through the stored sightings, against a real secantusd-py.

The correlation rule still decides at its edges (a subject 6 days apart, a place 90 m and
48 hours apart fuse; 110 m or 49 hours do not); a new event's candidates are read through the
sightings' indexes, however many other cases its grid and family hold; sightings embedded in case
documents of the older shape are moved into their collection on start, and sightings of the older
shape get the place key that finds them across families; and a case joined by
10,000 events stays a small document.
"""

from __future__ import annotations

import asyncio
import copy
import math
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import bson
import pytest
from gridfusion.events.v1 import events_pb2

from services.fusion import cases as cases_module
from services.fusion import reference_store
from services.fusion import sightings as sighting_store
from services.fusion.cases import TIMELINE_IN_CASE, CaseStore, Fused
from services.fusion.convert import case_to_proto
from services.fusion.correlation import EARTH_RADIUS_M, Sighting, candidate_keys, metres_between
from services.fusion.workflow import Actor, Request
from services.platform.mongo import connect
from services.reference import build_county
from services.reference.resolver import GridResolver

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
COUNTY = build_county()
GRIDS = COUNTY.grids
GRID = GRIDS[0]
SUMMARY = "邻里因楼道堆放杂物发生纠纷，多次协商未果"
# The middle of the grid: some 180 m from its edges.
CENTRE = (116.7819946, 35.7471771)


def towards(point: tuple[float, float], metres: float, bearing_degrees: float) -> tuple[float, float]:
    """The point ``metres`` from ``point`` along the great circle leaving it at this bearing."""
    lon, lat = map(math.radians, point)
    d, b = metres / EARTH_RADIUS_M, math.radians(bearing_degrees)
    lat2 = math.asin(math.sin(lat) * math.cos(d) + math.cos(lat) * math.sin(d) * math.cos(b))
    lon2 = lon + math.atan2(math.sin(b) * math.sin(d) * math.cos(lat), math.cos(d) - math.sin(lat) * math.sin(lat2))
    return round(math.degrees(lon2), 7), round(math.degrees(lat2), 7)


def site(k: int = 0) -> tuple[float, float]:
    compounds = [c for c in COUNTY.compounds if c.grid_id == GRID.grid_id]
    return compounds[k % len(compounds)].location


def event(event_id: str, *, department: str = "petition", category: str = "dispute.neighbor", summary: str = SUMMARY,
          subject: str = "", point=None, time: datetime = T0) -> events_pb2.DepartmentEvent:
    e = events_pb2.DepartmentEvent(id=event_id, department=department, type="incident.reported", category=category,
                                   summary=summary, subject_id=subject, severity=events_pb2.SEVERITY_MEDIUM)
    e.time.FromDatetime(time)
    e.location.point.lon, e.location.point.lat = point or site()
    return e


@pytest.fixture(scope="module")
def resolver() -> GridResolver:
    return GridResolver.from_docs([{"_id": g.grid_id, "polygon": [list(p) for p in g.polygon]} for g in GRIDS], [], [])


class CountingStore(CaseStore):
    """A store that remembers how many candidate cases each fused group read."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.candidates_read: list[int] = []

    async def _candidates(self, s, fresh):
        found = await super()._candidates(s, fresh)
        self.candidates_read.append(len(found))
        return found


async def new_store(mongodb_uri: str, name: str) -> CountingStore:
    client = connect(mongodb_uri, app_name=f"tests-{uuid.uuid4().hex[:6]}")
    store = CountingStore(client, client[name])
    await store.ensure_indexes()
    store.use_grids({g.grid_id: reference_store.grid_doc(g, COUNTY) for g in GRIDS})
    return store


@pytest.fixture
async def store(mongodb_uri: str) -> AsyncIterator[CountingStore]:
    s = await new_store(mongodb_uri, f"fusion_sightings_{uuid.uuid4().hex[:10]}")
    yield s
    await s.client.drop_database(s.db.name)
    await s.client.close()


def items(resolver: GridResolver, events: list[events_pb2.DepartmentEvent]) -> list[tuple]:
    out = []
    for e in events:
        resolution = resolver.locate(e.location)
        assert resolution is not None and resolution.grid_id == GRID.grid_id
        out.append((e, resolution))
    return out


async def fuse(store: CaseStore, resolver: GridResolver, e: events_pb2.DepartmentEvent) -> Fused:
    return await store.fuse(e, items(resolver, [e])[0][1], NOW)


async def test_sightings_of_the_older_shape_get_their_place_key_on_start(store, resolver) -> None:
    opened = await fuse(store, resolver, event("k1", point=CENTRE, category="environment.noise",
                                               summary="8号楼深夜装修噪音扰民"))
    key = (await store.sightings.find_one({"case_id": opened.case_id}))["place_key"]
    await store.sightings.update_many({}, {"$unset": {"place_key": ""}, "$set": {"near_key": "older|shape"}})
    await store.ensure_indexes()
    await store.ensure_indexes()  # again: nothing left to do
    doc = await store.sightings.find_one({"case_id": opened.case_id})
    assert doc["place_key"] == key and "near_key" not in doc
    again = await fuse(store, resolver, event("k2", department="police_assistant", category="environment.noise",
                                              point=towards(CENTRE, 20.0, 90.0), summary="接警：8号楼有人深夜装修，噪音很大",
                                              time=T0 + timedelta(hours=1)))
    assert again.case_id == opened.case_id


# -- the rule at its edges, through the stored sightings ----------------------------------------

async def test_a_subject_six_days_apart_and_a_place_90_m_and_48_hours_apart_fuse(store, resolver) -> None:
    first = await fuse(store, resolver, event("s1", subject="P-edge", summary="申请临时救助"))
    later = await fuse(store, resolver, event("s2", department="civil_affairs", subject="P-edge", summary="低保复核",
                                              point=site(3), time=T0 + timedelta(days=6)))
    assert first.opened and not later.opened and later.case_id == first.case_id
    here = CENTRE
    near = await fuse(store, resolver, event("n1", subject="", point=here, category="environment.noise"))
    there = towards(here, 90.0, 30.0)
    assert metres_between(here, there) == pytest.approx(90.0, abs=0.05)
    joined = await fuse(store, resolver, event("n2", department="police_assistant", point=there,
                                               category="environment.noise", time=T0 + timedelta(hours=48)))
    assert near.opened and not joined.opened and joined.case_id == near.case_id


@pytest.mark.parametrize("metres,hours", [(110.0, 1), (40.0, 49)], ids=["110-m", "49-hours"])
async def test_a_place_110_m_or_49_hours_apart_does_not_fuse(store, resolver, metres: float, hours: int) -> None:
    here = CENTRE
    first = await fuse(store, resolver, event("f1", point=here, category="environment.noise"))
    other = await fuse(store, resolver, event("f2", department="police_assistant", point=towards(here, metres, 200.0),
                                              category="environment.noise", time=T0 + timedelta(hours=hours)))
    assert first.opened and other.opened and other.case_id != first.case_id


async def test_a_subject_eight_days_apart_opens_a_case_of_its_own(store, resolver) -> None:
    first = await fuse(store, resolver, event("w1", subject="P-week"))
    other = await fuse(store, resolver, event("w2", subject="P-week", summary="低保复核", point=site(4),
                                              time=T0 + timedelta(days=8)))
    assert other.opened and other.case_id != first.case_id


# -- candidates through the indexes, whatever the case load -------------------------------------

def seeded(template: dict, count: int, probe: tuple[float, float]) -> tuple[list[dict], list[dict]]:
    """``count`` cases of the probe's grid and family (and their sightings), none of which the
    probe can be the same incident as: half lie 300 to 600 m away within the 48 hours; the other
    half at the probe's very place, of its subject, but 20 to 60 days before it."""
    cases, stored = [], []
    for i in range(count):
        if i % 2:
            point = towards(probe, 300.0 + (i % 300), (i * 37) % 360)
            subject, at = f"OTHER-{i}", T0 - timedelta(minutes=i)
        else:
            point, subject, at = probe, "P-probe", T0 - timedelta(days=20 + i % 40)
        sighting = Sighting(f"petition:seed-{i}", GRID.grid_id, "dispute", subject, at, point, SUMMARY)
        case = copy.deepcopy(template)
        case.update(_id=f"CSEED-{i:06d}", event_ids=[sighting.event_id], subject_id=subject, opened_at=at,
                    updated_at=at, last_seen=at, timeline=template["timeline"][:1])
        cases.append(case)
        stored.append(sighting_store.document(sighting, case["_id"]))
    return cases, stored


async def test_a_new_events_candidates_are_read_through_an_index_among_2000_other_cases(store, resolver) -> None:
    probe = CENTRE
    template = await store.get_case((await fuse(store, resolver, event("tmpl", time=T0 - timedelta(days=400)))).case_id)
    cases, stored = seeded(template, 2000, probe)
    await store.cases.insert_many(cases)
    await store.sightings.insert_many(stored)
    # Two earlier reports of the probe's incident, each a case of its own (another subject each,
    # opened at different times): the probe joins the one opened first.
    early = await fuse(store, resolver, event("m1", subject="P-m1", point=towards(probe, 50.0, 90.0),
                                              time=T0 - timedelta(hours=30)))
    late = await fuse(store, resolver, event("m2", subject="P-m2", point=towards(probe, 60.0, 270.0),
                                             time=T0 - timedelta(hours=20)))
    assert early.opened and late.opened and early.case_id != late.case_id
    await store.cases.update_one({"_id": late.case_id}, {"$set": {"opened_at": NOW - timedelta(days=1)}})
    probe_event = event("probe", department="legal_aid", subject="P-probe", point=probe)
    new = Sighting("legal_aid:probe", GRID.grid_id, "dispute", "P-probe", T0, probe, SUMMARY)

    for query in sighting_store.queries(*candidate_keys(new)):
        plan = await store.sightings.find(query).explain()
        assert "IXSCAN" in str(plan["queryPlanner"]["winningPlan"]), plan["queryPlanner"]["winningPlan"]
        assert "COLLSCAN" not in str(plan["queryPlanner"]["winningPlan"])
        assert plan["executionStats"]["totalDocsExamined"] <= 10, plan["executionStats"]

    store.candidates_read.clear()
    fused = await fuse(store, resolver, probe_event)
    assert store.candidates_read == [2]  # the two reports of the incident, none of the 2,000
    assert not fused.opened and fused.case_id == late.case_id  # opened first (moved back above)
    case = await store.get_case(late.case_id)
    assert case["event_ids"] == ["petition:m2", "legal_aid:probe"]
    assert await store.sightings.count_documents({"case_id": late.case_id}) == 2


async def test_an_event_matching_a_closed_case_opens_a_new_one_linked_to_it(store, resolver) -> None:
    first = await fuse(store, resolver, event("c1", subject="P-closed"))
    await store.cases.update_one({"_id": first.case_id}, {"$set": {"status": "closed"}})
    again = await fuse(store, resolver, event("c2", subject="P-closed", time=T0 + timedelta(days=2)))
    assert again.opened and again.case_id != first.case_id
    assert (await store.get_case(again.case_id))["linked_case_id"] == first.case_id
    # The third report joins the open one; the closed case's sighting still links nothing more.
    third = await fuse(store, resolver, event("c3", subject="P-closed", time=T0 + timedelta(days=3)))
    assert not third.opened and third.case_id == again.case_id


# -- the older shape: sightings embedded in the case document ------------------------------------

async def test_embedded_sightings_move_to_their_collection_and_still_correlate(store, mongodb_uri, resolver) -> None:
    opened = await fuse(store, resolver, event("o1", subject="P-old", point=site(1)))
    joined = await fuse(store, resolver, event("o2", department="legal_aid", subject="P-old", point=site(1),
                                               time=T0 + timedelta(hours=2)))
    assert joined.case_id == opened.case_id
    # Make it a case document of the older shape: its sightings in the document, none stored.
    old = [sighting_store.sighting_of(d).to_doc() async for d in store.sightings.find({"case_id": opened.case_id})]
    assert len(old) == 2
    await store.sightings.delete_many({"case_id": opened.case_id})
    await store.cases.update_one({"_id": opened.case_id}, {"$set": {"sightings": old}})
    await store.cases.insert_one({**(await store.get_case(opened.case_id)), "_id": "COLD-EMPTY", "sightings": []})

    # Two replicas start at once, and one starts again: each moves what is left, nothing twice.
    other = await new_store(mongodb_uri, store.db.name)
    try:
        await asyncio.gather(store.ensure_indexes(), other.ensure_indexes())
        assert await store.move_embedded_sightings() == 0
    finally:
        await other.client.close()
    assert await store.cases.count_documents({"sightings": {"$exists": True}}) == 0
    moved = {d["_id"]: d async for d in store.sightings.find({"case_id": opened.case_id})}
    assert set(moved) == {"petition:o1", "legal_aid:o2"}
    assert {sighting_store.sighting_of(d).to_doc()["event_id"] for d in moved.values()} == set(moved)
    assert all(d["place_key"] and d["subject_key"] and d["cell"] for d in moved.values())

    # Later events find the case through the moved sightings: by subject, and by place.
    by_subject = await fuse(store, resolver, event("o3", department="civil_affairs", subject="P-old", point=site(4),
                                                   summary="低保复核", time=T0 + timedelta(days=5)))
    by_place = await fuse(store, resolver, event("o4", department="police_assistant", point=towards(site(1), 30.0, 180.0),
                                                 time=T0 + timedelta(hours=30)))
    assert by_subject.case_id == by_place.case_id == opened.case_id
    assert (await store.get_case(opened.case_id))["version"] == 4


# -- a case joined by 10,000 events --------------------------------------------------------------

async def test_a_case_joined_by_10000_events_stays_a_small_document(store, resolver, monkeypatch) -> None:
    """(Each case-change message carries the whole case, its event ids too: for this case the
    messages of the 10,000 versions would total some 1.6 GB, which is not what this test is about,
    so here they carry the case without its event ids.)"""
    def without_event_ids(doc: dict):
        case = case_to_proto(doc)
        del case.event_ids[:]
        return case

    monkeypatch.setattr(cases_module, "case_to_proto", without_event_ids)
    departments = ("comprehensive_governance", "petition", "legal_aid", "police_assistant", "civil_affairs")
    events = [event(f"wage-arrears-{k:05d}", department=departments[k % 5], category="dispute.wage_arrears",
                    subject="H-wage-0001", summary=f"{SUMMARY}，拖欠工资第{k}次反映，" + "情况说明" * 40,
                    point=site(k % 5), time=T0 + timedelta(minutes=60 * k))
              for k in range(10_000)]
    first_case = ""
    for k in range(0, len(events), 250):
        fused = await store.fuse_many(items(resolver, events[k:k + 250]), NOW + timedelta(minutes=k))
        assert not [f for f in fused if isinstance(f, Exception)], [f for f in fused if isinstance(f, Exception)][:1]
        first_case = first_case or fused[0].case_id
        assert {f.case_id for f in fused} == {first_case}
    assert await store.cases.count_documents({}) == 1
    assert max(store.candidates_read) == 1

    stored = await store.cases.find_one({"_id": first_case})
    size = len(bson.encode(stored))
    kept = [r async for r in store.events.find({"case_id": first_case, "timeline_entry": {"$exists": True}})]
    kept_bytes = sum(len(bson.encode({"e": r["timeline_entry"]})) for r in kept)
    print(f"\n10,000-event case: {size:,} bytes as stored ({len(stored['timeline'])} timeline entries in it, "
          f"{len(stored['event_ids']):,} event ids); {len(kept):,} timeline entries kept on the events' records "
          f"({kept_bytes:,} bytes, which the document would carry otherwise)")
    assert size < 2 * 1024 * 1024
    assert stored["version"] == 10_000 and len(stored["event_ids"]) == 10_000 and "sightings" not in stored
    assert len(stored["timeline"]) == TIMELINE_IN_CASE and len(kept) == 10_000 - TIMELINE_IN_CASE
    assert await store.sightings.count_documents({"case_id": first_case}) == 10_000

    # The whole timeline is still there, in order.
    whole = (await store.get_case(first_case))["timeline"]
    assert len(whole) == 10_000
    assert [t["action"] for t in whole[:2]] == ["reported", "correlated"]
    assert [t["event_id"] for t in whole] == [e.id for e in events]


async def test_the_timeline_interleaves_kept_reports_with_the_loops_steps(store, resolver) -> None:
    reports = [event(f"t{k:03d}", subject="P-long", point=site(1), time=T0 + timedelta(minutes=k))
               for k in range(TIMELINE_IN_CASE + 5)]
    fused = await store.fuse_many(items(resolver, reports[:TIMELINE_IN_CASE + 2]), NOW)
    case_id = fused[0].case_id
    worker = Actor("worker-" + GRID.grid_id, "worker", GRID.street_id, GRID.community_id, GRID.grid_id)
    await store.act(case_id, Request(action="accept"), worker, NOW + timedelta(minutes=1))
    await store.fuse_many(items(resolver, reports[TIMELINE_IN_CASE + 2:]), NOW + timedelta(minutes=2))
    stored = await store.cases.find_one({"_id": case_id})
    assert stored["version"] == TIMELINE_IN_CASE + 6
    assert len(stored["timeline"]) == TIMELINE_IN_CASE + 1  # the first 100 reports, and the step
    whole = (await store.get_case(case_id))["timeline"]
    actions = [t["action"] for t in whole]
    assert actions == ["reported"] + ["correlated"] * (TIMELINE_IN_CASE + 1) + ["accept"] + ["correlated"] * 3
    assert [t["event_id"] for t in whole if t["action"] != "accept"] == [e.id for e in reports]
    assert whole == await store.timeline_of(stored, await store.events_of(stored))
