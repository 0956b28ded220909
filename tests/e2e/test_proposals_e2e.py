"""Information collection (信息采集) through the running platform: a grid worker proposes a new
household, its community accepts it, and with no restart the household is in the grid's list, in
grid resolution in fusion and in a department service's own rules; people are masked for the
community and shown (and audited) for the grid's staff; another grid's record, a grid account
reviewing, a second review and a correction of a record that moved on are refused with the reason.

The module makes the reference version current before it current again at its end, so the other
end-to-end tests keep the synthetic county as it was.
"""

from __future__ import annotations

import time
import uuid

import grpc
import httpx
import pytest
from gridfusion.departments.v1 import departments_pb2 as dpb
from gridfusion.departments.v1 import departments_pb2_grpc as dpb_grpc
from shapely.geometry import shape

from services.local import LocalPlatform
from services.reference.people import id_check_character
from tests.e2e.test_reference_e2e import fused_grid, wait_for_version

pytestmark = pytest.mark.e2e
ID_NUMBER = "37092119490328444X"


@pytest.fixture(scope="module")
def client(platform: LocalPlatform):
    with httpx.Client(base_url=platform.gateway_url, timeout=120) as c:
        yield c


def login(client: httpx.Client, username: str) -> dict[str, str]:
    reply = client.post("/v1/auth/token", data={"username": username, "password": "demo"})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


@pytest.fixture(scope="module")
def admin(client: httpx.Client) -> dict[str, str]:
    return login(client, "admin")


@pytest.fixture(scope="module")
def grids(client: httpx.Client, admin: dict) -> list[dict]:
    return [f for f in client.get("/v1/grids", headers=admin).json()["features"]]


@pytest.fixture(scope="module")
def grid(grids: list[dict]) -> dict:
    return grids[5]


@pytest.fixture(scope="module")
def before(client: httpx.Client, admin: dict):
    """The version current before this module; made current again at its end."""
    current = next(
        v
        for v in client.get("/v1/reference/versions", headers=admin).json()["items"]
        if v["current"]
    )
    yield current
    reply = client.post(f"/v1/reference/versions/{current['version']}:activate", headers=admin)
    assert reply.status_code == 200, reply.text
    wait_for_version(client, current["version"])


def inside(feature: dict) -> tuple[float, float]:
    point = shape(feature["geometry"]).representative_point()
    return round(point.x, 6), round(point.y, 6)


def household(feature: dict, **over) -> dict:
    lon, lat = inside(feature)
    return {
        "address": f"宁阳县{feature['properties']['name']}新建{uuid.uuid4().hex[:4]}号",
        "lon": lon,
        "lat": lat,
        "residents": 3,
        "head_name": "张新户",
        "head_phone": "13809210001",
        "head_id_number": ID_NUMBER,
        **over,
    }


def all_households(client: httpx.Client, headers: dict, grid_id: str) -> list[dict]:
    items, page = [], 1
    while True:
        body = client.get(
            f"/v1/grids/{grid_id}/households",
            headers=headers,
            params={"page": page, "page_size": 200},
        ).json()
        items += body["items"]
        if len(items) >= body["total"] or not body["items"]:
            return items
        page += 1


def test_a_household_accepted_through_the_gateway_is_listed_and_resolved_in_fusion_and_a_department(
    client: httpx.Client, admin: dict, grid: dict, before: dict, platform: LocalPlatform
) -> None:
    props = grid["properties"]
    grid_id = props["grid_id"]
    worker, centre = (
        login(client, f"worker-{grid_id}"),
        login(client, f"community-{props['community_id']}"),
    )
    wanted = household(grid)
    created = client.post(
        "/v1/register/proposals",
        headers=worker,
        json={"action": "add", "kind": "household", "household": wanted, "note": "巡查发现新住户"},
    )
    assert created.status_code == 201, created.text
    proposal = created.json()
    assert proposal["status"] == "pending" and proposal["grid_id"] == grid_id
    assert (
        proposal["proposed"]["data"]["head_name"] == "张新户"
    )  # the grid's own staff see it in full
    household_id = proposal["record_id"]

    # The community's queue shows it, the head of household masked.
    queue = client.get(
        "/v1/register/proposals", headers=centre, params={"status": "pending"}
    ).json()
    mine = next(p for p in queue["items"] if p["proposal_id"] == proposal["proposal_id"])
    assert mine["proposed"]["data"]["head_name"] == "张**"
    assert mine["proposed"]["data"]["head_id_number"] == "370921********444X"

    accepted = client.post(
        f"/v1/register/proposals/{proposal['proposal_id']}:accept", headers=centre
    )
    assert accepted.status_code == 200, accepted.text
    version = accepted.json()["reference_version"]
    assert accepted.json()["status"] == "accepted" and version and version != before["version"]
    again = client.post(f"/v1/register/proposals/{proposal['proposal_id']}:accept", headers=centre)
    assert again.status_code == 409 and "accepted" in again.json()["detail"]

    # Fusion answers from the new version at once: the grid's households, the point, the
    # household id.
    listed = {h["household_id"]: h for h in all_households(client, worker, grid_id)}
    assert household_id in listed and listed[household_id]["address"] == wanted["address"]
    located = client.get(
        "/v1/locate", headers=admin, params={"lon": wanted["lon"], "lat": wanted["lat"]}
    )
    assert located.status_code == 200 and located.json()["grid_id"] == grid_id
    assert (
        client.get(f"/v1/grids/{grid_id}", headers=admin).json()["properties"]["households"]
        == props["households"] + 1
    )

    # The department services follow without a restart, and place an event at the household in
    # the grid.
    wait_for_version(client, version)
    # Local mode's synthetic people stay: the derived version is the synthetic county still.
    register = client.get(
        "/v1/party-members/register", headers=admin, params={"page_size": 1}
    ).json()
    assert register["total"] == 9_656
    event_id = f"info-{uuid.uuid4().hex[:8]}"
    sent = client.post(
        "/v1/departments/police_assistant/events",
        headers=admin,
        json={
            "id": event_id,
            "type": "police.incident",
            "time": "2026-12-01T09:00:00+08:00",
            "category": "public_order.theft",
            "summary": f"新住户电动车被盗 {event_id}",
            "location": {"household_id": household_id},
        },
    )
    assert sent.status_code == 202, sent.text
    assert fused_grid(client, admin, event_id) == grid_id
    target = f"127.0.0.1:{platform.ports.departments['police_assistant']}"
    with grpc.insecure_channel(target) as channel:
        record = dpb_grpc.DepartmentServiceStub(channel).GetEvent(
            dpb.GetEventRequest(event_id=event_id),
            timeout=10,
            metadata=platform.grpc_metadata("police_assistant"),
        )
    assert record.event.details["assigned_to"]["grid_id"] == grid_id

    # The record now has version 1; a correction from it is accepted, one more from version 1 is
    # 409.
    current = client.get(f"/v1/register/records/household/{household_id}", headers=worker).json()
    assert current["version"] == 1 and current["grid_id"] == grid_id
    fix = {k: v for k, v in current["data"].items() if k != "household_id"}
    first = client.post(
        "/v1/register/proposals",
        headers=worker,
        json={
            "action": "correct",
            "kind": "household",
            "record_id": household_id,
            "base_version": 1,
            "household": {**fix, "residents": 4},
        },
    )
    second = client.post(
        "/v1/register/proposals",
        headers=worker,
        json={
            "action": "correct",
            "kind": "household",
            "record_id": household_id,
            "base_version": 1,
            "household": {**fix, "residents": 5},
        },
    )
    assert first.status_code == second.status_code == 201, (first.text, second.text)
    assert (
        client.post(
            f"/v1/register/proposals/{first.json()['proposal_id']}:accept", headers=centre
        ).status_code
        == 200
    )
    moved_on = client.post(
        f"/v1/register/proposals/{second.json()['proposal_id']}:accept", headers=centre
    )
    assert moved_on.status_code == 409 and "version 1" in moved_on.json()["detail"]
    stale = client.post(
        "/v1/register/proposals",
        headers=worker,
        json={
            "action": "correct",
            "kind": "household",
            "record_id": household_id,
            "base_version": 1,
            "household": fix,
        },
    )
    assert stale.status_code == 409 and "version 2" in stale.json()["detail"]
    rejected = client.post(
        f"/v1/register/proposals/{second.json()['proposal_id']}:reject",
        headers=centre,
        json={"reason": "基于旧版本，请重新采集"},
    )
    assert rejected.status_code == 200 and rejected.json()["reason"] == "基于旧版本，请重新采集"


def test_residents_and_special_population_are_masked_for_the_community_and_audited_for_its_staff(
    client: httpx.Client, admin: dict, grid: dict
) -> None:
    props = grid["properties"]
    grid_id = props["grid_id"]
    secretary, centre = (
        login(client, f"sec-{grid_id}"),
        login(client, f"community-{props['community_id']}"),
    )
    household_id = client.get(f"/v1/grids/{grid_id}/households", headers=secretary).json()["items"][
        0
    ]["household_id"]
    name = f"赵{uuid.uuid4().hex[:2]}"
    first17 = f"37092119800101{uuid.uuid4().int % 1000:03d}"
    id_number = first17 + id_check_character(first17)
    made = client.post(
        "/v1/register/proposals",
        headers=secretary,
        json={
            "action": "add",
            "kind": "resident",
            "resident": {
                "household_id": household_id,
                "name": name,
                "id_number": id_number,
                "phone": "13909219999",
            },
        },
    )
    assert made.status_code == 201, made.text
    assert (
        client.post(
            f"/v1/register/proposals/{made.json()['proposal_id']}:accept", headers=centre
        ).status_code
        == 200
    )
    resident_id = made.json()["record_id"]
    special = client.post(
        "/v1/register/proposals",
        headers=secretary,
        json={
            "action": "add",
            "kind": "special_population",
            "special_population": {
                "resident_id": resident_id,
                "kind": "mental_health",
                "responsible_name": "钱医生",
                "responsible_phone": "13909218888",
            },
        },
    )
    assert special.status_code == 201, special.text
    assert (
        client.post(
            f"/v1/register/proposals/{special.json()['proposal_id']}:accept", headers=centre
        ).status_code
        == 200
    )

    seen = client.get(f"/v1/grids/{grid_id}/residents", headers=centre).json()
    row = next(r for r in seen["items"] if r["record_id"] == resident_id)
    assert row["data"]["name"] == "赵**" and row["data"]["phone"] == "139****9999"
    assert row["data"]["id_number"] == "370921********" + id_number[-4:]
    own = client.get(
        f"/v1/grids/{grid_id}/residents",
        headers=secretary,
        params={"kind": "special_population", "purpose": "走访精神障碍患者"},
    ).json()
    record = next(r for r in own["items"] if r["data"]["resident_id"] == resident_id)
    assert record["data"]["kind"] == "mental_health" and record["data"]["resident_name"] == name
    assert record["data"]["responsible_phone"] == "13909218888"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        audit = client.get(
            "/v1/audit", headers=admin, params={"who": f"sec-{grid_id}", "grid_id": grid_id}
        ).json()
        if any(e["why"] == "走访精神障碍患者" for e in audit["items"]):
            break
        time.sleep(0.3)
    else:
        raise AssertionError(f"the secretary's read was not audited: {audit}")


def test_proposals_are_refused_outside_the_caller_s_grid_and_reviews_outside_its_community(
    client: httpx.Client, grids: list[dict], grid: dict
) -> None:
    props = grid["properties"]
    other = next(g for g in grids if g["properties"]["community_id"] != props["community_id"])
    worker = login(client, f"worker-{props['grid_id']}")
    elsewhere = client.post(
        "/v1/register/proposals",
        headers=worker,
        json={"action": "add", "kind": "household", "household": household(other)},
    )
    assert (
        elsewhere.status_code == 403
        and other["properties"]["grid_id"] in elsewhere.json()["detail"]
    )
    centre = login(client, f"community-{props['community_id']}")
    assert (
        client.post(
            "/v1/register/proposals",
            headers=centre,
            json={"action": "add", "kind": "household", "household": household(grid)},
        ).status_code
        == 403
    )

    bad = client.post(
        "/v1/register/proposals",
        headers=worker,
        json={
            "action": "add",
            "kind": "household",
            "household": household(grid, head_id_number="370921194903284441"),
        },
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == [
        "body",
        "household",
        "head_id_number",
    ]
    missing = client.post(
        "/v1/register/proposals", headers=worker, json={"action": "add", "kind": "resident"}
    )
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "resident"]

    made = client.post(
        "/v1/register/proposals",
        headers=worker,
        json={"action": "add", "kind": "household", "household": household(grid)},
    )
    assert made.status_code == 201, made.text
    pid = made.json()["proposal_id"]
    assert (
        client.post(
            f"/v1/register/proposals/{pid}:accept", headers=login(client, f"sec-{props['grid_id']}")
        ).status_code
        == 403
    )
    stranger = login(client, f"community-{other['properties']['community_id']}")
    assert (
        client.post(
            f"/v1/register/proposals/{pid}:reject", headers=stranger, json={"reason": "不是本社区"}
        ).status_code
        == 404
    )
    assert client.get(f"/v1/register/proposals/{pid}", headers=stranger).status_code == 404
    no_reason = client.post(
        f"/v1/register/proposals/{pid}:reject", headers=centre, json={"reason": ""}
    )
    assert no_reason.status_code == 422
    assert (
        client.post(
            f"/v1/register/proposals/{pid}:reject", headers=centre, json={"reason": "地址不详"}
        ).status_code
        == 200
    )
    mine = client.get(
        "/v1/register/proposals", headers=worker, params={"status": "rejected"}
    ).json()
    assert any(p["proposal_id"] == pid and p["reason"] == "地址不详" for p in mine["items"])
    assert (
        client.get("/v1/register/proposals", headers=login(client, "dept-petition")).status_code
        == 403
    )
