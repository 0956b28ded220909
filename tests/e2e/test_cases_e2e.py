"""Fusion through the gateway: three departments' reports become one case, the case goes round the
closed loop to a department service and back, refusals carry their reasons, dead letters are
listed and re-processed."""

from __future__ import annotations

import asyncio
import time
import uuid

import grpc
import httpx
import pytest
from gridfusion.departments.v1 import departments_pb2 as dpb
from gridfusion.departments.v1 import departments_pb2_grpc

from services.local import LocalPlatform
from services.reference import build_county

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


def report(client: httpx.Client, department: str, event_id: str, *, subject: str, summary: str,
           category: str = "livelihood.subsistence_allowance", location: dict | None = None) -> None:
    body = {
        "id": event_id, "type": "incident.reported", "time": "2026-11-27T09:30:00+08:00", "category": category,
        "summary": summary, "severity": "high", "subject_id": subject,
        "location": location or {"lon": LON, "lat": LAT},
    }
    if department == "civil_affairs" and category.startswith("livelihood"):
        body["location"] = location or {"household_id": "H0010010010001"}
    reply = client.post(f"/v1/departments/{department}/events", json=body, headers=auth(client, f"dept-{department}"))
    assert reply.status_code == 202, reply.text


def wait_status(client: httpx.Client, event_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reply = client.get(f"/v1/events/{event_id}", headers=auth(client, "admin"))
        if reply.status_code == 200 and reply.json()["status"] != "pending":
            return reply.json()
        time.sleep(0.25)
    raise AssertionError(f"event {event_id} still pending after {timeout} s")


def act(client: httpx.Client, who: str, case_id: str, **body) -> httpx.Response:
    return client.post(f"/v1/cases/{case_id}/actions", json=body, headers=auth(client, who))


def ok(reply: httpx.Response) -> dict:
    assert reply.status_code == 200, reply.text
    return reply.json()


async def next_hand_over(target: str, case_id: str, metadata, timeout: float = 30) -> dpb.HandOver:
    """The hand-over of this case as the department service streams it to the department system
    (``metadata``: the system's credential)."""
    async with grpc.aio.insecure_channel(target) as channel:
        stub = departments_pb2_grpc.DepartmentServiceStub(channel)
        call = stub.StreamHandOvers(dpb.StreamHandOversRequest(), timeout=timeout, metadata=metadata)
        async for handover in call:
            if handover.case_id == case_id:
                call.cancel()
                return handover
    raise AssertionError(f"no hand-over of {case_id}")


def test_three_departments_one_case_round_the_whole_loop(client: httpx.Client, platform: LocalPlatform) -> None:
    tag = uuid.uuid4().hex[:8]
    subject = f"H-{tag}"
    ids = {d: f"{d[:2]}-{tag}" for d in ("civil_affairs", "petition", "legal_aid")}
    report(client, "civil_affairs", ids["civil_affairs"], subject=subject, summary="低保户反映本月补助未到账")
    report(client, "petition", ids["petition"], subject=subject, summary="来访反映低保金停发")
    report(client, "legal_aid", ids["legal_aid"], subject=subject, summary="咨询低保停发能否申请行政复议")
    fused = [wait_status(client, i) for i in ids.values()]
    assert {f["status"] for f in fused} == {"fused"}
    case_ids = {f["case_id"] for f in fused}
    assert len(case_ids) == 1, fused
    case_id = case_ids.pop()
    grid_id = fused[0]["grid_id"]
    grid = client.get(f"/v1/grids/{grid_id}", headers=auth(client, "admin")).json()["properties"]
    worker, sec = f"worker-{grid_id}", f"sec-{grid_id}"
    community, street = f"community-{grid['community_id']}", f"street-{grid['street_id']}"

    detail = ok(client.get(f"/v1/cases/{case_id}", headers=auth(client, worker)))
    assert sorted(detail["departments"]) == ["civil_affairs", "legal_aid", "petition"]
    assert sorted((e["department"], e["event_id"]) for e in detail["events"]) == sorted(ids.items())
    assert sorted(detail["event_ids"]) == sorted(f"{d}:{i}" for d, i in ids.items())
    assert [t["action"] for t in detail["timeline"]] == ["reported", "correlated", "correlated"]
    assert (detail["status"], detail["level"]) == ("reported", "grid")

    listed = ok(client.get("/v1/cases", params={"grid_id": grid_id, "department": "legal_aid", "status": "reported",
                                                "category": "livelihood.subsistence_allowance", "page_size": 200},
                           headers=auth(client, "admin")))
    assert case_id in [c["case_id"] for c in listed["items"]]
    page = ok(client.get("/v1/cases", params={"page": 1, "page_size": 1}, headers=auth(client, worker)))
    assert len(page["items"]) == 1 and page["total"] >= 1 and page["items"][0]["grid_id"] == grid_id

    # Refusals: each names the reason, and changes nothing.
    refused = act(client, worker, case_id, action="close")
    assert refused.status_code == 409 and "cannot close a case that is reported" in refused.json()["detail"]
    refused = act(client, community, case_id, action="accept")
    assert refused.status_code == 403 and "may not accept" in refused.json()["detail"]
    assert act(client, "sec-370921002003001" if grid_id != "370921002003001" else "sec-370921001001002",
               case_id, action="accept").status_code == 404
    bad = act(client, worker, case_id, action="approve")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "action"]
    bad = act(client, worker, case_id, action="accept", rating=9)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "rating"]
    # civil affairs reported an event of the case, but does not see it before it is handed to it.
    assert act(client, "dept-civil_affairs", case_id, action="accept").status_code == 404

    # The loop: grid → community → street → analysis and judgement → hand-over.
    assert ok(act(client, worker, case_id, action="accept"))["status"] == "accepted"
    assert ok(act(client, sec, case_id, action="escalate", note="涉及政策，需社区协调"))["level"] == "community"
    assert ok(act(client, community, case_id, action="accept"))["status"] == "accepted"
    assert ok(act(client, community, case_id, action="escalate"))["level"] == "street"
    assert ok(act(client, street, case_id, action="accept"))["level"] == "street"
    missing = act(client, street, case_id, action="assess")
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "risk_level"]
    assert ok(act(client, street, case_id, action="assess", risk_level="high", note="困难群众基本生活"))["risk_level"] == "high"
    handed = ok(act(client, street, case_id, action="hand_over", department="civil_affairs", note="请民政核查"))
    assert (handed["status"], handed["level"], handed["handed_to"]) == ("handed_over", "department", "civil_affairs")

    # The department service streams the hand-over to its system; the result comes back to the case.
    target = f"127.0.0.1:{platform.ports.departments['civil_affairs']}"
    civil_affairs_system = platform.grpc_metadata("civil_affairs")
    handover = asyncio.run(next_hand_over(target, case_id, civil_affairs_system))
    assert (handover.grid_id, handover.risk_level, handover.note) == (grid_id, "high", "请民政核查")
    assert sorted(handover.event_ids) == sorted(f"{d}:{i}" for d, i in ids.items())

    async def report_result() -> None:
        async with grpc.aio.insecure_channel(target) as channel:
            stub = departments_pb2_grpc.DepartmentServiceStub(channel)
            reply = await stub.ReportResult(dpb.ReportResultRequest(
                case_id=case_id, result="已核实并补发两个月低保金", actor="民政局社会救助科", result_id=f"r-{tag}"), timeout=10,
                metadata=civil_affairs_system)
            assert reply.accepted

    asyncio.run(report_result())
    deadline = time.monotonic() + 30
    while (case := ok(client.get(f"/v1/cases/{case_id}", headers=auth(client, street))))["status"] != "result_reported":
        assert time.monotonic() < deadline, case
        time.sleep(0.25)
    assert case["level"] == "street" and case["result"] == "已核实并补发两个月低保金"
    assert case["version"] == 11  # 3 reports, 7 steps, the result
    closed = ok(act(client, street, case_id, action="close", note="结案"))
    assert closed["status"] == "closed" and closed["closed_at"]
    assert ok(act(client, worker, case_id, action="feedback", rating=5, note="回访满意"))["rating"] == 5
    again = act(client, worker, case_id, action="feedback", rating=4)
    assert again.status_code == 409 and "already recorded" in again.json()["detail"]

    timeline = ok(client.get(f"/v1/cases/{case_id}", headers=auth(client, "admin")))["timeline"]
    actions = [(t["action"], t["role"]) for t in timeline[3:]]
    assert actions == [
        ("accept", "worker"), ("escalate", "secretary"), ("accept", "community"), ("escalate", "community"),
        ("accept", "street"), ("assess", "street"), ("hand_over", "street"), ("report_result", "department"),
        ("close", "street"), ("feedback", "worker"),
    ]
    assert all(t["actor"] and t["at"].endswith("+08:00") for t in timeline)
    carried = {t["action"]: t for t in timeline}
    assert carried["assess"]["risk_level"] == "high" and carried["hand_over"]["department"] == "civil_affairs"
    assert carried["report_result"]["result"] == "已核实并补发两个月低保金" and carried["feedback"]["rating"] == 5
    assert carried["escalate"]["from_level"] == "community" and carried["escalate"]["level"] == "street"
    assert [t["department"] for t in timeline[:3]] == [f["department"] for f in sorted(
        fused, key=lambda f: [t["event_id"] for t in timeline[:3]].index(f["event_id"]))]
    # Its result reported, the case is no longer the department's: neither it nor another sees it.
    assert client.get(f"/v1/cases/{case_id}", headers=auth(client, "dept-civil_affairs")).status_code == 404
    assert client.get(f"/v1/cases/{case_id}", headers=auth(client, "dept-police_assistant")).status_code == 404

    reopened = ok(act(client, sec, case_id, action="reopen", note="居民反映又停发"))
    assert (reopened["status"], reopened["level"], reopened["rating"]) == ("reopened", "grid", None)


def test_dead_letters_are_listed_for_the_county_and_reprocessed(client: httpx.Client) -> None:
    tag = uuid.uuid4().hex[:8]
    event_id = f"xf-{tag}"
    report(client, "petition", event_id, subject=f"P-{tag}", summary="来访反映小区噪音扰民", category="environment.noise",
           location={"household_id": "H9990000000001"})
    body = wait_status(client, event_id)
    assert body["status"] == "dead_lettered" and "not in the register" in body["reason"]
    listed = ok(client.get("/v1/dead-letters", params={"pending_only": True, "page_size": 200}, headers=auth(client, "admin")))
    mine = [d for d in listed["items"] if d["event_id"] == event_id]
    assert len(mine) == 1 and mine[0]["stage"] == "locate" and mine[0]["reprocessable"] and mine[0]["department"] == "petition"
    assert client.get("/v1/dead-letters", headers=auth(client, "street-370921001")).status_code == 403
    assert client.post(f"/v1/dead-letters/{event_id}:reprocess", headers=auth(client, "dept-petition")).status_code == 403
    # Nothing was fixed yet: still refused, with the reason.
    refused = client.post(f"/v1/dead-letters/{event_id}:reprocess", headers=auth(client, "admin"))
    assert refused.status_code == 409 and "not in the register" in refused.json()["detail"]
    refused = client.post(f"/v1/dead-letters/petition/{event_id}:reprocess", headers=auth(client, "admin"))
    assert refused.status_code == 409 and "not in the register" in refused.json()["detail"]
    assert client.post(f"/v1/dead-letters/legal_aid/{event_id}:reprocess", headers=auth(client, "admin")).status_code == 404
    assert client.post("/v1/dead-letters/no-such-event:reprocess", headers=auth(client, "admin")).status_code == 404


def test_a_case_list_pages_by_cursor_as_by_page_and_counts_only_when_asked(client: httpx.Client) -> None:
    tag = uuid.uuid4().hex[:8]
    ids = [f"cur-{tag}-{i}" for i in range(12)]
    grids = build_county().grids[:12]
    for i, (event_id, grid) in enumerate(zip(ids, grids, strict=True)):  # twelve grids, twelve cases
        lon, lat = build_county().households_by_grid[grid.grid_id][0].location
        report(client, "comprehensive_governance", event_id, subject=f"S-{tag}-{i}", summary=f"{grid.name}夜间噪声扰民",
               category="environment.noise", location={"lon": lon, "lat": lat})
    assert {wait_status(client, i)["status"] for i in ids} == {"fused"}
    admin = auth(client, "admin")
    whole = ok(client.get("/v1/cases", params={"category": "environment.noise", "page_size": 200, "count": "true"},
                          headers=admin))
    assert whole["total_exact"] is True and whole["total"] == len(whole["items"]) >= 12
    walked, cursor, pages = [], None, 0
    while True:
        params = {"category": "environment.noise", "page_size": 5, **({"cursor": cursor} if cursor else {})}
        page = ok(client.get("/v1/cases", params=params, headers=admin))
        pages += 1
        walked += [c["case_id"] for c in page["items"]]
        if cursor:
            assert page["total"] is None and page["total_exact"] is False  # a cursor's page counts nothing
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked == [c["case_id"] for c in whole["items"]] and pages == -(-len(walked) // 5)
    # The cursor keeps the caller's scope: a grid's worker walking with it sees only its grid.
    first = whole["items"][0]
    worker = auth(client, f"worker-{first['grid_id']}")
    seen = ok(client.get("/v1/cases", params={"page_size": 200, "count": "false"}, headers=worker))
    assert seen["total"] is None and {c["grid_id"] for c in seen["items"]} == {first["grid_id"]}
    bad = client.get("/v1/cases", params={"cursor": "not-a-cursor"}, headers=admin)
    assert bad.status_code == 422 and "cursor" in bad.text
