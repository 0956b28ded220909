"""The dashboard in headless Chromium (Debian's ``chromium``, driven by Playwright): log in, see
all 53 grids on the map, open a case, act on it, and see the change arrive on the live feed."""

from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path

import httpx
import pytest

from services.local import LocalPlatform

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: apt-get install -y chromium")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield chromium
        chromium.close()


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
    try:
        page.goto(platform.gateway_url + "/")
        assert page.inner_text("h1") == "多网融合 · 网格指挥中心"
        page.fill("input[name=username]", f"sec-{grid_id}")
        page.fill("input[name=password]", platform.demo_password)
        page.click("#login button[type=submit]")

        # all 53 grids drawn from the API's GeoJSON; the case's grid coloured by its open case
        page.wait_for_function("document.querySelectorAll('#map path.grid').length === 53")
        page.wait_for_function(f"Number(document.querySelector('#map path[data-grid-id=\"{grid_id}\"]').dataset.open) >= 1")
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
        member.wait_for_function("document.querySelector('#orders-message').textContent.length > 0")

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
        secretary.wait_for_function(f"[...document.querySelectorAll('#orders tbody tr')].some(r => r.textContent.includes('{title}') && r.textContent.includes('已派单'))")

        member.reload()
        row_of(member, title).locator("button[data-action=take]").click()
        row_of(member, title).locator("button[data-action=complete]").wait_for()
        row_of(member, title).locator("input.hours").fill("1.5")
        row_of(member, title).locator("button[data-action=complete]").click()
        member.wait_for_function(f"[...document.querySelectorAll('#orders tbody tr')].some(r => r.textContent.includes('{title}') && r.textContent.includes('已完成'))")

        resident.reload()
        row_of(resident, title).locator("button[data-action=rate]").click()
        resident.wait_for_function(f"[...document.querySelectorAll('#orders tbody tr')].some(r => r.textContent.includes('{title}') && r.textContent.includes('已评价'))")
        resident.screenshot(path=str(browser_output / "service-order.png"), full_page=True)
    finally:
        for context in contexts:
            context.close()
    assert errors == []
