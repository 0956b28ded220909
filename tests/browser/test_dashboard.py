"""The dashboard in headless Chromium (Debian's ``chromium``, driven by Playwright): log in, see
all 53 grids on the map, open a case, act on it, and see the change arrive on the live feed;
manage accounts, replace a one-time password, refresh tokens, single sign-on."""

from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path

import httpx
import pytest

from services.local import LocalPlatform
from tests.browser.polling import wait_until

pytestmark = pytest.mark.browser

@pytest.fixture(scope="module")
def browser_output(output_dir: Path) -> Path:
    path = output_dir / "browser"
    path.mkdir(parents=True, exist_ok=True)
    return path


def submit_case(platform: LocalPlatform) -> tuple[str, str]:
    """One event on the grid of 府前街99号; returns (grid_id, case_id)."""
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        token = client.post("/v1/auth/token", data={"username": "admin", "password": platform.demo_password}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        grid_id = client.get("/v1/locate", params={"lon": 116.8052, "lat": 35.7598}, headers=headers).json()["grid_id"]
        event_id = f"browser-{uuid.uuid4().hex[:10]}"
        reply = client.post("/v1/departments/comprehensive_governance/events", headers=headers, json={
            "id": event_id, "type": "incident.reported", "time": "2026-11-27T10:00:00+08:00",
            "category": "safety_hazard.fire", "summary": f"楼道电动车充电 {event_id}", "location": {"lon": 116.8052, "lat": 35.7598},
        })
        assert reply.status_code == 202, reply.text
        for _ in range(150):
            status = client.get(f"/v1/events/{event_id}", headers=headers).json()
            if status["status"] == "fused":
                return grid_id, status["case_id"]
            time.sleep(0.2)
    raise AssertionError("the event was not fused")


def test_dashboard_login_map_case_action_and_live_update(platform: LocalPlatform, browser, browser_output: Path) -> None:
    grid_id, case_id = submit_case(platform)
    page = browser.new_page(viewport={"width": 1500, "height": 950}, locale="zh-CN")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # The dashboard runs under its content security policy: nothing of its own is refused.
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        page.goto(platform.gateway_url + "/")
        assert page.inner_text("h1") == "多网融合 · 网格指挥中心"
        page.fill("input[name=username]", f"sec-{grid_id}")
        page.fill("input[name=password]", platform.demo_password)
        page.click("#login button[type=submit]")

        # all 53 grids drawn from the API's GeoJSON; the case's grid coloured by its open case
        wait_until(page, "document.querySelectorAll('#map path.grid').length === 53")
        wait_until(page, f"Number(document.querySelector('#map path[data-grid-id=\"{grid_id}\"]').dataset.open) >= 1")
        page.wait_for_selector("#live.on")

        # open the case from the list
        row = page.locator(f"#cases tr[data-case-id='{case_id}']")
        row.wait_for()
        row.click()
        page.wait_for_selector(f"#detail[data-case-id='{case_id}']")
        assert page.locator("#detail[data-status='reported']").count() == 1

        # act: the grid's secretary accepts it (受理); the change comes back on the live feed
        page.fill("#actions input[name=note]", "网格员已到场核实")
        page.click("#actions button[data-action='accept']")
        page.wait_for_selector(f"#live-log li[data-case-id='{case_id}'][data-status='accepted']", timeout=20000)
        page.wait_for_selector(f"#detail[data-case-id='{case_id}'][data-status='accepted']", timeout=10000)
        assert "受理" in page.inner_text("#detail .timeline")
        assert page.locator(f"#cases tr[data-case-id='{case_id}'] td.s-accepted").count() == 1

        # the English switch
        page.click("#lang")
        assert page.inner_text("#nav button[data-view=cases]") == "Map & cases"
        page.screenshot(path=str(browser_output / "dashboard.png"), full_page=True)

        # the weekly report page renders with its charts
        page.click("#nav button[data-view=report]")
        page.click("#report-form button[type=submit]")
        frame = page.frame_locator("#report-frame")
        frame.locator("svg.chart").first.wait_for()
        assert frame.locator("svg.chart").count() == 3
        # its one inline stylesheet is admitted (by hash) in the sandboxed frame; no script runs there
        assert frame.locator("h1").evaluate("e => getComputedStyle(e).color") == "rgb(166, 27, 27)"
        assert page.get_attribute("#report-frame", "sandbox") == "allow-same-origin allow-modals"
        page.screenshot(path=str(browser_output / "weekly-report.png"), full_page=True)
    finally:
        page.close()
    assert errors == []
    assert (browser_output / "dashboard.png").stat().st_size > 10_000


def test_service_order_loop_in_the_dashboard(platform: LocalPlatform, browser, browser_output: Path) -> None:
    """居民点单 → 支部下单 → 党员接单 → 完成 → 评价, each person in their own browser session."""
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        token = client.post("/v1/auth/token", data={"username": "admin", "password": platform.demo_password}).json()
        grid_id = client.get("/v1/locate", params={"lon": 116.80, "lat": 35.76},
                             headers={"Authorization": f"Bearer {token['access_token']}"}).json()["grid_id"]
    errors: list[str] = []
    contexts = []

    def session(username: str):
        context = browser.new_context(viewport={"width": 1400, "height": 800}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{username}: {exc}"))
        page.goto(platform.gateway_url + "/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", platform.demo_password)
        page.click("#login button[type=submit]")
        return page

    def row_of(page, title: str):
        row = page.locator("#orders tbody tr", has_text=title)
        row.wait_for()
        return row

    try:
        member = session(f"member-{grid_id}")
        member.wait_for_selector("#register:not([hidden])")
        member.fill("#register input[name=name]", "李建国")
        member.fill("#register input[name=phone]", "13805381234")
        member.fill("#register input[name=workplace]", "宁阳县财政局")
        member.click("#register button[type=submit]")
        wait_until(member, "document.querySelector('#orders-message').textContent.length > 0")

        title = f"修水龙头 {uuid.uuid4().hex[:6]}"
        resident = session(f"resident-{grid_id}")
        resident.wait_for_selector("#place:not([hidden])")
        resident.fill("#place input[name=title]", title)
        resident.fill("#place input[name=contact_name]", "王秀兰")
        resident.fill("#place input[name=contact_phone]", "13905385678")
        resident.click("#place button[type=submit]")
        assert "已下单" in row_of(resident, title).inner_text()

        secretary = session(f"sec-{grid_id}")
        secretary.wait_for_selector("#nav button[data-view=orders]:not([hidden])")
        secretary.click("#nav button[data-view=orders]")
        row = row_of(secretary, title)
        row.locator("select[name=member]").select_option(f"member-{grid_id}")
        row.locator("button[data-action=dispatch]").click()
        wait_until(secretary, f"[...document.querySelectorAll('#orders tbody tr')].some(r => r.textContent.includes('{title}') && r.textContent.includes('已派单'))")

        member.reload()
        row_of(member, title).locator("button[data-action=take]").click()
        row_of(member, title).locator("button[data-action=complete]").wait_for()
        row_of(member, title).locator("input.hours").fill("1.5")
        row_of(member, title).locator("button[data-action=complete]").click()
        wait_until(member, f"[...document.querySelectorAll('#orders tbody tr')].some(r => r.textContent.includes('{title}') && r.textContent.includes('已完成'))")

        resident.reload()
        row_of(resident, title).locator("button[data-action=rate]").click()
        wait_until(resident, f"[...document.querySelectorAll('#orders tbody tr')].some(r => r.textContent.includes('{title}') && r.textContent.includes('已评价'))")
        resident.screenshot(path=str(browser_output / "service-order.png"), full_page=True)
    finally:
        for context in contexts:
            context.close()
    assert errors == []


NEW_PASSWORD = "Lantern-orchard-quietly-2026"


def admin_headers(platform: LocalPlatform, client: httpx.Client) -> dict[str, str]:
    token = client.post("/v1/auth/token", data={"username": "admin", "password": platform.demo_password}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def sign_in(page, username: str, password: str) -> None:
    page.wait_for_selector("#login-view:not([hidden])")
    page.fill("#login input[name=username]", username)
    page.fill("#login input[name=password]", password)
    page.click("#login button[type=submit]")


def test_admin_creates_an_account_and_its_holder_replaces_the_one_time_password(
    platform: LocalPlatform, browser, browser_output: Path
) -> None:
    """账号管理: the county administrator creates a grid secretary's account, hands over the
    one-time password, signs out; the secretary must replace it before seeing anything else."""
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        headers = admin_headers(platform, client)
        grid = client.get("/v1/grids", headers=headers).json()["features"][7]["properties"]
    grid_id = grid["grid_id"]
    username = f"lin.{uuid.uuid4().hex[:6]}"  # lists before the demo secretaries (sec-…): on the first page
    context = browser.new_context(viewport={"width": 1500, "height": 950}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(platform.gateway_url + "/")
        sign_in(page, "admin", platform.demo_password)
        page.wait_for_selector("#whoami[data-role=county]")
        assert "县级管理员" in page.inner_text("#whoami")
        page.click("#nav button[data-view=accounts]")
        page.wait_for_selector("#accounts-view:not([hidden])")
        page.wait_for_selector("#accounts tbody tr[data-username=admin]")

        # a name that breaks the rule: the gateway's reason, inline
        form = page.locator("#account-form")
        form.locator("input[name=username]").fill("Wang Shuji")
        form.locator("select[name=role]").select_option("secretary")
        form.locator("select[name=place]").select_option(grid_id)
        form.locator("button[type=submit]").click()
        wait_until(page, "document.querySelector('#account-form .message').textContent.includes('username')")
        assert "422" in form.locator(".message").inner_text()

        form.locator("input[name=username]").fill(username)
        form.locator("input[name=display_name]").fill("王书记")
        form.locator("button[type=submit]").click()
        page.wait_for_selector("#one-time:not([hidden])")
        assert page.inner_text("#one-time-username") == username
        one_time = page.inner_text("#one-time-password").strip()
        assert re.fullmatch(r"[A-Za-z0-9]{16}", one_time), one_time
        page.click("#one-time-copy")
        wait_until(page, "document.querySelector('#one-time-copied').textContent === '已复制'")
        row = page.locator(f"#accounts tbody tr[data-username='{username}']")
        row.wait_for()
        assert "网格党支部书记" in row.inner_text() and grid["name"] in row.inner_text()
        assert "待修改一次性密码" in row.inner_text()
        page.screenshot(path=str(browser_output / "accounts.png"), full_page=True)
        page.click("#one-time-done")
        assert page.locator("#one-time").is_hidden()

        # the same name again: 409, inline
        form.locator("input[name=username]").fill(username)
        form.locator("button[type=submit]").click()
        wait_until(page, "document.querySelector('#account-form .message').textContent.includes('409')")

        # the role filter
        page.locator("#accounts-filter select[name=role]").select_option("secretary")
        page.click("#accounts-filter button[type=submit]")
        wait_until(page, "[...document.querySelectorAll('#accounts tbody tr')].every(r => r.dataset.role === 'secretary')")

        # edit: display name; disable (asks for a second click) and enable again
        row.click()
        page.wait_for_selector(f"#account-detail[data-username='{username}']:not([hidden])")
        page.fill("#account-edit input[name=display_name]", "王建华")
        page.click("#account-edit button[type=submit]")
        wait_until(page, f"document.querySelector(\"#accounts tr[data-username='{username}']\").textContent.includes('王建华')")
        row.locator("button[data-action=disable]").click()
        assert row.get_attribute("data-disabled") == "false"
        row.locator("button[data-action=disable]").click()
        page.wait_for_selector(f"#accounts tr[data-username='{username}'][data-disabled=true]")
        row.locator("button[data-action=enable]").click()
        page.wait_for_selector(f"#accounts tr[data-username='{username}'][data-disabled=false]")
        page.screenshot(path=str(browser_output / "account-detail.png"), full_page=True)

        page.click("#logout")
        page.wait_for_selector("#login-view:not([hidden])")
        assert page.evaluate("sessionStorage.getItem('gridfusion.token')") is None

        # the secretary: nothing but the change-password form until the one-time password is replaced
        sign_in(page, username, one_time)
        page.wait_for_selector("#password-form:not([hidden])")
        page.wait_for_selector("#password-view:not([hidden])")
        assert page.locator("#nav").is_hidden() and page.locator("#cases-view").is_hidden()
        assert page.locator("#password-forced").is_visible() and page.locator("#password-cancel").is_hidden()
        page.fill("#password-form input[name=old_password]", one_time)
        page.fill("#password-form input[name=new_password]", "password12")
        page.fill("#password-form input[name=new_password_again]", "password13")
        page.click("#password-form button[type=submit]")
        assert page.inner_text("#password-error") == "两次输入的新密码不一致"
        page.fill("#password-form input[name=new_password_again]", "password12")
        page.click("#password-form button[type=submit]")
        wait_until(page, "document.querySelector('#password-error').textContent.includes('new_password')")
        assert "新密码未被接受" in page.inner_text("#password-error")
        page.screenshot(path=str(browser_output / "one-time-password-change.png"), full_page=True)

        page.fill("#password-form input[name=new_password]", NEW_PASSWORD)
        page.fill("#password-form input[name=new_password_again]", NEW_PASSWORD)
        page.click("#password-form button[type=submit]")
        page.wait_for_selector("#cases-view:not([hidden])")
        page.wait_for_selector(f"#whoami[data-grid-id='{grid_id}']")
        whoami = page.inner_text("#whoami")
        assert "王建华" in whoami and "网格党支部书记" in whoami and grid["name"] in whoami, whoami
        assert page.locator("#nav button[data-view=accounts]").is_hidden()
        wait_until(page, "document.querySelectorAll('#map path.grid').length === 53")
        page.click("#lang")
        assert "Grid party-branch secretary" in page.inner_text("#whoami")
        page.screenshot(path=str(browser_output / "signed-in-after-change.png"), full_page=True)
        assert page.evaluate("localStorage.getItem('gridfusion.token')") is None
    finally:
        context.close()
    assert errors == []
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        assert client.post("/v1/auth/token", data={"username": username, "password": one_time}).status_code == 401
        reply = client.post("/v1/auth/token", data={"username": username, "password": NEW_PASSWORD})
        assert reply.status_code == 200 and reply.json()["must_change_password"] is False


def test_concurrent_401s_refresh_the_token_once(platform: LocalPlatform, browser, browser_output: Path) -> None:
    """Two requests refused at once share one refresh (a refresh token presented twice would end
    the session); the rotated refresh token still works after a reload with a stale access token."""
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        grid_id = client.get("/v1/grids", headers=admin_headers(platform, client)).json()["features"][3]["properties"]["grid_id"]
    context = browser.new_context(viewport={"width": 1400, "height": 850}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    refused: list[str] = []
    refreshes: list[int] = []

    def expire_twice(route) -> None:
        if len(refused) < 2:
            refused.append(route.request.url)
            route.fulfill(status=401, content_type="application/json", headers={"WWW-Authenticate": "Bearer"},
                          body=json.dumps({"detail": "invalid or expired token: Signature has expired"}))
        else:
            route.continue_()

    page.on("response", lambda r: refreshes.append(r.status) if r.url.endswith("/v1/auth/refresh") else None)
    try:
        page.route(re.compile(r"/v1/cases\?"), expire_twice)
        page.goto(platform.gateway_url + "/")
        sign_in(page, f"worker-{grid_id}", platform.demo_password)
        wait_until(page, "document.querySelector('#page').textContent.includes('/')")
        page.wait_for_selector("#live.on")
        assert len(refused) == 2
        assert refreshes == [200]
        assert page.locator("#login-view").is_hidden()
        first = page.evaluate("sessionStorage.getItem('gridfusion.refresh')")

        # a reload with an access token about to expire: refreshed before anything else
        page.evaluate("sessionStorage.setItem('gridfusion.expires', String(Date.now() - 1000))")
        page.reload()
        page.wait_for_selector("#whoami[data-role=worker]")
        wait_until(page, "document.querySelector('#page').textContent.includes('/')")
        assert refreshes == [200, 200]
        assert page.evaluate("sessionStorage.getItem('gridfusion.refresh')") != first
        assert page.locator("#login-view").is_hidden()
    finally:
        context.close()
    assert errors == []


def test_own_password_change_keeps_the_tab_signed_in_and_a_session_ended_elsewhere_signs_out(
    platform: LocalPlatform, browser
) -> None:
    """Changing one's own password ends every session and opens a new one: this tab carries on
    (its live feed reconnects). Disabling the account ends its sessions: the live feed says so
    and the dashboard returns to the login screen with the reason."""
    username = f"worker-{uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        headers = admin_headers(platform, client)
        grid_id = client.get("/v1/grids", headers=headers).json()["features"][5]["properties"]["grid_id"]
        reply = client.post("/v1/accounts", headers=headers, json={
            "username": username, "role": "worker", "scope": {"grid_id": grid_id}, "password": NEW_PASSWORD})
        assert reply.status_code == 201, reply.text
        context = browser.new_context(viewport={"width": 1400, "height": 850}, locale="zh-CN")
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            page.goto(platform.gateway_url + "/")
            sign_in(page, username, NEW_PASSWORD)
            page.wait_for_selector("#live.on")
            first_session = page.evaluate("sessionStorage.getItem('gridfusion.refresh')").split(".")[0]

            page.click("#change-password")
            page.wait_for_selector("#password-form:not([hidden])")
            assert page.locator("#password-forced").is_hidden()
            page.fill("#password-form input[name=old_password]", "not-my-password")
            page.fill("#password-form input[name=new_password]", "Copper-kettle-meadow-whistle")
            page.fill("#password-form input[name=new_password_again]", "Copper-kettle-meadow-whistle")
            page.click("#password-form button[type=submit]")
            wait_until(page, "document.querySelector('#password-error').textContent.includes('old password is wrong')")
            page.fill("#password-form input[name=old_password]", NEW_PASSWORD)
            page.click("#password-form button[type=submit]")
            page.wait_for_selector("#cases-view:not([hidden])")
            assert page.inner_text("#notice") == "密码已修改，其他设备上的登录均已退出"
            assert page.evaluate("sessionStorage.getItem('gridfusion.refresh')").split(".")[0] != first_session
            page.wait_for_selector("#live.on")
            page.wait_for_timeout(6000)  # past the feed's session check: still signed in, still live
            assert page.locator("#login-view").is_hidden() and page.locator("#live.on").count() == 1

            reply = client.patch(f"/v1/accounts/{username}", headers=headers, json={"disabled": True})
            assert reply.status_code == 200, reply.text
            page.wait_for_selector("#login-view:not([hidden])", timeout=20000)
            assert "登录已失效" in page.inner_text("#login-error")
            assert page.evaluate("sessionStorage.getItem('gridfusion.token')") is None
        finally:
            context.close()
    assert errors == []


def test_single_sign_on_button_and_return(platform: LocalPlatform, browser, browser_output: Path) -> None:
    """With a provider configured the login screen offers it; back on /dashboard/#sso=<code> the
    dashboard exchanges the code, clears it from the address, and is signed in. The provider's
    side is stood in for here; without one, no button."""
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        admin = client.post("/v1/auth/token", data={"username": "admin", "password": platform.demo_password}).json()
    context = browser.new_context(viewport={"width": 1400, "height": 850}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    exchanged: list[dict] = []
    try:
        page.goto(platform.gateway_url + "/dashboard/")
        page.wait_for_selector("#login-view:not([hidden])")
        page.wait_for_timeout(300)
        providers = httpx.get(platform.gateway_url + "/v1/auth/providers", timeout=10)
        if providers.status_code != 200 or not providers.json().get("oidc"):
            assert page.locator("#sso-login").is_hidden()

        page.route("**/v1/auth/providers", lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(
            {"password": True, "oidc": {"name": "统一身份认证平台", "login_url": "/v1/auth/oidc/login"}})))
        page.route(re.compile(r"/v1/auth/oidc/login\?"), lambda route: route.fulfill(
            status=302, headers={"Location": "/dashboard/#sso=one-use-code"}))

        def exchange(route) -> None:
            exchanged.append(route.request.post_data_json)
            route.fulfill(status=200, content_type="application/json", body=json.dumps(admin))

        page.route("**/v1/auth/oidc/exchange", exchange)
        page.reload()
        button = page.locator("#sso-login")
        button.wait_for()
        assert button.inner_text() == "使用统一身份认证平台登录"
        page.screenshot(path=str(browser_output / "login-sso.png"), full_page=True)
        with page.expect_request(lambda r: r.url.endswith("/v1/auth/oidc/login?next=/dashboard/")):
            button.click()
        page.wait_for_selector("#whoami[data-role=county]")
        assert exchanged == [{"code": "one-use-code"}]
        assert "#" not in page.url
        page.wait_for_selector("#live.on")

    finally:
        context.close()
    context = browser.new_context(viewport={"width": 1400, "height": 850}, locale="zh-CN")
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(platform.gateway_url + "/dashboard/#sso_error=access_denied")
        page.wait_for_selector("#login-view:not([hidden])")
        wait_until(page, "document.querySelector('#login-error').textContent.includes('access_denied')")
        assert "统一身份认证登录失败" in page.inner_text("#login-error")
        assert "#" not in page.url
    finally:
        context.close()
    assert errors == []


def fused_case(client: httpx.Client, headers: dict[str, str], department: str, event_id: str) -> str:
    for _ in range(150):
        reply = client.get(f"/v1/departments/{department}/events/{event_id}", headers=headers)
        if reply.status_code == 200 and reply.json()["status"] == "fused":
            return reply.json()["case_id"]
        time.sleep(0.2)
    raise AssertionError(f"{department}:{event_id} was not fused")


def test_possible_duplicate_merged_and_split_again_in_the_dashboard(
    platform: LocalPlatform, browser, browser_output: Path
) -> None:
    """疑似重复 → 合并 → 拆分: the grid worker and the police report one quarrel over a parking space
    at the same building within 20 minutes, in different families, so fusion keeps two cases and
    names each the other's possible duplicate. The grid's secretary merges one into the other with
    one click, then splits the report off again with the events' boxes."""
    tag = uuid.uuid4().hex[:8]
    first_id, second_id = f"dup-a-{tag}", f"dup-b-{tag}"
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        headers = admin_headers(platform, client)
        # a grid of its own (the other tests report elsewhere): a point inside its outer ring
        ring = client.get("/v1/grids", headers=headers).json()["features"][11]["geometry"]
        outer = (ring["coordinates"][0][0] if ring["type"] == "MultiPolygon" else ring["coordinates"][0])[:-1]
        lon = round(sum(p[0] for p in outer) / len(outer), 6)
        lat = round(sum(p[1] for p in outer) / len(outer), 6)
        grid_id = client.get("/v1/locate", params={"lon": lon, "lat": lat}, headers=headers).json()["grid_id"]
        reports = [
            ("comprehensive_governance", first_id, "2026-11-27T15:00:00+08:00", "dispute.neighbor",
             "3号楼两户居民因车位占用发生争执"),
            ("police_assistant", second_id, "2026-11-27T15:20:00+08:00", "public_order.fighting",
             "接警：3号楼下两名男子因停车问题发生口角推搡"),
        ]
        cases = []
        for department, event_id, at, category, summary in reports:
            reply = client.post(f"/v1/departments/{department}/events", headers=headers, json={
                "id": event_id, "type": "incident.reported", "time": at, "category": category, "summary": summary,
                "location": {"lon": lon, "lat": lat},
            })
            assert reply.status_code == 202, reply.text
            cases.append(fused_case(client, headers, department, event_id))
        first, second = cases
        assert first != second, "the two reports were fused into one case"
        first_key, second_key = f"comprehensive_governance:{first_id}", f"police_assistant:{second_id}"
        duplicate = next(d for d in client.get(f"/v1/cases/{first}", headers=headers).json()["possible_duplicates"]
                         if d["case_id"] == second)
        assert duplicate["reasons"] and 0 < duplicate["score"] <= 1, duplicate

    page = browser.new_page(viewport={"width": 1500, "height": 1000}, locale="zh-CN")
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        page.goto(platform.gateway_url + "/")
        sign_in(page, f"sec-{grid_id}", platform.demo_password)
        row = page.locator(f"#cases tr[data-case-id='{first}']")
        row.wait_for()
        row.click()
        page.wait_for_selector(f"#detail[data-case-id='{first}']")

        # 疑似重复: the other case, its score and why, and the one-click merge
        listed = page.locator(f"#duplicates li[data-case-id='{second}']")
        listed.wait_for()
        assert "疑似重复" in page.inner_text("#duplicates h3")
        text = listed.inner_text()
        assert f"{round(duplicate['score'] * 100)}%" in text, text
        assert all(reason in text for reason in duplicate["reasons"]), (text, duplicate["reasons"])
        assert listed.locator(f"a.case-link[data-case-id='{second}']").count() == 1
        # merge and split have their own controls, not the closed loop's buttons
        assert page.locator("#actions button[data-action=merge], #actions button[data-action=split]").count() == 0
        page.screenshot(path=str(browser_output / "case-possible-duplicate.png"), full_page=True)

        def accept(dialog) -> None:
            dialogs.append(dialog.message)
            dialog.accept()

        page.once("dialog", accept)
        listed.locator("button[data-action=merge-into]").click()
        page.wait_for_selector(f"#detail[data-case-id='{second}']", timeout=20000)
        assert len(dialogs) == 1 and first in dialogs[0] and second in dialogs[0], dialogs
        wait_until(page, "document.querySelectorAll('#detail .events li').length === 2")
        events = page.eval_on_selector_all("#detail .events li", "items => items.map(i => i.dataset.event)")
        assert sorted(events) == sorted([first_key, second_key]), events
        assert page.locator(f"#detail .field a.case-link[data-case-id='{first}']").count() == 1  # 合并自
        assert f"来自 {first}" in page.inner_text("#detail .timeline")
        assert page.locator(f"#duplicates li[data-case-id='{first}']").count() == 0

        # the merged case says where it went
        page.click(f"#detail .field a.case-link[data-case-id='{first}']")
        page.wait_for_selector(f"#detail[data-case-id='{first}'][data-status=merged]")
        assert page.inner_text("#detail-merged").startswith("已合并到") and second in page.inner_text("#detail-merged")
        assert "已合并" in page.inner_text("#detail-status")
        page.click(f"#detail-merged a.case-link[data-case-id='{second}']")
        page.wait_for_selector(f"#detail[data-case-id='{second}']")

        # 拆分所选: enabled for some of the events, never none or all
        split = page.locator("#split-selected")
        split.wait_for()
        assert split.is_disabled()
        page.check(f"#detail input[name=split][value='{first_key}']")
        assert split.is_enabled()
        page.check(f"#detail input[name=split][value='{second_key}']")
        assert split.is_disabled()
        page.uncheck(f"#detail input[name=split][value='{second_key}']")
        assert split.is_enabled()
        page.screenshot(path=str(browser_output / "case-merged.png"), full_page=True)
        split.click()
        wait_until(page, f"!['{second}', undefined].includes(document.querySelector('#detail').dataset.caseId)", timeout=20)
        split_to = page.get_attribute("#detail", "data-case-id")
        wait_until(page, "document.querySelectorAll('#detail .events li').length === 1")
        assert page.eval_on_selector_all("#detail .events li", "items => items.map(i => i.dataset.event)") == [first_key]
        page.screenshot(path=str(browser_output / "case-split.png"), full_page=True)
    finally:
        page.close()
    assert errors == []
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        headers = admin_headers(platform, client)
        left = client.get(f"/v1/cases/{second}", headers=headers).json()
        assert left["event_ids"] == [second_key], left["event_ids"]
        moved = client.get(f"/v1/cases/{split_to}", headers=headers).json()
        assert moved["event_ids"] == [first_key] and moved["status"] != "merged", moved
        # splitting exactly the merged case's events restores that case
        assert split_to == first or moved["split_from"] == second
        assert fused_case(client, headers, "comprehensive_governance", first_id) == split_to
