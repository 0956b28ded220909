"""Tasks from above (专项行动): ``/v1/tasks``.

The county, a street (its own grids), a community (its own grids) or a department (its own
campaigns) dispatches a task — a fire-safety sweep of every compound, say — to a list of grids or
to an area (``county``, ``street:<id>``, ``community:<id>``), with the items every grid gets:
named ones, one per grid, or one per compound (resident unit, social organisation) of the grid.
A grid's secretary or worker reports each of its own grid's items, done or problem found, while
the task is open; the dispatcher sees completion per grid and the overdue items (still open after
the due time), and closes or cancels the task. A decision of a joint meeting (联席会议) becomes a
task by naming ``meeting_id`` and ``decision_id``; ``GET /v1/tasks?meeting_id=`` lists them.

The rules (who dispatches where, who reports which item, who ends a task, who sees which task
and which part of it, when an item is overdue) are fusion's, ``services/fusion/tasks.py``; the
gateway checks roles first, masks phone and ID numbers in notes for all but the grid's own staff,
and audits their unmasked reads.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status
from gridfusion.field.v1 import tasks_pb2 as tpb

from services.platform.scope import AREA_ROLES, GRID_STAFF

from ...auth import Principal
from ...privacy import grid_staff, mask_text, personal_data_in, record_read
from ..deps import GatewayState, Page, State, require_roles, stamp
from ..problems import SIGNED_IN, answers
from ..task_models import (
    ItemReportIn,
    TaskEndIn,
    TaskGridProgress,
    TaskIn,
    TaskItemOut,
    TaskOut,
    TaskPage,
)
from .community import area_of
from .meetings import _meeting_in_scope

router = APIRouter(
    prefix="/v1/tasks", tags=["tasks from above"], responses=answers(*SIGNED_IN, 404, 409)
)

DISPATCHERS = ("county", "street", "community", "department")
Reader = Annotated[Principal, Depends(require_roles(*AREA_ROLES, "department"))]
Dispatcher = Annotated[Principal, Depends(require_roles(*DISPATCHERS))]
Reporter = Annotated[Principal, Depends(require_roles(*GRID_STAFF))]
Purpose = Annotated[
    str | None, Query(max_length=500, description="Why personal data is read (audited)")
]


def _unprocessable(loc: list, msg: str) -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_ENTITY, [{"loc": loc, "type": "value_error", "msg": msg}]
    )


def _item(x: tpb.TaskItem, state: GatewayState, caller: Principal) -> TaskItemOut:
    note = x.note if grid_staff(caller, x.grid_id) else mask_text(x.note)[0]
    return TaskItemOut(
        item_id=x.item_id,
        grid_id=x.grid_id,
        name=x.name,
        ref=x.ref or None,
        status=x.status,
        note=note,
        reported_by=x.reported_by or None,
        reported_at=state.iso(x.reported_at),
        overdue=x.overdue,
    )


async def task_json(
    t: tpb.Task,
    state: GatewayState,
    caller: Principal,
    *,
    purpose: str | None = None,
    with_items: bool = True,
) -> TaskOut:
    """A task as the caller may read it: notes masked unless the grid's own staff reads them, whose
    reads of phone or ID numbers in them are audited."""
    names = await state.grids()
    grids = [
        TaskGridProgress(
            grid_id=g.grid_id,
            name=names[g.grid_id].name if g.grid_id in names else None,
            community_id=g.community_id,
            street_id=g.street_id,
            items=g.items,
            done=g.done,
            problems=g.problems,
            open=g.open,
            overdue=g.overdue,
            completion=round((g.done + g.problems) / g.items, 4) if g.items else 0.0,
        )
        for g in t.grids
    ]
    items = sum(g.items for g in grids)
    reported = sum(g.done + g.problems for g in grids)
    item_list = [_item(x, state, caller) for x in t.items] if with_items else None
    if with_items:
        own = sum(personal_data_in(x.note) for x in t.items if grid_staff(caller, x.grid_id))
        await record_read(
            state,
            caller,
            what=f"task {t.task_id} item notes",
            why=purpose,
            grid_id=caller.grid_id,
            records=own,
        )
    d = t.dispatcher
    return TaskOut(
        task_id=t.task_id,
        title=t.title,
        instructions=mask_text(t.instructions)[0],
        category=t.category or None,
        dispatcher={
            "username": d.username,
            "level": d.level,
            "street_id": d.street_id or None,
            "community_id": d.community_id or None,
            "department": d.department or None,
        },
        area=t.area or None,
        grid_ids=list(t.grid_ids),
        due_at=state.iso(t.due_at),
        items_from=t.items_from,
        status=t.status,
        created_at=state.iso(t.created_at),
        ended_at=state.iso(t.ended_at),
        ended_by=t.ended_by or None,
        end_note=t.end_note or None,
        meeting_id=t.meeting_id or None,
        decision_id=t.decision_id or None,
        grids=grids,
        items=items,
        reported=reported,
        overdue=sum(g.overdue for g in grids),
        completion=round(reported / items, 4) if items else 0.0,
        item_list=item_list,
        overdue_items=[x for x in item_list if x.overdue] if item_list is not None else None,
    )


@router.post(
    "",
    response_model=TaskOut,
    status_code=status.HTTP_201_CREATED,
    summary="Dispatch a task (专项任务) to grids or an area: the county anywhere, a street or "
    "community in "
    "its own area, a department its own campaign; grid roles may not (403). Items per grid: "
    "named, single, or one per compound (resident unit, social organisation) of the grid",
)
async def create_task(body: TaskIn, state: State, caller: Dispatcher) -> TaskOut:
    if body.meeting_id:
        try:
            await _meeting_in_scope(state, caller, body.meeting_id)
        except HTTPException as exc:
            raise _unprocessable(["body", "meeting_id"], str(exc.detail)) from exc
    reply = await state.peers.tasks.CreateTask(
        tpb.CreateTaskRequest(
            actor=caller.actor(),
            title=body.title,
            instructions=body.instructions,
            category=body.category or "",
            grid_ids=body.grid_ids,
            area=body.area or "",
            due_at=stamp(body.due_at),
            items_from=body.items_from,
            item_names=body.item_names,
            meeting_id=body.meeting_id or "",
            decision_id=body.decision_id or "",
        ),
        timeout=state.settings.rpc_timeout_seconds,
    )
    return await task_json(reply, state, caller)


@router.get(
    "",
    response_model=TaskPage,
    summary="The tasks the caller sees, newest first, with completion per grid: a grid's staff "
    "those that "
    "reach its grid, a street or community those sent into its area (and so its own), a department "
    "its own campaigns, the county all",
)
async def list_tasks(
    state: State,
    caller: Reader,
    status_: Annotated[
        str | None, Query(alias="status", pattern="^(open|closed|cancelled)$")
    ] = None,
    grid_id: Annotated[str | None, Query(max_length=64)] = None,
    meeting_id: Annotated[
        str | None, Query(max_length=128, description="The tasks of a joint meeting")
    ] = None,
    page: Page = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> TaskPage:
    if grid_id and caller.role != "department":
        await area_of(state, caller, grid_id, None, None)
    reply = await state.peers.tasks.ListTasks(
        tpb.ListTasksRequest(
            scope=caller.scope(),
            status=status_ or "",
            grid_id=grid_id or "",
            meeting_id=meeting_id or "",
            page=page,
            page_size=page_size,
        ),
        timeout=state.settings.rpc_timeout_seconds,
    )
    items = [await task_json(t, state, caller, with_items=False) for t in reply.items]
    return TaskPage(items=items, total=reply.total, page=page, page_size=page_size)


@router.get(
    "/{task_id}",
    response_model=TaskOut,
    summary="One task with completion per grid, its items and the overdue ones (a grid's staff: "
    "its own "
    "grid's part)",
)
async def get_task(task_id: str, state: State, caller: Reader, purpose: Purpose = None) -> TaskOut:
    reply = await state.peers.tasks.GetTask(
        tpb.GetTaskRequest(task_id=task_id, scope=caller.scope()),
        timeout=state.settings.rpc_timeout_seconds,
    )
    return await task_json(reply, state, caller, purpose=purpose)


@router.post(
    "/{task_id}/items/{item_id}/report",
    response_model=TaskOut,
    summary="The grid's secretary or worker reports one of its grid's items: done, or problem "
    "found with a "
    "note; another grid's item is 403, an item of a closed or cancelled task 409",
)
async def report_item(
    task_id: str, item_id: str, body: ItemReportIn, state: State, caller: Reporter
) -> TaskOut:
    reply = await state.peers.tasks.ReportItem(
        tpb.ReportItemRequest(
            actor=caller.actor(),
            task_id=task_id,
            item_id=item_id,
            outcome=body.outcome,
            note=body.note.strip(),
        ),
        timeout=state.settings.rpc_timeout_seconds,
    )
    return await task_json(reply, state, caller)


async def _end(
    task_id: str, ending: str, body: TaskEndIn, state: GatewayState, caller: Principal
) -> TaskOut:
    reply = await state.peers.tasks.EndTask(
        tpb.EndTaskRequest(actor=caller.actor(), task_id=task_id, status=ending, note=body.note),
        timeout=state.settings.rpc_timeout_seconds,
    )
    return await task_json(reply, state, caller)


@router.post(
    "/{task_id}/close",
    response_model=TaskOut,
    summary="The dispatcher's office (or the county) closes the task: its items take no more "
    "reports",
)
async def close_task(task_id: str, body: TaskEndIn, state: State, caller: Dispatcher) -> TaskOut:
    return await _end(task_id, "closed", body, state, caller)


@router.post(
    "/{task_id}/cancel",
    response_model=TaskOut,
    summary="The dispatcher's office (or the county) cancels the task: nothing of it is overdue "
    "any more",
)
async def cancel_task(task_id: str, body: TaskEndIn, state: State, caller: Dispatcher) -> TaskOut:
    return await _end(task_id, "cancelled", body, state, caller)
