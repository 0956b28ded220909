"""``GET /v1/cases`` from the gateway's read model on the whole platform: cases fused through the
real pipeline appear in the list, a step of the closed loop shows at once, every page equals the
page fusion answers, and history before the horizon is still listed (by fusion).

The gateway here runs in this process beside the platform's own (same NATS user, databases and
fusion), so the test can see which pages its model answered."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import grpc
import httpx
import pytest
from gridfusion.fusion.v1 import fusion_pb2 as fpb
from gridfusion.fusion.v1 import fusion_pb2_grpc

from gateway.main import create_app
from gateway.settings import GatewaySettings
from services.local import LocalPlatform
from services.platform.mongo import connect
from services.platform.scope import Principal

pytestmark = pytest.mark.e2e

FUSION_DATABASE = "gridfusion_fusion"
# A point in a compound of the synthetic county (文华新城小区).
LON, LAT = 116.783711, 35.746942


@pytest.fixture
async def history(platform: LocalPlatform) -> AsyncIterator[tuple[str, list[str]]]:
    """Closed cases of 60 days ago in a grid of their own, stored before the gateway starts."""
    tag = uuid.uuid4().hex[:6]
    grid = f"HIST{tag}"
    opened = datetime.now(UTC) - timedelta(days=60)
    docs = [{"_id": f"C{opened:%Y%m%d}-H{tag}{i}", "grid_id": grid, "community_id": "HC", "street_id": "HS",
             "category": "dispute.neighbor", "status": "closed", "level": "grid", "departments": ["petition"],
             "event_ids": [f"petition:h{tag}{i}"], "summary": "旧案", "version": 3,
             "opened_at": opened - timedelta(minutes=i), "closed_at": opened, "updated_at": opened}
            for i in range(3)]
    client = connect(platform.mongodb_uri, app_name="tests-hotlist")
    cases = client[FUSION_DATABASE]["cases"]
    await cases.insert_many(docs)
    yield grid, [d["_id"] for d in docs]
    await cases.delete_many({"_id": {"$in": [d["_id"] for d in docs]}})
    await client.close()


@pytest.fixture
async def gateway(platform: LocalPlatform, history, monkeypatch) -> AsyncIterator[tuple]:
    for name, value in platform.env_of("gateway").items():
        monkeypatch.setenv(name, value)
    app = create_app(GatewaySettings())
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway", timeout=30) as client:
        hot = app.state.gateway.feed.hotlist
        deadline = time.monotonic() + 60
        while not hot.current:
            assert time.monotonic() < deadline, "the case read model did not load"
            await asyncio.sleep(0.2)
        yield client, hot


@pytest.fixture
async def fusion(platform: LocalPlatform) -> AsyncIterator:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{platform.ports.fusion}") as channel:
        yield fusion_pb2_grpc.FusionServiceStub(channel)


_tokens: dict[str, dict[str, str]] = {}


async def auth(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    if username not in _tokens:
        reply = await client.post("/v1/auth/token", data={"username": username, "password": "demo"})
        assert reply.status_code == 200, reply.text
        _tokens[username] = {"Authorization": f"Bearer {reply.json()['access_token']}"}
    return _tokens[username]


async def listed(client: httpx.AsyncClient, who: str, **params) -> dict:
    reply = await client.get("/v1/cases", params=params, headers=await auth(client, who))
    assert reply.status_code == 200, reply.text
    return reply.json()


async def until_listed(client: httpx.AsyncClient, who: str, case_id: str, **params) -> dict:
    deadline = time.monotonic() + 30
    while True:
        page = await listed(client, who, page_size=200, **params)
        if case_id in [c["case_id"] for c in page["items"]]:
            return page
        assert time.monotonic() < deadline, f"{case_id} not listed with {params}"
        await asyncio.sleep(0.2)


async def fused_case(client: httpx.AsyncClient) -> tuple[str, str]:
    event_id = f"hot-{uuid.uuid4().hex[:8]}"
    body = {"id": event_id, "type": "incident.reported", "time": datetime.now(UTC).isoformat(),
            "category": "environment.noise", "summary": f"夜间施工噪音扰民 {event_id}", "severity": "medium",
            "location": {"lon": LON, "lat": LAT}}
    reply = await client.post("/v1/departments/comprehensive_governance/events", json=body,
                              headers=await auth(client, "dept-comprehensive_governance"))
    assert reply.status_code == 202, reply.text
    deadline = time.monotonic() + 60
    while True:
        status = (await client.get(f"/v1/events/{event_id}", headers=await auth(client, "admin"))).json()
        if status.get("status") == "fused":
            return status["case_id"], status["grid_id"]
        assert status.get("status") in (None, "pending"), status
        assert time.monotonic() < deadline, f"{event_id} not fused"
        await asyncio.sleep(0.25)


async def test_lists_come_from_the_model_and_equal_fusions(gateway, fusion, history) -> None:
    client, hot = gateway
    case_id, grid_id = await fused_case(client)
    secretary, worker = f"sec-{grid_id}", f"worker-{grid_id}"
    served = hot.served
    # Open cases are all in memory, however old: the model answers, and counts exactly.
    page = await until_listed(client, secretary, case_id, status="open")
    assert hot.served > served and all(c["grid_id"] == grid_id for c in page["items"])
    assert page["total_exact"] is True and page["total"] >= 1

    # A step of the closed loop shows in the list as soon as fusion publishes it.
    reply = await client.post(f"/v1/cases/{case_id}/actions", json={"action": "accept"},
                              headers=await auth(client, worker))
    assert reply.status_code == 200, reply.text
    await until_listed(client, secretary, case_id, status="accepted")
    page = await listed(client, secretary, status="reported", page_size=200)
    assert case_id not in [c["case_id"] for c in page["items"]]

    # The same page as fusion's, for several callers, filters and pages.
    accounts = {"admin": Principal("admin", "county"), secretary: Principal(secretary, "secretary", grid_id=grid_id),
                "dept-petition": Principal("dept-petition", "department", department="petition")}
    cases = [{}, {"status": "open"}, {"status": "accepted"}, {"category": "environment.noise"},
             {"department": "comprehensive_governance"}, {"grid_id": grid_id, "status": "open"}]
    for who, principal in accounts.items():
        for filters in cases:
            for paging in ({"page": 1, "page_size": 5}, {"page": 2, "page_size": 3}):
                before = hot.served
                mine = await listed(client, who, **paging, **filters)
                theirs = await fusion.ListCases(fpb.ListCasesRequest(scope=principal.scope(), **paging, **filters))
                assert [c["case_id"] for c in mine["items"]] == [c.case_id for c in theirs.items], (who, filters)
                assert (mine["next_cursor"] or "") == theirs.next_cursor
                if hot.served > before and mine["total_exact"]:
                    assert mine["total"] == theirs.total
            first = await listed(client, who, page_size=4, **filters)
            if first["next_cursor"]:
                after = await listed(client, who, page_size=4, cursor=first["next_cursor"], **filters)
                theirs = await fusion.ListCases(fpb.ListCasesRequest(
                    scope=principal.scope(), page_size=4, cursor=first["next_cursor"], **filters))
                assert [c["case_id"] for c in after["items"]] == [c.case_id for c in theirs.items]
                assert after["total"] is None

    assert hot.served > served + 20

    # History before the horizon: fusion lists it, in order.
    grid, old = history
    passed = hot.passed
    page = await listed(client, "admin", grid_id=grid, page_size=2)
    assert hot.passed > passed
    assert [c["case_id"] for c in page["items"]] == old[:2] and page["next_cursor"]
    rest = await listed(client, "admin", grid_id=grid, page_size=2, cursor=page["next_cursor"])
    assert [c["case_id"] for c in rest["items"]] == old[2:] and rest["next_cursor"] is None
    exact = await listed(client, "admin", grid_id=grid, count="true")
    assert (exact["total"], exact["total_exact"]) == (3, True)
