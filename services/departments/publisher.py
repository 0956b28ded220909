"""Publishing a department's accepted events, and the relay of its outbox.

A new event is published first, then recorded with its outbox flag (``published``, see
:mod:`services.departments.store`) saying whether JetStream acknowledged it; either way it is
safe before the caller hears "accepted". Whatever is recorded unacknowledged — NATS away — the
relay publishes, and clears the flag. ``Nats-Msg-Id`` is ``<department>:<id>``, so a second
publish of one event is dropped (and fusion keys what it fuses by the same pair).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, timedelta

from gridfusion.events.v1 import events_pb2

from services.platform import bus, metrics, periodic

from .definition import Department
from .store import DepartmentStore

log = logging.getLogger(__name__)

EVENT_CE_TYPE = "gridfusion.department_event.v1"


class Publisher:
    """Publishes accepted events and relays whatever the outbox still holds."""

    def __init__(self, department: Department, store: DepartmentStore, js, *, timeout: float = 5.0) -> None:
        self.department = department
        self.store = store
        self.js = js
        self.timeout = timeout
        self.source = f"gridfusion/departments/{department.name}"

    def outgoing(self, event: events_pb2.DepartmentEvent) -> bus.Outgoing:
        """The event as it goes onto the bus."""
        return bus.Outgoing(
            subject=bus.event_subject(self.department.name, event.category),
            message=event,
            event_id=event.id,
            # Ids are unique within a department only: another department's event of the
            # same id is not a duplicate; a republish of this one is.
            msg_id=bus.event_key(self.department.name, event.id),
            ce_type=EVENT_CE_TYPE,
            source=self.source,
            ce_subject=event.subject_id or None,
            time=event.time.ToDatetime(tzinfo=UTC),
            parent=event.traceparent,  # relayed later, it still continues the trace that accepted it
        )

    async def publish(self, event: events_pb2.DepartmentEvent) -> bool:
        """Publish and mark published; False (and the outbox keeps it) when JetStream did not ack."""
        return (await self.publish_many([event]))[0]

    async def publish_many(self, events: Sequence[events_pb2.DepartmentEvent]) -> list[bool]:
        """Publish the events with their acknowledgements in flight together, then clear the
        outbox flags of the acknowledged ones in one round of updates. One answer per event, in order:
        True when JetStream acknowledged it; False (the outbox keeps it for the relay) otherwise.
        An acknowledged event whose flag could not be cleared is published again by the relay
        and dropped by JetStream as a duplicate (``Nats-Msg-Id``)."""
        acked = await self.send_many(events)
        try:
            await self.store.mark_published_many([e.id for e, ok in zip(events, acked, strict=True) if ok])
        except Exception as exc:  # noqa: BLE001 - published and safe; the relay's copy is dropped
            log.warning("published, flags not cleared", extra={"count": sum(acked), "error": repr(exc)})
        return acked

    async def send_many(self, events: Sequence[events_pb2.DepartmentEvent]) -> list[bool]:
        """Publish the events with their acknowledgements in flight together, touching no record.
        One answer per event, in order: True when JetStream acknowledged it."""
        if not events:
            return []
        answers = await bus.publish_many(self.js, [self.outgoing(e) for e in events], timeout=self.timeout)
        failed = [(e.id, answer) for e, answer in zip(events, answers, strict=True) if isinstance(answer, Exception)]
        if failed:
            log.warning("publish deferred to the relay", extra={
                "count": len(failed), "event_id": failed[0][0], "error": repr(failed[0][1]),
            })
        return [not isinstance(answer, Exception) for answer in answers]

    async def relay_once(self, older_than: float = 5.0, *, page: int = 500, pages: int = 20) -> int:
        """Publish the outbox entries older than ``older_than`` seconds, oldest first, a page at a
        time with the acknowledgements of a page in flight together, until the outbox is empty,
        JetStream stops acknowledging, or ``pages`` pages went out; how many were published."""
        published = 0
        for _ in range(pages):
            pending = await self.store.unpublished(timedelta(seconds=older_than), limit=page)
            acked = sum(await self.publish_many(pending))
            published += acked
            if len(pending) < page or acked < len(pending):
                break
        if published:
            log.info("outbox relayed", extra={"count": published})
        return published

    async def relay(self, stop: asyncio.Event, *, every: float = 2.0, older_than: float = 5.0) -> None:
        """Publish outbox entries that the request path could not (a crash, NATS away), and say
        how many are left (``gridfusion_outbox_backlog``)."""

        async def once() -> None:
            await self.relay_once(older_than)
            metrics.OUTBOX_BACKLOG.set(await self.store.backlog(), service=self.department.name)

        await periodic.repeat(once, every=every, stop=stop,
                              failed=lambda exc, failures: log.exception("outbox relay failed"))
