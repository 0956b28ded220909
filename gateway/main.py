"""The gateway app: settings, state, error handlers, routers."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import grpc
from fastapi import Depends, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from services.platform.logs import setup_logging
from services.platform.telemetry import setup_telemetry, shutdown_telemetry

from .api.deps import GatewayState, staff_only
from .api.routes import (
    audit,
    auth,
    cases,
    community,
    dead_letters,
    departments,
    events,
    feed,
    grids,
    health,
    open311,
    reports,
)
from .auth import load_or_create_key
from .clients import Peers
from .errors import handle_rpc_error, handle_validation_error
from .feed import FeedHub
from .settings import GatewaySettings


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        key = settings.jwt_key or load_or_create_key(settings.jwt_key_file or "var/gateway/jwt.key")
        peers = Peers(settings)
        app.state.gateway = GatewayState(settings=settings, peers=peers, jwt_key=key)
        hub = FeedHub()
        app.state.gateway.feed = hub
        connecting = asyncio.create_task(_connect_feed(hub, settings))
        yield
        connecting.cancel()
        with suppress(asyncio.CancelledError):
            await connecting
        await hub.close()
        await peers.close()

    app = FastAPI(
        title="Gridfusion gateway",
        version="1",
        summary="Five departments' events on one party-branch grid, one closed loop (多网融合).",
        lifespan=lifespan,
    )
    app.add_exception_handler(grpc.aio.AioRpcError, handle_rpc_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    for module in (health, auth, departments, grids, community, reports, audit, feed, open311, dead_letters):
        app.include_router(module.router)
    # Cases and events are the grid staff's and the departments' (not residents' or members').
    for module in (events, cases):
        app.include_router(module.router, dependencies=[Depends(staff_only)])
    app.mount("/dashboard", StaticFiles(directory=STATIC, html=True), name="dashboard")

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse("/dashboard/")

    return app


STATIC = Path(__file__).parent / "static"
log = logging.getLogger(__name__)


async def _connect_feed(hub: FeedHub, settings: GatewaySettings) -> None:
    """Connect the live feed to NATS, retrying until it answers (readiness waits for it)."""
    while True:
        try:
            await hub.start(settings.nats_url, user=settings.nats_user, password=settings.nats_password)
            return
        except Exception as exc:  # noqa: BLE001 - keep trying; /readyz says not ready meanwhile
            log.warning("live feed cannot reach NATS yet", extra={"error": str(exc)})
            await asyncio.sleep(2)


def serve() -> None:
    import uvicorn

    settings = GatewaySettings()
    setup_logging("gateway", settings.log_level)
    setup_telemetry("gateway")
    try:
        uvicorn.run(create_app(settings), host=settings.http_host, port=settings.http_port,
                    log_config=None, timeout_graceful_shutdown=10)
    finally:
        shutdown_telemetry()
