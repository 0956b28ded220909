"""The gateway's v1 contract through the running platform: every endpoint, every role refusal,
masking and the audit log, party members and service orders, the weekly report, Open311 and
the live feed."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from xml.etree import ElementTree as ET

import httpx
import pytest
from shapely.geometry import Polygon

from services.local import LocalPlatform

pytestmark = pytest.mark.e2e

ROLES = ("admin", "street", "community", "sec", "worker", "dept", "member", "resident")
AREA = {"admin", "street", "community", "sec", "worker"}
STAFF = AREA | {"dept"}
EVERYONE = set(ROLES)


@pytest.fixture(scope="module")
def client(platform: LocalPlatform):
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as c:
        yield c


def login(client: httpx.Client, username: str) -> dict[str, str]:
    reply = client.post("/v1/auth/token", data={"username": username, "password": "demo"})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


@pytest.fixture(scope="module")
def world(client: httpx.Client) -> dict:
    """Two grids in different streets, and a token of each role for the first."""
    admin = login(client, "admin")
    features = client.get("/v1/grids", headers=admin).json()["features"]
    here = client.get("/v1/locate", params={"lon": 116.8052, "lat": 35.7598}, headers=admin).json()["grid_id"]
    grid = next(f for f in features if f["properties"]["grid_id"] == here)
    other = next(f for f in features if f["properties"]["street_id"] != grid["properties"]["street_id"])
    p = grid["properties"]
    names = {
        "admin": "admin", "street": f"street-{p['street_id']}", "community": f"community-{p['community_id']}",
        "sec": f"sec-{here}", "worker": f"worker-{here}", "dept": "dept-petition", "member": f"member-{here}",
        "resident": f"resident-{here}",
    }
    point = Polygon(other["geometry"]["coordinates"][0]).representative_point()
    return {
        "grid": here, "props": p, "other": other["properties"]["grid_id"], "other_point": (point.x, point.y),
        "features": features, "users": names, "h": {role: login(client, name) for role, name in names.items()},
    }


def event(event_id: str, lon: float, lat: float, summary: str = "楼道堆放杂物引发邻里纠纷") -> dict:
    return {"id": event_id, "type": "incident.reported", "time": "2026-11-27T09:30:00+08:00", "category": "dispute.neighbor",
            "summary": summary, "severity": "medium", "location": {"lon": lon, "lat": lat}}


def wait_fused(client: httpx.Client, headers: dict, event_id: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reply = client.get(f"/v1/events/{event_id}", headers=headers)
        if reply.status_code == 200 and reply.json()["status"] != "pending":
            return reply.json()
        time.sleep(0.2)
    raise AssertionError(f"event {event_id} not fused within {timeout} s")


def test_grids_are_the_53_polygons_of_the_county(client: httpx.Client, world: dict) -> None:
    assert len(world["features"]) == 53
    props = world["features"][0]["properties"]
    assert {"grid_id", "name", "type", "community_id", "street_id", "households", "residents", "party_members"} <= set(props)
    one = client.get(f"/v1/grids/{world['grid']}", headers=world["h"]["resident"]).json()
    assert one["type"] == "Feature" and one["properties"]["grid_id"] == world["grid"]


def matrix(world: dict) -> list[tuple[str, str, dict, set[str], int]]:
    """(method, path, request kwargs, roles allowed, refusal code) — allowed calls carry no side effect."""
    g, other = world["grid"], world["other"]
    return [
        ("GET", "/v1/grids", {}, EVERYONE, 403),
        ("GET", "/v1/locate", {"params": {"lon": 116.8052, "lat": 35.7598}}, EVERYONE, 403),
        ("GET", "/v1/departments", {}, EVERYONE, 403),
        ("GET", f"/v1/grids/{g}/households", {}, AREA, 403),
        ("GET", f"/v1/grids/{other}/households", {}, {"admin"}, 403),
        ("GET", "/v1/cases", {}, STAFF, 403),
        ("GET", "/v1/cases/none-such", {}, STAFF, 403),
        ("GET", "/v1/events/none-such", {}, STAFF, 403),
        ("POST", "/v1/cases/none-such/actions", {"json": {"action": "accept"}}, STAFF, 403),
        ("GET", "/v1/dead-letters", {}, {"admin"}, 403),
        ("POST", "/v1/departments/petition/events", {"json": {}}, {"admin", "dept"}, 403),
        ("POST", "/v1/departments/petition/events:batch", {"json": {}}, {"admin", "dept"}, 403),
        ("GET", "/v1/party-members", {}, AREA, 403),
        ("GET", "/v1/party-members", {"params": {"grid_id": other}}, {"admin"}, 403),
        ("POST", "/v1/party-members", {"json": {}}, {"member"}, 403),
        ("GET", "/v1/party-members/register", {}, AREA, 403),
        ("GET", "/v1/party-members/register", {"params": {"grid_id": other}}, {"admin"}, 403),
        ("PATCH", "/v1/party-members/none-such", {"json": {}}, AREA, 403),
        ("GET", "/v1/volunteer-teams", {}, AREA | {"member"}, 403),
        ("POST", "/v1/volunteer-teams", {"json": {}}, {"admin", "street", "community"}, 403),
        ("POST", "/v1/volunteer-teams/none-such/join", {}, {"member"}, 403),
        ("GET", "/v1/service-orders", {}, EVERYONE - {"dept"}, 403),
        ("GET", "/v1/service-orders", {"params": {"grid_id": other}}, EVERYONE - {"dept", "street", "community", "sec", "worker"}, 403),
        ("POST", "/v1/service-orders", {"json": {}}, {"resident"}, 403),
        ("GET", "/v1/service-hours", {}, AREA, 403),
        ("GET", "/v1/party/organisations", {}, AREA, 403),
        ("GET", "/v1/party/organisations", {"params": {"grid_id": other}}, {"admin"}, 403),
        ("PUT", "/v1/party/organisations/none-such/posts", {"json": {"posts": []}}, {"admin", "street", "community"}, 403),
        ("POST", "/v1/party/organisations", {"json": {}}, {"admin", "street", "community"}, 403),
        ("GET", f"/v1/grids/{g}/contacts", {}, AREA, 403),
        ("GET", f"/v1/grids/{other}/contacts", {}, {"admin"}, 403),
        ("PUT", f"/v1/grids/{g}/contacts", {"json": {}}, {"admin", "street"}, 403),
        ("GET", f"/v1/grids/{g}/notices", {}, AREA, 403),
        ("GET", f"/v1/grids/{other}/notices", {}, {"admin"}, 403),
        ("GET", "/v1/co-governance/organisations", {}, AREA, 403),
        ("GET", "/v1/stations", {}, AREA, 403),
        ("PUT", "/v1/stations/none-such/checklist", {"json": {}}, {"admin", "street", "community"}, 403),
        ("GET", "/v1/service-circle/gaps", {}, AREA, 403),
        ("GET", "/v1/activities", {}, AREA | {"member", "resident"}, 403),
        ("POST", "/v1/activities", {"json": {}}, AREA, 403),
        ("GET", "/v1/activities/six-ones", {"params": {"quarter": "2026-Q4"}}, AREA, 403),
        ("POST", "/v1/activities/none-such/sign-up", {}, {"member", "resident"}, 403),
        ("POST", "/v1/activities/none-such/attendance", {"json": {"attended": []}}, AREA, 403),
        ("GET", "/v1/reports/weekly/submissions", {}, AREA, 403),
        ("POST", "/v1/reports/weekly/submissions", {"json": {}}, {"sec"}, 403),
        ("GET", "/v1/bulletins", {"params": {"week": "2026-W01"}}, AREA, 403),
        ("GET", "/v1/meetings", {}, AREA, 403),
        ("GET", "/v1/assessments", {}, AREA, 403),
        ("GET", "/v1/assessments/weights", {}, AREA, 403),
        ("POST", "/v1/assessments", {"json": {"week": "2026-W60"}}, {"admin"}, 403),
        ("GET", "/v1/meetings", {"params": {"grid_id": other}}, {"admin"}, 403),
        ("POST", "/v1/meetings", {"json": {}}, AREA, 403),
        ("GET", "/v1/meetings/decisions", {}, AREA, 403),
        ("GET", "/v1/meetings/agenda-suggestions", {"params": {"grid_id": g}}, AREA, 403),
        ("GET", "/v1/meetings/none-such", {}, AREA, 403),
        ("POST", "/v1/meetings/none-such/minutes", {"json": {}}, AREA, 403),
        ("POST", "/v1/meetings/none-such/decisions/D1/close", {"json": {}}, AREA, 403),
        ("POST", "/v1/co-governance/organisations", {"json": {}}, {"admin", "street", "community"}, 403),
        ("PATCH", "/v1/co-governance/organisations/none-such", {"json": {"contact_name": ""}},
         {"admin", "street", "community"}, 403),
        ("GET", "/v1/audit", {}, {"admin"}, 403),
        ("GET", "/v1/reports/weekly", {}, AREA, 403),
        ("GET", "/v1/reports/weekly", {"params": {"scope": "county"}}, {"admin"}, 403),
        ("GET", "/v1/reports/weekly", {"params": {"scope": f"grid:{other}"}}, {"admin"}, 403),
        ("GET", "/v1/reports/weekly.html", {}, AREA, 403),
        ("GET", "/v1/reports/weekly.csv", {}, AREA, 403),
        ("GET", "/v1/cases.csv", {}, STAFF, 403),
        ("GET", "/v1/cases.xlsx", {"params": {"grid_id": other}}, STAFF, 403),
        ("POST", "/open311/v2/requests.json", {"data": {"service_code": "dispute.neighbor"}}, {"admin", "resident"}, 403),
    ]


def test_every_endpoint_refuses_every_role_it_should(client: httpx.Client, world: dict, output_dir) -> None:
    """Each role against each endpoint: the allowed get through (2xx, or 404/422 for bad input),
    the rest get the refusal with a reason. The matrix is written to role-matrix.md."""
    seen: list[tuple[str, int, int]] = []
    for row, (method, path, kwargs, allowed, refusal) in enumerate(matrix(world)):
        for role in ROLES:
            reply = client.request(method, path, headers=world["h"][role], **kwargs)
            seen.append((role, row, reply.status_code))
            if role in allowed:
                assert reply.status_code in (200, 404, 422), (role, method, path, reply.status_code, reply.text)
                if reply.status_code == 404:
                    assert "none-such" in path, (role, path, reply.text)
            else:
                assert reply.status_code == refusal, (role, method, path, reply.status_code, reply.text)
                assert reply.json()["detail"], (role, path)
    assert len(seen) == len(matrix(world)) * len(ROLES)
    codes = {(role, row): code for role, row, code in seen}
    lines = ["| endpoint | " + " | ".join(world["users"][r].split("-")[0] for r in ROLES) + " |",
             "| --- |" + " --- |" * len(ROLES)]
    for row, (method, path, kwargs, _, _) in enumerate(matrix(world)):
        query = "?" + "&".join(f"{k}={v}" for k, v in kwargs.get("params", {}).items()) if kwargs.get("params") else ""
        shown = f"{path}{query}".replace(world["grid"], "{own grid}").replace(world["other"], "{other street's grid}")
        lines.append(f"| `{method} {shown}` | " + " | ".join(str(codes[(r, row)]) for r in ROLES) + " |")
    (output_dir / "role-matrix.md").write_text("\n".join(lines) + "\n")
    # Without a token, every v1 endpoint is 401.
    for method, path, kwargs, _, _ in matrix(world):
        if path.startswith("/v1/"):
            assert client.request(method, path, **kwargs).status_code == 401, path


def test_feed_is_refused_to_residents_and_members(client: httpx.Client, world: dict) -> None:
    for role in ("member", "resident"):
        reply = client.get("/v1/feed/cases", headers=world["h"][role])
        assert reply.status_code == 403
    assert client.get("/v1/feed/cases").status_code == 401


def test_households_masked_unless_the_grids_own_staff_asks_and_each_read_audited(client: httpx.Client, world: dict) -> None:
    g, h = world["grid"], world["h"]
    before = client.get("/v1/audit", params={"who": world["users"]["sec"]}, headers=h["admin"]).json()["total"]
    masked = client.get(f"/v1/grids/{g}/households", params={"page_size": 5}, headers=h["community"]).json()
    assert masked["total"] > 0
    for item in masked["items"]:
        assert "*" in item["head_name"] and "****" in item["head_phone"] and "********" in item["head_id_number"]
    plain = client.get(f"/v1/grids/{g}/households", params={"page_size": 5, "purpose": "入户走访 home visit"},
                       headers=h["sec"]).json()
    assert [i["household_id"] for i in plain["items"]] == [i["household_id"] for i in masked["items"]]
    assert all("*" not in i["head_phone"] and len(i["head_id_number"]) == 18 for i in plain["items"])
    audit = client.get("/v1/audit", params={"who": world["users"]["sec"]}, headers=h["admin"]).json()
    assert audit["total"] == before + 1
    entry = audit["items"][0]
    assert entry["why"] == "入户走访 home visit" and g in entry["what"] and entry["records"] == 5
    assert entry["at"].endswith("+08:00") and entry["role"] == "secretary"
    # masked reads are not audited
    assert client.get("/v1/audit", params={"who": world["users"]["community"]}, headers=h["admin"]).json()["total"] == 0


def test_party_member_orders_and_hours(client: httpx.Client, world: dict) -> None:
    g, h, users = world["grid"], world["h"], world["users"]
    reg = client.post("/v1/party-members", json={"name": "李建国", "phone": "13805381234", "workplace": "宁阳县财政局",
                                                 "skills": ["维修"]}, headers=h["member"])
    assert reg.status_code == 201, reg.text
    assert reg.json()["grid_id"] == g and reg.json()["name"] == "李建国"
    assert client.get("/v1/party-members/me", headers=h["member"]).json()["member_id"] == users["member"]
    listed = client.get("/v1/party-members", params={"grid_id": g}, headers=h["admin"]).json()
    mine = next(m for m in listed["items"] if m["member_id"] == users["member"])
    assert mine["name"] == "李**" and mine["phone"] == "138****1234"

    order_id = f"SO-{uuid.uuid4().hex[:8]}"
    placed = client.post("/v1/service-orders", json={"id": order_id, "kind": "repair", "title": "厨房水龙头漏水",
                                                      "contact_name": "王秀兰", "contact_phone": "13905385678",
                                                      "address": "府前街99号"}, headers=h["resident"])
    assert placed.status_code == 201, placed.text
    assert placed.json()["status"] == "placed" and placed.json()["grid_id"] == g
    bad = client.post("/v1/service-orders", json={"kind": "teleport", "title": "", "contact_name": "x", "contact_phone": "1"},
                      headers=h["resident"])
    assert bad.status_code == 422
    assert {e["loc"][-1] for e in bad.json()["detail"]} == {"kind", "title", "contact_phone"}

    def act(role: str, **body) -> httpx.Response:
        return client.post(f"/v1/service-orders/{order_id}/actions", json=body, headers=h[role])

    assert act("member", action="take").status_code == 404  # not dispatched to them: not theirs to see
    assert act("worker", action="dispatch", member_id=users["member"]).status_code == 403
    assert act("sec", action="dispatch").status_code == 422
    assert act("sec", action="dispatch", member_id="member-nobody").status_code == 409
    dispatched = act("sec", action="dispatch", member_id=users["member"])
    assert dispatched.status_code == 200, dispatched.text
    assert dispatched.json()["contact_phone"] == "13905385678"  # the secretary calls the resident (audited)
    assert act("member", action="complete", hours=2).status_code == 409  # not taken yet
    assert act("member", action="take").status_code == 200
    assert act("resident", action="rate", rating=5).status_code == 409
    assert act("member", action="complete", hours=2.5).json()["status"] == "completed"
    rated = act("resident", action="rate", rating=5)
    assert rated.json()["status"] == "rated" and rated.json()["rating"] == 5
    assert [s["action"] for s in rated.json()["steps"]] == ["place", "dispatch", "take", "complete", "rate"]

    seen_by_admin = client.get(f"/v1/service-orders/{order_id}", headers=h["admin"]).json()
    assert seen_by_admin["contact_name"] == "王**" and seen_by_admin["contact_phone"] == "139****5678"
    assert client.get(f"/v1/service-orders/{order_id}", headers=login(client, f"sec-{world['other']}")).status_code == 404
    resident_orders = client.get("/v1/service-orders", headers=h["resident"]).json()
    assert order_id in [o["order_id"] for o in resident_orders["items"]]

    hours = client.get("/v1/service-hours", params={"grid_id": g}, headers=h["community"]).json()
    member = next(m for m in hours["members"] if m["member_id"] == users["member"])
    assert member["hours"] >= 2.5 and member["name"] == "李**"
    grid_row = next(r for r in hours["grids"] if r["grid_id"] == g)
    assert grid_row["hours"] >= 2.5 and grid_row["members"] >= 1
    audit = client.get("/v1/audit", params={"who": users["member"]}, headers=h["admin"]).json()
    assert audit["total"] >= 1 and "contact" in audit["items"][0]["what"]


def test_weekly_report_json_and_html(client: httpx.Client, world: dict) -> None:
    g, h = world["grid"], world["h"]
    event_id = f"zz-{uuid.uuid4().hex[:10]}"
    lon, lat = 116.8052, 35.7598
    assert client.post("/v1/departments/comprehensive_governance/events", json=event(event_id, lon, lat),
                       headers=h["admin"]).status_code == 202
    wait_fused(client, h["admin"], event_id)
    report = client.get("/v1/reports/weekly", params={"scope": f"grid:{g}"}, headers=h["sec"])
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["scope"] == f"grid:{g}" and body["start"].endswith("+08:00")
    assert body["events_total"] >= 1 and body["events_by_department"]["comprehensive_governance"] >= 1
    assert body["cases_opened"] >= 1 and [r["grid_id"] for r in body["grids"]] == [g]
    # patrol hours come from comprehensive governance's patrol logs (0 when nobody uploaded a track)
    assert body["patrol_hours"] is not None and body["grids"][0]["patrol_hours"] is not None
    county = client.get("/v1/reports/weekly", params={"scope": "county"}, headers=h["admin"]).json()
    assert len(county["grids"]) == 53 and [r["rank"] for r in county["grids"]] == [
        1 + sum(o["score"] > r["score"] for o in county["grids"]) for r in county["grids"]]  # ties share a rank
    assert county["events_total"] >= body["events_total"]
    # The one-kilometre service circle: the synthetic county's stations reach every household.
    assert county["service_circle"] == {"households": 40861, "outside": 0, "coverage": 1.0}
    assert 0 < body["service_circle"]["households"] < 40861
    street = client.get("/v1/reports/weekly", headers=h["street"]).json()
    assert street["scope"] == f"street:{world['props']['street_id']}"
    html = client.get("/v1/reports/weekly.html", params={"scope": "county"}, headers=h["admin"])
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "一公里服务圈覆盖" in html.text and "100" in html.text
    assert html.text.count("<svg") == 3 and "一周一报" in html.text
    bad = client.get("/v1/reports/weekly", params={"week": "2026-53"}, headers=h["admin"])
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "week"]
    assert client.get("/v1/reports/weekly", params={"scope": "grid:nope"}, headers=h["admin"]).status_code == 404
    assert client.get("/v1/reports/weekly", params={"week": "2020-W01"}, headers=h["admin"]).json()["events_total"] == 0


def test_open311_discovery_services_and_requests(client: httpx.Client, world: dict) -> None:
    h = world["h"]
    discovery = client.get("/open311/v2/discovery.json").json()
    assert discovery["endpoints"][0]["url"].endswith("/open311/v2")
    assert ET.fromstring(client.get("/open311/v2/discovery.xml").text).tag == "discovery"
    services = client.get("/open311/v2/services.json").json()
    assert "dispute.neighbor" in [s["service_code"] for s in services]
    xml = ET.fromstring(client.get("/open311/v2/services.xml").content)
    assert len(xml.findall("service")) == len(services)
    assert client.get("/open311/v2/services/dispute.neighbor.json").json()["service_code"] == "dispute.neighbor"
    assert client.get("/open311/v2/services/nothing.here.json").status_code == 404
    assert client.get("/open311/v2/services.yaml").status_code == 422

    token = h["resident"]["Authorization"].split()[1]
    assert client.post("/open311/v2/requests.json", data={"service_code": "dispute.neighbor"}).status_code == 401
    bad = client.post("/open311/v2/requests.json", data={"service_code": "x.y", "api_key": token})
    assert bad.status_code == 422
    assert {e["loc"][-1] for e in bad.json()["detail"]} == {"service_code", "lat", "description"}
    made = client.post("/open311/v2/requests.json", data={
        "api_key": token, "service_code": "environment.garbage", "lat": "35.7598", "long": "116.8052",
        "description": "小区门口垃圾多日未清运", "first_name": "秀兰", "phone": "13905385678"})
    assert made.status_code == 201, made.text
    request_id = made.json()[0]["service_request_id"]
    assert request_id.startswith("o311-")
    wait_fused(client, h["admin"], request_id)
    got = client.get(f"/open311/v2/requests/{request_id}.json", params={"api_key": token}).json()[0]
    assert got["status"] == "open" and got["service_code"] == "environment.garbage"
    assert "comprehensive_governance" in got["agency_responsible"]
    fused = client.get(f"/v1/events/{request_id}", headers=h["admin"]).json()
    case = client.get(f"/v1/cases/{fused['case_id']}", headers=h["admin"]).json()
    assert got["expected_datetime"] == case["due_at"] and got["lat"] == 35.7598
    as_xml = ET.fromstring(client.get(f"/open311/v2/requests/{request_id}.xml", headers=h["sec"]).content)
    assert as_xml.find("request/service_request_id").text == request_id
    assert client.get("/open311/v2/requests/o311-none.json", headers=h["sec"]).status_code == 404
    assert got["jurisdiction_id"] == "370921"
    # The reporter's contact is kept: masked for the county, whole for the grid's own staff (audited).
    assert (got["first_name"], got["phone"]) == ("秀*", "139****5678") and got["email"] is None
    as_sec = client.get(f"/open311/v2/requests/{request_id}.json", headers=h["sec"]).json()[0]
    if fused["grid_id"] == world["grid"]:
        assert (as_sec["first_name"], as_sec["phone"]) == ("秀兰", "13905385678")
    refused = client.post("/open311/v2/requests.json", data={
        "api_key": token, "service_code": "environment.garbage", "lat": "35.7598", "long": "116.8052",
        "description": "x", "email": "not-an-address", "media_url": "ftp://x"})
    assert refused.status_code == 422 and {e["loc"][-1] for e in refused.json()["detail"]} == {"email", "media_url"}
    assert client.get(f"/open311/v2/requests/{request_id}.json", params={"jurisdiction_id": "110000"},
                      headers=h["sec"]).status_code == 404

    # The list: by ids, by time, by status and service; each area's staff see their own grids'.
    listed = client.get("/open311/v2/requests.json", headers=h["admin"]).json()  # the last 90 days
    assert request_id in {r["service_request_id"] for r in listed}
    named = client.get("/open311/v2/requests.json", headers=h["admin"],
                       params={"service_request_id": f"{request_id},o311-none", "jurisdiction_id": "370921"}).json()
    assert [r["service_request_id"] for r in named] == [request_id]
    assert client.get("/open311/v2/requests.json", headers=h["admin"],
                      params={"service_request_id": request_id, "status": "closed"}).json() == []
    assert client.get("/open311/v2/requests.json", headers=h["admin"],
                      params={"service_request_id": request_id, "service_code": "dispute.neighbor"}).json() == []
    assert client.get("/open311/v2/requests.json", headers=h["admin"],
                      params={"start_date": "2000-01-01T00:00:00+08:00", "end_date": "2000-02-01T00:00:00+08:00"}
                      ).json() == []
    as_list = ET.fromstring(client.get("/open311/v2/requests.xml", headers=h["admin"],
                                       params={"service_request_id": request_id}).content)
    assert as_list.find("request/jurisdiction_id").text == "370921"
    other = client.get("/open311/v2/requests.json", headers=h["other_sec"] if "other_sec" in h else h["street"],
                       params={"service_request_id": request_id}).json()
    grid_of_request = fused["grid_id"]
    assert (other == []) == (not grid_of_request.startswith(world["props"]["street_id"]))
    assert client.get("/open311/v2/requests.json", params={"api_key": token}).status_code == 403
    assert client.get("/open311/v2/requests.json", headers=h["admin"],
                      params={"start_date": "yesterday"}).status_code == 422


async def test_live_feed_delivers_case_changes_in_scope_only(platform: LocalPlatform, world: dict) -> None:
    h = world["h"]
    other_sec = await asyncio.to_thread(login, httpx.Client(base_url=platform.gateway_url, timeout=30), f"sec-{world['other']}")

    async def first_case(headers: dict, ready: asyncio.Event) -> dict:
        async with (httpx.AsyncClient(base_url=platform.gateway_url, timeout=None) as ac,
                    ac.stream("GET", "/v1/feed/cases", headers=headers) as stream):
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            name = ""
            async for line in stream.aiter_lines():
                if line.startswith("event:"):
                    name = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and name == "ready":
                    ready.set()
                elif line.startswith("data:") and name not in ("ready", ""):
                    return {"change": name, **json.loads(line[5:])}
        raise AssertionError("feed ended")

    ready_mine, ready_other = asyncio.Event(), asyncio.Event()
    mine = asyncio.create_task(first_case(h["sec"], ready_mine))
    theirs = asyncio.create_task(first_case(other_sec, ready_other))
    await asyncio.wait_for(asyncio.gather(ready_mine.wait(), ready_other.wait()), 20)
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=30) as ac:
        here = f"feed-{uuid.uuid4().hex[:8]}"
        reply = await ac.post("/v1/departments/comprehensive_governance/events",
                              json=event(here, 116.8052, 35.7598, f"独居老人家中燃气异味 {here}") | {"category": "safety_hazard.gas"},
                              headers=h["admin"])
        assert reply.status_code == 202
        got = await asyncio.wait_for(mine, 30)
        assert got["grid_id"] == world["grid"] and f"comprehensive_governance:{here}" in got["event_ids"]
        assert got["change"] == "opened"
        there = f"feed-{uuid.uuid4().hex[:8]}"
        lon, lat = world["other_point"]
        reply = await ac.post("/v1/departments/comprehensive_governance/events",
                              json=event(there, lon, lat, f"路灯损坏 {there}") | {"category": "safety_hazard.traffic"},
                              headers=h["admin"])
        assert reply.status_code == 202
        got_other = await asyncio.wait_for(theirs, 30)
        # the other grid's secretary never saw the first grid's case: its first change is its own
        assert got_other["grid_id"] == world["other"] and f"comprehensive_governance:{there}" in got_other["event_ids"]


def test_openapi_lists_the_whole_contract(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    assert {"/v1/auth/token", "/v1/grids", "/v1/grids/{grid_id}", "/v1/grids/{grid_id}/households", "/v1/locate",
            "/v1/departments", "/v1/departments/{department}/events", "/v1/departments/{department}/events:batch",
            "/v1/events/{event_id}", "/v1/departments/{department}/events/{event_id}", "/v1/cases", "/v1/cases/{case_id}", "/v1/reports/weekly", "/v1/reports/weekly.html",
            "/v1/party-members", "/v1/party-members/register", "/v1/volunteer-teams", "/v1/party/organisations", "/v1/party/organisations/{org_id}/posts", "/v1/grids/{grid_id}/contacts", "/v1/co-governance/organisations", "/v1/stations", "/v1/service-circle/gaps", "/v1/activities", "/v1/reports/weekly/submissions", "/v1/bulletins", "/v1/meetings", "/v1/meetings/{meeting_id}/minutes", "/v1/meetings/decisions", "/v1/assessments", "/v1/service-orders", "/v1/service-orders/{order_id}/actions", "/v1/service-hours",
            "/v1/audit", "/v1/feed/cases", "/open311/v2/discovery.{fmt}", "/open311/v2/services.{fmt}",
            "/open311/v2/requests.{fmt}", "/open311/v2/requests/{service_request_id}.{fmt}", "/healthz", "/readyz"} <= paths
    weekly = spec["paths"]["/v1/reports/weekly"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert weekly["$ref"].endswith("/WeeklyReport")
    assert client.get("/docs").status_code == 200
    assert client.get("/", follow_redirects=True).status_code == 200
