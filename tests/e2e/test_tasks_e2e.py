"""Tasks from above (专项行动) through the gateway: a street sends a fire-safety sweep of every
compound to its grids, two grids' staff report their items, and the street reads completion per
grid and the overdue items; grids cannot dispatch, nor report another grid's items, nor report
after the task was closed."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from services.local import LocalPlatform

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def client(platform: LocalPlatform):
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as c:
        yield c


def login(client: httpx.Client, username: str, password: str) -> dict[str, str]:
    reply = client.post("/v1/auth/token", data={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def test_a_streets_campaign_is_reported_by_two_grids_and_the_street_sees_completion_and_overdue(
    client: httpx.Client, platform: LocalPlatform
) -> None:
    password = platform.demo_password
    admin = login(client, "admin", password)
    grids = [f["properties"] for f in client.get("/v1/grids", headers=admin).json()["features"]]
    street_id = grids[0]["street_id"]
    mine = sorted(g["grid_id"] for g in grids if g["street_id"] == street_id)
    elsewhere = next(g for g in grids if g["street_id"] != street_id)
    street = login(client, f"street-{street_id}", password)
    due = datetime.now(UTC) + timedelta(seconds=6)
    body = {
        "title": "冬季消防安全专项排查",
        "instructions": "逐个小区检查消防通道和灭火器",
        "category": "safety_hazard.fire",
        "area": f"street:{street_id}",
        "due_at": due.isoformat(),
        "items_from": "compound",
    }
    created = client.post("/v1/tasks", headers=street, json=body)
    assert created.status_code == 201, created.text
    task = created.json()
    assert task["grid_ids"] == mine and task["status"] == "open"
    assert task["dispatcher"]["level"] == "street" and task["dispatcher"]["street_id"] == street_id
    assert {g["grid_id"] for g in task["grids"]} == set(mine) and all(
        g["items"] >= 1 for g in task["grids"]
    )
    assert all(x["ref"] for x in task["item_list"])  # one per compound of the reference data
    task_id = task["task_id"]

    first, second = mine[0], mine[1]
    worker = login(client, f"worker-{first}", password)
    listed = client.get("/v1/tasks", headers=worker).json()
    assert task_id in [t["task_id"] for t in listed["items"]]
    seen = client.get(f"/v1/tasks/{task_id}", headers=worker).json()
    assert {x["grid_id"] for x in seen["item_list"]} == {first}  # its own grid's part only
    own = [x["item_id"] for x in seen["item_list"]]
    problem = {"outcome": "problem", "note": "消防通道堵塞，物业联系人13812345678"}
    reported = client.post(
        f"/v1/tasks/{task_id}/items/{own[0]}/report", headers=worker, json=problem
    )
    assert reported.status_code == 200, reported.text
    item = next(x for x in reported.json()["item_list"] if x["item_id"] == own[0])
    assert item["status"] == "problem" and "13812345678" in item["note"]  # the grid's own staff
    for item_id in own[1:]:
        done = client.post(
            f"/v1/tasks/{task_id}/items/{item_id}/report", headers=worker, json={"outcome": "done"}
        )
        assert done.status_code == 200, done.text

    secretary = login(client, f"sec-{second}", password)
    theirs = [
        x["item_id"]
        for x in client.get(f"/v1/tasks/{task_id}", headers=secretary).json()["item_list"]
    ]
    assert (
        client.post(
            f"/v1/tasks/{task_id}/items/{theirs[0]}/report",
            headers=secretary,
            json={"outcome": "done", "note": "已检查"},
        ).status_code
        == 200
    )
    refused = client.post(
        f"/v1/tasks/{task_id}/items/{own[0]}/report", headers=secretary, json={"outcome": "done"}
    )
    assert refused.status_code == 403, refused.text
    no_note = client.post(
        f"/v1/tasks/{task_id}/items/{theirs[0]}/report",
        headers=secretary,
        json={"outcome": "problem"},
    )
    assert no_note.status_code == 422 and "note" in no_note.text

    # grid roles do not dispatch; no one dispatches outside its area; a far grid does not see it
    assert client.post("/v1/tasks", headers=secretary, json=body).status_code == 403
    other_street = login(client, f"street-{elsewhere['street_id']}", password)
    outside = client.post("/v1/tasks", headers=other_street, json=body)
    assert outside.status_code == 403 and first in outside.text
    far = login(client, f"worker-{elsewhere['grid_id']}", password)
    assert client.get(f"/v1/tasks/{task_id}", headers=far).status_code == 404
    assert task_id not in [
        t["task_id"] for t in client.get("/v1/tasks", headers=far).json()["items"]
    ]

    time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 0.5)
    watched = client.get(f"/v1/tasks/{task_id}", headers=street).json()
    by_grid = {g["grid_id"]: g for g in watched["grids"]}
    assert by_grid[first]["completion"] == 1.0 and by_grid[first]["overdue"] == 0
    assert by_grid[first]["problems"] == 1
    assert (
        by_grid[second]["done"] == 1 and by_grid[second]["overdue"] == by_grid[second]["items"] - 1
    )
    assert all(by_grid[g]["overdue"] == by_grid[g]["items"] for g in mine[2:])
    assert (
        watched["overdue"]
        == sum(g["overdue"] for g in watched["grids"])
        == len(watched["overdue_items"])
    )
    assert {x["grid_id"] for x in watched["overdue_items"]} == set(mine[1:])
    noted = next(x for x in watched["item_list"] if x["item_id"] == own[0])
    assert "138****5678" in noted["note"]  # the street is no grid's staff: masked
    # the worker's unmasked reads of the phone number are in the audit log, with the purpose given
    client.get(f"/v1/tasks/{task_id}", headers=worker, params={"purpose": "联系物业整改"})
    audit = client.get("/v1/audit", headers=admin, params={"who": f"worker-{first}"}).json()[
        "items"
    ]
    assert any(task_id in e["what"] and e["why"] == "联系物业整改" for e in audit), audit
    listed = client.get("/v1/tasks", headers=street, params={"status": "open"}).json()
    summary = next(t for t in listed["items"] if t["task_id"] == task_id)
    assert summary["item_list"] is None and summary["overdue"] == watched["overdue"]

    closed = client.post(f"/v1/tasks/{task_id}/close", headers=street, json={"note": "排查结束"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    late = client.post(
        f"/v1/tasks/{task_id}/items/{theirs[1 % len(theirs)]}/report",
        headers=secretary,
        json={"outcome": "done"},
    )
    assert late.status_code == 409, late.text
    assert client.post(f"/v1/tasks/{task_id}/cancel", headers=street, json={}).status_code == 409


def test_bad_tasks_are_refused_naming_the_field(
    client: httpx.Client, platform: LocalPlatform
) -> None:
    admin = login(client, "admin", platform.demo_password)
    due = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    cases = [
        ({"title": "x", "due_at": due, "items_from": "single"}, "grid_ids"),
        ({"title": "x", "due_at": due, "area": "county", "items_from": "named"}, "item_names"),
        ({"title": "x", "due_at": due, "area": "street:nowhere"}, "no street"),
        ({"title": "x", "due_at": due, "grid_ids": ["370921999999999"]}, "370921999999999"),
        (
            {"title": "x", "due_at": due, "area": "county", "category": "safety_hazard.meteor"},
            "category",
        ),
        (
            {
                "title": "x",
                "due_at": due,
                "area": "county",
                "meeting_id": "M0",
                "decision_id": "D1",
            },
            "meeting_id",
        ),
    ]
    for body, named in cases:
        reply = client.post("/v1/tasks", headers=admin, json=body)
        assert reply.status_code == 422 and named in reply.text, (body, reply.text)
    assert client.get("/v1/tasks/T-none", headers=admin).status_code == 404
    resident = login(
        client,
        f"resident-{client.get('/v1/grids', headers=admin).json()['features'][0]['properties']['grid_id']}",
        platform.demo_password,
    )
    assert client.get("/v1/tasks", headers=resident).status_code == 403


def test_a_joint_meetings_decision_becomes_a_task_listed_by_its_meeting(
    client: httpx.Client, platform: LocalPlatform
) -> None:
    password = platform.demo_password
    admin = login(client, "admin", password)
    grids = [f["properties"] for f in client.get("/v1/grids", headers=admin).json()["features"]]
    grid = grids[-1]
    community = login(client, f"community-{grid['community_id']}", password)
    now = datetime.now(UTC)
    meeting = client.post(
        "/v1/meetings",
        headers=community,
        json={"grid_id": grid["grid_id"], "title": "十二月联席会议", "starts_at": now.isoformat()},
    )
    assert meeting.status_code == 201, meeting.text
    meeting_id = meeting.json()["meeting_id"]
    decision = {
        "text": "全网格排查电动车楼道充电",
        "owner": "社区",
        "due_at": (now + timedelta(days=7)).isoformat(),
    }
    held = client.post(
        f"/v1/meetings/{meeting_id}/minutes",
        headers=community,
        json={
            "minutes": "议定开展专项排查",
            "attendees": ["网格党支部", "物业"],
            "decisions": [decision],
        },
    )
    assert held.status_code == 200, held.text
    body = {
        "title": decision["text"],
        "grid_ids": [grid["grid_id"]],
        "due_at": decision["due_at"],
        "items_from": "compound",
        "meeting_id": meeting_id,
        "decision_id": "D1",
    }
    created = client.post("/v1/tasks", headers=community, json=body)
    assert created.status_code == 201, created.text
    task = created.json()
    assert (task["meeting_id"], task["decision_id"]) == (meeting_id, "D1")
    listed = client.get("/v1/tasks", headers=community, params={"meeting_id": meeting_id}).json()
    assert [t["task_id"] for t in listed["items"]] == [task["task_id"]]
    # the decision must be the meeting's, and the meeting in the caller's area
    wrong = client.post("/v1/tasks", headers=community, json={**body, "decision_id": "D7"})
    assert wrong.status_code == 422 and "D7" in wrong.text
    other = next(g for g in grids if g["street_id"] != grid["street_id"])
    elsewhere = login(client, f"street-{other['street_id']}", password)
    hidden = client.post(
        "/v1/tasks", headers=elsewhere, json={**body, "grid_ids": [other["grid_id"]]}
    )
    assert hidden.status_code == 422 and "meeting_id" in hidden.text
