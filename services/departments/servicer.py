"""The department framework's gRPC API (``departments.v1.DepartmentService``): one servicer that
runs any department's definition.

Events are taken by :mod:`~services.departments.intake` and published by
:mod:`~services.departments.publisher`; hand-overs come from
:mod:`~services.departments.handovers`, results go out through
:mod:`~services.departments.results`; patrol logs (:mod:`~services.departments.patrol`) and the
legal-aid circle's gaps answer where the definition offers them.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC

import grpc
from gridfusion.departments.v1 import departments_pb2 as pb
from gridfusion.departments.v1 import departments_pb2_grpc as pb_grpc

from services.platform.clock import Clock, SystemClock
from services.platform.grpcserver import abort_invalid_argument
from services.platform.paging import BadCursor, after_key_cursor, key_cursor_of, page_after

from . import reference
from .definition import LEGAL_AID_CIRCLE, PATROL_LOGS
from .definitions import legal_aid
from .description import describe
from .handovers import HandOverFeed
from .intake import DepartmentIntake
from .patrol import MIN_HOURS, PatrolStore, check_log, parse_range
from .results import check_result, publish_result
from .validation import FieldErrors

# The most events ListEvents answers with at once.
LIST_MAX = 1000

log = logging.getLogger(__name__)


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

    async def ListEvents(self, request: pb.ListEventsRequest, context: grpc.aio.ServicerContext) -> pb.ListEventsResponse:
        if not 0 <= request.limit <= LIST_MAX or len(request.event_ids) > LIST_MAX:
            await abort_invalid_argument(context, [("limit", f"0 to {LIST_MAX} (0: {LIST_MAX})")])
        since = request.since.ToDatetime(tzinfo=UTC) if request.HasField("since") else None
        until = request.until.ToDatetime(tzinfo=UTC) if request.HasField("until") else None
        found = await self.intake.store.listed(request.id_prefix, list(request.event_ids), since, until,
                                               request.limit or LIST_MAX)
        return pb.ListEventsResponse(items=[pb.EventRecord(event=e, published=p) for e, p in found])

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
        try:
            await publish_result(self.js, self.department.name, self.source, request, self.clock.now())
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
        try:
            after = after_key_cursor(request.cursor)[1] if request.cursor else None
        except BadCursor as bad:
            errors.append(("cursor", str(bad).removeprefix("cursor: ")))
        if errors:
            await abort_invalid_argument(context, errors)
        out = pb.ListLegalAidGapsResponse(travel_model=legal_aid.TRAVEL_MODEL, limit_minutes=legal_aid.LIMIT_MINUTES)
        if LEGAL_AID_CIRCLE not in self.department.features:
            return out
        view = reference.current()
        stations = await legal_aid.adviser_stations(self.intake.store, view)
        gaps, checked = await asyncio.to_thread(legal_aid.circle_gaps, stations, view=view)
        if request.community_id or request.community_ids:
            wanted = {request.community_id, *request.community_ids} - {""} or {""}
            gaps = [g for g in gaps if g.community_id in wanted]
        page, size = max(request.page, 1), request.page_size or 100
        out.total = len(gaps)
        out.households_checked = checked
        chosen, next_key = page_after(gaps, lambda g: g.household_id, page, size, after)  # household-id order
        out.next_cursor = key_cursor_of("", next_key) if next_key else ""
        for g in chosen:
            out.gaps.append(pb.LegalAidGap(
                household_id=g.household_id, grid_id=g.grid_id, community_id=g.community_id,
                nearest_adviser_community_id=g.nearest_adviser_community_id,
                distance_km=g.distance_km, travel_minutes=g.travel_minutes,
            ))
        return out
