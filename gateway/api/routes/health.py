"""Liveness, readiness and metrics: what probes and Prometheus ask, without signing in."""

from __future__ import annotations

import asyncio

import grpc
from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from gridfusion.departments.v1 import departments_pb2 as dpb
from gridfusion.reference.v1 import reference_pb2 as rpb

from services.platform import metrics
from services.platform.mongo import ping

from ..deps import State

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the gateway process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "not ready: the same body, naming what does not answer"}},
            summary="Readiness: NATS, fusion, every department service (and so MongoDB), the accounts database")
async def readyz(state: State) -> JSONResponse:
    checks = await state.peers.health()
    try:
        db_up = await asyncio.wait_for(ping(state.accounts.store.client), 1.5)
    except TimeoutError:
        db_up = False
    checks["gateway-accounts-db"] = "SERVING" if db_up else "NOT_SERVING"
    # The gateway's own NATS connection carries the live feed.
    nats = "CONNECTED" if state.feed is not None and state.feed.connected else "NOT_CONNECTED"
    reference = await _reference(state)
    ready = all(v == "SERVING" for v in checks.values()) and nats == "CONNECTED" and "version" in reference
    return JSONResponse({"status": "ready" if ready else "not_ready", "checks": checks, "nats": nats,
                         "reference": reference}, status_code=200 if ready else 503)


async def _reference(state) -> dict[str, object]:
    """The current reference version (or why there is none), and the version each department
    service that places events has loaded — they follow within a second or two of a switch."""
    try:
        current = await state.peers.reference.GetCurrent(rpb.GetCurrentRequest(), timeout=1.5)
    except grpc.aio.AioRpcError as exc:
        return {"reason": exc.details() or exc.code().name.lower()}

    async def loaded(name: str, stub) -> tuple[str, str | None]:
        try:
            return name, (await stub.Describe(dpb.DescribeRequest(), timeout=1.5)).reference_version
        except grpc.aio.AioRpcError:
            return name, None

    answers = await asyncio.gather(*(loaded(n, s) for n, s in state.peers.departments.items()))
    return {"version": current.version, "source": current.source,
            "loaded": {name: version for name, version in answers if version}}


@router.get("/metrics", response_class=Response, summary="Metrics in the Prometheus text format, for scraping",
            responses={200: {"content": {"text/plain": {}}, "description": "every metric of this gateway process"}})
async def prometheus_metrics() -> Response:
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)
