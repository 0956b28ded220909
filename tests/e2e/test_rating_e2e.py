"""The reporting resident rates a closure through the gateway (群众满意度评价): by the rating link the
grid sends, or signed in as the resident who reported it through Open311. Staff may not rate for
the resident; an unsatisfied rating reopens the case at the level that closed it."""

from __future__ import annotations

import time
import uuid
from urllib.parse import urlsplit

import httpx
import pytest
from shapely.geometry import shape

from services.local import LocalPlatform
from tests.e2e import test_party_e2e as party

pytestmark = pytest.mark.e2e
client, login = party.client, party.login

GRID = "370921001001003"
STREET = "370921001"


def fused(client: httpx.Client, platform: LocalPlatform, department: str, event_id: str) -> str:
    admin = login(client, "admin", platform.demo_password)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = client.get(f"/v1/departments/{department}/events/{event_id}", headers=admin).json()
        if status.get("case_id"):
            return status["case_id"]
        time.sleep(0.3)
    raise AssertionError(f"event {event_id} not fused: {status}")


def inside(client: httpx.Client, platform: LocalPlatform, grid_id: str) -> tuple[float, float]:
    """A point of the grid."""
    grid = client.get(f"/v1/grids/{grid_id}", headers=login(client, "admin", platform.demo_password)).json()
    point = shape(grid["geometry"]).representative_point()
    return point.x, point.y


def reported_case(client: httpx.Client, platform: LocalPlatform, grid_id: str) -> str:
    """A case opened on ``grid_id`` by comprehensive governance, at a point of that grid."""
    lon, lat = inside(client, platform, grid_id)
    event_id = f"rt-{uuid.uuid4().hex[:10]}"
    body = {"id": event_id, "type": "incident.reported", "time": "2026-12-02T10:00:00+08:00",
            "category": "environment.noise", "summary": f"夜间施工噪音扰民 {event_id}", "severity": "low",
            "subject_id": f"S-{event_id}", "location": {"lon": lon, "lat": lat}}
    dept = login(client, "dept-comprehensive_governance", platform.demo_password)
    accepted = client.post("/v1/departments/comprehensive_governance/events", json=body, headers=dept)
    assert accepted.status_code == 202, accepted.text
    return fused(client, platform, "comprehensive_governance", event_id)


def act(client: httpx.Client, headers: dict, case_id: str, action: str, **body) -> dict:
    reply = client.post(f"/v1/cases/{case_id}/actions", headers=headers, json={"action": action, **body})
    assert reply.status_code == 200, reply.text
    return reply.json()


def closed_at_grid(client: httpx.Client, platform: LocalPlatform, case_id: str, grid_id: str) -> None:
    secretary = login(client, f"sec-{grid_id}", platform.demo_password)
    act(client, secretary, case_id, "resolve_on_site", note="已协调施工方停止夜间作业")
    act(client, secretary, case_id, "close")


def test_a_rating_link_rates_once_and_unsatisfied_reopens_at_the_grid(client: httpx.Client, platform: LocalPlatform) -> None:
    case_id = reported_case(client, platform, GRID)
    worker = login(client, f"worker-{GRID}", platform.demo_password)
    # Not closed yet: no link.
    early = client.post(f"/v1/cases/{case_id}/rating-link", headers=worker)
    assert early.status_code == 409 and "not closed" in early.json()["detail"]
    closed_at_grid(client, platform, case_id, GRID)
    # Another grid's worker does not see the case, so cannot send its link.
    other = login(client, "worker-370921001001001", platform.demo_password)
    assert client.post(f"/v1/cases/{case_id}/rating-link", headers=other).status_code == 404

    made = client.post(f"/v1/cases/{case_id}/rating-link", headers=worker)
    assert made.status_code == 201, made.text
    link = made.json()
    fragment = urlsplit(link["url"]).fragment
    assert urlsplit(link["url"]).path == "/dashboard/rate.html" and link["token"] in fragment
    token = link["token"]

    # The page's view of the case: category and result, no personal data, not yet rated.
    shown = client.get(f"/v1/cases/{case_id}/rating", params={"token": token})
    assert shown.status_code == 200, shown.text
    assert (shown.json()["category"], shown.json()["rated"]) == ("environment.noise", False)
    assert shown.json()["category_label"] and "summary" not in shown.json()
    assert [c["label"] for c in shown.json()["choices"]] == ["满意", "基本满意", "不满意"]
    # A token of this case does not open another, and a forged one opens none.
    assert client.get(f"/v1/cases/{case_id}x/rating", params={"token": token}).status_code == 401
    assert client.post(f"/v1/cases/{case_id}/rating", json={"rating": "satisfied", "token": token + "x"}).status_code == 401
    # Bad input names the field.
    bad = client.post(f"/v1/cases/{case_id}/rating", json={"rating": "happy", "token": token})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "rating"
    # Staff may not rate for the resident, neither here nor as an action.
    staff = client.post(f"/v1/cases/{case_id}/rating", headers=worker, json={"rating": "satisfied"})
    assert staff.status_code == 403 and "only the reporting resident" in staff.json()["detail"]
    admin = login(client, "admin", platform.demo_password)
    as_action = client.post(f"/v1/cases/{case_id}/actions", headers=admin,
                            json={"action": "rate", "note": "代评"})
    assert as_action.status_code == 403 and "only the reporting resident" in as_action.json()["detail"]

    rated = client.post(f"/v1/cases/{case_id}/rating", json={"rating": "unsatisfied", "comment": "晚上还在施工",
                                                             "token": token})
    assert rated.status_code == 200, rated.text
    assert rated.json() == {"case_id": case_id, "rating": "unsatisfied", "rating_label": "不满意",
                            "status": "reopened", "level": "grid", "reopened": True}
    again = client.post(f"/v1/cases/{case_id}/rating", json={"rating": "satisfied", "token": token})
    assert again.status_code == 409, again.text  # the closure it was for is gone
    case = client.get(f"/v1/cases/{case_id}", headers=admin).json()
    assert (case["status"], case["level"], case["closed_at"], case["satisfaction"]) == ("reopened", "grid", None, None)
    entry = case["timeline"][-1]
    assert (entry["action"], entry["role"], entry["satisfaction"], entry["channel"], entry["note"]) == (
        "rate", "resident", "unsatisfied", "link", "晚上还在施工")
    # The grid takes it up again and closes it; the new closure needs a new link and rates once.
    secretary = login(client, f"sec-{GRID}", platform.demo_password)
    assert "accept" in client.get(f"/v1/cases/{case_id}", headers=secretary).json()["allowed_actions"]
    closed_at_grid(client, platform, case_id, GRID)
    assert client.post(f"/v1/cases/{case_id}/rating", json={"rating": "satisfied", "token": token}).status_code == 409
    fresh = client.post(f"/v1/cases/{case_id}/rating-link", headers=worker).json()["token"]
    ok = client.post(f"/v1/cases/{case_id}/rating", json={"rating": "basically_satisfied", "token": fresh})
    assert ok.status_code == 200 and ok.json()["status"] == "closed" and not ok.json()["reopened"]
    assert client.post(f"/v1/cases/{case_id}/rating", json={"rating": "satisfied", "token": fresh}).status_code == 409
    assert client.post(f"/v1/cases/{case_id}/rating-link", headers=worker).status_code == 409
    assert client.get(f"/v1/cases/{case_id}", headers=admin).json()["satisfaction"] == "basically_satisfied"


def test_an_unsatisfied_rating_reopens_a_case_the_street_closed_at_the_street(
        client: httpx.Client, platform: LocalPlatform) -> None:
    case_id = reported_case(client, platform, GRID)
    worker = login(client, f"worker-{GRID}", platform.demo_password)
    act(client, worker, case_id, "escalate", note="需社区协调")
    community = login(client, "community-370921001001", platform.demo_password)
    act(client, community, case_id, "escalate", note="涉及多部门")
    street = login(client, f"street-{STREET}", platform.demo_password)
    act(client, street, case_id, "accept")
    act(client, street, case_id, "resolve_on_site", note="街道协调住建部门处理")
    act(client, street, case_id, "close")
    token = client.post(f"/v1/cases/{case_id}/rating-link", headers=street).json()["token"]
    rated = client.post(f"/v1/cases/{case_id}/rating", json={"rating": "unsatisfied", "token": token}).json()
    assert (rated["status"], rated["level"]) == ("reopened", "street")
    # The street centre holds it again: it may accept or assess it; the grid may not.
    allowed = client.get(f"/v1/cases/{case_id}", headers=street).json()["allowed_actions"]
    assert {"accept", "assess"} <= set(allowed)
    assert "accept" not in client.get(f"/v1/cases/{case_id}", headers=worker).json()["allowed_actions"]


def test_the_resident_who_reported_through_open311_rates_with_their_account(
        client: httpx.Client, platform: LocalPlatform) -> None:
    resident = login(client, f"resident-{GRID}", platform.demo_password)
    lon, lat = inside(client, platform, GRID)
    posted = client.post("/open311/v2/requests.json", headers=resident, data={
        "service_code": "environment.garbage", "description": f"楼下垃圾堆放多日无人清运 {uuid.uuid4().hex[:6]}",
        "lat": str(lat), "long": str(lon), "phone": "13912345678", "jurisdiction_id": "370921"})
    assert posted.status_code == 201, posted.text
    case_id = fused(client, platform, "comprehensive_governance", posted.json()[0]["service_request_id"])
    # Before it closes, the resident's rating is refused by the case's state.
    early = client.post(f"/v1/cases/{case_id}/rating", headers=resident, json={"rating": "satisfied"})
    assert early.status_code == 409, early.text
    closed_at_grid(client, platform, case_id, GRID)
    # A resident who did not report it may not rate it.
    neighbour = login(client, "resident-370921001001001", platform.demo_password)
    refused = client.post(f"/v1/cases/{case_id}/rating", headers=neighbour, json={"rating": "satisfied"})
    assert refused.status_code == 403 and "reported this case" in refused.json()["detail"]
    # Nobody signed in and no link: 401.
    assert client.post(f"/v1/cases/{case_id}/rating", json={"rating": "satisfied"}).status_code == 401
    rated = client.post(f"/v1/cases/{case_id}/rating", headers=resident, json={"rating": "satisfied", "comment": "很及时"})
    assert rated.status_code == 200, rated.text
    assert (rated.json()["status"], rated.json()["rating_label"]) == ("closed", "满意")
    admin = login(client, "admin", platform.demo_password)
    case = client.get(f"/v1/cases/{case_id}", headers=admin).json()
    entry = case["timeline"][-1]
    assert (case["satisfaction"], entry["channel"], entry["actor"]) == ("satisfied", "account", "群众 resident")
    secretary = login(client, f"sec-{GRID}", platform.demo_password)
    own = client.get(f"/v1/cases/{case_id}", headers=secretary).json()
    assert own["timeline"][-1]["actor"] == f"resident-{GRID}"
