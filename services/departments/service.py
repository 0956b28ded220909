"""The department framework: one service that runs any department's definition.

It validates an event against the definition, records it in the department's own database
with its outbox flag, publishes it on JetStream, and answers "accepted" only once the event
is safe — acknowledged by JetStream, or committed in the outbox for the relay to publish.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import UTC, datetime, timedelta

import grpc
import nats.errors
import nats.js.errors
from google.protobuf.message import DecodeError
from gridfusion.departments.v1 import departments_pb2 as pb
from gridfusion.departments.v1 import departments_pb2_grpc as pb_grpc
from gridfusion.events.v1 import events_pb2
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from services.platform import bus
from services.platform.clock import Clock, SystemClock
from services.platform.grpcserver import abort_invalid_argument

from . import reference
from .datum import keep_in_wgs84
from .definition import LEGAL_AID_CIRCLE, PATROL_LOGS, Department
from .definitions import legal_aid
from .patrol import MIN_HOURS, PatrolStore, check_log, parse_range
from .store import DepartmentStore
from .taxonomy import GENERIC_TYPE
from .validation import FieldErrors, check_event

log = logging.getLogger(__name__)

EVENT_CE_TYPE = "gridfusion.department_event.v1"
RESULT_CE_TYPE = "gridfusion.handling_result.v1"
RESULT_TEXT_MAX = 200
NOTE_MAX = 4000


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

    async def relay(self, stop: asyncio.Event, *, every: float = 2.0, older_than: float = 5.0) -> None:
        """Publish outbox entries that the request path could not (a crash, NATS away)."""
        while not stop.is_set():
            try:
                pending = await self.store.unpublished(timedelta(seconds=older_than))
                for event in pending:
                    if not await self.publish(event):
                        break
                if pending:
                    log.info("outbox relayed", extra={"count": len(pending)})
            except Exception:
                log.exception("outbox relay failed")
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=every)


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

    async def subscribe(self):
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
                    try:
                        handover = pb.HandOver.FromString(msg.data)
                    except DecodeError as exc:
                        log.error("malformed hand-over refused", extra={"subject": msg.subject, "error": str(exc)})
                        await msg.term()
                        continue
                    await context.write(handover)
                    await msg.ack()
        finally:
            with suppress(Exception):
                await sub.unsubscribe()


def result_id_of(department: str, request: pb.ReportResultRequest) -> str:
    """The report's stable id: the caller's, else derived from what it says."""
    if request.result_id:
        return request.result_id
    text = f"{department}\x1f{request.case_id}\x1f{request.result}\x1f{request.note}\x1f{request.actor}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def check_result(request: pb.ReportResultRequest) -> FieldErrors:
    errors: FieldErrors = []
    if not 1 <= len(request.case_id) <= 128:
        errors.append(("case_id", "must be 1 to 128 characters"))
    if not 1 <= len(request.result.strip()) <= RESULT_TEXT_MAX:
        errors.append(("result", f"must be 1 to {RESULT_TEXT_MAX} characters"))
    if len(request.note) > NOTE_MAX:
        errors.append(("note", f"must be at most {NOTE_MAX} characters"))
    if len(request.actor) > 128:
        errors.append(("actor", "must be at most 128 characters"))
    if len(request.result_id) > 128:
        errors.append(("result_id", "must be at most 128 characters"))
    return errors


def needs_reference(method: Callable[..., Awaitable]) -> Callable[..., Awaitable]:
    """A call that uses the reference data: UNAVAILABLE, saying why, while no version is loaded."""

    @functools.wraps(method)
    async def call(self, request, context: grpc.aio.ServicerContext):
        try:
            return await method(self, request, context)
        except reference.NotLoaded as exc:
            await context.abort(grpc.StatusCode.UNAVAILABLE, str(exc))

    return call


class DepartmentServicer(pb_grpc.DepartmentServiceServicer):
    def __init__(
        self,
        intake: DepartmentIntake,
        *,
        stop: asyncio.Event | None = None,
        clock: Clock | None = None,
        timezone: str = "Asia/Shanghai",
    ) -> None:
        self.intake = intake
        self.department = intake.department
        self.js = intake.publisher.js
        self.stop = stop or asyncio.Event()
        self.clock = clock or SystemClock()
        self.patrols = PatrolStore(intake.store.db, timezone) if PATROL_LOGS in self.department.features else None
        self.source = intake.publisher.source

    @needs_reference
    async def SubmitEvent(self, request: pb.SubmitEventRequest, context: grpc.aio.ServicerContext) -> pb.SubmitResult:
        result, errors = await self.intake.submit(request.event)
        if errors:
            await abort_invalid_argument(context, errors)
        return result

    @needs_reference
    async def SubmitEvents(self, request: pb.SubmitEventsRequest, context: grpc.aio.ServicerContext) -> pb.SubmitEventsResponse:
        return pb.SubmitEventsResponse(results=await self.intake.submit_many(request.events))

    async def GetEvent(self, request: pb.GetEventRequest, context: grpc.aio.ServicerContext) -> pb.EventRecord:
        found = await self.intake.store.get(request.event_id)
        if found is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"{self.department.name} has no event {request.event_id!r}")
        event, published = found
        return pb.EventRecord(event=event, published=published)

    async def Describe(self, request: pb.DescribeRequest, context: grpc.aio.ServicerContext) -> pb.DepartmentDescription:
        description = describe(self.department)
        if self.department.uses_reference and reference.HOLDER.view is not None:
            description.reference_version = reference.HOLDER.view.name
        return description

    async def StreamHandOvers(self, request: pb.StreamHandOversRequest, context: grpc.aio.ServicerContext) -> None:
        await HandOverFeed(self.department.name, self.js).run(context, self.stop)

    async def ReportResult(self, request: pb.ReportResultRequest, context: grpc.aio.ServicerContext) -> pb.ReportResultResponse:
        errors = check_result(request)
        if errors:
            await abort_invalid_argument(context, errors)
        result_id = result_id_of(self.department.name, request)
        message = pb.HandlingResult(
            case_id=request.case_id, department=self.department.name, result=request.result.strip(),
            note=request.note, actor=request.actor, result_id=result_id,
        )
        message.reported_at.FromDatetime(self.clock.now())
        try:
            await bus.publish(
                self.js, bus.results_subject(self.department.name), message,
                event_id=result_id, ce_type=RESULT_CE_TYPE, source=self.source, ce_subject=request.case_id,
            )
        except Exception as exc:  # noqa: BLE001 - the caller retries; result_id keeps it one report
            log.warning("handling result not published", extra={"case_id": request.case_id, "error": repr(exc)})
            await context.abort(grpc.StatusCode.UNAVAILABLE, "the bus did not acknowledge the result; retry with the same result_id")
        return pb.ReportResultResponse(case_id=request.case_id, accepted=True)

    @needs_reference
    async def PatrolSummary(self, request: pb.PatrolSummaryRequest, context: grpc.aio.ServicerContext) -> pb.PatrolSummaryResponse:
        parsed = parse_range(request.from_date, request.to_date)
        if isinstance(parsed, list):
            await abort_invalid_argument(context, parsed)
        if self.patrols is None:
            return pb.PatrolSummaryResponse(minimum_hours=MIN_HOURS)
        first, last = parsed
        days = await self.patrols.summary(first, last, request.grid_ids, reference.current())
        return pb.PatrolSummaryResponse(days=days, minimum_hours=MIN_HOURS)

    @needs_reference
    async def RecordPatrol(self, request: pb.PatrolLog, context: grpc.aio.ServicerContext) -> pb.RecordPatrolResponse:
        if self.patrols is None:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION,
                                f"{self.department.name} keeps no patrol logs; send them to comprehensive_governance")
        workers = await self.patrols.worker_grids(reference.current())
        errors = check_log(request, workers)
        if errors:
            await abort_invalid_argument(context, errors)
        grid_id = workers[request.worker_id]
        fresh = await self.patrols.record(request, grid_id, self.clock.now())
        return pb.RecordPatrolResponse(
            log_id=request.log_id, grid_id=grid_id,
            status=pb.SUBMIT_STATUS_ACCEPTED if fresh else pb.SUBMIT_STATUS_DUPLICATE,
        )

    @needs_reference
    async def ListLegalAidGaps(self, request: pb.ListLegalAidGapsRequest, context: grpc.aio.ServicerContext) -> pb.ListLegalAidGapsResponse:
        errors: FieldErrors = []
        if request.page < 0:
            errors.append(("page", "must be 1 or more"))
        if not 0 <= request.page_size <= 1000:
            errors.append(("page_size", "must be 1 to 1000"))
        if errors:
            await abort_invalid_argument(context, errors)
        out = pb.ListLegalAidGapsResponse(travel_model=legal_aid.TRAVEL_MODEL, limit_minutes=legal_aid.LIMIT_MINUTES)
        if LEGAL_AID_CIRCLE not in self.department.features:
            return out
        view = reference.current()
        stations = await legal_aid.adviser_stations(self.intake.store, view)
        gaps, checked = await asyncio.to_thread(legal_aid.circle_gaps, stations, view=view)
        if request.community_id:
            gaps = [g for g in gaps if g.community_id == request.community_id]
        page, size = max(request.page, 1), request.page_size or 100
        out.total = len(gaps)
        out.households_checked = checked
        for g in gaps[(page - 1) * size : page * size]:
            out.gaps.append(pb.LegalAidGap(
                household_id=g.household_id, grid_id=g.grid_id, community_id=g.community_id,
                nearest_adviser_community_id=g.nearest_adviser_community_id,
                distance_km=g.distance_km, travel_minutes=g.travel_minutes,
            ))
        return out


def describe(department: Department) -> pb.DepartmentDescription:
    """The department's types, categories and details fields, from its definition."""
    types = {GENERIC_TYPE: department.event_type(GENERIC_TYPE), **department.event_types}
    out = pb.DepartmentDescription(
        department=department.name, label=department.label, categories=sorted(department.categories)
    )
    for name, spec in types.items():
        assert spec is not None
        schema = spec.details.model_json_schema()
        required = set(schema.get("required", ()))
        fields = []
        for field_name, prop in schema.get("properties", {}).items():
            kind = prop.get("type") or next((p.get("type") for p in prop.get("anyOf", ()) if p.get("type") != "null"), "string")
            fields.append(
                pb.DetailsField(
                    name=field_name,
                    type=kind,
                    required=field_name in required,
                    description=prop.get("description", prop.get("title", "")),
                    allowed=[str(v) for v in prop.get("enum", ())],
                )
            )
        out.event_types.append(
            pb.EventType(type=name, label=spec.label, categories=sorted(spec.categories), details=fields)
        )
    return out
