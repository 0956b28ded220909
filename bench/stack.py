"""The servers a run measures: the whole platform as ``make run`` starts it (or, for the
benchmarks that need only the database, nats-server and secantusd-py), on free ports in a
temporary folder; the operator's clients; pausing fusion; the peak memory of each process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil

from services.local import LocalPlatform, Ports
from services.platform import bus
from services.platform.mongo import connect

MB = 1024 * 1024


class Stack:
    """One :class:`LocalPlatform`: ``full`` starts every process, else only NATS and the database."""

    def __init__(self, home: Path, *, full: bool, say: Callable[[str], None]) -> None:
        self.full = full
        self.say = say
        # A bench run may outlast a 15-minute access token: sign in for every phase, and let
        # each token live the longest the gateway allows.
        self.platform = LocalPlatform(home=home, ports=Ports.free(), say=lambda _: None,
                                      extra_env={"GATEWAY_TOKEN_MINUTES": "30"})
        self.memory = MemorySampler(self.platform.procs)

    def start(self) -> None:
        started = time.monotonic()
        if self.full:
            self.platform.start(timeout=300)
        else:
            self.platform.home.mkdir(parents=True, exist_ok=True)
            self.platform.start_infra()
        self.memory.start()
        what = "platform" if self.full else "nats-server and secantusd-py"
        self.say(f"{what} up in {time.monotonic() - started:.0f} s (home {self.platform.home})")

    def stop(self) -> None:
        self.memory.stop()
        self.platform.stop()

    # -- clients as the operator ---------------------------------------------------------------

    def mongo(self, name: str = "bench"):
        return connect(self.platform.mongodb_uri, app_name=name)

    async def nats(self, name: str = "bench"):
        return await bus.connect(self.platform.nats_url, name=name)

    @property
    def gateway_url(self) -> str:
        return self.platform.gateway_url

    async def token(self, client: httpx.AsyncClient, username: str = "admin") -> str:
        reply = await client.post(f"{self.gateway_url}/v1/auth/token",
                                  data={"username": username, "password": self.platform.demo_password})
        reply.raise_for_status()
        return reply.json()["access_token"]

    # -- fusion paused while a backlog builds up -------------------------------------------------

    def _fusion(self) -> list[psutil.Process]:
        process = psutil.Process(self.platform.procs["fusion"].pid)
        return [process, *process.children(recursive=True)]

    def restart_gateway(self, timeout: float = 900.0) -> float:
        """Start the gateway again and wait until its case lists are loaded into memory (after
        cases were written into the store behind fusion's back, which no case change announced);
        the seconds the load took."""
        log = self.platform.home / "logs" / "gateway.log"
        before = log.read_text(errors="replace").count("case read model loaded") if log.exists() else 0
        started = time.monotonic()
        self.platform.restart("gateway")
        while log.read_text(errors="replace").count("case read model loaded") <= before:
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"the gateway did not load its case lists within {timeout:.0f} s")
            self.platform.check_alive()
            time.sleep(0.5)
        return time.monotonic() - started

    def pause_fusion(self) -> None:
        for process in self._fusion():
            process.suspend()

    def resume_fusion(self) -> None:
        for process in self._fusion():
            process.resume()


class MemorySampler:
    """The peak resident memory of each process of the platform (with its children), sampled
    twice a second from a thread of its own."""

    def __init__(self, procs: dict, every: float = 0.5) -> None:
        self.procs = procs
        self.every = every
        self.peaks: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)

    def sample(self) -> None:
        for name, popen in list(self.procs.items()):
            try:
                process = psutil.Process(popen.pid)
                rss = process.memory_info().rss
                for child in process.children(recursive=True):
                    try:
                        rss += child.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                continue
            self.peaks[name] = max(self.peaks.get(name, 0.0), rss / MB)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.every)

    def report(self) -> dict[str, float]:
        self.sample()
        return {name: round(peak, 1) for name, peak in sorted(self.peaks.items())}
