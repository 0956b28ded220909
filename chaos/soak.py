"""``python -m chaos.soak [--minutes 30] [--rate 20] [--out test-output/soak/soak.json]`` (``make soak``)

The whole platform under a steady load for a long while: the realistic mix of the five
departments sent through the gateway's batch API at a steady rate. Every 30 seconds it samples
each process's resident memory and the backlog (fusion's undelivered and unacknowledged events,
the departments' unpublished outbox). At the end it compares the first fifth of the run with the
last: memory should be flat (after the first minutes' warm-up) and the backlog should not grow;
then the usual reconciliation (nothing lost, nothing doubled). Not run in CI: it takes as long as
it is asked to.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from bench import workload
from services.local import LocalPlatform, Ports, Supervisor
from services.platform import bus
from services.platform.mongo import connect
from services.platform.vocabulary import DEPARTMENTS
from services.reference import build_county

from .__main__ import Client, say
from .ledger import Ledger, reconcile

DEFAULT_OUT = Path("test-output/soak/soak.json")
SAMPLE_EVERY = 30.0
MB = 1024 * 1024
# Memory is flat when the last fifth's median is at most this much above the first fifth's, and
# the backlog does not grow when the last fifth's median is at most this many events above.
FLAT = 1.2
BACKLOG_SLACK = 200


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m chaos.soak", description=__doc__.split("\n\n")[1])
    parser.add_argument("--minutes", type=float, default=30.0, help="how long the load runs (default 30)")
    parser.add_argument("--rate", type=float, default=20.0, help="events per second (default 20)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"where the JSON goes (default {DEFAULT_OUT})")
    return parser.parse_args(argv)


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


def fifth(samples: list[dict[str, Any]], last: bool) -> list[dict[str, Any]]:
    n = max(1, len(samples) // 5)
    return samples[-n:] if last else samples[1 : n + 1] or samples[:n]  # the first sample is the warm-up


async def soak(args: argparse.Namespace, home: Path) -> dict[str, Any]:
    platform = LocalPlatform(home=home, ports=Ports.free(), say=lambda _: None, extra_env={"GATEWAY_TOKEN_MINUTES": "30"})
    platform.start(timeout=300)
    supervisor = Supervisor(platform, say=lambda line: say(f"  supervisor: {line}"))
    mongo = connect(platform.mongodb_uri, app_name="soak")
    nc = await bus.connect(platform.nats_url, name="soak")
    js = nc.jetstream()
    ledger = Ledger()
    client = Client(platform.gateway_url, platform.demo_password)
    samples: list[dict[str, Any]] = []
    count = int(args.minutes * 60 * args.rate)
    events = workload.take(build_county(), seed=7, count=count, tag=f"soak{int(time.time()) % 100000}")
    say(f"platform up; {count:,} events at {args.rate:g}/s for {args.minutes:g} min")
    started = time.monotonic()
    load = asyncio.create_task(client.send(events, ledger, rate=args.rate, in_flight=1))
    try:
        while not load.done():
            supervisor.tick()
            if not samples or time.monotonic() - started >= len(samples) * SAMPLE_EVERY:
                sample = {"t": round(time.monotonic() - started), "rss_mb": memory(platform), **await backlog(js, mongo)}
                samples.append(sample)
                say(f"  {sample['t']:>5} s  backlog {sample['fusion_pending'] + sample['fusion_unacked']:>5}  outbox "
                    f"{sample['outbox']:>4}  fusion {sample['rss_mb'].get('fusion', 0):.0f} MB  gateway "
                    f"{sample['rss_mb'].get('gateway', 0):.0f} MB")
            await asyncio.sleep(1.0)
        await load
        settled = await reconcile(mongo, ledger, timeout=600, say=say)
    finally:
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
    flat = all(g["ratio"] is None or g["ratio"] <= FLAT for g in growth.values())
    steady = backlog_last <= backlog_first + BACKLOG_SLACK
    return {"minutes": args.minutes, "rate": args.rate, "memory": growth, "memory_flat": flat,
            "backlog_first": backlog_first, "backlog_last": backlog_last, "backlog_max": max(map(backlog_of, samples)),
            "backlog_steady": steady, **settled, "ok": flat and steady and settled["lost"] == 0 and settled["doubled"] == 0,
            "samples": samples}


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    with tempfile.TemporaryDirectory(prefix="gridfusion-soak-") as home:
        result = asyncio.run(soak(args, Path(home)))
    print(f"\n{'process':<26} {'first MB':>9} {'last MB':>9} {'ratio':>6}")
    for name, g in result["memory"].items():
        print(f"{name:<26} {g['first_mb']:>9.0f} {g['last_mb']:>9.0f} {g['ratio'] or 0:>6.2f}")
    print(f"\nbacklog: median {result['backlog_first']:.0f} in the first fifth, {result['backlog_last']:.0f} in the last, "
          f"at most {result['backlog_max']}; accepted {result['accepted']:,}, fused {result['fused']:,}, "
          f"dead-lettered {result['dead_lettered']:,}, lost {result['lost']}, doubled {result['doubled']}")
    print("memory flat" if result["memory_flat"] else "MEMORY GREW",
          "· backlog steady" if result["backlog_steady"] else "· BACKLOG GREW")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"when": datetime.now(UTC).isoformat(), **result}, indent=1, ensure_ascii=False))
    print(f"written to {args.out}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
