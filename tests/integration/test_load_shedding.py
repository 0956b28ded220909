"""A saturated gRPC service refuses the call too many at once, and the gateway answers 503 with
Retry-After at once, instead of queueing it until its deadline passes (a 5xx after seconds)."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from fastapi import Request
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway.errors import handle_rpc_error
from services.local import free_port
from services.platform.grpcserver import RETRY_AFTER, GrpcServer

pytestmark = pytest.mark.integration

SLOW = "/gridfusion.test.v1.Slow/Call"


def slow_service(release: asyncio.Event, started: list[int]) -> grpc.GenericRpcHandler:
    async def call(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        started.append(1)
        await release.wait()
        return request

    handler = grpc.unary_unary_rpc_method_handler(call)
    return grpc.method_handlers_generic_handler("gridfusion.test.v1.Slow", {"Call": handler})


async def test_the_call_beyond_the_limit_is_refused_at_once_and_health_still_answers() -> None:
    release, started = asyncio.Event(), []
    server = GrpcServer(free_port(), ["gridfusion.test.v1.Slow"], host="127.0.0.1", max_in_flight=3)
    server.add(lambda s: s.add_generic_rpc_handlers((slow_service(release, started),)))
    await server.start()
    await server.set_serving(True)
    try:
        async with grpc.aio.insecure_channel(server.address) as channel:
            call = channel.unary_unary(SLOW)
            busy = [asyncio.ensure_future(call(b"x", timeout=30)) for _ in range(3)]
            while len(started) < 3:
                await asyncio.sleep(0.01)
            loop = asyncio.get_running_loop()
            before = loop.time()
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await call(b"y", timeout=30)
            assert loop.time() - before < 2, "refused at once, not after a wait"
            assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert "busy: 3 calls in progress" in refused.value.details()
            assert (RETRY_AFTER, "1") in tuple(refused.value.trailing_metadata())

            # The probes of a saturated service still answer.
            health = health_pb2_grpc.HealthStub(channel)
            answer = await health.Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
            assert answer.status == health_pb2.HealthCheckResponse.SERVING

            # The gateway turns the refusal into 503 with Retry-After, at once.
            response = await handle_rpc_error(Request({"type": "http", "headers": []}), refused.value)
            assert response.status_code == 503 and response.headers["Retry-After"] == "1"
            assert b"busy" in response.body

            release.set()
            assert await asyncio.gather(*busy) == [b"x"] * 3
            assert await call(b"z", timeout=10) == b"z"  # room again once the calls are done
    finally:
        await server.stop(0)
