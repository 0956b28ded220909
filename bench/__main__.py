"""``python -m bench [--quick] [--only NAME ...] [--out test-output/bench/bench.json]``

Runs the benchmarks (all, or the ones named), prints one table of figures beside their
baselines with this step's targets met or missed, and writes the same as JSON. Exits 0 when
every benchmark ran, whatever the figures; 1 when one of them failed; 2 for a bad argument.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import cases, correlation, e2e, lookup, pipeline, report, workload
from .stack import Stack

BENCHMARKS = ("ingest", "fusion", "e2e", "gateway_cases", "lookup", "correlation", "rss_mb")
# What needs the whole platform running; correlation needs only the database server.
NEEDS_PLATFORM = frozenset({"ingest", "fusion", "e2e", "gateway_cases", "rss_mb"})
DEFAULT_OUT = Path("test-output/bench/bench.json")


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[1])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and events: a few minutes, for CI")
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=BENCHMARKS, help="run only these benchmarks")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"where the JSON goes (default {DEFAULT_OUT})")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply every count and duration (a tiny run to check the harness: 0.02)")
    return parser.parse_args(argv)


def machine() -> dict[str, Any]:
    model = ""
    try:
        model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), "")
    except OSError:
        pass
    import psutil

    return {"cores": os.cpu_count(), "cpu": model or platform.processor(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "system": platform.platform(), "python": platform.python_version()}


class Run:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.selected = tuple(b for b in BENCHMARKS if b in (args.only or BENCHMARKS))
        self.results: dict[str, dict[str, Any]] = {}
        self.started = time.monotonic()

    def say(self, message: str) -> None:
        print(f"[{time.monotonic() - self.started:5.0f} s] {message}", flush=True)

    def failed(self, names: tuple[str, ...], exc: BaseException) -> None:
        traceback.print_exception(exc, file=sys.stderr)
        for name in names:
            if name in self.selected and name not in self.results:
                self.results[name] = {"error": f"{type(exc).__name__}: {exc}"}

    async def guarded(self, names: tuple[str, ...], job: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any] | None:
        try:
            return await job()
        except Exception as exc:  # noqa: BLE001 - one benchmark's failure is reported, the others still run
            self.failed(names, exc)
            return None

    async def with_servers(self, stack: Stack) -> None:
        quick, scale, say = self.args.quick, self.args.scale, self.say
        if "correlation" in self.selected:
            found = await self.guarded(("correlation",), lambda: correlation.run(stack, quick=quick, scale=scale, say=say))
            if found:
                self.results["correlation"] = found
        fusion_rate = None
        if {"ingest", "fusion", "e2e"} & set(self.selected):
            found = await self.guarded(("ingest", "fusion", "e2e"),
                                       lambda: pipeline.run(stack, quick=quick, scale=scale, say=say))
            if found:
                self.results.update({k: v for k, v in found.items() if k in self.selected})
                fusion_rate = found["fusion"]["rate"]
        if "e2e" in self.selected and fusion_rate:
            found = await self.guarded(("e2e",), lambda: e2e.run(stack, fusion_rate=fusion_rate, quick=quick,
                                                                  scale=scale, say=say))
            if found:
                self.results["e2e"] = found
        if "gateway_cases" in self.selected:
            found = await self.guarded(("gateway_cases",), lambda: cases.run(stack, quick=quick, scale=scale, say=say))
            if found:
                self.results["gateway_cases"] = found

    def servers(self) -> None:
        needed = set(self.selected) & (NEEDS_PLATFORM | {"correlation"})
        if not needed:
            return
        with tempfile.TemporaryDirectory(prefix="gridfusion-bench-") as home:
            stack = Stack(Path(home), full=bool(needed & NEEDS_PLATFORM), say=self.say)
            try:
                stack.start()
                asyncio.run(self.with_servers(stack))
                if "rss_mb" in self.selected:
                    self.results["rss_mb"] = stack.memory.report()
            except Exception as exc:  # noqa: BLE001 - the platform did not start, or stopped
                self.failed(tuple(needed), exc)
                for name in ("fusion", "gateway"):
                    if name in stack.platform.procs:
                        print(f"--- {name} log ---\n{stack.platform.log_tail(name, 30)}", file=sys.stderr)
            finally:
                stack.stop()

    def execute(self) -> int:
        self.say(f"benchmarks: {', '.join(self.selected)}{' (quick)' if self.args.quick else ''}; "
                 f"events from {workload.source_name()}")
        if "lookup" in self.selected:
            try:
                self.results["lookup"] = lookup.run(quick=self.args.quick, scale=self.args.scale, say=self.say)
            except Exception as exc:  # noqa: BLE001
                self.failed(("lookup",), exc)
        self.servers()
        ordered = {name: self.results[name] for name in self.selected if name in self.results}
        targets = report.targets_of(ordered)
        document = {
            "meta": {
                "date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
                "quick": self.args.quick, "scale": self.args.scale, "benchmarks": list(self.selected),
                "events": workload.source_name(), "seconds": round(time.monotonic() - self.started, 1),
            },
            "benchmarks": ordered,
            "targets": targets,
        }
        self.args.out.parent.mkdir(parents=True, exist_ok=True)
        self.args.out.write_text(json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n")
        print()
        print(report.table(ordered, targets))
        print(f"\n{len(ordered)} benchmarks in {document['meta']['seconds']:.0f} s; written to {self.args.out}")
        return 1 if any("error" in entry for entry in ordered.values()) else 0


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    # The bench's own NATS connections close on purpose: no warning for that.
    logging.getLogger("services.platform.bus").setLevel(logging.ERROR)
    # Stopped from outside (SIGTERM) as on Ctrl-C: the platform it started is stopped too.
    signal.signal(signal.SIGTERM, _interrupted)
    return Run(arguments(argv)).execute()


if __name__ == "__main__":
    sys.exit(main())
