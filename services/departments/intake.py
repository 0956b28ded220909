"""Accepting a department's events: validation, the point in WGS84, enrichment, the record, the
publish — answered "accepted" only once the event is safe (acknowledged by JetStream, or
committed in the outbox for the relay to publish)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from gridfusion.departments.v1 import departments_pb2 as pb
from gridfusion.events.v1 import events_pb2

from . import reference
from .datum import keep_in_wgs84
from .definition import Department
from .publisher import Publisher
from .store import DepartmentStore
from .validation import FieldErrors, check_event


class DepartmentIntake:
    """Accepting events: validation, the point in WGS84, enrichment, the record, the publish.

    An event is enriched with the reference version in use when it arrived (pinned for the
    whole call), whatever version is switched to meanwhile. With no version loaded, an enricher
    that needs one raises :class:`reference.NotLoaded` before anything is recorded.
    """

    def __init__(self, department: Department, store: DepartmentStore, publisher: Publisher) -> None:
        self.department = department
        self.store = store
        self.publisher = publisher

    async def submit(self, event: events_pb2.DepartmentEvent) -> tuple[pb.SubmitResult, FieldErrors]:
        with reference.pinned():
            return await self._submit(event)

    async def _submit(self, event: events_pb2.DepartmentEvent) -> tuple[pb.SubmitResult, FieldErrors]:
        if not event.department:
            event.department = self.department.name
        errors = check_event(event, self.department)
        if errors:
            return pb.SubmitResult(
                event_id=event.id,
                status=pb.SUBMIT_STATUS_INVALID,
                errors=[pb.FieldError(field=f, message=m) for f, m in errors],
            ), errors
        keep_in_wgs84(event)
        existing = await self.store.get(event.id)
        if existing is not None:
            stored, published = existing
            if not published:
                await self.publisher.publish(stored)
            return pb.SubmitResult(event_id=event.id, status=pb.SUBMIT_STATUS_DUPLICATE), []
        if event.severity == events_pb2.SEVERITY_UNSPECIFIED:
            event.severity = events_pb2.SEVERITY_MEDIUM
        event.accepted_at.FromDatetime(datetime.now(UTC))
        for enrich in self.department.enrichers:
            await enrich(event, self.store)
        if not await self.store.insert(event):
            return pb.SubmitResult(event_id=event.id, status=pb.SUBMIT_STATUS_DUPLICATE), []
        await self.publisher.publish(event)
        return pb.SubmitResult(event_id=event.id, status=pb.SUBMIT_STATUS_ACCEPTED), []

    async def submit_many(self, events, *, concurrency: int = 16) -> list[pb.SubmitResult]:
        """Each event on its own, several at a time; events of one subject keep their order
        (a petitioner's visits are counted in the order the batch gives them)."""
        results: list[pb.SubmitResult | None] = [None] * len(events)
        groups: dict[str, list[int]] = {}
        for i, event in enumerate(events):
            groups.setdefault(event.subject_id or event.id, []).append(i)
        gate = asyncio.Semaphore(concurrency)

        async def run(indices: list[int]) -> None:
            async with gate:
                for i in indices:
                    results[i] = (await self.submit(events[i]))[0]

        with reference.pinned():  # the whole batch on one reference version
            await asyncio.gather(*(run(indices) for indices in groups.values()))
        return [r for r in results if r is not None]
