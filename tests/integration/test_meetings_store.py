"""Joint meetings (联席会议) in fusion's store against a real secantusd-py: planned with the grid's
co-governance actors invited, held with decisions, and the open decisions carried onto the next
meeting's agenda until one says what became of them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.fusion.co_governance import CoGovernanceStore
from services.fusion.meetings import AgendaItem, Decision, FollowUp, Meeting, MeetingStore
from services.fusion.organisations import Refused
from services.reference import build_county

pytestmark = pytest.mark.integration

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
async def meetings(mongo):
    db = mongo[f"meetings_{uuid.uuid4().hex[:8]}"]
    county = build_county()
    co_governance = CoGovernanceStore(db)
    co_governance.use_reference(county, synthetic=True)
    store = MeetingStore(db, co_governance)
    await store.ensure_indexes()
    store.use_grids({g.grid_id: (g.community_id, g.street_id) for g in county.grids})
    store.use_names({**{s.street_id: s.name for s in county.streets}, **{g.grid_id: g.name for g in county.grids}})
    yield store, county
    await mongo.drop_database(db.name)


async def test_a_meeting_invites_the_grids_actors_and_its_decisions_are_followed_up_at_the_next(meetings) -> None:
    store, county = meetings
    grid = next(g for g in county.grids if g.type == "compound")
    first = await store.plan(Meeting("", grid.grid_id, "十二月联席会议", NOW, "党群服务站"),
                             [AgendaItem("", "case", "CASE-1", "3号楼消防通道堵塞"),
                              AgendaItem("", "topic", "", "冬季供暖")], "sec-x")
    parties = {i.party for i in first.invitees}
    street = next(i for i in first.invitees if i.party == "street")
    assert street.name in {s.name for s in county.streets} and street.org_id == grid.street_id
    assert next(i for i in first.invitees if i.party == "branch").name == f"{grid.name}党支部"  # as the organisation is named
    assert {"street", "community", "branch", "owners_committee", "property_company"} <= parties
    assert [a.kind for a in first.agenda] == ["case", "topic"] and first.status == "planned"

    held = await store.record_minutes(
        first.meeting_id, "物业承诺三日内清理通道。", ["网格党支部", "物业", "业委会"],
        [Decision("", "清理3号楼消防通道", "物业公司", NOW + timedelta(days=3), case_id="CASE-1",
                  action="resolve_on_site"),
         Decision("", "供暖问题报街道", "网格书记", NOW + timedelta(days=7))], [], "sec-x", NOW)
    assert held.status == "held" and [d.decision_id for d in held.decisions] == ["D1", "D2"]
    assert all(d.status == "open" and d.meeting_id == first.meeting_id for d in held.decisions)
    with pytest.raises(Refused) as twice:
        await store.record_minutes(first.meeting_id, "again", ["x"], [], [], "sec-x", NOW)
    assert twice.value.kind == "state"

    # The closed loop's answer to the first decision's case action is kept with it.
    noted = await store.set_outcome(first.meeting_id, "D1", "applied")
    assert noted.decisions[0].outcome == "applied"

    overdue = await store.decisions("", grid.community_id, "", "", NOW + timedelta(days=5))
    assert [(d.meeting_id, d.decision_id) for d in overdue] == [(first.meeting_id, "D1")]

    # The next meeting follows both up; one is done, the other carried.
    second = await store.plan(Meeting("", grid.grid_id, "一月联席会议", NOW + timedelta(days=30)), [], "sec-x")
    follow = [a for a in second.agenda if a.kind == "follow_up"]
    assert [a.ref for a in follow] == [f"{first.meeting_id}/D1", f"{first.meeting_id}/D2"]
    await store.record_minutes(second.meeting_id, "通道已清理；供暖待街道答复。", ["网格党支部"], [],
                               [FollowUp(f"{first.meeting_id}/D1", "done", "已清理"),
                                FollowUp(f"{first.meeting_id}/D2", "open")], "sec-x", NOW + timedelta(days=30))
    again = await store.get(first.meeting_id)
    assert [(d.status, d.followed_up_in) for d in again.decisions] == [
        ("done", [second.meeting_id]), ("open", [second.meeting_id])]
    third = await store.plan(Meeting("", grid.grid_id, "二月联席会议", NOW + timedelta(days=60)), [], "sec-x")
    assert [a.ref for a in third.agenda if a.kind == "follow_up"] == [f"{first.meeting_id}/D2"]

    closed = await store.close(first.meeting_id, "D2", "done", "街道已协调", "community-x", NOW + timedelta(days=40))
    assert (closed.status, closed.closed_by) == ("done", "community-x")
    with pytest.raises(Refused) as not_open:
        await store.close(first.meeting_id, "D2", "dropped", "", "community-x", NOW)
    assert not_open.value.kind == "state"
    assert await store.decisions("", "", grid.grid_id, "open", None) == []
    listed, total = await store.in_area("", grid.community_id, "", "", 1, 2)
    assert total == 3 and [m.meeting_id for m in listed] == [third.meeting_id, second.meeting_id]


async def test_bad_meetings_minutes_and_follow_ups_are_refused_naming_the_field(meetings) -> None:
    store, county = meetings
    grid, other = county.grids[0], county.grids[1]
    with pytest.raises(Refused) as nowhere:
        await store.plan(Meeting("", "nowhere", "会议", NOW), [], "x")
    assert nowhere.value.kind == "not_found"
    with pytest.raises(Refused, match="agenda\\[0\\].kind"):
        await store.plan(Meeting("", grid.grid_id, "会议", NOW), [AgendaItem("", "follow_up", "M1/D1", "x")], "x")
    elsewhere = await store.plan(Meeting("", other.grid_id, "会议", NOW), [], "x")
    await store.record_minutes(elsewhere.meeting_id, "纪要", ["甲"], [Decision("", "事项", "乙", NOW)], [], "x", NOW)
    here = await store.plan(Meeting("", grid.grid_id, "会议", NOW), [], "x")
    for decisions, follow_ups, field in (
        ([Decision("", "事项", "", NOW)], [], "decisions\\[0\\].owner"),
        ([Decision("", "事项", "乙", NOW, action="escalate")], [], "decisions\\[0\\].action"),
        ([], [FollowUp(f"{elsewhere.meeting_id}/D1", "done")], "follow_ups\\[0\\].ref"),  # another grid's
        ([], [FollowUp("M-nope", "done")], "<meeting_id>/<decision_id>"),
        ([], [FollowUp(f"{elsewhere.meeting_id}/D1", "finished")], "follow_ups\\[0\\].status"),
    ):
        with pytest.raises(Refused, match=field) as refused:
            await store.record_minutes(here.meeting_id, "纪要", ["甲"], decisions, follow_ups, "x", NOW)
        assert refused.value.kind == "invalid"
    assert (await store.get(here.meeting_id)).status == "planned"  # nothing half-recorded
