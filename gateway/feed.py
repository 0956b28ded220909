"""The live feed: case changes from NATS, fanned out to each listener that may see them.

The gateway holds one NATS connection with one core subscription on
``gridfusion.cases.>`` (the subjects of the CASES stream, payload ``fusion.v1.Case``); every
server-sent-events listener has its own bounded queue and its principal, and receives only the
changes :func:`services.platform.scope.sees_case` lets it see. A listener too slow to keep up loses
the oldest changes, never the gateway's memory; it re-reads the case list on reconnect.

The same changes, from the same subscription, keep the gateway's read model of the hot case
lists current (:mod:`gateway.hotlist`, one of :attr:`FeedHub.on_case`). nats-py resubscribes by
itself after a dropped connection, but what was published meanwhile is lost: the model watches
:attr:`FeedHub.reconnects` and loads itself again when it changed.

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
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from google.protobuf.message import DecodeError
from gridfusion.fusion.v1 import fusion_pb2 as fpb
from gridfusion.reference.v1 import reference_pb2 as rpb

from services.platform import bus
from services.platform.scope import sees_case

from .auth import Principal

log = logging.getLogger(__name__)

SUBJECT = "gridfusion.cases.>"
REFERENCE_SUBJECT = "gridfusion.reference.activated"
# Sessions a gateway replica ended, for every replica (services/platform/permissions.py: only the gateway).
SESSIONS_SUBJECT = "gridfusion.gateway.sessions.ended"
# How long ending sessions waits for NATS to take the notice before answering anyway.
ANNOUNCE_TIMEOUT = 2.0
QUEUE_SIZE = 256


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
        # Set once the subscription to case changes is in place at the server.
        self.subscribed = False
        # The read model of the hot case lists (gateway.hotlist.HotList), when the app keeps one.
        self.hotlist = None
        # Called with (username, session id or None) when any replica announces ended sessions,
        # before the account's listeners are woken (the memory of open sessions forgets them).
        self.on_sessions_ended: list[Callable[[str, str | None], None]] = []

    async def start(self, url: str, *, user: str | None = None, password: str | None = None) -> None:
        self.nc = await bus.connect(url, name="gateway-feed", user=user, password=password)
        await self.nc.subscribe(SUBJECT, cb=self._on_message)
        await self.nc.subscribe(REFERENCE_SUBJECT, cb=self._on_reference)
        await self.nc.subscribe(SESSIONS_SUBJECT, cb=self._on_sessions_ended)
        await self.nc.flush()  # the server has the subscriptions: no change published from now on is missed
        self.subscribed = True

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
        try:
            case = fpb.Case.FromString(msg.data)
        except DecodeError:
            log.warning("undecodable case change", extra={"subject": msg.subject})
            return
        change = CaseChange(msg.subject.rsplit(".", 1)[-1], case, (msg.headers or {}).get("Nats-Msg-Id", ""))
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
