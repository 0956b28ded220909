"""``gateway_cases``: ``GET /v1/cases`` at 50 concurrent clients over at least 20,000 stored cases.

The cases are the platform's own: those fused from the earlier rounds' events, topped up to
20,000 (the quick run: 2,000, and it says so) with copies of them written into fusion's store,
each with an id, events and times of its own — fusing that many more events here would take
the best part of an hour. Each of 50 clients signed in as the county administrator asks for the
first page (20 cases, newest first) again and again for the round's seconds. The baseline
asks the database server for the same page with PyMongo at the same concurrency: the same
count (up to 10,000, the gateway's default) and the same find (the county's filter, fusion's
projection, sort and limit). Rounds
alternate between the two; latencies are pooled over the rounds, requests/s (answered pages,
errors left out) is the median round's. A request unanswered after 30 s is an error.

The gateway answers open and recent cases from memory (``gateway/hotlist.py``): after the
copies are written it is restarted and loads them, and the time that takes is reported
(``gateway_load_seconds``). Both paths are first timed with one client alone. When a page alone
takes more than 200 ms on a path, 50 clients at once would each wait about fifty times as long —
past the gateway's 10-second deadline for fusion — and leave the database working through
abandoned requests into the next measurement; then that path's figures are one client's, and
the entry says so (``clients`` or ``baseline_clients``: 1, ``note``).
"""

from __future__ import annotations

import asyncio
import copy
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pymongo
from pymongo import ASCENDING, DESCENDING

from services.fusion.server import COUNT_CAP
from services.platform.scope import Principal, case_query

from . import workload
from .pipeline import FUSION_DATABASE, IN_FLIGHT, batches_of, http_client, post_batches, wait_fused
from .report import median, percentile

CLIENTS = 50
# A request unanswered this long is an error (the gateway gives up on fusion after 10 s).
REQUEST_TIMEOUT = 30.0
# Above this for one client alone, 50 clients at once would queue past the gateway's 10-second
# deadline for fusion: their figures would be time-outs, and the database would keep working
# on the abandoned requests into the next measurement (see run).
ALONE_LIMIT_MS = 200
PAGE_SIZE = 20
PROJECTION = {"timeline": 0, "applied": 0}
SORT = [("opened_at", DESCENDING), ("_id", ASCENDING)]


async def fuse_some(stack, mongo, count: int) -> None:
    """Ingest ``count`` events of the stream through the gateway and wait until they are fused."""
    from services.reference import build_county

    async with http_client(300, IN_FLIGHT + 2) as client:
        token = await stack.token(client)
        events = workload.take(build_county(), seed=500, count=count, tag="c")
        _, keys, _ = await post_batches(client, stack.gateway_url, token, batches_of(events))
    await wait_fused(mongo[FUSION_DATABASE]["events"], keys, timeout=max(300, count / 5))


def copies(sources: list[dict[str, Any]], count: int, now: datetime, seed: int = 13) -> list[dict[str, Any]]:
    """``count`` copies of cases fusion wrote, each with an id, events and times of its own:
    opened over the past 90 days, due a week from now (so no deadline passes during the run)."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        case = copy.deepcopy(sources[i % len(sources)])
        opened = now - timedelta(seconds=rng.uniform(60, 90 * 86400))
        suffix = f"~{i:06d}"
        case.update(
            _id=f"C{opened:%Y%m%d}-K{i:09d}", opened_at=opened, updated_at=opened, level_started_at=opened,
            last_seen=opened, due_at=now + timedelta(days=7), overdue=False,
            event_ids=[e + suffix for e in case.get("event_ids", [])],
        )
        out.append(case)
    return out


async def top_up(stack, mongo, wanted: int, say) -> dict[str, int]:
    """At least ``wanted`` cases in fusion's store: the ones the run fused, then copies of them."""
    cases = mongo[FUSION_DATABASE]["cases"]
    have = await cases.count_documents({})
    if have == 0:
        await fuse_some(stack, mongo, 300)
        have = await cases.count_documents({})
    if have >= wanted:
        return {"fused": have, "copied": 0}
    sources = [c async for c in cases.find({}).limit(1000)]
    missing = wanted - have
    say(f"gateway_cases: {have:,} cases fused in this run; adding {missing:,} copies of them")
    made = copies(sources, missing, datetime.now(UTC))
    for i in range(0, len(made), 1000):
        await cases.insert_many(made[i : i + 1000], ordered=False)
    return {"fused": have, "copied": missing}


async def _load(seconds: float, request, clients: int = CLIENTS) -> tuple[list[float], int, float]:
    """``clients`` loops calling ``request`` until the time is up (a request under way is waited
    for): latencies in ms, errors, seconds taken."""
    latencies: list[float] = []
    errors = 0
    started = time.monotonic()
    deadline = started + seconds

    async def client_loop() -> None:
        nonlocal errors
        while time.monotonic() < deadline:
            began = time.perf_counter()
            try:
                ok = await request()
            except Exception:  # noqa: BLE001 - a failed or timed-out request is an error of the figure
                ok = False
            latencies.append((time.perf_counter() - began) * 1000)
            if not ok:
                errors += 1

    await asyncio.gather(*(client_loop() for _ in range(clients)))
    return latencies, errors, time.monotonic() - started


async def _one_at_a_time(request, count: int) -> list[float]:
    out = []
    for _ in range(count):
        began = time.perf_counter()
        if not await request():
            raise RuntimeError("a request for the first page of cases failed")
        out.append((time.perf_counter() - began) * 1000)
    return out


async def periodic_costs(mongo, repeats: int = 20) -> dict[str, float]:
    """The store time of each query the platform runs in a loop, median ms over ``repeats``, on the
    store as it is (the cases just topped up): fusion's deadline loop (twice a second) and outbox
    relay, and one department's outbox relay."""
    from services.departments.store import DepartmentStore
    from services.fusion.cases import CaseStore

    store = CaseStore(mongo, mongo[FUSION_DATABASE])
    department = DepartmentStore(mongo["gridfusion_petition"])
    now = datetime.now(UTC)

    async def outbox_ages() -> None:  # the relay's query, without publishing what it finds
        await store.outbox.find({"created_at": {"$lte": now - timedelta(seconds=5)}}).sort(
            "created_at", ASCENDING).limit(500).to_list()

    queries = {
        "deadline_loop": lambda: store.due_cases(now),
        "fusion_outbox": outbox_ages,
        "department_outbox": lambda: department.unpublished(timedelta(seconds=5)),
    }
    out = {}
    for name, query in queries.items():
        took = []
        for _ in range(repeats):
            began = time.perf_counter()
            await query()
            took.append((time.perf_counter() - began) * 1000)
        out[name] = round(median(took), 2)
    return out


async def run(stack, *, quick: bool, scale: float, say) -> dict[str, Any]:
    wanted = max(100, int((2_000 if quick else 20_000) * scale))
    seconds = max(2.0, (5.0 if quick else 10.0) * min(1.0, scale * 4))
    rounds = 1 if quick else 3
    mongo = stack.mongo("bench-cases")
    try:
        stored = await top_up(stack, mongo, wanted, say)
        periodic = await periodic_costs(mongo)
        say(f"gateway_cases: the loops' queries over {sum(stored.values()):,} cases: "
            + ", ".join(f"{k} {v} ms" for k, v in periodic.items()))
        loaded_in = None
        if stored["copied"]:
            # The copies went into the store behind fusion's back: no case change announced them,
            # so the gateway's case lists in memory know nothing of them until it loads again.
            loaded_in = await asyncio.to_thread(stack.restart_gateway)
            say(f"gateway_cases: gateway restarted; its case lists loaded in {loaded_in:,.0f} s")
        query = case_query(Principal("admin", "county"))
        cases = mongo[FUSION_DATABASE]["cases"]

        async def raw_page() -> bool:
            # What fusion asks the database for the gateway's default first page: the total
            # counted up to COUNT_CAP, and one case more than the page (whether a next page exists).
            with pymongo.timeout(REQUEST_TIMEOUT):  # sent as maxTimeMS: the server gives up too
                await cases.count_documents(query, limit=COUNT_CAP)
                page = [c async for c in cases.find(query, PROJECTION).sort(SORT).skip(0).limit(PAGE_SIZE + 1)]
            return len(page) == PAGE_SIZE + 1

        async with http_client(REQUEST_TIMEOUT, CLIENTS) as client:
            token = await stack.token(client)
            headers = {"Authorization": f"Bearer {token}"}
            url = f"{stack.gateway_url}/v1/cases"

            async def gateway_page() -> bool:
                reply = await client.get(url, params={"page": 1, "page_size": PAGE_SIZE}, headers=headers)
                return reply.status_code == 200 and len(reply.json()["items"]) == PAGE_SIZE

            # One client first (a warm-up, then two timed): whether 50 at once can finish in time.
            single = {"gateway": (await _one_at_a_time(gateway_page, 3))[1:],
                      "baseline": (await _one_at_a_time(raw_page, 3))[1:]}
            alone_ms = {k: median(v) for k, v in single.items()}
            say(f"gateway_cases: {sum(stored.values()):,} cases; one client alone: gateway {alone_ms['gateway']:,.0f} ms, "
                f"PyMongo {alone_ms['baseline']:,.0f} ms a page")
            # Each path at 50 clients when one page alone is quick enough; else one client at a
            # time (50 at once would each wait about 50 times as long, past the gateway's deadline
            # for fusion, and the database would work through abandoned requests for minutes).
            clients = {k: CLIENTS if v <= ALONE_LIMIT_MS else 1 for k, v in alone_ms.items()}
            measured: dict[str, dict[str, list]] = {k: {"ms": [], "rps": [], "errors": []} for k in single}
            for name, latencies in single.items():
                if clients[name] == 1:
                    measured[name] = {"ms": latencies, "rps": [1000 / median(latencies)], "errors": [0]}
            loads = [(k, r) for k, r in (("gateway", gateway_page), ("baseline", raw_page)) if clients[k] == CLIENTS]
            for r in range(rounds if loads else 0):
                for name, request in (loads if r % 2 == 0 else loads[::-1]):
                    latencies, failed, elapsed = await _load(seconds, request)
                    measured[name]["ms"] += latencies
                    measured[name]["rps"].append((len(latencies) - failed) / elapsed)
                    measured[name]["errors"].append(failed)
    finally:
        await mongo.close()
    gateway, baseline = measured["gateway"], measured["baseline"]
    out = {
        "p50_ms": round(percentile(gateway["ms"], 50), 1), "p99_ms": round(percentile(gateway["ms"], 99), 1),
        "baseline_p50_ms": round(percentile(baseline["ms"], 50), 1),
        "baseline_p99_ms": round(percentile(baseline["ms"], 99), 1),
        "rps": round(median(gateway["rps"]), 1), "baseline_rps": round(median(baseline["rps"]), 1),
        "errors": sum(gateway["errors"]), "baseline_errors": sum(baseline["errors"]),
        "requests": len(gateway["ms"]), "baseline_requests": len(baseline["ms"]),
        "clients": clients["gateway"], "baseline_clients": clients["baseline"],
        "alone_ms": {k: round(v, 1) for k, v in alone_ms.items()}, "page_size": PAGE_SIZE, "cases": stored,
        "seconds_per_round": seconds, "rounds": rounds, "gateway_load_seconds": loaded_in,
        "periodic_ms": periodic,
    }
    notes = []
    if stored["fused"] + stored["copied"] < 20_000:
        notes.append(f"{stored['fused'] + stored['copied']:,} cases stored, fewer than the full run's 20,000")
    for name, label in (("gateway", "the gateway"), ("baseline", "PyMongo")):
        if clients[name] != CLIENTS:
            notes.append(f"one page alone took {alone_ms[name]:,.0f} ms on {label} (over {ALONE_LIMIT_MS:,} ms): "
                         f"measured one client at a time, not {CLIENTS} at once")
    if notes:
        out["note"] = "; ".join(notes)
    say(f"gateway_cases: p50 {out['p50_ms']} ms, p99 {out['p99_ms']} ms, {out['rps']} req/s at {clients['gateway']} "
        f"client(s) (PyMongo: p99 {out['baseline_p99_ms']} ms, {out['baseline_rps']} req/s at {clients['baseline']})")
    return out
