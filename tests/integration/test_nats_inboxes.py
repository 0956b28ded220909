"""Replies are private: each NATS user receives them in its own inbox, which no one else can read.

JetStream answers a publish, and delivers what a pull consumer fetches, to the client's inbox.
With one shared ``_INBOX.>`` any user could read every other user's replies — every
department's events, names and phone numbers. The local platform's nats-server configuration
(written from the permission table) gives each user ``_INBOX_<user>.>`` alone.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import nats
import pytest
from gridfusion.departments.v1 import departments_pb2 as pb

from services.departments.handovers import HandOverFeed
from services.local import LocalPlatform, Ports
from services.platform import bus, permissions
from services.platform.vocabulary import DEPARTMENTS

pytestmark = pytest.mark.integration


@pytest.fixture
def own_infra(tmp_path) -> Iterator[LocalPlatform]:
    """A nats-server of its own (fusion's durable consumer is created here), streams declared."""
    platform = LocalPlatform(home=tmp_path / "home", ports=Ports.free(), say=lambda _: None)
    platform.start_infra()
    try:
        platform.declare_streams()
        yield platform
    finally:
        platform.stop()


async def connect_as(infra: LocalPlatform, user: str):
    """How a service connects (its own inbox prefix)."""
    return await bus.connect(infra.nats_address, name=f"test-{user}", user=user,
                             password=infra.nats_passwords[user])


async def test_finding_3_a_department_cannot_read_another_users_inbox(own_infra: LocalPlatform) -> None:
    secret = f"张三 13800138000 {uuid.uuid4().hex}".encode()
    errors: list[str] = []
    seen: list[tuple[str, bytes]] = []

    async def on_error(exc: Exception) -> None:
        errors.append(str(exc))

    # The eavesdropper: the petition department's own credentials, any inbox prefix it likes.
    spy = await nats.connect(own_infra.nats_address, user="petition",
                             password=own_infra.nats_passwords["petition"], error_cb=on_error,
                             allow_reconnect=False)
    fusion = await connect_as(own_infra, "fusion")
    civil = await connect_as(own_infra, "civil_affairs")
    try:
        targets = ["_INBOX.>", ">", "*.>", *(f"{permissions.inbox_prefix(u)}.>"
                                           for u in (permissions.OPERATOR, "fusion", "gateway", *DEPARTMENTS)
                                           if u != "petition")]
        for subject in targets:

            async def record(msg, subject=subject) -> None:
                seen.append((subject, msg.data))

            await spy.subscribe(subject, cb=record)
        await spy.flush()

        # Request/reply and pull-fetch traffic of other users, carrying personal data.
        fjs, cjs = fusion.jetstream(), civil.jetstream()
        ack = await cjs.publish(bus.event_subject("civil_affairs", "livelihood.medical"), secret,
                                headers={"Nats-Msg-Id": uuid.uuid4().hex})  # the ack: a reply to civil affairs
        assert ack.stream == bus.EVENTS.name
        events = await fjs.pull_subscribe("gridfusion.events.>", durable="fusion", stream=bus.EVENTS.name)
        fetched = await events.fetch(1, timeout=5)  # delivered to fusion's inbox
        assert [m.data for m in fetched] == [secret]
        await fetched[0].ack()
        case_id = f"C-{uuid.uuid4().hex[:8]}"
        await bus.publish(fjs, bus.handover_subject("civil_affairs", "G1"),
                          pb.HandOver(case_id=case_id, note=secret.decode()),
                          event_id=f"{case_id}.h", ce_type="gridfusion.case.handed_over.v1", source="tests")
        handovers = await HandOverFeed("civil_affairs", cjs).subscribe()
        [handover] = await handovers.fetch(1, timeout=5)  # delivered to civil affairs' inbox
        assert pb.HandOver.FromString(handover.data).case_id == case_id
        await handover.ack()
        assert (await fjs.stream_info(bus.HANDOVERS.name)).config.name == bus.HANDOVERS.name
        await asyncio.sleep(0.5)
        await spy.flush()

        assert seen == []
        errors_seen = "\n".join(errors).lower()
        for subject in targets:
            # nats-py reports a refused subscription asynchronously, in lower case.
            assert f'permissions violation for subscription to "{subject.lower()}"' in errors_seen, \
                f"subscribing to {subject} was not refused: {errors}"
    finally:
        for nc in (spy, fusion, civil):
            await nc.close()


async def test_a_service_gets_its_replies_in_its_own_inbox(own_infra: LocalPlatform) -> None:
    """The services' connection (bus.connect) uses the user's inbox, so its requests work."""
    petition = await connect_as(own_infra, "petition")
    try:
        assert petition._inbox_prefix.decode() == permissions.inbox_prefix("petition")
        ack = await petition.jetstream().publish(bus.event_subject("petition", "dispute.neighbor"), b"x",
                                                 headers={"Nats-Msg-Id": uuid.uuid4().hex})
        assert ack.stream == bus.EVENTS.name
    finally:
        await petition.close()
