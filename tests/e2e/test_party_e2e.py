"""党建引领: the party organisation's four levels through the gateway, as the county, a street,
a community and a grid's secretary see and keep them."""

from __future__ import annotations

import time
import uuid
from collections import Counter

import httpx
import pytest

from services.local import LocalPlatform

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def client(platform: LocalPlatform):
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as c:
        yield c


def login(client: httpx.Client, username: str, password: str) -> dict[str, str]:
    reply = client.post("/v1/auth/token", data={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def organisations(client: httpx.Client, headers: dict, **params: str) -> list[dict]:
    reply = client.get("/v1/party/organisations", headers=headers, params=params)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["total"] == len(body["items"]) and body["reference_version"]
    return body["items"]


def test_the_county_sees_four_levels_with_the_seeds_branch_staff(client: httpx.Client, platform: LocalPlatform) -> None:
    items = organisations(client, login(client, "admin", platform.demo_password))
    levels = Counter(o["level"] for o in items)
    assert levels["street_committee"] == 2 and levels["community_committee"] == 10 and levels["branch"] == 53
    assert levels["party_group"] >= 275
    branches = [o for o in items if o["level"] == "branch"]
    assert sum(1 for o in branches for p in o["posts"] if p["post"] == "secretary") == 53
    assert sum(o["party_members"] for o in branches) == 9656
    groups = [o for o in items if o["level"] == "party_group" and o["compound_id"]]  # one per compound
    assert len(groups) == 275
    assert all([p["post"] for p in g["posts"]] == ["group_leader"] for g in groups if g["source"] == "reference")
    seen = set()
    for o in items:  # parents before their children
        assert o["parent_id"] is None or o["parent_id"] in seen, o
        seen.add(o["org_id"])
    # The county is no grid's staff: phones masked, names shown (posts are public offices).
    secretary = branches[0]["posts"][0]
    assert "*" in secretary["phone"] and "*" not in secretary["name"]


def test_each_role_sees_its_own_area_and_only_the_grids_staff_see_phones(client: httpx.Client,
                                                                         platform: LocalPlatform) -> None:
    admin = login(client, "admin", platform.demo_password)
    branch = next(o for o in organisations(client, admin) if o["level"] == "branch")
    grid, community = branch["grid_id"], branch["community_id"]
    mine = organisations(client, login(client, f"community-{community}", platform.demo_password))
    assert {o["community_id"] for o in mine} == {community}
    assert [o["level"] for o in mine].count("community_committee") == 1
    secretary = login(client, f"sec-{grid}", platform.demo_password)
    own = organisations(client, secretary, purpose="联系支部委员")
    assert {o["grid_id"] for o in own} == {grid} and {o["level"] for o in own} == {"branch", "party_group"}
    assert all("*" not in p["phone"] for o in own for p in o["posts"] if p["phone"])
    audit = client.get("/v1/audit", headers=admin, params={"who": f"sec-{grid}"}).json()["items"]
    assert any("party posts" in e["what"] and e["why"] == "联系支部委员" for e in audit), audit
    other = next(o for o in organisations(client, admin) if o["level"] == "branch" and o["community_id"] != community)
    assert client.get("/v1/party/organisations", headers=secretary,
                      params={"grid_id": other["grid_id"]}).status_code == 403
    resident = login(client, f"resident-{grid}", platform.demo_password)
    assert client.get("/v1/party/organisations", headers=resident).status_code == 403


def test_a_community_keeps_its_branches_posts_and_groups(client: httpx.Client, platform: LocalPlatform) -> None:
    admin = login(client, "admin", platform.demo_password)
    everything = organisations(client, admin)
    branch = next(o for o in everything if o["level"] == "branch")
    community = login(client, f"community-{branch['community_id']}", platform.demo_password)
    posts = [{"post": "secretary", "name": "王建国", "phone": "13800001111", "member_id": "DY0001"},
             {"post": "deputy_secretary", "name": "李红"}, {"post": "committee_member", "name": "张伟"}]
    reply = client.put(f"/v1/party/organisations/{branch['org_id']}/posts", headers=community, json={"posts": posts})
    assert reply.status_code == 200, reply.text
    kept = reply.json()
    assert [p["name"] for p in kept["posts"]] == ["王建国", "李红", "张伟"] and kept["source"] == "maintained"
    assert kept["updated_by"] == f"community-{branch['community_id']}" and kept["updated_at"]
    again = next(o for o in organisations(client, admin) if o["org_id"] == branch["org_id"])
    assert [p["post"] for p in again["posts"]] == ["secretary", "deputy_secretary", "committee_member"]

    # The form sends back what the community was shown: a masked number keeps the one held.
    shown = kept["posts"][0]["phone"]
    assert shown == "138****1111"
    again_kept = client.put(f"/v1/party/organisations/{branch['org_id']}/posts", headers=community,
                            json={"posts": [{"post": "secretary", "name": "王建国", "phone": shown}]})
    assert again_kept.status_code == 200, again_kept.text
    own = organisations(client, login(client, f"sec-{branch['grid_id']}", platform.demo_password))
    assert next(o for o in own if o["org_id"] == branch["org_id"])["posts"][0]["phone"] == "13800001111"
    stranger = client.put(f"/v1/party/organisations/{branch['org_id']}/posts", headers=community,
                          json={"posts": [{"post": "secretary", "name": "陈某", "phone": shown}]})
    assert stranger.status_code == 422 and stranger.json()["detail"][0]["loc"] == ["body", "posts", "0", "phone"]
    client.put(f"/v1/party/organisations/{branch['org_id']}/posts", headers=community, json={"posts": posts})

    bad = client.put(f"/v1/party/organisations/{branch['org_id']}/posts", headers=community,
                     json={"posts": [{"post": "group_leader", "name": "甲"}]})
    assert bad.status_code == 422 and "group_leader" in bad.text
    twice = client.put(f"/v1/party/organisations/{branch['org_id']}/posts", headers=community,
                       json={"posts": [{"post": "secretary", "name": "甲"}, {"post": "secretary", "name": "乙"}]})
    assert twice.status_code == 422 and "one secretary at most" in twice.text
    elsewhere = next(o for o in everything if o["level"] == "branch" and o["community_id"] != branch["community_id"])
    refused = client.put(f"/v1/party/organisations/{elsewhere['org_id']}/posts", headers=community, json={"posts": []})
    assert refused.status_code == 404 and "in your area" in refused.json()["detail"]

    name = f"{uuid.uuid4().hex[:6]}号楼党小组"
    made = client.post("/v1/party/organisations", headers=community,
                       json={"parent_id": branch["org_id"], "name": name})
    assert made.status_code == 201, made.text
    group = made.json()
    assert group["level"] == "party_group" and group["parent_id"] == branch["org_id"] and group["posts"] == []
    assert client.post("/v1/party/organisations", headers=community,
                       json={"parent_id": branch["org_id"], "name": name}).status_code == 409
    leader = client.put(f"/v1/party/organisations/{group['org_id']}/posts", headers=community,
                        json={"posts": [{"post": "group_leader", "name": "赵六"}]})
    assert leader.status_code == 200 and leader.json()["posts"][0]["post"] == "group_leader"
    assert group["org_id"] in {o["org_id"] for o in organisations(client, admin, grid_id=branch["grid_id"])}


def test_a_grids_county_contacts_are_shown_to_its_area_and_assigned_by_the_street(client: httpx.Client,
                                                                                   platform: LocalPlatform) -> None:
    admin = login(client, "admin", platform.demo_password)
    branch = next(o for o in organisations(client, admin) if o["level"] == "branch")
    grid, street = branch["grid_id"], branch["street_id"]
    seen = client.get(f"/v1/grids/{grid}/contacts", headers=admin)
    assert seen.status_code == 200, seen.text
    contacts = seen.json()
    assert [c["role"] for c in contacts["cadres"]] == ["leader", "cadre"] and len(contacts["paired_agencies"]) == 1
    assert all("*" in c["phone"] for c in contacts["cadres"])  # the county is no grid's staff
    own = client.get(f"/v1/grids/{grid}/contacts", headers=login(client, f"worker-{grid}", platform.demo_password))
    assert own.status_code == 200 and all("*" not in c["phone"] for c in own.json()["cadres"])

    street_staff = login(client, f"street-{street}", platform.demo_password)
    body = {"cadres": [{"role": "leader", "name": "周强", "phone": "13900001111", "agency": "县民政局"},
                       {"role": "cadre", "name": "吴敏", "agency": "县民政局"}], "paired_agencies": ["县民政局"]}
    kept = client.put(f"/v1/grids/{grid}/contacts", headers=street_staff, json=body)
    assert kept.status_code == 200, kept.text
    assert [c["name"] for c in kept.json()["cadres"]] == ["周强", "吴敏"] and kept.json()["source"] == "maintained"
    bad = client.put(f"/v1/grids/{grid}/contacts", headers=street_staff,
                     json={"cadres": [{"role": "chief", "name": "甲"}], "paired_agencies": []})
    assert bad.status_code == 422 and "role" in bad.text
    community = login(client, f"community-{branch['community_id']}", platform.demo_password)
    assert client.put(f"/v1/grids/{grid}/contacts", headers=community, json=body).status_code == 403
    elsewhere = next(o for o in organisations(client, admin) if o["level"] == "branch" and o["street_id"] != street)
    assert client.put(f"/v1/grids/{elsewhere['grid_id']}/contacts", headers=street_staff, json=body).status_code == 403
    assert client.get("/v1/grids/nowhere/contacts", headers=admin).status_code == 404


def test_a_community_lists_and_keeps_its_co_governance_actors(client: httpx.Client, platform: LocalPlatform) -> None:
    admin = login(client, "admin", platform.demo_password)
    everyone = client.get("/v1/co-governance/organisations", headers=admin).json()
    kinds = Counter(a["kind"] for a in everyone["items"])
    assert kinds["social_organisation"] >= 65 and kinds["owners_committee"] > 0 and kinds["property_company"] > 0
    committee = next(a for a in everyone["items"] if a["kind"] == "owners_committee")
    community = login(client, f"community-{committee['community_id']}", platform.demo_password)
    mine = client.get("/v1/co-governance/organisations", headers=community, params={"kind": "owners_committee"}).json()
    assert mine["items"] and {a["community_id"] for a in mine["items"]} == {committee["community_id"]}
    assert {a["kind"] for a in mine["items"]} == {"owners_committee"}
    assert all("*" in a["contact_phone"] for a in mine["items"])
    changed = client.patch(f"/v1/co-governance/organisations/{committee['org_id']}", headers=community,
                           json={"contact_name": "孙丽", "contact_phone": "13700002222"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["contact_name"] == "孙*" and changed.json()["source"] == "maintained"  # masked for it
    own = client.get("/v1/co-governance/organisations", headers=login(client, f"sec-{committee['grid_id']}",
                                                                        platform.demo_password)).json()["items"]
    theirs = next(a for a in own if a["org_id"] == committee["org_id"])
    assert (theirs["contact_name"], theirs["contact_phone"]) == ("孙丽", "13700002222")
    # sent back as the community was shown them, the name and phone stay
    client.patch(f"/v1/co-governance/organisations/{committee['org_id']}", headers=community,
                 json={"contact_name": "孙*", "contact_phone": "137****2222"}).raise_for_status()
    own = client.get("/v1/co-governance/organisations", headers=login(client, f"sec-{committee['grid_id']}",
                                                                        platform.demo_password)).json()["items"]
    theirs = next(a for a in own if a["org_id"] == committee["org_id"])
    assert (theirs["contact_name"], theirs["contact_phone"]) == ("孙丽", "13700002222")
    added = client.post("/v1/co-governance/organisations", headers=community, json={
        "kind": "social_organisation", "name": "红色物业志愿队", "grid_id": committee["grid_id"],
        "contact_name": "周敏", "contact_phone": "13700003333"})
    assert added.status_code == 201 and added.json()["org_id"].startswith("CG")
    elsewhere = next(a for a in everyone["items"] if a["community_id"] != committee["community_id"])
    assert client.patch(f"/v1/co-governance/organisations/{elsewhere['org_id']}", headers=community,
                        json={"contact_name": "甲"}).status_code == 404
    assert client.post("/v1/co-governance/organisations", headers=community, json={
        "kind": "club", "name": "甲", "grid_id": committee["grid_id"]}).status_code == 422


def test_stations_carry_their_six_haves_and_the_circle_covers_every_household(client: httpx.Client,
                                                                            platform: LocalPlatform) -> None:
    admin = login(client, "admin", platform.demo_password)
    stations = client.get("/v1/stations", headers=admin).json()
    assert stations["total"] == 53 and 0 < stations["complete"] < 53  # one grid, one station
    station = next(x for x in stations["items"] if not x["complete"])
    missing = [item for item, ticked in station["checklist"].items() if not ticked]
    community = login(client, f"community-{station['community_id']}", platform.demo_password)
    ticked = client.put(f"/v1/stations/{station['station_id']}/checklist", headers=community,
                        json=dict.fromkeys(missing, True))
    assert ticked.status_code == 200, ticked.text
    assert ticked.json()["complete"] and ticked.json()["source"] == "maintained"
    assert client.put(f"/v1/stations/{station['station_id']}/checklist", headers=community,
                      json={"wifi": True}).status_code == 422
    other = next(x for x in stations["items"] if x["community_id"] != station["community_id"])
    assert client.put(f"/v1/stations/{other['station_id']}/checklist", headers=community,
                      json={"site": True}).status_code == 404
    mine = client.get("/v1/stations", headers=community).json()
    assert {x["community_id"] for x in mine["items"]} == {station["community_id"]}

    gaps = client.get("/v1/service-circle/gaps", headers=admin).json()
    assert gaps["households"] == 40861 and gaps["total"] == 0 and gaps["coverage"] == 1.0
    assert gaps["circle_km"] == 1.0 and gaps["detour"] == 1.3
    grid = client.get("/v1/service-circle/gaps", headers=community,
                      params={"grid_id": station["grid_id"]}).json()
    assert 0 < grid["households"] < 40861


def test_a_grid_plans_the_six_ones_its_members_sign_up_and_the_quarter_shows_what_is_missing(
        client: httpx.Client, platform: LocalPlatform) -> None:
    admin = login(client, "admin", platform.demo_password)
    grid = next(o for o in organisations(client, admin) if o["level"] == "branch")["grid_id"]
    secretary = login(client, f"sec-{grid}", platform.demo_password)
    member = login(client, f"member-{grid}", platform.demo_password)
    planned = client.post("/v1/activities", headers=secretary, json={
        "grid_id": grid, "kind": "health_check", "title": "健康义诊进网格", "starts_at": "2026-11-20T09:00:00+08:00",
        "hours": 2.5, "place": "党群服务站"})
    assert planned.status_code == 201, planned.text
    activity = planned.json()
    assert activity["status"] == "planned" and activity["starts_at"].startswith("2026-11-20T09:00:00")
    assert client.post("/v1/activities", headers=member, json={**activity, "grid_id": grid}).status_code == 403
    signed = client.post(f"/v1/activities/{activity['activity_id']}/sign-up", headers=member)
    assert signed.status_code == 200 and signed.json()["signed_up"] == [f"member-{grid}"]
    mine = client.get("/v1/activities", headers=member, params={"quarter": "2026-Q4"}).json()
    assert activity["activity_id"] in {a["activity_id"] for a in mine["items"]}
    assert {a["grid_id"] for a in mine["items"]} == {grid}
    held = client.post(f"/v1/activities/{activity['activity_id']}/attendance", headers=secretary,
                       json={"attended": [f"member-{grid}"]})
    assert held.status_code == 200 and held.json()["status"] == "held"
    assert client.post(f"/v1/activities/{activity['activity_id']}/sign-up", headers=member).status_code == 409
    six = client.get("/v1/activities/six-ones", headers=secretary, params={"quarter": "2026-Q4"}).json()
    ours = next(g for g in six["grids"] if g["grid_id"] == grid)
    assert "health_check" in ours["held"] and "health_check" not in ours["missing"]
    assert len(ours["held"]) + len(ours["missing"]) == 6 and [g["grid_id"] for g in six["grids"]] == [grid]
    county = client.get("/v1/activities/six-ones", headers=admin, params={"quarter": "2026-Q4"}).json()
    assert len(county["grids"]) == 53
    earlier = client.get("/v1/activities/six-ones", headers=secretary, params={"quarter": "2026-Q3"}).json()
    assert "health_check" in earlier["grids"][0]["missing"]
    for quarter in ("2026-Q5", "0000-Q1", "9999-Q4"):
        assert client.get("/v1/activities/six-ones", headers=secretary, params={"quarter": quarter}).status_code == 422
    far = client.post("/v1/activities", headers=secretary, json={
        "grid_id": grid, "kind": "clean_up", "title": "x", "starts_at": "9999-12-31T20:00:00Z", "hours": 1})
    assert far.status_code == 422 and "2000 to 2099" in far.text
    assert signed.json()["signed_up_count"] == 1


def test_a_grid_submits_its_week_and_its_community_sees_who_has_not(client: httpx.Client,
                                                                     platform: LocalPlatform) -> None:
    admin = login(client, "admin", platform.demo_password)
    branch = next(o for o in organisations(client, admin) if o["level"] == "branch")
    grid, community_id = branch["grid_id"], branch["community_id"]
    secretary = login(client, f"sec-{grid}", platform.demo_password)
    sent = client.post("/v1/reports/weekly/submissions", headers=secretary,
                       json={"week": "2026-W48", "text": "本周网格内调处矛盾纠纷，开展安全隐患排查。"})
    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert body["week"] == "2026-W48" and body["grid_id"] == grid and body["submitted_by"] == f"sec-{grid}"
    report = client.get("/v1/reports/weekly", headers=secretary, params={"week": "2026-W48"}).json()
    row = next(g for g in report["grids"] if g["grid_id"] == grid)
    assert body["figures"]["events"] == row["events"] and body["figures"]["score"] == row["score"]
    community = login(client, f"community-{community_id}", platform.demo_password)
    seen = client.get("/v1/reports/weekly/submissions", headers=community, params={"week": "2026-W48"}).json()
    assert grid in {x["grid_id"] for x in seen["items"]} and grid not in seen["missing"]
    assert seen["grids"] == seen["submitted"] + len(seen["missing"]) and seen["missing"]
    assert client.post("/v1/reports/weekly/submissions", headers=community,
                       json={"text": "x"}).status_code == 403
    for week in ("2026-W99", "0001-W01", "9999-W52"):
        assert client.get("/v1/reports/weekly/submissions", headers=community, params={"week": week}).status_code == 422



def test_a_street_issues_its_bulletin_ranking_its_grids_and_naming_who_did_not_submit(
        client: httpx.Client, platform: LocalPlatform) -> None:
    admin = login(client, "admin", platform.demo_password)
    branch = next(o for o in organisations(client, admin) if o["level"] == "branch")
    street_id, grid = branch["street_id"], branch["grid_id"]
    client.post("/v1/reports/weekly/submissions", headers=login(client, f"sec-{grid}", platform.demo_password),
                json={"week": "2026-W47", "text": "本周完成入户走访。"})
    street = login(client, f"street-{street_id}", platform.demo_password)
    issued = client.post("/v1/bulletins", headers=street, json={"week": "2026-W47", "text": "通报本周网格工作"})
    assert issued.status_code == 201, issued.text
    bulletin = issued.json()
    grids_of_street = [o["grid_id"] for o in organisations(client, admin, street_id=street_id)
                       if o["level"] == "branch"]
    assert sorted(r["grid_id"] for r in bulletin["ranking"]) == sorted(grids_of_street)
    assert len(bulletin["ranking"]) == len(grids_of_street)
    assert [r["rank"] for r in bulletin["ranking"]] == [
        1 + sum(o["score"] > r["score"] for o in bulletin["ranking"]) for r in bulletin["ranking"]]  # ties share
    assert grid not in bulletin["not_submitted"] and set(bulletin["not_submitted"]) <= set(grids_of_street)
    again = client.post("/v1/bulletins", headers=street, json={"week": "2026-W47"}).json()
    assert again["revision"] == bulletin["revision"] + 1
    community = login(client, f"community-{branch['community_id']}", platform.demo_password)
    seen = client.get("/v1/bulletins", headers=community, params={"week": "2026-W47"}).json()
    assert [b["street_id"] for b in seen["items"]] == [street_id]
    other_street = next(o["street_id"] for o in organisations(client, admin) if o["street_id"] != street_id)
    assert client.get("/v1/bulletins", headers=community, params={"street_id": other_street}).status_code == 403
    assert client.post("/v1/bulletins", headers=community, json={}).status_code == 403
    assert client.post("/v1/bulletins", headers=admin, json={}).status_code == 422  # the county names the street


def fused_case(client: httpx.Client, admin: dict, summary: str, at: str = "2026-11-30T09:30:00+08:00") -> dict:
    """A case opened by a dispute reported ``at`` in a compound of the synthetic county (文华新城小区)."""
    event_id = f"mtg-{uuid.uuid4().hex[:10]}"
    dept = login(client, "dept-comprehensive_governance", "demo")
    body = {"id": event_id, "type": "incident.reported", "time": at,
            "category": "property_management.service_quality", "summary": summary, "severity": "medium",
            "subject_id": f"S-{event_id}", "location": {"lon": 116.783711, "lat": 35.746942}}
    accepted = client.post("/v1/departments/comprehensive_governance/events", json=body, headers=dept)
    assert accepted.status_code == 202, accepted.text
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = client.get(f"/v1/departments/comprehensive_governance/events/{event_id}", headers=admin).json()
        if status.get("case_id"):
            return client.get(f"/v1/cases/{status['case_id']}", headers=admin).json()
        time.sleep(0.3)
    raise AssertionError(f"event {event_id} not fused: {status}")


def test_a_joint_meeting_takes_up_a_case_decides_a_step_of_the_loop_and_the_next_meeting_follows_it_up(
        client: httpx.Client, platform: LocalPlatform) -> None:
    admin = login(client, "admin", platform.demo_password)
    case = fused_case(client, admin, "小区物业长期不清运垃圾，业主意见很大")
    grid = case["grid_id"]
    secretary = login(client, f"sec-{grid}", platform.demo_password)
    suggested = client.get("/v1/meetings/agenda-suggestions", headers=secretary, params={"grid_id": grid}).json()
    assert case["case_id"] in {s["ref"] for s in suggested["items"] if s["kind"] == "case"}
    planned = client.post("/v1/meetings", headers=secretary, json={
        "grid_id": grid, "title": "十二月联席会议", "starts_at": "2026-12-03T15:00:00+08:00", "place": "党群服务站",
        "agenda": [{"kind": "case", "ref": case["case_id"]}, {"kind": "topic", "title": "冬季供暖"}]})
    assert planned.status_code == 201, planned.text
    meeting = planned.json()
    assert {"owners_committee", "property_company", "street", "community", "branch"} <= {
        i["party"] for i in meeting["invitees"]}
    assert [a["kind"] for a in meeting["agenda"]][:2] == ["case", "topic"] and meeting["agenda"][0]["title"]

    held = client.post(f"/v1/meetings/{meeting['meeting_id']}/minutes", headers=secretary, json={
        "minutes": "物业承诺一周内恢复清运，支部受理此案。", "attendees": ["网格党支部", "物业公司", "业委会"],
        "decisions": [{"text": "受理并督促物业恢复清运", "owner": "物业公司", "due_at": "2026-12-10T18:00:00+08:00",
                       "case_id": case["case_id"], "action": "accept"},
                      {"text": "业委会监督清运", "owner": "业委会", "due_at": "2026-12-01T18:00:00+08:00"}]})
    assert held.status_code == 200, held.text
    first = held.json()
    assert first["status"] == "held" and [d["outcome"] for d in first["decisions"]] == ["applied", None]
    assert first["decisions"][1]["overdue"] is True
    timeline = client.get(f"/v1/cases/{case['case_id']}", headers=admin).json()["timeline"]
    assert any("联席会议" in (t.get("note") or "") for t in timeline), timeline
    again = client.post(f"/v1/meetings/{meeting['meeting_id']}/minutes", headers=secretary,
                        json={"minutes": "x", "attendees": ["x"]})
    assert again.status_code == 409

    overdue = client.get("/v1/meetings/decisions", headers=login(client, f"community-{case['community_id']}",
                                                                 platform.demo_password), params={"overdue": True})
    assert f"{meeting['meeting_id']}/D2" in {d["ref"] for d in overdue.json()["items"]}

    nxt = client.post("/v1/meetings", headers=secretary, json={
        "grid_id": grid, "title": "一月联席会议", "starts_at": "2027-01-07T15:00:00+08:00"}).json()
    # (other meetings of this grid, e.g. the dashboard's, may have open decisions of their own)
    refs = [a["ref"] for a in nxt["agenda"] if a["kind"] == "follow_up" and a["ref"].startswith(meeting["meeting_id"])]
    assert refs == [f"{meeting['meeting_id']}/D2", f"{meeting['meeting_id']}/D1"]  # by due date
    done = client.post(f"/v1/meetings/{nxt['meeting_id']}/minutes", headers=secretary, json={
        "minutes": "清运已恢复。", "attendees": ["网格党支部"],
        "follow_ups": [{"ref": refs[0], "status": "done", "note": "已监督"}, {"ref": refs[1], "status": "open"}]})
    assert done.status_code == 200, done.text
    closed = client.post(f"/v1/meetings/{meeting['meeting_id']}/decisions/D1/close", headers=secretary,
                         json={"status": "done", "note": "清运恢复"})
    assert closed.status_code == 200 and closed.json()["status"] == "done"
    still_open = client.get("/v1/meetings/decisions", headers=secretary, params={"grid_id": grid}).json()["items"]
    assert not [d for d in still_open if d["meeting_id"] == meeting["meeting_id"]]

    # Scope: another community's staff do not see it; a resident may not plan; bad input is a 422.
    other = next(o for o in organisations(client, admin) if o["level"] == "community_committee"
                 and o["community_id"] != case["community_id"])
    stranger = login(client, f"community-{other['community_id']}", platform.demo_password)
    assert client.get(f"/v1/meetings/{meeting['meeting_id']}", headers=stranger).status_code == 404
    assert meeting["meeting_id"] not in {m["meeting_id"] for m in client.get("/v1/meetings", headers=stranger).json()["items"]}
    resident = login(client, f"resident-{grid}", platform.demo_password)
    assert client.post("/v1/meetings", headers=resident, json={
        "grid_id": grid, "title": "x", "starts_at": "2026-12-03T15:00:00+08:00"}).status_code == 403
    for bad, field in (({"agenda": [{"kind": "case", "ref": "no-such-case"}]}, "ref"),
                       ({"agenda": [{"kind": "topic"}]}, "title"),
                       ({"starts_at": "2026-12-03T15:00:00"}, "starts_at")):
        reply = client.post("/v1/meetings", headers=secretary, json={
            "grid_id": grid, "title": "x", "starts_at": "2026-12-03T15:00:00+08:00", **bad})
        assert reply.status_code == 422 and field in reply.text, reply.text


def test_the_county_assesses_a_week_and_each_area_sees_its_grids_scores(client: httpx.Client,
                                                                         platform: LocalPlatform) -> None:
    admin = login(client, "admin", platform.demo_password)
    weights = client.get("/v1/assessments/weights", headers=admin).json()["weights"]
    assert sum(w["weight"] for w in weights.values()) == 100 and "weekly_report" in weights
    week = "2026-W45"
    first = client.post("/v1/assessments", headers=admin, json={"week": week})
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["week"] == week and len(body["grids"]) == 53 and body["weights"] == {
        k: w["weight"] for k, w in weights.items()}
    assert [g["rank"] for g in body["grids"]] == [1 + sum(o["score"] > g["score"] for o in body["grids"])
                                                for g in body["grids"]]  # equal scores share a rank
    assert all(0 <= g["score"] <= 100 and set(g["components"]) == set(weights) for g in body["grids"])
    grid = body["grids"][-1]["grid_id"]
    assert body["grids"][-1]["components"]["weekly_report"] == 0.0
    # The grid submits its week; assessed again, that part counts and the revision says so.
    secretary = login(client, f"sec-{grid}", platform.demo_password)
    submitted = client.post("/v1/reports/weekly/submissions", headers=secretary, json={"week": week, "text": "本周平稳"})
    assert submitted.status_code == 201, submitted.text
    again = client.post("/v1/assessments", headers=admin, json={"week": week}).json()
    ours = next(g for g in again["grids"] if g["grid_id"] == grid)
    assert again["revision"] == body["revision"] + 1 and ours["components"]["weekly_report"] == 1.0
    assert ours["score"] > body["grids"][-1]["score"]
    mine = client.get("/v1/assessments", headers=secretary, params={"week": week}).json()
    assert [g["grid_id"] for a in mine["items"] for g in a["grids"]] == [grid]
    assert client.post("/v1/assessments", headers=secretary, json={"week": week}).status_code == 403
    community = login(client, f"community-{ours['community_id']}", platform.demo_password)
    theirs = client.get("/v1/assessments", headers=community).json()["items"]
    assert theirs and {g["community_id"] for a in theirs for g in a["grids"]} == {ours["community_id"]}
    assert client.get("/v1/assessments", headers=admin, params={"week": "2026-W60"}).status_code == 422
    soon = client.post("/v1/assessments", headers=admin, json={"week": "soon"})
    assert soon.status_code == 422 and soon.json()["detail"][0]["loc"] == ["body", "week"]


def test_members_are_people_on_the_register_take_posts_join_teams_and_earn_activity_hours(
        client: httpx.Client, platform: LocalPlatform) -> None:
    admin = login(client, "admin", platform.demo_password)
    county = client.get("/v1/party-members/register", headers=admin, params={"page_size": 5}).json()
    assert county["total"] == 9656 and sum(county["by_category"].values()) == 9656
    assert set(county["by_category"]) == {"in_work", "retired", "mobile"} and all(county["by_category"].values())
    assert all("*" in e["phone"] for e in county["items"])
    branch = next(o for o in organisations(client, admin) if o["level"] == "branch" and any(
        g["level"] == "party_group" and g["parent_id"] == o["org_id"] for g in organisations(client, admin)))
    grid, community = branch["grid_id"], branch["community_id"]
    group = next(o["org_id"] for o in organisations(client, admin, grid_id=grid) if o["level"] == "party_group")
    secretary = login(client, f"sec-{grid}", platform.demo_password)
    own = client.get("/v1/party-members/register", headers=secretary, params={"grid_id": grid, "category": "in_work",
                                                                            "purpose": "核对报到"}).json()
    assert own["items"] and {e["grid_id"] for e in own["items"]} == {grid}
    assert all(e["category"] == "in_work" and "*" not in e["phone"] for e in own["items"])
    entry = own["items"][0]

    member = login(client, f"member-{grid}", platform.demo_password)
    base = {"name": entry["name"], "phone": entry["phone"], "workplace": "宁阳县人社局"}
    for bad, field in (({"service_post": "chef"}, "service_post"), ({"category": "honorary"}, "category"),
                       ({"register_id": "D-none"}, "register_id"), ({"group_id": "group-nowhere"}, "group_id")):
        refused = client.post("/v1/party-members", headers=member, json={**base, **bad})
        assert refused.status_code == 422 and field in refused.text, refused.text
    registered = client.post("/v1/party-members", headers=member, json={
        **base, "category": "in_work", "service_post": "policy_publicity", "group_id": group,
        "register_id": entry["member_id"]})
    assert registered.status_code == 201, registered.text
    me = registered.json()
    assert (me["service_post"], me["group_id"], me["register_id"]) == ("policy_publicity", group, entry["member_id"])
    group_name = next(o["name"] for o in organisations(client, admin, grid_id=grid) if o["org_id"] == group)
    assert me["group_name"] == group_name
    again = client.post("/v1/party-members", headers=member, json={**base, "workplace": "宁阳县财政局"}).json()
    assert (again["workplace"], again["service_post"], again["group_id"], again["register_id"]) == (
        "宁阳县财政局", "policy_publicity", group, entry["member_id"])  # what is not named again stays
    retired = client.get("/v1/party-members", headers=secretary, params={"grid_id": grid, "category": "retired"})
    assert f"member-{grid}" not in {m["member_id"] for m in retired.json()["items"]}
    working = client.get("/v1/party-members", headers=secretary, params={"grid_id": grid, "category": "in_work"})
    assert f"member-{grid}" in {m["member_id"] for m in working.json()["items"]}
    named = client.get("/v1/party-members/register", headers=secretary, params={"grid_id": grid, "category": "in_work"})
    assert next(e for e in named.json()["items"] if e["member_id"] == entry["member_id"])["registered_as"] == \
        f"member-{grid}"

    changed = client.patch(f"/v1/party-members/member-{grid}", headers=secretary,
                           json={"service_post": "dispute_mediation"})
    assert changed.status_code == 200 and changed.json()["service_post"] == "dispute_mediation"
    assert changed.json()["group_id"] == group
    others = next(o["community_id"] for o in organisations(client, admin) if o["level"] == "community_committee"
                  and o["community_id"] != community)
    stranger = login(client, f"community-{others}", platform.demo_password)
    assert client.patch(f"/v1/party-members/member-{grid}", headers=stranger,
                        json={"service_post": "civility"}).status_code == 404

    # Volunteer teams: the county's 宁阳先锋, and a community's own.
    teams = client.get("/v1/volunteer-teams", headers=member).json()["items"]
    pioneers = next(t for t in teams if t["name"] == "宁阳先锋志愿服务队")
    joined = client.post(f"/v1/volunteer-teams/{pioneers['team_id']}/join", headers=member)
    assert joined.status_code == 200 and joined.json()["members"] == [f"member-{grid}"]
    theirs = client.post("/v1/volunteer-teams", headers=stranger, json={"name": "邻里守望队"})
    assert theirs.status_code == 201 and theirs.json()["community_id"] == others
    assert client.post(f"/v1/volunteer-teams/{theirs.json()['team_id']}/join", headers=member).status_code == 409
    assert theirs.json()["team_id"] not in {t["team_id"] for t in client.get("/v1/volunteer-teams",
                                                                               headers=member).json()["items"]}

    # Hours of the activities the member attended count beside its orders' hours.
    planned = client.post("/v1/activities", headers=secretary, json={
        "grid_id": grid, "kind": "volunteer_day", "title": "志愿服务日", "starts_at": "2026-11-28T09:00:00+08:00",
        "hours": 3})
    client.post(f"/v1/activities/{planned.json()['activity_id']}/attendance", headers=secretary,
                json={"attended": [f"member-{grid}"]})
    mine = client.get("/v1/party-members/me", headers=member).json()
    assert mine["activity_hours"] >= 3 and pioneers["team_id"] in mine["volunteer_teams"]
    hours = client.get("/v1/service-hours", headers=secretary, params={"grid_id": grid}).json()
    assert next(m for m in hours["members"] if m["member_id"] == f"member-{grid}")["activity_hours"] >= 3
    assert next(g for g in hours["grids"] if g["grid_id"] == grid)["activity_hours"] >= 3
