"""Department batches against a real nats-server and a real secantusd-py: a batch is answered
per event in the order given, a batch sent again is all duplicates and one message per event,
a batch taken while NATS is gone is safe in the outbox and relayed once when NATS is back, and
a petitioner's visits inside one batch are counted in the batch's order. Each test runs the
department framework's gRPC service in this process, on a fresh database of its own, with the
synthetic county as its reference version."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import grpc
import nats.errors
import pytest
from google.protobuf.json_format import MessageToDict
from gridfusion.departments.v1 import departments_pb2 as pb
from gridfusion.departments.v1 import departments_pb2_grpc as pb_grpc
from gridfusion.events.v1 import events_pb2
from nats.js.api import DeliverPolicy

from services.departments.definitions import DEFINITIONS
from services.departments.intake import DepartmentIntake
from services.departments.main import prepare
from services.departments.publisher import EVENT_CE_TYPE, Publisher
from services.departments.reference import county, locate
from services.departments.servicer import DepartmentServicer
from services.departments.store import DepartmentStore
from services.departments.tests.counties import in_use, synthetic_view
from services.local import free_port, tool, wait_for_port
from services.platform import bus
from services.platform.events import EventIn

pytestmark = pytest.mark.integration

ACCEPTED, DUPLICATE, INVALID = pb.SUBMIT_STATUS_ACCEPTED, pb.SUBMIT_STATUS_DUPLICATE, pb.SUBMIT_STATUS_INVALID


@dataclass
class Running:
    stub: pb_grpc.DepartmentServiceStub
    store: DepartmentStore
    publisher: Publisher


Start = Callable[..., Awaitable[Running]]


@pytest.fixture
async def department(mongo, js) -> AsyncIterator[Start]:
    """Start a department's gRPC service on a free port with a database of its own, the
    synthetic county in use as its reference version."""
    started: list[tuple[grpc.aio.Server, grpc.aio.Channel]] = []

    async def start(name: str, *, jetstream=None, store_type: type[DepartmentStore] = DepartmentStore) -> Running:
        definition = DEFINITIONS[name]
        store = store_type(mongo[f"test_{name}_{uuid.uuid4().hex[:10]}"])
        await store.ensure_indexes()
        await prepare(definition, store)
        publisher = Publisher(definition, store, jetstream or js, timeout=2.0)
        server = grpc.aio.server()
        pb_grpc.add_DepartmentServiceServicer_to_server(
            DepartmentServicer(DepartmentIntake(definition, store, publisher)), server
        )
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
        started.append((server, channel))
        return Running(pb_grpc.DepartmentServiceStub(channel), store, publisher)

    with in_use(synthetic_view()):
        yield start
    for server, channel in started:
        await channel.close()
        await server.stop(0)


def event(department: str, **fields) -> events_pb2.DepartmentEvent:
    body = {
        "id": f"{department}-{uuid.uuid4().hex}",
        "type": "incident.reported",
        "time": "2026-11-27T09:30:00+08:00",
        "category": "public_order.theft",
        "summary": "电动车被盗",
        "location": {"lon": 116.8052, "lat": 35.7598},
    }
    body.update(fields)
    return EventIn.model_validate(body).to_proto(department)


async def submit_batch(stub, events: list[events_pb2.DepartmentEvent]) -> list[pb.SubmitResult]:
    reply = await stub.SubmitEvents(pb.SubmitEventsRequest(events=events), timeout=120)
    return list(reply.results)


async def copies_on_stream(js, department: str, event_ids: Iterable[str]) -> Counter[str]:
    """How many messages on the department's subjects carry each of ``event_ids`` (every message
    from the start of the stream), checking the CloudEvents headers of each."""
    wanted = {bus.event_key(department, event_id): event_id for event_id in event_ids}
    counts: Counter[str] = Counter({event_id: 0 for event_id in wanted.values()})
    sub = await js.subscribe(f"gridfusion.events.{department}.>", ordered_consumer=True,
                             deliver_policy=DeliverPolicy.ALL)
    try:
        while True:
            try:
                msg = await sub.next_msg(timeout=1.0)
            except (TimeoutError, nats.errors.TimeoutError):
                return counts
            headers = msg.headers or {}
            event_id = wanted.get(headers.get("Nats-Msg-Id", ""))
            if event_id is None:
                continue
            assert headers["ce-id"] == event_id
            assert headers["ce-type"] == EVENT_CE_TYPE
            assert headers["ce-source"] == f"gridfusion/departments/{department}"
            assert headers["ce-specversion"] == "1.0" and headers["content-type"] == "application/protobuf"
            assert events_pb2.DepartmentEvent.FromString(msg.data).id == event_id
            counts[event_id] += 1
    finally:
        await sub.unsubscribe()


async def flags(store: DepartmentStore, event_ids: list[str]) -> dict[str, bool]:
    return {event_id: published for event_id, (_, published) in (await store.get_many(event_ids)).items()}


# --- a thousand events, each answered ------------------------------------------------------


def mixed_batch(department: str, recorded: list[events_pb2.DepartmentEvent]) -> tuple[
    list[events_pb2.DepartmentEvent], list[tuple[int, list[str]]]
]:
    """1,000 events: valid ones across the county's grids (some in GCJ-02), every seventh one
    invalid in its own way, every 50th one sent before (``recorded``), and some ids twice.
    Besides the batch, what each event should be answered: (status, bad fields)."""
    grids = county().grids
    polygons = county().grid_polygons
    bad = [
        (lambda e: setattr(e.location.point, "lon", 181.0), ["location.lon"]),
        (lambda e: setattr(e, "category", "weather.rain"), ["category"]),
        (lambda e: setattr(e, "summary", ""), ["summary"]),
        (lambda e: e.details.update({"source": "pigeon"}), ["details.source"]),
        (lambda e: (setattr(e, "type", "police.nothing"), setattr(e, "id", "")), ["id", "type"]),
    ]
    batch: list[events_pb2.DepartmentEvent] = []
    expected: list[tuple[int, list[str]]] = []
    for i in range(1000):
        if i % 50 == 49 and recorded:
            again = events_pb2.DepartmentEvent()
            again.CopyFrom(recorded[(i // 50) % len(recorded)])
            batch.append(again)
            expected.append((DUPLICATE, []))
            continue
        if i % 100 == 98:  # the same id as the event before it: one event
            again = events_pb2.DepartmentEvent()
            again.CopyFrom(batch[-1])
            batch.append(again)
            expected.append((DUPLICATE if expected[-1][0] != INVALID else INVALID, expected[-1][1]))
            continue
        point = polygons[grids[i % len(grids)].grid_id].representative_point()
        location = {"lon": point.x, "lat": point.y}
        ev = event(department, type="police.incident", location=location, details={"source": "110"})
        if i % 7 == 3:
            spoil, fields = bad[(i // 7) % len(bad)]
            spoil(ev)
            batch.append(ev)
            expected.append((INVALID, fields))
            continue
        if i % 11 == 5:  # a point as a Chinese map app gives it
            ev.location.crs = "gcj02"
        batch.append(ev)
        expected.append((ACCEPTED, []))
    return batch, expected


async def test_a_batch_of_a_thousand_is_answered_per_event_in_the_order_given(department: Start, js) -> None:
    police = await department("police_assistant")
    before = [event("police_assistant", type="police.check", category="public_order.fraud") for _ in range(5)]
    assert [r.status for r in await submit_batch(police.stub, before)] == [ACCEPTED] * 5
    batch, expected = mixed_batch("police_assistant", before)
    assert Counter(status for status, _ in expected)[ACCEPTED] > 700

    results = await submit_batch(police.stub, batch)

    assert len(results) == 1000
    assert [r.event_id for r in results] == [e.id for e in batch]
    assert [(r.status, [e.field for e in r.errors]) for r in results] == expected
    assert all(e.message for r in results for e in r.errors)
    accepted = [e.id for e, (status, _) in zip(batch, expected, strict=True) if status == ACCEPTED]
    # Each accepted event is recorded, published, placed and assigned like one sent alone.
    stored = await police.store.get_many(accepted)
    assert set(stored) == set(accepted) and all(published for _, published in stored.values())
    assistants = {g.grid_id: g.police_assistant.person_id for g in county().grids}
    for i, ev in enumerate(batch):
        if expected[i][0] != ACCEPTED:
            continue
        kept, _ = stored[ev.id]
        details = MessageToDict(kept.details)
        found, assigned = locate(kept.location), details["assigned_to"]
        if found is None:  # a GCJ-02 point near the edge may fall outside the county once converted
            assert assigned["status"] == "unassigned"
        else:
            assert (assigned["grid_id"], assigned["person_id"]) == (found.grid_id, assistants[found.grid_id])
        assert kept.accepted_at.seconds and kept.severity == events_pb2.SEVERITY_MEDIUM
        assert ("reported_location" in details) == bool(ev.location.crs) and not kept.location.crs
    invalid = [e.id for e, (status, _) in zip(batch, expected, strict=True) if status == INVALID and e.id]
    assert await police.store.get_many(invalid) == {}
    counts = await copies_on_stream(js, "police_assistant", accepted + [e.id for e in before])
    assert set(counts.values()) == {1}


async def test_a_batch_sent_again_is_all_duplicate_and_each_event_is_one_message(department: Start, js) -> None:
    legal = await department("legal_aid")
    batch = [event("legal_aid", type="legal_aid.consultation", category="legal_service.consultation",
                   subject_id=f"R-{i % 40}", details={"topic": "labour"}) for i in range(600)]
    assert {r.status for r in await submit_batch(legal.stub, batch)} == {ACCEPTED}
    first = await legal.store.get_many([e.id for e in batch])

    again = await submit_batch(legal.stub, batch)
    assert [r.status for r in again] == [DUPLICATE] * 600
    assert [r.event_id for r in again] == [e.id for e in batch]
    # Nothing was recorded again: the records are the first ones.
    assert await legal.store.get_many([e.id for e in batch]) == first
    assert await legal.store.events.count_documents({}) == 600
    counts = await copies_on_stream(js, "legal_aid", [e.id for e in batch])
    assert set(counts.values()) == {1}


async def test_a_batch_racing_the_same_batch_is_each_event_once(department: Start, js) -> None:
    civil = await department("civil_affairs")
    batch = [event("civil_affairs", category="other.general") for _ in range(400)]
    one, other = await asyncio.gather(submit_batch(civil.stub, batch), submit_batch(civil.stub, batch))
    # Each event is accepted by exactly one of the two calls, a duplicate for the other.
    assert all({a.status, b.status} == {ACCEPTED, DUPLICATE} for a, b in zip(one, other, strict=True))
    assert await civil.store.events.count_documents({}) == 400
    assert set((await flags(civil.store, [e.id for e in batch])).values()) == {True}
    assert set((await copies_on_stream(js, "civil_affairs", [e.id for e in batch])).values()) == {1}


# --- NATS gone in the middle ----------------------------------------------------------------


class NatsServer:
    """A nats-server of the test's own (JetStream in ``folder``), to kill and start again."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [tool("nats-server"), "-js", "-sd", str(self.folder / "jetstream"), "-a", "127.0.0.1",
             "-p", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        wait_for_port(self.port, 30, self.proc, "nats-server")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def own_nats(tmp_path: Path):
    server = NatsServer(tmp_path)
    server.start()
    yield server
    server.kill()


def killing_nats_after_recording(server: NatsServer, times: int) -> type[DepartmentStore]:
    """A store whose next ``times`` batches are recorded and then find NATS gone: the server is
    killed right after the commit, before the call answers."""

    class Store(DepartmentStore):
        async def insert_many(self, events, published=None):
            recorded = await super().insert_many(events, published)
            nonlocal times
            if times > 0:
                times -= 1
                server.kill()
            return recorded

    return Store


async def test_nats_killed_mid_way_a_batch_is_accepted_from_the_outbox_and_relayed_once(
    department: Start, own_nats: NatsServer
) -> None:
    nc = await bus.connect(own_nats.url, name="tests-own-nats")
    try:
        js = nc.jetstream()
        await bus.ensure_streams(js, [bus.EVENTS])
        petition = await department("petition", jetstream=js, store_type=killing_nats_after_recording(own_nats, 1))
        subject = f"P-{uuid.uuid4().hex[:8]}"

        def visits(n: int) -> list[events_pb2.DepartmentEvent]:
            return [event("petition", type="petition.visit", category="dispute.neighbor",
                          subject_id=subject if i % 5 == 0 else "") for i in range(n)]

        # The batch is published, then recorded as published; NATS dies right after.
        first = visits(300)
        assert {r.status for r in await submit_batch(petition.stub, first)} == {ACCEPTED}
        assert set((await flags(petition.store, [e.id for e in first])).values()) == {True}
        # While NATS stays away, the next batch is accepted into the outbox: safe, unpublished.
        second = visits(200)
        assert {r.status for r in await submit_batch(petition.stub, second)} == {ACCEPTED}
        assert set((await flags(petition.store, [e.id for e in second])).values()) == {False}
        # A resend meanwhile is a duplicate, and does not count a visit again.
        assert {r.status for r in await submit_batch(petition.stub, first[:50])} == {DUPLICATE}

        own_nats.start()  # the same port and JetStream folder: NATS is back
        relay = Publisher(DEFINITIONS["petition"], petition.store, js, timeout=2.0)
        stop = asyncio.Event()
        task = asyncio.create_task(relay.relay(stop, every=0.2, older_than=0.0))
        everything = [e.id for e in first + second]
        try:
            async with asyncio.timeout(60):
                while not all((await flags(petition.store, everything)).values()):
                    await asyncio.sleep(0.2)
        finally:
            stop.set()
            await task
        counts = await copies_on_stream(js, "petition", everything)
        assert set(counts.values()) == {1}, {k: v for k, v in counts.items() if v != 1}
        # The petitioner's visits were counted once each, in the order they came.
        numbers = [MessageToDict((await petition.store.get(e.id))[0].details)["visit_number"]
                   for e in first + second if e.subject_id]
        assert numbers == list(range(1, len(numbers) + 1))
    finally:
        await nc.close()


# --- a petitioner's visits inside one batch ---------------------------------------------------


async def test_repeat_visits_inside_one_batch_are_counted_in_the_batch_order(department: Start) -> None:
    petition = await department("petition")
    ann, bo, cy = (f"P-{uuid.uuid4().hex[:8]}" for _ in range(3))
    # Ann visited once before the batch; her second matter (livelihood) is new in the batch.
    earlier = event("petition", type="petition.visit", category="dispute.neighbor", subject_id=ann, severity="low")
    assert (await petition.stub.SubmitEvent(pb.SubmitEventRequest(event=earlier))).status == ACCEPTED

    def visit(subject: str, category: str = "dispute.neighbor", **fields) -> events_pb2.DepartmentEvent:
        return event("petition", type="petition.visit", category=category, subject_id=subject, severity="low", **fields)

    batch = [
        visit(ann), visit(bo), visit(ann, "livelihood.medical"), visit(cy, details={"people_count": 6}),
        visit(bo), visit(ann), visit("", details={"people_count": 5}), visit(bo),
        visit(ann, "livelihood.medical"),
        visit(bo), visit(cy, details={"people_count": 6}),
    ]
    batch.insert(6, batch[4])  # bo's second visit sent twice in the batch: one visit
    results = await submit_batch(petition.stub, batch)
    assert [r.status for r in results] == [ACCEPTED] * 6 + [DUPLICATE] + [ACCEPTED] * 5

    async def seen(ev: events_pb2.DepartmentEvent) -> tuple[int | None, int]:
        kept = (await petition.store.get(ev.id))[0]
        return MessageToDict(kept.details).get("visit_number"), kept.severity

    low, high, critical = events_pb2.SEVERITY_LOW, events_pb2.SEVERITY_HIGH, events_pb2.SEVERITY_CRITICAL
    medium = events_pb2.SEVERITY_MEDIUM
    assert [await seen(ev) for i, ev in enumerate(batch) if i != 6] == [
        (2, medium),    # ann, neighbour dispute: her second visit (the first came before the batch)
        (1, low),       # bo
        (1, low),       # ann, another matter: a first visit
        (1, high),      # cy, a group visit
        (2, medium),    # bo
        (3, high),      # ann, neighbour dispute
        (None, high),   # no petitioner named, a group visit: not counted, at least high
        (3, high),      # bo
        (2, medium),    # ann, livelihood
        (4, high),      # bo: a third or later visit is two levels up
        (2, critical),  # cy, a group visit again: high, then one level up
    ]
    # The same batch again changes no count.
    assert {r.status for r in await submit_batch(petition.stub, batch)} == {DUPLICATE}
    later = visit(bo)
    await petition.stub.SubmitEvent(pb.SubmitEventRequest(event=later))
    assert (await seen(later))[0] == 5


async def test_two_batches_of_one_petitioner_at_once_give_every_visit_its_own_number(department: Start) -> None:
    petition = await department("petition")
    subject = f"P-{uuid.uuid4().hex[:8]}"
    batches = [[event("petition", type="petition.online", category="dispute.neighbor", subject_id=subject)
                for _ in range(30)] for _ in range(3)]
    replies = await asyncio.gather(*(submit_batch(petition.stub, b) for b in batches))
    assert {r.status for reply in replies for r in reply} == {ACCEPTED}
    numbers = {}
    for b in batches:
        for ev in b:
            numbers[ev.id] = MessageToDict((await petition.store.get(ev.id))[0].details)["visit_number"]
    assert sorted(numbers.values()) == list(range(1, 91))
    for b in batches:  # inside each batch, in the batch's order
        mine = [numbers[ev.id] for ev in b]
        assert mine == sorted(mine)


async def test_the_store_records_each_id_of_a_batch_once(department: Start) -> None:
    governance = await department("comprehensive_governance")
    batch = [event("comprehensive_governance", category="dispute.neighbor") for _ in range(20)]
    for ev in batch:
        ev.accepted_at.GetCurrentTime()
    assert await governance.store.insert(batch[3])
    # Recorded before (here: by another call) is left out; the rest is recorded all the same.
    assert await governance.store.insert_many(batch) == {e.id for e in batch} - {batch[3].id}
    assert await governance.store.insert_many(batch[:5]) == set()
    assert set((await flags(governance.store, [e.id for e in batch])).values()) == {False}
    await governance.store.mark_published_many([e.id for e in batch[:10]])
    published = await flags(governance.store, [e.id for e in batch])
    assert [published[e.id] for e in batch] == [True] * 10 + [False] * 10
    assert {e.id for e in await governance.store.unpublished(timedelta(0))} == {e.id for e in batch[10:]}
