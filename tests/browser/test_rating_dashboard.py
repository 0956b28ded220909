"""群众满意度评价 in the browser: the grid's secretary makes a rating link on a closed case in the
dashboard; the reporter opens it without signing in, sees what is rated and answers 不满意, and
the case is back with the grid."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from services.local import LocalPlatform
from tests.browser.polling import wait_until
from tests.browser.test_dashboard import submit_case
from tests.browser.test_party_dashboard import admin_headers, browser_output, dashboard

pytestmark = pytest.mark.browser

__all__ = ["browser_output"]


def closed(platform: LocalPlatform, grid_id: str, case_id: str) -> None:
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        token = client.post("/v1/auth/token", data={"username": f"sec-{grid_id}", "password": platform.demo_password})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        for action, note in (("resolve_on_site", "已清理楼道，电动车移至集中充电点"), ("close", "")):
            reply = client.post(f"/v1/cases/{case_id}/actions", headers=headers, json={"action": action, "note": note})
            assert reply.status_code == 200, reply.text


def test_the_reporter_rates_from_the_link_the_grid_made(platform: LocalPlatform, browser, browser_output: Path) -> None:
    grid_id, case_id = submit_case(platform)
    closed(platform, grid_id, case_id)
    with dashboard(platform, browser) as session:
        page = session(f"sec-{grid_id}")
        page.select_option("#filters select[name=status]", "closed")
        row = page.locator(f"#cases tr[data-case-id='{case_id}']")
        row.wait_for()
        row.click()
        page.wait_for_selector(f"#detail[data-case-id='{case_id}'][data-status='closed']")
        page.click("#make-rating-link")
        page.wait_for_selector("#rating-link:not([hidden])")
        url = page.input_value("#rating-link")
        assert "/dashboard/rate.html#case=" in url and "token=" in url

        # The reporter: no account, only the link.
        reporter = browser.new_context(viewport={"width": 420, "height": 800}, locale="zh-CN").new_page()
        errors: list[str] = []
        reporter.on("pageerror", lambda exc: errors.append(str(exc)))
        reporter.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
        reporter.goto(url)
        reporter.wait_for_selector("#rate-case:not([hidden])")
        assert reporter.inner_text("#rate-case-id") == case_id
        assert "消防隐患" in reporter.inner_text("#rate-category")
        assert "集中充电点" in reporter.inner_text("#rate-result")
        labels = reporter.eval_on_selector_all("#rate-choices label", "ls => ls.map(l => l.textContent.trim())")
        assert labels == ["满意", "基本满意", "不满意"]
        reporter.check("#rate-choices input[value=unsatisfied]")
        reporter.fill("#rate-form textarea[name=comment]", "楼道里还有电动车在充电")
        reporter.screenshot(path=str(browser_output / "rate-page.png"), full_page=True)
        reporter.click("#rate-form button[type=submit]")
        wait_until(reporter, "document.querySelector('#rate-message').className === 'done'")
        assert "重新办理" in reporter.inner_text("#rate-message")
        assert reporter.locator("#rate-form").is_hidden()
        # Opened again, the link offers nothing more to rate.
        reporter.reload()
        wait_until(reporter, "document.querySelector('#rate-message').className === 'done'")
        assert "已经评价过" in reporter.inner_text("#rate-message") and reporter.locator("#rate-form").is_hidden()
        assert errors == []

        with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
            case = client.get(f"/v1/cases/{case_id}", headers=admin_headers(platform, client)).json()
        assert (case["status"], case["level"]) == ("reopened", "grid")
        assert case["timeline"][-1]["satisfaction"] == "unsatisfied"
