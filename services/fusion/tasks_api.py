"""``field.v1.TaskService``: tasks from above (专项行动), answered from
:class:`~services.fusion.tasks.TaskStore`. The actor and scope of every request are the caller's,
as the gateway signed it in; the store applies the rules of :mod:`services.fusion.tasks`."""

from __future__ import annotations

import grpc
from gridfusion.field.v1 import tasks_pb2 as pb
from gridfusion.field.v1 import tasks_pb2_grpc as pb_grpc

from services.platform.clock import Clock
from services.platform.scope import Principal

from .refused import Refused
from .tasks import NewTask, Task, TaskStore
from .timestamps import set_time, time_of

_CODES = {
    "not_found": grpc.StatusCode.NOT_FOUND,
    "invalid": grpc.StatusCode.INVALID_ARGUMENT,
    "state": grpc.StatusCode.FAILED_PRECONDITION,
    "role": grpc.StatusCode.PERMISSION_DENIED,
}
PAGE_SIZE = 20


def task_to_proto(t: Task, *, with_items: bool = True) -> pb.Task:
    out = pb.Task(
        task_id=t.task_id,
        title=t.title,
        instructions=t.instructions,
        category=t.category,
        dispatcher=pb.Dispatcher(**t.dispatcher),
        area=t.area,
        grid_ids=t.grid_ids,
        items_from=t.items_from,
        status=t.status,
        ended_by=t.ended_by,
        end_note=t.end_note,
        meeting_id=t.meeting_id,
        decision_id=t.decision_id,
        grids=[pb.GridProgress(**g.__dict__) for g in t.grids],
    )
    for x in t.items if with_items else ():
        item = out.items.add(
            item_id=x.item_id,
            grid_id=x.grid_id,
            name=x.name,
            ref=x.ref,
            status=x.status,
            note=x.note,
            reported_by=x.reported_by,
            overdue=x.overdue,
        )
        set_time(item.reported_at, x.reported_at)
    set_time(out.due_at, t.due_at)
    set_time(out.created_at, t.created_at)
    set_time(out.ended_at, t.ended_at)
    return out


class TaskServicer(pb_grpc.TaskServiceServicer):
    def __init__(self, store: TaskStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def _run(self, context, coro):
        try:
            return await coro
        except Refused as exc:
            await context.abort(_CODES[exc.kind], str(exc))

    async def CreateTask(self, request, context) -> pb.Task:
        due = time_of(request.due_at)
        if due is None:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "due_at: when the task is due")
        new = NewTask(
            title=request.title,
            due_at=due,
            items_from=request.items_from,
            instructions=request.instructions,
            category=request.category,
            grid_ids=list(request.grid_ids),
            area=request.area,
            item_names=list(request.item_names),
            meeting_id=request.meeting_id,
            decision_id=request.decision_id,
        )
        return task_to_proto(
            await self._run(
                context, self.store.create(new, Principal.of_actor(request.actor), self.clock.now())
            )
        )

    async def GetTask(self, request, context) -> pb.Task:
        return task_to_proto(
            await self._run(
                context,
                self.store.get(
                    request.task_id, Principal.of_scope(request.scope), self.clock.now()
                ),
            )
        )

    async def ListTasks(self, request, context) -> pb.ListTasksResponse:
        items, total = await self._run(
            context,
            self.store.listed(
                Principal.of_scope(request.scope),
                request.status,
                request.meeting_id,
                request.grid_id,
                request.page,
                request.page_size or PAGE_SIZE,
                self.clock.now(),
            ),
        )
        return pb.ListTasksResponse(
            items=[task_to_proto(t, with_items=False) for t in items], total=total
        )

    async def ReportItem(self, request, context) -> pb.Task:
        return task_to_proto(
            await self._run(
                context,
                self.store.report(
                    request.task_id,
                    request.item_id,
                    request.outcome,
                    request.note,
                    Principal.of_actor(request.actor),
                    self.clock.now(),
                ),
            )
        )

    async def EndTask(self, request, context) -> pb.Task:
        return task_to_proto(
            await self._run(
                context,
                self.store.end(
                    request.task_id,
                    request.status,
                    request.note,
                    Principal.of_actor(request.actor),
                    self.clock.now(),
                ),
            )
        )
