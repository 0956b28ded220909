"""``ingest`` and ``fusion``: the same rounds of events, first into the departments, then into cases.

A round: fusion is paused; the round's events go through the gateway's batch API
(``POST /v1/departments/{d}/events:batch``, 500 a batch, 2 batches in flight) and, as the
baseline, the departments' records of the same events go to the same database server with
``insert_many`` while the same messages (subject, body, CloudEvents headers, ``Nats-Msg-Id``) are
published on a stream configured like EVENTS (``BENCH_EVENTS``, subjects ``bench.events.>``)
with their acknowledgements in flight — 500 a batch, 2 batches in flight; which of the two goes
first alternates from round to round. Then fusion resumes and drains the backlog: its rate is
the round's events over the time from resuming until fusion's events collection holds a record
of every one of them (looked for every 0.2 s; a record is committed with its case). Its baseline
writes the very event and case documents fusion wrote for them into a database with fusion's
indexes, as bulk upserts of 200 events (fusion's fetch size) and their cases at a time.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import httpx
from pymongo import ReplaceOne

from services.departments.store import INDEXES as DEPARTMENT_INDEXES
from services.fusion.cases import INDEXES as FUSION_INDEXES
from services.platform import bus
from services.platform.mongo import ensure_indexes
from services.platform.vocabulary import DEPARTMENTS

from . import workload
from .report import median, ratio

BATCH = 500
IN_FLIGHT = 2
FUSION_BATCH = 200  # fusion's fetch size (FUSION_BATCH_SIZE)
FUSION_DATABASE = "gridfusion_fusion"
BENCH_STREAM = bus.StreamSpec("BENCH_EVENTS", ("bench.events.>",), "Ingest baseline: department events, as EVENTS")


def batches_of(events: list[workload.Event]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Per department, chunks of at most :data:`BATCH` in stream order; departments interleaved."""
    per: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for department, event in events:
        per[department].append(event)
    chunks = {d: [evs[i : i + BATCH] for i in range(0, len(evs), BATCH)] for d, evs in per.items()}
    out = []
    while any(chunks.values()):
        for department in list(chunks):
            if chunks[department]:
                out.append((department, chunks[department].pop(0)))
    return out


async def _workers(jobs: list, work) -> None:
    queue: asyncio.Queue = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)

    async def worker() -> None:
        while not queue.empty():
            await work(queue.get_nowait())

    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))


def http_client(timeout: float, connections: int) -> httpx.AsyncClient:
    """A client whose idle connections close (after 2 s) before the gateway closes them (5 s), so
    no request goes out on a connection the server is closing."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections, keepalive_expiry=2.0)
    return httpx.AsyncClient(timeout=timeout, limits=limits)


async def submit(client: httpx.AsyncClient, url: str, token: str, department: str,
                 events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One batch through the gateway; its answers. A batch is idempotent, so it is sent again
    when its connection broke (once) or the platform said it is busy (503 or 429: after its
    ``Retry-After``, up to 10 times); after a resend, an event answered ``duplicate`` was accepted
    by an earlier send, and its answer says ``accepted``."""
    broken = busy = 0
    while True:
        try:
            reply = await client.post(f"{url}/v1/departments/{department}/events:batch", json={"events": events},
                                      headers={"Authorization": f"Bearer {token}"})
        except httpx.TransportError:
            broken += 1
            if broken > 1:
                raise
            continue
        if reply.status_code in (429, 503) and busy < 10:
            busy += 1
            wait = reply.headers.get("Retry-After", "1")
            await asyncio.sleep(float(wait) if wait.replace(".", "", 1).isdigit() else 1.0)
            continue
        break
    if reply.status_code != 200:
        raise RuntimeError(f"events:batch of {department} answered {reply.status_code}: {reply.text[:300]}")
    results = reply.json()["results"]
    if broken or busy:
        results = [{**r, "status": "accepted"} if r["status"] == "duplicate" else r for r in results]
    return results


async def post_batches(client: httpx.AsyncClient, url: str, token: str,
                       batches: list[tuple[str, list[dict[str, Any]]]]) -> tuple[dict[str, int], list[str], float]:
    """Send every batch through the gateway; the answers counted, the keys of the accepted
    events, the seconds it took."""
    counts = {"accepted": 0, "duplicate": 0, "invalid": 0}
    keys: list[str] = []

    async def send(job: tuple[str, list[dict[str, Any]]]) -> None:
        department, events = job
        for item in await submit(client, url, token, department, events):
            counts[item["status"]] += 1
            if item["status"] == "accepted":
                keys.append(bus.event_key(department, item["event_id"]))

    started = time.perf_counter()
    await _workers(batches, send)
    return counts, keys, time.perf_counter() - started


class Baseline:
    """The raw writes a department's batch amounts to: records and acknowledged publishes."""

    def __init__(self, mongo, js) -> None:
        self.mongo = mongo
        self.js = js

    async def prepare(self) -> None:
        await bus.ensure_streams(self.js, [BENCH_STREAM])
        for department in DEPARTMENTS:
            await self.mongo.drop_database(f"bench_ingest_{department}")
            await ensure_indexes(self.mongo[f"bench_ingest_{department}"], DEPARTMENT_INDEXES)

    async def cleanup(self) -> None:
        try:
            await self.js.delete_stream(BENCH_STREAM.name)
        finally:
            for department in DEPARTMENTS:
                await self.mongo.drop_database(f"bench_ingest_{department}")

    @staticmethod
    def material(batches: list[tuple[str, list[dict[str, Any]]]]) -> list[tuple[str, list, list]]:
        """Per batch: the department, its records, its messages (built before the clock starts)."""
        now = datetime.now(UTC)
        out = []
        for department, events in batches:
            records, messages = [], []
            for raw in events:
                made = workload.department_record(department, raw, now)
                if made is None:
                    continue
                record, subject, body, headers = made
                records.append(record)
                messages.append(("bench." + subject.removeprefix("gridfusion."), body, headers))
            if records:
                out.append((department, records, messages))
        return out

    async def run(self, material: list[tuple[str, list, list]]) -> tuple[int, float]:
        written = 0

        async def write(job: tuple[str, list, list]) -> None:
            nonlocal written
            department, records, messages = job
            await self.mongo[f"bench_ingest_{department}"]["events"].insert_many(records, ordered=False)
            acks = [await self.js.publish_async(subject, body, headers=dict(headers))
                    for subject, body, headers in messages]
            await asyncio.gather(*acks)
            written += len(records)

        started = time.perf_counter()
        await _workers(material, write)
        return written, time.perf_counter() - started


TAIL = 50
POLL = 0.2
PROJECTION = {"status": 1, "case_id": 1}


async def present(events, keys) -> set[str]:
    """Which of ``keys`` fusion has a record of (fused, or dead-lettered)."""
    return {r["_id"] async for r in events.find({"_id": {"$in": list(keys)}}, {"_id": 1})}


async def wait_fused(events, keys: list[str], timeout: float) -> tuple[list[dict[str, Any]], datetime]:
    """Wait until fusion has committed a record (fused or dead-lettered) of every key; the
    records, and when the last of them was first seen (looking every 0.2 s).

    Fusion takes the stream in order, so the last keys are watched first (a cheap look-up by
    ``_id``); then every key not seen yet, until none is left."""
    deadline = time.monotonic() + timeout
    tail = keys[-TAIL:]
    while time.monotonic() < deadline and len(await present(events, tail)) < len(tail):
        await asyncio.sleep(POLL)
    pending = set(keys)
    while pending and time.monotonic() < deadline:
        pending -= await present(events, pending)
        if pending:
            await asyncio.sleep(POLL)
    done_at = datetime.now(UTC)
    if pending:
        raise RuntimeError(f"fusion recorded {len(keys) - len(pending)} of {len(keys)} events within {timeout:.0f} s")
    records = [r async for r in events.find({"_id": {"$in": keys}}, PROJECTION)]
    return records, done_at


class FusionBaseline:
    """The documents fusion wrote, written again as bulk upserts."""

    def __init__(self, mongo) -> None:
        self.source = mongo[FUSION_DATABASE]
        self.target = mongo["bench_fusion"]
        self.mongo = mongo

    async def prepare(self) -> None:
        await self.mongo.drop_database(self.target.name)
        await ensure_indexes(self.target, {k: FUSION_INDEXES[k] for k in ("cases", "events")})

    async def cleanup(self) -> None:
        await self.mongo.drop_database(self.target.name)

    async def material(self, keys: list[str]) -> list[tuple[list, list]]:
        """Per 200 events: their records and their cases, as fusion holds them now."""
        out = []
        for i in range(0, len(keys), FUSION_BATCH):
            records = [r async for r in self.source["events"].find({"_id": {"$in": keys[i : i + FUSION_BATCH]}})]
            case_ids = sorted({r["case_id"] for r in records if r.get("case_id")})
            cases = [c async for c in self.source["cases"].find({"_id": {"$in": case_ids}})]
            out.append((records, cases))
        return out

    async def run(self, material: list[tuple[list, list]]) -> tuple[int, float]:
        written = 0
        started = time.perf_counter()
        for records, cases in material:
            await self.target["events"].bulk_write([ReplaceOne({"_id": r["_id"]}, r, upsert=True) for r in records],
                                                   ordered=False)
            if cases:
                await self.target["cases"].bulk_write([ReplaceOne({"_id": c["_id"]}, c, upsert=True) for c in cases],
                                                      ordered=False)
            written += len(records)
        return written, time.perf_counter() - started


async def ingest_round(stack, client: httpx.AsyncClient, token: str, events: list[workload.Event],
                       baseline: Baseline | None, order_first_baseline: bool) -> dict[str, Any]:
    """One round with fusion paused: the platform's ingest, and the baseline's if given."""
    batches = batches_of(events)
    material = baseline.material(batches) if baseline is not None else []
    out: dict[str, Any] = {}
    stack.pause_fusion()
    try:
        if baseline is not None and order_first_baseline:
            out["baseline"] = await baseline.run(material)
        out["counts"], out["keys"], out["seconds"] = await post_batches(client, stack.gateway_url, token, batches)
        if baseline is not None and not order_first_baseline:
            out["baseline"] = await baseline.run(material)
    finally:
        stack.resume_fusion()
    out["resumed_at"] = datetime.now(UTC)
    return out


async def drain(mongo, keys: list[str], resumed_at: datetime, timeout: float) -> dict[str, Any]:
    """The backlog fusion works through once resumed: events/s until the last is committed."""
    records, done_at = await wait_fused(mongo[FUSION_DATABASE]["events"], keys, timeout)
    fused = sum(1 for r in records if r.get("status") == "fused")
    seconds = max((done_at - resumed_at).total_seconds(), 1e-3)
    return {"fused": fused, "dead_lettered": len(records) - fused, "seconds": seconds, "rate": len(records) / seconds}


async def run(stack, *, quick: bool, scale: float, say) -> dict[str, dict[str, Any]]:
    """The ingest and fusion figures, from the same rounds."""
    from services.reference import build_county

    county = build_county()
    rounds = 2 if quick else 3
    per_round = max(50, int((1_000 if quick else 3_000) * scale))
    mongo = stack.mongo("bench-pipeline")
    nc = await stack.nats("bench-pipeline")
    baseline = Baseline(mongo, nc.jetstream())
    fusion_baseline = FusionBaseline(mongo)
    ingest_rates, ingest_base, fusion_rates, fusion_base = [], [], [], []
    totals = {"accepted": 0, "duplicate": 0, "invalid": 0, "dead_lettered": 0}
    try:
        await baseline.prepare()
        await fusion_baseline.prepare()
        async with http_client(300, IN_FLIGHT + 2) as client:
            for r in range(rounds):
                token = await stack.token(client)
                events = workload.take(county, seed=100 + r, count=per_round, tag=f"r{r}")
                done = await ingest_round(stack, client, token, events, baseline, order_first_baseline=r % 2 == 0)
                counts, keys = done["counts"], done["keys"]
                for k, v in counts.items():
                    totals[k] += v
                ingest_rates.append(counts["accepted"] / done["seconds"])
                written, seconds = done["baseline"]
                ingest_base.append(written / seconds)
                drained = await drain(mongo, keys, done["resumed_at"], timeout=max(300, len(keys) / 5))
                totals["dead_lettered"] += drained["dead_lettered"]
                fusion_rates.append(drained["rate"])
                material = await fusion_baseline.material(keys)
                written, seconds = await fusion_baseline.run(material)
                fusion_base.append(written / seconds)
                say(f"round {r + 1}/{rounds}: ingest {ingest_rates[-1]:,.0f} events/s (baseline "
                    f"{ingest_base[-1]:,.0f}); fusion {fusion_rates[-1]:,.0f} events/s (baseline {fusion_base[-1]:,.0f})")
    finally:
        try:
            await baseline.cleanup()
            await fusion_baseline.cleanup()
        finally:
            await nc.close()
            await mongo.close()
    # The ratio is the median of the rounds' ratios: a round's figure and baseline run back to
    # back, so what else the machine does at that moment weighs on both.
    ingest = {"rate": round(median(ingest_rates), 1), "baseline": round(median(ingest_base), 1),
              "ratio": round(median(map(ratio, ingest_rates, ingest_base)), 3)}
    ingest.update(rounds=rounds, events_per_round=per_round, batch=BATCH, in_flight=IN_FLIGHT,
                  answers={k: totals[k] for k in ("accepted", "duplicate", "invalid")},
                  rates=[round(x, 1) for x in ingest_rates], baselines=[round(x, 1) for x in ingest_base],
                  source=workload.source_name())
    fusion = {"rate": round(median(fusion_rates), 1), "baseline": round(median(fusion_base), 1),
              "ratio": round(median(map(ratio, fusion_rates, fusion_base)), 3)}
    fusion.update(rounds=rounds, dead_lettered=totals["dead_lettered"], rates=[round(x, 1) for x in fusion_rates],
                  baselines=[round(x, 1) for x in fusion_base], baseline_batch=FUSION_BATCH)
    return {"ingest": ingest, "fusion": fusion}
