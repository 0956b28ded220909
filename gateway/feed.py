"""The live feed: case changes from NATS, fanned out to each listener that may see them.

The gateway holds one NATS connection with one core subscription on
``gridfusion.cases.>`` (the subjects of the CASES stream, payload ``fusion.v1.Case``); every
server-sent-events listener has its own bounded queue and its principal, and receives only the
changes :func:`gateway.scoping.case_visible` lets it see. A listener too slow to keep up loses
the oldest changes, never the gateway's memory; it re-reads the case list on reconnect.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from google.protobuf.message import DecodeError
from gridfusion.fusion.v1 import fusion_pb2 as fpb

from services.platform import bus

from .auth import Principal
from .scoping import case_visible

log = logging.getLogger(__name__)

SUBJECT = "gridfusion.cases.>"
QUEUE_SIZE = 256


@dataclass(frozen=True)
class CaseChange:
    change: str  # the last token of the subject: opened | updated | ...
    case: fpb.Case
    msg_id: str


@dataclass(eq=False)
class Listener:
    principal: Principal
    queue: asyncio.Queue[CaseChange] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))

    def offer(self, change: CaseChange) -> None:
        if not case_visible(self.principal, change.case):
            return
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(change)


class FeedHub:
    def __init__(self) -> None:
        self.listeners: set[Listener] = set()
        self.nc = None
        self.delivered = 0

    async def start(self, url: str, *, user: str | None = None, password: str | None = None) -> None:
        self.nc = await bus.connect(url, name="gateway-feed", user=user, password=password)
        await self.nc.subscribe(SUBJECT, cb=self._on_message)

    @property
    def connected(self) -> bool:
        return self.nc is not None and self.nc.is_connected

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
        for listener in list(self.listeners):
            listener.offer(change)

    def listen(self, principal: Principal) -> Listener:
        listener = Listener(principal)
        self.listeners.add(listener)
        return listener

    def forget(self, listener: Listener) -> None:
        self.listeners.discard(listener)

    async def close(self) -> None:
        if self.nc is not None and not self.nc.is_closed:
            await self.nc.drain()
