"""Security headers on every answer of the gateway: the dashboard, the API, the docs.

| header | value |
| --- | --- |
| ``Content-Security-Policy`` | by what is answered (below); ``frame-ancestors 'self'`` on all |
| ``X-Content-Type-Options`` | ``nosniff`` |
| ``X-Frame-Options`` | ``SAMEORIGIN`` (for browsers without ``frame-ancestors``) |
| ``Referrer-Policy`` | ``no-referrer`` |

Content security policies:
- the dashboard (``/dashboard/``): its own scripts and stylesheet only (no inline script or
  handler, no other origin), its API calls and live feed to this origin; the weekly report it
  shows in a sandboxed frame inherits the policy, so the report's one inline stylesheet is
  admitted by its hash;
- the weekly report page (``/v1/reports/weekly.html``): its inline stylesheet by hash, images as
  ``data:``, nothing else — no script;
- the interactive docs (``/docs``, ``/redoc``): FastAPI's pages load Swagger UI / ReDoc from
  jsDelivr and start it with an inline script, so they get those and nothing more;
- everything else (JSON, XML, server-sent events): ``default-src 'none'``.
A header a route sets itself is kept.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .reports.weekly import STYLE_HASH

FRAMING = "frame-ancestors 'self'"
DASHBOARD = ("default-src 'self'; script-src 'self'; style-src 'self' " + STYLE_HASH + "; img-src 'self' data:; "
             "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; " + FRAMING)
REPORT = "default-src 'none'; style-src " + STYLE_HASH + "; img-src data:; base-uri 'none'; form-action 'none'; " + FRAMING
CDN = "https://cdn.jsdelivr.net"
DOCS = (f"default-src 'self'; script-src 'self' 'unsafe-inline' {CDN}; style-src 'self' 'unsafe-inline' {CDN}; "
        "img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        + FRAMING)
API = "default-src 'none'; base-uri 'none'; form-action 'none'; " + FRAMING
COMMON = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "SAMEORIGIN",
    "referrer-policy": "no-referrer",
}
DOCS_PATHS = ("/docs", "/redoc")


def policy_for(path: str) -> str:
    if path == "/" or path == "/dashboard" or path.startswith("/dashboard/"):
        return DASHBOARD
    if path == "/v1/reports/weekly.html":
        return REPORT
    if path in DOCS_PATHS or path.startswith("/docs/"):
        return DOCS
    return API


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = policy_for(scope["path"])

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in (("content-security-policy", policy), *COMMON.items()):
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)
