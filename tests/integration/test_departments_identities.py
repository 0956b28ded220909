"""Each department's own NATS identity: the local platform's nats-server configuration lets a
department publish only on its own subjects and read only its own hand-overs."""

from __future__ import annotations

import stat
import uuid

import nats.errors
import pytest
from gridfusion.departments.v1 import departments_pb2 as pb

from services.departments.handovers import HandOverFeed
from services.local import NATS_USERS, LocalPlatform
from services.platform import bus

pytestmark = pytest.mark.integration


async def connect_as(infra: LocalPlatform, user: str):
    return await bus.connect(infra.nats_address, name=f"test-{user}", user=user, password=infra.nats_passwords[user])


async def test_passwords_are_kept_private_under_the_home(infra: LocalPlatform) -> None:
    passwords = infra.nats_passwords
    assert set(passwords) == set(NATS_USERS)
    assert len(set(passwords.values())) == len(NATS_USERS)
    for name in ("users.json", "nats.conf"):
        mode = (infra.home / "nats" / name).stat().st_mode
        assert stat.S_IMODE(mode) == 0o600, name
    assert passwords == infra.nats_passwords  # generated once, read back


async def test_petition_cannot_publish_as_civil_affairs(infra: LocalPlatform, js) -> None:
    petition = await connect_as(infra, "petition")
    try:
        pjs = petition.jetstream()
        own = await pjs.publish("gridfusion.events.petition.dispute", b"\x0a\x01x",
                                headers={"Nats-Msg-Id": f"own-{uuid.uuid4().hex}"}, timeout=3)
        assert own.stream == "EVENTS"
        # nats-py sees a refused publish as a time-out (plus an asynchronous permissions error).
        for subject in ("gridfusion.events.civil_affairs.livelihood", "gridfusion.results.civil_affairs",
                        "gridfusion.handover.petition.G1", "gridfusion.cases.G1.opened"):
            with pytest.raises(nats.errors.TimeoutError):
                await pjs.publish(subject, b"\x0a\x01x", timeout=1.5)
        # Nor can it declare streams, or read another department's hand-overs.
        with pytest.raises(nats.errors.TimeoutError):
            await pjs.stream_info("EVENTS")
        with pytest.raises(nats.errors.TimeoutError):
            await HandOverFeed("civil_affairs", pjs).subscribe()
    finally:
        await petition.close()


async def test_a_department_reads_its_own_hand_overs_and_reports_results(infra: LocalPlatform, js) -> None:
    civil = await connect_as(infra, "civil_affairs")
    try:
        cjs = civil.jetstream()
        case_id = f"C-{uuid.uuid4().hex[:8]}"
        await bus.publish(js, bus.handover_subject("civil_affairs", "G1"), pb.HandOver(case_id=case_id),
                          event_id=f"{case_id}.h", ce_type="gridfusion.case.handed_over.v1", source="tests")
        sub = await HandOverFeed("civil_affairs", cjs).subscribe()
        seen = []
        for _ in range(20):
            try:
                msgs = await sub.fetch(10, timeout=1)
            except nats.errors.TimeoutError:
                break
            for msg in msgs:
                seen.append(pb.HandOver.FromString(msg.data).case_id)
                await msg.ack()
            if case_id in seen:
                break
        assert case_id in seen
        await sub.unsubscribe()
        ack = await bus.publish(cjs, bus.results_subject("civil_affairs"), pb.HandlingResult(case_id=case_id),
                                event_id=f"r-{case_id}", ce_type="gridfusion.handling_result.v1", source="tests")
        assert ack.stream == "HANDOVERS"
    finally:
        await civil.close()


async def test_fusion_consumes_events_but_cannot_forge_them(infra: LocalPlatform, js) -> None:
    fusion = await connect_as(infra, "fusion")
    try:
        fjs = fusion.jetstream()
        assert (await fjs.stream_info("EVENTS")).config.name == "EVENTS"
        with pytest.raises(nats.errors.TimeoutError):
            await fjs.publish("gridfusion.events.petition.dispute", b"x", timeout=1.5)
        ack = await fjs.publish("gridfusion.deadletter.events", b"x", headers={"Nats-Msg-Id": uuid.uuid4().hex}, timeout=3)
        assert ack.stream == "DEADLETTER"
    finally:
        await fusion.close()
