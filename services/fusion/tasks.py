"""Tasks from above (专项行动): a campaign the county, a street, a community or a department sends
down to a set of grids, worked item by item by each grid's staff.

    dispatch   the county (any grids), a street (its own grids), a community (its own grids) or
               a department (its own campaigns, any grids) names the target grids — a list, or
               an area: ``county``, ``street:<id>``, ``community:<id>`` — and the items every
               grid gets: ``named`` (the same list of names in each grid), ``single`` (one item
               per grid), or one per reference record of the grid: ``compound`` (小区),
               ``resident_unit`` (驻区单位), ``social_organisation`` (社会组织). A grid's
               secretary or worker does not dispatch. A decision of a joint meeting (联席会议)
               may become a task: the task names ``meeting_id`` and ``decision_id``, and the
               meeting's tasks are listed by ``meeting_id``.
    report     the grid's own secretary or worker reports an item ``done`` or ``problem``
               (problem found) with a note, again as often as needed while the task is open;
               another grid's item is refused (role), an ended task too (state).
    end        the dispatcher's office (same level and place) or the county closes the task, or
               cancels it.

An item still ``open`` after the due time is overdue (a cancelled task has none). Who sees a
task: the county every task, a street, community or grid the tasks that reach a grid of its area
(so a dispatcher sees what it sent, and what was sent into its subtree), a department the tasks
it dispatched; a grid's staff read only their own grid's part of a task.

Kept in ``tasks``, one document per task with its items inside; ``targets`` lists each target
grid with its community and street, so the scope rule is one MongoDB filter.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import grpc
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from services.platform.scope import GRID_STAFF, SIGHT, Principal, ScopeRefused, matches, place_query
from services.platform.vocabulary import category_error
from services.reference import County

from .meetings import MeetingStore
from .refused import Refused

COLLECTION = "tasks"
LEVELS = ("county", "street", "community", "department")
ITEMS_FROM = ("named", "single", "compound", "resident_unit", "social_organisation")
OUTCOMES = ("done", "problem")
STATUSES = ("open", "closed", "cancelled")
ENDINGS = ("closed", "cancelled")
MAX_TITLE = 200
MAX_TEXT = 4000
MAX_NAMES = 100
MAX_ITEMS = 5000
INDEXES = [
    IndexModel([("created_at", DESCENDING)], name="time"),
    IndexModel([("targets.grid_id", ASCENDING), ("created_at", DESCENDING)], name="grid_time"),
    IndexModel(
        [("dispatcher.department", ASCENDING), ("created_at", DESCENDING)], name="department_time"
    ),
    IndexModel([("meeting_id", ASCENDING)], name="meeting"),
]

# A grid as a target: (grid id, community id, street id).
Place = tuple[str, str, str]


@dataclass
class Item:
    item_id: str
    grid_id: str
    name: str
    ref: str = ""
    status: str = "open"
    note: str = ""
    reported_by: str = ""
    reported_at: datetime | None = None
    overdue: bool = False


@dataclass
class Progress:
    grid_id: str
    community_id: str
    street_id: str
    items: int = 0
    done: int = 0
    problems: int = 0
    open: int = 0
    overdue: int = 0


@dataclass
class Task:
    task_id: str
    title: str
    instructions: str
    category: str
    dispatcher: dict[str, str]
    area: str
    grid_ids: list[str]
    due_at: datetime
    items_from: str
    status: str
    items: list[Item]
    grids: list[Progress]
    created_at: datetime
    ended_at: datetime | None = None
    ended_by: str = ""
    end_note: str = ""
    meeting_id: str = ""
    decision_id: str = ""


@dataclass
class NewTask:
    title: str
    due_at: datetime
    items_from: str
    instructions: str = ""
    category: str = ""
    grid_ids: list[str] = field(default_factory=list)
    area: str = ""
    item_names: list[str] = field(default_factory=list)
    meeting_id: str = ""
    decision_id: str = ""


# --- the rules, pure ------------------------------------------------------------------------


def dispatcher_of(actor: Principal) -> dict[str, str]:
    """The dispatcher a principal is, at its own level; Refused("role") for a role that does not
    dispatch (a grid's staff, members, residents)."""
    if actor.role not in LEVELS:
        raise Refused(
            "role",
            f"role {actor.role!r} does not dispatch tasks; the county, a street, "
            "a community or a department does",
        )
    placed_by = SIGHT[actor.role].placed_by
    if placed_by and not getattr(actor, placed_by):
        raise Refused("invalid", f"a {actor.role} dispatcher needs its {placed_by}")
    return {
        "username": actor.username,
        "level": actor.role,
        "street_id": actor.street_id,
        "community_id": actor.community_id,
        "department": actor.department,
    }


def expand_targets(
    grids: Mapping[str, tuple[str, str]], grid_ids: list[str], area: str
) -> list[Place]:
    """The target grids, in id order: the ``grid_ids`` given, or every grid of ``area``
    (``county``, ``street:<id>``, ``community:<id>``); Refused("invalid") naming what is wrong."""
    if bool(grid_ids) == bool(area):
        raise Refused(
            "invalid", "grid_ids or area: name the target grids, or the area whose grids they are"
        )
    if grid_ids:
        unknown = sorted({g for g in grid_ids if g not in grids})
        if unknown:
            raise Refused("invalid", f"grid_ids: no grid {', '.join(unknown)}")
        chosen = set(grid_ids)
    elif area == "county":
        chosen = set(grids)
    else:
        kind, _, ident = area.partition(":")
        at = {"street": 1, "community": 0}.get(kind)
        if at is None or not ident:
            raise Refused("invalid", "area: county, street:<id> or community:<id>")
        chosen = {g for g, place in grids.items() if place[at] == ident}
        if not chosen:
            raise Refused("invalid", f"area: no {kind} {ident!r}")
    return [(g, *grids[g]) for g in sorted(chosen)]


def dispatch_refusal(actor: Principal, targets: list[Place]) -> str | None:
    """Why ``actor`` may not send a task to ``targets``, or None: the county, a street or a
    community sends only into its own area; a department runs its own campaigns anywhere."""
    if actor.role == "department":
        return None
    outside = [
        g
        for g, c, s in targets
        if not matches(place_query(actor), {"grid_id": g, "community_id": c, "street_id": s})
    ]
    if outside:
        verb = "is" if len(outside) == 1 else "are"
        return f"grid {', '.join(outside[:5])} {verb} outside your area"
    return None


def make_items(
    targets: list[Place],
    items_from: str,
    names: list[str],
    sources: Mapping[str, Mapping[str, list[tuple[str, str]]]],
    title: str,
) -> list[dict]:
    """The items of every target grid: the ``names`` in each, one per grid (named after the
    task), or one per reference record of the grid (``sources[items_from][grid_id]``: (ref,
    name) pairs). A grid without such records gets one item for the whole grid."""
    if items_from not in ITEMS_FROM:
        raise Refused("invalid", f"items_from: one of {', '.join(ITEMS_FROM)}")
    clean = [n.strip() for n in names if n.strip()]
    if items_from == "named":
        if not clean or len(clean) > MAX_NAMES or any(len(n) > MAX_TITLE for n in clean):
            raise Refused(
                "invalid", f"item_names: 1 to {MAX_NAMES} names of 1 to {MAX_TITLE} characters"
            )
        if len(set(clean)) != len(clean):
            raise Refused("invalid", "item_names: a name given twice")
    elif clean:
        raise Refused("invalid", f"item_names: only with items_from = named, not {items_from}")
    items = []
    for grid_id, _, _ in targets:
        if items_from == "named":
            per_grid = [("", n) for n in clean]
        elif items_from == "single":
            per_grid = [("", title)]
        else:
            per_grid = sources.get(items_from, {}).get(grid_id) or [("", title)]
        items += [
            {
                "item_id": f"{grid_id}-{n}",
                "grid_id": grid_id,
                "name": name,
                "ref": ref,
                "status": "open",
                "note": "",
                "reported_by": "",
                "reported_at": None,
            }
            for n, (ref, name) in enumerate(per_grid, 1)
        ]
    if len(items) > MAX_ITEMS:
        raise Refused(
            "invalid", f"a task has at most {MAX_ITEMS} items; these targets make {len(items)}"
        )
    return items


def is_overdue(item_status: str, task_status: str, due_at: datetime, now: datetime) -> bool:
    """An item still open after the due time is overdue, unless its task was cancelled."""
    return item_status == "open" and task_status != "cancelled" and now > due_at


def progress(targets: list[Place], items: list[Item]) -> list[Progress]:
    """Completion per target grid, in the targets' order."""
    by_grid = {g: Progress(g, c, s) for g, c, s in targets}
    for item in items:
        p = by_grid.get(item.grid_id)
        if p is None:
            continue
        p.items += 1
        p.done += item.status == "done"
        p.problems += item.status == "problem"
        p.open += item.status == "open"
        p.overdue += item.overdue
    return list(by_grid.values())


def task_query(principal: Principal) -> dict:
    """The MongoDB filter of the tasks ``principal`` sees; ScopeRefused for one that sees none."""
    if principal.role == "department":
        if not principal.department:
            raise ScopeRefused(
                grpc.StatusCode.INVALID_ARGUMENT, "a department scope needs scope.department"
            )
        return {"dispatcher.department": principal.department}
    places = place_query(principal)
    return {"targets": {"$elemMatch": places}} if places else {}


def sees_task(principal: Principal, doc: Mapping) -> bool:
    """Whether ``principal`` sees the task ``doc``: the rule of :func:`task_query`."""
    try:
        query = task_query(principal)
    except ScopeRefused:
        return False
    if "dispatcher.department" in query:
        return doc["dispatcher"].get("department") == query["dispatcher.department"]
    wanted = query.get("targets", {}).get("$elemMatch", {})
    return any(matches(wanted, t) for t in doc["targets"])


def sees_grid_part(principal: Principal, place: Mapping) -> bool:
    """Whether ``principal`` reads a target grid's part of a task it sees: a department every
    grid of its own campaign, the area roles the grids of their area."""
    if principal.role == "department":
        return True
    try:
        return matches(place_query(principal), place)
    except ScopeRefused:
        return False


def report_refusal(actor: Principal, grid_id: str) -> str | None:
    """Why ``actor`` may not report an item of ``grid_id``, or None: its own secretary and workers
    report it, no one else."""
    if actor.role in GRID_STAFF and actor.grid_id == grid_id:
        return None
    return f"only grid {grid_id}'s secretary and workers report its items"


def may_end(actor: Principal, dispatcher: Mapping[str, str]) -> bool:
    """The county, or the dispatcher's office: the same level and the same place."""
    if actor.role == "county":
        return True
    if actor.role != dispatcher.get("level"):
        return False
    placed_by = SIGHT[actor.role].placed_by or ""
    return bool(placed_by) and getattr(actor, placed_by) == dispatcher.get(placed_by)


def _text(value: str, name: str, limit: int, *, required: bool = True) -> str:
    value = value.strip()
    if (required and not value) or len(value) > limit:
        raise Refused("invalid", f"{name}: {'1' if required else '0'} to {limit} characters")
    return value


# --- the store ------------------------------------------------------------------------------


class TaskStore:
    def __init__(self, db: AsyncDatabase, meetings: MeetingStore) -> None:
        self.records = db[COLLECTION]
        self.meetings = meetings
        self._grids: dict[str, tuple[str, str]] = {}
        self._sources: dict[str, dict[str, list[tuple[str, str]]]] = {}

    async def ensure_indexes(self) -> None:
        await self.records.create_indexes(INDEXES)

    def use_reference(self, county: County | None) -> None:
        """The grids of the reference version in use, and the records items are made for."""
        if county is None:
            self._grids, self._sources = {}, {}
            return
        self._grids = {g.grid_id: (g.community_id, g.street_id) for g in county.grids}
        sources: dict[str, dict[str, list[tuple[str, str]]]] = {}
        for kind, records, ident in (
            ("compound", county.compounds, "compound_id"),
            ("resident_unit", county.resident_units, "unit_id"),
            ("social_organisation", county.social_organisations, "org_id"),
        ):
            per_grid: dict[str, list[tuple[str, str]]] = {}
            for r in sorted(records, key=lambda r: getattr(r, ident)):
                per_grid.setdefault(r.grid_id, []).append((getattr(r, ident), r.name))
            sources[kind] = per_grid
        self._sources = sources

    def _of(self, doc: dict, now: datetime, viewer: Principal | None = None) -> Task:
        targets = [(t["grid_id"], t["community_id"], t["street_id"]) for t in doc["targets"]]
        if viewer is not None:
            targets = [
                t
                for t in targets
                if sees_grid_part(
                    viewer, {"grid_id": t[0], "community_id": t[1], "street_id": t[2]}
                )
            ]
        shown = {t[0] for t in targets}
        items = [
            Item(
                **{
                    k: x[k]
                    for k in (
                        "item_id",
                        "grid_id",
                        "name",
                        "ref",
                        "status",
                        "note",
                        "reported_by",
                        "reported_at",
                    )
                },
                overdue=is_overdue(x["status"], doc["status"], doc["due_at"], now),
            )
            for x in doc["items"]
            if x["grid_id"] in shown
        ]
        return Task(
            task_id=doc["_id"],
            title=doc["title"],
            instructions=doc["instructions"],
            category=doc["category"],
            dispatcher=doc["dispatcher"],
            area=doc["area"],
            grid_ids=[t[0] for t in targets],
            due_at=doc["due_at"],
            items_from=doc["items_from"],
            status=doc["status"],
            items=items,
            grids=progress(targets, items),
            created_at=doc["created_at"],
            ended_at=doc.get("ended_at"),
            ended_by=doc.get("ended_by", ""),
            end_note=doc.get("end_note", ""),
            meeting_id=doc.get("meeting_id", ""),
            decision_id=doc.get("decision_id", ""),
        )

    async def create(self, new: NewTask, actor: Principal, now: datetime) -> Task:
        dispatcher = dispatcher_of(actor)
        title = _text(new.title, "title", MAX_TITLE)
        instructions = _text(new.instructions, "instructions", MAX_TEXT, required=False)
        if new.category and (why := category_error(new.category)):
            raise Refused("invalid", f"category: {why}")
        targets = expand_targets(self._grids, new.grid_ids, new.area.strip())
        if why := dispatch_refusal(actor, targets):
            raise Refused("role", why)
        items = make_items(targets, new.items_from, new.item_names, self._sources, title)
        if bool(new.meeting_id) != bool(new.decision_id):
            raise Refused("invalid", "meeting_id and decision_id: a meeting's decision names both")
        if new.meeting_id:
            try:
                meeting = await self.meetings.get(new.meeting_id)
            except Refused as exc:
                raise Refused("invalid", f"meeting_id: no meeting {new.meeting_id!r}") from exc
            if not any(d.decision_id == new.decision_id for d in meeting.decisions):
                raise Refused(
                    "invalid",
                    f"decision_id: meeting {new.meeting_id} has no decision {new.decision_id!r}",
                )
        doc = {
            "_id": f"T{uuid.uuid4().hex[:12]}",
            "title": title,
            "instructions": instructions,
            "category": new.category,
            "dispatcher": dispatcher,
            "area": new.area.strip(),
            "targets": [{"grid_id": g, "community_id": c, "street_id": s} for g, c, s in targets],
            "due_at": new.due_at,
            "items_from": new.items_from,
            "status": "open",
            "items": items,
            "created_at": now,
            "ended_at": None,
            "ended_by": "",
            "end_note": "",
            "meeting_id": new.meeting_id,
            "decision_id": new.decision_id,
        }
        await self.records.insert_one(doc)
        return self._of(doc, now, actor)

    async def _visible(self, task_id: str, viewer: Principal) -> dict:
        doc = await self.records.find_one({"_id": task_id})
        if doc is None or not sees_task(viewer, doc):
            raise Refused("not_found", f"no task {task_id!r} in your scope")
        return doc

    async def get(self, task_id: str, viewer: Principal, now: datetime) -> Task:
        return self._of(await self._visible(task_id, viewer), now, viewer)

    async def listed(
        self,
        viewer: Principal,
        status: str,
        meeting_id: str,
        grid_id: str,
        page: int,
        size: int,
        now: datetime,
    ) -> tuple[list[Task], int]:
        if status and status not in STATUSES:
            raise Refused("invalid", f"status: one of {', '.join(STATUSES)}")
        try:
            query = task_query(viewer)
        except ScopeRefused as exc:
            raise Refused("role", exc.message) from exc
        if status:
            query["status"] = status
        if meeting_id:
            query["meeting_id"] = meeting_id
        if grid_id:
            query = {"$and": [query, {"targets.grid_id": grid_id}]}
        total = await self.records.count_documents(query)
        docs = await (
            self.records.find(query)
            .sort([("created_at", DESCENDING), ("_id", ASCENDING)])
            .skip((max(page, 1) - 1) * size)
            .limit(size)
            .to_list()
        )
        return [self._of(d, now, viewer) for d in docs], total

    async def report(
        self, task_id: str, item_id: str, outcome: str, note: str, actor: Principal, now: datetime
    ) -> Task:
        if outcome not in OUTCOMES:
            raise Refused("invalid", f"outcome: one of {', '.join(OUTCOMES)}")
        note = _text(note, "note", MAX_TEXT, required=outcome == "problem")
        doc = await self._visible(task_id, actor)
        item = next((x for x in doc["items"] if x["item_id"] == item_id), None)
        if item is None:
            raise Refused("not_found", f"task {task_id} has no item {item_id!r}")
        if why := report_refusal(actor, item["grid_id"]):
            raise Refused("role", why)
        if doc["status"] != "open":
            raise Refused(
                "state", f"task {task_id} is {doc['status']}: its items take no more reports"
            )
        done = await self.records.update_one(
            {"_id": task_id, "status": "open", "items.item_id": item_id},
            {
                "$set": {
                    "items.$.status": outcome,
                    "items.$.note": note,
                    "items.$.reported_by": actor.username,
                    "items.$.reported_at": now,
                }
            },
        )
        if done.modified_count == 0:
            raise Refused(
                "state", f"task {task_id} ended meanwhile: its items take no more reports"
            )
        return await self.get(task_id, actor, now)

    async def end(
        self, task_id: str, status: str, note: str, actor: Principal, now: datetime
    ) -> Task:
        if status not in ENDINGS:
            raise Refused("invalid", f"status: one of {', '.join(ENDINGS)}")
        note = _text(note, "note", MAX_TEXT, required=False)
        doc = await self._visible(task_id, actor)
        if not may_end(actor, doc["dispatcher"]):
            raise Refused(
                "role",
                f"only the dispatcher ({doc['dispatcher']['username']}, "
                f"{doc['dispatcher']['level']}) or the county ends task {task_id}",
            )
        changed = await self.records.update_one(
            {"_id": task_id, "status": "open"},
            {
                "$set": {
                    "status": status,
                    "ended_at": now,
                    "ended_by": actor.username,
                    "end_note": note,
                }
            },
        )
        if changed.modified_count == 0:
            raise Refused("state", f"task {task_id} is {doc['status']}, not open")
        return await self.get(task_id, actor, now)
