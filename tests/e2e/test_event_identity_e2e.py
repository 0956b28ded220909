"""Event identity through the gateway: an id is unique within its department only, and the
department of an event is the subject it came on (DESIGN "Event identity")."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest
from gridfusion.events.v1 import events_pb2

from services.local import LocalPlatform
from services.platform import bus
from services.platform.events import EventIn

pytestmark = pytest.mark.e2e

# A point in a compound of the synthetic county (文华新城小区).
LON, LAT = 116.783711, 35.746942


@pytest.fixture(scope="module")
def client(platform: LocalPlatform):
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as c:
        yield c


_tokens: dict[str, dict[str, str]] = {}


def auth(client: httpx.Client, username: str) -> dict[str, str]:
    if username not in _tokens:
        reply = client.post("/v1/auth/token", data={"username": username, "password": "demo"})
        assert reply.status_code == 200, reply.text
        _tokens[username] = {"Authorization": f"Bearer {reply.json()['access_token']}"}
    return _tokens[username]


def body(event_id: str, **fields) -> dict:
    return {"id": event_id, "type": "incident.reported", "time": "2026-11-27T09:30:00+08:00",
            "category": "dispute.neighbor", "summary": "邻里因楼道堆放杂物发生纠纷", "severity": "medium",
            "location": {"lon": LON, "lat": LAT}} | fields


def settled(client: httpx.Client, department: str, event_id: str, timeout: float = 60) -> dict:
    """The event's status at its canonical URL, once it is no longer pending."""
    deadline = time.monotonic() + timeout
    got: dict = {}
    while time.monotonic() < deadline:
        reply = client.get(f"/v1/departments/{department}/events/{event_id}", headers=auth(client, "admin"))
        if reply.status_code == 200:
            got = reply.json()
            if got["status"] != "pending":
                return got
        time.sleep(0.25)
    raise AssertionError(f"{department}:{event_id} not settled within {timeout} s: {got}")


def test_finding_1_an_event_id_used_by_another_department_is_not_a_duplicate(client: httpx.Client) -> None:
    shared = f"2026-{uuid.uuid4().hex[:8]}"
    subject = f"P-{uuid.uuid4().hex[:6]}"
    # Legal aid takes the id first; petition's real event of the same id comes after, of the
    # same person and family (legal_service), so the two are one case.
    first = client.post("/v1/departments/legal_aid/events", headers=auth(client, "dept-legal_aid"), json=body(
        shared, type="legal_aid.consultation", category="legal_service.consultation", subject_id=subject,
        summary="咨询邻里纠纷如何起诉"))
    assert first.status_code == 202 and first.json() == {"event_id": shared, "status": "accepted"}, first.text
    real = client.post("/v1/departments/petition/events", headers=auth(client, "dept-petition"), json=body(
        shared, type="petition.visit", category="legal_service.consultation", subject_id=subject))
    assert real.status_code == 202 and real.json() == {"event_id": shared, "status": "accepted"}, real.text

    legal_aid, petition = settled(client, "legal_aid", shared), settled(client, "petition", shared)
    assert (legal_aid["status"], legal_aid["department"], legal_aid["event_id"]) == ("fused", "legal_aid", shared)
    assert (petition["status"], petition["department"], petition["event_id"]) == ("fused", "petition", shared)
    assert petition["case_id"] == legal_aid["case_id"]
    case = client.get(f"/v1/cases/{petition['case_id']}", headers=auth(client, "admin")).json()
    assert case["event_ids"] == [f"legal_aid:{shared}", f"petition:{shared}"]
    assert [(e["department"], e["event_id"], e["type"]) for e in case["events"]] == [
        ("legal_aid", shared, "legal_aid.consultation"), ("petition", shared, "petition.visit")]

    # By the id alone: each department account gets its own; anyone else who sees both, 409.
    own = client.get(f"/v1/events/{shared}", headers=auth(client, "dept-petition")).json()
    assert (own["department"], own["status"]) == ("petition", "fused")
    own = client.get(f"/v1/events/{shared}", headers=auth(client, "dept-legal_aid")).json()
    assert (own["department"], own["status"]) == ("legal_aid", "fused")
    secretary = f"sec-{petition['grid_id']}"
    for who in ("admin", secretary):
        ambiguous = client.get(f"/v1/events/{shared}", headers=auth(client, who))
        assert ambiguous.status_code == 409, (who, ambiguous.text)
        assert ambiguous.json()["departments"] == ["legal_aid", "petition"]
        assert "legal_aid, petition" in ambiguous.json()["detail"]
    # The canonical URL answers the secretary of the grid; another department's is not a
    # department account's to read.
    assert client.get(f"/v1/departments/petition/events/{shared}", headers=auth(client, secretary)).json()["case_id"] \
        == petition["case_id"]
    assert client.get(f"/v1/departments/legal_aid/events/{shared}", headers=auth(client, "dept-petition")).status_code == 404
    assert client.get(f"/v1/departments/civil_affairs/events/{shared}", headers=auth(client, "admin")).status_code == 404
    assert client.get(f"/v1/departments/nobody/events/{shared}", headers=auth(client, "admin")).status_code == 404

    # The same id again to petition is petition's duplicate; to a third department, a new event.
    again = client.post("/v1/departments/petition/events", headers=auth(client, "dept-petition"), json=body(
        shared, type="petition.visit", category="legal_service.consultation", subject_id=subject))
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    police = client.post("/v1/departments/police_assistant/events", headers=auth(client, "dept-police_assistant"),
                         json=body(shared, category="public_order.theft", summary="电动车被盗"))
    assert police.status_code == 202, police.text
    assert settled(client, "police_assistant", shared)["case_id"] != petition["case_id"]
    ambiguous = client.get(f"/v1/events/{shared}", headers=auth(client, "admin"))
    assert ambiguous.status_code == 409 and ambiguous.json()["departments"] == ["legal_aid", "petition", "police_assistant"]

    # An id only one department used answers by the id alone too.
    alone = f"xf-{uuid.uuid4().hex[:8]}"
    assert client.post("/v1/departments/petition/events", headers=auth(client, "dept-petition"),
                       json=body(alone, summary="小区噪音扰民", category="environment.noise")).status_code == 202
    settled(client, "petition", alone)
    got = client.get(f"/v1/events/{alone}", headers=auth(client, "admin"))
    assert got.status_code == 200 and got.json()["department"] == "petition"


def test_finding_2_a_message_claiming_another_department_is_dead_lettered_with_the_reason(
        client: httpx.Client, platform: LocalPlatform) -> None:
    forged_id = f"LA-{uuid.uuid4().hex[:8]}"
    event = EventIn.model_validate(body(forged_id, category="dispute.wage_arrears", summary="拖欠农民工工资三个月")).to_proto("legal_aid")
    assert event.department == "legal_aid"

    async def publish_as_admin(message: events_pb2.DepartmentEvent) -> None:
        nc = await bus.connect(platform.nats_url, name="tests-forger")
        try:
            await bus.publish(nc.jetstream(), "gridfusion.events.petition.dispute", message, event_id=message.id,
                              ce_type="gridfusion.department_event.v1", source="tests")
        finally:
            await nc.close()

    asyncio.run(publish_as_admin(event))
    got = settled(client, "petition", forged_id)
    assert got["status"] == "dead_lettered"
    assert got["reason"] == "department_mismatch: subject says petition, event says legal_aid"
    assert got["case_id"] is None
    assert client.get(f"/v1/departments/legal_aid/events/{forged_id}", headers=auth(client, "admin")).status_code == 404
    listed = client.get("/v1/dead-letters", params={"pending_only": True, "page_size": 200}, headers=auth(client, "admin")).json()
    [letter] = [d for d in listed["items"] if d["event_id"] == forged_id]
    assert (letter["department"], letter["stage"], letter["reprocessable"]) == ("petition", "identity", False)
    refused = client.post(f"/v1/dead-letters/petition/{forged_id}:reprocess", headers=auth(client, "admin"))
    assert refused.status_code == 409 and "department_mismatch" in refused.json()["detail"]
