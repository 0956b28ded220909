"""A published Open311 GeoReport v2 client (``georeport`` from PyPI) against the gateway, for every
call it offers, in JSON and in XML: the service list, a service definition with attributes, the
requests (the demo county publishes them, masked) and one request. Submitting is not among the
library's calls; a request with attributes is posted as GeoReport forms do."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
from georeport import GeoReport
from shapely.geometry import shape

from services.local import LocalPlatform
from services.platform.vocabulary import SHARED_CATEGORIES
from tests.e2e import test_party_e2e as party

pytestmark = pytest.mark.e2e
client, login = party.client, party.login

GRID = "370921001001002"
PHONE = "13812345678"


def as_list(value) -> list:
    """xmltodict gives one element as a dict, several as a list."""
    return value if isinstance(value, list) else [value]


def fused_case(client: httpx.Client, headers: dict, request_id: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = client.get(f"/v1/departments/comprehensive_governance/events/{request_id}", headers=headers).json()
        if status.get("case_id"):
            return status["case_id"]
        time.sleep(0.3)
    raise AssertionError(f"request {request_id} not fused: {status}")


@pytest.fixture(scope="module")
def submitted(client: httpx.Client, platform: LocalPlatform) -> dict:
    """A fire hazard reported through Open311 with two attributes and the reporter's phone."""
    resident = login(client, f"resident-{GRID}", platform.demo_password)
    admin = login(client, "admin", platform.demo_password)
    point = shape(client.get(f"/v1/grids/{GRID}", headers=admin).json()["geometry"]).representative_point()
    tag = uuid.uuid4().hex[:8]
    posted = client.post("/open311/v2/requests.json", headers=resident, data={
        "service_code": "safety_hazard.fire", "description": f"楼道堆放杂物堵塞消防通道，联系人{PHONE} {tag}",
        "lat": str(point.y), "long": str(point.x), "phone": PHONE, "jurisdiction_id": "370921",
        "attribute[hazard_level]": "major", "attribute[rectification_deadline]": "2026-12-20"})
    assert posted.status_code == 201, posted.text
    request_id = posted.json()[0]["service_request_id"]
    return {"request_id": request_id, "case_id": fused_case(client, admin, request_id), "tag": tag}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_service_list_and_definitions_with_attributes(platform: LocalPlatform, fmt: str) -> None:
    georeport = GeoReport(f"{platform.gateway_url}/open311/v2", jurisdiction="370921", output_format=fmt)
    services = {s["service_code"]: s for s in as_list(georeport.get_service_list())}
    assert len(services) == len(SHARED_CATEGORIES) and services["safety_hazard.fire"]["service_name"] == "安全隐患·消防隐患"
    # A category 综治 has a native type for says it has metadata; one without does not.
    assert str(services["safety_hazard.fire"]["metadata"]).lower() == "true"
    assert str(services["dispute.neighbor"]["metadata"]).lower() == "true"
    assert str(services["environment.garbage"]["metadata"]).lower() == "false"

    fire = georeport.get_service_definition("safety_hazard.fire")
    attributes = as_list(fire["attributes"]["attribute"]) if fmt == "xml" else fire["attributes"]
    assert [a["code"] for a in attributes] == ["hazard_level", "rectification_deadline"]
    level = attributes[0]
    assert level["datatype"] == "singlevaluelist" and str(level["required"]).lower() == "false"
    values = as_list(level["values"]["value"]) if fmt == "xml" else level["values"]
    assert [(v["key"], v["name"]) for v in values] == [("general", "一般 general"), ("major", "重大 major")]
    dispute = georeport.get_service_definition("dispute.neighbor")
    parties = (as_list(dispute["attributes"]["attribute"]) if fmt == "xml" else dispute["attributes"])[0]
    assert (parties["code"], parties["datatype"]) == ("parties", "number")
    garbage = georeport.get_service_definition("environment.garbage")
    assert not (garbage["attributes"] if fmt == "json" else garbage.get("attributes"))


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_requests_and_one_request_read_without_a_key_are_masked(platform: LocalPlatform, submitted: dict,
                                                                fmt: str) -> None:
    georeport = GeoReport(f"{platform.gateway_url}/open311/v2", jurisdiction="370921", output_format=fmt)
    request_id = submitted["request_id"]
    listed = as_list(georeport.get_service_requests(service_request_id=request_id))
    assert [r["service_request_id"] for r in listed] == [request_id]
    recent = as_list(georeport.get_service_requests(service_code="safety_hazard.fire", status="open"))
    assert request_id in {r["service_request_id"] for r in recent}
    assert all(r["service_code"] == "safety_hazard.fire" and r["status"] == "open" for r in recent)
    one = georeport.get_service_request(request_id)
    assert one["service_request_id"] == request_id and one["jurisdiction_id"] == "370921"
    # Public: the description's phone masked, the reporter's contact not shown at all.
    assert submitted["tag"] in one["description"] and PHONE not in one["description"]
    assert not one.get("phone") and not one.get("first_name")
    assert one["agency_responsible"].endswith("comprehensive_governance")


def test_a_request_with_attributes_becomes_the_native_event_and_bad_attributes_are_named(
        client: httpx.Client, platform: LocalPlatform, submitted: dict) -> None:
    admin = login(client, "admin", platform.demo_password)
    case = client.get(f"/v1/cases/{submitted['case_id']}", headers=admin).json()
    event = next(e for e in case["events"] if e["event_id"] == submitted["request_id"])
    assert (event["type"], event["category"]) == ("governance.hazard", "safety_hazard.fire")
    # Staff of the grid read the reporter's phone; the public reads none of it.
    staff = login(client, f"sec-{GRID}", platform.demo_password)
    own = client.get(f"/open311/v2/requests/{submitted['request_id']}.json", headers=staff).json()[0]
    assert own["phone"] == PHONE

    resident = login(client, f"resident-{GRID}", platform.demo_password)
    base = {"service_code": "safety_hazard.fire", "description": "消防栓损坏", "lat": "35.75", "long": "116.79"}
    for extra, name in ((({"attribute[hazard_level]": "extreme"}), "attribute[hazard_level]"),
                        (({"attribute[colour]": "red"}), "attribute[colour]"),
                        (({"attribute[hazard_level": "major"}), "attribute[hazard_level")):
        bad = client.post("/open311/v2/requests.json", headers=resident, data={**base, **extra})
        assert bad.status_code == 422 and name in [d["loc"][-1] for d in bad.json()["detail"]], bad.text
    no_attributes = client.post("/open311/v2/requests.json", headers=resident, data={
        **base, "service_code": "environment.garbage", "attribute[hazard_level]": "major"})
    assert no_attributes.status_code == 422 and "takes no attributes" in no_attributes.text
    counted = client.post("/open311/v2/requests.json", headers=resident, data={
        **base, "service_code": "dispute.neighbor", "attribute[parties]": "two"})
    assert counted.status_code == 422 and "a number" in counted.text
