"""Single sign-on in headless Chromium: the dashboard offers "sign in with 统一身份认证平台", the
provider's own sign-in page (oidc-provider-mock, started here) is filled in, and the browser comes
back to the dashboard signed in with the role the mapping gives — or with the reason it was not."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.local import LocalPlatform
from tests.browser.polling import wait_until
from tests.oidc_provider import DISPLAY_NAME, QUIET, IdentityProvider, grid_ids, sso_platform

pytestmark = [pytest.mark.browser, QUIET]

@pytest.fixture(scope="module")
def provider() -> Iterator[IdentityProvider]:
    provider = IdentityProvider().start()
    yield provider
    provider.stop()


@pytest.fixture(scope="module")
def sso(tmp_path_factory: pytest.TempPathFactory, provider: IdentityProvider) -> Iterator[LocalPlatform]:
    with sso_platform(Path(tmp_path_factory.mktemp("sso-browser")), provider.issuer) as platform:
        yield platform


@pytest.fixture
def errors() -> list[str]:
    return []


@pytest.fixture
def page(browser, errors: list[str]):
    context = browser.new_context(viewport={"width": 1400, "height": 850}, locale="zh-CN")
    # The provider's page styles itself from a CDN; this machine does not go out.
    context.route("https://cdn.jsdelivr.net/**", lambda route: route.abort())
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()


def sign_in_at_the_provider(page, sso: LocalPlatform, provider: IdentityProvider, sub: str) -> None:
    page.goto(sso.gateway_url + "/")
    button = page.locator("#sso-login")
    button.wait_for(state="visible")
    assert DISPLAY_NAME in button.inner_text()
    button.click()
    page.wait_for_url(f"{provider.issuer}/oauth2/authorize**")
    page.fill("input[name=sub]", sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{sso.gateway_url}/dashboard/**")


def test_a_grid_secretary_signs_in_with_the_identity_platform_and_sees_their_role(
    sso: LocalPlatform, provider: IdentityProvider, page, errors: list[str], output_dir: Path
) -> None:
    grid = grid_ids(sso)[5]
    sub = f"sub-{uuid.uuid4().hex[:12]}"
    username = f"liu.fang-{uuid.uuid4().hex[:6]}"
    provider.set_user(sub, {"preferred_username": username, "name": "刘芳", "groups": ["grid-secretaries"],
                            "grid_code": grid})
    sign_in_at_the_provider(page, sso, provider, sub)

    who = page.locator("#whoami")
    who.wait_for(state="visible", timeout=20000)
    assert who.get_attribute("data-username") == username
    assert who.get_attribute("data-role") == "secretary"
    assert "刘芳" in who.inner_text() and "网格党支部书记" in who.inner_text()
    assert "sso=" not in page.url  # the one-time code does not stay in the address bar
    wait_until(page, f"document.querySelector('#map path[data-grid-id=\"{grid}\"]') !== null")
    shots = output_dir / "browser"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "sso-signed-in.png"), full_page=True)
    assert errors == []


def test_a_person_the_mapping_does_not_know_comes_back_to_the_sign_in_with_the_reason(
    sso: LocalPlatform, provider: IdentityProvider, page, errors: list[str]
) -> None:
    sub = f"sub-{uuid.uuid4().hex[:12]}"
    provider.set_user(sub, {"preferred_username": f"guest-{uuid.uuid4().hex[:6]}", "groups": ["library-staff"]})
    sign_in_at_the_provider(page, sso, provider, sub)
    wait_until(page, "document.querySelector('#login-error').textContent.includes('no rule')")
    assert page.locator("#login-view").is_visible()
    assert page.locator("#whoami").is_hidden()
    assert errors == []
