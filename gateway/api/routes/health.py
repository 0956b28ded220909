"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ..deps import State

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the gateway process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: NATS, fusion and every department service (and so MongoDB) answer")
async def readyz(state: State) -> JSONResponse:
    checks = await state.peers.health()
    # The gateway's own NATS connection carries the live feed.
    nats = "CONNECTED" if state.feed is not None and state.feed.connected else "NOT_CONNECTED"
    ready = all(v == "SERVING" for v in checks.values()) and nats == "CONNECTED"
    return JSONResponse({"status": "ready" if ready else "not_ready", "checks": checks, "nats": nats},
                        status_code=200 if ready else 503)
