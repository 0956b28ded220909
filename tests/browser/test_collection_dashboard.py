"""Information collection in the dashboard (信息采集).

A grid worker proposes a new resident of one of its grid's households; the community sees it in
its queue with the name masked and accepts it; a second proposal is rejected — first without a
reason (refused inline), then with one — and the worker reads both outcomes and finds the
resident in its grid's register with its full name, from where a correction starts.
"""

from __future__ import annotations

import json
import random
import uuid
from pathlib import Path

import httpx
import pytest

from services.local import LocalPlatform
from services.reference.people import id_check_character
from tests.browser.polling import wait_until
from tests.browser.test_members_dashboard import open_view, signed_in
from tests.browser.test_party_dashboard import admin_headers, browser_output, dashboard

pytestmark = pytest.mark.browser

__all__ = ["browser_output"]


def id_number() -> str:
    first17 = f"37092119750505{random.randrange(1000):03d}"
    return first17 + id_check_character(first17)


def propose_resident(page, household_id: str, name: str) -> str:
    form = page.locator("#collection-form")
    form.locator("select[name=kind]").select_option("resident")
    form.locator("select[name=action]").select_option("add")
    form.locator("input[name='resident.household_id']").fill(household_id)
    form.locator("input[name='resident.name']").fill(name)
    form.locator("input[name='resident.id_number']").fill(id_number())
    form.locator("input[name='why']").fill("入户走访新登记")
    before = page.locator("#collection-form-message").inner_text()
    form.locator("button[type=submit]").click()
    page.locator("#collection-form-message.ok").wait_for()
    wait_until(
        page,
        f"document.querySelector('#collection-form-message').textContent !== {json.dumps(before)}",
    )
    return page.locator("#collection-form-message").inner_text().split()[-1]


def test_a_worker_proposes_a_resident_and_the_community_accepts_one_and_rejects_another(
    platform: LocalPlatform, browser, browser_output: Path
) -> None:
    tag = uuid.uuid4().hex[:2]
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        grids = client.get("/v1/grids", headers=admin_headers(platform, client)).json()["features"]
        grid = random.choice(grids)["properties"]
        worker_headers = signed_in(platform, client, f"worker-{grid['grid_id']}")
        household_id = client.get(
            f"/v1/grids/{grid['grid_id']}/households", headers=worker_headers
        ).json()["items"][0]["household_id"]
    name, other = f"孙{tag}", f"周{tag}"

    with dashboard(platform, browser) as session:
        worker = session(f"worker-{grid['grid_id']}")
        open_view(worker, "collection", "#collection-form:not([hidden])")
        accepted_id = propose_resident(worker, household_id, name)
        rejected_id = propose_resident(worker, household_id, other)
        worker.locator(f"#proposals tr[data-proposal='{rejected_id}']").wait_for()

        centre = session(f"community-{grid['community_id']}")
        open_view(centre, "collection", f"#proposals tr[data-proposal='{accepted_id}']")
        assert centre.locator(
            "#collection-form"
        ).is_hidden()  # the community reviews, it does not propose
        row = centre.locator(f"#proposals tr[data-proposal='{accepted_id}']")
        assert "孙**" in row.inner_text() and name not in row.inner_text()
        row.locator("button.accept").click()
        centre.locator(
            f"#proposals tr[data-proposal='{accepted_id}'] td.status-accepted"
        ).wait_for()
        refused = centre.locator(f"#proposals tr[data-proposal='{rejected_id}']")
        refused.locator("button.reject").click()  # no reason: refused before it is sent
        wait_until(
            centre,
            f"document.querySelector(\"#proposals tr[data-proposal='{rejected_id}'] "
            'p.message")?.textContent.length > 0',
        )
        refused.locator("input[name=reason]").fill("身份证号与户籍不符")
        refused.locator("button.reject").click()
        centre.locator(
            f"#proposals tr[data-proposal='{rejected_id}'] td.status-rejected"
        ).wait_for()
        centre.screenshot(path=str(browser_output / "collection-community.png"), full_page=True)

        worker.reload()
        open_view(
            worker, "collection", f"#proposals tr[data-proposal='{accepted_id}'] td.status-accepted"
        )
        assert (
            "身份证号与户籍不符"
            in worker.locator(f"#proposals tr[data-proposal='{rejected_id}']").inner_text()
        )
        wait_until(
            worker, f"document.querySelector('#collection-people').textContent.includes('{name}')"
        )
        # A row of the register starts a correction from the version the record is at.
        worker.locator("#collection-people tr.pick", has_text=name).click()
        wait_until(worker, "document.querySelector('#collection-base').textContent.includes('1')")
        assert worker.locator("input[name='resident.name']").input_value() == name
        assert worker.locator("#collection-form select[name=action]").input_value() == "correct"
        worker.screenshot(path=str(browser_output / "collection-worker.png"), full_page=True)
