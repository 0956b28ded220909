"""The gateway's defences as pure parts, no network: token scopes, body limits, masking of free
text, XML sanitising, the weekly report's escaping, security headers, the signing key, log
redaction. The same attacks against the running platform are in tests/e2e/test_security_e2e.py."""

from __future__ import annotations

import logging
import re
from xml.etree import ElementTree as ET

import httpx
import jwt
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from gateway.accounts.policy import Scope
from gateway.accounts.tokens import Claims, issue_access, read_access
from gateway.api.routes.open311 import to_xml, xml_text
from gateway.auth import MIN_KEY_BYTES, Principal, WeakKey, check_key
from gateway.headers import DASHBOARD, REPORT, policy_for
from gateway.limits import DEFAULT_LIMIT, MB, BodyLimit, limit_of
from gateway.main import create_app
from gateway.privacy import mask_text, personal_data_in
from gateway.redaction import RedactSecrets, redact
from gateway.reports.weekly import STYLE, STYLE_HASH, render_html
from gateway.settings import GatewaySettings

pytestmark = pytest.mark.unit
KEY = "k" * 48


# --- finding 6: a role without its place is no token --------------------------------------
@pytest.mark.parametrize("role,scope", [
    ("secretary", Scope()), ("worker", Scope(street_id="S1", community_id="C1")), ("member", Scope()),
    ("resident", Scope(community_id="C1")), ("community", Scope(street_id="S1")), ("street", Scope()),
    ("department", Scope()),
])
def test_finding_6_a_token_whose_scope_does_not_fit_its_role_is_refused(role: str, scope: Scope) -> None:
    token = issue_access(Claims(f"{role}-x", role, scope, "sid-1"), KEY, 15)
    with pytest.raises(jwt.InvalidTokenError, match="does not fit its role"):
        read_access(token, KEY)


def test_finding_6_a_county_token_may_narrow_and_the_scope_travels_with_its_role() -> None:
    for scope in (Scope(), Scope(street_id="S1")):
        claims = read_access(issue_access(Claims("admin", "county", scope, "sid-1"), KEY, 15), KEY)
        assert claims.scope == scope
    assert Principal("sec-G1", "secretary", grid_id="G1").scope().role == "secretary"
    assert Principal("admin", "county").scope().role == "county"


# --- finding 8: bodies bounded before anything reads them -----------------------------------
class Item(BaseModel):
    text: str


def limited_app(trusted: bool = False) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/departments/{department}/events")
    async def one(department: str, item: Item) -> dict:
        return {"size": len(item.text)}

    @app.post("/v1/departments/{department}/events:batch")
    async def batch(department: str, item: Item) -> dict:
        return {"size": len(item.text)}

    app.add_middleware(BodyLimit, trusted=lambda scope: trusted)
    return app


async def post(app, path: str, **kwargs) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        return await client.post(path, **kwargs)


async def test_finding_8_a_declared_length_over_the_limit_is_refused_unread() -> None:
    body = b'{"text": "' + b"x" * (DEFAULT_LIMIT + 10) + b'"}'
    reply = await post(limited_app(), "/v1/departments/petition/events", content=body,
                       headers={"content-type": "application/json"})
    assert reply.status_code == 413
    assert "at most 1 MB" in reply.json()["detail"] and "POST /v1/departments/petition/events" in reply.json()["detail"]


async def test_finding_8_a_chunked_body_is_counted_as_it_streams_and_refused_past_the_limit() -> None:
    sent = 0

    async def chunks():
        nonlocal sent
        yield b'{"text": "'
        for _ in range(64):  # 4 MB offered, 64 KB at a time, no Content-Length
            sent += 1
            yield b"x" * (64 * 1024)
        yield b'"}'

    reply = await post(limited_app(), "/v1/departments/petition/events", content=chunks(),
                       headers={"content-type": "application/json"})
    assert reply.status_code == 413, reply.text  # FastAPI's body parsing lets it through: not a 400
    assert "at most 1 MB" in reply.json()["detail"]


async def test_finding_8_bodies_under_the_limit_pass_and_larger_limits_need_a_signed_token() -> None:
    small = await post(limited_app(), "/v1/departments/petition/events", json={"text": "x" * 1000})
    assert small.status_code == 200 and small.json() == {"size": 1000}
    two_mb = {"text": "x" * (2 * MB)}
    refused = await post(limited_app(), "/v1/departments/petition/events:batch", json=two_mb)
    assert refused.status_code == 413 and "without a valid access token (32 MB with one)" in refused.json()["detail"]
    taken = await post(limited_app(trusted=True), "/v1/departments/petition/events:batch", json=two_mb,
                       headers={"authorization": "Bearer signed"})
    assert taken.status_code == 200
    assert limit_of("POST", "/v1/reference/imports", trusted=True)[0] == 201 * MB
    assert limit_of("POST", "/v1/reference/imports", trusted=False)[0] == DEFAULT_LIMIT


async def test_finding_8_the_gateway_refuses_a_large_body_before_authentication() -> None:
    app = create_app(GatewaySettings(local_mode=True, jwt_key=KEY))
    reply = await post(app, "/v1/departments/petition/events", content=b"{" + b" " * (3 * MB) + b"}",
                       headers={"content-type": "application/json"})
    assert reply.status_code == 413 and reply.json()["detail"].startswith("the request body is larger")
    form = await post(app, "/open311/v2/requests.json", files=[("media", ("a.jpg", b"x" * 10)),
                                                                ("media", ("b.jpg", b"y" * 10))],
                      data={"service_code": "dispute.neighbor"})
    assert form.status_code in (400, 413)  # Open311 takes one file (its photo), an attachment one: no route more


# --- finding 9: phone and ID numbers in free text --------------------------------------------
@pytest.mark.parametrize("text,masked,found", [
    ("联系电话13800138000，身份证370921199001011234", "联系电话138****8000，身份证370921********1234", 2),
    ("请回电 +86 138-0013-8000", "请回电 138****8000", 1),
    ("电话：138 0013 8000。", "电话：138****8000。", 1),
    ("座机0538-5621234", "座机053****1234", 1),
    ("全角１３８００１３８０００", "全角１３８****８０００", 1),
    ("身份证37092119900101123X号", "身份证370921********123X号", 1),
])
def test_finding_9_phone_and_id_numbers_in_free_text_are_masked(text: str, masked: str, found: int) -> None:
    assert mask_text(text) == (masked, found)
    assert personal_data_in(text) == found


@pytest.mark.parametrize("text", [
    "订单号 1380013800012345", "编号A13800138000", "2026-11-27T09:30:00+08:00", "户号 370921001001001", "12345",
    "370921199013011234",  # month 13: no ID number
])
def test_finding_9_numbers_that_are_not_personal_data_are_left_alone(text: str) -> None:
    assert mask_text(text) == (text, 0)


# --- finding 11: smaller ones ----------------------------------------------------------------
def test_finding_11_xml_drops_characters_xml_cannot_carry() -> None:
    description = "井盖\x00缺失\x01\x08\x0b\x0c\x1f\ufffe 路口\t东侧\n<b>&"
    assert xml_text(description) == "井盖缺失 路口\t东侧\n<b>&"
    root = ET.fromstring(to_xml("service_requests", "request", [{"description": description, "lat": 35.7}]))
    assert root[0].find("description").text == "井盖缺失 路口\t东侧\n<b>&"


def test_finding_11_the_weekly_report_escapes_every_value_and_runs_no_script() -> None:
    evil = '<script>alert("x")</script>'
    row = {"grid_id": evil, "name": evil, "events": 1, "cases_opened": 1, "cases_closed": 0, "open_cases": 1,
           "overdue": 0, "escalated": 0, "closure_rate": 0.0, "orders_completed": 0, "service_hours": 0.0,
           "patrol_hours": None, "score": 50.0, "rank": 1}
    data = {"week": "2026-W48", "scope": "grid:x", "start": "2026-11-23", "end": "2026-11-30", "events_total": 1,
            "cases_opened": 1, "cases_closed": 0, "closure_rate": 0.0, "overdue": 0, "escalated": 0,
            "median_close_hours": None, "orders_completed": 0, "service_hours": 0.0, "patrol_hours": None,
            "events_by_department": {"petition": 1}, "events_by_family": {"dispute": 1}, "grids": [row]}
    html = render_html(data, scope_label=evil)
    assert "<script" not in html and "onclick" not in html
    assert "&lt;script&gt;" in html
    styles = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
    assert styles == [STYLE] and STYLE_HASH in REPORT and STYLE_HASH in DASHBOARD


async def test_finding_11_security_headers_on_the_dashboard_and_the_api() -> None:
    app = create_app(GatewaySettings(local_mode=True, jwt_key=KEY))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        for path in ("/dashboard/", "/healthz", "/open311/v2/discovery.xml", "/open311/v2/discovery.json"):
            reply = await client.get(path)
            assert reply.headers["x-content-type-options"] == "nosniff", path
            assert reply.headers["referrer-policy"] == "no-referrer", path
            assert reply.headers["x-frame-options"] == "SAMEORIGIN", path
            assert "frame-ancestors 'self'" in reply.headers["content-security-policy"], path
        dashboard = await client.get("/dashboard/")
        assert dashboard.headers["content-security-policy"] == DASHBOARD
        assert "script-src 'self';" in DASHBOARD and "unsafe-inline" not in DASHBOARD
        assert 'sandbox="allow-same-origin allow-modals"' in dashboard.text
        assert (await client.get("/healthz")).headers["content-security-policy"].startswith("default-src 'none'")
    assert policy_for("/v1/reports/weekly.html") == REPORT


def test_finding_11_a_short_signing_key_stops_the_start() -> None:
    with pytest.raises(WeakKey, match=f"at least {MIN_KEY_BYTES} bytes"):
        check_key("secret")
    with pytest.raises(WeakKey):
        create_app(GatewaySettings(local_mode=True, jwt_key="x" * (MIN_KEY_BYTES - 1)))
    assert check_key("x" * MIN_KEY_BYTES)


def test_finding_11_an_api_key_in_a_query_string_never_reaches_a_log() -> None:
    line = '127.0.0.1:5000 - "GET /open311/v2/requests/o311-1.json?api_key=eyJhbGciOi.x.y&x=1 HTTP/1.1" 200'
    assert redact(line) == '127.0.0.1:5000 - "GET /open311/v2/requests/o311-1.json?api_key=[redacted]&x=1 HTTP/1.1" 200'
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/open311/v2/requests/o311-1.json?api_key=secret.token", "1.1",
                                200), None)
    assert RedactSecrets().filter(record)
    assert "secret.token" not in record.getMessage() and "api_key=[redacted]" in record.getMessage()
