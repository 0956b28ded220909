"""All five departments through the gateway: every event accepted, every one fused; bad input
named field by field; a malformed event on the stream dead-lettered with its reason."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import grpc
import httpx
import pytest
from gridfusion.departments.v1 import departments_pb2 as pb
from gridfusion.departments.v1 import departments_pb2_grpc as pb_grpc
from gridfusion.events.v1 import events_pb2

from services.local import LocalPlatform
from services.platform import bus
from services.reference import build_county

pytestmark = pytest.mark.e2e


def token(client: httpx.Client, username: str) -> dict[str, str]:
    reply = client.post("/v1/auth/token", data={"username": username, "password": "demo"})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


@pytest.fixture(scope="module")
def client(platform: LocalPlatform):
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as c:
        yield c


def wait_settled(client: httpx.Client, headers: dict, event_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    body: dict = {}
    while time.monotonic() < deadline:
        reply = client.get(f"/v1/events/{event_id}", headers=headers)
        if reply.status_code == 200:
            body = reply.json()
            if body["status"] != "pending":
                return body
        time.sleep(0.25)
    raise AssertionError(f"event {event_id} not settled within {timeout} s: {body}")


def sample_events() -> dict[str, tuple[dict, str]]:
    """One native event per department, with the grid it must land in."""
    county = build_county()
    grids = county.grids
    point = {g.grid_id: county.grid_polygons[g.grid_id].representative_point() for g in grids}
    household = county.households[777]
    run = uuid.uuid4().hex[:8]

    def at(grid_index: int) -> tuple[dict, str]:
        grid = grids[grid_index]
        return {"lon": point[grid.grid_id].x, "lat": point[grid.grid_id].y}, grid.grid_id

    out: dict[str, tuple[dict, str]] = {}
    loc, grid_id = at(5)
    out["comprehensive_governance"] = ({
        "id": f"zz-{run}", "type": "governance.hazard", "time": "2026-11-27T08:10:00+08:00",
        "category": "safety_hazard.fire", "summary": "楼道堆放电动车电池，存在火灾隐患", "severity": "high",
        "location": loc, "details": {"hazard_level": "major"},
    }, grid_id)
    loc, grid_id = at(12)
    out["petition"] = ({
        "id": f"xf-{run}", "type": "petition.visit", "time": "2026-11-27T09:30:00+08:00",
        "category": "property_management.service_quality", "summary": "物业长期不维修电梯，业主多次反映",
        "subject_id": f"P-{run}", "location": loc, "details": {"channel": "visit", "people_count": 2},
    }, grid_id)
    out["legal_aid"] = ({
        "id": f"fy-{run}", "type": "legal_aid.consultation", "time": "2026-11-27T10:00:00+08:00",
        "category": "legal_service.consultation", "summary": "咨询拖欠工资如何维权",
        "location": {"household_id": household.household_id}, "details": {"topic": "labour"},
    }, household.grid_id)
    loc, grid_id = at(30)
    out["police_assistant"] = ({
        "id": f"jw-{run}", "type": "police.incident", "time": "2026-11-27T11:45:00+08:00",
        "category": "public_order.theft", "summary": "小区车棚电动车被盗", "location": loc,
        "details": {"source": "110", "alarm_no": f"J{run}"},
    }, grid_id)
    elderly = county.households[31337]
    out["civil_affairs"] = ({
        "id": f"mz-{run}", "type": "civil.assistance", "time": "2026-11-27T14:00:00+08:00",
        "category": "livelihood.elderly_care", "summary": "独居老人申请居家养老服务",
        "location": {"address": elderly.address}, "details": {"household_id": elderly.household_id},
    }, elderly.grid_id)
    return out


def test_events_of_all_five_departments_are_fused(client: httpx.Client) -> None:
    admin = token(client, "admin")
    described = client.get("/v1/departments", headers=admin)
    assert described.status_code == 200, described.text
    assert {d["department"] for d in described.json()} == set(sample_events())

    events = sample_events()
    for department, (body, _) in events.items():
        dept = token(client, f"dept-{department}")
        reply = client.post(f"/v1/departments/{department}/events", json=body, headers=dept)
        assert reply.status_code == 202, (department, reply.text)
        assert reply.json() == {"event_id": body["id"], "status": "accepted"}
        again = client.post(f"/v1/departments/{department}/events", json=body, headers=dept)
        assert again.status_code == 200 and again.json()["status"] == "duplicate"
    for department, (body, grid_id) in events.items():
        fused = wait_settled(client, admin, body["id"])
        assert fused["status"] == "fused", (department, fused)
        assert fused["grid_id"] == grid_id, department
        assert fused["department"] == department


def test_a_batch_is_answered_event_by_event(client: httpx.Client) -> None:
    dept = token(client, "dept-civil_affairs")
    household = build_county().households[100]
    run = uuid.uuid4().hex[:8]
    good = {"id": f"mz-b1-{run}", "type": "civil.assistance", "time": "2026-11-27T09:00:00+08:00",
            "category": "livelihood.subsistence_allowance", "summary": "低保年审",
            "location": {"household_id": household.household_id}}
    no_household = {**good, "id": f"mz-b2-{run}", "location": {"lon": 116.80, "lat": 35.75}}
    malformed = {**good, "id": f"mz-b3-{run}", "time": "yesterday", "location": {"lon": 300, "lat": 35.75}}
    batch = {"events": [good, no_household, malformed]}
    reply = client.post("/v1/departments/civil_affairs/events:batch", json=batch, headers=dept)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert [r["status"] for r in body["results"]] == ["accepted", "invalid", "invalid"]
    assert (body["accepted"], body["duplicate"], body["invalid"]) == (1, 0, 2)
    assert [e["loc"] for e in body["results"][1]["errors"]] == [["details", "household_id"]]
    bad_locs = {tuple(e["loc"]) for e in body["results"][2]["errors"]}
    assert ("time",) in bad_locs and any(loc[0] == "location" for loc in bad_locs)
    again = client.post("/v1/departments/civil_affairs/events:batch", json={"events": [good]}, headers=dept).json()
    assert again["results"][0]["status"] == "duplicate"
    assert wait_settled(client, dept, good["id"])["status"] == "fused"


def test_bad_input_is_a_422_naming_each_field_never_a_5xx(client: httpx.Client) -> None:
    dept = token(client, "dept-civil_affairs")
    url = "/v1/departments/civil_affairs/events"
    bad = {"id": "", "type": "civil.assistance", "time": "2026-11-27T09:00:00", "category": "livelihood",
           "summary": "", "severity": "urgent", "location": {"lon": 190, "lat": 35.7, "address": "x"}}
    reply = client.post(url, json=bad, headers=dept)
    assert reply.status_code == 422
    locs = {tuple(e["loc"][:2]) for e in reply.json()["detail"]}
    assert {("body", "id"), ("body", "time"), ("body", "category"), ("body", "summary"), ("body", "severity"),
            ("body", "location")} <= locs
    for e in reply.json()["detail"]:
        assert set(e) >= {"loc", "msg", "type"}

    refused = client.post(url, json={"id": f"mz-{uuid.uuid4().hex}", "type": "civil.assistance",
                                     "time": "2026-11-27T09:00:00+08:00", "category": "livelihood.disability",
                                     "summary": "残疾人补贴申请", "location": {"lon": 116.80, "lat": 35.75}}, headers=dept)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["loc"] == ["body", "details", "household_id"]

    nan_details = (b'{"id": "mz-nan", "type": "incident.reported", "time": "2026-11-27T09:00:00+08:00", '
                   b'"category": "other.general", "summary": "x", "location": {"address": "x"}, "details": {"a": NaN}}')
    nan_point = nan_details.replace(b'{"address": "x"}', b'{"lon": Infinity, "lat": NaN}')
    for junk in (b"not json", b"[]", b'{"id": 5}', b"{" * 50, nan_details, nan_point):
        answer = client.post(url, content=junk, headers={**dept, "Content-Type": "application/json"})
        assert answer.status_code == 422, junk

    foreign = client.post("/v1/departments/petition/events", json=bad, headers=dept)
    assert foreign.status_code in (403, 422)
    valid = sample_events()["petition"][0] | {"id": f"xf-{uuid.uuid4().hex}"}
    assert client.post("/v1/departments/petition/events", json=valid, headers=dept).status_code == 403
    assert client.post("/v1/departments/fire_brigade/events", json=valid, headers=token(client, "admin")).status_code == 404


def test_a_malformed_event_on_the_stream_is_dead_lettered_with_its_reason(platform: LocalPlatform, client: httpx.Client) -> None:
    event_id = f"xf-broken-{uuid.uuid4().hex[:8]}"
    broken = events_pb2.DepartmentEvent(id=event_id, department="petition", type="petition.visit",
                                        category="dispute.neighbor", summary="")  # no summary, time or location

    async def publish_as_petition() -> None:
        nc = await bus.connect(platform.nats_address, name="e2e-petition", user="petition",
                               password=platform.nats_passwords["petition"])
        try:
            await bus.publish(nc.jetstream(), bus.event_subject("petition", broken.category), broken, event_id=event_id,
                              ce_type="gridfusion.department_event.v1", source="gridfusion/departments/petition")
        finally:
            await nc.close()

    asyncio.run(publish_as_petition())
    settled = wait_settled(client, token(client, "admin"), event_id)
    assert settled["status"] == "dead_lettered"
    assert "summary" in settled["reason"] and "location" in settled["reason"]

    listed = client.get("/v1/departments/petition/dead-letters", headers=token(client, "dept-petition"))
    assert listed.status_code == 200, listed.text
    ours = [d for d in listed.json()["items"] if d["event_id"] == event_id]
    assert len(ours) == 1 and ours[0]["stage"] == "decode" and "summary" in ours[0]["reason"]
    others = client.get("/v1/departments/civil_affairs/dead-letters", headers=token(client, "admin")).json()
    assert event_id not in {d["event_id"] for d in others["items"]}
    assert client.get("/v1/departments/petition/dead-letters", headers=token(client, "dept-civil_affairs")).status_code == 403


def test_grid_workers_upload_patrol_tracks_of_their_own_grid(client: httpx.Client) -> None:
    county = build_county()
    grid, other = county.grids[8], county.grids[9]
    inside = county.grid_polygons[grid.grid_id].representative_point()
    start = datetime(2026, 11, 24, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    points = [{"time": (start + timedelta(minutes=5 * i)).isoformat(), "lon": inside.x, "lat": inside.y} for i in range(55)]
    log = {"log_id": f"xc-{uuid.uuid4().hex}", "worker_id": grid.grid_workers[0].person_id, "points": points}
    worker = token(client, f"worker-{grid.grid_id}")
    url = "/v1/departments/comprehensive_governance/patrol-logs"
    first = client.post(url, json=log, headers=worker)
    assert first.status_code == 202, first.text
    assert first.json() == {"log_id": log["log_id"], "grid_id": grid.grid_id, "status": "accepted"}
    assert client.post(url, json=log, headers=worker).json()["status"] == "duplicate"

    foreign = client.post(url, json=log | {"log_id": f"xc-{uuid.uuid4().hex}"}, headers=token(client, f"worker-{other.grid_id}"))
    assert foreign.status_code == 403 and "its own patrol track" in foreign.json()["detail"]  # another grid's worker
    sec_of_other = token(client, f"sec-{other.grid_id}")
    foreign = client.post(url, json=log | {"log_id": f"xc-{uuid.uuid4().hex}"}, headers=sec_of_other)
    assert foreign.status_code == 422 and foreign.json()["detail"][0]["loc"] == ["body", "worker_id"]
    broken = client.post(url, json={"log_id": "x", "worker_id": "y", "points": [{"time": "noon", "lon": 500, "lat": 0}]},
                         headers=worker)
    assert broken.status_code == 422
    assert {tuple(e["loc"]) for e in broken.json()["detail"]} >= {("body", "points", 0, "time"), ("body", "points", 0, "lon")}
    assert client.post(url, json=log, headers=token(client, "dept-petition")).status_code == 403


def test_the_half_hour_legal_aid_circle_is_listed_by_scope(client: httpx.Client) -> None:
    url = "/v1/departments/legal_aid/circle-gaps"
    whole = client.get(url, headers=token(client, "dept-legal_aid"))
    assert whole.status_code == 200, whole.text
    body = whole.json()
    assert body["total"] == 0 and body["items"] == [] and body["limit_minutes"] == 30
    assert "5 km/h" in body["travel_model"]
    community = build_county().communities[0].community_id
    other = build_county().communities[-1].community_id
    mine = client.get(url, headers=token(client, f"community-{community}"))
    assert mine.status_code == 200
    assert client.get(url, params={"community_id": other}, headers=token(client, f"community-{community}")).status_code == 404
    assert client.get(url, headers=token(client, "dept-police_assistant")).status_code == 403
    assert client.get(url, params={"page_size": 0}, headers=token(client, "admin")).status_code == 422


def test_a_case_handed_over_reaches_the_department_and_its_result_comes_back(
    platform: LocalPlatform, client: httpx.Client
) -> None:
    """The closed loop's department leg: hand-over streamed to the department system over gRPC,
    its handling result reported over gRPC, the case back at the street centre with it."""
    admin = token(client, "admin")
    body, _ = sample_events()["legal_aid"]
    dept = token(client, "dept-legal_aid")
    assert client.post("/v1/departments/legal_aid/events", json=body, headers=dept).status_code == 202
    case_id = wait_settled(client, admin, body["id"])["case_id"]
    for action in ({"action": "escalate", "note": "社区无法解决"}, {"action": "escalate", "note": "报街道"},
                   {"action": "assess", "note": "劳动争议，需法律援助", "risk_level": "medium"},
                   {"action": "hand_over", "department": "legal_aid", "note": "请社区法律顾问办理"}):
        acted = client.post(f"/v1/cases/{case_id}/actions", json=action, headers=admin)
        assert acted.status_code == 200, (action, acted.text)

    async def department_system() -> pb.HandOver:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{platform.ports.departments['legal_aid']}") as channel:
            stub = pb_grpc.DepartmentServiceStub(channel)
            own = platform.grpc_metadata("legal_aid")  # legal aid's department system
            call = stub.StreamHandOvers(pb.StreamHandOversRequest(), metadata=own)
            try:
                async with asyncio.timeout(60):
                    async for handover in call:
                        if handover.case_id == case_id:
                            break
            finally:
                call.cancel()
            reply = await stub.ReportResult(pb.ReportResultRequest(
                case_id=case_id, result="已为当事人提供法律援助，劳动仲裁已立案", actor="S-adviser"), metadata=own)
            assert reply.accepted
            return handover

    handover = asyncio.run(department_system())
    assert handover.category == body["category"] and f"legal_aid:{body['id']}" in handover.event_ids
    deadline = time.monotonic() + 60
    case: dict = {}
    while time.monotonic() < deadline:
        case = client.get(f"/v1/cases/{case_id}", headers=admin).json()
        if case["status"] == "result_reported":
            break
        time.sleep(0.25)
    assert case["status"] == "result_reported" and case["level"] == "street", case
    assert any(t["action"] == "report_result" for t in case["timeline"])


def test_finding_5_a_department_system_cannot_call_another_departments_service(platform: LocalPlatform) -> None:
    """The platform as `make run` starts it: each department system's token (in
    <home>/grpc/<department>.token, owner-only) opens its own department service and no other."""
    for holder in ("gateway", "petition", "legal_aid"):
        assert platform.home.joinpath("grpc", f"{holder}.token").stat().st_mode & 0o777 == 0o600

    async def attack() -> None:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{platform.ports.departments['legal_aid']}") as channel:
            stub = pb_grpc.DepartmentServiceStub(channel)
            forged = pb.ReportResultRequest(case_id="C-forged", result="已办结", actor="petition")
            for metadata, code in ((platform.grpc_metadata("petition"), grpc.StatusCode.PERMISSION_DENIED),
                                   ((), grpc.StatusCode.UNAUTHENTICATED)):
                for call in (stub.ReportResult(forged, metadata=metadata, timeout=10),
                             stub.GetEvent(pb.GetEventRequest(event_id="any"), metadata=metadata, timeout=10)):
                    with pytest.raises(grpc.aio.AioRpcError) as refused:
                        await call
                    assert refused.value.code() == code, refused.value
                stream = stub.StreamHandOvers(pb.StreamHandOversRequest(), metadata=metadata, timeout=10)
                with pytest.raises(grpc.aio.AioRpcError) as refused:
                    async for _ in stream:
                        pass
                assert refused.value.code() == code, refused.value
            # The gateway's token and legal aid's own reach the service itself.
            for holder in ("gateway", "legal_aid"):
                with pytest.raises(grpc.aio.AioRpcError) as missing:
                    await stub.GetEvent(pb.GetEventRequest(event_id="never-sent"),
                                        metadata=platform.grpc_metadata(holder), timeout=10)
                assert missing.value.code() == grpc.StatusCode.NOT_FOUND
            described = await stub.Describe(pb.DescribeRequest(), metadata=platform.grpc_metadata("gateway"), timeout=10)
            assert described.department == "legal_aid"

    asyncio.run(attack())
