"""A ``grpc.aio`` server with the standard health service, bearer-token authentication of its
callers, and reflection where it is switched on.

Callers authenticate with ``authorization: Bearer <token>`` metadata on every call. A server
holds only the SHA-256 digests of the tokens it knows (never a token it could call others
with), names the caller whose digest matches, and asks its service's rule whether that caller
may make the call: no or an unknown token is UNAUTHENTICATED, a known caller the rule refuses
is PERMISSION_DENIED, each with a message saying why. Health checks (``grpc.health.v1``) stay
open, for the kubelet's probes. Reflection is off unless ``GRPC_REFLECTION`` turns it on
(local mode does); when on, it needs a token like any other call.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any, NoReturn

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection as grpc_reflection
from grpc_status import rpc_status

from . import metrics

log = logging.getLogger(__name__)

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
# Health service name for liveness probes: SERVING while the process runs, whatever its
# stores do — an outage of NATS or MongoDB makes a service unready, never restarts it.
LIVENESS = "liveness"
# A bearer token carries at least this many bytes (256 bits): generated, never chosen.
MIN_TOKEN_BYTES = 32
AUTHORIZATION = "authorization"
# Services anyone may call without a token: the probes'.
OPEN_SERVICES = (health.SERVICE_NAME,)
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")

# Whether ``caller`` may call ``method`` ("/package.Service/Method"): None when it may,
# otherwise why not (the PERMISSION_DENIED message).
Authorise = Callable[[str, str], str | None]


def token_sha256(token: str) -> str:
    """The digest a server keeps of a caller's token (hex SHA-256 of its UTF-8 bytes)."""
    return hashlib.sha256(token.encode()).hexdigest()


def check_token(token: str, what: str) -> str:
    """``token`` when it is long enough to be a credential; ValueError naming ``what`` otherwise."""
    if len(token.encode()) < MIN_TOKEN_BYTES:
        raise ValueError(f"{what} must be at least {MIN_TOKEN_BYTES} bytes (a generated token)")
    return token


def check_sha256(digest: str, what: str) -> str:
    """``digest`` when it is a hex SHA-256 (64 characters, any case), in lower case."""
    if not _SHA256_HEX.fullmatch(digest.strip().lower()):
        raise ValueError(f"{what} must be the hex SHA-256 of a token (64 characters 0-9a-f)")
    return digest.strip().lower()


class TokenAuth(grpc.aio.ServerInterceptor):
    """Names the caller of each call from its bearer token and lets ``authorise`` decide.

    ``callers`` maps each caller the server knows to the hex SHA-256 of its token. Every
    known digest is compared (in constant time) with the presented token's, whichever matches.
    """

    def __init__(self, callers: Mapping[str, str], authorise: Authorise) -> None:
        self.callers = [(name, bytes.fromhex(check_sha256(d, f"the digest of {name}'s token")))
                        for name, d in callers.items()]
        self.authorise = authorise

    def verdict(
        self, method: str, metadata: Sequence[tuple[str, Any]] | None
    ) -> tuple[str | None, grpc.StatusCode | None, str]:
        """(caller, refusal code, message): the code None when the call may go ahead."""
        values = [v for k, v in metadata or () if k.lower() == AUTHORIZATION]
        if not values:
            return None, grpc.StatusCode.UNAUTHENTICATED, (
                "no credential: send metadata 'authorization: Bearer <token>'")
        if len(values) > 1:
            return None, grpc.StatusCode.UNAUTHENTICATED, "more than one 'authorization' metadata entry"
        value = values[0] if isinstance(values[0], str) else values[0].decode(errors="replace")
        scheme, _, token = value.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return None, grpc.StatusCode.UNAUTHENTICATED, "the 'authorization' metadata must be 'Bearer <token>'"
        presented = hashlib.sha256(token.encode()).digest()
        caller = None
        for name, digest in self.callers:  # every digest compared, in constant time
            if hmac.compare_digest(presented, digest):
                caller = name
        if caller is None:
            return None, grpc.StatusCode.UNAUTHENTICATED, (
                "unknown credential: this token belongs to no caller of this service")
        why_not = self.authorise(caller, method)
        if why_not:
            return caller, grpc.StatusCode.PERMISSION_DENIED, why_not
        return caller, None, ""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        method = handler_call_details.method
        handler = await continuation(handler_call_details)
        if handler is None or method.lstrip("/").split("/")[0] in OPEN_SERVICES:
            return handler
        caller, code, message = self.verdict(method, handler_call_details.invocation_metadata)
        if code is None:
            return handler
        log.warning("grpc call refused", extra={"method": method, "caller": caller or "", "code": code.name,
                                                "reason": message})
        return refusing(handler, code, message)


def refusing(handler: grpc.RpcMethodHandler, code: grpc.StatusCode, message: str) -> grpc.RpcMethodHandler:
    """A handler of the same kind as ``handler`` that ends the call with ``code`` at once."""

    async def refuse(request: Any, context: grpc.aio.ServicerContext) -> None:
        await context.abort(code, message)

    async def refuse_stream(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        await context.abort(code, message)
        yield  # never reached: a response stream's handler is an async generator (tracing iterates it)

    make = {
        (False, False): grpc.unary_unary_rpc_method_handler,
        (False, True): grpc.unary_stream_rpc_method_handler,
        (True, False): grpc.stream_unary_rpc_method_handler,
        (True, True): grpc.stream_stream_rpc_method_handler,
    }[(bool(handler.request_streaming), bool(handler.response_streaming))]
    return make(refuse_stream if handler.response_streaming else refuse, request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer)


class BearerToken(
    grpc.aio.UnaryUnaryClientInterceptor,
    grpc.aio.UnaryStreamClientInterceptor,
    grpc.aio.StreamUnaryClientInterceptor,
    grpc.aio.StreamStreamClientInterceptor,
):
    """Client side: ``authorization: Bearer <token>`` on every call of a channel
    (``grpc.aio.insecure_channel(target, interceptors=[BearerToken(token)])``)."""

    def __init__(self, token: str) -> None:
        self.entry = (AUTHORIZATION, f"Bearer {token}")

    def _with_token(self, details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        metadata = grpc.aio.Metadata(*[(k, v) for k, v in details.metadata or () if k.lower() != AUTHORIZATION])
        metadata.add(*self.entry)
        return details._replace(metadata=metadata)

    async def intercept_unary_unary(self, continuation, client_call_details, request):
        return await continuation(self._with_token(client_call_details), request)

    async def intercept_unary_stream(self, continuation, client_call_details, request):
        return await continuation(self._with_token(client_call_details), request)

    async def intercept_stream_unary(self, continuation, client_call_details, request_iterator):
        return await continuation(self._with_token(client_call_details), request_iterator)

    async def intercept_stream_stream(self, continuation, client_call_details, request_iterator):
        return await continuation(self._with_token(client_call_details), request_iterator)


RETRY_AFTER = "retry-after"


def _counted(handler: grpc.RpcMethodHandler | None, details: grpc.HandlerCallDetails) -> bool:
    """Whether a call is one the interceptors below count: unary, and not a health check."""
    service = details.method.lstrip("/").split("/")[0]
    return not (handler is None or service in OPEN_SERVICES or handler.request_streaming
                or handler.response_streaming)


class CallMetrics(grpc.aio.ServerInterceptor):
    """Rate, errors and duration of every unary call served (``rpc.server.duration``, by service,
    method and status code), refusals by the interceptors after it included. Health checks and
    streams are left out: probes would drown the rest, and a stream's duration is its lifetime."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if not _counted(handler, handler_call_details):
            return handler
        service, _, method = handler_call_details.method.lstrip("/").partition("/")
        behaviour = handler.unary_unary

        async def timed(request: Any, context: grpc.aio.ServicerContext) -> Any:
            started = time.perf_counter()
            failed = False
            try:
                return await behaviour(request, context)
            except BaseException:
                failed = True
                raise
            finally:
                code = context.code()
                name = code.name if isinstance(code, grpc.StatusCode) else ("UNKNOWN" if failed else "OK")
                metrics.RPC_DURATION.record(time.perf_counter() - started, {
                    "rpc.system": "grpc", "rpc.service": service, "rpc.method": method,
                    "rpc.grpc.status_code": name})

        return grpc.unary_unary_rpc_method_handler(
            timed, request_deserializer=handler.request_deserializer, response_serializer=handler.response_serializer)


class InFlightLimit(grpc.aio.ServerInterceptor):
    """Sheds load instead of queueing it: at most ``limit`` unary calls at once; one more is
    refused at once with RESOURCE_EXHAUSTED and the trailing metadata ``retry-after`` (seconds).

    Health checks and streams are never counted or refused: a saturated service must still
    answer its probes, and a department system's hand-over stream lives for hours.
    """

    def __init__(self, limit: int, retry_after_seconds: int = 1) -> None:
        self.limit = limit
        self.retry_after = str(retry_after_seconds)
        self.in_flight = 0

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if not _counted(handler, handler_call_details):
            return handler
        behaviour = handler.unary_unary

        async def limited(request: Any, context: grpc.aio.ServicerContext) -> Any:
            if self.in_flight >= self.limit:
                await context.abort(
                    grpc.StatusCode.RESOURCE_EXHAUSTED,
                    f"busy: {self.limit} calls in progress; retry after {self.retry_after} s",
                    trailing_metadata=((RETRY_AFTER, self.retry_after),),
                )
            self.in_flight += 1
            try:
                return await behaviour(request, context)
            finally:
                self.in_flight -= 1

        return grpc.unary_unary_rpc_method_handler(
            limited, request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


class GrpcServer:
    """Owns the server and its health servicer.

    ``service_names`` are the full names of the registered services; the health status of
    each, and of the empty name (the whole server), follows :meth:`set_serving`. ``auth``
    authenticates every call but health checks; ``reflection`` serves grpc.reflection
    (off in production).
    """

    def __init__(self, port: int, service_names: Sequence[str], host: str = "[::]", *,
                 auth: TokenAuth | None = None, reflection: bool = False, max_in_flight: int | None = None) -> None:
        self.port = port
        self.address = f"{host}:{port}"
        self.service_names = tuple(service_names)
        interceptors: list[grpc.aio.ServerInterceptor] = [CallMetrics()]
        if auth is not None:
            interceptors.append(auth)
        if max_in_flight is not None:
            interceptors.append(InFlightLimit(max_in_flight))
        self.server = grpc.aio.server(
            interceptors=interceptors,
            options=[
                ("grpc.max_receive_message_length", 16 * 1024 * 1024),
                ("grpc.so_reuseport", 0),
            ],
        )
        self.health = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        if reflection:
            grpc_reflection.enable_server_reflection(
                (*self.service_names, health.SERVICE_NAME, grpc_reflection.SERVICE_NAME), self.server
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
