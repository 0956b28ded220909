"""The cases handed over to one department, as its system drains them (``StreamHandOvers``)."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

import grpc
import nats.errors
import nats.js.errors
from google.protobuf.message import DecodeError
from gridfusion.departments.v1 import departments_pb2 as pb
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from services.platform import bus

log = logging.getLogger(__name__)


class HandOverFeed:
    """The cases handed over to one department, from its durable consumer ``handover-<department>``.

    Fusion publishes each hand-over on ``gridfusion.handover.<department>.<grid_id>`` (stream
    HANDOVERS). A hand-over is acknowledged only after it was written to the department
    system's stream, so one that was never delivered (the system disconnected, the service
    stopped) comes again — at least once; ``case_id`` tells a repeat.
    """

    def __init__(self, department: str, js, *, ack_wait_seconds: float = 30.0) -> None:
        self.department = department
        self.js = js
        self.durable = f"handover-{department}"
        self.filter_subject = f"gridfusion.handover.{department}.>"
        self.ack_wait_seconds = ack_wait_seconds

    async def ensure(self) -> None:
        """Make the durable consumer unless it exists: from then on the stream keeps count of the
        hand-overs waiting for the department's system, whether or not it is connected."""
        try:
            await self.js.consumer_info(bus.HANDOVERS.name, self.durable)
        except nats.js.errors.NotFoundError:
            config = ConsumerConfig(
                name=self.durable,
                durable_name=self.durable,
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                ack_wait=self.ack_wait_seconds,
                filter_subject=self.filter_subject,
            )
            with suppress(nats.js.errors.BadRequestError):  # created meanwhile by another stream
                await self.js.add_consumer(bus.HANDOVERS.name, config=config)

    async def read_lag(self) -> None:
        """The hand-overs waiting for the system (and given, not yet written to it), for the
        metrics; the consumer is made first if the system has never connected."""
        await self.ensure()
        await bus.read_lag(self.js, bus.HANDOVERS.name, self.durable)

    async def subscribe(self):
        await self.ensure()
        return await self.js.pull_subscribe_bind(durable=self.durable, stream=bus.HANDOVERS.name)

    async def run(self, context: grpc.aio.ServicerContext, stop: asyncio.Event, *, batch: int = 10) -> None:
        sub = await self.subscribe()
        try:
            while not stop.is_set() and not context.done():
                try:
                    msgs = await sub.fetch(batch, timeout=1.0)
                except (TimeoutError, nats.errors.TimeoutError):
                    continue
                for msg in msgs:
                    handover, problem = decode_handover(msg.subject, msg.data, self.department)
                    if handover is None:
                        # Delivering it again cannot help: refused for good, with the reason.
                        log.error("malformed hand-over refused", extra={"subject": msg.subject, "error": problem})
                        await msg.term()
                        continue
                    await context.write(handover)
                    await msg.ack()
        finally:
            with suppress(Exception):
                await sub.unsubscribe()


def decode_handover(subject: str, data: bytes, department: str) -> tuple[pb.HandOver | None, str]:
    """The hand-over in a message on ``gridfusion.handover.<department>.<grid_id>``, or None and
    why it is refused: a body that is not a ``HandOver``, a subject of another shape or
    department, no case, or a grid other than the subject's."""
    try:
        handover = pb.HandOver.FromString(data)
    except DecodeError as exc:
        return None, f"malformed: body is not a HandOver ({exc})"
    prefix = bus.handover_subject(department, "")
    grid_id = subject[len(prefix):] if subject.startswith(prefix) else ""
    if not grid_id:
        return None, f"malformed: subject {subject!r} is not a hand-over to {department}"
    if not handover.case_id.strip():
        return None, "malformed: the hand-over names no case"
    if handover.grid_id != grid_id:
        return None, f"malformed: hand-over of grid {handover.grid_id!r} published on grid {grid_id!r}'s subject"
    return handover, ""
