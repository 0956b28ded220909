"""The platform's JetStream kit against a real nats-server: streams, publishing, the consumer loop."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from gridfusion.events.v1 import events_pb2
from nats.js.api import ConsumerConfig, DeliverPolicy

from services.platform import bus
from services.platform.bus import Outcome, PullConsumer, StreamSpec

pytestmark = pytest.mark.integration


def spec() -> StreamSpec:
    name = f"T{uuid.uuid4().hex[:8].upper()}"
    return StreamSpec(name, (f"test.{name.lower()}.>",), "a test stream")


def event(event_id: str) -> events_pb2.DepartmentEvent:
    e = events_pb2.DepartmentEvent(id=event_id, department="petition", type="incident.reported",
                                   category="dispute.neighbor", summary="邻里纠纷")
    e.time.GetCurrentTime()
    e.location.point.lon, e.location.point.lat = 116.8, 35.76
    return e


async def test_streams_are_created_once_and_brought_in_line(js) -> None:
    s = spec()
    await bus.ensure_streams(js, [s])
    await bus.ensure_streams(js, [s])  # idempotent
    info = await js.stream_info(s.name)
    assert info.config.subjects == list(s.subjects)
    assert info.config.duplicate_window == s.duplicate_window_seconds
    changed = StreamSpec(s.name, s.subjects, s.description, duplicate_window_seconds=600)
    await bus.ensure_streams(js, [changed])
    assert (await js.stream_info(s.name)).config.duplicate_window == 600


async def test_publish_sets_cloudevents_headers_and_dedups_by_event_id(js) -> None:
    s = spec()
    await bus.ensure_streams(js, [s])
    subject = s.subjects[0].replace(">", "petition")
    first = await bus.publish(js, subject, event("e-1"), event_id="e-1", ce_type="t.v1", source="tests", ce_subject="P-1")
    again = await bus.publish(js, subject, event("e-1"), event_id="e-1", ce_type="t.v1", source="tests")
    assert not first.duplicate and again.duplicate and again.seq == first.seq
    sub = await js.pull_subscribe(subject, stream=s.name, config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL))
    [msg] = await sub.fetch(1, timeout=2)
    assert msg.headers["Nats-Msg-Id"] == "e-1"
    assert msg.headers["ce-id"] == "e-1"
    assert msg.headers["ce-specversion"] == "1.0"
    assert msg.headers["ce-type"] == "t.v1"
    assert msg.headers["ce-source"] == "tests"
    assert msg.headers["ce-subject"] == "P-1"
    assert msg.headers["content-type"] == "application/protobuf"
    assert events_pb2.DepartmentEvent.FromString(msg.data).id == "e-1"


async def run_consumer(js, s: StreamSpec, handler, *, max_deliver: int = 3, until, timeout: float = 20.0, hook=None):
    consumer = PullConsumer(
        js=js, stream=s.name, durable=f"c-{s.name.lower()}", filter_subject=s.subjects[0], handler=handler,
        source="tests", batch_size=10, max_deliver=max_deliver, fetch_timeout=0.2,
        retry_delays=(0.05,), on_dead_letter=hook,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        async with asyncio.timeout(timeout):
            while not until():
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await task
    return consumer


async def dead_letters_for(js, stream: str) -> list[events_pb2.DeadLetter]:
    sub = await js.pull_subscribe(bus.deadletter_subject(stream), stream=bus.DEADLETTER.name,
                                  config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL))
    try:
        msgs = await sub.fetch(10, timeout=1)
    except TimeoutError:
        return []
    finally:
        await sub.unsubscribe()
    return [events_pb2.DeadLetter.FromString(m.data) for m in msgs]


async def test_consumer_acknowledges_after_the_handler_commits(js) -> None:
    s = spec()
    await bus.ensure_streams(js, [s, bus.DEADLETTER])
    subject = s.subjects[0].replace(">", "x")
    for i in range(25):
        await bus.publish(js, subject, event(f"ok-{i}"), event_id=f"ok-{i}", ce_type="t", source="tests")
    committed: list[str] = []

    async def handler(msgs):
        committed.extend(events_pb2.DepartmentEvent.FromString(m.data).id for m in msgs)
        return [Outcome.done() for _ in msgs]

    consumer = await run_consumer(js, s, handler, until=lambda: len(committed) >= 25)
    assert sorted(committed) == sorted(f"ok-{i}" for i in range(25))
    await asyncio.sleep(0.3)
    info = await js.consumer_info(s.name, consumer.durable)
    assert info.num_ack_pending == 0 and info.num_pending == 0


async def test_failures_are_retried_then_dead_lettered_with_the_reason(js) -> None:
    s = spec()
    await bus.ensure_streams(js, [s, bus.DEADLETTER])
    subject = s.subjects[0].replace(">", "x")
    await bus.publish(js, subject, event("flaky"), event_id="flaky", ce_type="t", source="tests")
    await bus.publish(js, subject, event("broken"), event_id="broken", ce_type="t", source="tests")
    await bus.publish(js, subject, event("poison"), event_id="poison", ce_type="t", source="tests")
    attempts: dict[str, int] = {}
    hooked: list[str] = []

    async def handler(msgs):
        out = []
        for m in msgs:
            event_id = events_pb2.DepartmentEvent.FromString(m.data).id
            attempts[event_id] = attempts.get(event_id, 0) + 1
            if event_id == "poison":
                out.append(Outcome.dead("malformed: cannot ever work", stage="decode"))
            elif event_id == "flaky" and attempts[event_id] < 2:
                out.append(Outcome.retry("database blip"))
            elif event_id == "broken":
                out.append(Outcome.retry("grid service down"))
            else:
                out.append(Outcome.done())
        return out

    async def hook(msg, record):
        hooked.append(record.envelope.id)

    await run_consumer(js, s, handler, max_deliver=3, hook=hook, until=lambda: len(hooked) >= 2)
    assert attempts == {"flaky": 2, "broken": 3, "poison": 1}
    letters = {d.envelope.id: d for d in await dead_letters_for(js, s.name)}
    assert set(letters) == {"broken", "poison"}
    assert letters["poison"].stage == "decode" and letters["poison"].reason == "malformed: cannot ever work"
    assert letters["broken"].reason == "gave up after 3 deliveries: grid service down"
    assert letters["broken"].deliveries == 3
    assert events_pb2.DepartmentEvent.FromString(letters["broken"].envelope.data).id == "broken"
    assert sorted(hooked) == ["broken", "poison"]


async def test_a_handler_that_raises_gets_the_whole_batch_again(js) -> None:
    s = spec()
    await bus.ensure_streams(js, [s, bus.DEADLETTER])
    subject = s.subjects[0].replace(">", "x")
    for i in range(3):
        await bus.publish(js, subject, event(f"b-{i}"), event_id=f"b-{i}", ce_type="t", source="tests")
    calls = 0
    done: set[str] = set()

    async def handler(msgs):
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("mongo went away")
        done.update(events_pb2.DepartmentEvent.FromString(m.data).id for m in msgs)
        return [Outcome.done() for _ in msgs]

    await run_consumer(js, s, handler, until=lambda: len(done) == 3)
    assert done == {"b-0", "b-1", "b-2"}
    assert calls >= 2


async def test_a_cancelled_consumer_leaves_its_subscription_so_a_drain_does_not_wait(nats_url: str) -> None:
    """A process that stops its consumer by cancelling it (not through ``stop``) must not leave the
    pull subscription open: ``drain()`` would wait for its fetch to expire (up to its drain timeout,
    30 s) at every shutdown."""
    nc = await bus.connect(nats_url, name="tests-cancel")
    js = nc.jetstream()
    s = spec()
    await bus.ensure_streams(js, [s, bus.DEADLETTER])

    async def handler(msgs):
        return [Outcome.done() for _ in msgs]

    consumer = PullConsumer(js=js, stream=s.name, durable=f"c-{s.name.lower()}", filter_subject=s.subjects[0],
                            handler=handler, source="tests", fetch_timeout=1.0)
    task = asyncio.create_task(consumer.run(asyncio.Event()))
    await asyncio.sleep(0.5)  # in the middle of a fetch
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The abandoned fetch expires on the server, whose answer lands in the subscription's queue:
    # left subscribed, nobody reads it and drain() waits for it.
    await asyncio.sleep(1.5)
    started = asyncio.get_running_loop().time()
    await nc.drain()
    assert asyncio.get_running_loop().time() - started < 5
