"""Fusion fuses a fetched batch in one transaction (else one per (grid, family)): against the
real servers.

A batch over many grids and families is one transaction of a few commands; events of one incident
inside one batch become one case; a group whose case changes underneath is retried alone while
the other groups' commits stand; a batch delivered twice changes nothing the second time. ``GRIDFUSION_MEASURE_FUSION=1`` adds a timing of the handler on 2,000 events.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import statistics
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from gridfusion.events.v1 import events_pb2
from nats.aio.msg import Msg
from pymongo import AsyncMongoClient, monitoring

from services.fusion import reference_store
from services.fusion import sightings as sighting_store
from services.fusion.cases import TURN_SECONDS, CaseStore, Conflict, Fused, sighting_of
from services.fusion.consumer import FusionHandler
from services.fusion.correlation import candidate_keys
from services.fusion.outbox import Relay
from services.platform import bus
from services.platform.bus import Verdict
from services.platform.clock import ManualClock
from services.platform.mongo import connect
from services.reference import build_county
from services.reference.resolver import GridResolver

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
COUNTY = build_county()
GRIDS_ONLY = replace(COUNTY, compounds=(), households=(), landmarks=(), social_organisations=(), resident_units=())
GRIDS = COUNTY.grids
SUMMARIES = ["邻里因楼道堆放杂物发生纠纷", "拖欠农民工工资三个月", "宅基地界址争议", "物业费收取标准不清",
             "家庭赡养老人矛盾", "房屋漏水殃及楼下住户", "停车位被长期占用", "土地承包合同到期纠纷"]


def site(grid, k: int = 0) -> tuple[float, float]:
    compounds = [c for c in COUNTY.compounds if c.grid_id == grid.grid_id]
    return compounds[k % len(compounds)].location


def event(event_id: str, *, grid=GRIDS[0], department: str = "petition", category: str = "dispute.neighbor",
          summary: str = SUMMARIES[0], subject: str = "", point=None, time: datetime = T0,
          severity: int = events_pb2.SEVERITY_MEDIUM) -> events_pb2.DepartmentEvent:
    e = events_pb2.DepartmentEvent(id=event_id, department=department, type="incident.reported", category=category,
                                   summary=summary, subject_id=subject, severity=severity)
    e.time.FromDatetime(time)
    e.location.point.lon, e.location.point.lat = point or site(grid)
    return e


def message(e: events_pb2.DepartmentEvent) -> Msg:
    """The message fusion fetches for a department's event (on its department's subject)."""
    return Msg(_client=None, subject=bus.event_subject(e.department, e.category), data=e.SerializeToString())


@pytest.fixture(scope="module")
def resolver() -> GridResolver:
    return GridResolver.from_docs([{"_id": g.grid_id, "polygon": [list(p) for p in g.polygon]} for g in GRIDS], [], [])


async def new_store(mongodb_uri: str, name: str, store_type: type[CaseStore] = CaseStore) -> CaseStore:
    """A store on its own client, as a fusion replica has."""
    client = connect(mongodb_uri, app_name=f"tests-{uuid.uuid4().hex[:6]}")
    store = store_type(client, client[name])
    await store.ensure_indexes()
    store.use_grids({g.grid_id: reference_store.grid_doc(g, COUNTY) for g in GRIDS})
    return store


@pytest.fixture
async def db_name(mongodb_uri: str) -> AsyncIterator[str]:
    client = connect(mongodb_uri, app_name="tests-fusion-batches")
    name = f"fusion_batch_{uuid.uuid4().hex[:10]}"
    version = await reference_store.store_version(client[name], GRIDS_ONLY, source="tests", actor="tests")
    await reference_store.activate(client[name], version, actor="tests")
    yield name
    await client.drop_database(name)
    await client.close()


@pytest.fixture
async def store(mongodb_uri: str, db_name: str) -> AsyncIterator[CaseStore]:
    s = await new_store(mongodb_uri, db_name)
    yield s
    await s.client.close()


def items(resolver: GridResolver, events: list[events_pb2.DepartmentEvent]) -> list[tuple]:
    out = []
    for e in events:
        resolution = resolver.locate(e.location)
        assert resolution is not None
        out.append((e, resolution))
    return out


async def snapshot(store: CaseStore) -> tuple[list[dict], list[dict], int]:
    """Every case and event record, and how many case changes were put in the outbox."""
    cases = [c async for c in store.cases.find({}).sort("_id", 1)]
    records = [{k: v for k, v in r.items() if k != "fused_at"} async for r in store.events.find({}).sort("_id", 1)]
    return cases, records, await store.outbox.count_documents({})


# -- timing ----------------------------------------------------------------------------------

def synthetic(n: int, seed: int) -> list[events_pb2.DepartmentEvent]:
    """``n`` events over every grid: a third of them reports of a subject seen before."""
    rng = random.Random(seed)
    departments = ("petition", "comprehensive_governance", "legal_aid", "police_assistant", "civil_affairs")
    families = ("dispute.neighbor", "safety_hazard.fire", "public_order.theft", "livelihood.elderly_care",
                "environment.noise")
    out = []
    for i in range(n):
        grid = GRIDS[i % len(GRIDS)]
        subject = f"P-{seed}-{rng.randrange(n // 3)}" if rng.random() < 0.5 else ""
        summary = rng.choice(SUMMARIES) + "".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(6))
        out.append(event(f"bench-{seed}-{i}", grid=grid, department=rng.choice(departments),
                         category=rng.choice(families), summary=summary, subject=subject,
                         point=site(grid, rng.randrange(5)), time=T0 + timedelta(minutes=rng.randrange(3000))))
    return out


@pytest.mark.skipif(os.environ.get("GRIDFUSION_MEASURE_FUSION") != "1", reason="timing: GRIDFUSION_MEASURE_FUSION=1")
async def test_measure_the_handler_on_2000_events_over_the_53_grids(mongodb_uri, js, resolver) -> None:
    figures = []
    for run in range(3):
        client = connect(mongodb_uri, app_name="tests-fusion-timing")
        name = f"fusion_timing_{uuid.uuid4().hex[:10]}"
        store = CaseStore(client, client[name])
        await store.ensure_indexes()
        store.use_grids({g.grid_id: reference_store.grid_doc(g, COUNTY) for g in GRIDS})
        clock = ManualClock(NOW)
        handler = FusionHandler(store, resolver, Relay(store.outbox, js, clock), clock)
        msgs = [message(e) for e in synthetic(2000, run)]
        started = time.perf_counter()
        for k in range(0, len(msgs), 200):
            outcomes = await handler.handle(msgs[k:k + 200])
            assert all(o.verdict is Verdict.DONE for o in outcomes), [o.reason for o in outcomes if o.reason][:3]
        elapsed = time.perf_counter() - started
        assert await store.events.count_documents({"status": "fused"}) == 2000
        figures.append(elapsed)
        print(f"\nrun {run}: 2000 events in {elapsed:.2f} s ({2000 / elapsed:.0f} events/s), "
              f"{await store.cases.count_documents({})} cases")
        await client.drop_database(name)
        await client.close()
    best = statistics.median(figures)
    print(f"\nmedian of 3: {best:.2f} s for 2000 events ({2000 / best:.0f} events/s)")


# -- one batch, groups, conflicts, redelivery -----------------------------------------------

class Commands(monitoring.CommandListener):
    """Counts the commands a client sends, the transactions it starts and those it commits."""

    def __init__(self) -> None:
        self.sent = 0
        self.started_transactions = 0
        self.commits = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.sent += 1
        if event.command.get("startTransaction"):
            self.started_transactions += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        if event.command_name == "commitTransaction":
            self.commits += 1

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def clear(self) -> None:
        self.sent = self.started_transactions = self.commits = 0


async def listened_store(mongodb_uri: str, name: str, store_type: type[CaseStore] = CaseStore) -> tuple[CaseStore, Commands]:
    """A store on a client of its own whose commands are counted."""
    commands = Commands()
    client = AsyncMongoClient(mongodb_uri, tz_aware=True, event_listeners=[commands])
    store = store_type(client, client[name])
    await store.ensure_indexes()
    store.use_grids({g.grid_id: reference_store.grid_doc(g, COUNTY) for g in GRIDS})
    return store, commands


def keys_of(resolver: GridResolver, events: list[events_pb2.DepartmentEvent]) -> tuple[list[str], list[str]]:
    """The place and subject keys the candidates of these events are looked up by."""
    near, subject = [], []
    for e, resolution in items(resolver, events):
        n, sub = candidate_keys(sighting_of(e, resolution))
        near, subject = near + n, subject + sub
    return near, subject


def group_of(e: events_pb2.DepartmentEvent, resolver: GridResolver) -> tuple[str, str]:
    return resolver.locate(e.location).grid_id, e.category.split(".", 1)[0]


async def test_a_batch_over_many_grids_and_families_is_one_transaction(mongodb_uri, db_name, resolver) -> None:
    store, commands = await listened_store(mongodb_uri, db_name)
    try:
        batch = synthetic(200, 7)
        groups = {group_of(e, resolver) for e in batch}
        assert len(groups) > 100
        commands.clear()
        fused = await store.fuse_many(items(resolver, batch), NOW)
        assert all(isinstance(f, Fused) and not f.duplicate for f in fused)
        assert (commands.started_transactions, commands.commits) == (1, 1)
        # Each kind of work once for the batch, not ten commands per group: whose turn it is, the
        # event records read (four pieces of ids), the guards, the sightings' look-ups, the new
        # cases, the event records, the sightings and the outbox written, the commit, the
        # journaled write after it.
        assert commands.sent <= 1 + 4 + 1 + len(sighting_store.queries(*keys_of(resolver, batch))) + 4 + 1 + 1, \
            commands.sent
        assert commands.sent < len(groups) / 2
        assert await store.events.count_documents({"status": "fused"}) == 200
        assert await store.sightings.count_documents({}) == 200
        assert await store.outbox.count_documents({}) == 200
        guards = {d["_id"]: d["n"] async for d in store.guards.find({})}
        assert guards == {f"{grid_id}|{family}": 1 for grid_id, family in groups}
        # The next batch correlates with the first one's cases, in one transaction again.
        later = [event(f"later-{k}", grid=GRIDS[k], department="legal_aid", category=e.category,
                       summary=e.summary, subject=e.subject_id, point=(e.location.point.lon, e.location.point.lat),
                       time=e.time.ToDatetime(tzinfo=UTC) + timedelta(hours=1))
                 for k, e in enumerate(batch[:40])]
        # The look-up of the candidates of a batch over many grids and families is index reads.
        for query in sighting_store.queries(*keys_of(resolver, later)):
            plan = await store.sightings.find(query).explain()
            assert "IXSCAN" in str(plan["queryPlanner"]["winningPlan"]), plan["queryPlanner"]["winningPlan"]
            assert "COLLSCAN" not in str(plan["queryPlanner"]["winningPlan"])
        commands.clear()
        joined = await store.fuse_many(items(resolver, later), NOW)
        assert (commands.started_transactions, commands.commits) == (1, 1)
        assert [f.case_id for f in joined] == [f.case_id for f in fused[:40]]
        assert not any(f.opened for f in joined)
    finally:
        await store.client.close()


async def test_a_conflict_in_one_group_of_a_large_batch_redelivers_only_that_group(mongodb_uri, db_name, store,
                                                                                    resolver, js) -> None:
    incident = "电梯停运多日无人维修"  # like none of the synthetic summaries
    (seed,) = await store.fuse_many(items(resolver, [event("x0", grid=GRIDS[1], subject="P-x", summary=incident)]), NOW)
    racing, commands = await listened_store(mongodb_uri, db_name, ChangedUnderneath)
    racing.grid_id = GRIDS[1].grid_id
    batch = synthetic(200, 8)
    batch[50:50] = [event("x1", grid=GRIDS[1], department="legal_aid", subject="P-x", summary=incident,
                           time=T0 + timedelta(hours=1))]
    failing = group_of(batch[50], resolver)
    groups = {group_of(e, resolver) for e in batch}
    try:
        clock = ManualClock(NOW)
        handler = FusionHandler(racing, resolver, Relay(racing.outbox, js, clock), clock)
        commands.clear()
        outcomes = await handler.handle([message(e) for e in batch])
        # The batch's transaction fails; then each group is a transaction, and all but one commit.
        assert commands.started_transactions == 1 + len(groups)
        assert commands.commits == len(groups) - 1
    finally:
        await racing.client.close()
    retried = [e.id for e, o in zip(batch, outcomes, strict=True) if o.verdict is Verdict.RETRY]
    assert retried == [e.id for e in batch if group_of(e, resolver) == failing]
    assert "x1" in retried
    assert all(o.verdict is Verdict.DONE for e, o in zip(batch, outcomes, strict=True) if e.id not in retried)
    assert await store.events.count_documents({"status": "fused"}) == 1 + len(batch) - len(retried)
    case = await store.cases.find_one({"_id": seed.case_id})
    assert (case["event_ids"], case["version"]) == (["petition:x0"], 1)
    # The redelivery fuses the failed group's events, once; the rest are duplicates.
    redelivered = await store.fuse_many(items(resolver, batch), NOW)
    assert [f.event_id for f in redelivered if not f.duplicate] == retried
    assert (await store.cases.find_one({"_id": seed.case_id}))["event_ids"] == ["petition:x0", "legal_aid:x1"]
    assert await store.events.count_documents({"status": "fused"}) == 1 + len(batch)
    msg_ids = [d["msg_id"] async for d in store.outbox.find({})]
    assert len(msg_ids) == len(set(msg_ids)) == 1 + len(retried)  # (the handler's were published and removed)

async def test_two_reports_of_one_incident_in_one_batch_become_one_case(store, resolver) -> None:
    """(Same grid and family, 40 m apart, 3 hours apart, near-identical summaries.)"""
    lon, lat = site(GRIDS[0])
    batch = [
        event("n1", summary="楼道堆放杂物引发邻里纠纷", point=(lon, lat)),
        event("x1", grid=GRIDS[1], category="environment.noise", summary="夜间施工噪音扰民"),
        event("n2", department="police_assistant", summary="楼道堆放杂物引发邻里纠纷。", point=(lon + 0.0004, lat),
              time=T0 + timedelta(hours=3), severity=events_pb2.SEVERITY_HIGH),
    ]
    fused = await store.fuse_many(items(resolver, batch), NOW)
    assert all(isinstance(f, Fused) and not f.duplicate for f in fused)
    first, other, second = fused
    assert first.opened and other.opened and not second.opened
    assert second.case_id == first.case_id != other.case_id
    assert (first.version, second.version, other.version) == (1, 2, 1)
    assert await store.cases.count_documents({}) == 2
    case = await store.get_case(first.case_id)
    assert case["event_ids"] == ["petition:n1", "police_assistant:n2"]
    assert case["departments"] == ["petition", "police_assistant"]
    assert [t["action"] for t in case["timeline"]] == ["reported", "correlated"]
    assert (case["version"], case["severity"]) == (2, "high")
    assert case["last_seen"] == T0 + timedelta(hours=3)
    # One case-change message per version, each its own Nats-Msg-Id.
    ids = sorted([d["msg_id"] async for d in store.outbox.find({})])
    assert ids == sorted([f"{first.case_id}.v1", f"{first.case_id}.v2", f"{other.case_id}.v1"])
    records = {r["_id"]: r["case_id"] async for r in store.events.find({})}
    assert records == {"petition:n1": first.case_id, "police_assistant:n2": first.case_id,
                       "petition:x1": other.case_id}


async def test_events_of_one_subject_in_one_batch_join_one_case_and_an_existing_one(store, resolver) -> None:
    (before,) = await store.fuse_many(items(resolver, [event("s0", subject="P-s", summary=SUMMARIES[1])]), NOW)
    batch = [event(f"s{k}", department=d, subject="P-s", summary=SUMMARIES[k], time=T0 + timedelta(days=k))
             for k, d in ((1, "legal_aid"), (2, "civil_affairs"), (3, "petition"))]
    fused = await store.fuse_many(items(resolver, batch), NOW)
    assert {f.case_id for f in fused} == {before.case_id}
    assert [f.version for f in fused] == [2, 3, 4]
    case = await store.get_case(before.case_id)
    assert case["event_ids"] == ["petition:s0", "legal_aid:s1", "civil_affairs:s2", "petition:s3"]
    assert case["departments"] == ["petition", "legal_aid", "civil_affairs"]
    assert [t["action"] for t in case["timeline"]] == ["reported", "correlated", "correlated", "correlated"]
    assert case["version"] == 4 and "sightings" not in case
    stored = {d["_id"]: d["case_id"] async for d in store.sightings.find({"case_id": before.case_id})}
    assert stored == dict.fromkeys(case["event_ids"], before.case_id)
    assert await store.cases.count_documents({}) == 1
    # A subject's events of one batch with no case yet: the first opens it, the others join.
    fresh = [event(f"t{k}", grid=GRIDS[2], category="livelihood.elderly_care", subject="P-t", summary=SUMMARIES[k])
             for k in range(3)]
    opened = await store.fuse_many(items(resolver, fresh), NOW)
    assert [f.opened for f in opened] == [True, False, False] and len({f.case_id for f in opened}) == 1


async def test_a_batch_delivered_twice_changes_nothing_the_second_time(store, resolver) -> None:
    batch = [event("d1", subject="P-d"), event("d2", department="legal_aid", subject="P-d", summary=SUMMARIES[2]),
             event("d3", grid=GRIDS[3], summary=SUMMARIES[4]), event("d1", subject="P-d")]  # d1 twice in it
    first = await store.fuse_many(items(resolver, batch), NOW)
    assert [f.duplicate for f in first] == [False, False, False, True]
    assert first[3].case_id == first[0].case_id and first[3].messages == ()
    before = await snapshot(store)
    again = await store.fuse_many(items(resolver, batch), NOW + timedelta(minutes=5))
    assert all(f.duplicate and not f.messages for f in again)
    assert [f.case_id for f in again] == [f.case_id for f in first]
    assert await snapshot(store) == before
    assert len(before[0]) == 2 and before[0][0]["version"] + before[0][1]["version"] == 3


class ChangedUnderneath(CaseStore):
    """A store whose transaction on one grid reads a case a version behind what is stored: as if
    another writer changed it between this transaction's read and its write."""

    grid_id = ""

    async def _candidates(self, s, fresh):
        found = await super()._candidates(s, fresh)
        for doc, _ in found:
            if doc["grid_id"] == self.grid_id:
                doc["version"] -= 1
        return found


async def test_a_group_whose_case_changed_underneath_is_retried_alone(mongodb_uri, db_name, store, resolver, js):
    # Three groups, each with a case already: (grid 0, dispute), (grid 1, dispute), (grid 2, safety_hazard).
    seeds = [event("g0", subject="P-g0"), event("g1", grid=GRIDS[1], subject="P-g1"),
             event("g2", grid=GRIDS[2], category="safety_hazard.fire", subject="P-g2", summary=SUMMARIES[5])]
    await store.fuse_many(items(resolver, seeds), NOW)
    racing = await new_store(mongodb_uri, db_name, ChangedUnderneath)
    racing.grid_id = GRIDS[1].grid_id
    batch = [event("g0b", department="legal_aid", subject="P-g0", time=T0 + timedelta(hours=1)),
             event("g1b", grid=GRIDS[1], department="legal_aid", subject="P-g1", time=T0 + timedelta(hours=1)),
             event("g1c", grid=GRIDS[1], department="civil_affairs", subject="P-g1", time=T0 + timedelta(hours=2)),
             event("g2b", grid=GRIDS[2], category="safety_hazard.fire", department="police_assistant",
                   subject="P-g2", summary=SUMMARIES[5], time=T0 + timedelta(hours=1))]
    try:
        clock = ManualClock(NOW)
        handler = FusionHandler(racing, resolver, Relay(racing.outbox, js, clock), clock)
        outcomes = await handler.handle([message(e) for e in batch])
        assert [o.verdict for o in outcomes] == [Verdict.DONE, Verdict.RETRY, Verdict.RETRY, Verdict.DONE]
        assert all(o.reason.startswith("Conflict") for o in outcomes[1:3])
        results = await racing.fuse_many(items(resolver, batch), NOW)
        assert [type(r) for r in results] == [Fused, Conflict, Conflict, Fused]
        assert results[0].duplicate and results[3].duplicate
    finally:
        await racing.client.close()
    # Nothing of the failed group was written; the other groups' commits stand.
    g1 = await store.cases.find_one({"subject_id": "P-g1"})
    assert (g1["event_ids"], g1["version"]) == (["petition:g1"], 1)
    assert await store.events.count_documents({"_id": {"$in": ["legal_aid:g1b", "civil_affairs:g1c"]}}) == 0
    assert (await store.cases.find_one({"subject_id": "P-g0"}))["version"] == 2
    # The redelivery (a store that reads what is there) fuses the failed group once, nothing else.
    redelivered = await store.fuse_many(items(resolver, batch), NOW)
    assert [f.duplicate for f in redelivered] == [True, False, False, True]
    cases = {c["subject_id"]: c async for c in store.cases.find({})}
    assert {s: c["version"] for s, c in cases.items()} == {"P-g0": 2, "P-g1": 3, "P-g2": 2}
    assert cases["P-g1"]["event_ids"] == ["petition:g1", "legal_aid:g1b", "civil_affairs:g1c"]
    msg_ids = sorted([d["msg_id"] async for d in store.outbox.find({})])
    assert len(msg_ids) == len(set(msg_ids))


async def test_two_fusers_of_one_group_at_once_double_nothing(mongodb_uri, db_name, store, resolver) -> None:
    other = await new_store(mongodb_uri, db_name)
    try:
        reports = [event(f"c{k}", department=d, subject="P-c", summary=SUMMARIES[k % 8], time=T0 + timedelta(hours=k))
                   for k, d in enumerate(("petition", "legal_aid", "civil_affairs", "police_assistant") * 3)]
        # Two replicas, each with half of the reports and a share of the other's (redelivered).
        a, b = reports[0::2] + reports[1:4], reports[1::2] + reports[6:9]
        results = await asyncio.gather(store.fuse_many(items(resolver, a), NOW),
                                       other.fuse_many(items(resolver, b), NOW))
    finally:
        await other.client.close()
    assert not [r for rs in results for r in rs if isinstance(r, Exception)]
    cases = [c async for c in store.cases.find({})]
    assert len(cases) == 1
    assert sorted(cases[0]["event_ids"]) == sorted(f"{e.department}:{e.id}" for e in reports)
    assert cases[0]["version"] == len(reports) == len(cases[0]["timeline"])
    versions = sorted([d["msg_id"] async for d in store.outbox.find({})])
    assert versions == sorted(f"{cases[0]['_id']}.v{v}" for v in range(1, len(reports) + 1))


async def test_a_batch_that_meets_another_fusers_transaction_waits_and_commits_whole(mongodb_uri, db_name,
                                                                                       resolver) -> None:
    """Another fuser holds the guard of one of the batch's groups in a transaction: the batch's
    transaction meets a write conflict, waits and is tried again whole, not group by group."""
    store, commands = await listened_store(mongodb_uri, db_name)
    try:
        batch = synthetic(60, 9)
        groups = {group_of(e, resolver) for e in batch}
        held = "{}|{}".format(*group_of(batch[0], resolver))
        async with store.client.start_session() as other:
            await other.start_transaction()
            await store.guards.update_one({"_id": held}, {"$inc": {"n": 1}}, upsert=True, session=other)
            commands.clear()
            fusing = asyncio.create_task(store.fuse_many(items(resolver, batch), NOW))
            await asyncio.sleep(0.6)
            assert not fusing.done()
            assert commands.commits == 0
            await other.commit_transaction()
        fused = await fusing
        assert all(isinstance(f, Fused) and not f.duplicate for f in fused)
        # Tried at least twice (it conflicted), committed once as one transaction (the other
        # fuser's commit is counted too), never split into its groups.
        assert commands.started_transactions >= 2
        assert commands.started_transactions < len(groups)
        assert commands.commits == 2
        assert await store.events.count_documents({"status": "fused"}) == 60
        assert (await store.guards.find_one({"_id": held}))["n"] == 2
        # It claimed the next turn when it conflicted, and gave it back once committed.
        assert await store.turns.count_documents({}) == 0
    finally:
        await store.client.close()


async def test_a_fuser_waits_for_the_turn_another_fuser_claimed(store, resolver) -> None:
    """A fuser whose batch conflicted has claimed the next turn: the others' next batch waits for
    it to give the turn back (or for the claim to go stale)."""
    await store.turns.insert_one({"_id": "next", "replica": "other-replica", "at": datetime.now(UTC)})
    fusing = asyncio.create_task(store.fuse_many(items(resolver, synthetic(20, 10)), NOW))
    await asyncio.sleep(0.5)
    assert not fusing.done()
    assert await store.events.count_documents({}) == 0
    await store.turns.delete_one({"_id": "next"})
    fused = await asyncio.wait_for(fusing, 10)
    assert all(isinstance(f, Fused) for f in fused)
    # A stale claim (its fuser gone) holds no one up.
    await store.turns.insert_one({"_id": "next", "replica": "gone", "at": datetime.now(UTC) - timedelta(minutes=1)})
    started = time.monotonic()
    await store.fuse_many(items(resolver, synthetic(20, 11)), NOW)
    assert time.monotonic() - started < TURN_SECONDS - 0.5


async def test_a_restarted_replica_ends_the_transaction_its_previous_run_left_open(mongodb_uri, db_name,
                                                                                    resolver) -> None:
    """A fuser dies inside its batch's transaction, holding a guard: started again under the
    same replica name, it ends that transaction at once, and the next batch over that guard
    commits without a conflict instead of waiting a minute for the server to give up on it."""
    batch = synthetic(30, 12)
    held = "{}|{}".format(*group_of(batch[0], resolver))
    dead = await new_store(mongodb_uri, db_name)
    await dead.end_abandoned("fusion-a")
    inside, forever = asyncio.Event(), asyncio.Event()

    async def dies_inside(s) -> None:
        await dead.guards.update_one({"_id": held}, {"$inc": {"n": 1}}, upsert=True, session=s)
        inside.set()
        await forever.wait()

    dying = asyncio.create_task(dead._transaction_once(dies_inside))
    await asyncio.wait_for(inside.wait(), 10)
    restarted, commands = await listened_store(mongodb_uri, db_name)
    try:
        assert await restarted.end_abandoned("fusion-a") == 1
        assert await restarted.sessions.find_one({"_id": "fusion-a", "lsids.0": {"$exists": True}}) is None
        commands.clear()
        fused = await restarted.fuse_many(items(resolver, batch), NOW)
        assert all(isinstance(f, Fused) for f in fused)
        # One transaction, committed the first time: the dead one's guard write is gone.
        assert (commands.started_transactions, commands.commits) == (1, 1)
        assert (await restarted.guards.find_one({"_id": held}))["n"] == 1
        # Another replica's name ends nothing of this one's.
        assert await restarted.end_abandoned("fusion-b") == 0
    finally:
        dying.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await dying
        await dead.client.close()
        await restarted.client.close()
