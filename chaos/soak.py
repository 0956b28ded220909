"""``python -m chaos.soak [--minutes 30] [--rate 10] [--close-after 60] [--out test-output/soak/soak.json]``
(``make soak``)

The whole platform under a steady load for a long while: the realistic mix of the five
departments sent through the gateway's batch API at a steady rate, and the grid staff resolving
and closing each case a minute after it opened (two case actions through the gateway, as the
branch secretary), so that the open cases stay steady as in a county whose loop keeps up. Every
30 seconds it samples each process's resident memory, the backlog (fusion's undelivered and
unacknowledged events, the departments' unpublished outbox) and the open cases. At the end it
compares the first fifth of the run with the last: memory should be flat (after the first
minutes' warm-up) and the backlog should not grow; then the usual reconciliation (nothing lost,
nothing doubled). Not run in CI: it takes as long as it is asked to.

The load packs months of reports into minutes, so the gateway keeps the finished cases of the
last two minutes in its in-memory lists rather than of the last 30 days (``GATEWAY_HOT_DAYS``).
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench import workload
from services.local import LocalPlatform, Ports, Supervisor
from services.platform import bus
from services.platform.mongo import connect
from services.platform.vocabulary import DEPARTMENTS, FINISHED
from services.reference import build_county

from .__main__ import REPORTS_PER_DAY, Client, say
from .ledger import Ledger, reconcile

DEFAULT_OUT = Path("test-output/soak/soak.json")
SAMPLE_EVERY = 30.0
MB = 1024 * 1024
# Memory is flat when the last fifth's median is at most this much above the first fifth's, and
# the backlog does not grow when the last fifth's median is at most this many events above.
FLAT = 1.2
BACKLOG_SLACK = 200
SERVERS = ("nats-server", "secantusd")


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m chaos.soak", description=__doc__.split("\n\n")[1])
    parser.add_argument("--minutes", type=float, default=30.0, help="how long the load runs (default 30)")
    parser.add_argument("--rate", type=float, default=10.0, help="events per second (default 10)")
    parser.add_argument("--close-after", type=float, default=60.0, metavar="SECONDS",
                        help="the grid staff resolve and close each case this long after it opened (default 60; "
                             "0: cases stay open)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"where the JSON goes (default {DEFAULT_OUT})")
    return parser.parse_args(argv)


class Closer:
    """The grid staff at work: a case is resolved on the spot and closed by its grid's branch
    secretary (``sec-<grid_id>``) once it is ``after`` seconds old, so that the open cases stay
    about as many as a minute's load opens, as they do in a county whose loop keeps up."""

    def __init__(self, url: str, password: str, after: float) -> None:
        self.url = url
        self.password = password
        self.after = timedelta(seconds=after)
        self.http = httpx.AsyncClient(timeout=30.0)
        self.tokens: dict[str, str] = {}
        self.closed = 0
        self.refused = 0
        self.limit = asyncio.Semaphore(8)  # cases being closed at once

    async def headers(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            reply = await self.http.post(f"{self.url}/v1/auth/token", data={"username": username, "password": self.password})
            reply.raise_for_status()
            self.tokens[username] = reply.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    async def due(self) -> list[dict[str, Any]]:
        """The reported cases opened more than ``after`` ago, oldest last (lists are newest first)."""
        until = datetime.now(UTC) - self.after
        out: list[dict[str, Any]] = []
        cursor = ""
        while True:
            params = {"status": "reported", "page_size": 200, "count": "false", **({"cursor": cursor} if cursor else {})}
            reply = await self.http.get(f"{self.url}/v1/cases", params=params, headers=await self.headers("admin"))
            reply.raise_for_status()
            page = reply.json()
            out += [c for c in page["items"] if datetime.fromisoformat(c["opened_at"]) < until]
            cursor = page.get("next_cursor") or ""
            if not cursor:
                return out

    async def close_in_turn(self, case: dict[str, Any]) -> None:
        async with self.limit:
            await self.close(case)

    async def close(self, case: dict[str, Any]) -> None:
        secretary = f"sec-{case['grid_id']}"
        for action in ("resolve_on_site", "close"):
            reply = await self.http.post(f"{self.url}/v1/cases/{case['case_id']}/actions",
                                         json={"action": action, "note": "soak: handled on the spot"},
                                         headers=await self.headers(secretary))
            if reply.status_code == 401:
                self.tokens.pop(secretary, None)
            if reply.status_code != 200:
                self.refused += 1  # another report joined it meanwhile, say: the next round tries again
                return
        self.closed += 1

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await asyncio.gather(*(self.close_in_turn(c) for c in await self.due()))
            except httpx.HTTPError as exc:
                say(f"  closer: {exc!r}; trying again")
                self.tokens.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 5.0)

    async def aclose(self) -> None:
        await self.http.aclose()


def memory(platform: LocalPlatform) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, popen in list(platform.procs.items()):
        try:
            out[name] = round(psutil.Process(popen.pid).memory_info().rss / MB, 1)
        except psutil.Error:
            continue
    return out


async def backlog(js, mongo) -> dict[str, int]:
    info = await js.consumer_info(bus.EVENTS.name, "fusion")
    outbox = 0
    for department in DEPARTMENTS:
        outbox += await mongo[f"gridfusion_{department}"]["events"].count_documents({"published": False})
    return {"fusion_pending": info.num_pending, "fusion_unacked": info.num_ack_pending, "outbox": outbox}


async def open_cases(mongo) -> int:
    """The cases still in the loop, counted in fusion's store."""
    return await mongo["gridfusion_fusion"]["cases"].count_documents({"status": {"$nin": list(FINISHED)}})


def fifth(samples: list[dict[str, Any]], last: bool) -> list[dict[str, Any]]:
    n = max(1, len(samples) // 5)
    return samples[-n:] if last else samples[1 : n + 1] or samples[:n]  # the first sample is the warm-up


async def soak(args: argparse.Namespace, home: Path) -> dict[str, Any]:
    env = {"GATEWAY_TOKEN_MINUTES": "30"}
    if args.close_after:
        # The load packs months of a county's reports into minutes: the gateway's case lists keep
        # the finished cases of the last two minutes in memory, not of the last 30 days, so that
        # what they hold follows the open cases, as over a month of a real county's.
        env["GATEWAY_HOT_DAYS"] = str(round(120 / 86400, 6))
    platform = LocalPlatform(home=home, ports=Ports.free(), say=lambda _: None, extra_env=env)
    platform.start(timeout=300)
    supervisor = Supervisor(platform, say=lambda line: say(f"  supervisor: {line}"))
    mongo = connect(platform.mongodb_uri, app_name="soak")
    nc = await bus.connect(platform.nats_url, name="soak")
    js = nc.jetstream()
    ledger = Ledger()
    client = Client(platform.gateway_url, platform.demo_password)
    samples: list[dict[str, Any]] = []
    count = int(args.minutes * 60 * args.rate)
    # Dated at the county's pace (a month of reports in half an hour at the defaults): see
    # chaos.__main__.REPORTS_PER_DAY.
    events = workload.take(build_county(), seed=7, count=count, tag=f"soak{int(time.time()) % 100000}",
                           span=timedelta(days=count / REPORTS_PER_DAY))
    say(f"platform up; {count:,} events at {args.rate:g}/s for {args.minutes:g} min")
    started = time.monotonic()
    load = asyncio.create_task(client.send(events, ledger, rate=args.rate, in_flight=1))
    closer = Closer(platform.gateway_url, platform.demo_password, args.close_after)
    stop_closing = asyncio.Event()
    closing = asyncio.create_task(closer.run(stop_closing)) if args.close_after else None
    try:
        while not load.done():
            supervisor.tick()
            if not samples or time.monotonic() - started >= len(samples) * SAMPLE_EVERY:
                sample = {"t": round(time.monotonic() - started), "rss_mb": memory(platform),
                          **await backlog(js, mongo), "open_cases": await open_cases(mongo), "closed": closer.closed}
                samples.append(sample)
                say(f"  {sample['t']:>5} s  backlog {sample['fusion_pending'] + sample['fusion_unacked']:>5}  outbox "
                    f"{sample['outbox']:>4}  open cases {sample['open_cases']:>6,}  closed {closer.closed:>6,}  "
                    f"fusion {sample['rss_mb'].get('fusion', 0):.0f} MB  gateway {sample['rss_mb'].get('gateway', 0):.0f} MB")
            await asyncio.sleep(1.0)
        await load
        stop_closing.set()
        if closing is not None:
            await closing
        settled = await reconcile(mongo, ledger, timeout=600, say=say)
    finally:
        stop_closing.set()
        if closing is not None and not closing.done():
            closing.cancel()
        await closer.aclose()
        await client.close()
        await nc.close()
        await mongo.close()
        platform.stop()
    first, last = fifth(samples, False), fifth(samples, True)
    growth = {}
    for name in samples[-1]["rss_mb"]:
        a = statistics.median(s["rss_mb"].get(name, 0.0) for s in first)
        b = statistics.median(s["rss_mb"].get(name, 0.0) for s in last)
        growth[name] = {"first_mb": a, "last_mb": b, "ratio": round(b / a, 2) if a else None}

    def backlog_of(s: dict[str, Any]) -> int:
        return s["fusion_pending"] + s["fusion_unacked"] + s["outbox"]

    backlog_first = statistics.median(backlog_of(s) for s in first)
    backlog_last = statistics.median(backlog_of(s) for s in last)
    # The servers' own caches fill up to their limits by design (the database's cache, JetStream's
    # buffers): their figures are shown, and the verdict is on Gridfusion's processes.
    flat = all(g["ratio"] is None or g["ratio"] <= FLAT for name, g in growth.items() if name not in SERVERS)
    steady = backlog_last <= backlog_first + BACKLOG_SLACK
    return {"minutes": args.minutes, "rate": args.rate, "close_after": args.close_after, "closed": closer.closed,
            "open_cases_first": statistics.median(s["open_cases"] for s in first),
            "open_cases_last": statistics.median(s["open_cases"] for s in last), "memory": growth, "memory_flat": flat,
            "backlog_first": backlog_first, "backlog_last": backlog_last, "backlog_max": max(map(backlog_of, samples)),
            "backlog_steady": steady, **settled, "ok": flat and steady and settled["lost"] == 0 and settled["doubled"] == 0,
            "samples": samples}


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    with tempfile.TemporaryDirectory(prefix="gridfusion-soak-") as home:
        result = asyncio.run(soak(args, Path(home)))
    print(f"\n{'process':<26} {'first MB':>9} {'last MB':>9} {'ratio':>6}")
    for name, g in result["memory"].items():
        server = "  (server: caches fill by design)" if name in SERVERS else ""
        print(f"{name:<26} {g['first_mb']:>9.0f} {g['last_mb']:>9.0f} {g['ratio'] or 0:>6.2f}{server}")
    print(f"\nbacklog: median {result['backlog_first']:.0f} in the first fifth, {result['backlog_last']:.0f} in the last, "
          f"at most {result['backlog_max']}; accepted {result['accepted']:,}, fused {result['fused']:,}, "
          f"dead-lettered {result['dead_lettered']:,}, lost {result['lost']}, doubled {result['doubled']}")
    print(f"open cases: median {result['open_cases_first']:,.0f} in the first fifth, {result['open_cases_last']:,.0f} "
          f"in the last; {result['closed']:,} closed by the grid staff")
    print("memory flat" if result["memory_flat"] else "MEMORY GREW",
          "· backlog steady" if result["backlog_steady"] else "· BACKLOG GREW")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"when": datetime.now(UTC).isoformat(), **result}, indent=1, ensure_ascii=False))
    print(f"written to {args.out}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
