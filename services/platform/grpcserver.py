"""A ``grpc.aio`` server with the standard health service and reflection."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import NoReturn

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status

log = logging.getLogger(__name__)

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
# Health service name for liveness probes: SERVING while the process runs, whatever its
# stores do — an outage of NATS or MongoDB makes a service unready, never restarts it.
LIVENESS = "liveness"


class GrpcServer:
    """Owns the server and its health servicer.

    ``service_names`` are the full names of the registered services; the health status of
    each, and of the empty name (the whole server), follows :meth:`set_serving`.
    """

    def __init__(self, port: int, service_names: Sequence[str], host: str = "[::]") -> None:
        self.port = port
        self.address = f"{host}:{port}"
        self.service_names = tuple(service_names)
        self.server = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", 16 * 1024 * 1024),
                ("grpc.so_reuseport", 0),
            ]
        )
        self.health = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        reflection.enable_server_reflection(
            (*self.service_names, health.SERVICE_NAME, reflection.SERVICE_NAME), self.server
        )

    def add(self, register: Callable[[grpc.aio.Server], None]) -> None:
        register(self.server)

    async def start(self) -> None:
        bound = self.server.add_insecure_port(self.address)
        if not bound:
            raise OSError(f"cannot listen on gRPC port {self.port}: already in use")
        await self.server.start()
        await self.set_serving(False)
        await self.health.set(LIVENESS, SERVING)
        log.info("grpc listening", extra={"port": self.port})

    async def set_serving(self, serving: bool) -> None:
        status = SERVING if serving else NOT_SERVING
        for name in ("", *self.service_names):
            await self.health.set(name, status)

    async def stop(self, grace: float) -> None:
        """Report NOT_SERVING, refuse new calls, let calls in flight finish within ``grace``."""
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace)


def invalid_argument(errors: Sequence[tuple[str, str]]) -> status_pb2.Status:
    """INVALID_ARGUMENT with a google.rpc.BadRequest naming each bad field (dotted path, reason)."""
    detail = any_pb2.Any()
    detail.Pack(
        error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=f, description=m) for f, m in errors
            ]
        )
    )
    message = "; ".join(f"{f}: {m}" for f, m in errors)
    return status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=message, details=[detail])


async def abort_invalid_argument(context: grpc.aio.ServicerContext, errors: Sequence[tuple[str, str]]) -> NoReturn:
    """End the call with :func:`invalid_argument`; the gateway turns it into a 422 naming the fields."""
    await context.abort_with_status(rpc_status.to_status(invalid_argument(errors)))
    raise AssertionError("abort_with_status returned")  # pragma: no cover - it always raises
