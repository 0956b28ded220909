"""红色物业 through the gateway: a property-management report from inside a compound opens a case
that knows its compound and names the compound's property company and owners' committee, their
contacts masked for the county and shown (audited) to the grid's secretary."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from services.local import LocalPlatform
from tests.e2e import test_party_e2e as party

pytestmark = pytest.mark.e2e
client, login = party.client, party.login  # the party tests' client fixture and sign-in

# 文华新城小区 of 文庙社区第1网格 in the synthetic county, and a point inside it.
WENHUA = "C00100100101"
GRID = "370921001001001"


def reported(client: httpx.Client, platform: LocalPlatform, category: str, summary: str) -> str:
    """The case a report by comprehensive governance from inside 文华新城小区 opened."""
    event_id = f"pr-{uuid.uuid4().hex[:10]}"
    dept = login(client, "dept-comprehensive_governance", platform.demo_password)
    body = {"id": event_id, "type": "incident.reported", "time": "2026-12-02T09:30:00+08:00",
            "category": category, "summary": summary, "severity": "medium", "subject_id": f"S-{event_id}",
            "location": {"lon": 116.783711, "lat": 35.746942}}
    accepted = client.post("/v1/departments/comprehensive_governance/events", json=body, headers=dept)
    assert accepted.status_code == 202, accepted.text
    admin = login(client, "admin", platform.demo_password)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = client.get(f"/v1/departments/comprehensive_governance/events/{event_id}", headers=admin).json()
        if status.get("case_id"):
            return status["case_id"]
        time.sleep(0.3)
    raise AssertionError(f"event {event_id} not fused: {status}")


def test_a_property_case_goes_to_its_compounds_property_company_and_owners_committee(
        client: httpx.Client, platform: LocalPlatform) -> None:
    case_id = reported(client, platform, "property_management.service_quality", "小区物业长期不清运垃圾，业主意见很大")
    admin = login(client, "admin", platform.demo_password)
    case = client.get(f"/v1/cases/{case_id}", headers=admin).json()
    assert (case["grid_id"], case["compound_id"]) == (GRID, WENHUA)
    route = case["property_route"]
    assert (route["compound_id"], route["compound_name"]) == (WENHUA, "文华新城小区")
    assert [a["kind"] for a in route["actors"]] == ["property_company", "owners_committee"]
    # Masked for the county exactly as the co-governance register shows them to it.
    register = client.get("/v1/co-governance/organisations", headers=admin, params={"grid_id": GRID}).json()["items"]
    by_id = {a["org_id"]: a for a in register}
    for actor in route["actors"]:
        assert actor == by_id[actor["org_id"]] and actor["compound_id"] == WENHUA
        assert "*" in actor["contact_phone"] and "*" in actor["contact_name"]
    company, committee = route["actors"]
    opening = case["timeline"][0]
    assert opening["action"] == "reported"
    assert opening["routed_to"] == f"转文华新城小区物业 {company['name']}、业委会 {committee['name']} (红色物业)"
    listed = client.get("/v1/cases", headers=admin, params={"grid_id": GRID, "category": case["category"]}).json()
    assert next(c for c in listed["items"] if c["case_id"] == case_id)["compound_id"] == WENHUA

    # The grid's secretary sees the contacts whole; the read is audited.
    secretary = login(client, f"sec-{GRID}", platform.demo_password)
    own = client.get(f"/v1/cases/{case_id}", headers=secretary, params={"purpose": "联系物业处理"}).json()
    phones = [a["contact_phone"] for a in own["property_route"]["actors"]]
    assert phones and all("*" not in p and len(p.replace("-", "")) == 11 for p in phones), phones
    assert [a["org_id"] for a in own["property_route"]["actors"]] == [company["org_id"], committee["org_id"]]
    deadline = time.monotonic() + 10
    while True:
        audit = client.get("/v1/audit", headers=admin, params={"who": f"sec-{GRID}"}).json()["items"]
        if any(f"case {case_id}" in e["what"] and "co-governance" in e["what"] and e["why"] == "联系物业处理"
               for e in audit) or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert any(f"case {case_id}" in e["what"] and e["why"] == "联系物业处理" for e in audit), audit


def test_a_case_of_another_family_knows_its_compound_but_carries_no_route(client: httpx.Client,
                                                                          platform: LocalPlatform) -> None:
    case_id = reported(client, platform, "dispute.neighbor", "楼上住户装修噪音扰民引发邻里争吵")
    case = client.get(f"/v1/cases/{case_id}", headers=login(client, "admin", platform.demo_password)).json()
    assert case["compound_id"] == WENHUA and case["property_route"] is None
    assert case["timeline"][0]["routed_to"] is None
