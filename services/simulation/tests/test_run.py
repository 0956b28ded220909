"""Sending the mix, against a gateway played in-process (``httpx.MockTransport``: no network):
batches per department, retries with the same ids after 429/503 and lost answers, a renewed
token, every outcome counted, the pace kept."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter, defaultdict

import httpx
import pytest
from rich.console import Console

from services.platform.vocabulary import DEPARTMENTS
from services.simulation import run
from services.simulation.console import print_summary, summary_table

pytestmark = pytest.mark.unit


class FakeGateway:
    """Signs in ``dept-<department>`` with the right password and keeps each department's ids;
    ``script`` answers the n-th batch request instead (a status, and headers)."""

    def __init__(self, password: str = "demo", script: dict[int, tuple[int, dict]] | None = None,
                 invalid: set[str] = frozenset(), drop_after_storing: set[int] = frozenset()) -> None:
        self.password = password
        self.script = script or {}
        self.invalid = invalid
        self.drop_after_storing = drop_after_storing
        self.stored: dict[str, set[str]] = defaultdict(set)
        self.batches: list[tuple[str, list[str]]] = []
        self.sign_ins = Counter()
        self.tokens: dict[str, str] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/auth/token":
            form = dict(x.split("=", 1) for x in request.content.decode().split("&"))
            user = form["username"]
            if form["password"] != self.password:
                return httpx.Response(401, json={"detail": "wrong username or password"})
            self.sign_ins[user] += 1
            self.tokens[user] = f"token-{user}-{self.sign_ins[user]}"
            return httpx.Response(200, json={"access_token": self.tokens[user], "token_type": "bearer"})
        department = request.url.path.split("/")[3]
        if request.headers.get("Authorization") != f"Bearer {self.tokens.get('dept-' + department)}":
            return httpx.Response(401, json={"detail": "token expired"})
        events = json.loads(request.content)["events"]
        self.batches.append((department, [e["id"] for e in events]))
        number = len(self.batches)
        if number in self.script:
            status, headers = self.script[number]
            return httpx.Response(status, headers=headers, json={"detail": "busy"})
        results = []
        for i, event in enumerate(events):
            if event["id"] in self.invalid:
                status = "invalid"
            elif event["id"] in self.stored[department]:
                status = "duplicate"
            else:
                self.stored[department].add(event["id"])
                status = "accepted"
            results.append({"index": i, "event_id": event["id"], "status": status,
                            "errors": [{"loc": ["summary"], "msg": "bad"}] if status == "invalid" else []})
        if number in self.drop_after_storing:
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return httpx.Response(200, json={"results": results})


def go(gateway: FakeGateway, **options) -> run.Summary:
    options.setdefault("count", 1200)
    options.setdefault("seed", 2)
    return asyncio.run(run.simulate("http://gateway.test", transport=httpx.MockTransport(gateway), **options))


def test_events_go_in_batches_per_department_and_all_are_accepted():
    gateway = FakeGateway()
    summary = go(gateway, count=2500, batch=200)
    assert summary.ok
    assert summary.total.sent == summary.total.accepted == 2500
    assert all(len(ids) <= 200 for _, ids in gateway.batches)
    for department, ids in gateway.batches:
        assert all(i.startswith(run.mix.ID_PREFIXES[department] + "-2-") for i in ids)
    assert sum(len(v) for v in gateway.stored.values()) == 2500
    assert {d: t.sent for d, t in summary.departments.items()} == {d: len(gateway.stored[d]) for d in DEPARTMENTS}
    assert set(gateway.sign_ins) == {f"dept-{d}" for d in DEPARTMENTS}


def test_sending_the_same_seed_again_is_answered_duplicate_and_nothing_doubles():
    gateway = FakeGateway()
    go(gateway)
    again = go(gateway)
    assert again.total.duplicate == 1200 and again.total.accepted == 0
    assert again.ok
    assert sum(len(v) for v in gateway.stored.values()) == 1200


def test_429_and_503_are_waited_out_and_the_same_events_sent_again():
    gateway = FakeGateway(script={1: (503, {"Retry-After": "0"}), 2: (429, {"Retry-After": "0"})})
    summary = go(gateway, count=300, batch=500)
    assert summary.ok and summary.total.accepted == 300
    assert len(gateway.batches) == len(DEPARTMENTS) + 2  # one batch each, two of them sent again
    assert summary.retries == Counter({"503": 1, "429": 1})
    for department in DEPARTMENTS:
        sent = [ids for d, ids in gateway.batches if d == department]
        assert all(ids == sent[0] for ids in sent)  # the same ids every time


def test_a_lost_answer_is_retried_and_counted_as_duplicate_not_twice():
    gateway = FakeGateway(drop_after_storing={1})
    summary = go(gateway, count=300, batch=500)
    department, lost = gateway.batches[0]
    assert [ids for d, ids in gateway.batches if d == department] == [lost, lost]
    total = summary.total
    assert total.sent == 300 and total.accepted + total.duplicate == 300
    assert total.duplicate == len(lost)
    assert summary.retries == Counter({"ReadTimeout": 1})
    assert summary.ok


def test_an_expired_token_is_renewed_by_signing_in_again():
    gateway = FakeGateway()
    gateway.tokens["dept-petition"] = "revoked"  # the gateway forgot the first sign-in
    original = gateway.__call__

    def forget_once(request: httpx.Request) -> httpx.Response:
        reply = original(request)
        if request.url.path == "/v1/auth/token" and "petition" in request.content.decode() \
                and gateway.sign_ins["dept-petition"] == 1:
            gateway.tokens["dept-petition"] = "revoked"
        return reply

    summary = asyncio.run(run.simulate("http://gateway.test", count=600, seed=2,
                                       transport=httpx.MockTransport(forget_once)))
    assert summary.ok and summary.total.accepted == 600
    assert gateway.sign_ins["dept-petition"] == 2


def test_refused_and_failed_events_are_counted_and_make_the_run_not_ok():
    probe = FakeGateway()
    go(probe, count=50)
    refused = {ids[0] for _, ids in probe.batches[:2]}
    gateway = FakeGateway(invalid=refused, script={n: (500, {}) for n in range(3, 4)})
    summary = go(gateway, count=50)
    total = summary.total
    assert total.refused == 2
    assert total.failed == len(gateway.batches[2][1])
    assert total.sent == total.accepted + total.refused + total.failed == 50
    assert not summary.ok
    assert summary.refusals and summary.failures


def test_a_wrong_password_stops_the_run_before_anything_is_sent():
    gateway = FakeGateway(password="secret")
    with pytest.raises(run.SimulationError, match="dept-comprehensive_governance"):
        go(gateway)
    assert gateway.batches == []


def test_a_rate_paces_the_sending_and_batches_leave_when_they_have_waited():
    gateway = FakeGateway()
    started = time.monotonic()
    summary = go(gateway, count=60, rate=40.0)
    took = time.monotonic() - started
    assert summary.total.accepted == 60
    assert 1.3 < took < 8.0  # 60 events at 40 a second: 1.5 s
    assert len(gateway.batches) > 5  # not one batch per department at the end


def test_a_duration_sends_for_that_long():
    gateway = FakeGateway()
    started = time.monotonic()
    summary = go(gateway, count=None, duration=1.0, rate=100.0)
    assert 0.9 < time.monotonic() - started < 6.0
    assert 80 <= summary.total.accepted <= 110


def test_the_options_are_checked():
    for options in ({"count": None}, {"count": 5, "duration": 1.0}, {"batch": 501}, {"rate": 0.0}):
        with pytest.raises(ValueError):
            go(FakeGateway(), **options)


def test_the_summary_shows_every_department_and_the_rates():
    gateway = FakeGateway()
    summary = go(gateway, count=400)
    console = Console(record=True, width=120)
    print_summary(console, summary)
    text = console.export_text()
    for department in DEPARTMENTS:
        assert department in text
    assert "accepted/s" in text and "400" in text
    assert "sent again" not in text
    summary.retries["503"] += 2
    console = Console(record=True, width=120)
    print_summary(console, summary)
    assert "batches sent again: 2 (503 ×2)" in console.export_text()
    assert summary_table(summary).row_count == len(DEPARTMENTS) + 1


def test_a_gateway_that_does_not_answer_is_said_within_seconds():
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    started = time.monotonic()
    with pytest.raises(run.SimulationError, match="unreachable"):
        asyncio.run(run.simulate("http://gateway.test", count=5, transport=httpx.MockTransport(down)))
    assert time.monotonic() - started < 5
