"""Grid activities in the dashboard (六个一).

A grid's secretary plans a clean-up (环境整治) for its grid; the grid's party member signs up;
the secretary records who came, which holds the activity, and the quarter's six-ones table marks
the clean-up held for the grid.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from services.local import LocalPlatform
from tests.browser.polling import wait_until
from tests.browser.test_members_dashboard import open_view, signed_in
from tests.browser.test_party_dashboard import admin_headers, browser_output, dashboard

pytestmark = pytest.mark.browser

__all__ = ["browser_output"]  # the fixture, shared with the party-organisation tests

COUNTY = timezone(timedelta(hours=8))


def open_activities_view(page) -> None:
    open_view(page, "activities", "#activities tbody tr")  # an activity, or the row saying there is none


def test_a_secretary_plans_a_clean_up_a_member_signs_up_and_the_attendance_holds_it(
    platform: LocalPlatform, browser, browser_output: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        grids = client.get("/v1/grids", headers=admin_headers(platform, client)).json()["features"]
    grid_id = random.choice(grids)["properties"]["grid_id"]
    member, resident = f"member-{grid_id}", f"resident-{grid_id}"
    now = datetime.now(COUNTY)
    quarter = f"{now.year}-Q{(now.month - 1) // 3 + 1}"
    title = f"楼道环境整治{tag}"

    with dashboard(platform, browser) as session:
        secretary = session(f"sec-{grid_id}")
        open_activities_view(secretary)
        assert secretary.locator("#activities-filter input[name=quarter]").input_value() == quarter

        # 安排活动: a start outside 2000–2099 is the gateway's 422, inline; then today at eight
        secretary.click("#activity-new")
        form = secretary.locator("#activity-form")
        form.locator("select[name=kind]").select_option("clean_up")
        form.locator("input[name=title]").fill(title)
        form.locator("input[name=place]").fill("党群服务站")
        form.locator("input[name=starts_at]").fill("2101-01-01T09:00")
        form.locator("button[type=submit]").click()
        wait_until(secretary, "document.querySelector('#activity-form .message.error')?.textContent.includes('422')")
        assert "starts_at" in form.locator(".message").inner_text()
        form.locator("input[name=starts_at]").fill(now.strftime("%Y-%m-%dT08:00"))
        form.locator("button[type=submit]").click()
        side = secretary.locator("#activity-side form.attendance-form")
        side.wait_for()
        assert "活动已安排" in side.inner_text() and "环境整治" in side.inner_text()
        activity_id = side.get_attribute("data-activity-id")
        secretary.locator(f"#activities tr[data-activity-id='{activity_id}'][data-status=planned]").wait_for()

        # the grid's party member signs up
        page = session(member)
        open_activities_view(page)
        row = page.locator(f"#activities tr[data-activity-id='{activity_id}']")
        row.locator("button[data-action=sign-up]").click()
        row.locator(".tag.on", has_text="已报名").wait_for()
        assert "已报名" in page.locator("#activities-message").inner_text()
        assert page.locator("#activity-new").is_hidden() and page.locator("#six-ones-part").is_hidden()
        page.screenshot(path=str(browser_output / "activities-member.png"), full_page=True)

        # 记录出席: the member ticked, the resident added by account; the activity is held
        secretary.locator("#activities-filter button[type=submit]").click()
        listed = secretary.locator(f"#activities tr[data-activity-id='{activity_id}']")
        wait_until(secretary, f"document.querySelector(\"#activities tr[data-activity-id='{activity_id}']\")"
                              "?.textContent.includes('1 / 0')")
        listed.locator("button[data-action=record]").click()
        attendance = secretary.locator(f"#activity-side form.attendance-form[data-activity-id='{activity_id}']")
        attendance.locator(f"input[name=attended][value='{member}']").check()
        attendance.locator("input[name=others]").fill(resident)
        attendance.locator("button[type=submit]").click()
        secretary.locator(f"#activities tr[data-activity-id='{activity_id}'][data-status=held]").wait_for()
        assert "出席已记录" in secretary.locator("#activity-side").inner_text()
        # the quarter's six ones: the clean-up held in the grid
        secretary.locator(f"#six-ones tr[data-grid-id='{grid_id}'] td[data-kind=clean_up].held").wait_for()
        assert secretary.locator(f"#six-ones tr[data-grid-id='{grid_id}'] td[data-kind]").count() == 6
        secretary.screenshot(path=str(browser_output / "activities-secretary.png"), full_page=True)

        # the English switch relabels the view
        secretary.click("#lang")
        assert secretary.locator("#nav button[data-view=activities]").inner_text() == "Activities"
        assert "clean-up" in secretary.locator("#six-ones thead").inner_text()
        assert "held" in listed.inner_text()
        secretary.screenshot(path=str(browser_output / "activities-secretary-en.png"), full_page=True)
        secretary.click("#lang")

    # what the dashboard showed is what the gateway holds
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        listed = client.get("/v1/activities", headers=signed_in(platform, client, f"sec-{grid_id}"),
                            params={"quarter": quarter, "kind": "clean_up", "page_size": 500}).json()
    kept = next(a for a in listed["items"] if a["activity_id"] == activity_id)
    assert (kept["status"], kept["title"], kept["place"], kept["hours"]) == ("held", title, "党群服务站", 2)
    assert sorted(kept["attended"]) == sorted([member, resident]) and kept["signed_up"] == [member]
    assert kept["starts_at"].startswith(now.strftime("%Y-%m-%dT08:00"))
