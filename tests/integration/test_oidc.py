"""Single sign-on against a real OpenID Connect provider (oidc-provider-mock, started here): the
gateway, started as ``make run`` starts it, trusts the provider by discovery and JWKS, and maps
its people onto accounts with the mapping file of tests/oidc_provider.py."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import httpx
import pytest

from gateway.main import create_app
from gateway.settings import GatewaySettings
from services.local import LocalPlatform
from tests.oidc_provider import (
    CLIENT_ID,
    DISPLAY_NAME,
    QUIET,
    IdentityProvider,
    admin_headers,
    grid_ids,
    sso_platform,
)

pytestmark = [pytest.mark.integration, QUIET]


@dataclass
class Sso:
    platform: LocalPlatform
    provider: IdentityProvider
    down: httpx.Response  # what the gateway answered a sign-in before the provider was up
    grids: list[str]

    @property
    def gateway(self) -> str:
        return self.platform.gateway_url

    def admin(self) -> dict[str, str]:
        return admin_headers(self.platform)


@pytest.fixture(scope="module")
def sso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sso]:
    provider = IdentityProvider()  # not started yet: the gateway must start without it
    with sso_platform(Path(tmp_path_factory.mktemp("sso")), provider.issuer) as platform:
        down = httpx.get(f"{platform.gateway_url}/v1/auth/oidc/login", timeout=30)
        provider.start()
        try:
            yield Sso(platform, provider, down, grid_ids(platform))
        finally:
            provider.stop()


def person(sso: Sso, **claims) -> tuple[str, str]:
    """A new person at the provider: (sub, username they should get)."""
    name = f"wang.li-{uuid.uuid4().hex[:8]}"
    sub = f"sub-{uuid.uuid4().hex[:12]}"
    sso.provider.set_user(sub, {"preferred_username": name, "name": "王丽", **claims})
    return sub, name


def start(browser: httpx.Client, next_path: str = "/dashboard/") -> str:
    """Press "sign in with …": the provider's authorization URL the gateway sends the browser to."""
    login = browser.get("/v1/auth/oidc/login", params={"next": next_path})
    assert login.status_code == 302, login.text
    return login.headers["location"]


def come_back(browser: httpx.Client, callback: str) -> dict[str, str]:
    """Follow the provider back to the gateway: the dashboard fragment (``sso`` or ``sso_error``)."""
    assert callback.startswith(str(browser.base_url.join("/v1/auth/oidc/callback"))), callback
    done = browser.get(callback)
    assert done.status_code == 302, done.text
    target = urlsplit(done.headers["location"])
    assert target.path == "/dashboard/", target
    return {k: unquote(v) for k, v in (p.split("=", 1) for p in target.fragment.split("&"))}


def sign_in(sso: Sso, sub: str) -> dict:
    """The whole sign-in of ``sub`` in a fresh browser: the token JSON."""
    with httpx.Client(base_url=sso.gateway, timeout=30) as browser:
        fragment = come_back(browser, sso.provider.authorize(start(browser), sub))
        assert "sso" in fragment, fragment
        reply = browser.post("/v1/auth/oidc/exchange", json={"code": fragment["sso"]})
        assert reply.status_code == 200, reply.text
        return reply.json()


def me(sso: Sso, token: dict) -> httpx.Response:
    return httpx.get(f"{sso.gateway}/v1/auth/me", headers={"Authorization": f"Bearer {token['access_token']}"},
                     timeout=30)


def refused(sso: Sso, sub: str) -> str:
    with httpx.Client(base_url=sso.gateway, timeout=30) as browser:
        fragment = come_back(browser, sso.provider.authorize(start(browser), sub))
    assert "sso_error" in fragment, fragment
    return fragment["sso_error"]


def test_the_dashboard_is_told_which_sign_ins_there_are(sso: Sso) -> None:
    reply = httpx.get(f"{sso.gateway}/v1/auth/providers", timeout=30)
    assert reply.json() == {"password": True, "oidc": {"name": DISPLAY_NAME, "login_url": "/v1/auth/oidc/login"}}


def test_a_provider_down_while_the_gateway_starts_is_a_503_with_the_reason_and_no_crash(sso: Sso) -> None:
    assert sso.down.status_code == 503
    assert sso.down.json()["detail"].startswith(f"{DISPLAY_NAME}: the identity provider cannot be reached")
    assert sso.down.headers["retry-after"] == "30"
    assert httpx.get(f"{sso.gateway}/readyz", timeout=30).status_code == 200
    with httpx.Client(base_url=sso.gateway, timeout=30) as browser:
        assert urlsplit(start(browser)).netloc == urlsplit(sso.provider.issuer).netloc  # now it is up


def test_a_grid_secretary_signs_in_through_the_provider_with_the_mapped_role_and_scope(sso: Sso) -> None:
    grid = sso.grids[3]
    sub, username = person(sso, groups=["party-members", "grid-secretaries"], grid_code=grid)
    with httpx.Client(base_url=sso.gateway, timeout=30) as browser:
        authorize = urlsplit(start(browser, "/dashboard/?view=cases"))
        query = {k: v[0] for k, v in parse_qs(authorize.query).items()}
        assert authorize.netloc == urlsplit(sso.provider.issuer).netloc
        assert query["response_type"] == "code" and query["client_id"] == CLIENT_ID
        assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
        assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32
        assert query["redirect_uri"] == f"{sso.gateway}/v1/auth/oidc/callback"
        assert set(query["scope"].split()) == {"openid", "profile", "email"}
        callback = sso.provider.authorize(authorize.geturl(), sub)
        done = browser.get(callback)
        assert done.status_code == 302
        target = urlsplit(done.headers["location"])
        assert (target.path, target.query) == ("/dashboard/", "view=cases")
        code = target.fragment.removeprefix("sso=")
        token = browser.post("/v1/auth/oidc/exchange", json={"code": code})
        assert token.status_code == 200, token.text
        assert set(token.json()) == {"access_token", "token_type", "expires_in", "refresh_token", "must_change_password"}
        again = browser.post("/v1/auth/oidc/exchange", json={"code": code})
        assert again.status_code == 401 and "used" in again.json()["detail"]
    token = token.json()
    mine = me(sso, token).json()
    assert (mine["username"], mine["role"], mine["source"], mine["display_name"]) == (username, "secretary", "oidc", "王丽")
    assert mine["scope"]["grid_id"] == grid and mine["scope"]["community_id"] and mine["scope"]["street_id"]
    assert mine["must_change_password"] is False

    # An ordinary account: the county sees it, with who created it.
    account = httpx.get(f"{sso.gateway}/v1/accounts/{username}", headers=sso.admin(), timeout=30).json()
    assert (account["source"], account["created_by"], account["disabled"]) == ("oidc", "oidc:127.0.0.1", False)
    # The refresh token works as for a password sign-in.
    renewed = httpx.post(f"{sso.gateway}/v1/auth/refresh", json={"refresh_token": token["refresh_token"]}, timeout=30)
    assert renewed.status_code == 200

    # Signing in again is the same account; a new grid at the provider moves it, and the tokens
    # it held end, as with any change of scope.
    assert me(sso, sign_in(sso, sub)).json()["username"] == username
    sso.provider.set_user(sub, {"preferred_username": username, "name": "王丽", "groups": ["grid-secretaries"],
                                "grid_code": sso.grids[4]})
    moved = sign_in(sso, sub)
    assert me(sso, moved).json()["scope"]["grid_id"] == sso.grids[4]
    assert me(sso, token).status_code == 401
    listed = httpx.get(f"{sso.gateway}/v1/accounts", params={"role": "secretary", "page_size": 200},
                       headers=sso.admin(), timeout=30).json()
    assert [a["username"] for a in listed["items"]].count(username) == 1


def test_each_sign_in_is_taken_once_and_a_code_of_another_sign_in_is_refused(sso: Sso) -> None:
    sub, _ = person(sso, groups=["grid-secretaries"], grid_code=sso.grids[0])
    with httpx.Client(base_url=sso.gateway, timeout=30) as browser:
        callback = sso.provider.authorize(start(browser), sub)
        assert "sso" in come_back(browser, callback)
        replay = come_back(browser, callback)
        assert replay["sso_error"] == "this sign-in is unknown, already used or expired; start again"

        # A code issued to another sign-in (another PKCE challenge and nonce), slipped into this one.
        mine = parse_qs(urlsplit(sso.provider.authorize(start(browser), sub)).query)
        theirs = parse_qs(urlsplit(sso.provider.authorize(start(browser), sub)).query)
        injected = f"/v1/auth/oidc/callback?{urlencode({'state': mine['state'][0], 'code': theirs['code'][0]})}"
        error = come_back(browser, str(browser.base_url.join(injected)))["sso_error"]
        assert error.startswith("the identity provider refused the sign-in code: invalid_grant"), error

    # The provider itself gives no token for a code without its verifier.
    with httpx.Client(base_url=sso.gateway, timeout=30) as browser:
        stolen = parse_qs(urlsplit(sso.provider.authorize(start(browser), sub)).query)
    discovery = httpx.get(f"{sso.provider.issuer}/.well-known/openid-configuration").json()
    direct = httpx.post(discovery["token_endpoint"], data={
        "grant_type": "authorization_code", "code": stolen["code"][0], "client_id": CLIENT_ID,
        "redirect_uri": f"{sso.gateway}/v1/auth/oidc/callback"})
    assert direct.status_code == 400 and direct.json()["error"] == "invalid_grant"


def test_sign_ins_started_in_two_tabs_both_finish_but_not_in_another_browser(sso: Sso) -> None:
    sub, _ = person(sso, groups=["grid-secretaries"], grid_code=sso.grids[0])
    with httpx.Client(base_url=sso.gateway, timeout=30) as mine, httpx.Client(base_url=sso.gateway, timeout=30) as other:
        first, second = (sso.provider.authorize(start(mine), sub) for _ in range(2))
        assert "sso" in come_back(mine, first) and "sso" in come_back(mine, second)
        # A sign-in link passed to someone else's browser does not sign that browser in.
        passed_on = sso.provider.authorize(start(mine), sub)
        assert "another browser" in come_back(other, passed_on)["sso_error"]


def test_an_unmapped_person_is_refused_with_the_reason_and_audited(sso: Sso) -> None:
    sub, username = person(sso, groups=["library-staff"])
    reason = refused(sso, sub)
    assert reason == f"no rule of the sign-on mapping gives '{username}' a Gridfusion role; ask the county's administrator"
    assert httpx.get(f"{sso.gateway}/v1/accounts/{username}", headers=sso.admin(), timeout=30).status_code == 404
    for _ in range(100):
        audit = httpx.get(f"{sso.gateway}/v1/audit", params={"who": "oidc:127.0.0.1"}, headers=sso.admin(),
                          timeout=30).json()
        entries = [a for a in audit["items"] if sub in a["what"]]
        if entries:
            break
        time.sleep(0.2)
    assert entries and "no rule of the sign-on mapping" in entries[0]["what"]
    assert entries[0]["why"] == "single sign-on (统一身份认证)"


def test_a_scope_the_reference_data_does_not_know_is_refused(sso: Sso) -> None:
    sub, username = person(sso, groups=["grid-secretaries"], grid_code="370921999999999")
    reason = refused(sso, sub)
    assert f"gives '{username}' the role secretary" in reason and "not in the reference data" in reason


def test_a_county_administrator_and_a_department_account_come_from_their_rules(sso: Sso) -> None:
    sub, _ = person(sso, groups=["ningyang-county-admins"])
    assert (me(sso, sign_in(sso, sub)).json()["role"]) == "county"
    sub, _ = person(sso, department_code="370921-xf")
    mine = me(sso, sign_in(sso, sub)).json()
    assert (mine["role"], mine["scope"]["department"]) == ("department", "petition")


def test_a_disabled_sso_account_is_refused_and_its_tokens_end_at_once(sso: Sso) -> None:
    sub, username = person(sso, groups=["grid-secretaries"], grid_code=sso.grids[1])
    token = sign_in(sso, sub)
    assert me(sso, token).status_code == 200
    patched = httpx.patch(f"{sso.gateway}/v1/accounts/{username}", json={"disabled": True}, headers=sso.admin(),
                          timeout=30)
    assert patched.status_code == 200, patched.text
    assert me(sso, token).status_code == 401
    assert refused(sso, sub) == f"the account '{username}' is disabled; ask your administrator"
    # A password-reset makes no sense for it.
    reset = httpx.post(f"{sso.gateway}/v1/accounts/{username}:reset-password", headers=sso.admin(), timeout=30)
    assert reset.status_code == 409


def test_what_the_provider_refuses_or_an_outage_comes_back_as_a_reason_never_a_500(sso: Sso) -> None:
    sub, _ = person(sso, groups=["grid-secretaries"], grid_code=sso.grids[2])
    with httpx.Client(base_url=sso.gateway, timeout=30) as browser:
        denied = come_back(browser, sso.provider.deny(start(browser)))["sso_error"]
        assert denied.startswith("the identity provider did not sign you in: access_denied"), denied

        callback = sso.provider.authorize(start(browser), sub)
        sso.provider.outage = True
        try:
            error = come_back(browser, callback)["sso_error"]
        finally:
            sso.provider.outage = False
        assert error == "the identity provider answered 503 at its token endpoint"

        unknown = come_back(browser, f"{sso.gateway}/v1/auth/oidc/callback?state=made-up&code=made-up")
        assert "unknown" in unknown["sso_error"]
        assert browser.post("/v1/auth/oidc/exchange", json={"code": "made-up"}).status_code == 401
    # The gateway is fine: the next sign-in works.
    assert me(sso, sign_in(sso, sub)).status_code == 200


async def test_without_an_issuer_single_sign_on_is_off(sso: Sso) -> None:
    settings = GatewaySettings(local_mode=True, jwt_key="k" * 32, mongodb_uri=sso.platform.mongodb_uri,
                               nats_url=sso.platform.nats_url, database=f"gateway_{uuid.uuid4().hex[:8]}")
    app = create_app(settings)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
        assert (await client.get("/v1/auth/providers")).json() == {"password": True, "oidc": None}
        for reply in (await client.get("/v1/auth/oidc/login"),
                      await client.get("/v1/auth/oidc/callback?state=x&code=y"),
                      await client.post("/v1/auth/oidc/exchange", json={"code": "x"})):
            assert reply.status_code == 404
            assert "single sign-on is not configured" in reply.json()["detail"]
