"""The aggregates of the weekly report (一周一报), from fusion's events, cases and service orders."""

from __future__ import annotations

import statistics
from datetime import datetime
from typing import Any

from gridfusion.community.v1 import community_pb2 as pb
from pymongo.asynchronous.database import AsyncDatabase

from services.platform.clock import Clock
from services.platform.scope import area_query
from services.platform.vocabulary import FINISHED

from .activities import COLLECTION as ACTIVITIES
from .hours import service_hours
from .members import COLLECTION as MEMBERS
from .orders import COLLECTION as ORDERS
from .workflow import SYSTEM_ACTOR, SYSTEM_ROLE

# Case statuses with nothing left to do (resolved on the spot, or closed): "closed" in the report.
# Timeline entries that mean a deadline was missed: fusion's deadline keeper acting on a case,
# known by its actor *and* its role: no person or department system acts with the role
# ``system``, so a department's result naming itself "fusion:deadline" is not a missed deadline.
DEADLINE_ACTOR = SYSTEM_ACTOR
# A case merged into another is a duplicate, in no figure of the report.
MERGED = "merged"


def finished_at(case: dict[str, Any]) -> datetime | None:
    """When a case reached resolved or closed (and stayed there); None while it is open."""
    if case.get("status") not in FINISHED:
        return None
    if case.get("closed_at") is not None:
        return case["closed_at"]
    moments = [t["at"] for t in case.get("timeline", []) if t.get("to_status") in FINISHED and t.get("at")]
    return max(moments) if moments else case.get("updated_at")


def deadline_missed(entry: dict[str, Any]) -> bool:
    """Whether a timeline entry is the deadline keeper's: an automatic escalation or 督办."""
    return entry.get("role") == SYSTEM_ROLE and (entry.get("actor") == DEADLINE_ACTOR or entry.get("action") == "overdue")


def median_hours(durations_seconds: list[float]) -> float:
    return round(statistics.median(durations_seconds) / 3600, 2) if durations_seconds else 0.0


async def weekly_report(db: AsyncDatabase, grids: dict[str, dict[str, Any]], area: pb.Area, start: datetime, end: datetime,
                        clock: Clock) -> pb.WeeklyReport:
    """The week's figures over ``grids`` (the grids of the reference version in use); see
    :class:`pb.WeeklyReport` for what each one counts."""
    scope = area_query(area)
    in_area = {gid: g for gid, g in grids.items()
               if all(g.get(k) == v if k != "grid_id" else gid == v for k, v in scope.items())}
    rows = {gid: pb.GridFigures(grid_id=gid, name=g.get("name", "")) for gid, g in sorted(in_area.items())}
    report = pb.WeeklyReport()

    in_scope = {"grid_id": {"$in": list(rows)}}
    counts: dict[tuple[str, str], int] = {}
    events = db["events"].find(
        {**in_scope, "status": "fused", "fused_at": {"$gte": start, "$lt": end}}, {"department": 1, "category": 1, "grid_id": 1}
    )
    async for e in events:
        key = (e.get("department", ""), e.get("category", "").split(".", 1)[0])
        counts[key] = counts.get(key, 0) + 1
        if e.get("grid_id") in rows:
            rows[e["grid_id"]].events += 1
    report.events.extend(pb.EventCount(department=d, family=f, events=n) for (d, f), n in sorted(counts.items()))

    durations: list[float] = []
    # A deadline later than now has not passed yet, even if the week runs on.
    cutoff = min(end, clock.now())
    # Open cases, and finished ones touched since the week began (one finished earlier is done with).
    relevant = {**in_scope, "opened_at": {"$lt": end}, "$or": [
        {"status": {"$nin": list(FINISHED)}}, {"updated_at": {"$gte": start}}, {"updated_at": {"$exists": False}}]}
    fields = {"grid_id": 1, "status": 1, "opened_at": 1, "closed_at": 1, "due_at": 1, "overdue": 1, "timeline.action": 1,
              "timeline.at": 1, "timeline.to_status": 1, "timeline.actor": 1, "timeline.role": 1}
    async for c in db["cases"].find(relevant, fields):
        if c.get("status") == MERGED:
            continue  # a duplicate: its incident counts in the case it was merged into
        row = rows.get(c["grid_id"])
        timeline = c.get("timeline", [])
        opened, due = c.get("opened_at"), c.get("due_at")
        finished = finished_at(c)
        if finished is not None and finished < start:
            continue
        closed_in_week = finished is not None and start <= finished < end
        open_at_end = finished is None or finished >= end
        missed = any(deadline_missed(t) for t in timeline)
        overdue = (open_at_end and (c.get("overdue") or (due is not None and due < cutoff))) or (
            closed_in_week and (missed or (due is not None and finished > due)))
        escalated = any(t.get("action") == "escalate" and t.get("at") and start <= t["at"] < end for t in timeline)
        flags = {
            "cases_opened": opened is not None and opened >= start,
            "cases_closed": closed_in_week,
            "overdue": overdue,
            "escalated": escalated,
            "open_cases": open_at_end,
        }
        for name, yes in flags.items():
            if yes:
                setattr(report, name, getattr(report, name) + 1)
                if row is not None:
                    setattr(row, name, getattr(row, name) + 1)
        if closed_in_week and opened is not None:
            durations.append((finished - opened).total_seconds())
    report.median_close_hours = median_hours(durations)

    hours = await service_hours(db[ORDERS], db[MEMBERS], db[ACTIVITIES], area, start, end)
    for g in hours.grids:
        report.orders_completed += g.orders_completed
        report.service_hours += g.hours
        if g.grid_id in rows:
            rows[g.grid_id].orders_completed = g.orders_completed
            rows[g.grid_id].service_hours = g.hours
    report.service_hours = round(report.service_hours, 2)
    report.grids.extend(rows.values())
    return report
