"""Fusion's case store, closed loop, deadlines, outbox, results and dead letters against a real
secantusd-py and nats-server. Time is a ManualClock; nothing sleeps for a deadline."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import grpc
import nats.errors
import pytest
from gridfusion.departments.v1 import departments_pb2
from gridfusion.events.v1 import events_pb2
from gridfusion.fusion.v1 import fusion_pb2 as fpb
from gridfusion.fusion.v1 import fusion_pb2_grpc
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from services.fusion import reference_store
from services.fusion.cases import CaseStore
from services.fusion.contacts import ContactStore
from services.fusion.convert import case_to_proto
from services.fusion.deadlines import DEADLINES
from services.fusion.escalation import Escalator
from services.fusion.notices import Message, NoticeSender, render
from services.fusion.outbox import Relay, case_change
from services.fusion.reference import ReferenceHolder
from services.fusion.results import ResultsHandler
from services.fusion.server import FusionServicer
from services.fusion.workflow import Actor, Refused, Request
from services.local import free_port
from services.platform import bus
from services.platform.clock import ManualClock
from services.platform.grpcserver import GrpcServer
from services.platform.mongo import connect
from services.reference import build_county
from services.reference.models import Household
from services.reference.resolver import GridResolver

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
COUNTY = build_county()
GRIDS_ONLY = replace(COUNTY, compounds=(), households=(), landmarks=(), social_organisations=(), resident_units=())
GRID = COUNTY.grids[0]
OTHER_GRID = COUNTY.grids[1]


def inside(grid, k: int = 0) -> tuple[float, float]:
    """A point well inside a grid (its compounds sit inside it)."""
    compounds = [c for c in COUNTY.compounds if c.grid_id == grid.grid_id]
    return compounds[k % len(compounds)].location


def event(event_id: str, *, department: str = "petition", category: str = "dispute.neighbor",
          summary: str = "邻里因楼道堆放杂物发生纠纷", subject: str = "", point=None, time: datetime = T0,
          household: str = "", address: str = "") -> events_pb2.DepartmentEvent:
    e = events_pb2.DepartmentEvent(id=event_id, department=department, type="incident.reported", category=category,
                                   summary=summary, subject_id=subject, severity=events_pb2.SEVERITY_MEDIUM)
    e.time.FromDatetime(time)
    if household:
        e.location.household_id = household
    elif address:
        e.location.address = address
    else:
        lon, lat = point or inside(GRID)
        e.location.point.lon, e.location.point.lat = lon, lat
    return e


@pytest.fixture(scope="module")
def resolver() -> GridResolver:
    grids = [{"_id": g.grid_id, "polygon": [list(p) for p in g.polygon]} for g in COUNTY.grids]
    households = [{"_id": h.household_id, "grid_id": h.grid_id, "address": h.address, "location": list(h.location)}
                  for h in COUNTY.households]
    sites = [{"grid_id": c.grid_id, "address": c.address, "name": c.name, "location": list(c.location)}
             for c in (*COUNTY.compounds, *COUNTY.landmarks)]
    return GridResolver.from_docs(grids, households, sites)


@pytest.fixture
async def db(mongodb_uri: str) -> AsyncIterator:
    client = connect(mongodb_uri, app_name="tests-fusion")
    database = client[f"fusion_loop_{uuid.uuid4().hex[:10]}"]
    # The reference data as fusion holds it: a version of the county's grids (no households yet).
    version = await reference_store.store_version(database, GRIDS_ONLY, source="tests", actor="tests")
    await reference_store.activate(database, version, actor="tests")
    yield database
    await client.drop_database(database.name)
    await client.close()


async def store_for(mongodb_uri: str, name: str) -> CaseStore:
    """A store on its own client, as a second fusion replica would have."""
    client = connect(mongodb_uri, app_name=f"tests-{uuid.uuid4().hex[:6]}")
    store = CaseStore(client, client[name])
    await store.ensure_indexes()
    store.use_grids({g.grid_id: reference_store.grid_doc(g, COUNTY) for g in COUNTY.grids})
    return store


@pytest.fixture
async def store(db, mongodb_uri: str) -> AsyncIterator[CaseStore]:
    s = await store_for(mongodb_uri, db.name)
    yield s
    await s.client.close()


# Eight unrelated incidents (dissimilar summaries), so only the subject correlates.
SUMMARIES = ["邻里因楼道堆放杂物发生纠纷", "拖欠农民工工资三个月", "宅基地界址争议", "物业费收取标准不清",
             "家庭赡养老人矛盾", "房屋漏水殃及楼下住户", "停车位被长期占用", "土地承包合同到期纠纷"]

SEC = Actor("sec-" + GRID.grid_id, "secretary", GRID.street_id, GRID.community_id, GRID.grid_id)
WORKER = Actor("worker-" + GRID.grid_id, "worker", GRID.street_id, GRID.community_id, GRID.grid_id)
COMMUNITY = Actor("community-" + GRID.community_id, "community", GRID.street_id, GRID.community_id)
STREET = Actor("street-" + GRID.street_id, "street", GRID.street_id)
CIVIL = Actor("dept-civil_affairs", "department", department="civil_affairs")


async def fuse(store: CaseStore, resolver: GridResolver, e: events_pb2.DepartmentEvent, now: datetime = T0):
    resolution = resolver.locate(e.location)
    assert resolution is not None
    return await store.fuse(e, resolution, now)


# -- correlation in the store ------------------------------------------------------------------

async def test_events_of_one_incident_from_three_departments_become_one_case(store, resolver) -> None:
    subject = f"P-{uuid.uuid4().hex[:6]}"
    first = await fuse(store, resolver, event("a1", subject=subject))
    second = await fuse(store, resolver, event("a2", department="legal_aid", subject=subject, summary="咨询邻里纠纷如何起诉",
                                               point=inside(GRID, 3), time=T0 + timedelta(days=6)))
    third = await fuse(store, resolver, event("a3", department="police_assistant", summary="邻里因楼道堆放杂物引发纠纷",
                                              point=inside(GRID), time=T0 + timedelta(hours=47)))
    other = await fuse(store, resolver, event("a4", subject=subject, category="livelihood.elderly_care", summary="老人照护"))
    assert first.opened and not second.opened and not third.opened and other.opened
    assert first.case_id == second.case_id == third.case_id != other.case_id
    case = await store.get_case(first.case_id)
    assert case["departments"] == ["petition", "legal_aid", "police_assistant"]
    assert case["event_ids"] == ["petition:a1", "legal_aid:a2", "police_assistant:a3"]
    assert case["version"] == 3
    assert [t["action"] for t in case["timeline"]] == ["reported", "correlated", "correlated"]
    assert [t["department"] for t in case["timeline"]] == ["petition", "legal_aid", "police_assistant"]
    # Each change waits in the outbox with its own message id until published.
    ids = sorted([d["_id"] async for d in store.outbox.find({"ce_subject": first.case_id})])
    assert ids == [f"case:{first.case_id}.v1", f"case:{first.case_id}.v2", f"case:{first.case_id}.v3"]


async def test_near_misses_open_their_own_cases(store, resolver) -> None:
    base = await fuse(store, resolver, event("n0", subject="P-n"))
    misses = [
        event("n1", subject="P-n", point=inside(OTHER_GRID)),                          # other grid
        event("n2", subject="P-n", category="environment.noise"),                       # other family
        event("n3", subject="P-other", summary="小区路灯损坏无人维修"),                    # other subject
        event("n4", subject="P-n", time=T0 + timedelta(days=7, seconds=1)),              # outside the window
        event("n5", summary="邻里因楼道堆放杂物发生纠纷", point=(inside(GRID)[0] + 0.0015, inside(GRID)[1]),
              time=T0 + timedelta(hours=1)),                                            # too far apart (~135 m)
    ]
    fused = [await fuse(store, resolver, e) for e in misses]
    assert all(f.opened for f in fused)
    assert len({base.case_id, *(f.case_id for f in fused)}) == 6


async def test_a_redelivered_event_changes_nothing(store, resolver) -> None:
    e = event("d1", subject="P-d")
    first = await fuse(store, resolver, e)
    again = await fuse(store, resolver, e)
    assert again.duplicate and again.case_id == first.case_id and again.messages == ()
    case = await store.get_case(first.case_id)
    assert case["event_ids"] == ["petition:d1"] and case["version"] == 1


async def test_two_replicas_fusing_one_incident_at_once_make_one_case(db, mongodb_uri, resolver) -> None:
    a, b = await store_for(mongodb_uri, db.name), await store_for(mongodb_uri, db.name)
    try:
        subjects = [f"P-race-{i}" for i in range(8)]
        work = []
        for i, (subject, text) in enumerate(zip(subjects, SUMMARIES)):
            work.append(fuse(a, resolver, event(f"r{i}a", subject=subject, summary=text)))
            work.append(fuse(b, resolver, event(f"r{i}b", department="civil_affairs", subject=subject, summary=text)))
            work.append(fuse(a if i % 2 else b, resolver, event(f"r{i}c", department="legal_aid", subject=subject,
                                                                summary=text)))
        results = await asyncio.gather(*work)
        by_subject: dict[str, set[str]] = {}
        for r in results:
            by_subject.setdefault(r.event_id[:-1], set()).add(r.case_id)
        assert all(len(cases) == 1 for cases in by_subject.values()), by_subject
        cases = [c async for c in a.cases.find({"subject_id": {"$in": subjects}})]
        assert len(cases) == 8
        for c in cases:
            i = c["subject_id"].rsplit("-", 1)[1]
            assert sorted(c["event_ids"]) == [f"civil_affairs:r{i}b", f"legal_aid:r{i}c", f"petition:r{i}a"]
        assert all(c["version"] == 3 and "sightings" not in c for c in cases)
        sightings = {d["_id"]: d["case_id"] async for d in a.sightings.find({"case_id": {"$in": [c["_id"] for c in cases]}})}
        assert sightings == {k: c["_id"] for c in cases for k in c["event_ids"]}  # one per event, its case's
    finally:
        await a.client.close()
        await b.client.close()


# -- the closed loop ---------------------------------------------------------------------------

async def test_the_whole_loop_with_its_timeline(store, resolver) -> None:
    fused = await fuse(store, resolver, event("L1", subject="P-L", category="livelihood.subsistence_allowance",
                                              summary="低保户反映补助未到账"))
    cid = fused.case_id
    now = T0 + timedelta(hours=1)
    steps = [
        (WORKER, Request("accept"), ("accepted", "grid")),
        (SEC, Request("escalate", note="需社区协调"), ("escalated", "community")),
        (COMMUNITY, Request("accept"), ("accepted", "community")),
        (COMMUNITY, Request("escalate"), ("escalated", "street")),
        (STREET, Request("accept"), ("accepted", "street")),
        (STREET, Request("assess", risk_level="high", note="涉及困难群众基本生活"), ("assessed", "street")),
        (STREET, Request("hand_over", department="civil_affairs"), ("handed_over", "department")),
        (CIVIL, Request("report_result", result="已补发两个月低保金"), ("result_reported", "street")),
        (STREET, Request("close", note="结案"), ("closed", "street")),
        (WORKER, Request("feedback", rating=5, note="回访满意"), ("closed", "street")),
    ]
    for i, (who, request, (status, level)) in enumerate(steps):
        acted = await store.act(cid, request, who, now + timedelta(minutes=i))
        assert (acted.case["status"], acted.case["level"]) == (status, level), request.action
        assert acted.case["version"] == 2 + i
    case = await store.get_case(cid)
    assert case["risk_level"] == "high" and case["handed_to"] == "civil_affairs" and case["rating"] == 5
    assert case["result"] == "已补发两个月低保金" and case["closed_at"] == now + timedelta(minutes=8)
    assert "civil_affairs" in case["departments"]
    timeline = case["timeline"]
    assert [t["action"] for t in timeline] == ["reported"] + [s[1].action for s in steps]
    assert [(t["actor"], t["role"]) for t in timeline[1:]] == [(s[0].username, s[0].role) for s in steps]
    assert [t["at"] for t in timeline[1:]] == [now + timedelta(minutes=i) for i in range(len(steps))]
    # The hand-over waits in the outbox for the department, keyed by case and version.
    handover = await store.outbox.find_one({"kind": "handover", "ce_subject": cid})
    assert handover["subject"] == f"gridfusion.handover.civil_affairs.{GRID.grid_id}"
    assert handover["msg_id"] == f"{cid}.v8"
    message = departments_pb2.HandOver.FromString(handover["data"])
    assert (message.case_id, message.risk_level, list(message.event_ids)) == (cid, "high", ["petition:L1"])
    # Due in half the department's time: high risk.
    expected_due = now + timedelta(minutes=6) + DEADLINES["department"]["livelihood"] / 2
    assert message.due_at.ToDatetime(tzinfo=UTC) == expected_due
    changes = sorted([d["subject"].rsplit(".", 1)[1] async for d in store.outbox.find({"kind": "case", "ce_subject": cid})])
    assert changes == sorted(["opened", "accepted", "escalated", "accepted", "escalated", "accepted", "assessed",
                              "handed_over", "result_reported", "closed", "rated"])

    # Reopen: back to the grid with a fresh deadline, and round again.
    acted = await store.act(cid, Request("reopen", note="居民反映又停发"), SEC, now + timedelta(days=1))
    assert (acted.case["status"], acted.case["level"], acted.case["rating"]) == ("reopened", "grid", 0)
    assert acted.case["due_at"] == now + timedelta(days=1) + DEADLINES["grid"]["livelihood"]


async def test_refusals_say_why_and_change_nothing(store, resolver) -> None:
    cid = (await fuse(store, resolver, event("R1", subject="P-R"))).case_id
    with pytest.raises(Refused) as refused:
        await store.act(cid, Request("close"), SEC, T0)
    assert refused.value.kind == "state"
    with pytest.raises(Refused) as refused:
        await store.act(cid, Request("assess", risk_level="low"), SEC, T0)
    assert refused.value.kind == "state"
    with pytest.raises(Refused) as refused:
        await store.act(cid, Request("accept"), COMMUNITY, T0)
    assert refused.value.kind == "role" and "secretary, worker" in refused.value.reason
    stranger = Actor("sec-" + OTHER_GRID.grid_id, "secretary", grid_id=OTHER_GRID.grid_id)
    with pytest.raises(Refused) as refused:
        await store.act(cid, Request("accept"), stranger, T0)
    assert refused.value.kind == "not_found"
    with pytest.raises(Refused) as refused:
        await store.act("C-none", Request("accept"), SEC, T0)
    assert refused.value.kind == "not_found"
    case = await store.get_case(cid)
    assert case["version"] == 1 and len(case["timeline"]) == 1


async def test_an_event_matching_a_closed_case_opens_a_new_linked_case(store, resolver) -> None:
    first = await fuse(store, resolver, event("K1", subject="P-K"))
    await store.act(first.case_id, Request("resolve_on_site", note="当场调解"), WORKER, T0 + timedelta(hours=1))
    # Resolved but not closed: still the same case.
    joined = await fuse(store, resolver, event("K2", subject="P-K", time=T0 + timedelta(hours=2)))
    assert joined.case_id == first.case_id
    await store.act(first.case_id, Request("close"), SEC, T0 + timedelta(hours=3))
    again = await fuse(store, resolver, event("K3", subject="P-K", time=T0 + timedelta(days=2)))
    assert again.opened and again.case_id != first.case_id
    new = await store.get_case(again.case_id)
    assert new["linked_case_id"] == first.case_id and new["status"] == "reported"
    assert f"linked to closed case {first.case_id}" in new["timeline"][0]["note"]


# -- deadlines ---------------------------------------------------------------------------------

async def test_automatic_escalation_through_every_level_exactly_once_with_two_replicas(db, mongodb_uri, resolver) -> None:
    clock = ManualClock(T0)
    a, b = await store_for(mongodb_uri, db.name), await store_for(mongodb_uri, db.name)
    try:
        ids = [(await fuse(a, resolver, event(f"E{i}", subject=f"P-E{i}", category="safety_hazard.fire",
                                             summary=SUMMARIES[i]), T0)).case_id for i in range(6)]
        assert len(set(ids)) == 6
        relay_a, relay_b = Relay(a.outbox, None, clock), Relay(b.outbox, None, clock)
        one, two = Escalator(a, relay_a, clock), Escalator(b, relay_b, clock)
        relay_a.publish = relay_b.publish = _no_publish  # publishing is tested below; here, the exactly-once claim

        assert (await one.tick(), await two.tick()) == ([], [])
        clock.advance(DEADLINES["grid"]["safety_hazard"] - timedelta(seconds=1))
        assert await asyncio.gather(one.tick(), two.tick()) == [[], []]
        steps = [
            (timedelta(seconds=1), ("community", "escalated", False)),
            (DEADLINES["community"]["safety_hazard"], ("street", "escalated", False)),
            (DEADLINES["street"]["safety_hazard"], ("street", "escalated", True)),
        ]
        for delta, expected in steps:
            clock.advance(delta)
            got = await asyncio.gather(one.tick(), two.tick(), one.tick())
            assert sum(len(g) for g in got) == 6, expected  # each case once, whichever replica won
            for cid in ids:
                case = await a.get_case(cid)
                assert (case["level"], case["status"], case["overdue"]) == expected
        # A restart (a new store on the same database) finds nothing more to do, ever.
        c = await store_for(mongodb_uri, db.name)
        clock.advance(timedelta(days=365))
        assert await Escalator(c, Relay(c.outbox, None, clock), clock).tick() == []
        await c.client.close()
        case = await a.get_case(ids[0])
        autos = [t for t in case["timeline"] if t.get("automatic")]
        assert [(t["action"], t["from_level"], t["level"]) for t in autos] == [
            ("escalate", "grid", "community"), ("escalate", "community", "street"), ("overdue", "street", "street")]
        assert all(t["actor"] == "fusion:deadline" and t["role"] == "system" for t in autos)
        assert "escalated automatically" in autos[0]["note"] and "督办" in autos[2]["note"]
        assert case["version"] == 4
        # Each passed deadline left one notice for the grid's 包管 cadres, whichever replica won; the
        # sender tells the cadres the synthetic county names, once.
        kept = await a.notices.find({"case_id": ids[0]}).sort("version", 1).to_list()
        assert [(n["change"], n["level"], n["status"]) for n in kept] == [
            ("escalated", "grid", "pending"), ("escalated", "community", "pending"), ("overdue", "street", "pending")]
        assert await a.notices.count_documents({}) == 18
        contacts = ContactStore(a.db)
        contacts.use_reference(COUNTY, synthetic=True)
        told = Told()
        sender = NoticeSender(a.notices, contacts, told)
        sender.grid_names = {g.grid_id: g.name for g in COUNTY.grids}
        assert await sender.tick(clock.now()) == 18 and await sender.tick(clock.now()) == 0
        cadres = [c.phone for c in (await contacts.get(GRID.grid_id)).cadres]
        assert len(told.sent) == 18 * len(cadres) and {phone for phone, _ in told.sent} == set(cadres)
        assert all("超过办理时限" in text and GRID.name in text for _, text in told.sent)
        sent = await a.notices.find_one({"_id": kept[0]["_id"]})
        assert sent["status"] == "sent" and [r["phone"] for r in sent["recipients"]] == cadres
    finally:
        await a.client.close()
        await b.client.close()


async def _no_publish(ids: list[str]) -> int:
    return 0


class Told:
    """A messenger that keeps what it was asked to send (the log messenger writes it out)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, phone: str, message: Message) -> str:
        self.sent.append((phone, render(message)))
        return f"m{len(self.sent)}"


async def test_acting_in_time_stops_the_clock(store, resolver) -> None:
    clock = ManualClock(T0)
    cid = (await fuse(store, resolver, event("S1", subject="P-S")))
    await store.act(cid.case_id, Request("resolve_on_site", note="已劝离"), WORKER, T0 + timedelta(hours=1))
    clock.advance(timedelta(days=30))
    escalator = Escalator(store, Relay(store.outbox, None, clock), clock)
    assert await escalator.tick() == []


# -- the bus: case changes, hand-overs, results ---------------------------------------------------

async def _drain(js, subject: str, stream: str, timeout: float = 2.0) -> list:
    sub = await js.pull_subscribe(subject, stream=stream, config=ConsumerConfig(
        deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE))
    out = []
    while True:
        try:
            out += await sub.fetch(100, timeout=timeout)
        except (TimeoutError, nats.errors.TimeoutError):
            break  # drained
    await sub.unsubscribe()
    return out


async def test_outbox_publishes_case_changes_and_hand_overs_once(store, resolver, js) -> None:
    clock = ManualClock(T0)
    relay = Relay(store.outbox, js, clock)
    cid = (await fuse(store, resolver, event(f"P-{uuid.uuid4().hex[:6]}", subject="P-pub"))).case_id
    await store.act(cid, Request("escalate"), WORKER, T0)
    await store.act(cid, Request("escalate"), COMMUNITY, T0)
    await store.act(cid, Request("assess", risk_level="medium"), STREET, T0)
    acted = await store.act(cid, Request("hand_over", department="legal_aid", note="需法律援助"), STREET, T0)
    assert await relay.publish(acted.messages) == 2
    assert await relay.publish_stale(timedelta(0)) == 4  # the leftovers of the earlier changes
    assert await relay.publish_stale(timedelta(0)) == 0
    # Publishing again (a second replica's relay) is dropped by the message id.
    doc = await store.cases.find_one({"_id": cid})
    await store.outbox.insert_one(case_change(case_to_proto(doc), "handed_over", T0))
    await relay.publish_stale(timedelta(0))

    changes = [m for m in await _drain(js, f"gridfusion.cases.{GRID.grid_id}.>", "CASES") if m.headers["ce-subject"] == cid]
    # The relay sent the leftovers after the newest change: readers order by the case version.
    changes.sort(key=lambda m: fpb.Case.FromString(m.data).version)
    assert [m.subject.rsplit(".", 1)[1] for m in changes] == ["opened", "escalated", "escalated", "assessed", "handed_over"]
    assert [m.headers["Nats-Msg-Id"] for m in changes] == [f"{cid}.v{v}" for v in range(1, 6)]
    last = fpb.Case.FromString(changes[-1].data)
    assert (last.status, last.level, last.handed_to, last.version) == ("handed_over", "department", "legal_aid", 5)
    handovers = [m for m in await _drain(js, f"gridfusion.handover.legal_aid.{GRID.grid_id}", "HANDOVERS")
                 if m.headers["ce-subject"] == cid]
    assert len(handovers) == 1
    assert departments_pb2.HandOver.FromString(handovers[0].data).note == "需法律援助"


async def test_department_results_come_back_to_the_case_once(store, resolver, js) -> None:
    clock = ManualClock(T0 + timedelta(hours=2))
    relay = Relay(store.outbox, js, clock)
    handler = ResultsHandler(store, relay, clock)
    cid = (await fuse(store, resolver, event(f"Q-{uuid.uuid4().hex[:6]}", subject="P-res"))).case_id
    for who, request in ((WORKER, Request("escalate")), (COMMUNITY, Request("escalate")),
                         (STREET, Request("assess", risk_level="low")),
                         (STREET, Request("hand_over", department="civil_affairs"))):
        await store.act(cid, request, who, T0)
    durable = f"results-{uuid.uuid4().hex[:8]}"
    consumer = bus.PullConsumer(js=js, stream="HANDOVERS", durable=durable, filter_subject="gridfusion.results.>",
                                handler=handler.handle, source="tests", on_dead_letter=handler.on_dead_letter,
                                fetch_timeout=0.5)
    # Only what this test publishes: start from the end of the stream.
    await js.add_consumer("HANDOVERS", ConsumerConfig(
        durable_name=durable, ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.NEW,
        filter_subject="gridfusion.results.>", max_deliver=6, ack_wait=30))
    result = departments_pb2.HandlingResult(case_id=cid, department="civil_affairs", result="已纳入临时救助",
                                            actor="民政局张科长", result_id=f"res-{cid}")
    wrong = departments_pb2.HandlingResult(case_id=cid, department="petition", result="不归我们管", result_id=f"bad-{cid}")
    await bus.publish(js, "gridfusion.results.civil_affairs", result, event_id=f"res-{cid}", ce_type="t", source="tests")
    # The same result again under another message id: applied once all the same.
    await bus.publish(js, "gridfusion.results.civil_affairs", result, event_id=f"res-{cid}-again", ce_type="t", source="tests")
    await bus.publish(js, "gridfusion.results.petition", wrong, event_id=f"bad-{cid}", ce_type="t", source="tests")
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        for _ in range(100):
            case = await store.get_case(cid)
            refused = await store.dead_letters.find_one({"_id": f"result:petition:bad-{cid}"})
            if case["status"] == "result_reported" and refused is not None:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # let the duplicate be handled too
    finally:
        stop.set()
        await task
    case = await store.get_case(cid)
    assert (case["status"], case["level"], case["result"]) == ("result_reported", "street", "已纳入临时救助")
    reports = [t for t in case["timeline"] if t["action"] == "report_result"]
    assert len(reports) == 1 and reports[0]["actor"] == "民政局张科长" and reports[0]["role"] == "department"
    # Refused (by state, the right result having come first; else by department), kept with the reason.
    assert refused["stage"] == "result" and refused["reason"].startswith("refused: ") and refused["kind"] == "result"


# -- the gRPC API: actions and dead letters --------------------------------------------------------

@pytest.fixture
async def api(store, db):
    # Its own view of the reference data: re-processing reloads it when a new version is current.
    holder = ReferenceHolder(db)
    await holder.refresh()
    servicer = FusionServicer(store, holder, None, ManualClock(T0 + timedelta(hours=1)))
    port = free_port()
    server = GrpcServer(port, [fpb.DESCRIPTOR.services_by_name["FusionService"].full_name], host="127.0.0.1")
    server.add(lambda s: fusion_pb2_grpc.add_FusionServiceServicer_to_server(servicer, s))
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    yield fusion_pb2_grpc.FusionServiceStub(channel)
    await channel.close()
    await server.stop(0)


def rpc_actor(a: Actor) -> fpb.Actor:
    return fpb.Actor(username=a.username, role=a.role, scope=fpb.Scope(
        street_id=a.street_id, community_id=a.community_id, grid_id=a.grid_id, department=a.department, role=a.role))


async def test_act_on_case_answers_with_the_case_or_the_reason(api, store, resolver) -> None:
    cid = (await fuse(store, resolver, event("G1", subject="P-G"))).case_id
    case = await api.ActOnCase(fpb.ActOnCaseRequest(case_id=cid, action="accept", actor=rpc_actor(WORKER)))
    assert (case.status, case.level, case.version) == ("accepted", "grid", 2)
    cases = {
        ("close", WORKER): grpc.StatusCode.FAILED_PRECONDITION,       # accepted cannot be closed
        ("escalate", COMMUNITY): grpc.StatusCode.PERMISSION_DENIED,   # the grid holds it
        ("fly", WORKER): grpc.StatusCode.INVALID_ARGUMENT,
        ("accept", Actor("sec-x", "secretary", grid_id=OTHER_GRID.grid_id)): grpc.StatusCode.NOT_FOUND,
    }
    for (action, who), code in cases.items():
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await api.ActOnCase(fpb.ActOnCaseRequest(case_id=cid, action=action, actor=rpc_actor(who)))
        assert err.value.code() == code, action
        assert err.value.details()
    # `status=open`: every case still in the loop, not the resolved or closed ones.
    other = (await fuse(store, resolver, event("G2", subject="P-G2", summary=SUMMARIES[3]))).case_id
    await api.ActOnCase(fpb.ActOnCaseRequest(case_id=other, action="resolve_on_site", note="已协调", actor=rpc_actor(WORKER)))
    scope = rpc_actor(WORKER).scope
    listed = await api.ListCases(fpb.ListCasesRequest(scope=scope, status="open"))
    assert [c.case_id for c in listed.items] == [cid] and listed.total == 1
    listed = await api.ListCases(fpb.ListCasesRequest(scope=scope, status="resolved"))
    assert [c.case_id for c in listed.items] == [other]
    assert (await api.ListCases(fpb.ListCasesRequest(scope=scope))).total == 2


async def test_unlocatable_event_is_listed_and_reprocessed_after_the_grid_data_is_fixed(api, store, db) -> None:
    household = "H9990010010001"
    e = event("U1", household=household, subject="P-U")
    await store.record_unfused(e, e.id, stage="locate", reason="unlocatable: household 'H9990010010001' is not in the register",
                               origin_subject="gridfusion.events.petition.dispute", now=T0)
    listed = await api.ListDeadLetters(fpb.ListDeadLettersRequest(pending_only=True))
    assert [(d.event_id, d.stage, d.reprocessable, d.department) for d in listed.items] == [("U1", "locate", True, "petition")]
    assert (await store.get_event("petition", "U1"))["status"] == "dead_lettered"
    # Still unlocatable: refused with the reason, nothing changes.
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.ReprocessDeadLetter(fpb.ReprocessDeadLetterRequest(event_id="U1", actor="admin"))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION and "not in the register" in err.value.details()
    # The fix: a version whose register has the household becomes current. Now it fuses.
    fixed = replace(GRIDS_ONLY, households=(Household(household, COUNTY.compounds[0].compound_id, GRID.grid_id,
                                                      "宁阳县文庙街道磁窑路5号文华新城小区99号楼1单元101室", 3,
                                                      inside(GRID), None),))
    version = await reference_store.store_version(db, fixed, source="tests: corrected", actor="tests")
    await reference_store.activate(db, version, actor="tests")
    fused = await api.ReprocessDeadLetter(fpb.ReprocessDeadLetterRequest(event_id="U1", actor="admin"))
    assert (fused.status, fused.grid_id) == ("fused", GRID.grid_id) and fused.case_id
    again = await api.ReprocessDeadLetter(fpb.ReprocessDeadLetterRequest(event_id="U1", actor="admin"))
    assert again.case_id == fused.case_id
    assert (await api.ListDeadLetters(fpb.ListDeadLettersRequest(pending_only=True))).total == 0
    [record] = (await api.ListDeadLetters(fpb.ListDeadLettersRequest())).items
    assert record.reprocessed and record.case_id == fused.case_id
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.ReprocessDeadLetter(fpb.ReprocessDeadLetterRequest(event_id="nope"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


async def test_a_malformed_dead_letter_cannot_be_reprocessed(api, store) -> None:
    await store.record_unfused(None, "M1", stage="decode", reason="malformed: body is not a DepartmentEvent",
                               origin_subject="gridfusion.events.petition.dispute", now=T0)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.ReprocessDeadLetter(fpb.ReprocessDeadLetterRequest(event_id="M1"))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION and "malformed" in err.value.details()
