"""Party members in the dashboard (党员 · 设岗定责).

A community forms a volunteer team for one of its grids; the grid's party member, registered
there (在职党员到网格报到), reads its registration and joins the team; the grid's secretary reads
the county's register of its members by category beside the registered members, and sets the
member's service post (设岗定责) and party group. Residents see no such view.
"""

from __future__ import annotations

import random
import uuid
from pathlib import Path

import httpx
import pytest

from services.local import LocalPlatform
from tests.browser.polling import wait_until
from tests.browser.test_party_dashboard import admin_headers, browser_output, dashboard

pytestmark = pytest.mark.browser

__all__ = ["browser_output"]  # the fixture, shared with the party-organisation tests


def signed_in(platform: LocalPlatform, client: httpx.Client, username: str) -> dict[str, str]:
    token = client.post("/v1/auth/token", data={"username": username, "password": platform.demo_password})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def open_view(page, view: str, ready: str | None = None) -> None:
    """Opens the dashboard's ``view`` from the navigation; waits for ``ready`` when given."""
    page.wait_for_selector(f"#nav button[data-view={view}]:not([hidden])")
    page.click(f"#nav button[data-view={view}]")
    page.wait_for_selector(f"#{view}-view:not([hidden])")
    if ready:
        page.wait_for_selector(ready)


def test_a_member_joins_a_team_and_the_secretary_sets_its_service_post_and_group(
    platform: LocalPlatform, browser, browser_output: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        admin = admin_headers(platform, client)
        grid = random.choice([f["properties"] for f in client.get("/v1/grids", headers=admin).json()["features"]])
        grid_id, community_id = grid["grid_id"], grid["community_id"]
        member = f"member-{grid_id}"
        # the grid's member registers (报到) with the number it has on the county's register
        first = client.get("/v1/party-members/register", headers=admin, params={"grid_id": grid_id, "page_size": 1}).json()
        registered = client.post("/v1/party-members", headers=signed_in(platform, client, member), json={
            "name": f"王{tag}", "phone": "13905387788", "workplace": "宁阳县教育局", "category": "in_work",
            "register_id": first["items"][0]["member_id"]})
        assert registered.status_code == 201, registered.text
        groups = [o for o in client.get("/v1/party/organisations", headers=admin, params={"grid_id": grid_id}).json()["items"]
                  if o["level"] == "party_group"]
        assert groups, "a grid without party groups"
        roll = client.get("/v1/party-members/register", headers=signed_in(platform, client, f"sec-{grid_id}"),
                          params={"grid_id": grid_id}).json()
    team = f"红色先锋{tag}"

    with dashboard(platform, browser) as session:
        # 组建服务队: the community forms a team for the grid; a name of spaces is the gateway's 422, inline
        community = session(f"community-{community_id}")
        open_view(community, "members")
        form = community.locator("#team-form")
        form.wait_for()
        form.locator("input[name=name]").fill("  ")
        form.locator("button[type=submit]").click()
        wait_until(community, "document.querySelector('#team-form .message.error')?.textContent.includes('422')")
        assert "name" in form.locator(".message").inner_text()
        form.locator("input[name=name]").fill(team)
        form.locator("input[name=description]").fill("政策宣传、关爱帮扶")
        form.locator("select[name=grid_id]").select_option(grid_id)
        form.locator("button[type=submit]").click()
        item = community.locator("#teams li", has_text=team)
        item.wait_for()
        assert "服务队已组建" in form.locator(".message.ok").inner_text()
        assert grid["name"] in item.inner_text() and "队员 0 名" in item.inner_text()
        team_id = item.get_attribute("data-team-id")
        # the community is not the grid's staff: names come masked, and it is told so
        assert community.locator("#members-masked").is_visible()

        # the member: its registration, and the team of its grid to join
        page = session(member)
        open_view(page, "members")
        mine = page.locator("#my-registration")
        mine.locator(".field").first.wait_for()
        assert f"王{tag}" in mine.inner_text() and "在职" in mine.inner_text() and "未设岗" in mine.inner_text()
        assert page.locator("#members-card").is_hidden() and page.locator("#team-form").is_hidden()
        joining = page.locator(f"#teams li[data-team-id='{team_id}']")
        joining.locator("button[data-action=join]").click()
        page.locator(f"#teams li[data-team-id='{team_id}'][data-joined=true]").wait_for()
        assert "已加入服务队" in page.locator("#teams-message").inner_text()
        assert "队员 1 名" in joining.inner_text() and "已加入" in joining.inner_text()
        page.screenshot(path=str(browser_output / "members-member.png"), full_page=True)

        # the secretary: the register of its grid by category, and the registered member to post
        secretary = session(f"sec-{grid_id}")
        open_view(secretary, "members")
        row = secretary.locator(f"#members tr[data-member-id='{member}']")
        row.wait_for()
        figures = secretary.locator("#members-figures .figure")
        assert figures.first.locator("b").inner_text() == str(roll["total"])
        for code, count in roll["by_category"].items():
            assert secretary.locator(f"#members-figures .figure[data-category={code}] b").inner_text() == str(count)
        assert secretary.locator("#members-masked").is_hidden()
        # its own staff read names in full, and the team the member joined
        assert f"王{tag}" in row.inner_text() and "13905387788" in row.inner_text() and team in row.inner_text()
        assert secretary.locator(f"#roll tr[data-member-id='{first['items'][0]['member_id']}']").inner_text().endswith(member)
        assert secretary.locator("#roll tbody tr[data-member-id]").count() == min(20, roll["total"])
        # only the retired on the register
        secretary.locator("#roll-filter select[name=category]").select_option("retired")
        secretary.locator("#roll-filter button[type=submit]").click()
        wait_until(secretary, "[...document.querySelectorAll('#roll tbody tr[data-member-id]')].every(r => r.dataset.category === 'retired')"
                              " && document.querySelector('#roll-page').textContent.includes('(" + str(roll["by_category"]["retired"]) + ")')")
        assert "离退休" in secretary.locator("#roll tbody tr").first.inner_text()

        # 设岗定责 and a party group
        row.locator("select[name=service_post]").select_option("dispute_mediation")
        row.locator("select[name=group_id]").select_option(groups[-1]["org_id"])
        row.locator("button[data-action=save-member]").click()
        secretary.locator(f"#members tr[data-member-id='{member}'][data-service-post=dispute_mediation]").wait_for()
        assert "已保存" in row.locator(".message.ok").inner_text()
        secretary.screenshot(path=str(browser_output / "members-secretary.png"), full_page=True)

        # the English switch relabels the view
        secretary.click("#lang")
        assert secretary.locator("#nav button[data-view=members]").inner_text() == "Party members"
        assert "in work" in row.inner_text()
        assert row.locator("select[name=service_post] option:checked").inner_text() == "dispute mediation"
        secretary.screenshot(path=str(browser_output / "members-secretary-en.png"), full_page=True)
        secretary.click("#lang")

        # the member reads its post; a resident has no such view
        page.reload()
        open_view(page, "members")
        mine.locator(".field").first.wait_for()
        assert "矛盾调解岗" in mine.inner_text()
        resident = session(f"resident-{grid_id}")
        resident.wait_for_selector("#orders-view:not([hidden])")
        assert resident.locator("#nav button[data-view=members]").is_hidden()

    # what the dashboard showed is what the gateway holds
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        kept = client.get("/v1/party-members/me", headers=signed_in(platform, client, member)).json()
        teams = client.get("/v1/volunteer-teams", headers=admin_headers(platform, client), params={"grid_id": grid_id}).json()
    assert (kept["service_post"], kept["group_id"], kept["volunteer_teams"]) == (
        "dispute_mediation", groups[-1]["org_id"], [team_id])
    formed = next(x for x in teams["items"] if x["team_id"] == team_id)
    assert (formed["grid_id"], formed["members"], formed["created_by"]) == (grid_id, [member], f"community-{community_id}")
