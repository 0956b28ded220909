"""The live feed: case changes from NATS, fanned out to each listener that may see them.

The gateway follows the CASES stream (subjects ``gridfusion.cases.>``, payload ``fusion.v1.Case``)
with one JetStream ordered consumer, made when the gateway starts at the stream's next sequence;
every server-sent-events listener has its own bounded queue and its principal, and receives only
the changes :func:`services.platform.scope.sees_case` lets it see. A listener too slow to keep up
loses the oldest changes, never the gateway's memory; it re-reads the case list on reconnect.

The same changes keep the gateway's read model of the hot case lists current
(:mod:`gateway.hotlist`, one of :attr:`FeedHub.on_case`). A dropped connection loses nothing: the
consumer resumes after the last stream sequence it delivered (nats-py makes it again when the
server lost it, within two idle heartbeats, :data:`HEARTBEAT_SECONDS`). While the connection is
down, and after it came back until every change the stream held then has arrived
(:attr:`FeedHub.caught_up`), the model is behind and lists go to fusion. Only a change the
stream no longer holds (a jump in the stream sequence: a stream made anew, messages past their
age) breaks the model (:attr:`FeedHub.breaks`), which then loads itself again.

A listener's session is checked every few seconds (``GATEWAY_FEED_SESSION_CHECK_SECONDS``) and
at once when any replica ends it: a disabled account, or one whose role or scope changed, is
sent ``event: session_ended`` and its stream closed, on every replica.

Ended sessions reach every replica on the same connection: the replica that ends sessions (sign-out,
disabling, a role or scope change, a password reset or change, a reused refresh token) publishes
``gridfusion.gateway.sessions.ended`` (core NATS, JSON ``{"username": ..., "session_id": ...}``;
no ``session_id`` when every session of the account ended), and every replica — itself included —
forgets those sessions from its memory of open ones (:mod:`gateway.accounts.open_sessions`)
and wakes the account's listeners. A notice published while a replica was disconnected is lost
to it, so that memory is trusted only under :meth:`FeedHub.notices_epoch`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from google.protobuf.message import DecodeError
from gridfusion.fusion.v1 import fusion_pb2 as fpb
from gridfusion.reference.v1 import reference_pb2 as rpb
from nats.js.api import ConsumerConfig, DeliverPolicy
from opentelemetry import trace

from services.platform import bus, periodic
from services.platform.scope import sees_case
from services.platform.telemetry import extract_context, tracer

from .auth import Principal

log = logging.getLogger(__name__)

SUBJECT = "gridfusion.cases.>"
REFERENCE_SUBJECT = "gridfusion.reference.activated"
# Sessions a gateway replica ended, for every replica (services/platform/permissions.py: only the gateway).
SESSIONS_SUBJECT = "gridfusion.gateway.sessions.ended"
# How long ending sessions waits for NATS to take the notice before answering anyway.
ANNOUNCE_TIMEOUT = 2.0
QUEUE_SIZE = 256
# The server's idle heartbeat on the consumer of case changes: two missed (a server that restarted
# lost the consumer) and nats-py makes it again, after the last sequence delivered.
HEARTBEAT_SECONDS = 2.0
# How often the hub makes its consumer (until the stream is there) and checks a reconnect.
FOLLOW_SECONDS = 1.0


@dataclass(frozen=True)
class CaseChange:
    change: str  # the last token of the subject: opened | updated | ...
    case: fpb.Case
    msg_id: str


def sessions_notice(username: str, session_id: str | None = None) -> bytes:
    """The payload of ``SESSIONS_SUBJECT``: every session of ``username``, or only ``session_id``."""
    body = {"username": username} if session_id is None else {"username": username, "session_id": session_id}
    return json.dumps(body).encode()


def read_sessions_notice(data: bytes) -> tuple[str, str | None] | None:
    """The username and session id (None: all) of a notice; None when it is not one."""
    try:
        body = json.loads(data)
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("username"), str) or not body["username"]:
        return None
    session_id = body.get("session_id")
    return body["username"], session_id if isinstance(session_id, str) and session_id else None


@dataclass(eq=False)
class Listener:
    principal: Principal
    queue: asyncio.Queue[CaseChange] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    # Set when this gateway ended sessions of the listener's account: check its own at once.
    recheck: asyncio.Event = field(default_factory=asyncio.Event)

    async def next(self, timeout: float) -> CaseChange | None:
        """The next change, or None when ``timeout`` passed or the session must be checked."""
        if self.recheck.is_set():
            self.recheck.clear()
            return None
        getting = asyncio.ensure_future(self.queue.get())
        waking = asyncio.ensure_future(self.recheck.wait())
        done, pending = await asyncio.wait({getting, waking}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        if getting in done:
            return getting.result()
        self.recheck.clear()
        return None

    def offer(self, change: CaseChange) -> None:
        if not sees_case(self.principal, change.case):
            return
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(change)


class FeedHub:
    def __init__(self) -> None:
        self.listeners: set[Listener] = set()
        self.nc = None
        self.delivered = 0
        # Called with the version when fusion announces a new current reference version.
        self.on_reference: list = []
        # Called with every case change, before the listeners get it (the hot lists' read model).
        self.on_case: list[Callable[[CaseChange], None]] = []
        # Set once the subscriptions to notices (reference versions, ended sessions) are in place.
        self.subscribed = False
        # Set once the consumer of the CASES stream is made (:meth:`follow`).
        self.following = False
        # The stream sequence of the last case change taken in.
        self.applied = 0
        # How often changes were skipped for good (the stream no longer held them).
        self.breaks = 0
        # (reconnect count, stream sequence): the stream's last sequence when the connection last
        # came back, which the changes taken in must reach before they are complete again.
        self._behind: tuple[int, int] = (0, 0)
        self._sub = None
        # The read model of the hot case lists (gateway.hotlist.HotList), when the app keeps one.
        self.hotlist = None
        # Called with (username, session id or None) when any replica announces ended sessions,
        # before the account's listeners are woken (the memory of open sessions forgets them).
        self.on_sessions_ended: list[Callable[[str, str | None], None]] = []

    async def start(self, url: str, *, user: str | None = None, password: str | None = None) -> None:
        """Connect and listen to notices; :meth:`keep` then follows the case changes."""
        self.nc = await bus.connect(url, name="gateway-feed", user=user, password=password)
        await self.nc.subscribe(REFERENCE_SUBJECT, cb=self._on_reference)
        await self.nc.subscribe(SESSIONS_SUBJECT, cb=self._on_sessions_ended)
        await self.nc.flush()  # the server has the subscriptions: no notice published from now on is missed
        self.subscribed = True

    async def follow(self) -> None:
        """Make the ordered consumer of the CASES stream, starting after its last sequence (fails
        while the stream is not declared yet: fusion declares it)."""
        js = self.nc.jetstream()
        last = (await js.stream_info(bus.CASES.name)).state.last_seq
        self.applied, self._behind = last, (self.reconnects, last)
        self._sub = await js.subscribe(
            SUBJECT, stream=bus.CASES.name, cb=self._on_message, ordered_consumer=True,
            idle_heartbeat=HEARTBEAT_SECONDS,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=last + 1),
        )
        self.following = True
        log.info("following case changes", extra={"after": last})

    async def check(self) -> None:
        """After the connection came back: note the stream's last sequence, which the changes taken
        in must reach before :attr:`caught_up` holds again. A stream whose sequence went back was
        made anew: the model is broken, and the consumer made again at the new stream's end."""
        seen = self.reconnects
        if self._behind[0] == seen or not self.connected:
            return
        last = (await self.nc.jetstream().stream_info(bus.CASES.name)).state.last_seq
        if last < self.applied:
            log.warning("the stream of case changes was made anew; the case lists are loaded again",
                        extra={"applied": self.applied, "last": last})
            self.breaks += 1
            self.following = False
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
            await self.follow()
            return
        self._behind = (seen, last)

    @property
    def caught_up(self) -> bool:
        """Following, connected, and every change the stream held when the connection last came
        back taken in: what is held is the store's state of a moment ago."""
        seen, last = self._behind
        return self.following and self.connected and seen == self.reconnects and self.applied >= last

    async def keep(self, stop: asyncio.Event | None = None) -> None:
        """Follow the case changes once connected, and check every reconnect; until cancelled."""

        async def step() -> None:
            if self.nc is None or not self.subscribed:
                return
            if not self.following:
                await self.follow()
            else:
                await self.check()

        def failed(exc: Exception, failures: int) -> None:
            if failures == 1 or failures % 30 == 0:  # fusion may not have declared the stream yet
                log.warning("case changes not followed yet; lists go to fusion meanwhile",
                            extra={"error": str(exc) or type(exc).__name__, "failures": failures})

        await periodic.repeat(step, every=FOLLOW_SECONDS, failed=failed, stop=stop, backoff=(1, 2, 5, 10))

    async def _on_reference(self, msg) -> None:
        try:
            version = rpb.ReferenceVersion.FromString(msg.data).version
        except DecodeError:
            return
        log.info("reference version announced", extra={"version": version})
        for listener in self.on_reference:
            listener(version)

    async def _on_sessions_ended(self, msg) -> None:
        notice = read_sessions_notice(msg.data)
        if notice is None:
            log.warning("undecodable notice of ended sessions", extra={"subject": msg.subject})
            return
        username, session_id = notice
        for sink in self.on_sessions_ended:
            try:
                sink(username, session_id)
            except Exception:
                log.exception("a notice of ended sessions was not taken in", extra={"username": username})
        self.wake(username)

    @property
    def connected(self) -> bool:
        return self.nc is not None and self.nc.is_connected

    @property
    def reconnects(self) -> int:
        """How often the NATS connection came back after dropping (changes may be lost each time)."""
        return self.nc.stats["reconnects"] if self.nc is not None else 0

    def notices_epoch(self) -> int | None:
        """While every notice of ended sessions reaches this gateway: the reconnect count (what
        was remembered under another count may have missed one); None while one may be missed
        (not subscribed yet, or disconnected)."""
        return self.reconnects if self.subscribed and self.connected else None

    async def _on_message(self, msg) -> None:
        seq = msg.metadata.sequence.stream
        if seq <= self.applied:
            return  # delivered again by a consumer made anew
        if seq != self.applied + 1:
            log.warning("case changes missed: the stream no longer holds them; the case lists are loaded again",
                        extra={"from": self.applied + 1, "to": seq - 1})
            self.breaks += 1
        self.applied = seq
        try:
            case = fpb.Case.FromString(msg.data)
        except DecodeError:
            log.warning("undecodable case change", extra={"subject": msg.subject})
            return
        change = CaseChange(msg.subject.rsplit(".", 1)[-1], case, (msg.headers or {}).get("Nats-Msg-Id", ""))
        with tracer(__name__).start_as_current_span(
            f"deliver {bus.CASES.name} change", context=extract_context(msg.headers), kind=trace.SpanKind.CONSUMER,
            attributes={"messaging.system": "nats", "messaging.destination.name": msg.subject,
                        "gridfusion.case_id": case.case_id, "gridfusion.listeners": len(self.listeners)},
        ):
            self.publish(change)

    def publish(self, change: CaseChange) -> None:
        self.delivered += 1
        for sink in self.on_case:
            try:
                sink(change)
            except Exception:
                log.exception("a case change was not taken in", extra={"msg_id": change.msg_id})
        for listener in list(self.listeners):
            listener.offer(change)

    def listen(self, principal: Principal) -> Listener:
        listener = Listener(principal)
        self.listeners.add(listener)
        return listener

    async def end_sessions(self, username: str, session_id: str | None = None) -> None:
        """Sessions of ``username`` (only ``session_id``, when given) ended here: its listeners
        check theirs now, not at the next tick, and every replica is told, on NATS, before this returns."""
        self.wake(username)
        if self.nc is None or self.nc.is_closed:
            log.warning("ended sessions not announced: the live feed is not connected", extra={"username": username})
            return
        try:
            await self.nc.publish(SESSIONS_SUBJECT, sessions_notice(username, session_id))
            if self.connected:  # else it is sent when the connection is back
                await self.nc.flush(timeout=ANNOUNCE_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - the end is written; the notice is the fast path
            log.warning("ended sessions may reach other replicas late", extra={"username": username, "error": str(exc)})

    def wake(self, username: str) -> None:
        """The listeners of ``username`` check their sessions now."""
        for listener in list(self.listeners):
            if listener.principal.username == username:
                listener.recheck.set()

    def forget(self, listener: Listener) -> None:
        self.listeners.discard(listener)

    async def close(self) -> None:
        if self.nc is not None and not self.nc.is_closed:
            await self.nc.drain()
