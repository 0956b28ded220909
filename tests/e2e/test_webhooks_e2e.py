"""Webhooks and notifications through the gateway: the county and a department subscribe a
receiver this test runs, a case goes up the loop and is handed over; each receives the events of
what it sees, signed, the one the receiver first refused again after the backoff, and each
subscription's log shows the attempts; the accounts that hold the case where it arrives are
notified, nobody else, and each reads its own."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from gateway.notifications import signing
from services.local import LocalPlatform, free_port

pytestmark = pytest.mark.e2e

# A point in a compound of the synthetic county (文华新城小区).
LON, LAT = 116.783711, 35.746942
SECRET = "county-centre-receiver-secret"


@pytest.fixture(scope="module")
def client(platform: LocalPlatform) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as c:
        yield c


_tokens: dict[str, dict[str, str]] = {}


def auth(client: httpx.Client, username: str) -> dict[str, str]:
    if username not in _tokens:
        reply = client.post("/v1/auth/token", data={"username": username, "password": "demo"})
        assert reply.status_code == 200, reply.text
        _tokens[username] = {"Authorization": f"Bearer {reply.json()['access_token']}"}
    return _tokens[username]


class Receiver:
    """A department system's endpoint: refuses the first POST (500), takes the rest (200)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.got: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.got.append((dict(self.headers), body))
                self.send_response(500 if len(receiver.got) == 1 else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/gridfusion"

    def of_case(self, case_id: str) -> list[dict]:
        return [json.loads(b) for _, b in self.got if json.loads(b)["case_id"] == case_id]


def ok(reply: httpx.Response, code: int = 200) -> dict:
    assert reply.status_code == code, reply.text
    return reply.json() if reply.content else {}


def wait(what, timeout: float = 90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = what()
        if got:
            return got
        time.sleep(0.5)
    raise AssertionError(f"not within {timeout} s")


def test_webhooks_deliver_what_each_subscriber_sees_signed_retried_logged_and_holders_are_told(
    client: httpx.Client,
) -> None:
    county_system, petition_system = Receiver(), Receiver()
    admin, dept = auth(client, "admin"), auth(client, "dept-petition")
    made = ok(
        client.post(
            "/v1/webhooks",
            json={
                "url": county_system.url,
                "events": ["case.opened", "case.handed_over"],
                "secret": SECRET,
                "description": "县综治中心平台",
            },
            headers=admin,
        ),
        201,
    )
    assert (
        "secret" not in made and made["scope"]["role"] == "county" and made["created_by"] == "admin"
    )
    assert made["scope"]["street_id"] is None  # the whole county
    county_hook = made["webhook_id"]
    petition_hook = ok(
        client.post(
            "/v1/webhooks",
            json={
                "url": petition_system.url,
                "events": ["case.changed"],
                "secret": SECRET + "-petition",
            },
            headers=dept,
        ),
        201,
    )["webhook_id"]
    try:
        assert "secret" not in ok(client.get(f"/v1/webhooks/{county_hook}", headers=admin))
        # Each account manages its own scope's subscriptions.
        assert client.get(f"/v1/webhooks/{county_hook}", headers=dept).status_code == 404
        assert county_hook in [
            h["webhook_id"] for h in ok(client.get("/v1/webhooks", headers=admin))["items"]
        ]
        assert [h["webhook_id"] for h in ok(client.get("/v1/webhooks", headers=dept))["items"]] == [
            petition_hook
        ]
        assert (
            client.delete(
                f"/v1/webhooks/{petition_hook}", headers=auth(client, "dept-legal_aid")
            ).status_code
            == 404
        )

        # A case opens, climbs to the street and is handed to petitions.
        tag = uuid.uuid4().hex[:8]
        event = {
            "id": f"wh-{tag}",
            "type": "incident.reported",
            "time": "2026-11-27T09:30:00+08:00",
            "category": "dispute.neighbor",
            "summary": "张三反映楼上漏水，邻里协商未果",
            "severity": "medium",
            "subject_id": f"H-{tag}",
            "location": {"lon": LON, "lat": LAT},
        }
        ok(
            client.post(
                "/v1/departments/comprehensive_governance/events",
                json=event,
                headers=auth(client, "dept-comprehensive_governance"),
            ),
            202,
        )
        fused = wait(
            lambda: (
                (r := client.get(f"/v1/events/{event['id']}", headers=admin)).status_code == 200
                and r.json()["status"] == "fused"
                and r.json()
            )
        )
        case_id, grid_id = fused["case_id"], fused["grid_id"]
        grid = ok(client.get(f"/v1/grids/{grid_id}", headers=admin))["properties"]
        sec, community, street = (
            f"sec-{grid_id}",
            f"community-{grid['community_id']}",
            f"street-{grid['street_id']}",
        )
        for who, body in (
            (sec, {"action": "escalate", "note": "需社区协调"}),
            (community, {"action": "escalate"}),
            (street, {"action": "accept"}),
            (street, {"action": "assess", "risk_level": "medium"}),
            (street, {"action": "hand_over", "department": "petition", "note": "请信访局接办"}),
        ):
            ok(client.post(f"/v1/cases/{case_id}/actions", json=body, headers=auth(client, who)))

        # The county's system: the opening and the hand-over, the first refused and sent again.
        got = wait(
            lambda: len(county_system.of_case(case_id)) >= 3 and county_system.of_case(case_id),
            timeout=120,
        )
        assert sorted({g["event"] for g in got}) == ["case.handed_over", "case.opened"]
        for headers, body in county_system.got:
            assert signing.verify(SECRET, body, headers[signing.SIGNATURE])
            assert headers[signing.EVENT] == json.loads(body)["event"]
        assert "张三" not in county_system.got[0][1].decode()
        log = wait(
            lambda: (
                [
                    d
                    for d in ok(
                        client.get(
                            f"/v1/webhooks/{county_hook}/deliveries",
                            params={"page_size": 200},
                            headers=admin,
                        )
                    )["items"]
                    if d["case_id"] == case_id and d["status"] == "delivered"
                ]
                or None
            )
        )
        retried = [d for d in log if [a["status_code"] for a in d["attempts"]] == [500, 200]]
        assert len(retried) == 1 and retried[0]["next_attempt_at"] is None
        assert retried[0]["attempts"][0]["at"].endswith("+08:00")

        # Petitions' system: only what petitions sees, the case while handed to it; refused at
        # first, the one delivery came again under its id.
        got = wait(
            lambda: len(petition_system.of_case(case_id)) >= 2 and petition_system.of_case(case_id)
        )
        assert len({g["delivery_id"] for g in got}) == 1
        assert {(g["event"], g["status"], g["handed_to"]) for g in got} == {
            ("case.changed", "handed_over", "petition")
        }
        assert all(
            signing.verify(SECRET + "-petition", b, h[signing.SIGNATURE])
            for h, b in petition_system.got
        )

        # Notifications: each level that received the case, and nobody else.
        def arrivals(username: str) -> list[str]:
            items = ok(client.get("/v1/notifications", headers=auth(client, username)))["items"]
            return sorted(
                n["change"] for n in items if n["case_id"] == case_id and n["kind"] == "arrived"
            )

        assert wait(lambda: arrivals("dept-petition")) == ["handed_over"]
        assert arrivals(sec) == arrivals(f"worker-{grid_id}") == ["opened"]
        assert arrivals(community) == ["escalated"] and arrivals(street) == ["escalated"]
        other = "370921002003001" if grid_id != "370921002003001" else "370921001001002"
        for outsider in ("dept-legal_aid", f"worker-{other}", "admin"):
            assert arrivals(outsider) == [], outsider
        inbox = ok(client.get("/v1/notifications", headers=dept))
        mine = next(n for n in inbox["items"] if n["case_id"] == case_id)
        assert not mine["read"] and inbox["unread"] >= 1
        assert ok(client.post(f"/v1/notifications/{mine['notification_id']}/read", headers=dept))[
            "read"
        ]
        assert ok(client.get("/v1/notifications", headers=dept))["unread"] == inbox["unread"] - 1
        # Another account cannot read (or mark) it.
        assert (
            client.post(
                f"/v1/notifications/{mine['notification_id']}/read",
                headers=auth(client, "dept-legal_aid"),
            ).status_code
            == 404
        )
        assert (
            ok(client.post("/v1/notifications/read-all", headers=auth(client, sec)))["marked"] >= 1
        )
        assert (
            ok(
                client.get(
                    "/v1/notifications", params={"unread_only": True}, headers=auth(client, sec)
                )
            )["unread"]
            == 0
        )
    finally:
        for hook, who in ((county_hook, admin), (petition_hook, dept)):
            client.delete(f"/v1/webhooks/{hook}", headers=who)
        for receiver in (county_system, petition_system):
            receiver.server.shutdown()
    assert client.get(f"/v1/webhooks/{county_hook}", headers=admin).status_code == 404


@pytest.mark.parametrize(
    "body, where, says",
    [
        (
            {"url": "ftp://example.org/x", "events": ["case.changed"], "secret": "s" * 16},
            "url",
            "http:// or https://",
        ),
        (
            {"url": "https://example.org/x", "events": ["case.moved"], "secret": "s" * 16},
            "events",
            "unknown event",
        ),
        (
            {"url": "https://example.org/x", "events": [], "secret": "s" * 16},
            "events",
            "at least 1",
        ),
        (
            {"url": "https://example.org/x", "events": ["case.changed"], "secret": "short"},
            "secret",
            "at least 16",
        ),
        ({"url": "https://example.org/x", "events": ["case.changed"]}, "secret", "Field required"),
    ],
)
def test_a_bad_subscription_is_a_422_naming_the_field(
    client: httpx.Client, body: dict, where: str, says: str
) -> None:
    reply = client.post("/v1/webhooks", json=body, headers=auth(client, "admin"))
    assert reply.status_code == 422, reply.text
    [problem] = reply.json()["detail"]
    assert problem["loc"][:2] == ["body", where] and says in problem["msg"]


def test_who_may_subscribe_and_read_notifications(client: httpx.Client) -> None:
    body = {"url": "https://example.org/hook", "events": ["case.changed"], "secret": "s" * 16}
    for username in (
        "worker-370921001001001",
        "sec-370921001001001",
        "member-370921001001001",
        "resident-370921001001001",
    ):
        assert (
            client.post("/v1/webhooks", json=body, headers=auth(client, username)).status_code
            == 403
        ), username
    assert client.get("/v1/webhooks").status_code == 401
    assert client.get("/v1/notifications").status_code == 401
    assert (
        client.get(
            "/v1/notifications", headers=auth(client, "resident-370921001001001")
        ).status_code
        == 403
    )
    assert client.get("/v1/webhooks/wh_nosuch", headers=auth(client, "admin")).status_code == 404
    assert (
        client.get("/v1/webhooks/wh_nosuch/deliveries", headers=auth(client, "admin")).status_code
        == 404
    )
    bad = client.get("/v1/notifications", params={"limit": 0}, headers=auth(client, "admin"))
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "limit"]
    assert (
        client.post("/v1/notifications/nosuch/read", headers=auth(client, "admin")).status_code
        == 404
    )
