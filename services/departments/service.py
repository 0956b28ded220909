"""The department framework: one service that runs any department's definition.

It validates an event against the definition, records it in the department's own database
with its outbox flag, publishes it on JetStream, and answers "accepted" only once the event
is safe — acknowledged by JetStream, or committed in the outbox for the relay to publish.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from datetime import UTC, datetime, timedelta

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from gridfusion.departments.v1 import departments_pb2 as pb
from gridfusion.departments.v1 import departments_pb2_grpc as pb_grpc
from gridfusion.events.v1 import events_pb2
from grpc_status import rpc_status

from services.platform import bus

from .definition import Department
from .store import DepartmentStore
from .taxonomy import GENERIC_TYPE
from .validation import FieldErrors, check_event

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
    """Accepting events: validation, enrichment, the record, the publish."""

    def __init__(self, department: Department, store: DepartmentStore, publisher: Publisher) -> None:
        self.department = department
        self.store = store
        self.publisher = publisher

    async def submit(self, event: events_pb2.DepartmentEvent) -> tuple[pb.SubmitResult, FieldErrors]:
        if not event.department:
            event.department = self.department.name
        errors = check_event(event, self.department)
        if errors:
            return pb.SubmitResult(
                event_id=event.id,
                status=pb.SUBMIT_STATUS_INVALID,
                errors=[pb.FieldError(field=f, message=m) for f, m in errors],
            ), errors
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


def invalid_argument(errors: FieldErrors) -> status_pb2.Status:
    """INVALID_ARGUMENT with a google.rpc.BadRequest naming each bad field."""
    detail = any_pb2.Any()
    detail.Pack(
        error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=f, description=m) for f, m in errors
            ]
        )
    )
    message = "; ".join(f"{f}: {m}" for f, m in errors)
    return status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=message, details=[detail])


class DepartmentServicer(pb_grpc.DepartmentServiceServicer):
    def __init__(self, intake: DepartmentIntake) -> None:
        self.intake = intake
        self.department = intake.department

    async def SubmitEvent(self, request: pb.SubmitEventRequest, context: grpc.aio.ServicerContext) -> pb.SubmitResult:
        result, errors = await self.intake.submit(request.event)
        if errors:
            await context.abort_with_status(rpc_status.to_status(invalid_argument(errors)))
        return result

    async def SubmitEvents(self, request: pb.SubmitEventsRequest, context: grpc.aio.ServicerContext) -> pb.SubmitEventsResponse:
        results = [(await self.intake.submit(event))[0] for event in request.events]
        return pb.SubmitEventsResponse(results=results)

    async def GetEvent(self, request: pb.GetEventRequest, context: grpc.aio.ServicerContext) -> pb.EventRecord:
        found = await self.intake.store.get(request.event_id)
        if found is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"{self.department.name} has no event {request.event_id!r}")
        event, published = found
        return pb.EventRecord(event=event, published=published)

    async def Describe(self, request: pb.DescribeRequest, context: grpc.aio.ServicerContext) -> pb.DepartmentDescription:
        return describe(self.department)


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
