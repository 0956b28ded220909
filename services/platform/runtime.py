"""Start a service, keep it healthy, and drain it in order on SIGTERM.

Shutdown order: stop taking work (health NOT_SERVING, consumers stop fetching) → finish what
is in flight (gRPC calls within the grace period, the batch in hand) → drain NATS → close
MongoDB → flush telemetry.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress

import grpc
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from pymongo import AsyncMongoClient

from . import bus, metrics, mongo
from .grpcserver import GrpcServer, TokenAuth
from .logs import setup_logging
from .settings import CommonSettings
from .telemetry import setup_telemetry, shutdown_telemetry

log = logging.getLogger(__name__)


class Runtime:
    """What every Gridfusion process has: settings, logs, telemetry, NATS, MongoDB, gRPC."""

    def __init__(self, name: str, settings: CommonSettings) -> None:
        self.name = name
        self.settings = settings
        self.stop = asyncio.Event()
        self.nc: NATS | None = None
        self.js: JetStreamContext | None = None
        self.mongo: AsyncMongoClient | None = None
        self.grpc: GrpcServer | None = None
        self._tasks: list[asyncio.Task] = []
        self.grace_seconds = 10.0
        # Conditions of readiness beyond the connections: each returns why the service cannot
        # serve yet (e.g. "no reference data imported"), or None.
        self.conditions: list[Callable[[], str | None]] = []
        self._reported: str | None = None

    def setup_observability(self) -> None:
        setup_logging(self.name, self.settings.log_level)
        setup_telemetry(self.name)
        if self.settings.metrics_port:
            metrics.serve(self.settings.metrics_port)
            log.info("metrics served", extra={"port": self.settings.metrics_port})

    async def connect_nats(self, streams: Sequence[bus.StreamSpec] = bus.ALL_STREAMS) -> JetStreamContext:
        s = self.settings
        self.nc = await bus.connect(s.nats_url, name=self.name, user=s.nats_user, password=s.nats_password)
        self.js = self.nc.jetstream()
        if streams:
            await bus.ensure_streams(self.js, streams, replicas=s.nats_stream_replicas)
        return self.js

    def connect_mongo(self) -> AsyncMongoClient:
        self.mongo = mongo.connect(self.settings.mongodb_uri, app_name=self.name)
        return self.mongo

    async def serve_grpc(
        self, port: int, service_names: Sequence[str], register: Callable[[grpc.aio.Server], None],
        auth: TokenAuth | None = None,
    ) -> GrpcServer:
        self.grpc = GrpcServer(port, service_names, auth=auth, reflection=self.settings.grpc_reflection,
                               max_in_flight=self.settings.grpc_max_in_flight)
        self.grpc.add(register)
        await self.grpc.start()
        return self.grpc

    def spawn(self, coro: Awaitable[None], name: str) -> asyncio.Task:
        """Run background work (a consumer loop, a relay) until shutdown; a crash stops the process."""
        task = asyncio.ensure_future(coro)
        task.set_name(name)

        def done(t: asyncio.Task) -> None:
            if not t.cancelled() and t.exception() is not None:
                log.error("background task failed; stopping", exc_info=t.exception(), extra={"task": name})
                self.stop.set()

        task.add_done_callback(done)
        self._tasks.append(task)
        return task

    def why_not_ready(self) -> str | None:
        """The first unmet readiness condition, or None."""
        for condition in self.conditions:
            reason = condition()
            if reason:
                return reason
        return None

    async def healthy(self) -> bool:
        nats_ok = self.nc is None or self.nc.is_connected
        mongo_ok = self.mongo is None or await mongo.ping(self.mongo)
        reason = self.why_not_ready()
        if reason != self._reported:
            self._reported = reason
            if reason:
                log.warning("not ready", extra={"service": self.name, "reason": reason})
            else:
                log.info("ready", extra={"service": self.name})
        return nats_ok and mongo_ok and reason is None

    async def _watch_health(self) -> None:
        """Keep the gRPC health status true to the NATS and MongoDB connections."""
        while not self.stop.is_set():
            if self.grpc is not None:
                await self.grpc.set_serving(await self.healthy())
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.stop.wait(), timeout=2.0)

    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop.set)

    async def run_until_stopped(self) -> None:
        """Serve until SIGTERM/SIGINT, then drain in order."""
        self.install_signal_handlers()
        watcher = asyncio.create_task(self._watch_health())
        log.info("service started", extra={"service": self.name})
        await self.stop.wait()
        log.info("service stopping", extra={"service": self.name})
        # 1. stop taking work: health NOT_SERVING, no new gRPC calls, calls in flight finish.
        if self.grpc is not None:
            await self.grpc.stop(self.grace_seconds)
        # 2. finish in flight: background loops see `stop` and return after their batch.
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=self.grace_seconds)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
        # 3. drain NATS, 4. close MongoDB, 5. flush telemetry.
        if self.nc is not None and not self.nc.is_closed:
            with suppress(Exception):
                await self.nc.drain()
        if self.mongo is not None:
            await self.mongo.close()
        shutdown_telemetry()
        log.info("service stopped", extra={"service": self.name})


def run(main: Callable[[], Awaitable[None]]) -> None:
    """Entry point of a service process."""
    with suppress(KeyboardInterrupt):
        asyncio.run(main())
