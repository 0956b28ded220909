"""Department events in: ``/v1/departments`` and its ``events`` and ``events:batch``; the
grid workers' patrol logs (综治) and the half-hour legal-aid circle's gaps (法律援助)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from fastapi.responses import JSONResponse
from google.protobuf.json_format import MessageToDict
from gridfusion.departments.v1 import departments_pb2 as dpb
from gridfusion.fusion.v1 import fusion_pb2 as fpb
from pydantic import ValidationError

from services.platform.events import EventIn, EventsBatchIn
from services.platform.vocabulary import DEPARTMENT_LABELS, DEPARTMENTS

from ...auth import Principal
from ..deps import (
    Caller,
    CountParam,
    Cursor,
    Page,
    PageSize,
    State,
    count_mode,
    require_roles,
    total_of,
)
from ..models import Accepted, BatchItem, BatchResult, PatrolLogIn
from ..problems import SIGNED_IN, answers, link, links

router = APIRouter(prefix="/v1/departments", tags=["departments"], responses=answers(*SIGNED_IN, 404, 409, 413))

# The legal-aid circle's gaps are computed, not stored: a page may hold more of them.
GAPS_PAGE_SIZE_MAX = 1000
Department = Annotated[str, Path(description="One of: " + ", ".join(DEPARTMENTS))]
Publisher = Annotated[Principal, Depends(require_roles("department", "county"))]

# Where an accepted (or duplicate) event's status is read: the canonical URL, and by the id alone.
EVENT_STATUS_LINKS = links(
    EventStatus=link("get_department_event_v1_departments__department__events__event_id__get",
                     "The event's status (canonical): pending, fused with its case, or dead_lettered",
                     department="$request.path.department", event_id="$response.body#/event_id"),
    EventStatusById=link("get_event_v1_events__event_id__get",
                         "The same by the id alone (409 when several departments used it)",
                         event_id="$response.body#/event_id"),
)


def publishing_as(caller: Principal, department: str) -> None:
    if department not in DEPARTMENTS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no department '{department}'; departments are {', '.join(DEPARTMENTS)}")
    if caller.role == "department" and caller.department != department:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"account of {caller.department} may not publish as {department}")


@router.get("", summary="Each department with its event types, categories and details fields",
            responses={200: links(
                SubmitEvent=link("submit_event_v1_departments__department__events_post",
                                 "Submit an event to the first department", department="$response.body#/0/department"),
                SubmitBatch=link("submit_batch_v1_departments__department__events_batch_post",
                                 "Submit a batch of events to the first department",
                                 department="$response.body#/0/department"))})
async def list_departments(state: State, caller: Caller) -> list[dict[str, Any]]:
    out = []
    for department in DEPARTMENTS:
        reply = await state.peers.departments[department].Describe(dpb.DescribeRequest(), timeout=state.settings.rpc_timeout_seconds)
        described = MessageToDict(reply, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)
        described["label"] = DEPARTMENT_LABELS[department]
        out.append(described)
    return out


@router.post(
    "/{department}/events",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses={200: {"model": Accepted, "description": "The same id was sent before: a duplicate", **EVENT_STATUS_LINKS},
               202: {"description": "Accepted: the event is safe", **EVENT_STATUS_LINKS},
               422: {"description": "Invalid event; `detail` names each bad field"}},
    summary="Submit one event; answered once the event is safe",
)
async def submit_event(department: Department, event: EventIn, state: State, caller: Publisher):
    publishing_as(caller, department)
    result = await state.peers.departments[department].SubmitEvent(
        dpb.SubmitEventRequest(event=event.to_proto(department)), timeout=state.settings.rpc_timeout_seconds
    )
    if result.status == dpb.SUBMIT_STATUS_DUPLICATE:
        return JSONResponse({"event_id": result.event_id, "status": "duplicate"}, status_code=200)
    return Accepted(event_id=result.event_id, status="accepted")


def _loc_errors(exc: ValidationError) -> list[dict[str, Any]]:
    return [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors(include_url=False)]


@router.post(
    "/{department}/events:batch",
    response_model=BatchResult,
    responses={200: links(FirstEventStatus=link(
        "get_department_event_v1_departments__department__events__event_id__get",
        "The status of the batch's first event (its `event_id`; null when it was invalid without one)",
        department="$request.path.department", event_id="$response.body#/results/0/event_id"))},
    summary="Submit many events; each is answered on its own",
)
async def submit_batch(department: Department, batch: EventsBatchIn, state: State, caller: Publisher) -> BatchResult:
    publishing_as(caller, department)
    items: list[BatchItem | None] = [None] * len(batch.events)
    valid: list[tuple[int, EventIn]] = []
    for i, raw in enumerate(batch.events):
        try:
            valid.append((i, EventIn.model_validate(raw)))
        except ValidationError as exc:
            event_id = raw.get("id") if isinstance(raw.get("id"), str) else None
            items[i] = BatchItem(index=i, event_id=event_id, status="invalid", errors=_loc_errors(exc))
    if valid:
        reply = await state.peers.departments[department].SubmitEvents(
            dpb.SubmitEventsRequest(events=[e.to_proto(department) for _, e in valid]),
            timeout=state.settings.rpc_timeout_seconds * 3,
        )
        names = {dpb.SUBMIT_STATUS_ACCEPTED: "accepted", dpb.SUBMIT_STATUS_DUPLICATE: "duplicate", dpb.SUBMIT_STATUS_INVALID: "invalid"}
        for (i, _), result in zip(valid, reply.results):
            errors = [{"loc": e.field.split("."), "msg": e.message, "type": "value_error"} for e in result.errors]
            items[i] = BatchItem(index=i, event_id=result.event_id, status=names[result.status], errors=errors)
    done = [item for item in items if item is not None]
    return BatchResult(
        results=done,
        accepted=sum(1 for r in done if r.status == "accepted"),
        duplicate=sum(1 for r in done if r.status == "duplicate"),
        invalid=sum(1 for r in done if r.status == "invalid"),
    )


PatrolUploader = Annotated[Principal, Depends(require_roles("worker", "secretary", "department", "county"))]
CircleReader = Annotated[Principal, Depends(require_roles("county", "street", "community", "department"))]


async def own_worker_id(state: State, caller: Principal) -> str:
    """The grid worker a worker account is (its ``worker_id``); 403 when the account names none."""
    account = await state.accounts.store.get(caller.username)
    own = (account or {}).get("worker_id") or ""
    if not own:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this worker account names no grid worker (worker_id); an "
                                                       "administrator sets it: PATCH /v1/accounts/{username}")
    return own


@router.post(
    "/comprehensive_governance/patrol-logs",
    status_code=status.HTTP_202_ACCEPTED,
    responses={200: {"description": "The same log_id was sent before: a duplicate"},
               422: {"description": "Invalid log; `detail` names each bad field"}},
    summary="Upload a grid worker's patrol track (巡查轨迹): a worker its own, a secretary its grid's workers'",
)
async def record_patrol(log: PatrolLogIn, state: State, caller: PatrolUploader):
    if caller.role == "department" and caller.department != "comprehensive_governance":
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"account of {caller.department} may not upload patrol logs")
    grid_id = caller.grid_id if caller.role in ("worker", "secretary") else ""
    own = await own_worker_id(state, caller) if caller.role == "worker" else ""
    if own and log.worker_id != own:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"a grid worker uploads only its own patrol track (worker_id "
                                                       f"{own!r}), not {log.worker_id[:64]!r}'s")
    message = log.to_proto(grid_id)
    message.uploader_worker_id = own  # the department service checks it too
    reply = await state.peers.departments["comprehensive_governance"].RecordPatrol(
        message, timeout=state.settings.rpc_timeout_seconds
    )
    duplicate = reply.status == dpb.SUBMIT_STATUS_DUPLICATE
    body = {"log_id": reply.log_id, "grid_id": reply.grid_id, "status": "duplicate" if duplicate else "accepted"}
    return JSONResponse(body, status_code=200 if duplicate else 202)


@router.get(
    "/legal_aid/circle-gaps",
    summary="Households farther than half an hour from every legal adviser (半小时法律援助圈)",
)
async def legal_aid_gaps(
    state: State,
    caller: CircleReader,
    community_id: Annotated[str, Query(max_length=32)] = "",
    page: Page = 1,
    page_size: Annotated[int, Query(ge=1, le=GAPS_PAGE_SIZE_MAX)] = 100,
    cursor: Cursor = None,
) -> dict[str, Any]:
    if caller.role == "department" and caller.department != "legal_aid":
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"account of {caller.department} may not read legal aid's circle")
    if caller.role == "community":
        if community_id and community_id != caller.community_id:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no community {community_id!r} in your scope")
        community_id = caller.community_id
    communities = [community_id] if community_id else []  # none: the whole county
    if caller.role == "street":
        mine = sorted({g.community_id for g in (await state.grids()).values() if g.street_id == caller.street_id})
        if community_id and community_id not in mine:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no community {community_id!r} in your scope")
        # A street without communities asks for the empty community id, which has no households.
        communities = [community_id] if community_id else (mine or [""])
    answer = await state.peers.departments["legal_aid"].ListLegalAidGaps(
        dpb.ListLegalAidGapsRequest(community_ids=communities, page=page, page_size=page_size, cursor=cursor or ""),
        timeout=state.settings.rpc_timeout_seconds,
    )
    items = [MessageToDict(g, preserving_proto_field_name=True, always_print_fields_with_no_presence=True) for g in answer.gaps]
    return {
        "items": items,
        "total": answer.total,
        "page": page,
        "page_size": page_size,
        "next_cursor": answer.next_cursor or None,
        "limit_minutes": answer.limit_minutes,
        "travel_model": answer.travel_model,
        "households_checked": answer.households_checked,
    }


@router.get(
    "/{department}/dead-letters",
    summary="The department's events that could not be processed (dead-lettered), newest first, with the reason",
)
async def dead_letters(
    department: Department,
    state: State,
    caller: Publisher,
    page: Page = 1,
    page_size: PageSize = 50,
    pending_only: bool = False,
    cursor: Cursor = None,
    count: CountParam = None,
) -> dict[str, Any]:
    publishing_as(caller, department)
    reply = await state.peers.fusion.ListDeadLetters(
        fpb.ListDeadLettersRequest(page=page, page_size=page_size, pending_only=pending_only, department=department,
                                   cursor=cursor or "", count=count_mode(count)),
        timeout=state.settings.rpc_timeout_seconds,
    )
    items = []
    for d in reply.items:
        items.append({
            "event_id": d.event_id, "stage": d.stage, "reason": d.reason, "origin_subject": d.origin_subject,
            "dead_lettered_at": state.iso(d.dead_lettered_at), "reprocessed": d.reprocessed,
            "reprocessable": d.reprocessable, "case_id": d.case_id or None,
        })
    return {"items": items, "total": total_of(reply.total), "total_exact": reply.total_exact, "page": page,
            "page_size": page_size, "next_cursor": reply.next_cursor or None}
