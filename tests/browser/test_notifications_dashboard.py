"""Notifications and webhook subscriptions in the dashboard (消息提醒, 接口订阅).

A grid's worker is signed in when a department reports an incident in its grid: the bell in the
header counts it (the live feed wakes it), its list names the new case, and choosing it opens the
case and marks it read. The county subscribes a system's URL to case events and reads the
subscription's delivery log beside it; a bad secret is refused inline.
"""

from __future__ import annotations

import random
import time
import uuid
from pathlib import Path

import httpx
import pytest

from services.local import LocalPlatform
from tests.browser.polling import wait_until
from tests.browser.test_members_dashboard import open_view
from tests.browser.test_party_dashboard import admin_headers, browser_output, dashboard

pytestmark = pytest.mark.browser

__all__ = ["browser_output"]


def report_in(platform: LocalPlatform, grid: dict, tag: str) -> str:
    """A department's incident inside ``grid`` (at a household of it); the case it opened."""
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        admin = admin_headers(platform, client)
        household = client.get(
            f"/v1/grids/{grid['grid_id']}/households", params={"page_size": 1}, headers=admin
        ).json()["items"][0]["household_id"]
        token = client.post(
            "/v1/auth/token",
            data={"username": "dept-comprehensive_governance", "password": platform.demo_password},
        ).json()["access_token"]
        event = {
            "id": f"bell-{tag}",
            "type": "incident.reported",
            "time": "2026-11-27T09:30:00+08:00",
            "category": "safety_hazard.fire",
            "summary": "楼道堆放杂物，存在消防隐患",
            "severity": "high",
            "location": {"household_id": household},
        }
        reply = client.post(
            "/v1/departments/comprehensive_governance/events",
            json=event,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert reply.status_code == 202, reply.text
        for _ in range(240):
            fused = client.get(f"/v1/events/bell-{tag}", headers=admin).json()
            if fused.get("status") == "fused":
                assert fused["grid_id"] == grid["grid_id"]
                return fused["case_id"]
            time.sleep(0.25)
    raise AssertionError("the incident was not fused")


def test_the_bell_counts_a_case_reaching_the_grid_and_opens_it(
    platform: LocalPlatform, browser, browser_output: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        grids = client.get("/v1/grids", headers=admin_headers(platform, client)).json()["features"]
    grid = random.choice(grids)["properties"]

    with dashboard(platform, browser) as session:
        worker = session(f"worker-{grid['grid_id']}")
        worker.wait_for_selector("#bell:not([hidden]) #bell-button")
        case_id = report_in(platform, grid, tag)
        # The live feed wakes the bell; the new case is among the unread.
        wait_until(
            worker, "Number(document.querySelector('#bell-button')?.dataset.unread) > 0", timeout=60
        )
        assert worker.locator("#bell-count").is_visible()
        worker.click("#bell-button")
        item = worker.locator(f"#bell-list li[data-case-id='{case_id}']")
        for _ in range(
            60
        ):  # the list is read again on opening; the record may trail the feed a little
            if item.count():
                break
            worker.click("#bell-button")
            worker.wait_for_timeout(500)
            worker.click("#bell-button")
        item.first.wait_for()
        assert (
            "unread" in item.first.get_attribute("class")
            and "新案件到达本网格" in item.first.inner_text()
        )
        worker.screenshot(path=str(browser_output / "bell-worker.png"))
        item.first.click()
        worker.wait_for_selector(f"#detail[data-case-id='{case_id}']:not([hidden])")
        # The case's entry, read again from the gateway each time the list opens, is now read (the
        # unread count alone proves nothing: other tests' cases reach the same grids meanwhile).
        read = worker.locator(f"#bell-list li.read[data-case-id='{case_id}']")
        for _ in range(60):
            worker.click("#bell-button")
            worker.wait_for_timeout(500)
            if read.count():
                break
            worker.click("#bell-button")
        read.first.wait_for()
        # Chinese first; the language switch relabels the bell.
        assert "提醒" in worker.locator("#bell-button").inner_text()
        worker.click("#lang")
        wait_until(worker, "document.querySelector('#bell-button').textContent.includes('Alerts')")


def test_the_county_subscribes_a_system_and_reads_its_delivery_log(
    platform: LocalPlatform, browser, browser_output: Path
) -> None:
    url = f"https://example.org/gridfusion/{uuid.uuid4().hex[:6]}"
    with dashboard(platform, browser) as session:
        admin = session("admin")
        open_view(admin, "webhooks", "#webhooks")
        form = admin.locator("#webhook-form")
        form.locator("input[name=url]").fill(url)
        form.locator("input[name=description]").fill("县综治中心平台")
        form.locator("input[name=events][value='case.handed_over']").check()
        form.locator("input[name=secret]").fill("short-secret")
        form.evaluate(
            "f => f.noValidate = true"
        )  # the gateway's own answer, not the browser's check
        form.locator("button[type=submit]").click()
        admin.locator("#webhook-form-message", has_text="422").wait_for()
        assert "secret" in admin.locator("#webhook-form-message").inner_text()
        form.locator("input[name=secret]").fill("a-long-enough-signing-secret")
        form.locator("button[type=submit]").click()
        admin.locator("#webhook-form-message", has_text="已订阅").wait_for()
        row = admin.locator("#webhooks tr.selected")
        row.wait_for()
        assert (
            url in row.inner_text()
            and "案件移交" in row.inner_text()
            and "案件变化" in row.inner_text()
        )
        admin.locator("#webhook-side h3", has_text="推送记录").wait_for()
        admin.screenshot(path=str(browser_output / "webhooks-county.png"), full_page=True)
        webhook_id = row.get_attribute("data-webhook-id")
        admin.on("dialog", lambda dialog: dialog.accept())
        row.locator("button.danger").click()
        admin.locator(f"#webhooks tr[data-webhook-id='{webhook_id}']").wait_for(state="detached")
