"""``correlation``: what fusing one event costs (:meth:`CaseStore.fuse`, fusion's own store,
against the real database server) when its grid holds 1,000 and when it holds 50,000 open cases.

Each store is a database of its own with fusion's indexes (built once the cases are written:
that is minutes faster here than writing 50,000 cases into the indexes one by one). Its open
cases are copies of a case
that ``CaseStore.fuse`` itself wrote, each with the sighting of its one event in the ``sightings``
collection as fusion stores it, varied as a year's backlog of one grid would be: every family,
last seen at any time over the past year, half of them with a subject, points anywhere in the
grid. The probes are new events in that grid (every family; half with a subject, half without),
each opening a case of its own: no summary is a near-duplicate of another, so every stored
sighting the index look-up finds is compared and none is joined. The same probes go to both
stores, alternately, one at a time; the figure is the median milliseconds per event.
"""

from __future__ import annotations

import copy
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from gridfusion.events.v1 import events_pb2
from shapely.geometry import Point, Polygon

from services.fusion import reference_store
from services.fusion import sightings as sighting_store
from services.fusion.cases import OPEN_STATUSES, CaseStore
from services.fusion.correlation import Sighting
from services.platform.vocabulary import SUBTYPES
from services.reference import build_county
from services.reference.resolver import Resolution

from .report import median

FAMILIES = tuple(SUBTYPES)
def _summary(rng: random.Random) -> str:
    """Twenty random characters: no two summaries speak of the same matter (a phrase of a few
    matters would make a probe the same incident as a stored case of its matter near it), so no
    probe joins a case and every comparison is made, segmentation and all."""
    return "".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(20))


def _point_in(grid, rng: random.Random) -> tuple[float, float]:
    polygon = Polygon(grid.polygon)
    west, south, east, north = polygon.bounds
    while True:
        point = (rng.uniform(west, east), rng.uniform(south, north))
        if polygon.contains(Point(point)):
            return round(point[0], 6), round(point[1], 6)


def _event(event_id: str, family: str, summary: str, subject: str, at: datetime,
           point: tuple[float, float]) -> events_pb2.DepartmentEvent:
    event = events_pb2.DepartmentEvent(
        id=event_id, department="comprehensive_governance", type="incident.reported",
        category=f"{family}.{SUBTYPES[family][0]}", summary=summary, subject_id=subject,
        severity=events_pb2.SEVERITY_MEDIUM,
    )
    event.time.FromDatetime(at)
    event.location.point.lon, event.location.point.lat = point
    return event


def _resolution(grid_id: str, event: events_pb2.DepartmentEvent) -> Resolution:
    return Resolution(grid_id, "point", 1.0, (event.location.point.lon, event.location.point.lat))


def open_cases(template: dict[str, Any], grid, count: int, now: datetime,
               seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``count`` open cases of ``grid`` shaped as ``template`` (a case ``CaseStore.fuse`` wrote),
    and their sightings as fusion stores them."""
    rng = random.Random(seed)
    out, stored = [], []
    for i in range(count):
        family = FAMILIES[i % len(FAMILIES)]
        seen = now - timedelta(seconds=rng.uniform(3600, 365 * 86400))
        sighting = Sighting(
            event_id=f"bench:seed-{i}", grid_id=grid.grid_id, family=family,
            subject_id=f"SEED-{i}" if i % 2 else "", time=seen, point=_point_in(grid, rng),
            summary=_summary(rng),
        )
        case = copy.deepcopy(template)
        case.update(
            _id=f"CBENCH-{i:07d}", category=f"{family}.{SUBTYPES[family][0]}", family=family,
            status=rng.choice(OPEN_STATUSES[:3]), event_ids=[sighting.event_id],
            summary=sighting.summary, subject_id=sighting.subject_id, opened_at=seen, updated_at=seen,
            level_started_at=seen, due_at=seen + timedelta(days=3), last_seen=seen,
        )
        out.append(case)
        stored.append(sighting_store.document(sighting, case["_id"]))
    return out, stored


async def _store(client, name: str, grid_docs: dict[str, dict[str, Any]]) -> CaseStore:
    await client.drop_database(name)
    store = CaseStore(client, client[name])
    store.use_grids(grid_docs)
    return store


async def run(stack, *, quick: bool, scale: float, say) -> dict[str, Any]:
    county = build_county()
    grid = county.grids[0]
    grid_docs = {g.grid_id: reference_store.grid_doc(g, county) for g in county.grids}
    # The quick run keeps 5,000 in the larger store: 50,000 take minutes to write and index here.
    sizes = {"1k": max(10, int(1_000 * scale)), "50k": max(50, int((5_000 if quick else 50_000) * scale))}
    probes = max(10, int((40 if quick else 200) * scale))
    warmup = 5
    rng = random.Random(3)
    now = datetime.now(UTC)
    client = stack.mongo("bench-correlation")
    stores: dict[str, CaseStore] = {}
    try:
        seeded: dict[str, float] = {}
        for key, count in sizes.items():
            store = stores[key] = await _store(client, f"bench_correlation_{key}", grid_docs)
            first = _event("template", "dispute", "模板事件", "", now - timedelta(days=400), _point_in(grid, rng))
            fused = await store.fuse(first, _resolution(grid.grid_id, first), now)
            template = await store.cases.find_one({"_id": fused.case_id})
            started = time.perf_counter()
            cases, stored = open_cases(template, grid, count, now, seed=5)
            for i in range(0, len(cases), 1000):
                await store.cases.insert_many(cases[i : i + 1000], ordered=False)
                await store.sightings.insert_many(stored[i : i + 1000], ordered=False)
            await store.ensure_indexes()  # fusion's indexes, built once over the seeded cases
            seeded[key] = round(time.perf_counter() - started, 1)
            say(f"correlation: {count:,} open cases in grid {grid.grid_id} seeded in {seeded[key]} s")
        timings: dict[str, list[float]] = {k: [] for k in sizes}
        for i in range(warmup + probes):
            family = FAMILIES[i % len(FAMILIES)]
            event = _event(f"probe-{i}", family, _summary(rng), f"NEW-{i}" if i % 2 else "",
                           now - timedelta(minutes=5), _point_in(grid, rng))
            order = list(sizes) if i % 2 == 0 else list(reversed(sizes))
            for key in order:
                started = time.perf_counter()
                fused = await stores[key].fuse(event, _resolution(grid.grid_id, event), now)
                elapsed = (time.perf_counter() - started) * 1000
                if not fused.opened:
                    raise RuntimeError(f"probe {event.id} joined case {fused.case_id} in the {key} store")
                if i >= warmup:
                    timings[key].append(elapsed)
        ms_1k, ms_50k = median(timings["1k"]), median(timings["50k"])
        out = {"ms_1k": round(ms_1k, 2), "ms_50k": round(ms_50k, 2), "ratio": round(ms_50k / ms_1k, 3),
               "open_cases": sizes, "probes": probes, "seed_s": seeded, "grid_id": grid.grid_id}
        if sizes["50k"] < 50_000:
            out["note"] = f"the larger store held {sizes['50k']:,} open cases, not 50,000"
        say(f"correlation: {out['ms_1k']} ms at {sizes['1k']:,} open cases, {out['ms_50k']} ms at {sizes['50k']:,}")
        return out
    finally:
        for store in stores.values():
            await client.drop_database(store.db.name)
        await client.close()
