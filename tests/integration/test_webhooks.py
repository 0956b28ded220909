"""Webhooks and notifications against a real nats-server and secantusd-py, posting to a real HTTP
receiver on this machine: what a case change leaves is recorded once however often it is read,
each delivery is signed and retried after the receiver fails, two senders never post one delivery
at once, and a notification reaches only the accounts responsible."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from gridfusion.fusion.v1 import fusion_pb2 as fpb

from gateway.notifications import signing
from gateway.notifications.changes import key_of
from gateway.notifications.intake import Intake
from gateway.notifications.sender import Sender
from gateway.notifications.store import NotificationStore
from services.local import free_port
from services.platform import bus
from services.platform.scope import Principal

pytestmark = pytest.mark.integration

SECRET = "a-receivers-secret-0123456789"


@dataclass
class Receiver:
    """An HTTP receiver: answers each POST with the next of ``codes`` (then the last one),
    after ``delay`` seconds, and keeps what it got."""

    codes: list[int] = field(default_factory=lambda: [200])
    delay: float = 0.0
    got: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    spec = Receiver(port=free_port())
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                spec.got.append((dict(self.headers), body))
                code = spec.codes[min(len(spec.got), len(spec.codes)) - 1]
            time.sleep(spec.delay)
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", spec.port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield spec
    server.shutdown()
    server.server_close()


@pytest.fixture
async def store(mongo) -> NotificationStore:
    db = mongo[f"test_notify_{uuid.uuid4().hex[:8]}"]
    s = NotificationStore(db)
    await s.ensure_indexes()
    return s


def hook(webhook_id: str, url: str, events: list[str], **scope: str) -> dict:
    return {
        "_id": webhook_id,
        "url": url,
        "events": events,
        "secret": SECRET,
        "description": "",
        "scope": {"username": "x", "role": scope.pop("role", "county"), **scope},
        "created_by": "x",
        "created_at": datetime.now(UTC),
    }


def a_case(tag: str, **fields) -> fpb.Case:
    base = {
        "case_id": f"C-{tag}",
        "grid_id": f"G{tag}",
        "community_id": "M1",
        "street_id": "S1",
        "category": "dispute.neighbor",
        "version": 1,
        "status": "reported",
        "level": "grid",
    }
    return fpb.Case(**{**base, **fields})


async def fetched(js, grid_id: str, changes: list[tuple[str, fpb.Case]]):
    """Publish case changes as fusion does; fetch them with a durable pull consumer of this test."""
    for change, case in changes:
        await bus.publish(
            js,
            bus.case_subject(grid_id, change),
            case,
            event_id=f"{case.case_id}.v{case.version}",
            ce_type=f"gridfusion.case.{change}.v1",
            source="tests",
        )
    sub = await js.pull_subscribe(
        f"gridfusion.cases.{grid_id}.>", durable=f"t-{uuid.uuid4().hex[:8]}", stream=bus.CASES.name
    )
    return await sub.fetch(len(changes), timeout=5)


async def test_a_change_is_posted_signed_retried_after_the_receiver_failed_and_logged(
    js, store: NotificationStore, receiver: Receiver
) -> None:
    tag = uuid.uuid4().hex[:8]
    receiver.codes = [500, 500, 200]
    await store.add_webhook(hook("wh-county", receiver.url, ["case.handed_over"]))
    await store.add_webhook(
        hook(
            "wh-petition", receiver.url, ["case.changed"], role="department", department="petition"
        )
    )
    await store.add_webhook(
        hook("wh-other-street", receiver.url, ["case.changed"], role="street", street_id="S9")
    )
    handed = a_case(
        tag,
        version=7,
        status="handed_over",
        level="department",
        handed_to="petition",
        summary="张三反映邻里纠纷 13800138000",
    )
    msgs = await fetched(js, f"G{tag}", [("handed_over", handed)])
    intake = Intake(store, fusion=None, timeout=5)
    # Read twice (a redelivery, another replica): recorded once.
    for _ in range(2):
        assert [o.verdict for o in await intake.handle(msgs)] == [bus.Verdict.DONE]
    deliveries = await store.deliveries.find({}).sort("_id", 1).to_list()
    assert [(d["webhook_id"], d["event"]) for d in deliveries] == [
        ("wh-county", "case.handed_over"),
        ("wh-petition", "case.changed"),
    ]
    sender = Sender(store, timeout=5, max_attempts=5, retry_seconds=0.3, allow_private=True)
    try:
        assert await sender.tick() == 2  # both answered 500 at first: to be tried again
        assert await sender.tick() == 0  # not due yet
        await asyncio.sleep(0.4)
        assert await sender.tick() == 2
    finally:
        await sender.client.aclose()
    assert len(receiver.got) == 4
    for headers, body in receiver.got:
        assert signing.verify(SECRET, body, headers[signing.SIGNATURE])
        payload = json.loads(body)
        assert (
            headers[signing.DELIVERY] == payload["delivery_id"]
            and headers[signing.EVENT] == payload["event"]
        )
        assert (
            payload["case_id"] == f"C-{tag}"
            and payload["handed_to"] == "petition"
            and payload["version"] == 7
        )
        assert "13800138000" not in body.decode() and "张三" not in body.decode()
        assert abs(int(headers[signing.TIMESTAMP]) - time.time()) < 60
    # The same delivery id on the retry: the receiver's key to drop a repeat.
    ids = [h[signing.DELIVERY] for h, _ in receiver.got]
    assert len(ids) == 4 and len(set(ids)) == 2
    logged, total = await store.delivery_log("wh-county", None, 0, 10)
    assert total == 1 and logged[0]["status"] == "delivered"
    assert [a["status_code"] for a in logged[0]["attempts"]] == [500, 200]
    assert logged[0]["next_at"] is None


async def test_a_delivery_fails_after_its_last_attempt_and_a_silent_receiver_is_a_time_out(
    store: NotificationStore, receiver: Receiver
) -> None:
    receiver.codes, receiver.delay = [503], 0.0
    await store.add_webhook(hook("wh", receiver.url, ["case.changed"]))
    await store.record(
        [
            Intake.delivery(
                await store.webhook("wh"), "case.changed", a_case("x"), "C-x.v1", datetime.now(UTC)
            )
        ],
        [],
    )
    sender = Sender(store, timeout=0.5, max_attempts=2, retry_seconds=0.1, allow_private=True)
    try:
        await sender.tick()
        receiver.delay = 1.0  # the second attempt gets no answer in time
        await asyncio.sleep(0.2)
        await sender.tick()
    finally:
        await sender.client.aclose()
    [doc], _ = await store.delivery_log("wh", None, 0, 10)
    assert doc["status"] == "failed" and doc["attempt_count"] == 2
    assert doc["attempts"][0]["status_code"] == 503
    assert (
        doc["attempts"][1]["status_code"] is None
        and "no answer within" in doc["attempts"][1]["error"]
    )


async def test_a_private_address_is_not_posted_to_unless_allowed(
    store: NotificationStore, receiver: Receiver
) -> None:
    await store.add_webhook(hook("wh", receiver.url, ["case.changed"]))
    await store.record(
        [
            Intake.delivery(
                await store.webhook("wh"), "case.changed", a_case("p"), "C-p.v1", datetime.now(UTC)
            )
        ],
        [],
    )
    sender = Sender(store, timeout=1, max_attempts=1, retry_seconds=0.1, allow_private=False)
    try:
        await sender.tick()
    finally:
        await sender.client.aclose()
    [doc], _ = await store.delivery_log("wh", None, 0, 10)
    assert doc["status"] == "failed" and "private or loopback" in doc["attempts"][0]["error"]
    assert receiver.got == []


async def test_two_senders_never_post_one_delivery_at_once(
    store: NotificationStore, receiver: Receiver
) -> None:
    receiver.delay = 0.3
    await store.add_webhook(hook("wh", receiver.url, ["case.changed"]))
    now = datetime.now(UTC)
    await store.record(
        [
            Intake.delivery(
                await store.webhook("wh"), "case.changed", a_case(str(i)), f"C-{i}.v1", now
            )
            for i in range(10)
        ],
        [],
    )
    senders = [
        Sender(store, timeout=5, max_attempts=3, retry_seconds=1, allow_private=True)
        for _ in range(2)
    ]
    try:
        counts = await asyncio.gather(*(s.tick() for s in senders))
    finally:
        for s in senders:
            await s.client.aclose()
    assert sum(counts) == 10 and all(counts)  # both worked, neither posted what the other held
    assert sorted(h[signing.DELIVERY] for h, _ in receiver.got) == sorted(
        f"wh:C-{i}.v1:case.changed" for i in range(10)
    )
    assert await store.deliveries.count_documents({"status": "delivered"}) == 10


async def test_a_deleted_subscription_cancels_what_it_had_not_sent(
    store: NotificationStore, receiver: Receiver
) -> None:
    await store.add_webhook(hook("wh", receiver.url, ["case.changed"]))
    await store.record(
        [
            Intake.delivery(
                await store.webhook("wh"), "case.changed", a_case("d"), "C-d.v1", datetime.now(UTC)
            )
        ],
        [],
    )
    assert await store.delete_webhook("wh", datetime.now(UTC))
    sender = Sender(store, timeout=1, max_attempts=1, retry_seconds=0.1, allow_private=True)
    try:
        assert await sender.tick() == 0
    finally:
        await sender.client.aclose()
    [doc], _ = await store.delivery_log("wh", None, 0, 10)
    assert doc["status"] == "cancelled" and receiver.got == []


async def test_notifications_reach_the_accounts_responsible_only_and_are_read_by_each_for_itself(
    js, store: NotificationStore
) -> None:
    tag = uuid.uuid4().hex[:8]
    grid = f"G{tag}"
    at = [bus.to_timestamp(datetime(2026, 11, 27, 9, minute, tzinfo=UTC)) for minute in range(3)]
    opened = a_case(tag, version=1, updated_at=at[0])
    handed = a_case(
        tag,
        version=5,
        status="handed_over",
        level="department",
        handed_to="legal_aid",
        updated_at=at[1],
    )
    overdue = a_case(
        tag,
        version=6,
        status="handed_over",
        level="department",
        handed_to="legal_aid",
        overdue=True,
        updated_at=at[2],
    )
    msgs = await fetched(
        js, grid, [("opened", opened), ("handed_over", handed), ("overdue", overdue)]
    )
    await Intake(store, fusion=None, timeout=5).handle(msgs)

    async def inbox(p: Principal) -> list[tuple[str, str]]:
        docs, _ = await store.inbox(p.role, key_of(p), p.username, unread_only=False, limit=50)
        return [(d["kind"], d["change"]) for d in docs]

    sec, worker = (
        Principal("sec", "secretary", "S1", "M1", grid),
        Principal("w", "worker", "S1", "M1", grid),
    )
    assert await inbox(sec) == await inbox(worker) == [("arrived", "opened")]
    assert await inbox(Principal("d", "department", department="legal_aid")) == [
        ("overdue", "overdue"),
        ("arrived", "handed_over"),
    ]
    assert await inbox(Principal("s", "street", "S1")) == [("overdue", "overdue")]
    assert await inbox(Principal("admin", "county")) == [("overdue", "overdue")]
    for outsider in (
        Principal("d2", "department", department="petition"),
        Principal("c", "community", "S1", "M1"),
        Principal("w2", "worker", "S1", "M1", "G-other"),
        Principal("s2", "street", "S2"),
    ):
        assert await inbox(outsider) == [], outsider
    # The secretary reads its one: the worker's stays unread.
    docs, unread = await store.inbox("secretary", key_of(sec), "sec", unread_only=False, limit=50)
    assert unread == 1
    assert await store.mark_read("secretary", key_of(sec), "sec", docs[0]["_id"]) == 1
    assert (await store.inbox("secretary", key_of(sec), "sec", unread_only=True, limit=50))[1] == 0
    assert (await store.inbox("worker", key_of(worker), "w", unread_only=True, limit=50))[1] == 1


class Timeline:
    """Fusion's GetCase as the intake reads it: the case's timeline (a stand-in for fusion's gRPC
    API only; NATS and the database are real)."""

    def __init__(self, *entries: fpb.TimelineEntry) -> None:
        self.entries = entries
        self.asked: list[str] = []

    async def GetCase(self, request: fpb.GetCaseRequest, timeout: float) -> fpb.CaseDetail:
        self.asked.append(request.case_id)
        return fpb.CaseDetail(timeline=self.entries)


async def test_an_escalation_the_deadline_made_is_overdue_for_the_level_that_missed_it(
    js, store: NotificationStore
) -> None:
    tag = uuid.uuid4().hex[:8]
    at = bus.to_timestamp(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    by_hand = bus.to_timestamp(datetime(2026, 11, 26, 10, 0, tzinfo=UTC))
    escalated = a_case(tag, version=4, status="escalated", level="community", updated_at=at)
    fusion = Timeline(
        fpb.TimelineEntry(action="escalate", actor="sec-x", at=by_hand, from_level="grid"),
        fpb.TimelineEntry(action="escalate", actor="fusion:deadline", at=at, from_level="grid"),
    )
    await store.add_webhook(hook("wh", "https://example.org/", ["case.overdue", "case.escalated"]))
    msgs = await fetched(js, f"G{tag}", [("escalated", escalated)])
    await Intake(store, fusion=fusion, timeout=5).handle(msgs)
    assert fusion.asked == [f"C-{tag}"]
    assert sorted(d["event"] for d in await store.deliveries.find({}).to_list()) == [
        "case.escalated",
        "case.overdue",
    ]
    notes = {(n["kind"], n["audience_key"]) for n in await store.notifications.find({}).to_list()}
    assert notes == {("arrived", "community_id:M1"), ("overdue", f"grid_id:G{tag}")}


async def test_a_url_httpx_cannot_post_to_is_an_attempt_that_failed_not_a_stuck_delivery(
    store: NotificationStore,
) -> None:
    await store.add_webhook(hook("wh", "http://例子.测试:0/x", ["case.changed"]))
    await store.record(
        [
            Intake.delivery(
                await store.webhook("wh"), "case.changed", a_case("u"), "C-u.v1", datetime.now(UTC)
            )
        ],
        [],
    )
    sender = Sender(store, timeout=1, max_attempts=2, retry_seconds=0.05, allow_private=True)
    try:
        await sender.tick()
        await asyncio.sleep(0.1)
        await sender.tick()
    finally:
        await sender.client.aclose()
    [doc], _ = await store.delivery_log("wh", None, 0, 10)
    assert doc["status"] == "failed" and [a["status_code"] for a in doc["attempts"]] == [None, None]
    assert all(a["error"] for a in doc["attempts"])
