"""gRPC failures of the services as HTTP answers: bad input stays a 4xx that names the problem."""

from __future__ import annotations

import math

import grpc
from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from services.platform.grpcserver import RETRY_AFTER

_HTTP = {
    grpc.StatusCode.INVALID_ARGUMENT: 422,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    # A saturated service sheds load (services.platform.grpcserver.InFlightLimit): try again soon.
    grpc.StatusCode.RESOURCE_EXHAUSTED: 503,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 503,
}


def field_errors(exc: grpc.aio.AioRpcError) -> list[dict] | None:
    """A google.rpc.BadRequest in the status, in FastAPI's own 422 shape."""
    status = rpc_status.from_call(exc)
    if status is None:
        return None
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            return [
                {"loc": ["body", *v.field.split(".")], "msg": v.description, "type": "value_error"}
                for v in bad.field_violations
            ]
    return None


# Seconds a client waits before it tries again, when a service was busy, away or too slow.
RETRY_AFTER_SECONDS = 1


def rpc_error_detail(exc: grpc.aio.AioRpcError) -> tuple[int, object]:
    code = _HTTP.get(exc.code(), 502)
    if exc.code() == grpc.StatusCode.INVALID_ARGUMENT:
        return code, field_errors(exc) or exc.details()
    if exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
        return code, "a service is busy: try again shortly (see Retry-After)"
    if code in (502, 503):
        return code, f"a service is unavailable: {exc.code().name.lower()}"
    return code, exc.details()


def retry_after(exc: grpc.aio.AioRpcError) -> int:
    """When to try again: the service's own ``retry-after`` trailer, else a second."""
    for key, value in exc.trailing_metadata() or ():
        if key == RETRY_AFTER and str(value).isdigit():
            return max(1, int(value))
    return RETRY_AFTER_SECONDS


async def handle_rpc_error(request: Request, exc: grpc.aio.AioRpcError) -> JSONResponse:
    code, detail = rpc_error_detail(exc)
    headers = {"Retry-After": str(retry_after(exc))} if code == 503 else None
    return JSONResponse({"detail": detail}, status_code=code, headers=headers)


def _json_safe(value: object) -> object:
    """NaN and infinities (which a lenient JSON parser lets in) as text: JSON cannot carry them;
    lone surrogates (``"\\ud800"`` is valid JSON) written out as escapes: UTF-8 cannot carry them."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


async def handle_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's own 422 answer, safe to render whatever the input held (never a 500 for bad input)."""
    return JSONResponse({"detail": _json_safe(jsonable_encoder(exc.errors()))}, status_code=422)


async def handle_unencodable(request: Request, exc: UnicodeEncodeError) -> JSONResponse:
    """Text that is not valid Unicode — a lone surrogate such as ``"\\ud800"``, which JSON lets
    through — cannot be stored or passed on: 422, wherever it was first written down."""
    bad = exc.object[exc.start:exc.end].encode("utf-8", "backslashreplace").decode("utf-8") \
        if isinstance(exc.object, str) else "?"
    detail = [{"loc": ["body"], "msg": f"text must be valid Unicode: {bad} (a lone surrogate) cannot be stored",
               "type": "value_error"}]
    return JSONResponse({"detail": detail}, status_code=422)


async def handle_policy_error(request: Request, exc) -> JSONResponse:
    """An account rule's refusal: 403, 404, 409, or 422 naming the field in FastAPI's shape."""
    if exc.status == 422 and exc.field:
        detail = [{"loc": ["body", *exc.field.split(".")], "msg": exc.message, "type": "value_error"}]
        return JSONResponse({"detail": detail}, status_code=422)
    return JSONResponse({"detail": exc.message}, status_code=exc.status)


async def handle_sign_in_refused(request: Request, exc) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=401, headers={"WWW-Authenticate": "Bearer"})


async def handle_throttled(request: Request, exc) -> JSONResponse:
    """429 for too many failed sign-ins, 503 while too many sign-ins wait for the hasher."""
    code = 429 if exc.__class__.__name__ == "Throttled" else 503
    return JSONResponse({"detail": str(exc)}, status_code=code, headers={"Retry-After": str(exc.retry_after)})
