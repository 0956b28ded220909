"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ..deps import State

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the gateway process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: fusion and every department service (and so NATS and MongoDB) answer")
async def readyz(state: State) -> JSONResponse:
    checks = await state.peers.health()
    ready = all(v == "SERVING" for v in checks.values())
    return JSONResponse({"status": "ready" if ready else "not_ready", "checks": checks}, status_code=200 if ready else 503)
