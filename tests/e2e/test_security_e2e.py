"""The security findings, each attack made against the running platform (gateway, fusion, the
department services, the database) and refused. One file, so the platform starts once."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import grpc
import httpx
import jwt
import pytest
from gridfusion.departments.v1 import departments_pb2 as dpb
from gridfusion.departments.v1 import departments_pb2_grpc
from gridfusion.fusion.v1 import fusion_pb2 as fpb
from gridfusion.fusion.v1 import fusion_pb2_grpc

from gateway.headers import DASHBOARD, REPORT
from services.local import LocalPlatform, free_port
from services.reference import build_county

pytestmark = pytest.mark.e2e

COUNTY = build_county()
PHONE, ID_NUMBER = "13805381234", "370921198507153218"


@pytest.fixture(scope="module")
def client(platform: LocalPlatform):
    with httpx.Client(base_url=platform.gateway_url, timeout=60) as c:
        yield c


_tokens: dict[str, str] = {}


def token(client: httpx.Client, username: str) -> str:
    if username not in _tokens:
        reply = client.post("/v1/auth/token", data={"username": username, "password": "demo"})
        assert reply.status_code == 200, reply.text
        _tokens[username] = reply.json()["access_token"]
    return _tokens[username]


def auth(client: httpx.Client, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(client, username)}"}


def point_in(grid_index: int) -> tuple[str, dict[str, float]]:
    grid = COUNTY.grids[grid_index]
    p = COUNTY.grid_polygons[grid.grid_id].representative_point()
    return grid.grid_id, {"lon": p.x, "lat": p.y}


def report(client: httpx.Client, department: str, grid_index: int, summary: str, *,
           category: str = "dispute.neighbor") -> tuple[str, str]:
    """One event of ``department`` in a grid; (case id, grid id) once fused."""
    grid_id, location = point_in(grid_index)
    event_id = f"sec-{uuid.uuid4().hex[:12]}"
    body = {"id": event_id, "type": "incident.reported", "time": datetime.now(ZoneInfo("Asia/Shanghai")).isoformat(),
            "category": category, "summary": summary, "severity": "medium", "subject_id": f"P-{event_id}",
            "location": location}
    reply = client.post(f"/v1/departments/{department}/events", json=body, headers=auth(client, f"dept-{department}"))
    assert reply.status_code == 202, reply.text
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = client.get(f"/v1/events/{event_id}", headers=auth(client, "admin"))
        if status.status_code == 200 and status.json()["status"] == "fused":
            assert status.json()["grid_id"] == grid_id
            return status.json()["case_id"], grid_id
        time.sleep(0.25)
    raise AssertionError(f"event {event_id} not fused in time")


def act(client: httpx.Client, who: str, case_id: str, **body) -> dict:
    reply = client.post(f"/v1/cases/{case_id}/actions", json=body, headers=auth(client, who))
    assert reply.status_code == 200, (body, reply.text)
    return reply.json()


def hand_over(client: httpx.Client, case_id: str, department: str) -> None:
    """The county moves a case to a department: grid → community → street, judged, handed over."""
    act(client, "admin", case_id, action="escalate", note="上报社区")
    act(client, "admin", case_id, action="escalate", note="上报街道")
    act(client, "admin", case_id, action="assess", risk_level="medium", note="研判")
    handed = act(client, "admin", case_id, action="hand_over", department=department, note="移交办理")
    assert (handed["status"], handed["level"], handed["handed_to"]) == ("handed_over", "department", department)


def metadata(platform: LocalPlatform, holder: str):
    """The credential a department system calls its department service with (none where the
    platform asks for none)."""
    return platform.grpc_metadata(holder) if hasattr(platform, "grpc_metadata") else ()


def forge(platform: LocalPlatform, real: str, **changes) -> str:
    """The claims of a real token (its session still open), changed, signed with the gateway's key."""
    key = (platform.home / "gateway" / "jwt.key").read_text().strip()
    claims = jwt.decode(real, options={"verify_signature": False})
    claims.update(changes)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, key, algorithm="HS256")


# --- finding 6 -------------------------------------------------------------------------------

def test_finding_6_a_token_with_a_role_but_an_empty_scope_is_refused_by_the_gateway(
        platform: LocalPlatform, client: httpx.Client) -> None:
    report(client, "petition", 3, "楼道堆放杂物，邻里发生争执")
    grid = COUNTY.grids[3]
    attacks = {
        f"sec-{grid.grid_id}": {"grid_id": "", "community_id": "", "street_id": ""},
        f"worker-{grid.grid_id}": {"grid_id": ""},
        f"community-{grid.community_id}": {"community_id": ""},
        f"street-{grid.street_id}": {"street_id": ""},
        "dept-petition": {"department": ""},
        f"resident-{grid.grid_id}": {"grid_id": ""},
    }
    for username, emptied in attacks.items():
        real = token(client, username)
        # The forging is right: the same claims re-signed are accepted.
        same = client.get("/v1/auth/me", headers={"Authorization": f"Bearer {forge(platform, real)}"})
        assert same.status_code == 200, (username, same.text)
        forged = {"Authorization": f"Bearer {forge(platform, real, **emptied)}"}
        for path in ("/v1/cases", "/v1/auth/me", "/v1/service-orders"):
            refused = client.get(path, headers=forged)
            assert refused.status_code == 401, (username, path, refused.text)
            assert "does not fit its role" in refused.json()["detail"], refused.text
    # A county token may narrow: it then sees that street only.
    street = grid.street_id
    narrowed = {"Authorization": f"Bearer {forge(platform, token(client, 'admin'), street_id=street)}"}
    listed = client.get("/v1/cases", params={"page_size": 200}, headers=narrowed)
    assert listed.status_code == 200 and listed.json()["items"]
    assert {c["street_id"] for c in listed.json()["items"]} == {street}


def test_finding_6_fusion_refuses_a_scope_without_a_role_or_a_place(platform: LocalPlatform, client: httpx.Client) -> None:
    case_id, grid_id = report(client, "petition", 4, "小区门口占道经营，居民反映")

    async def ask() -> None:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{platform.ports.fusion}") as channel:
            stub = fusion_pb2_grpc.FusionServiceStub(channel)
            empty = [
                (fpb.Scope(), grpc.StatusCode.INVALID_ARGUMENT),
                (fpb.Scope(role="secretary"), grpc.StatusCode.INVALID_ARGUMENT),
                (fpb.Scope(role="department"), grpc.StatusCode.INVALID_ARGUMENT),
                (fpb.Scope(role="street", community_id="x"), grpc.StatusCode.INVALID_ARGUMENT),
                (fpb.Scope(role="resident", grid_id=grid_id), grpc.StatusCode.PERMISSION_DENIED),
            ]
            for scope, code in empty:
                for call in (stub.ListCases(fpb.ListCasesRequest(scope=scope), timeout=10),
                             stub.GetCase(fpb.GetCaseRequest(case_id=case_id, scope=scope), timeout=10)):
                    with pytest.raises(grpc.aio.AioRpcError) as refused:
                        await call
                    assert refused.value.code() == code, (scope, refused.value)
            # Only the county sees every case; a grid's staff see their grid's.
            everything = await stub.ListCases(fpb.ListCasesRequest(scope=fpb.Scope(role="county"), page_size=200))
            assert everything.total >= 1
            mine = await stub.ListCases(fpb.ListCasesRequest(scope=fpb.Scope(role="secretary", grid_id=grid_id)))
            assert case_id in [c.case_id for c in mine.items] and {c.grid_id for c in mine.items} == {grid_id}

    asyncio.run(ask())


# --- finding 8 -------------------------------------------------------------------------------

def raw_post(port: int, path: str, headers: dict[str, str], parts: Iterable[bytes]) -> tuple[int, dict]:
    """POST by hand: the head, then ``parts`` as they are (the caller frames them), then the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        sock.sendall((head + "\r\n").encode())
        try:
            for part in parts:
                sock.sendall(part)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused mid-way: the answer is already there to read
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            assert chunk, data
            data += chunk
        head_bytes, _, body = data.partition(b"\r\n\r\n")
        lines = head_bytes.decode().split("\r\n")
        fields = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        while len(body) < int(fields.get("content-length", 0)):
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
        return int(lines[0].split()[1]), json.loads(body)


def test_finding_8_a_huge_body_without_a_token_is_refused_before_it_is_read(platform: LocalPlatform,
                                                                             client: httpx.Client) -> None:
    port = platform.ports.gateway
    # 300 MB announced: answered at once, without reading a byte of it.
    started = time.monotonic()
    code, body = raw_post(port, "/v1/departments/petition/events",
                          {"Content-Type": "application/json", "Content-Length": str(300 * 1024 * 1024)}, [b"{"])
    assert code == 413 and "at most 1 MB" in body["detail"], body
    assert time.monotonic() - started < 10
    # Chunked, no length: counted as it streams, refused past 1 MB (4 MB offered).
    chunk = b"x" * 65536
    framed = [b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(64)]
    for path in ("/v1/departments/petition/events", "/v1/auth/refresh", "/v1/departments/petition/events:batch"):
        code, body = raw_post(port, path, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}, framed)
        assert code == 413 and "at most 1 MB" in body["detail"], (path, body)
    # A form is bounded sooner still, field by field, as it is parsed.
    for path in ("/open311/v2/requests.json", "/v1/auth/token"):
        code, body = raw_post(port, path, {"Content-Type": "application/x-www-form-urlencoded",
                                           "Transfer-Encoding": "chunked"}, framed)
        assert code == 400 and "maximum size of 64KB" in body["detail"], (path, body)
    # Multipart: files only where a route takes them, one for an attachment or Open311's photo (more: the
    # reference import).
    form = client.post("/open311/v2/requests.json", data={"service_code": "dispute.neighbor"},
                       files=[("media", ("a.jpg", b"x" * 1000, "image/jpeg")), ("media", ("b.jpg", b"y", "image/jpeg"))])
    assert form.status_code == 400 and "files" in form.json()["detail"].lower(), form.text
    # The larger limit of a batch needs a signed token: 3 MB of events, answered event by event.
    batch = {"events": [{"id": f"big-{i}", "summary": "很长的描述" * 800, "category": "nonsense"} for i in range(250)]}
    assert len(json.dumps(batch, ensure_ascii=False).encode()) > 2 * 1024 * 1024
    unsigned = client.post("/v1/departments/petition/events:batch", json=batch)
    assert unsigned.status_code == 413 and "32 MB with one" in unsigned.json()["detail"]
    signed = client.post("/v1/departments/petition/events:batch", json=batch, headers=auth(client, "dept-petition"))
    assert signed.status_code == 200 and signed.json()["invalid"] == 250, signed.text[:300]
    assert client.get("/healthz").status_code == 200
    assert platform.procs["gateway"].poll() is None  # still running


# --- finding 9 -------------------------------------------------------------------------------

def test_finding_9_phone_and_id_numbers_in_free_text_and_member_names_are_masked(client: httpx.Client) -> None:
    summary = f"居民张某反映邻居噪音扰民，联系电话{PHONE}，身份证号{ID_NUMBER}"
    case_id, grid_id = report(client, "petition", 6, summary, category="environment.noise")
    grid = COUNTY.grids[6]
    staff, outsiders = f"sec-{grid.grid_id}", (f"community-{grid.community_id}", "admin")
    act(client, staff, case_id, action="accept", note=f"已电话联系 {PHONE}")
    for who in outsiders:
        detail = client.get(f"/v1/cases/{case_id}", headers=auth(client, who)).json()
        text = json.dumps(detail, ensure_ascii=False)
        assert PHONE not in text and ID_NUMBER not in text, who
        assert "138****1234" in detail["summary"] and "370921********3218" in detail["summary"]
        assert "138****1234" in detail["timeline"][-1]["note"]
        listed = client.get("/v1/cases", params={"grid_id": grid_id, "page_size": 200}, headers=auth(client, who)).json()
        assert PHONE not in json.dumps(listed, ensure_ascii=False)
    before = client.get("/v1/audit", params={"who": staff}, headers=auth(client, "admin")).json()["total"]
    plain = client.get(f"/v1/cases/{case_id}", params={"purpose": "回访"}, headers=auth(client, staff)).json()
    assert plain["summary"] == summary and plain["events"][0]["summary"] == summary
    audit = client.get("/v1/audit", params={"who": staff}, headers=auth(client, "admin")).json()
    assert audit["total"] == before + 1 and case_id in audit["items"][0]["what"] and audit["items"][0]["why"] == "回访"

    # Open311: a description is masked for everyone but the grid's own staff.
    resident = auth(client, f"resident-{grid.grid_id}")
    _, location = point_in(6)
    submitted = client.post("/open311/v2/requests.json", headers=resident, data={
        "service_code": "environment.noise", "description": f"夜间施工噪音，请回电 {PHONE}",
        "lat": str(location["lat"]), "long": str(location["lon"])})
    assert submitted.status_code == 201, submitted.text
    request_id = submitted.json()[0]["service_request_id"]
    other_resident = auth(client, f"resident-{COUNTY.grids[20].grid_id}")
    seen = client.get(f"/open311/v2/requests/{request_id}.json", headers=other_resident).json()[0]
    assert PHONE not in seen["description"] and "138****1234" in seen["description"]
    deadline = time.monotonic() + 60
    while client.get(f"/v1/events/{request_id}", headers=auth(client, "admin")).json().get("status") != "fused":
        assert time.monotonic() < deadline
        time.sleep(0.25)
    by_staff = client.get(f"/open311/v2/requests/{request_id}.json", headers=auth(client, staff)).json()[0]
    assert PHONE in by_staff["description"]

    # Service orders: the serving member's name masked as /party-members masks it.
    member, sec = f"member-{grid.grid_id}", staff
    registered = client.post("/v1/party-members", headers=auth(client, member),
                             json={"name": "欧阳建国", "phone": "13905380000", "workplace": "县财政局"})
    assert registered.status_code == 201, registered.text
    order_id = f"SO-{uuid.uuid4().hex[:8]}"
    placed = client.post("/v1/service-orders", headers=resident, json={
        "id": order_id, "kind": "repair", "title": "水管漏水", "description": f"白天联系 {PHONE}",
        "contact_name": "王秀兰", "contact_phone": "13905385678"})
    assert placed.status_code == 201, placed.text
    dispatched = client.post(f"/v1/service-orders/{order_id}/actions", json={"action": "dispatch", "member_id": member},
                             headers=auth(client, sec))
    assert dispatched.status_code == 200 and dispatched.json()["member_name"] == "欧阳建国"
    for who, name in ((f"resident-{grid.grid_id}", "欧***"), ("admin", "欧***"), (member, "欧阳建国")):
        order = client.get(f"/v1/service-orders/{order_id}", headers=auth(client, who)).json()
        assert order["member_name"] == name, (who, order)
    assert PHONE not in client.get(f"/v1/service-orders/{order_id}", headers=auth(client, "admin")).json()["description"]


# --- finding 10 ------------------------------------------------------------------------------

def test_finding_10_a_department_sees_a_case_only_while_it_is_handed_to_it(client: httpx.Client) -> None:
    case_id, _ = report(client, "petition", 9, "物业长期不维修电梯，业主多次来访", category="property_management.service_quality")
    petition, legal_aid = auth(client, "dept-petition"), auth(client, "dept-legal_aid")

    def listed(headers: dict[str, str], **params) -> list[str]:
        reply = client.get("/v1/cases", params={"page_size": 200, **params}, headers=headers)
        assert reply.status_code == 200, reply.text
        return [c["case_id"] for c in reply.json()["items"]]

    # The department that only contributed an event does not see the case.
    assert client.get(f"/v1/cases/{case_id}", headers=petition).status_code == 404
    assert case_id not in listed(petition)
    assert client.get(f"/v1/cases/{case_id}", headers=legal_aid).status_code == 404
    hand_over(client, case_id, "legal_aid")
    # Handed to legal aid: legal aid sees it — but not petition's summary — and petition still does not.
    seen = client.get(f"/v1/cases/{case_id}", headers=legal_aid)
    assert seen.status_code == 200 and seen.json()["events"][0]["summary"] is None
    assert case_id in listed(legal_aid) and case_id in listed(legal_aid, status="open")
    assert client.get(f"/v1/cases/{case_id}", headers=petition).status_code == 404
    assert case_id not in listed(petition)
    # Its result reported, the case is back at the street: out of legal aid's sight.
    back = act(client, "dept-legal_aid", case_id, action="report_result", result="已提供法律咨询，建议业主委员会起诉")
    assert (back["status"], back["level"]) == ("result_reported", "street")
    assert client.get(f"/v1/cases/{case_id}", headers=legal_aid).status_code == 404
    assert case_id not in listed(legal_aid) and case_id not in listed(legal_aid, status="result_reported")
    refused = client.post(f"/v1/cases/{case_id}/actions", json={"action": "report_result", "result": "再次反馈"},
                          headers=legal_aid)
    assert refused.status_code == 404
    # Handed over again, it is in sight again.
    act(client, "admin", case_id, action="hand_over", department="legal_aid", note="请继续办理")
    assert client.get(f"/v1/cases/{case_id}", headers=legal_aid).status_code == 200


# --- finding 11 ------------------------------------------------------------------------------

def test_finding_11_open311_xml_survives_control_characters(client: httpx.Client) -> None:
    resident = auth(client, f"resident-{COUNTY.grids[12].grid_id}")
    _, location = point_in(12)
    description = "路灯不亮\x01\x02，井盖\x0b缺失\x1f"
    submitted = client.post("/open311/v2/requests.xml", headers=resident, data={
        "service_code": "safety_hazard.traffic", "description": description,
        "lat": str(location["lat"]), "long": str(location["lon"])})
    assert submitted.status_code == 201, submitted.text
    request_id = ET.fromstring(submitted.text).find("request/service_request_id").text
    reply = client.get(f"/open311/v2/requests/{request_id}.xml", headers=resident)
    assert reply.status_code == 200
    parsed = ET.fromstring(reply.text)
    assert parsed.find("request/description").text == "路灯不亮，井盖缺失"


def test_finding_11_the_weekly_report_and_the_dashboard_carry_security_headers(client: httpx.Client) -> None:
    dashboard = client.get("/dashboard/")
    assert dashboard.headers["content-security-policy"] == DASHBOARD
    assert 'sandbox="allow-same-origin allow-modals"' in dashboard.text
    report_page = client.get("/v1/reports/weekly.html", params={"scope": "county"}, headers=auth(client, "admin"))
    assert report_page.status_code == 200 and report_page.headers["content-security-policy"] == REPORT
    assert "<script" not in report_page.text and "onclick" not in report_page.text
    for reply in (dashboard, report_page, client.get("/v1/cases"), client.get("/healthz"),
                  client.get("/open311/v2/services.xml")):
        assert reply.headers["x-content-type-options"] == "nosniff"
        assert reply.headers["referrer-policy"] == "no-referrer"
        assert reply.headers["x-frame-options"] == "SAMEORIGIN"
        assert "frame-ancestors 'self'" in reply.headers["content-security-policy"]


def test_finding_11_a_short_jwt_key_stops_the_gateway_at_start_up(platform: LocalPlatform) -> None:
    env = {**os.environ, "GATEWAY_JWT_KEY": "too-short", "GATEWAY_LOCAL_MODE": "true",
           "GATEWAY_HTTP_PORT": str(free_port()), "MONGODB_URI": platform.mongodb_uri}
    done = subprocess.run([sys.executable, "-m", "services.cli", "serve", "gateway"], env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode != 0
    assert "GATEWAY_JWT_KEY must be at least 32 bytes" in done.stderr + done.stdout


def test_finding_11_a_results_actor_cannot_pass_for_the_deadline_keeper(platform: LocalPlatform,
                                                                        client: httpx.Client) -> None:
    case_id, grid_id = report(client, "petition", 15, "拖欠农民工工资，多人集体来访", category="dispute.wage_arrears")
    hand_over(client, case_id, "legal_aid")

    async def department_system() -> None:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{platform.ports.departments['legal_aid']}") as channel:
            stub = departments_pb2_grpc.DepartmentServiceStub(channel)
            reply = await stub.ReportResult(dpb.ReportResultRequest(
                case_id=case_id, result="已提供法律援助", actor="fusion:deadline", result_id=f"r-{case_id}"),
                timeout=10, metadata=metadata(platform, "legal_aid"))
            assert reply.accepted

    asyncio.run(department_system())
    deadline = time.monotonic() + 60
    while (case := client.get(f"/v1/cases/{case_id}", headers=auth(client, "admin")).json())["status"] != "result_reported":
        assert time.monotonic() < deadline, case
        time.sleep(0.25)
    entry = next(t for t in case["timeline"] if t["action"] == "report_result")
    assert entry["actor"] == "dept-legal_aid" and entry["role"] == "department"
    weekly = client.get("/v1/reports/weekly", params={"scope": f"grid:{grid_id}"}, headers=auth(client, "admin")).json()
    assert weekly["grids"][0]["overdue"] == 0 and weekly["overdue"] == 0


def test_finding_11_a_number_too_large_in_details_is_a_422_naming_the_field(client: httpx.Client) -> None:
    _, location = point_in(2)
    huge = "1" + "0" * 400  # 10**400: JSON allows it, a double (protobuf Struct) does not
    raw = (f'{{"id": "huge-{uuid.uuid4().hex[:8]}", "type": "incident.reported", "time": "2026-11-27T09:30:00+08:00", '
           f'"category": "other.general", "summary": "x", "location": {json.dumps(location)}, '
           f'"details": {{"amount": {huge}}}}}')
    headers = {**auth(client, "dept-petition"), "Content-Type": "application/json"}
    reply = client.post("/v1/departments/petition/events", content=raw.encode(), headers=headers)
    assert reply.status_code == 422, reply.text
    error = reply.json()["detail"][0]
    assert error["loc"] == ["body", "details"] and "details.amount" in error["msg"]
    batch = client.post("/v1/departments/petition/events:batch", content=f'{{"events": [{raw}]}}'.encode(),
                        headers=headers)
    assert batch.status_code == 200 and batch.json()["results"][0]["status"] == "invalid"
    assert "details.amount" in json.dumps(batch.json()["results"][0]["errors"])


def test_finding_11_a_grid_worker_uploads_only_its_own_patrol_track(client: httpx.Client) -> None:
    index, grid = next((i, g) for i, g in enumerate(COUNTY.grids) if len(g.grid_workers) >= 2)
    mine, colleague = (w.person_id for w in grid.grid_workers[:2])
    inside = COUNTY.grid_polygons[grid.grid_id].representative_point()
    start = datetime(2026, 11, 24, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    points = [{"time": (start + timedelta(minutes=5 * i)).isoformat(), "lon": inside.x, "lat": inside.y}
              for i in range(10)]
    url = "/v1/departments/comprehensive_governance/patrol-logs"

    def upload(who: str, worker_id: str) -> httpx.Response:
        return client.post(url, json={"log_id": f"xc-{uuid.uuid4().hex}", "worker_id": worker_id, "points": points},
                           headers=auth(client, who))

    worker = f"worker-{grid.grid_id}"
    assert client.get(f"/v1/accounts/{worker}", headers=auth(client, "admin")).json()["worker_id"] == mine
    forged = upload(worker, colleague)
    assert forged.status_code == 403 and "its own patrol track" in forged.json()["detail"], forged.text
    assert upload(worker, mine).status_code == 202
    assert upload(f"sec-{grid.grid_id}", colleague).status_code == 202  # the secretary, for its grid's workers
    other = COUNTY.grids[(index + 1) % len(COUNTY.grids)]
    assert upload(f"worker-{other.grid_id}", mine).status_code == 403
    assert upload(f"sec-{other.grid_id}", mine).status_code == 422  # not a worker of the secretary's grid


def test_finding_11_an_open311_api_key_is_taken_from_the_header_first_and_never_logged(
        platform: LocalPlatform, client: httpx.Client) -> None:
    resident = f"resident-{COUNTY.grids[18].grid_id}"
    _, location = point_in(18)
    secret = token(client, resident)
    submitted = client.post("/open311/v2/requests.json", data={
        "service_code": "environment.garbage", "description": "垃圾清运不及时", "api_key": secret,
        "lat": str(location["lat"]), "long": str(location["lon"])})
    assert submitted.status_code == 201, submitted.text
    request_id = submitted.json()[0]["service_request_id"]
    url = f"/open311/v2/requests/{request_id}.json"
    assert client.get(url, params={"api_key": secret}).status_code == 200
    assert client.get(url, headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    # The header wins over a bad key in the query.
    assert client.get(url, params={"api_key": "not-a-token"}, headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert client.get(url, params={"api_key": "not-a-token"}).status_code == 401
    log = (platform.home / "logs" / "gateway.log").read_text(errors="replace")
    assert secret not in log and secret.split(".")[2] not in log


def test_text_with_a_lone_surrogate_is_a_422_wherever_it_goes(client: httpx.Client) -> None:
    """``"\\ud800"`` is valid JSON but not Unicode that UTF-8 (and so protobuf) can carry: each route
    that passes text on answers 422, never 500."""
    _, location = point_in(2)
    event = (f'{{"id": "sur-{uuid.uuid4().hex[:8]}", "type": "incident.reported", "time": "2026-11-27T09:30:00+08:00", '
             f'"category": "other.general", "summary": "a\\ud800b", "location": {json.dumps(location)}}}')
    headers = {**auth(client, "dept-petition"), "Content-Type": "application/json"}
    reply = client.post("/v1/departments/petition/events", content=event.encode(), headers=headers)
    assert reply.status_code == 422, reply.text
    admin = {**auth(client, "admin"), "Content-Type": "application/json"}
    task = ('{"title": "\\udfff消防检查", "instructions": "x", "area": "county", "items_from": "single", '
            '"due_at": "2027-01-01T00:00:00+08:00"}')
    reply = client.post("/v1/tasks", content=task.encode(), headers=admin)
    assert reply.status_code == 422 and reply.json()["detail"][0]["loc"] == ["body", "title"], reply.text
    # A surrogate's bytes in a query string (not UTF-8) are read as replacement characters.
    reply = client.get("/v1/cases?category=a%ED%BF%BF", headers=auth(client, "admin"))
    assert reply.status_code == 200 and reply.json()["items"] == [], reply.text
