"""Item 6 of the foundation: one petition event through the gateway, for real."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from services.local import LocalPlatform

pytestmark = pytest.mark.e2e


def token(client: httpx.Client, username: str, password: str = "demo") -> dict[str, str]:
    reply = client.post("/v1/auth/token", data={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["token_type"] == "bearer"
    return {"Authorization": f"Bearer {body['access_token']}"}


@pytest.fixture(scope="module")
def client(platform: LocalPlatform):
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as c:
        yield c


def wait_fused(client: httpx.Client, headers: dict, event_id: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    body: dict = {}
    while time.monotonic() < deadline:
        reply = client.get(f"/v1/events/{event_id}", headers=headers)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        if body["status"] != "pending":
            return body
        time.sleep(0.2)
    raise AssertionError(f"event {event_id} not fused within {timeout} s: {body}")


def petition_event(event_id: str, lon: float, lat: float) -> dict:
    return {
        "id": event_id,
        "type": "petition.visit",
        "time": "2026-11-27T09:30:00+08:00",
        "category": "dispute.neighbor",
        "summary": "邻里因楼道堆放杂物发生纠纷，多次协商未果",
        "severity": "medium",
        "location": {"lon": lon, "lat": lat},
        "details": {"channel": "visit", "petitioner_name": "张某"},
    }


def test_ready(client: httpx.Client) -> None:
    reply = client.get("/readyz")
    assert reply.status_code == 200
    checks = reply.json()["checks"]
    assert set(checks) == {"fusion", "comprehensive_governance", "petition", "legal_aid", "police_assistant", "civil_affairs",
                           "gateway-accounts-db"}
    assert set(checks.values()) == {"SERVING"}


def test_petition_event_is_fused_into_one_case(client: httpx.Client) -> None:
    dept = token(client, "dept-petition")
    admin = token(client, "admin")
    # A place of this test's own: the session's other tests report the same kind of dispute at the
    # county seat's centre, which fusion would rightly take for the same incident.
    lon, lat = 116.8012, 35.7628
    located = client.get("/v1/locate", params={"lon": lon, "lat": lat}, headers=admin)
    assert located.status_code == 200, located.text
    grid_id = located.json()["grid_id"]

    event_id = f"xf-{uuid.uuid4()}"
    first = client.post("/v1/departments/petition/events", json=petition_event(event_id, lon, lat), headers=dept)
    assert first.status_code == 202, first.text
    assert first.json() == {"event_id": event_id, "status": "accepted"}

    fused = wait_fused(client, dept, event_id)
    assert fused["status"] == "fused"
    assert fused["grid_id"] == grid_id
    case_id = fused["case_id"]
    assert case_id

    cases = client.get("/v1/cases", params={"grid_id": grid_id}, headers=admin).json()
    # A case lists its events as <department>:<id> (an id is unique within its department only).
    matching = [c for c in cases["items"] if f"petition:{event_id}" in c["event_ids"]]
    assert [c["case_id"] for c in matching] == [case_id]
    assert matching[0]["departments"] == ["petition"]
    assert matching[0]["status"] == "reported" and matching[0]["level"] == "grid"
    assert matching[0]["opened_at"].endswith("+08:00")

    # The same id again: a duplicate, and never a second case.
    again = client.post("/v1/departments/petition/events", json=petition_event(event_id, lon, lat), headers=dept)
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "duplicate"
    time.sleep(1.0)
    after = client.get("/v1/cases", params={"grid_id": grid_id}, headers=admin).json()
    assert sum(1 for c in after["items"] if f"petition:{event_id}" in c["event_ids"]) == 1
    assert after["total"] == cases["total"]

    detail = client.get(f"/v1/cases/{case_id}", headers=admin).json()
    assert [(e["department"], e["event_id"]) for e in detail["events"]] == [("petition", event_id)]
    assert detail["timeline"][0]["action"] == "reported"
    assert detail["timeline"][0]["role"] == "department"
    # Each caller is offered what the closed loop would accept from it (a case of one event has
    # nothing to split off).
    assert detail["allowed_actions"] == ["escalate", "merge"]
    worker = token(client, f"worker-{grid_id}")
    offered = client.get(f"/v1/cases/{case_id}", headers=worker).json()["allowed_actions"]
    assert offered == ["accept", "resolve_on_site", "escalate", "merge"]


def test_invalid_event_names_each_bad_field(client: httpx.Client) -> None:
    dept = token(client, "dept-petition")
    bad = {"id": "", "type": "petition.visit", "time": "2026-11-27T09:30:00", "category": "dispute",
           "summary": "", "location": {"lon": 200, "lat": 35.7}}
    reply = client.post("/v1/departments/petition/events", json=bad, headers=dept)
    assert reply.status_code == 422
    fields = {tuple(err["loc"][1:]) for err in reply.json()["detail"]}
    assert {("id",), ("time",), ("category",), ("summary",), ("location", "lon")} <= fields

    unknown = petition_event("xf-bad-type", 116.8, 35.76) | {"type": "petition.unknown", "category": "dispute.nothing"}
    reply = client.post("/v1/departments/petition/events", json=unknown, headers=dept)
    assert reply.status_code == 422
    fields = {err["loc"][-1] for err in reply.json()["detail"]}
    assert fields == {"type", "category"}


def test_department_account_publishes_only_as_itself(client: httpx.Client) -> None:
    other = token(client, "dept-civil_affairs")
    reply = client.post("/v1/departments/petition/events", json=petition_event("xf-not-mine", 116.8, 35.76), headers=other)
    assert reply.status_code == 403
    worker = token(client, "worker-" + client.get("/v1/locate", params={"lon": 116.8, "lat": 35.76}, headers=other).json()["grid_id"])
    reply = client.post("/v1/departments/petition/events", json=petition_event("xf-worker", 116.8, 35.76), headers=worker)
    assert reply.status_code == 403


def test_tokens_are_required_and_checked(client: httpx.Client) -> None:
    assert client.get("/v1/cases").status_code == 401
    assert client.get("/v1/cases", headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    assert client.post("/v1/auth/token", data={"username": "admin", "password": "wrong"}).status_code == 401
    assert client.post("/v1/auth/token", data={"username": "nobody", "password": "demo"}).status_code == 401


def test_locate_outside_every_grid_is_404(client: httpx.Client) -> None:
    admin = token(client, "admin")
    reply = client.get("/v1/locate", params={"lon": 0.0, "lat": 0.0}, headers=admin)
    assert reply.status_code == 404
    assert "no grid" in reply.json()["detail"]


def test_unlocatable_event_is_dead_lettered_with_reason(client: httpx.Client) -> None:
    dept = token(client, "dept-petition")
    event_id = f"xf-{uuid.uuid4()}"
    trace = uuid.uuid4().hex
    reply = client.post("/v1/departments/petition/events", json=petition_event(event_id, 10.0, 10.0),
                        headers={**dept, "traceparent": f"00-{trace}-00f067aa0ba902b7-01"})
    assert reply.status_code == 202
    body = wait_fused(client, dept, event_id)
    assert body["status"] == "dead_lettered"
    assert "outside every grid" in body["reason"]
    assert body["trace_id"] == trace  # where an operator looks for why
