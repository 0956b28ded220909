"""The gRPC health of every service: readiness follows the stores, liveness only the process."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.local import free_port
from services.platform.grpcserver import LIVENESS, GrpcServer

pytestmark = pytest.mark.integration

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


async def test_liveness_stays_serving_while_readiness_follows_the_stores() -> None:
    port = free_port()
    server = GrpcServer(port, ["gridfusion.departments.v1.DepartmentService"])
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)

        async def status(name: str) -> int:
            return (await health.Check(health_pb2.HealthCheckRequest(service=name), timeout=2)).status

        # Started, stores not yet confirmed: alive but not ready.
        assert await status(LIVENESS) == SERVING
        assert await status("") == NOT_SERVING
        await server.set_serving(True)
        assert await status("") == SERVING
        assert await status("gridfusion.departments.v1.DepartmentService") == SERVING
        # NATS or MongoDB away: unready, still alive (no restart storm).
        await server.set_serving(False)
        assert await status("") == NOT_SERVING
        assert await status(LIVENESS) == SERVING
        await server.health.enter_graceful_shutdown()
        assert await status(LIVENESS) == NOT_SERVING
    await server.stop(1)
