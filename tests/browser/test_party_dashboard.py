"""The party organisation in the dashboard (党组织, 党建引领): a community reads the tree of its own
area — its big party committee, its grid branches and their party groups — sets who holds a
branch's posts and adds a party group; the grid's secretary reads only its branch, with no
controls to change it."""

from __future__ import annotations

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


def admin_headers(platform: LocalPlatform, client: httpx.Client) -> dict[str, str]:
    token = client.post("/v1/auth/token", data={"username": "admin", "password": platform.demo_password}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def sign_in(page, username: str, password: str) -> None:
    page.wait_for_selector("#login-view:not([hidden])")
    page.fill("#login input[name=username]", username)
    page.fill("#login input[name=password]", password)
    page.click("#login button[type=submit]")


def organisations(platform: LocalPlatform, username: str, **area: str) -> list[dict]:
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        token = client.post("/v1/auth/token", data={"username": username, "password": platform.demo_password}).json()
        reply = client.get("/v1/party/organisations", params=area,
                           headers={"Authorization": f"Bearer {token['access_token']}"})
    assert reply.status_code == 200, reply.text
    return reply.json()["items"]


def shown_ids(page) -> set[str]:
    return set(page.eval_on_selector_all("#party-tree li.org", "items => items.map(i => i.dataset.orgId)"))


def open_party_view(page) -> None:
    page.wait_for_selector("#nav button[data-view=party]:not([hidden])")
    page.click("#nav button[data-view=party]")
    page.wait_for_selector("#party-view:not([hidden])")
    wait_until(page, "document.querySelectorAll('#party-tree li.org').length > 0")


def test_a_community_keeps_its_branches_posts_and_groups_and_a_secretary_only_reads_its_branch(
    platform: LocalPlatform, browser, browser_output: Path
) -> None:
    everything = organisations(platform, "admin")
    branch = next(o for o in everything if o["level"] == "branch")
    community_id, grid_id, branch_id = branch["community_id"], branch["grid_id"], branch["org_id"]
    ours = organisations(platform, "admin", community_id=community_id)
    others = {o["org_id"] for o in everything if o["community_id"] and o["community_id"] != community_id}
    assert others, "a county of one community"
    tag = uuid.uuid4().hex[:6]
    secretary, deputy = f"张{tag}", f"李{tag}"
    group = f"{tag}号楼党小组"

    errors: list[str] = []
    contexts = []

    def session(username: str):
        context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{username}: {exc}"))
        # the dashboard runs under its content security policy: nothing of its own is refused
        page.on("console", lambda m: errors.append(f"{username}: {m.text}") if "Content Security Policy" in m.text else None)
        page.goto(platform.gateway_url + "/")
        sign_in(page, username, platform.demo_password)
        return page

    try:
        page = session(f"community-{community_id}")
        open_party_view(page)
        # its community committee, its branches and their groups; nothing of another community
        assert shown_ids(page) == {o["org_id"] for o in ours}
        assert not shown_ids(page) & others
        committee = page.locator("#party-tree li.org[data-level=community_committee]")
        assert committee.count() == 1
        assert "社区大党委" in committee.locator(":scope > .org-row").inner_text()
        branches = page.locator("#party-tree li.org[data-level=branch]")
        assert branches.count() == sum(o["level"] == "branch" for o in ours) > 0
        node = page.locator(f"#party-tree li.org[data-org-id='{branch_id}']")
        row = node.locator(":scope > .org-row")
        assert "网格党支部" in row.inner_text() and f"党员 {branch['party_members']} 名" in row.inner_text()

        # 编辑职务: the branch's committee replaced by a secretary and a deputy secretary
        row.locator("button[data-action=edit-posts]").click()
        form = node.locator(":scope > .org-slot form.posts-form")
        form.wait_for()
        assert form.locator(".post-row").count() == max(len(branch["posts"]), 1)
        while form.locator(".post-row").count():
            form.locator(".post-row button[data-action=remove-row]").first.click()
        for name, phone in ((secretary, "13905381111"), (deputy, "13905382222")):
            form.locator("button[data-action=add-row]").click()
            added = form.locator(".post-row").last
            added.locator("select[name=post]").select_option("secretary")
            added.locator("input[name=name]").fill(name)
            added.locator("input[name=phone]").fill(phone)
        # two secretaries: the gateway's 422 names the post, inline
        form.locator("button[type=submit]").click()
        wait_until(page, f"document.querySelector(\"li[data-org-id='{branch_id}'] form.posts-form .message\").textContent.includes('422')")
        assert form.locator(".message.error").count() == 1
        page.screenshot(path=str(browser_output / "party-posts-form.png"), full_page=True)
        form.locator(".post-row").last.locator("select[name=post]").select_option("deputy_secretary")
        form.locator("button[type=submit]").click()
        page.wait_for_selector(f"li.org[data-org-id='{branch_id}'][data-source=maintained]")
        assert node.locator(":scope > .org-slot form").count() == 0
        assert "职务已保存" in node.locator(":scope > .org-slot").inner_text()
        held = node.locator(":scope > .org-row ul.posts > li")
        assert held.count() == 2
        assert secretary in held.nth(0).inner_text() and "书记" in held.nth(0).inner_text()
        assert deputy in held.nth(1).inner_text() and "副书记" in held.nth(1).inner_text()
        # the community is not the grid's staff: the phones it typed come back masked
        assert "1111" in held.nth(0).inner_text() and "13905381111" not in held.nth(0).inner_text()
        assert "已维护" in node.locator(":scope > .org-row").inner_text()
        # saved again as shown, the masked numbers keep the ones held (the API check below)
        row.locator("button[data-action=edit-posts]").click()
        form.wait_for()
        assert all("*" in v for v in form.locator("input[name=phone]").evaluate_all("xs => xs.map(x => x.value)"))
        form.locator("button[type=submit]").click()
        wait_until(page, f"!document.querySelector(\"li[data-org-id='{branch_id}'] form.posts-form\")")
        assert "职务已保存" in node.locator(":scope > .org-slot").inner_text()

        # 添加党小组: under the branch at once; the same name again is a 409, inline
        for attempt in (1, 2):
            node.locator(":scope > .org-row button[data-action=add-group]").click()
            adding = node.locator(":scope > .org-slot form.group-form")
            adding.locator("input[name=name]").fill(group)
            adding.locator("button[type=submit]").click()
            if attempt == 1:
                node.locator(":scope > .org-children > li.org[data-level=party_group]", has_text=group).wait_for()
        wait_until(page, f"document.querySelector(\"li[data-org-id='{branch_id}'] form.group-form .message\").textContent.includes('409')")
        assert node.locator(":scope > .org-children > li.org[data-level=party_group]", has_text=group).count() == 1
        adding.locator("button[data-action=cancel]").click()
        node.locator(":scope > .org-row").scroll_into_view_if_needed()
        page.screenshot(path=str(browser_output / "party-organisations.png"), full_page=True)

        # the English switch relabels the tree
        page.click("#lang")
        assert "Grid party branch" in node.locator(":scope > .org-row").inner_text()
        page.click("#lang")

        # the grid's secretary: its branch and its groups, phones in full, nothing to change
        mine = organisations(platform, f"sec-{grid_id}")
        reader = session(f"sec-{grid_id}")
        open_party_view(reader)
        assert shown_ids(reader) == {o["org_id"] for o in mine}
        assert {o["level"] for o in mine} <= {"branch", "party_group"}
        assert reader.locator("#party-tree li.org[data-level=branch]").count() == 1
        assert reader.locator("#party-tree li.org[data-level=party_group]", has_text=group).count() == 1
        assert reader.locator("#party-tree button[data-action=edit-posts], #party-tree button[data-action=add-group]").count() == 0
        assert "13905381111" in reader.locator(f"li.org[data-org-id='{branch_id}'] > .org-row").inner_text()
    finally:
        for context in contexts:
            context.close()
    assert errors == []

    # what the dashboard showed is what the gateway holds
    kept = next(o for o in organisations(platform, f"sec-{grid_id}") if o["org_id"] == branch_id)
    assert [(p["post"], p["name"], p["phone"]) for p in kept["posts"]] == [
        ("secretary", secretary, "13905381111"), ("deputy_secretary", deputy, "13905382222")]
    assert kept["source"] == "maintained" and kept["updated_by"] == f"community-{community_id}"
    groups = [o for o in organisations(platform, "admin", grid_id=grid_id) if o["parent_id"] == branch_id]
    assert [o["name"] for o in groups].count(group) == 1
