"""The gateway app: settings, state, error handlers, routers."""

from __future__ import annotations

from contextlib import asynccontextmanager

import grpc
from fastapi import FastAPI

from services.platform.logs import setup_logging
from services.platform.telemetry import setup_telemetry, shutdown_telemetry

from .api.deps import GatewayState
from .api.routes import auth, cases, departments, events, grids, health
from .auth import load_or_create_key
from .clients import Peers
from .errors import handle_rpc_error
from .settings import GatewaySettings


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        key = settings.jwt_key or load_or_create_key(settings.jwt_key_file or "var/gateway/jwt.key")
        peers = Peers(settings)
        app.state.gateway = GatewayState(settings=settings, peers=peers, jwt_key=key)
        yield
        await peers.close()

    app = FastAPI(
        title="Gridfusion gateway",
        version="1",
        summary="Five departments' events on one party-branch grid, one closed loop (多网融合).",
        lifespan=lifespan,
    )
    app.add_exception_handler(grpc.aio.AioRpcError, handle_rpc_error)
    for module in (health, auth, departments, events, cases, grids):
        app.include_router(module.router)
    return app


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
