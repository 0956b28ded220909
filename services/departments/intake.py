"""Accepting a department's events: validation, the point in WGS84, enrichment, the record, the
publish — answered "accepted" only once the event is safe (acknowledged by JetStream, or
committed in the outbox for the relay to publish).

One event or a thousand, a call goes through the same rounds, each one step for the whole call:

1. check every event (pure) and convert its point to WGS84; an id given twice in one call is
   the first one's event, and each later copy is a ``duplicate``;
2. look up the records already kept for the call's ids, in one round of queries: those are
   ``duplicate`` (one still flagged for the outbox goes out again with the others in step 5);
3. enrich the new events (:func:`.enrichers.enrich`: a petitioner's visits counted in the
   order the call gives them);
4. publish them with the acknowledgements in flight together
   (:meth:`.publisher.Publisher.send_many`);
5. record them in one unordered write, each flagged for the outbox unless JetStream
   acknowledged it: an id recorded meanwhile by a concurrent call is a ``duplicate`` (its copy
   on the bus is dropped as one: the same ``Nats-Msg-Id``, the same fusion key), the others are
   ``accepted`` — safe on the bus or in the outbox. A crash between the two leaves an event on
   the bus and unrecorded: the caller heard nothing and sends it again, and it is recorded then.
   Publishing first spares a second write per event (clearing the flag), which was most of the
   database's work per batch.

A "round of queries" is one query, or, for a long list of ids, a few sent together
(:data:`services.platform.mongo.IDS_PER_QUERY`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from gridfusion.departments.v1 import departments_pb2 as pb
from gridfusion.events.v1 import events_pb2

from services.platform import metrics
from services.platform.telemetry import current_traceparent

from . import reference
from .datum import keep_in_wgs84
from .definition import Department
from .enrichers import enrich
from .publisher import Publisher
from .store import DepartmentStore
from .validation import FieldErrors, check_event

Answer = tuple[pb.SubmitResult, FieldErrors]


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

    async def submit(self, event: events_pb2.DepartmentEvent) -> Answer:
        """One event: its answer and, when it is invalid, each bad field."""
        return (await self.take([event]))[0]

    async def submit_many(self, events: Sequence[events_pb2.DepartmentEvent]) -> list[pb.SubmitResult]:
        """A batch: one answer per event, in the order given (see the module doc)."""
        return [result for result, _ in await self.take(events)]

    async def take(self, events: Sequence[events_pb2.DepartmentEvent]) -> list[Answer]:
        with reference.pinned():  # the whole call on one reference version
            return await self._take(events)

    async def _take(self, events: Sequence[events_pb2.DepartmentEvent]) -> list[Answer]:
        answers: list[Answer | None] = [None] * len(events)
        first: dict[str, int] = {}  # id -> the index of its first valid event in the call
        for i, event in enumerate(events):
            if not event.department:
                event.department = self.department.name
            errors = check_event(event, self.department)
            if errors:
                answers[i] = _answer(event, pb.SUBMIT_STATUS_INVALID, errors)
            elif event.id in first:
                answers[i] = _answer(event, pb.SUBMIT_STATUS_DUPLICATE)
            else:
                keep_in_wgs84(event)
                first[event.id] = i

        kept = await self.store.get_many(list(first))
        fresh: list[int] = []
        outbox: list[events_pb2.DepartmentEvent] = []  # recorded before, never acknowledged
        for event_id, i in first.items():
            if event_id in kept:
                stored, published = kept[event_id]
                answers[i] = _answer(events[i], pb.SUBMIT_STATUS_DUPLICATE)
                if not published:
                    outbox.append(stored)
            else:
                fresh.append(i)

        new = [events[i] for i in fresh]
        for event in new:
            if event.severity == events_pb2.SEVERITY_UNSPECIFIED:
                event.severity = events_pb2.SEVERITY_MEDIUM
            event.accepted_at.FromDatetime(datetime.now(UTC))
            event.traceparent = current_traceparent()
        await enrich(self.department.enrichers, new, self.store)
        acked = await self.publisher.send_many(new)
        recorded = await self.store.insert_many(new, acked)
        for i in fresh:
            status = pb.SUBMIT_STATUS_ACCEPTED if events[i].id in recorded else pb.SUBMIT_STATUS_DUPLICATE
            answers[i] = _answer(events[i], status)

        await self.publisher.publish_many(outbox)
        done = [answer for answer in answers if answer is not None]
        self._count(done)
        return done

    def _count(self, answers: list[Answer]) -> None:
        labels = {"department": self.department.name}
        statuses = [result.status for result, _ in answers]
        for status, counter in ((pb.SUBMIT_STATUS_ACCEPTED, metrics.EVENTS_ACCEPTED),
                                (pb.SUBMIT_STATUS_INVALID, metrics.EVENTS_REFUSED),
                                (pb.SUBMIT_STATUS_DUPLICATE, metrics.EVENTS_DUPLICATE)):
            if n := statuses.count(status):
                counter.add(n, labels)


def _answer(event: events_pb2.DepartmentEvent, status: int, errors: FieldErrors | None = None) -> Answer:
    errors = errors or []
    result = pb.SubmitResult(event_id=event.id, status=status,
                             errors=[pb.FieldError(field=f, message=m) for f, m in errors])
    return result, errors
