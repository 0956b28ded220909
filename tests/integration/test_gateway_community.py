"""Fusion's community store against a real secantusd-py: members, orders, hours, audit, weekly figures."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from gridfusion.community.v1 import community_pb2 as pb

from services.fusion.community_store import CommunityStore
from services.fusion.orders import Refused
from services.platform.clock import ManualClock
from services.platform.paging import BadCursor, after_cursor, after_key_cursor, key_cursor_of

pytestmark = pytest.mark.integration

MONDAY = datetime(2026, 11, 22, 16, 0, tzinfo=UTC)  # 2026-W48 starts, county time
GRIDS = [
    {"_id": "G1", "name": "一网格", "community_id": "C1", "street_id": "S1"},
    {"_id": "G2", "name": "二网格", "community_id": "C1", "street_id": "S1"},
    {"_id": "G3", "name": "三网格", "community_id": "C2", "street_id": "S2"},
]


@pytest.fixture
async def store(mongo):
    db = mongo[f"community_{uuid.uuid4().hex[:8]}"]
    s = CommunityStore(db, ManualClock(MONDAY + timedelta(hours=1)))
    await s.ensure_indexes()
    s.use_grids({g["_id"]: dict(g) for g in GRIDS})
    yield s
    await mongo.drop_database(db.name)


def actor(username: str, role: str, grid_id: str = "G1") -> pb.Actor:
    return pb.Actor(username=username, role=role, grid_id=grid_id)


async def test_order_loop_adds_hours_per_member_and_grid(store: CommunityStore) -> None:
    member = await store.register_member(pb.RegisterPartyMemberRequest(member_id="member-G1", name="李四", phone="13800000000",
                                                                       workplace="县财政局", grid_id="G1"))
    assert (member["grid_id"], member["community_id"], member["service_hours"]) == ("G1", "C1", 0.0)
    again = await store.register_member(pb.RegisterPartyMemberRequest(member_id="member-G1", name="李四", phone="13800000001",
                                                                      workplace="县财政局", grid_id="G1"))
    assert again["phone"] == "13800000001" and await store.members.count_documents({}) == 1

    resident = actor("resident-G1", "resident")
    place = pb.PlaceOrderRequest(order_id="SO-A", actor=resident, kind="repair", title="修水龙头", contact_name="王五",
                                 contact_phone="13900000000")
    first = await store.place_order(place)
    assert (first["status"], first["grid_id"], first["street_id"]) == ("placed", "G1", "S1")
    assert (await store.place_order(place))["_id"] == "SO-A"  # the same id is one order
    assert await store.orders.count_documents({}) == 1

    secretary, member_actor = actor("sec-G1", "secretary"), actor("member-G1", "member")
    steps = [("dispatch", secretary, {"member_id": "member-G1"}), ("take", member_actor, {}),
             ("complete", member_actor, {"hours": 2.5}), ("rate", resident, {"rating": 5})]
    for action, who, extra in steps:
        done = await store.act(pb.ActOnOrderRequest(order_id="SO-A", action=action, actor=who, **extra))
    assert done["status"] == "rated" and done["rating"] == 5 and len(done["steps"]) == 5
    with pytest.raises(Refused) as info:
        await store.act(pb.ActOnOrderRequest(order_id="SO-A", action="complete", actor=member_actor, hours=1))
    assert info.value.kind == "state"

    hours = await store.service_hours(pb.Area(community_id="C1"), None, None)
    assert [(m.member_id, m.hours, m.orders_completed) for m in hours.members] == [("member-G1", 2.5, 1)]
    assert [(g.grid_id, g.hours, g.members) for g in hours.grids] == [("G1", 2.5, 1)]
    assert (await store.members.find_one({"_id": "member-G1"}))["service_hours"] == 2.5
    assert (await store.service_hours(pb.Area(street_id="S2"), None, None)).members == []


async def test_dispatch_only_to_a_member_of_the_grid(store: CommunityStore) -> None:
    await store.register_member(pb.RegisterPartyMemberRequest(member_id="member-G2", name="赵六", grid_id="G2"))
    await store.place_order(pb.PlaceOrderRequest(order_id="SO-B", actor=actor("resident-G1", "resident"), kind="errand",
                                                 title="代购药品"))
    with pytest.raises(Refused) as info:
        await store.act(pb.ActOnOrderRequest(order_id="SO-B", action="dispatch", actor=actor("sec-G1", "secretary"),
                                             member_id="member-G2"))
    assert info.value.kind == "state" and "G2" in str(info.value)
    with pytest.raises(Refused) as info:
        await store.place_order(pb.PlaceOrderRequest(order_id="SO-C", actor=actor("sec-G1", "secretary"), kind="errand",
                                                     title="x"))
    assert info.value.kind == "role"


async def test_audit_log_is_queryable_by_who_and_time(store: CommunityStore) -> None:
    for who, grid in (("sec-G1", "G1"), ("worker-G2", "G2"), ("sec-G1", "G1")):
        await store.record_audit(pb.AuditEntry(who=who, role="secretary", what="households", why="visit", grid_id=grid,
                                               records=10))
    listed = await store.list_audit(pb.ListAuditRequest(who="sec-G1"), 1, 50)
    assert (listed.total, listed.total_exact) == (2, True) and {d["grid_id"] for d in listed.items} == {"G1"}
    request = pb.ListAuditRequest()
    request.from_time.FromDatetime(MONDAY + timedelta(days=1))
    assert (await store.list_audit(request, 1, 50)).total == 0


async def test_lists_page_by_cursor_without_repeating_or_skipping(store: CommunityStore) -> None:
    """Audit entries recorded in the same millisecond, and members of several grids: walking
    by cursor lists each once, in the list's order, as numbered pages do."""
    for i in range(7):
        await store.record_audit(pb.AuditEntry(audit_id=f"a{i}", who="sec-G1", role="secretary", what="households",
                                               why="visit", grid_id="G1", records=1))  # one clock: ties
    for i, grid in enumerate(["G2", "G1", "G3", "G1", "G2"]):
        await store.register_member(pb.RegisterPartyMemberRequest(member_id=f"m{i}", name="党员", phone="13800000000",
                                                                  workplace="县局", grid_id=grid))
    for list_page, read in ((lambda page, after: store.list_audit(pb.ListAuditRequest(), page, 3, after=after),
                             after_cursor),
                            (lambda page, after: store.list_members(pb.Area(), page, 2, after=after),
                             after_key_cursor)):
        by_page = [d["_id"] for page in (1, 2, 3) for d in (await list_page(page, None)).items]
        walked, after = [], None
        while True:
            listed = await list_page(1, after)
            walked += [d["_id"] for d in listed.items]
            assert listed.total == (-1 if after else len(by_page))
            if not listed.next_cursor:
                break
            after = read(listed.next_cursor)
        assert walked == by_page and len(set(walked)) == len(walked)
    assert by_page == ["m1", "m3", "m0", "m4", "m2"]  # by grid, then id
    with pytest.raises(BadCursor):
        after_cursor(key_cursor_of("G1", "m1"))


async def test_weekly_figures(store: CommunityStore) -> None:
    db = store.db
    end = MONDAY + timedelta(days=7)
    t = MONDAY + timedelta(days=1)
    await db["events"].insert_many([
        {"_id": "e1", "status": "fused", "fused_at": t, "department": "petition", "category": "dispute.neighbor", "grid_id": "G1"},
        {"_id": "e2", "status": "fused", "fused_at": t, "department": "petition", "category": "dispute.family", "grid_id": "G2"},
        {"_id": "e3", "status": "fused", "fused_at": t, "department": "civil_affairs", "category": "livelihood.medical", "grid_id": "G3"},
        {"_id": "e4", "status": "fused", "fused_at": end + timedelta(hours=1), "department": "petition",
         "category": "dispute.land", "grid_id": "G1"},
    ])
    await db["cases"].insert_many([
        # closed in 4 h, on time
        {"_id": "c1", "grid_id": "G1", "status": "closed", "opened_at": t, "closed_at": t + timedelta(hours=4),
         "due_at": t + timedelta(days=1), "timeline": []},
        # escalated, still open and past its deadline at the end of the week
        {"_id": "c2", "grid_id": "G2", "status": "escalated", "opened_at": t, "closed_at": None,
         "due_at": t + timedelta(days=2), "timeline": [{"action": "escalate", "at": t + timedelta(days=1)}]},
        # opened last week, closed this week after 30 h, after its deadline
        {"_id": "c3", "grid_id": "G1", "status": "resolved", "opened_at": MONDAY - timedelta(hours=10),
         "closed_at": MONDAY + timedelta(hours=20), "due_at": MONDAY, "timeline": []},
        # closed last week: not this week's business
        {"_id": "c4", "grid_id": "G1", "status": "closed", "opened_at": MONDAY - timedelta(days=3),
         "closed_at": MONDAY - timedelta(days=2), "due_at": MONDAY, "timeline": []},
        # merged into c1 this week: a duplicate, in no figure
        {"_id": "c5", "grid_id": "G1", "status": "merged", "merged_into": "c1", "opened_at": t, "closed_at": None,
         "due_at": None, "updated_at": t + timedelta(hours=1), "timeline": []},
    ])
    # Early in the week c2's deadline has not passed yet: only c3 (closed late) is overdue.
    early = await store.weekly_report(pb.Area(), MONDAY, end)
    assert early.overdue == 1
    store.clock.advance(timedelta(days=8))
    report = await store.weekly_report(pb.Area(), MONDAY, end)
    assert sorted((e.department, e.family, e.events) for e in report.events) == [
        ("civil_affairs", "livelihood", 1), ("petition", "dispute", 2)]
    assert (report.cases_opened, report.cases_closed, report.open_cases, report.overdue, report.escalated) == (2, 2, 1, 2, 1)
    assert report.median_close_hours == 17.0
    rows = {g.grid_id: g for g in report.grids}
    assert (rows["G1"].cases_closed, rows["G1"].overdue, rows["G2"].escalated, rows["G3"].events) == (2, 1, 1, 1)
    street = await store.weekly_report(pb.Area(street_id="S2"), MONDAY, end)
    assert [g.grid_id for g in street.grids] == ["G3"] and street.cases_opened == 0
