"""The real servers the tests start, and what they said when a test failed.

The first failure of a run prints, at once, whether each server started here is still running
and the end of its log: a run stopped from outside later still shows what the servers said.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import pytest

from services.local import LocalPlatform, Ports, free_port, tool, wait_for_port

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


class OwnNats:
    """A nats-server of one test's own, on a port that stays its own across restarts, with
    JetStream's files in ``home`` (kept when it is killed and started again)."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [tool("nats-server"), "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.home)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, 20, self.proc, "nats-server")

    def stop(self) -> None:
        """As an operator stops it (SIGTERM: it finishes writing)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def kill(self) -> None:
        """As a crash stops it (SIGKILL)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


class Relay:
    """A TCP relay from a port of its own to a server, which a test can cut (every connection
    through it closed, new ones closed as they come) and mend: a network partition between the
    clients that connect through it and the server, the server itself untouched."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.is_cut = False
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def url(self, scheme: str = "nats") -> str:
        return f"{scheme}://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.is_cut:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                sink.close()
                self._writers.discard(sink)

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def cut(self) -> None:
        self.is_cut = True
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    def mend(self) -> None:
        self.is_cut = False

    async def close(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
