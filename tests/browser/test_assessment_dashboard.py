"""The county's assessment and the weekly reports in the dashboard (考核 · 一周一报).

A grid's secretary submits its week; the county assesses the week — a week out of range is the
gateway's 422, inline — and every grid shows ranked with its components; the grid's street sees
its own grids ranked and the secretary's submission, and issues its bulletin (通报) with the grid
not among those that did not submit; the grid's community sees the submission. Residents see no
such view.
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


def county_grids(platform: LocalPlatform) -> list[dict]:
    """Every grid's properties, as the county reads them."""
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        grids = client.get("/v1/grids", headers=admin_headers(platform, client)).json()["features"]
    return [f["properties"] for f in grids]


def in_english(page, view: str, tab: str, shot: Path, texts: dict[str, str]) -> None:
    """The English switch relabels ``view``: its tab reads ``tab`` and each selector of ``texts``
    holds its text; a screenshot to ``shot``, then back to Chinese."""
    page.click("#lang")
    assert page.locator(f"#nav button[data-view={view}]").inner_text() == tab
    for selector, text in texts.items():
        assert text in page.locator(selector).inner_text(), selector
    page.screenshot(path=str(shot), full_page=True)
    page.click("#lang")


def open_week(page, week: str) -> None:
    """Opens the assessment view on ``week``."""
    open_view(page, "assessment", "#assessment tbody tr")
    page.locator("#assessment-filter input[name=week]").fill(week)
    page.locator("#assessment-filter button[type=submit]").click()
    wait_until(page, f"document.querySelector('#submissions-count').textContent.length > 0"
                     f" && document.querySelector('#assessment-filter').week.value === '{week}'")


def test_a_secretary_submits_its_week_the_county_assesses_it_and_the_street_issues_its_bulletin(
    platform: LocalPlatform, browser, browser_output: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    year, number, _ = datetime.now(COUNTY).isocalendar()
    week = f"{year}-W{number:02d}"
    grids = county_grids(platform)
    grid = random.choice(grids)
    grid_id, community_id, street_id = grid["grid_id"], grid["community_id"], grid["street_id"]
    street_grids = {g["grid_id"] for g in grids if g["street_id"] == street_id}
    text = f"本周走访住户{tag}户，化解邻里纠纷两起。"

    with dashboard(platform, browser) as session:
        # the grid's secretary submits its week; the county's controls are not its
        secretary = session(f"sec-{grid_id}")
        open_week(secretary, week)
        assert secretary.locator("#assess-week").is_hidden() and secretary.locator("#bulletin-form").is_hidden()
        form = secretary.locator("#submission-form")
        form.locator("textarea[name=text]").fill(text)
        form.locator("button[type=submit]").click()
        mine = secretary.locator(f"#submissions li[data-grid-id='{grid_id}']")
        mine.wait_for()
        assert "本周报告已提交" in form.locator(".message.ok").inner_text()
        assert text in mine.inner_text() and f"sec-{grid_id}" in mine.inner_text()
        assert secretary.locator(f"#submissions-missing [data-grid-id='{grid_id}']").count() == 0

        # the county: a week that does not exist is the gateway's 422, inline; then the week assessed
        county = session("admin")
        open_week(county, week)
        county.locator("#assessment-filter input[name=week]").fill(f"{year}-W60")
        county.click("#assess-week")
        wait_until(county, "document.querySelector('#assessment-message.error')?.textContent.includes('422')")
        assert "week" in county.locator("#assessment-message").inner_text()
        county.locator("#assessment-filter input[name=week]").fill(week)
        county.click("#assess-week")
        ranked = county.locator(f"#assessment tr[data-grid-id='{grid_id}']")
        ranked.wait_for()
        assert "考核完成" in county.locator("#assessment-message").inner_text()
        assert county.locator("#assessment tbody tr[data-grid-id]").count() == len(grids)
        # its submission counts: the weekly report's component in full
        assert ranked.locator("td[data-part=weekly_report]").inner_text().strip() == "100%"
        assert ranked.locator("td[data-part]").count() == 8
        ranks = county.locator("#assessment tbody tr[data-grid-id]").evaluate_all("rs => rs.map(r => Number(r.dataset.rank))")
        assert ranks == sorted(ranks) and ranks[0] == 1
        # the weights: each component's, with what it measures
        weights = county.locator("#assessment-weights li[data-part]")
        assert weights.count() == 8
        assert county.locator("#assessment-weights li[data-part=closure] b").inner_text() == "25"
        county.screenshot(path=str(browser_output / "assessment-county.png"), full_page=True)

        # the street: its own grids ranked, the submission, and its bulletin issued
        street = session(f"street-{street_id}")
        open_week(street, week)
        street.locator(f"#assessment tr[data-grid-id='{grid_id}']").wait_for()
        assert set(street.locator("#assessment tbody tr[data-grid-id]").evaluate_all(
            "rs => rs.map(r => r.dataset.gridId)")) == street_grids
        assert street.locator("#assess-week").is_hidden() and street.locator("#submission-form").is_hidden()
        street.locator(f"#submissions li[data-grid-id='{grid_id}']").wait_for()
        issuing = street.locator("#bulletin-form")
        assert issuing.locator("select[name=street_id]").is_hidden()
        issuing.locator("textarea[name=text]").fill(f"本周通报{tag}")
        issuing.locator("button[type=submit]").click()
        bulletin = street.locator(f"#bulletins article[data-street-id='{street_id}']")
        bulletin.locator(".minutes", has_text=f"本周通报{tag}").wait_for()
        assert "通报已发布" in issuing.locator(".message.ok").inner_text()
        assert bulletin.locator("ol.ranking li").count() == len(street_grids)
        assert bulletin.locator(f"ol.ranking li[data-grid-id='{grid_id}']").count() == 1
        assert bulletin.locator(f".not-submitted [data-grid-id='{grid_id}']").count() == 0
        street.screenshot(path=str(browser_output / "assessment-street.png"), full_page=True)

        # the English switch relabels the view
        in_english(street, "assessment", "Assessment", browser_output / "assessment-street-en.png",
                   {"#assessment thead": "weekly report", "#weekly-side": "Street bulletins"})

        # the community sees the grid's submission; a resident has no such view
        community = session(f"community-{community_id}")
        open_week(community, week)
        community.locator(f"#submissions li[data-grid-id='{grid_id}']", has_text=text).wait_for()
        assert community.locator(f"#submissions-missing [data-grid-id='{grid_id}']").count() == 0
        resident = session(f"resident-{grid_id}")
        resident.wait_for_selector("#orders-view:not([hidden])")
        assert resident.locator("#nav button[data-view=assessment]").is_hidden()

    # what the dashboard showed is what the gateway holds
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        headers = signed_in(platform, client, f"community-{community_id}")
        submitted = client.get("/v1/reports/weekly/submissions", headers=headers, params={"week": week}).json()
        assessed = client.get("/v1/assessments", headers=headers, params={"week": week}).json()
        bulletins = client.get("/v1/bulletins", headers=headers, params={"week": week}).json()
    kept = next(x for x in submitted["items"] if x["grid_id"] == grid_id)
    assert (kept["text"], kept["submitted_by"]) == (text, f"sec-{grid_id}") and grid_id not in submitted["missing"]
    scored = next(g for g in assessed["items"][0]["grids"] if g["grid_id"] == grid_id)
    assert scored["components"]["weekly_report"] == 1.0 and assessed["items"][0]["assessed_by"] == "admin"
    issued = next(b for b in bulletins["items"] if b["street_id"] == street_id)
    assert issued["text"] == f"本周通报{tag}" and grid_id not in issued["not_submitted"]
