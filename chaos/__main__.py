"""``python -m chaos [--quick] [--only NAME ...] [--out test-output/chaos/chaos.json]``

Faults on the whole platform under load, each scenario ending with a full reconciliation: every
accepted event fused exactly once or dead-lettered with its reason, no case doubled, no event left
pending, every case's events equal to a recount of their records. One platform (``make run``'s,
on free ports in a temporary folder, with a second fusion replica) serves every scenario; its
supervisor restarts what a scenario kills, as Kubernetes would, and nothing else is restarted.

Each load is the realistic mix of the five departments (:mod:`bench.workload`), dated as a stretch
of the county's past at :data:`REPORTS_PER_DAY` reports a day, each scenario's before the last's.

* ``fusion_kill``: two fusion replicas; one SIGKILLed three times while they fuse the load.
* ``nats_restart``: nats-server SIGKILLed during the load (JetStream keeps its file storage).
* ``db_restart``: the database server SIGKILLed during the load.
* ``department_outbox``: NATS down; a department accepts events into its outbox, is SIGKILLed
  and started again; then NATS returns, and the relay publishes every accepted event, once.
* ``gateway_kill``: the gateway SIGKILLed during batch posts; the client sends the same batches
  again (the same ids) until it answers.
* ``nats_outage``: NATS stopped for 30 s: the platform reports not ready, then recovers by
  itself, no service restarted.

Prints one table and writes ``chaos.json`` (one entry per scenario: ``accepted``, ``fused``,
``dead_lettered``, ``lost``, ``doubled``, ``seconds`` and what the scenario observed). Exits 0 when
every scenario ran with nothing lost or doubled, 1 otherwise, 2 for a bad argument.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench import workload
from services.local import LocalPlatform, Ports, Supervisor, free_port
from services.platform.mongo import connect
from services.reference import build_county

from .ledger import Ledger, reconcile

SCENARIOS = ("fusion_kill", "nats_restart", "db_restart", "department_outbox", "gateway_kill", "nats_outage")
DEFAULT_OUT = Path("test-output/chaos/chaos.json")
BATCH = 100
# The pace of the loads' event times: a busy county seat's reports of a day over the five
# departments. Fusion compares a report with those within 100 m and 48 h of it; a load of 20,000
# reports dated within the same half hour would put hundreds of reports in every neighbourhood,
# which no county sees, and measure that instead of the faults.
REPORTS_PER_DAY = 1_000
# How long a batch is sent again while the platform does not answer (a part is restarting).
PATIENCE = 180.0


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__.split("\n\n")[1])
    parser.add_argument("--quick", action="store_true", help="smaller loads and a shorter outage: a few minutes, for CI")
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=SCENARIOS, help="run only these scenarios")
    parser.add_argument("--fusion-kill-events", type=int, metavar="N",
                        help="the load of fusion_kill (default 20,000; 800 with --quick)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"where the JSON goes (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    if args.fusion_kill_events is not None and args.fusion_kill_events < 1:
        parser.error("--fusion-kill-events must be at least 1")
    return args


def say(line: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {line}", flush=True)


@dataclass
class Sizes:
    fusion_kill: int
    load: int
    outbox: int
    outage_seconds: float
    rate: float  # events per second of a paced load

    @classmethod
    def of(cls, quick: bool, fusion_kill: int | None = None) -> Sizes:
        if quick:
            sizes = cls(fusion_kill=800, load=400, outbox=150, outage_seconds=6.0, rate=150.0)
        else:
            sizes = cls(fusion_kill=20_000, load=3_000, outbox=1_000, outage_seconds=30.0, rate=250.0)
        if fusion_kill:
            sizes.fusion_kill = fusion_kill
        return sizes


class Client:
    """Posts batches through the gateway as a department system would, sending a batch again with
    the same ids while the platform does not answer, and signing in again when a token is refused."""

    def __init__(self, url: str, password: str) -> None:
        self.url = url
        self.password = password
        self.http = httpx.AsyncClient(timeout=30.0)
        self.token = ""
        self.sent = 0
        self.resends = 0

    async def sign_in(self) -> None:
        reply = await self.http.post(f"{self.url}/v1/auth/token", data={"username": "admin", "password": self.password})
        reply.raise_for_status()
        self.token = reply.json()["access_token"]

    async def post(self, department: str, events: list[dict[str, Any]], ledger: Ledger) -> None:
        deadline = time.monotonic() + PATIENCE
        resent = False
        while True:
            try:
                if not self.token:
                    await self.sign_in()
                reply = await self.http.post(f"{self.url}/v1/departments/{department}/events:batch",
                                             json={"events": events}, headers={"Authorization": f"Bearer {self.token}"})
                if reply.status_code == 200:
                    ledger.answer(department, reply.json()["results"], resent=resent)
                    self.sent += len(events)
                    return
                if reply.status_code == 401:
                    self.token = ""
                elif reply.status_code not in (429, 500, 502, 503, 504):
                    raise RuntimeError(f"events:batch of {department} answered {reply.status_code}: {reply.text[:300]}")
            except (httpx.TransportError, httpx.HTTPStatusError):
                self.token = ""
            if time.monotonic() > deadline:
                raise RuntimeError(f"events:batch of {department} not answered within {PATIENCE:.0f} s")
            resent = True
            self.resends += 1
            await asyncio.sleep(1.0)

    async def send(self, events: list[workload.Event], ledger: Ledger, *, rate: float | None = None,
                   in_flight: int = 2) -> None:
        """Every event in batches of :data:`BATCH` per department, ``in_flight`` at a time; paced to
        ``rate`` events per second when given."""
        batches: list[tuple[str, list[dict[str, Any]]]] = []
        per: dict[str, list[dict[str, Any]]] = {}
        for department, event in events:
            per.setdefault(department, []).append(event)
            if len(per[department]) == BATCH:
                batches.append((department, per.pop(department)))
        batches += list(per.items())
        queue: asyncio.Queue = asyncio.Queue()
        for batch in batches:
            queue.put_nowait(batch)
        started = time.monotonic()
        posted = 0

        async def worker() -> None:
            nonlocal posted
            while not queue.empty():
                department, chunk = queue.get_nowait()
                if rate:
                    ahead = posted / rate - (time.monotonic() - started)
                    if ahead > 0:
                        await asyncio.sleep(ahead)
                posted += len(chunk)
                await self.post(department, chunk, ledger)

        await asyncio.gather(*(worker() for _ in range(in_flight)))

    async def close(self) -> None:
        await self.http.aclose()


@dataclass
class Chaos:
    """The platform, its supervisor and the clients every scenario uses."""

    platform: LocalPlatform
    supervisor: Supervisor
    quick: bool
    sizes: Sizes
    county: Any = field(default_factory=build_county)
    round: int = 0
    # Where the event times of the next scenario's load end: each load is a stretch of the
    # county's past of its own (see :data:`REPORTS_PER_DAY`), the first ending now.
    until: datetime = field(default_factory=lambda: datetime.now(UTC))

    def events(self, count: int, tag: str, *, department: str | None = None) -> list[workload.Event]:
        self.round += 1
        drawn = count * (5 if department else 1)
        span = timedelta(days=drawn / REPORTS_PER_DAY)
        events = workload.take(self.county, seed=100 + self.round, count=drawn, tag=tag, span=span, end=self.until)
        self.until -= span
        if department:
            events = [e for e in events if e[0] == department][:count]
        return events

    def kill(self, name: str, sig: signal.Signals = signal.SIGKILL) -> int:
        proc = self.platform.procs[name]
        os.kill(proc.pid, sig)
        say(f"  {sig.name} → {name} (pid {proc.pid})")
        return proc.pid

    def restarts(self) -> dict[str, int]:
        return {name: w.restarts for name, w in self.supervisor.watches.items()}

    async def kill_and_wait(self, name: str, *, after: float = 0.0) -> None:
        """After ``after`` seconds, SIGKILL ``name`` and wait until the supervisor started it again."""
        await asyncio.sleep(after)
        before = self.supervisor.watches[name].restarts
        self.kill(name)
        await self.wait_restarted(name, before)

    async def wait_restarted(self, name: str, before: int, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while self.supervisor.watches.get(name) is None or self.supervisor.watches[name].restarts <= before:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} was not restarted within {timeout:.0f} s")
            await asyncio.sleep(0.2)

    async def readiness(self) -> tuple[int, dict[str, Any]]:
        try:
            async with httpx.AsyncClient(timeout=5.0) as http:
                reply = await http.get(f"{self.platform.gateway_url}/readyz")
                return reply.status_code, reply.json()
        except (httpx.HTTPError, ValueError):
            return 0, {}

    async def wait_ready(self, timeout: float = 180.0) -> float:
        started = time.monotonic()
        while (await self.readiness())[0] != 200:
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"the platform was not ready again within {timeout:.0f} s")
            await asyncio.sleep(0.5)
        return time.monotonic() - started

    def client(self) -> Client:
        return Client(self.platform.gateway_url, self.platform.demo_password)


async def _load_with(chaos: Chaos, events: list[workload.Event], ledger: Ledger, faults: Callable[[], Awaitable[None]],
                     *, rate: float | None) -> Client:
    client = chaos.client()
    load = asyncio.create_task(client.send(events, ledger, rate=rate))
    try:
        await faults()
        await load
    finally:
        if not load.done():
            load.cancel()
        await client.close()
    return client


# -- the scenarios -------------------------------------------------------------------------------

async def fusion_kill(chaos: Chaos, ledger: Ledger, tag: str) -> dict[str, Any]:
    """Two fusion replicas; one of them SIGKILLed three times while they work through the load."""
    events = chaos.events(chaos.sizes.fusion_kill, tag)
    at = (3.0, 12.0, 21.0) if chaos.quick else (15.0, 60.0, 105.0)
    started = time.monotonic()

    async def faults() -> None:
        for when, name in zip(at, ("fusion", "fusion-2", "fusion"), strict=True):
            await chaos.kill_and_wait(name, after=max(0.0, started + when - time.monotonic()))

    await _load_with(chaos, events, ledger, faults, rate=None)
    return {"kills": 3}


async def nats_restart(chaos: Chaos, ledger: Ledger, tag: str) -> dict[str, Any]:
    events = chaos.events(chaos.sizes.load, tag)

    async def faults() -> None:
        await chaos.kill_and_wait("nats-server", after=3.0)

    client = await _load_with(chaos, events, ledger, faults, rate=chaos.sizes.rate)
    return {"resends": client.resends, "ready_again_s": round(await chaos.wait_ready(), 1)}


async def db_restart(chaos: Chaos, ledger: Ledger, tag: str) -> dict[str, Any]:
    events = chaos.events(chaos.sizes.load, tag)

    async def faults() -> None:
        await chaos.kill_and_wait("secantusd", after=3.0)

    client = await _load_with(chaos, events, ledger, faults, rate=chaos.sizes.rate)
    return {"resends": client.resends, "ready_again_s": round(await chaos.wait_ready(), 1)}


async def department_outbox(chaos: Chaos, ledger: Ledger, tag: str) -> dict[str, Any]:
    """NATS down; petition accepts into its outbox, is SIGKILLed and started again; NATS returns."""
    department = "petition"
    events = chaos.events(chaos.sizes.outbox, tag, department=department)
    chaos.supervisor.hold("nats-server")
    chaos.kill("nats-server")
    try:
        await asyncio.sleep(2.0)
        client = chaos.client()
        try:
            await client.send(events, ledger, rate=None, in_flight=1)
        finally:
            await client.close()
        accepted_while_down = len(ledger.accepted)
        before = chaos.supervisor.watches[department].restarts
        chaos.kill(department)
        await chaos.wait_restarted(department, before)
        await asyncio.sleep(3.0)
    finally:
        chaos.supervisor.release("nats-server")
    return {"accepted_while_nats_down": accepted_while_down, "ready_again_s": round(await chaos.wait_ready(), 1)}


async def gateway_kill(chaos: Chaos, ledger: Ledger, tag: str) -> dict[str, Any]:
    events = chaos.events(chaos.sizes.load, tag)

    async def faults() -> None:
        await chaos.kill_and_wait("gateway", after=2.0)

    # A slower load, so that batches are on their way while the gateway is down.
    client = await _load_with(chaos, events, ledger, faults, rate=chaos.sizes.rate / 3)
    observed: dict[str, Any] = {"resends": client.resends}
    if not client.resends:
        observed["failed"] = "no batch was sent while the gateway was down: the scenario tested nothing"
    return observed


async def nats_outage(chaos: Chaos, ledger: Ledger, tag: str) -> dict[str, Any]:
    """NATS stopped for the outage, under a light load: not ready meanwhile, ready again after,
    no service restarted."""
    events = chaos.events(chaos.sizes.load // 2, tag)
    services_before = {n: r for n, r in chaos.restarts().items() if n != "nats-server"}
    seen_not_ready: list[str] = []
    down: set[str] = set()

    async def faults() -> None:
        await asyncio.sleep(2.0)
        chaos.supervisor.hold("nats-server")
        chaos.kill("nats-server", signal.SIGTERM)
        outage_end = time.monotonic() + chaos.sizes.outage_seconds
        while time.monotonic() < outage_end:
            status, body = await chaos.readiness()
            if status == 503:
                if not seen_not_ready:
                    say("    not ready during the outage")
                seen_not_ready.append("gateway's NATS" if body.get("nats") != "CONNECTED" else "")
                down.update(n for n, v in (body.get("checks") or {}).items() if v != "SERVING")
            await asyncio.sleep(0.5)
        chaos.supervisor.release("nats-server")

    await _load_with(chaos, events, ledger, faults, rate=chaos.sizes.rate / 5)
    ready_after = await chaos.wait_ready()
    services_after = {n: r for n, r in chaos.restarts().items() if n != "nats-server"}
    restarted = sorted(n for n in services_after if services_after[n] != services_before.get(n, 0))
    observed: dict[str, Any] = {"not_ready_during_outage": bool(seen_not_ready),
                                "not_serving_during_outage": sorted(down | ({"gateway-nats"} if any(seen_not_ready) else set())),
                                "ready_again_s": round(ready_after, 1), "services_restarted": restarted}
    if not seen_not_ready:
        observed["failed"] = "the platform answered ready while NATS was down"
    elif restarted:
        observed["failed"] = f"services restarted during the outage: {', '.join(restarted)}"
    return observed


RUN: dict[str, Callable[[Chaos, Ledger, str], Awaitable[dict[str, Any]]]] = {
    "fusion_kill": fusion_kill, "nats_restart": nats_restart, "db_restart": db_restart,
    "department_outbox": department_outbox, "gateway_kill": gateway_kill, "nats_outage": nats_outage,
}


# -- running them ----------------------------------------------------------------------------------

def start_platform(home: Path, quick: bool) -> tuple[LocalPlatform, Supervisor, threading.Event]:
    platform = LocalPlatform(home=home, ports=Ports.free(), say=lambda _: None,
                             extra_env={"GATEWAY_TOKEN_MINUTES": "30"})
    started = time.monotonic()
    platform.start(timeout=300)
    # A second fusion replica: the durable consumers share the work between the two.
    platform._spawn("fusion-2", [sys.executable, "-m", "services.cli", "serve", "fusion"],
                    platform.env_of("fusion") | {"FUSION_GRPC_PORT": str(free_port()), "FUSION_REPLICA": "fusion-2",
                                                               "METRICS_PORT": str(free_port())})
    say(f"platform up in {time.monotonic() - started:.0f} s, two fusion replicas (home {home})")
    supervisor = Supervisor(platform, say=lambda line: say(f"  supervisor: {line}"))
    stop = threading.Event()

    def supervise() -> None:
        while not stop.is_set():
            supervisor.tick()
            stop.wait(0.5)

    threading.Thread(target=supervise, name="supervisor", daemon=True).start()
    return platform, supervisor, stop


async def run_all(args: argparse.Namespace, home: Path) -> list[dict[str, Any]]:
    platform, supervisor, stop = start_platform(home, args.quick)
    chaos = Chaos(platform, supervisor, args.quick, Sizes.of(args.quick, args.fusion_kill_events))
    mongo = connect(platform.mongodb_uri, app_name="chaos")
    results: list[dict[str, Any]] = []
    try:
        await chaos.wait_ready()
        for name in args.only or SCENARIOS:
            tag = f"{name[:6]}{int(time.time()) % 100000}"
            ledger = Ledger()
            say(f"{name} …")
            started = time.monotonic()
            entry: dict[str, Any] = {"scenario": name}
            try:
                entry["observed"] = await RUN[name](chaos, ledger, tag)
                timeout = 300.0 + len(ledger.accepted) / 20
                entry.update(await reconcile(mongo, ledger, timeout=timeout, say=say))
                entry["ok"] = (entry["lost"] == 0 and entry["doubled"] == 0 and entry["recount_ok"]
                               and not entry["observed"].get("failed"))
                if entry["observed"].get("failed"):
                    entry["error"] = entry["observed"]["failed"]
            except Exception as exc:  # noqa: BLE001 - a scenario that fails is reported, the others still run
                traceback.print_exc()
                entry.update(ok=False, error=f"{type(exc).__name__}: {exc}")
                entry.update(await reconcile(mongo, ledger, timeout=60.0, say=say))
            entry["seconds"] = round(time.monotonic() - started, 1)
            entry["restarts"] = chaos.restarts()
            results.append(entry)
            say(f"  {name}: accepted {entry.get('accepted', 0):,}, fused {entry.get('fused', 0):,}, "
                f"dead-lettered {entry.get('dead_lettered', 0):,}, lost {entry.get('lost', '?')}, "
                f"doubled {entry.get('doubled', '?')}, {entry['seconds']:.0f} s")
            await chaos.wait_ready()
    finally:
        await mongo.close()
        stop.set()
        platform.stop()
    return results


def table(results: list[dict[str, Any]]) -> str:
    head = f"{'scenario':<18} {'accepted':>9} {'fused':>9} {'dead-let.':>9} {'lost':>5} {'doubled':>7} {'seconds':>8}  result"
    lines = [head, "-" * len(head)]
    for r in results:
        verdict = "ok" if r.get("ok") else f"FAILED {r.get('error', '')}".strip()
        lines.append(f"{r['scenario']:<18} {r.get('accepted', 0):>9,} {r.get('fused', 0):>9,} "
                     f"{r.get('dead_lettered', 0):>9,} {r.get('lost', '-'):>5} {r.get('doubled', '-'):>7} "
                     f"{r.get('seconds', 0):>8.0f}  {verdict}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    logging.basicConfig(level=logging.WARNING)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="gridfusion-chaos-") as home:
        results = asyncio.run(run_all(args, Path(home)))
    print()
    print(table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"when": datetime.now(UTC).isoformat(), "quick": args.quick,
                                    "seconds": round(time.monotonic() - started, 1), "scenarios": results},
                                   indent=1, ensure_ascii=False))
    print(f"\n{len(results)} scenarios in {time.monotonic() - started:.0f} s; written to {args.out}")
    return 0 if results and all(r.get("ok") for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
