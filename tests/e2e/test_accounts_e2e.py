"""Accounts and sign-in through the running platform, as a county would use them: a secretary
created by the county signs in with a one-time password and sees only its grid; administrators
stay inside their subtree; disabling or re-scoping an account ends its tokens and live feeds at
once on every gateway replica; refresh tokens rotate; sign-in floods are refused and never slow
the gateway down.

Failed sign-ins here come "from" addresses of their own (``X-Forwarded-For``, which the gateway
trusts from its loopback proxy), so the address limit never touches the other e2e tests.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest

from services.local import LocalPlatform, free_port, tool

pytestmark = pytest.mark.e2e
STRONG = "quartz orchard lantern 58"


@pytest.fixture(scope="module")
def client(platform: LocalPlatform):
    with httpx.Client(base_url=platform.gateway_url, timeout=60) as c:
        yield c


def sign_in(client: httpx.Client, username: str, password: str = "demo", **headers) -> httpx.Response:
    return client.post("/v1/auth/token", data={"username": username, "password": password}, headers=headers)


def bearer(reply: httpx.Response) -> dict[str, str]:
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def address() -> dict[str, str]:
    """A client address of this test's own."""
    n = uuid.uuid4().int
    return {"X-Forwarded-For": f"10.{n % 250}.{n // 250 % 250}.{n // 62500 % 250 + 1}"}


@pytest.fixture(scope="module")
def admin(client: httpx.Client) -> dict[str, str]:
    return bearer(sign_in(client, "admin"))


@pytest.fixture(scope="module")
def places(client: httpx.Client, admin: dict) -> dict:
    features = client.get("/v1/grids", headers=admin).json()["features"]
    first = features[0]["properties"]
    same_community = [f["properties"]["grid_id"] for f in features
                      if f["properties"]["community_id"] == first["community_id"]]
    elsewhere = next(f["properties"] for f in features if f["properties"]["street_id"] != first["street_id"])
    return {"grid": first["grid_id"], "community": first["community_id"], "street": first["street_id"],
            "community_grids": same_community, "other_grid": elsewhere["grid_id"],
            "other_community": elsewhere["community_id"]}


def create(client: httpx.Client, headers: dict, role: str, scope: dict, **extra) -> httpx.Response:
    return client.post("/v1/accounts", headers=headers,
                       json={"username": unique(role), "role": role, "scope": scope, **extra})


def account_with_password(client: httpx.Client, admin: dict, role: str, scope: dict) -> tuple[str, dict]:
    """A new account holding a strong password, and its bearer header."""
    reply = create(client, admin, role, scope, password=STRONG)
    assert reply.status_code == 201, reply.text
    username = reply.json()["username"]
    return username, bearer(sign_in(client, username, STRONG))


def test_county_creates_a_secretary_who_must_change_the_one_time_password_then_sees_only_its_grid(
        client: httpx.Client, admin: dict, places: dict) -> None:
    reply = create(client, admin, "secretary", {"grid_id": places["grid"]}, display_name="王芳")
    assert reply.status_code == 201, reply.text
    made = reply.json()
    assert made["scope"] == {"street_id": places["street"], "community_id": places["community"],
                             "grid_id": places["grid"], "department": None}
    assert made["must_change_password"] and len(made["one_time_password"]) == 16
    assert client.get(f"/v1/accounts/{made['username']}", headers=admin).json()["one_time_password"] is None

    first = sign_in(client, made["username"], made["one_time_password"])
    assert first.status_code == 200 and first.json()["must_change_password"] is True
    otp_token = bearer(first)
    refused = client.get("/v1/cases", headers=otp_token)
    assert refused.status_code == 403 and "one-time password" in refused.json()["detail"]
    assert client.get("/v1/auth/me", headers=otp_token).json()["must_change_password"] is True
    weak = client.post("/v1/auth/password", headers=otp_token,
                       json={"old_password": made["one_time_password"], "new_password": "password123"})
    assert weak.status_code == 422 and weak.json()["detail"][0]["loc"] == ["body", "new_password"]
    changed = client.post("/v1/auth/password", headers=otp_token,
                          json={"old_password": made["one_time_password"], "new_password": STRONG})
    assert changed.status_code == 200 and changed.json()["must_change_password"] is False
    assert client.get("/v1/cases", headers=otp_token).status_code == 401  # the old session ended
    assert sign_in(client, made["username"], made["one_time_password"], **address()).status_code == 401

    mine = bearer(changed)
    me = client.get("/v1/auth/me", headers=mine).json()
    assert (me["role"], me["scope"]["grid_id"], me["display_name"]) == ("secretary", places["grid"], "王芳")
    cases = client.get("/v1/cases", headers=mine, params={"page_size": 200}).json()["items"]
    assert all(c["grid_id"] == places["grid"] for c in cases)
    assert client.get(f"/v1/grids/{places['grid']}/households", headers=mine).status_code == 200
    assert client.get(f"/v1/grids/{places['other_grid']}/households", headers=mine).status_code in (403, 404)
    assert client.get("/v1/accounts", headers=mine).status_code == 403


def test_a_community_administrator_stays_inside_its_community_and_below_its_own_role(
        client: httpx.Client, admin: dict, places: dict) -> None:
    _, community = account_with_password(client, admin, "community", {"community_id": places["community"]})
    assert create(client, community, "county", {}).status_code == 403
    assert create(client, community, "street", {"street_id": places["street"]}).status_code == 403
    assert create(client, community, "department", {"department": "petition"}).status_code == 403
    outside = create(client, community, "secretary", {"grid_id": places["other_grid"]})
    assert outside.status_code == 403 and "own community" in outside.json()["detail"]
    inside = create(client, community, "worker", {"grid_id": places["community_grids"][-1]})
    assert inside.status_code == 201, inside.text
    unknown = create(client, community, "worker", {"grid_id": "370921999999999"})
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", "scope", "grid_id"]
    listed = client.get("/v1/accounts", headers=community, params={"page_size": 500}).json()
    assert listed["items"] and all(a["scope"]["community_id"] == places["community"] for a in listed["items"])
    assert not {"county", "street", "department"} & {a["role"] for a in listed["items"]}
    worker = inside.json()["username"]
    moved = client.patch(f"/v1/accounts/{worker}", headers=community, json={"scope": {"grid_id": places["other_grid"]}})
    assert moved.status_code == 403
    assert client.get("/v1/accounts/admin", headers=community).status_code == 404


@pytest.fixture(scope="module")
def second_gateway(platform: LocalPlatform):
    """Another gateway replica on the same database and signing key, as in a cluster."""
    port = free_port()
    env = platform.env_of("gateway") | {"GATEWAY_HTTP_PORT": str(port), "GATEWAY_FEED_SESSION_CHECK_SECONDS": "1"}
    log = (platform.home / "logs" / "gateway-2.log").open("ab")
    proc = subprocess.Popen([tool("gridfusion"), "serve", "gateway"], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=3).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    else:
        proc.kill()
        raise AssertionError("the second gateway did not become ready:\n" + platform.log_tail("gateway-2", 30))
    yield url
    proc.terminate()
    proc.wait(15)
    log.close()


async def _feed_until_closed(url: str, headers: dict, ready: asyncio.Event) -> str:
    """Follow a live feed until the gateway ends it; the reason it gave."""
    async with (httpx.AsyncClient(base_url=url, timeout=None) as ac,
                ac.stream("GET", "/v1/feed/cases", headers=headers) as stream):
        assert stream.status_code == 200
        name = ""
        async for line in stream.aiter_lines():
            if line.startswith("event:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and name == "ready":
                ready.set()
            elif line.startswith("data:") and name == "session_ended":
                return json.loads(line[5:])["reason"]
    return "closed without a reason"


@pytest.mark.parametrize("change", ["disable", "role"])
async def test_disabling_or_re_scoping_an_account_ends_its_tokens_and_feeds_on_every_replica(
        client: httpx.Client, admin: dict, places: dict, platform: LocalPlatform, second_gateway: str,
        change: str) -> None:
    username, here = account_with_password(client, admin, "worker", {"grid_id": places["grid"]})
    there = bearer(sign_in(httpx.Client(base_url=second_gateway, timeout=30), username, STRONG))
    assert client.get("/v1/cases", headers=here).status_code == 200
    ready_here, ready_there = asyncio.Event(), asyncio.Event()
    feed_here = asyncio.create_task(_feed_until_closed(platform.gateway_url, here, ready_here))
    feed_there = asyncio.create_task(_feed_until_closed(second_gateway, there, ready_there))
    await asyncio.wait_for(asyncio.gather(ready_here.wait(), ready_there.wait()), 20)

    body = {"disabled": True} if change == "disable" else {"role": "secretary"}
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=30) as ac:
        reply = await ac.patch(f"/v1/accounts/{username}", headers=admin, json=body)
        assert reply.status_code == 200, reply.text
        assert (await ac.get("/v1/cases", headers=here)).status_code == 401
    async with httpx.AsyncClient(base_url=second_gateway, timeout=30) as ac:
        refused = await ac.get("/v1/cases", headers=there)
        assert refused.status_code == 401
        assert ("disabled" if change == "disable" else "role or scope changed") in refused.json()["detail"]
    reasons = await asyncio.wait_for(asyncio.gather(feed_here, feed_there), 15)
    assert all(("disabled" if change == "disable" else "role") in r for r in reasons), reasons
    again = sign_in(client, username, STRONG)
    if change == "disable":
        assert again.status_code == 401 and "disabled" in again.json()["detail"]
    else:
        assert again.status_code == 200
        assert client.get("/v1/auth/me", headers=bearer(again)).json()["role"] == "secretary"


def test_refresh_rotates_a_reused_refresh_token_ends_the_session_and_logout_revokes(
        client: httpx.Client, admin: dict, places: dict) -> None:
    username, _ = account_with_password(client, admin, "worker", {"grid_id": places["grid"]})
    first = sign_in(client, username, STRONG).json()
    assert first["expires_in"] <= 1800
    second = client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200 and second.json()["refresh_token"] != first["refresh_token"]
    fresh = {"Authorization": f"Bearer {second.json()['access_token']}"}
    assert client.get("/v1/auth/me", headers=fresh).status_code == 200
    reused = client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401 and "already used" in reused.json()["detail"]
    # a copied refresh token ends the session it came from, for whoever holds it
    assert client.get("/v1/auth/me", headers=fresh).status_code == 401
    assert client.post("/v1/auth/refresh", json={"refresh_token": second.json()["refresh_token"]}).status_code == 401

    third = sign_in(client, username, STRONG).json()
    headers = {"Authorization": f"Bearer {third['access_token']}"}
    assert client.post("/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/v1/auth/me", headers=headers).status_code == 401
    assert client.post("/v1/auth/refresh", json={"refresh_token": third["refresh_token"]}).status_code == 401
    assert client.post("/v1/auth/refresh", json={"refresh_token": "garbage"}).status_code == 401


def test_repeated_failures_lock_the_username_and_flood_from_an_address_is_refused_with_retry_after(
        client: httpx.Client, admin: dict, places: dict) -> None:
    username, _ = account_with_password(client, admin, "worker", {"grid_id": places["grid"]})
    for attempt in range(5):
        assert sign_in(client, username, f"wrong-{attempt}", **address()).status_code == 401
    locked = sign_in(client, username, STRONG, **address())
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 60
    assert "locked" in locked.json()["detail"]
    # The lockout's audit entry goes through the gateway's outbox to the audit log: soon, not at once.
    deadline = time.monotonic() + 15
    while True:
        audit = client.get("/v1/audit", headers=admin, params={"who": "gateway:sign-in", "page_size": 50}).json()
        if any(username in entry["what"] and "locked" in entry["what"] for entry in audit["items"]):
            break
        assert time.monotonic() < deadline, "the lockout never reached the audit log"
        time.sleep(0.3)

    flood = address()
    for n in range(20):
        assert sign_in(client, f"nobody-{n}", "wrong", **flood).status_code == 401
    refused = sign_in(client, "admin", "demo", **flood)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "address" in refused.json()["detail"]
    assert sign_in(client, "admin", "demo", **address()).status_code == 200  # others are not affected


async def test_healthz_and_case_reads_stay_fast_during_a_burst_of_200_sign_ins(
        client: httpx.Client, admin: dict, places: dict, platform: LocalPlatform, output_dir: Path) -> None:
    username, reader = account_with_password(client, admin, "worker", {"grid_id": places["grid"]})
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=120,
                                 limits=httpx.Limits(max_connections=250)) as ac:
        quiet = [await _timed(ac.get("/healthz")) for _ in range(30)]
        burst = [asyncio.create_task(ac.post("/v1/auth/token", data={"username": username, "password": STRONG}))
                 for _ in range(200)]
        health, reads = [], []
        while not all(t.done() for t in burst):
            health.append(await _timed(ac.get("/healthz")))
            reads.append(await _timed(ac.get("/v1/cases", headers=reader, params={"page_size": 20})))
        answers = await asyncio.gather(*burst)
    assert all(a.status_code == 200 for a in answers), {a.status_code for a in answers}
    p99 = _quantile(health, 0.99)
    figures = {"sign_ins": len(answers), "healthz_samples": len(health), "healthz_p50_ms": _ms(statistics.median(health)),
               "healthz_p99_ms": _ms(p99), "healthz_quiet_p50_ms": _ms(statistics.median(quiet)),
               "case_read_p50_ms": _ms(statistics.median(reads)), "case_read_p99_ms": _ms(_quantile(reads, 0.99))}
    (output_dir / "sign-in-burst.json").write_text(json.dumps(figures, indent=2))
    print(f"\nsign-in burst: {figures}")
    assert len(health) >= 10, "the burst ended before /healthz was sampled"
    assert p99 < 0.5, figures
    assert statistics.median(reads) < 1.0, figures


async def _timed(request) -> float:
    started = time.perf_counter()
    reply = await request
    assert reply.status_code == 200, reply.text
    return time.perf_counter() - started


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def test_the_accounts_api_is_in_the_openapi_document(client: httpx.Client) -> None:
    paths = set(client.get("/openapi.json").json()["paths"])
    assert {"/v1/accounts", "/v1/accounts/{username}", "/v1/accounts/{username}:reset-password", "/v1/auth/token",
            "/v1/auth/refresh", "/v1/auth/logout", "/v1/auth/password", "/v1/auth/me"} <= paths

