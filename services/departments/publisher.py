"""Publishing a department's accepted events, and the relay of its outbox.

An accepted event is recorded with its outbox flag (``published`` false, see
:mod:`services.departments.store`) before it is published; JetStream's acknowledgement clears
the flag. Whatever stays flagged — a crash between the two, NATS away — the relay publishes.
``Nats-Msg-Id`` is ``<department>:<id>``, so a second publish of one event is dropped.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, timedelta

from gridfusion.events.v1 import events_pb2

from services.platform import bus, periodic

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

    async def publish(self, event: events_pb2.DepartmentEvent) -> bool:
        """Publish and mark published; False (and the outbox keeps it) when JetStream did not ack."""
        try:
            await bus.publish(
                self.js,
                bus.event_subject(self.department.name, event.category),
                event,
                event_id=event.id,
                # Ids are unique within a department only: another department's event of the
                # same id is not a duplicate; a republish of this one is.
                msg_id=bus.event_key(self.department.name, event.id),
                ce_type=EVENT_CE_TYPE,
                source=self.source,
                ce_subject=event.subject_id or None,
                time=event.time.ToDatetime(tzinfo=UTC),
                timeout=self.timeout,
            )
        except Exception as exc:  # noqa: BLE001 - the outbox has it; the relay retries
            log.warning("publish deferred to the relay", extra={"event_id": event.id, "error": repr(exc)})
            return False
        await self.store.mark_published(event.id)
        return True

    async def relay_once(self, older_than: float = 5.0) -> None:
        """Publish the outbox entries older than ``older_than`` seconds, oldest first, until
        JetStream stops acknowledging."""
        pending = await self.store.unpublished(timedelta(seconds=older_than))
        for event in pending:
            if not await self.publish(event):
                break
        if pending:
            log.info("outbox relayed", extra={"count": len(pending)})

    async def relay(self, stop: asyncio.Event, *, every: float = 2.0, older_than: float = 5.0) -> None:
        """Publish outbox entries that the request path could not (a crash, NATS away)."""
        await periodic.repeat(lambda: self.relay_once(older_than), every=every, stop=stop,
                              failed=lambda exc, failures: log.exception("outbox relay failed"))
