"""Grid workers' patrol logs (综治): each worker's daily patrol time inside their own grid.

A grid worker patrols their grid at least four hours a day. The grid app uploads the patrol
track as time-stamped fixes (:class:`PatrolLog`); this module keeps the logs in the
comprehensive-governance database and computes, per worker and county-time day, the hours
spent inside the worker's own grid.

How time is counted, from one worker's fixes of all their logs merged and sorted by time:

* two consecutive fixes at most :data:`MAX_GAP` apart make a patrolled interval; a longer
  silence (the app off, the phone in a drawer) counts nothing;
* the interval is inside the grid when both fixes lie inside (or on the border of) the
  worker's own grid polygon, otherwise it counts as patrol outside the grid;
* an interval that crosses midnight (county time) is split between the two days;
* overlapping logs are merged, so the same minutes are never counted twice.

A day under :data:`MIN_HOURS` inside the grid is flagged; a day with no log at all is a day
of zero hours and flagged too.

Grids and workers are those of the reference version in use: a worker the version names is
kept with the grid it names (``grid_workers``); the department's records of a worker whose grid
the version no longer has are kept, but that worker no longer counts, and a grid's hours are
counted against its boundary in the version in use (a grid in parts counts every part).
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import shapely
from gridfusion.departments.v1 import departments_pb2 as pb
from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError
from shapely.geometry import MultiPolygon, Point, Polygon

from services.platform.vocabulary import ID_MAX

from . import reference

MIN_HOURS = 4.0
MAX_GAP = timedelta(minutes=10)
MAX_POINTS = 20_000
MAX_SPAN = timedelta(hours=24)
MAX_SUMMARY_DAYS = 92

INDEXES = {
    "patrol_logs": [
        IndexModel([("worker_id", ASCENDING), ("start", ASCENDING)], name="worker_time"),
        IndexModel([("grid_id", ASCENDING), ("start", ASCENDING)], name="grid_time"),
    ],
    "grid_workers": [IndexModel([("grid_id", ASCENDING)], name="grid")],
}

FieldErrors = list[tuple[str, str]]


@dataclass(frozen=True, order=True)
class Fix:
    at: datetime
    lon: float
    lat: float


@dataclass(frozen=True)
class DayHours:
    inside_seconds: float = 0.0
    logged_seconds: float = 0.0


def check_log(log: pb.PatrolLog, workers: Mapping[str, str]) -> FieldErrors:
    """Every reason to refuse a patrol log; ``workers`` maps worker ids to their grid."""
    errors: FieldErrors = []
    if not 1 <= len(log.log_id) <= ID_MAX:
        errors.append(("log_id", f"must be 1 to {ID_MAX} characters"))
    if not log.worker_id:
        errors.append(("worker_id", "is required"))
    elif log.worker_id not in workers:
        errors.append(("worker_id", f"'{log.worker_id[:ID_MAX]}' is not a grid worker of the county"))
    elif log.grid_id and workers[log.worker_id] != log.grid_id:
        errors.append(("worker_id", f"'{log.worker_id}' is not a grid worker of grid {log.grid_id[:ID_MAX]}"))
    elif log.uploader_worker_id and log.worker_id != log.uploader_worker_id:
        own = log.uploader_worker_id[:ID_MAX]
        errors.append(("worker_id", f"a grid worker uploads only its own track ('{own}'), not '{log.worker_id}''s"))
    if len(log.points) < 2:
        errors.append(("points", "a track needs at least two fixes"))
    if len(log.points) > MAX_POINTS:
        errors.append(("points", f"at most {MAX_POINTS} fixes per log"))
    if len(log.note) > 2000:
        errors.append(("note", "must be at most 2000 characters"))
    times = []
    for i, p in enumerate(log.points[:MAX_POINTS]):
        if not p.HasField("time"):
            errors.append((f"points.{i}.time", "is required"))
        else:
            times.append(p.time.ToDatetime(tzinfo=UTC))
        if not (math.isfinite(p.lon) and -180 <= p.lon <= 180):
            errors.append((f"points.{i}.lon", "must be a number in [-180, 180]"))
        if not (math.isfinite(p.lat) and -90 <= p.lat <= 90):
            errors.append((f"points.{i}.lat", "must be a number in [-90, 90]"))
    if times and max(times) - min(times) > MAX_SPAN:
        errors.append(("points", "a log covers at most 24 hours"))
    return errors


def fixes_of(log: pb.PatrolLog) -> list[Fix]:
    return sorted(Fix(p.time.ToDatetime(tzinfo=UTC), p.lon, p.lat) for p in log.points)


def _midnights(start: datetime, end: datetime, tz: ZoneInfo) -> list[datetime]:
    """County-time midnights strictly between ``start`` and ``end``."""
    out = []
    day = start.astimezone(tz).date() + timedelta(days=1)
    while True:
        midnight = datetime.combine(day, time(0), tz)
        if midnight >= end:
            return out
        out.append(midnight)
        day += timedelta(days=1)


def daily_hours(fixes: Iterable[Fix], polygon: Polygon | MultiPolygon, tz: ZoneInfo) -> dict[date, DayHours]:
    """Seconds inside ``polygon`` and seconds logged, per county-time day (see the module doc)."""
    ordered = sorted(set(fixes))
    shapely.prepare(polygon)
    inside = [polygon.covers(Point(f.lon, f.lat)) for f in ordered]
    days: dict[date, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for (a, a_in), (b, b_in) in zip(zip(ordered, inside), zip(ordered[1:], inside[1:])):
        if b.at <= a.at or b.at - a.at > MAX_GAP:
            continue
        cuts = [a.at, *_midnights(a.at, b.at, tz), b.at]
        for start, end in itertools.pairwise(cuts):
            seconds = (end - start).total_seconds()
            bucket = days[start.astimezone(tz).date()]
            bucket[1] += seconds
            if a_in and b_in:
                bucket[0] += seconds
    return {d: DayHours(v[0], v[1]) for d, v in days.items()}


def parse_range(from_date: str, to_date: str) -> tuple[date, date] | FieldErrors:
    errors: FieldErrors = []
    parsed = []
    for name, value in (("from_date", from_date), ("to_date", to_date)):
        try:
            parsed.append(date.fromisoformat(value))
        except ValueError:
            errors.append((name, "must be an ISO date, YYYY-MM-DD"))
    if errors:
        return errors
    first, last = parsed
    if last < first:
        return [("to_date", "must not be before from_date")]
    if (last - first).days + 1 > MAX_SUMMARY_DAYS:
        return [("to_date", f"a summary covers at most {MAX_SUMMARY_DAYS} days")]
    return first, last


class PatrolStore:
    """Patrol logs and the grid workers, in the comprehensive-governance database."""

    def __init__(self, db, tz: str = "Asia/Shanghai") -> None:
        self.db = db
        self.logs = db["patrol_logs"]
        self.workers = db["grid_workers"]
        self.tz = ZoneInfo(tz)

    async def seed_workers(self) -> None:
        """Every grid worker of the reference version in use, with the grid it names; idempotent,
        and a worker the version does not name keeps their record."""
        for grid in reference.county().grids:
            for person in grid.grid_workers:
                await self.workers.update_one(
                    {"_id": person.person_id},
                    {"$set": {"grid_id": grid.grid_id, "name": person.name}},
                    upsert=True,
                )

    async def worker_grids(self, view: reference.View | None = None) -> dict[str, str]:
        """Each worker's own grid, for the workers whose grid is in the reference version."""
        grids = (view or reference.current()).county.grids_by_id
        return {w["_id"]: w["grid_id"] async for w in self.workers.find({}, {"grid_id": 1}) if w["grid_id"] in grids}

    async def record(self, log: pb.PatrolLog, grid_id: str, now: datetime) -> bool:
        """Keep a log; False when the same ``log_id`` is already kept."""
        fixes = fixes_of(log)
        doc = {
            "_id": log.log_id,
            "worker_id": log.worker_id,
            "grid_id": grid_id,
            "start": fixes[0].at,
            "end": fixes[-1].at,
            "points": [[f.at.timestamp(), f.lon, f.lat] for f in fixes],
            "note": log.note,
            "recorded_at": now,
        }
        try:
            await self.logs.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def summary(
        self, first: date, last: date, grid_ids: Iterable[str] = (), view: reference.View | None = None
    ) -> list[pb.PatrolDay]:
        """Per grid, day and worker: hours inside the worker's own grid, flagged under 4 h."""
        view = view or reference.current()
        wanted = set(grid_ids)
        workers = {w: g for w, g in (await self.worker_grids(view)).items() if not wanted or g in wanted}
        start = datetime.combine(first, time(0), self.tz)
        end = datetime.combine(last + timedelta(days=1), time(0), self.tz)
        fixes: dict[str, list[Fix]] = defaultdict(list)
        query = {"worker_id": {"$in": sorted(workers)}, "start": {"$lt": end}, "end": {"$gte": start - MAX_GAP}}
        async for doc in self.logs.find(query, {"worker_id": 1, "points": 1}):
            fixes[doc["worker_id"]].extend(
                Fix(datetime.fromtimestamp(t, UTC), lon, lat) for t, lon, lat in doc["points"]
            )
        polygons = view.county.grid_polygons
        out = []
        for worker_id, grid_id in sorted(workers.items(), key=lambda wg: (wg[1], wg[0])):
            hours = daily_hours(fixes.get(worker_id, ()), polygons[grid_id], self.tz) if grid_id in polygons else {}
            day = first
            while day <= last:
                h = hours.get(day, DayHours())
                inside = round(h.inside_seconds / 3600.0, 2)
                out.append(pb.PatrolDay(
                    grid_id=grid_id, date=day.isoformat(), worker_id=worker_id,
                    hours_in_grid=inside, hours_logged=round(h.logged_seconds / 3600.0, 2),
                    under_minimum=h.inside_seconds < MIN_HOURS * 3600.0,
                ))
                day += timedelta(days=1)
        out.sort(key=lambda d: (d.grid_id, d.date, d.worker_id))
        return out
