"""Fusion as real processes against real servers: two replicas on one stream, and a SIGKILL in the
middle of a batch. Neither may produce a second case, lose an event, or count one twice."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nats.errors
import pytest
from gridfusion.events.v1 import events_pb2
from gridfusion.fusion.v1 import fusion_pb2, fusion_pb2_grpc
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from services.fusion import reference_store
from services.fusion.cases import CaseStore
from services.local import free_port, wait_for_port
from services.platform import bus
from services.platform.mongo import connect
from services.reference import build_county
from services.reference.resolver import Resolution
from tests import servers

pytestmark = pytest.mark.integration

COUNTY = build_county()
DEPARTMENTS = ("petition", "comprehensive_governance", "legal_aid", "police_assistant", "civil_affairs")
SUMMARIES = ("邻里因楼道堆放杂物发生纠纷", "拖欠农民工工资三个月", "宅基地界址争议", "物业费收取标准不清",
             "家庭赡养老人矛盾", "房屋漏水殃及楼下住户", "停车位被长期占用", "土地承包合同到期纠纷")


@pytest.fixture(scope="module")
def own_infra(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """Servers of this module's own: processes killed here leave their transactions open on
    the database server for up to a minute, which must not slow any other module's tests."""
    platform = servers.start_infra(tmp_path_factory.mktemp("fusion-processes"))
    yield platform
    servers.stop(platform)


@pytest.fixture(scope="module")
def nats_url(own_infra) -> str:
    return own_infra.nats_url


@pytest.fixture(scope="module")
def mongodb_uri(own_infra) -> str:
    return own_infra.mongodb_uri


@pytest.fixture(scope="module")
async def fusion_db(mongodb_uri: str) -> AsyncIterator[str]:
    """One seeded database for this module's fusion processes (seeding takes a few seconds)."""
    client = connect(mongodb_uri, app_name="tests-fusion-processes")
    name = f"fusion_proc_{uuid.uuid4().hex[:8]}"
    await reference_store.seed_synthetic(client[name], COUNTY)
    yield name
    await client.drop_database(name)
    await client.close()


class Fusion:
    """One ``gridfusion serve fusion`` process."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.log = log
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "services.cli", "serve", "fusion"],
                env={"FUSION_REPLICA": log.stem, **env, "FUSION_GRPC_PORT": str(self.port)}, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self) -> None:
        wait_for_port(self.port, 90, self.proc, "fusion")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def fusion_env(nats_url: str, mongodb_uri: str, fusion_db: str) -> dict[str, str]:
    tag = uuid.uuid4().hex[:8]
    env = dict(os.environ)
    env.update(
        NATS_URL=nats_url, MONGODB_URI=mongodb_uri, FUSION_DATABASE=fusion_db, FUSION_SEED_REFERENCE="false",
        FUSION_CONSUMER=f"fusion-{tag}", FUSION_RESULTS_CONSUMER=f"fusion-results-{tag}",
        FUSION_RELAY_INTERVAL_SECONDS="1", FUSION_ESCALATION_INTERVAL_SECONDS="5", LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[list[Fusion]]:
    started: list[Fusion] = []
    yield started
    for p in started:
        p.stop()
    for p in started:
        if p.proc.returncode not in (0, -signal.SIGKILL, None):
            print(f"--- {p.log.name} ---\n{p.log.read_text(errors='replace')[-3000:]}")


async def prepare_consumers(js, env: dict[str, str], ack_wait: float) -> None:
    """The durables the processes will share, starting at the end of the streams (only this test's work)."""
    for stream, durable, subject in (
        ("EVENTS", env["FUSION_CONSUMER"], "gridfusion.events.>"),
        ("HANDOVERS", env["FUSION_RESULTS_CONSUMER"], "gridfusion.results.>"),
    ):
        await js.add_consumer(stream, ConsumerConfig(
            durable_name=durable, ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.NEW,
            filter_subject=subject, ack_wait=ack_wait, max_deliver=6, max_ack_pending=1000,
        ))


def incidents(n: int, tag: str, t0: datetime) -> list[tuple[str, events_pb2.DepartmentEvent]]:
    """``n`` incidents, each reported by three departments. Tests share a database, so each gives
    its own ``t0``, weeks apart: otherwise one test's reports would rightly join another's cases."""
    rng = random.Random(tag)
    out = []
    for i in range(n):
        grid = COUNTY.grids[i % len(COUNTY.grids)]
        site = next(c for c in COUNTY.compounds if c.grid_id == grid.grid_id)
        subject = f"P-{tag}-{i}"
        summary = SUMMARIES[(i // len(COUNTY.grids)) % len(SUMMARIES)]
        for k, department in enumerate(rng.sample(DEPARTMENTS, 3)):
            e = events_pb2.DepartmentEvent(
                id=f"{tag}-{i}-{k}", department=department, type="incident.reported", category="dispute.neighbor",
                summary=summary, subject_id=subject, severity=events_pb2.SEVERITY_MEDIUM,
            )
            e.time.FromDatetime(t0 + timedelta(hours=k))
            e.location.point.lon, e.location.point.lat = site.location
            out.append((subject, e))
    rng.shuffle(out)
    return out


async def publish(js, events: list[events_pb2.DepartmentEvent], *, msg_id_suffix: str = "") -> None:
    for e in events:
        await bus.publish(js, bus.event_subject(e.department, e.category), e, event_id=e.id,
                          msg_id=bus.event_key(e.department, e.id) + msg_id_suffix,
                          ce_type="gridfusion.department_event.v1", source="tests")


def keys(events: list[events_pb2.DepartmentEvent]) -> list[str]:
    """How fusion keys the events (and a case lists them): ``<department>:<id>``."""
    return [bus.event_key(e.department, e.id) for e in events]


async def fused_count(db, ids: list[str]) -> int:
    return await db["events"].count_documents({"_id": {"$in": ids}, "status": "fused"})


async def wait_fused(db, ids: list[str], timeout: float, procs: list[Fusion]) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if await fused_count(db, ids) == len(ids):
            return time.monotonic() - started
        for p in procs:
            assert p.proc.poll() is None, f"fusion exited with {p.proc.returncode}:\n{p.log.read_text()[-3000:]}"
        await asyncio.sleep(0.25)
    raise AssertionError(f"only {await fused_count(db, ids)} of {len(ids)} events fused within {timeout} s")


async def check_one_case_per_incident(db, subjects: set[str], event_ids: list[str]) -> list[dict]:
    cases = [c async for c in db["cases"].find({"subject_id": {"$in": sorted(subjects)}})]
    assert len(cases) == len(subjects), "a second case for an incident, or a lost one"
    seen: list[str] = []
    for case in cases:
        assert len(case["event_ids"]) == 3 == len(set(case["event_ids"])), case["_id"]
        assert "sightings" not in case and len(case["departments"]) == 3
        assert await db["sightings"].count_documents({"case_id": case["_id"]}) == 3
        assert [t["action"] for t in case["timeline"]] == ["reported", "correlated", "correlated"]
        assert case["version"] == 3  # three changes, none counted twice
        seen += case["event_ids"]
    assert sorted(seen) == sorted(event_ids)  # every event in exactly one case
    records = [e async for e in db["events"].find({"_id": {"$in": event_ids}}, {"case_id": 1})]
    by_case = {c["_id"]: set(c["event_ids"]) for c in cases}
    assert all(r["_id"] in by_case[r["case_id"]] for r in records)
    return cases


async def case_messages(js, case_ids: set[str]) -> dict[str, list[str]]:
    """The case-change messages on the bus for these cases: id → ``Nats-Msg-Id`` list."""
    sub = await js.pull_subscribe("gridfusion.cases.>", stream="CASES", config=ConsumerConfig(
        deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE))
    out: dict[str, list[str]] = {}
    while True:
        try:
            msgs = await sub.fetch(500, timeout=2)
        except (TimeoutError, nats.errors.TimeoutError):
            break
        for m in msgs:
            if m.headers.get("ce-subject") in case_ids:
                out.setdefault(m.headers["ce-subject"], []).append(m.headers["Nats-Msg-Id"])
                assert fusion_pb2.Case.FromString(m.data).case_id == m.headers["ce-subject"]
    await sub.unsubscribe()
    return out


async def wait_outbox_empty(db, case_ids: set[str], timeout: float = 30) -> None:
    started = time.monotonic()
    while await db["outbox"].count_documents({"ce_subject": {"$in": sorted(case_ids)}}):
        assert time.monotonic() - started < timeout, "the outbox relay left case changes unpublished"
        await asyncio.sleep(0.5)


async def overdue_cases(mongo, fusion_db: str, n: int, tag: str) -> list[str]:
    """``n`` cases reported 100 hours ago and left alone: past their 48 hours at the grid."""
    store = CaseStore(mongo, mongo[fusion_db])
    store.use_grids({g.grid_id: reference_store.grid_doc(g, COUNTY) for g in COUNTY.grids})
    then = datetime.now(UTC) - timedelta(hours=100)
    ids = []
    for i in range(n):
        grid = COUNTY.grids[(7 * i) % len(COUNTY.grids)]
        site = next(c for c in COUNTY.compounds if c.grid_id == grid.grid_id)
        e = events_pb2.DepartmentEvent(id=f"{tag}-late-{i}", department="petition", type="incident.reported",
                                       category="dispute.family", summary=f"{SUMMARIES[i % len(SUMMARIES)]}（旧）",
                                       subject_id=f"P-{tag}-late-{i}")
        e.time.FromDatetime(then)
        fused = await store.fuse(e, Resolution(grid.grid_id, "point", 1.0, site.location), then)
        ids.append(fused.case_id)
    return ids


async def test_two_fusion_replicas_on_correlated_events(js, mongo, fusion_db, fusion_env, processes, tmp_path) -> None:
    await prepare_consumers(js, fusion_env, ack_wait=30)
    late = await overdue_cases(mongo, fusion_db, 12, f"two{uuid.uuid4().hex[:6]}")
    env = {**fusion_env, "FUSION_BATCH_SIZE": "20", "FUSION_ESCALATION_INTERVAL_SECONDS": "0.5"}
    processes += [Fusion(env, tmp_path / f"fusion-{n}.log") for n in "ab"]
    for p in processes:
        p.wait_ready()
    tag = f"two{uuid.uuid4().hex[:6]}"
    work = incidents(80, tag, datetime(2026, 10, 1, 8, 0, tzinfo=UTC))
    events = [e for _, e in work]
    ids = keys(events)
    subjects = {s for s, _ in work}
    started = time.monotonic()
    await publish(js, events)
    # Duplicated deliveries: a third of the events published again under other message ids.
    await publish(js, events[::3], msg_id_suffix="#again")
    db = mongo[fusion_db]
    await wait_fused(db, ids, 120, processes)
    elapsed = time.monotonic() - started
    cases = await check_one_case_per_incident(db, subjects, ids)
    replicas = await db["events"].distinct("replica", {"_id": {"$in": ids}})
    assert len(replicas) == 2, f"both replicas should have fused events: {replicas}"
    print(f"\ntwo replicas fused {len(ids)} events (+{len(events[::3])} duplicates) into {len(cases)} cases "
          f"in {elapsed:.1f} s ({len(ids) / elapsed:.0f} events/s)")
    case_ids = {c["_id"] for c in cases}
    await wait_outbox_empty(db, case_ids)
    messages = await case_messages(js, case_ids)
    assert {cid: sorted(m) for cid, m in messages.items()} == {cid: [f"{cid}.v1", f"{cid}.v2", f"{cid}.v3"] for cid in case_ids}

    # Both replicas ran the deadline loop twice a second all along: each overdue case was
    # escalated exactly once, and announced once.
    escalated = [c async for c in db["cases"].find({"_id": {"$in": late}})]
    for case in escalated:
        autos = [t for t in case["timeline"] if t.get("automatic")]
        assert [(t["action"], t["from_level"], t["level"]) for t in autos] == [("escalate", "grid", "community")]
        assert (case["status"], case["level"], case["version"]) == ("escalated", "community", 2)
    await wait_outbox_empty(db, set(late))
    late_messages = await case_messages(js, set(late))
    assert {cid: sorted(m) for cid, m in late_messages.items()} == {cid: [f"{cid}.v1", f"{cid}.v2"] for cid in late}


async def test_fusion_killed_in_the_middle_of_a_batch_loses_and_doubles_nothing(
    js, mongo, fusion_db, fusion_env, processes, tmp_path
) -> None:
    await prepare_consumers(js, fusion_env, ack_wait=4)
    first = Fusion({**fusion_env, "FUSION_BATCH_SIZE": "50"}, tmp_path / "fusion-killed.log")
    processes.append(first)
    first.wait_ready()
    tag = f"kill{uuid.uuid4().hex[:6]}"
    work = incidents(100, tag, datetime(2026, 11, 1, 8, 0, tzinfo=UTC))
    events = [e for _, e in work]
    ids = keys(events)
    subjects = {s for s, _ in work}
    db = mongo[fusion_db]
    await publish(js, events)
    deadline = time.monotonic() + 60
    while (done := await fused_count(db, ids)) < 60:
        assert time.monotonic() < deadline, f"fusion fused only {done} events in 60 s"
        await asyncio.sleep(0.05)
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait()
    at_kill = await fused_count(db, ids)
    assert 0 < at_kill < len(ids), "the kill should land while the batches are in flight"
    second = Fusion({**fusion_env, "FUSION_BATCH_SIZE": "50"}, tmp_path / "fusion-restarted.log")
    processes.append(second)
    second.wait_ready()
    await wait_fused(db, ids, 120, [second])
    print(f"\nkilled after {at_kill} of {len(ids)} events; the restarted process fused the rest")
    cases = await check_one_case_per_incident(db, subjects, ids)
    case_ids = {c["_id"] for c in cases}
    # What the killed process committed but had not published, the relay publishes: once each.
    await wait_outbox_empty(db, case_ids)
    messages = await case_messages(js, case_ids)
    assert {cid: sorted(m) for cid, m in messages.items()} == {cid: [f"{cid}.v1", f"{cid}.v2", f"{cid}.v3"] for cid in case_ids}
    # Nothing was dead-lettered on the way.
    assert await db["dead_letters"].count_documents({"_id": {"$in": ids}}) == 0


async def test_fusion_without_reference_data_is_not_ready_with_the_reason_until_a_version_is_activated(
        fusion_env: dict[str, str], mongodb_uri: str, processes: list[Fusion], tmp_path: Path) -> None:
    import grpc
    from gridfusion.reference.v1 import reference_pb2, reference_pb2_grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    empty = f"fusion_empty_{uuid.uuid4().hex[:8]}"
    env = {**fusion_env, "FUSION_DATABASE": empty, "FUSION_REFERENCE_POLL_SECONDS": "0.5"}
    fusion = Fusion(env, tmp_path / "fusion-empty.log")
    processes.append(fusion)
    fusion.wait_ready()
    client = connect(mongodb_uri, app_name="tests-empty")
    async with grpc.aio.insecure_channel(f"127.0.0.1:{fusion.port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)

        async def status() -> int:
            return (await health.Check(health_pb2.HealthCheckRequest(service=""), timeout=3)).status

        deadline = time.monotonic() + 20
        while await status() != health_pb2.HealthCheckResponse.NOT_SERVING:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.3)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await reference_pb2_grpc.ReferenceServiceStub(channel).GetCurrent(reference_pb2.GetCurrentRequest())
        assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert refused.value.details() == "no reference data imported"
        deadline = time.monotonic() + 10  # the log line may trail the health answer on a busy machine
        while "no reference data imported" not in fusion.log.read_text():
            assert time.monotonic() < deadline, fusion.log.read_text()[-2000:]
            await asyncio.sleep(0.2)
        # A version made current from outside (another replica's import): no restart needed.
        version = await reference_store.store_version(client[empty], COUNTY, source="tests", actor="tests")
        await reference_store.activate(client[empty], version, actor="tests")
        deadline = time.monotonic() + 30
        while await status() != health_pb2.HealthCheckResponse.SERVING:
            assert time.monotonic() < deadline, fusion.log.read_text()[-2000:]
            await asyncio.sleep(0.3)
        grids = await fusion_pb2_grpc.FusionServiceStub(channel).ListGrids(fusion_pb2.ListGridsRequest())
        assert grids.reference_version == version and len(grids.grids) == 53
    await client.drop_database(empty)
    await client.close()
