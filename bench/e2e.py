"""``e2e``: how long an event takes from a department's acceptance to fused, at a steady rate of
half the fusion rate measured in the same run.

Every 100 ms the events due by then are sent through the gateway's batch API (one request per
department among them, at most 500 events each, without waiting for earlier answers), with
gateway, departments and fusion all running as in production. Meanwhile fusion's events
collection is looked at every 100 ms for the oldest 300 accepted events not fused yet (fusion
takes the stream in order); an event's latency is the moment its record was first seen there
(committed with its case) minus the ``accepted_at`` its department stamped on it, so the
client's own delays do not count, and the figure is late by half a look (about 50 ms) on
average.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import httpx
from gridfusion.events.v1 import events_pb2

from services.platform import bus

from . import workload
from .pipeline import BATCH, FUSION_DATABASE, http_client, present, submit
from .report import percentile

TICK = 0.1
LOOK = 0.1
LOOK_AT_MOST = 300


async def run(stack, *, fusion_rate: float, quick: bool, scale: float, say) -> dict[str, Any]:
    from services.reference import build_county

    rate = max(1.0, fusion_rate / 2)
    duration = max(3.0, (15.0 if quick else 60.0) * min(1.0, scale * 4))
    total = max(10, int(rate * duration))
    events = workload.take(build_county(), seed=900, count=total, tag="e2e")
    mongo = stack.mongo("bench-e2e")
    records_of = mongo[FUSION_DATABASE]["events"]
    pending: dict[str, None] = {}  # accepted, not seen fused yet; in the order accepted
    seen: dict[str, datetime] = {}
    counts = {"accepted": 0, "duplicate": 0, "invalid": 0}
    failures: list[str] = []
    sending_done = asyncio.Event()

    async def watch() -> None:
        """Note when each accepted event's record appears, until every one has."""
        deadline = None
        while True:
            if pending:
                # The oldest few hundred: fusion takes the stream in order, and a look at every
                # pending key would load the database more, the further behind fusion is.
                found = await present(records_of, list(itertools.islice(pending, LOOK_AT_MOST)))
                now = datetime.now(UTC)
                for key in found:
                    seen[key] = now
                    del pending[key]
            if sending_done.is_set():
                if not pending:
                    return
                deadline = deadline or time.monotonic() + max(300.0, total / 5)
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{len(pending)} accepted events not fused within the time allowed")
            await asyncio.sleep(LOOK)

    watcher = asyncio.create_task(watch())
    try:
        async with http_client(120, 64) as client:
            token = await stack.token(client)

            async def send(department: str, batch: list[dict[str, Any]]) -> None:
                try:
                    results = await submit(client, stack.gateway_url, token, department, batch)
                except (httpx.HTTPError, RuntimeError) as exc:
                    failures.append(repr(exc))
                    return
                for item in results:
                    counts[item["status"]] += 1
                    if item["status"] == "accepted":
                        pending[bus.event_key(department, item["event_id"])] = None

            tasks: list[asyncio.Task] = []
            sent = 0
            started = time.monotonic()
            while sent < total:
                due = min(total, int((time.monotonic() - started) * rate) + 1)
                per: dict[str, list[dict[str, Any]]] = defaultdict(list)
                for department, event in events[sent:due]:
                    per[department].append(event)
                sent = due
                for department, batch in per.items():
                    for i in range(0, len(batch), BATCH):
                        tasks.append(asyncio.create_task(send(department, batch[i : i + BATCH])))
                next_tick = started + TICK * (int((time.monotonic() - started) / TICK) + 1)
                await asyncio.sleep(max(0.0, next_tick - time.monotonic()))
            sending = time.monotonic() - started
            await asyncio.gather(*tasks)
        sending_done.set()
        await watcher
        if failures:
            raise RuntimeError(f"{len(failures)} batches failed, e.g. {failures[0]}")
        latencies = []
        async for record in records_of.find({"_id": {"$in": list(seen)}, "status": "fused"}, {"event": 1}):
            accepted = events_pb2.DepartmentEvent.FromString(record["event"]).accepted_at.ToDatetime(tzinfo=UTC)
            latencies.append((seen[record["_id"]] - accepted).total_seconds() * 1000)
    finally:
        sending_done.set()
        if not watcher.done():
            watcher.cancel()
        await mongo.close()
    out = {"p50_ms": round(percentile(latencies, 50), 1), "p99_ms": round(percentile(latencies, 99), 1),
           "rate": round(rate, 1), "sent_rate": round(total / sending, 1), "seconds": round(sending, 1),
           "events": len(latencies), "mean_ms": round(sum(latencies) / len(latencies), 1), "answers": counts,
           "look_every_ms": LOOK * 1000}
    say(f"e2e: p50 {out['p50_ms']} ms, p99 {out['p99_ms']} ms at {out['rate']} events/s")
    return out
