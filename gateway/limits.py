"""How large a request body may be, per route, enforced before anything reads or parses it.

An ASGI middleware in front of the whole app (so before authentication, before FastAPI reads a
JSON body or a form): a request whose ``Content-Length`` is over its route's limit is answered
413 at once, unread; a body sent without a length (chunked) is counted as it streams in and
refused the moment it passes the limit. The answer is ``{"detail": ...}`` naming the limit.

| route | limit |
| --- | --- |
| ``POST /v1/reference/imports`` (a county's reference data: a zip or the files) | 200 MB of files, plus 1 MB for the form |
| ``POST /v1/departments/{department}/events:batch`` (up to 1,000 events) | 32 MB |
| ``POST /v1/departments/comprehensive_governance/patrol-logs`` (up to 20,000 fixes) | 8 MB |
| ``POST /v1/cases/{case_id}/attachments``, ``POST /open311/v2/requests.{fmt}`` (a photo or a document) | ``GATEWAY_ATTACHMENT_MAX_BYTES`` (10 MB), plus 1 MB for the form (:func:`upload_limits`) |
| everything else | 1 MB |

The larger limits apply only to a request carrying a validly signed access token (its session is
checked later, as for every request): without one, every route takes 1 MB. Multipart forms are
bounded besides (``FORM_LIMITS``: number of files and fields, size of a text field).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MB = 1024 * 1024
DEFAULT_LIMIT = 1 * MB
REFERENCE_UPLOAD = 200 * MB


@dataclass(frozen=True)
class RouteLimit:
    method: str
    path: re.Pattern[str]
    limit: int
    # What the body carries, when its limit is that of one part (an attachment's file): the refusal says so.
    carries: str = ""


ROUTE_LIMITS: tuple[RouteLimit, ...] = (
    RouteLimit("POST", re.compile(r"^/v1/reference/imports$"), REFERENCE_UPLOAD + 1 * MB),
    RouteLimit("POST", re.compile(r"^/v1/departments/[^/]+/events:batch$"), 32 * MB),
    RouteLimit("POST", re.compile(r"^/v1/departments/comprehensive_governance/patrol-logs$"), 8 * MB),
)


def upload_limits(max_bytes: int) -> tuple[RouteLimit, ...]:
    """The routes that take one attachment of at most ``max_bytes`` (plus the form around it)."""
    carries = f"a file of at most {size(max_bytes)}"
    return (RouteLimit("POST", re.compile(r"^/v1/cases/[^/]+/attachments$"), max_bytes + 1 * MB, carries),
            RouteLimit("POST", re.compile(r"^/open311/v2/requests\.(json|xml)$"), max_bytes + 1 * MB, carries))


# Multipart forms anywhere (FastAPI's form limits): no files unless a route allows them, a few
# fields, and no text field above 64 KB (an Open311 description is at most 4,000 characters).
FORM_LIMITS = {"max_files": 0, "max_fields": 50, "max_part_size": 64 * 1024}


def size(limit: int) -> str:
    return f"{limit / MB:g} MB" if limit >= MB else f"{limit / 1024:g} KB"


def limit_of(method: str, path: str, *, trusted: bool,
             routes: tuple[RouteLimit, ...] = ROUTE_LIMITS) -> tuple[int, int]:
    """(the limit that applies, the route's own limit) for a request."""
    for route in routes:
        if route.method == method and route.path.match(path):
            return (route.limit if trusted else DEFAULT_LIMIT), route.limit
    return DEFAULT_LIMIT, DEFAULT_LIMIT


def refusal(method: str, path: str, limit: int, route_limit: int, carries: str = "") -> str:
    detail = f"the request body is larger than {method} {path} takes: at most {size(limit)}"
    if carries and limit == route_limit:
        detail += f" ({carries} and its form)"
    if route_limit > limit:
        detail += f" without a valid access token ({size(route_limit)} with one)"
    return detail


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes its limit; FastAPI lets an
    HTTPException through its body parsing, so the answer is this 413, not a 400."""

    def __init__(self, detail: str) -> None:
        super().__init__(status_code=413, detail=detail)


class BodyLimit:
    """The middleware; ``trusted(scope)`` says whether the request carries a validly signed
    access token (the larger limits need one)."""

    def __init__(self, app: ASGIApp, trusted: Callable[[Scope], bool] = lambda scope: False,
                 routes: tuple[RouteLimit, ...] = ROUTE_LIMITS) -> None:
        self.app = app
        self.trusted = trusted
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        limit, route_limit = limit_of(method, path, trusted=_bearer(scope) and self.trusted(scope), routes=self.routes)
        detail = refusal(method, path, limit, route_limit,
                         next((r.carries for r in self.routes if r.method == method and r.path.match(path)), ""))
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await _answer(send, 400, "Content-Length must be a number of bytes")
                return
            if int(declared) > limit:
                await _answer(send, 413, detail)
                return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(detail)
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except BodyTooLarge:
            if started:
                raise
            await _answer(send, 413, detail)


def _bearer(scope: Scope) -> bool:
    return Headers(scope=scope).get("authorization", "").lower().startswith("bearer ")


async def _answer(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
