"""Service stations, the one-kilometre circle and a grid's county contacts in the dashboard.

A community reads its stations on the map and in a table, ticks an item of a station's six haves
(六有) and reads a grid's 包管 cadres (phones masked), the notices they were sent and the grid's
co-governance partners; the grid's street adds a paired agency to the grid's contacts; the grid's
secretary reads the stations with nothing to tick and the cadres' phones in full. Residents see
no such view.
"""

from __future__ import annotations

import random
import uuid
from pathlib import Path

import httpx
import pytest

from services.local import LocalPlatform
from tests.browser.polling import wait_until
from tests.browser.test_assessment_dashboard import county_grids, in_english
from tests.browser.test_members_dashboard import open_view, signed_in
from tests.browser.test_party_dashboard import admin_headers, browser_output, dashboard

pytestmark = pytest.mark.browser

__all__ = ["browser_output"]  # the fixture, shared with the party-organisation tests


def open_stations_view(page, grid_id: str) -> None:
    """Opens the stations view with ``grid_id`` chosen for its contacts."""
    open_view(page, "stations", "#stations tbody tr[data-station-id]")
    page.locator("#contacts-filter select[name=grid_id]").select_option(grid_id)
    page.locator(f"#contacts-box[data-grid-id='{grid_id}']").wait_for(state="attached")
    page.locator("#co-governance tbody tr").first.wait_for()


def test_a_community_ticks_a_stations_item_and_the_street_pairs_an_agency_with_a_grid(
    platform: LocalPlatform, browser, browser_output: Path
) -> None:
    grid = random.choice(county_grids(platform))
    grid_id, community_id, street_id = grid["grid_id"], grid["community_id"], grid["street_id"]
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        admin = admin_headers(platform, client)
        community = signed_in(platform, client, f"community-{community_id}")
        stations = client.get("/v1/stations", headers=community).json()
        gaps = client.get("/v1/service-circle/gaps", headers=community).json()
        actors = client.get("/v1/co-governance/organisations", headers=community, params={"grid_id": grid_id}).json()
        contacts = client.get(f"/v1/grids/{grid_id}/contacts", headers=admin).json()
    station = next(s for s in stations["items"] if s["grid_id"] == grid_id)
    item = random.choice(sorted(station["checklist"]))
    before = station["checklist"][item]
    agency = f"县{uuid.uuid4().hex[:6]}局"

    with dashboard(platform, browser) as session:
        # the community: its stations on the map and in the table, each in its walking circle
        page = session(f"community-{community_id}")
        open_stations_view(page, grid_id)
        assert page.locator("#stations tbody tr[data-station-id]").count() == stations["total"]
        assert page.locator("#stations-map circle.station").count() == stations["total"]
        wait_until(page, f"document.querySelectorAll('#stations-map circle.reach').length === {stations['total']}")
        assert page.locator("#stations-map path.grid").count() == len({s["grid_id"] for s in stations["items"]})
        coverage = page.locator("#stations-figures .figure[data-figure=coverage] b").inner_text()
        assert coverage == f"{gaps['coverage'] * 100:.1f}%"
        assert page.locator("#stations-figures .figure[data-figure=outside] b").inner_text() == str(gaps["total"])
        assert page.locator("#gaps tbody tr").count() == max(1, min(20, len(gaps["items"])))

        # 六有: one item ticked (or unticked) is saved at once
        row = page.locator(f"#stations tr[data-station-id='{station['station_id']}']")
        box = row.locator(f"td[data-item={item}] input")
        assert box.is_checked() == before and box.is_enabled()
        box.click()
        row.locator("td.state .message.ok").wait_for()
        assert "已保存" in row.inner_text()
        assert row.locator(f"td[data-item={item}] input").is_checked() == (not before)

        # the grid's contacts: its cadres with phones masked, the notices, its partners
        box = page.locator("#contacts-box")
        assert box.locator("ul.cadres li").count() == len(contacts["cadres"]) > 0
        assert all("*" in p for p in box.locator("ul.cadres .phone").all_inner_texts())
        assert box.locator("button[data-action=edit-contacts]").count() == 0
        assert page.locator("#notices li").count() >= 1
        listed = page.locator("#co-governance tbody tr[data-org-id]")
        assert listed.count() == actors["total"]
        if actors["total"]:
            assert actors["items"][0]["name"] in listed.first.inner_text()
        page.screenshot(path=str(browser_output / "stations-community.png"), full_page=True)

        # the English switch relabels the view
        in_english(page, "stations", "Stations", browser_output / "stations-community-en.png",
                   {"#stations thead": "site", "#grid-contacts": "Co-governance partners"})

        # the street pairs an agency with the grid; the cadres' masked phones keep their numbers
        street = session(f"street-{street_id}")
        open_stations_view(street, grid_id)
        street.click("#contacts-box button[data-action=edit-contacts]")
        form = street.locator("#contacts-box form.contacts-form")
        assert form.locator(".cadre-row").count() == len(contacts["cadres"])
        agencies = form.locator("input[name=paired_agencies]")
        agencies.fill("、".join([*contacts["paired_agencies"], agency]))
        form.locator("button[type=submit]").click()
        street.locator("#contacts-box[data-source=maintained] .message.ok").wait_for()
        assert "包管已保存" in street.locator("#contacts-box").inner_text()
        assert agency in street.locator("#contacts-box").inner_text()

        # the grid's secretary: nothing to tick, its cadres' phones in full
        secretary = session(f"sec-{grid_id}")
        open_stations_view(secretary, grid_id)
        assert secretary.locator("#stations tbody tr[data-station-id]").count() == 1
        assert secretary.locator("#stations input[type=checkbox]:enabled").count() == 0
        assert not any("*" in p for p in secretary.locator("#contacts-box ul.cadres .phone").all_inner_texts())
        secretary.screenshot(path=str(browser_output / "stations-secretary.png"), full_page=True)
        resident = session(f"resident-{grid_id}")
        resident.wait_for_selector("#orders-view:not([hidden])")
        assert resident.locator("#nav button[data-view=stations]").is_hidden()

    # what the dashboard showed is what the gateway holds
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        headers = admin_headers(platform, client)
        kept = next(s for s in client.get("/v1/stations", headers=headers, params={"grid_id": grid_id}).json()["items"]
                    if s["station_id"] == station["station_id"])
        after = client.get(f"/v1/grids/{grid_id}/contacts", headers=signed_in(platform, client, f"sec-{grid_id}")).json()
        before_phones = client.get(f"/v1/grids/{grid_id}/contacts", headers=headers).json()
    assert kept["checklist"][item] is (not before) and kept["updated_by"] == f"community-{community_id}"
    assert {k: v for k, v in kept["checklist"].items() if k != item} == {
        k: v for k, v in station["checklist"].items() if k != item}
    assert after["paired_agencies"] == [*contacts["paired_agencies"], agency] and after["updated_by"] == f"street-{street_id}"
    assert [(c["role"], c["name"], c["agency"]) for c in after["cadres"]] == [
        (c["role"], c["name"], c["agency"]) for c in contacts["cadres"]]
    assert all("*" not in c["phone"] for c in after["cadres"]) and before_phones["cadres"] == contacts["cadres"]
