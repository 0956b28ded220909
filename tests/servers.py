"""The real servers the tests start, and what they said when a test failed.

The first failure of a run prints, at once, whether each server started here is still running
and the end of its log: a run stopped from outside later still shows what the servers said.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from services.local import LocalPlatform, Ports

_started: list[LocalPlatform] = []
_told = False


def start_infra(home: Path) -> LocalPlatform:
    """A real nats-server (JetStream) and a real secantusd-py, nothing else."""
    platform = LocalPlatform(home=home, ports=Ports.free(), say=lambda _: None)
    platform.start_infra()
    return track(platform)


def track(platform: LocalPlatform) -> LocalPlatform:
    """Name ``platform``'s processes in the report of the first failure."""
    _started.append(platform)
    return platform


def stop(platform: LocalPlatform) -> None:
    platform.stop()
    _started.remove(platform)


def ping(uri: str) -> str:
    """Whether the database server still answers, and how fast (a wedged one accepts connections)."""
    from pymongo import MongoClient

    started = time.monotonic()
    try:
        with MongoClient(uri, serverSelectionTimeoutMS=5000, socketTimeoutMS=5000) as client:
            client.admin.command("ping")
    except Exception as exc:  # noqa: BLE001 - any failure is the answer here
        return f"no answer to a ping: {exc!r}"[:300]
    return f"answers a ping in {(time.monotonic() - started) * 1000:.0f} ms"


def tell_on_first_failure(report: pytest.TestReport) -> None:
    global _told
    if not report.failed or _told or not _started:
        return
    _told = True
    lines = [f"first failure ({report.nodeid}, {report.when}); the servers of this run:"]
    for platform in _started:
        for name, proc in platform.procs.items():
            state = "running" if proc.poll() is None else f"exited with {proc.returncode}"
            if name == "secantusd" and proc.poll() is None:
                state += f"; {ping(platform.mongodb_uri)}"
            lines += [f"--- {name} in {platform.home}: {state}; the end of its log ---",
                      platform.log_tail(name, 30)]
    print("\n" + "\n".join(lines), file=sys.stderr, flush=True)
