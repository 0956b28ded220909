"""Party building in the dashboard.

党组织 (党建引领): a community reads the tree of its own area — its big party committee, its grid
branches and their party groups — sets who holds a branch's posts and adds a party group; the
grid's secretary reads only its branch, with no controls to change it.

联席会议: a grid's secretary plans a joint meeting with an open case and a resident's order ticked
onto its agenda, records its minutes with decisions — one taking a step of the closed loop on the
case — and closes an overdue decision; its community sees the meeting; residents see no such view.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from services.local import LocalPlatform
from tests.browser.polling import wait_until
from tests.e2e.test_party_e2e import fused_case

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


@contextmanager
def dashboard(platform: LocalPlatform, browser) -> Iterator:
    """Signs users in, each in a browser context of its own; at the end, no page has raised an
    error and the content security policy has refused nothing of the dashboard's own."""
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
        yield session
    finally:
        for context in contexts:
            context.close()
    assert errors == []


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

    with dashboard(platform, browser) as session:
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
        # saved: the form closes (the branch may be maintained already, by an earlier test's hand)
        node.locator(":scope > .org-slot form").wait_for(state="detached")
        page.wait_for_selector(f"li.org[data-org-id='{branch_id}'][data-source=maintained]")
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

    # what the dashboard showed is what the gateway holds
    kept = next(o for o in organisations(platform, f"sec-{grid_id}") if o["org_id"] == branch_id)
    assert [(p["post"], p["name"], p["phone"]) for p in kept["posts"]] == [
        ("secretary", secretary, "13905381111"), ("deputy_secretary", deputy, "13905382222")]
    assert kept["source"] == "maintained" and kept["updated_by"] == f"community-{community_id}"
    groups = [o for o in organisations(platform, "admin", grid_id=grid_id) if o["parent_id"] == branch_id]
    assert [o["name"] for o in groups].count(group) == 1


def case_of_its_own(client: httpx.Client, headers: dict[str, str], summary: str) -> dict:
    """A case on the grid of a compound with its owners' committee, reported at a moment of 2026 no
    other test reports at, so fusion correlates it with nothing."""
    moment = datetime(2026, 1, 1, 9, tzinfo=timezone(timedelta(hours=8))) + timedelta(hours=random.randrange(24 * 300))
    return fused_case(client, headers, summary, at=moment.isoformat())


def open_meetings_view(page) -> None:
    page.wait_for_selector("#nav button[data-view=meetings]:not([hidden])")
    page.click("#nav button[data-view=meetings]")
    page.wait_for_selector("#meetings-view:not([hidden])")
    page.wait_for_selector("#meetings tbody tr")  # a meeting, or the row saying there is none


def test_a_secretary_plans_a_joint_meeting_records_its_decisions_and_closes_an_overdue_one(
    platform: LocalPlatform, browser, browser_output: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        case = case_of_its_own(client, admin_headers(platform, client), f"{tag}号楼前垃圾堆放多日无人清运")
        grid_id, community_id = case["grid_id"], case["community_id"]
        token = client.post("/v1/auth/token", data={"username": f"resident-{grid_id}", "password": platform.demo_password})
        order = client.post("/v1/service-orders", headers={"Authorization": f"Bearer {token.json()['access_token']}"}, json={
            "kind": "repair", "title": f"{tag}号楼楼道灯不亮", "contact_name": "王芳", "contact_phone": "13905380001"})
        assert order.status_code == 201, order.text
    order_id, case_id = order.json()["order_id"], case["case_id"]
    title = f"联席会议{tag}"

    with dashboard(platform, browser) as session:
        page = session(f"sec-{grid_id}")
        open_meetings_view(page)

        # 安排会议: the grid's open case and the resident's order offered for the agenda, and a topic
        page.click("#meeting-new")
        form = page.locator("#meeting-form")
        form.locator(f".suggestions label[data-ref='{case_id}'][data-kind=case]").wait_for()
        form.locator(f".suggestions label[data-ref='{order_id}'][data-kind=order]").wait_for()
        form.locator("input[name=title]").fill(title)
        form.locator("input[name=place]").fill("党群服务站")
        form.locator(f".suggestions label[data-ref='{case_id}'] input").check()
        form.locator(f".suggestions label[data-ref='{order_id}'] input").check()
        form.locator("button[data-action=add-topic]").click()
        form.locator("input[name=topic]").fill("冬季供暖")
        page.screenshot(path=str(browser_output / "meetings-plan.png"), full_page=True)
        form.locator("button[type=submit]").click()
        side = page.locator("#meeting-side[data-status=planned]")
        side.wait_for()
        meeting_id = side.get_attribute("data-meeting-id")
        assert "会议已安排" in side.inner_text()
        assert side.locator("ol.agenda li").evaluate_all("xs => xs.map(x => x.dataset.kind)")[:3] == ["case", "order", "topic"]
        assert "号楼前垃圾堆放多日无人清运" in side.locator("ol.agenda li[data-kind=case]").inner_text()
        # its invitees by name: the street, the community and the grid's co-governance actors
        invited = side.locator("ul.invitees").inner_text()
        assert "街道" in invited and "业委会" in invited and "物业公司" in invited
        page.locator(f"#meetings tr[data-meeting-id='{meeting_id}'][data-status=planned]").wait_for()

        # the minutes with no one present: the gateway's 422 names the field, inline
        minutes = side.locator("form.minutes-form")
        minutes.locator("textarea[name=minutes]").fill("物业承诺一周内恢复清运，支部受理此案。")
        minutes.locator("button[type=submit]").click()
        wait_until(page, "document.querySelector('form.minutes-form .message.error')?.textContent.includes('422')")
        assert "attendees" in minutes.locator(".message.error").inner_text()

        # who came, and two decisions: the case accepted by the meeting; a supervision already past due
        minutes.locator("label.check", has_text="网格党支部").locator("input").check()
        minutes.locator("input[name=others]").fill("物业公司代表、业委会主任")
        for _ in range(2):
            minutes.locator("button[data-action=add-decision]").click()
        accept, supervise = minutes.locator(".decision-row").nth(0), minutes.locator(".decision-row").nth(1)
        accept.locator("[name=text]").fill("受理并督促物业恢复清运")
        accept.locator("[name=owner]").fill("物业公司")
        accept.locator("[name=case_id]").select_option(case_id)
        accept.locator("[name=action]").select_option("accept")
        supervise.locator("[name=text]").fill(f"业委会监督清运{tag}")
        supervise.locator("[name=owner]").fill("业委会")
        supervise.locator("[name=due_at]").fill("2024-01-05T18:00")
        minutes.locator("button[type=submit]").click()
        held = page.locator(f"#meeting-side[data-meeting-id='{meeting_id}'][data-status=held]")
        held.wait_for()
        assert "纪要已保存" in held.inner_text()
        assert "物业公司代表" in held.locator(".record").inner_text()
        first, second = held.locator("ol.decisions li[data-decision-id=D1]"), held.locator("ol.decisions li[data-decision-id=D2]")
        assert first.locator(".tag.outcome[data-outcome=applied]").inner_text() == "已执行"
        assert "受理" in first.locator(".tag.step").inner_text()
        assert second.get_attribute("class") == "overdue" and "已超期" in second.inner_text()
        page.locator(f"#meetings tr[data-meeting-id='{meeting_id}'][data-status=held]").wait_for()
        page.locator(f"#decisions tr[data-ref='{meeting_id}/D2'].overdue").wait_for()
        page.screenshot(path=str(browser_output / "meetings-held.png"), full_page=True)

        # only the overdue ones: D2 stays, D1 (due in a week) goes
        page.check("#decisions-overdue")
        wait_until(page, f"!document.querySelector(\"#decisions tr[data-ref='{meeting_id}/D1']\")")
        assert page.locator(f"#decisions tr[data-ref='{meeting_id}/D2']").count() == 1
        assert page.locator("#decisions tbody tr[data-ref]:not(.overdue)").count() == 0

        # 办结 between meetings, with a note: off the open decisions, done in the meeting's record
        row = page.locator(f"#decisions tr[data-ref='{meeting_id}/D2']")
        row.locator("input[name=note]").fill("已监督清运")
        row.locator("button[data-action=close-done]").click()
        wait_until(page, f"!document.querySelector(\"#decisions tr[data-ref='{meeting_id}/D2']\")")
        assert "决定已关闭" in page.locator("#decisions-message").inner_text()
        page.locator("#meeting-side ol.decisions li[data-decision-id=D2][data-status=done]").wait_for()
        assert "已监督清运" in page.locator("#meeting-side ol.decisions li[data-decision-id=D2]").inner_text()

        # the English switch relabels the view
        page.click("#lang")
        assert page.locator("#nav button[data-view=meetings]").inner_text() == "Joint meetings"
        assert page.locator("#meeting-side li[data-decision-id=D1] .tag.outcome").inner_text() == "applied"
        page.click("#lang")

        # the community sees its grid's meeting; a resident has no such view
        community = session(f"community-{community_id}")
        open_meetings_view(community)
        community.locator(f"#meetings tr[data-meeting-id='{meeting_id}'][data-status=held]").click()
        community.locator(f"#meeting-side[data-meeting-id='{meeting_id}'] li[data-decision-id=D1]").wait_for()
        resident = session(f"resident-{grid_id}")
        resident.wait_for_selector("#orders-view:not([hidden])")
        assert resident.locator("#nav button[data-view=meetings]").is_hidden()

    # what the dashboard showed is what the gateway holds, and the case took the meeting's step
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        headers = admin_headers(platform, client)
        kept = client.get(f"/v1/meetings/{meeting_id}", headers=headers).json()
        after = client.get(f"/v1/cases/{case_id}", headers=headers).json()
    assert [(a["kind"], a["ref"]) for a in kept["agenda"][:3]] == [("case", case_id), ("order", order_id), ("topic", None)]
    assert kept["attendees"][-2:] == ["物业公司代表", "业委会主任"]
    assert [(d["status"], d["outcome"]) for d in kept["decisions"]] == [("open", "applied"), ("done", None)]
    assert kept["decisions"][0]["due_at"].endswith("+08:00") and kept["decisions"][1]["closing_note"] == "已监督清运"
    assert any(s["action"] == "accept" and f"联席会议 {meeting_id}/D1" in (s.get("note") or "") for s in after["timeline"])


def test_a_property_case_shows_the_compounds_property_company_and_owners_committee(
    platform: LocalPlatform, browser, browser_output: Path
) -> None:
    """红色物业: the case's detail names whom a property-management case of a compound goes to —
    contacts whole for the grid's own secretary, masked for the county."""
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        case = case_of_its_own(client, admin_headers(platform, client), "物业电梯长期故障无人维修")
    route = case["property_route"]
    assert route and len(route["actors"]) >= 2
    with dashboard(platform, browser) as session:
        for username, masked in ((f"sec-{case['grid_id']}", False), ("admin", True)):
            page = session(username)
            row = page.locator(f"#cases tr[data-case-id='{case['case_id']}']")
            row.wait_for(timeout=30000)
            row.click()
            section = page.locator(f"#property-route[data-compound-id='{route['compound_id']}']")
            section.wait_for()
            assert route["compound_name"] in section.inner_text()
            shown = section.locator("li[data-org-id]")
            assert shown.count() == len(route["actors"])
            contacts = shown.locator(".contact").all_inner_texts()
            assert contacts and all(("*" in text) == masked for text in contacts), (username, contacts)
            assert "红色物业" in page.locator("#detail").inner_text()
            if not masked:
                page.screenshot(path=str(browser_output / "property-route.png"))
