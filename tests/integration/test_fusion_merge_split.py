"""Merging two cases of one incident and splitting two incidents out of one case, in fusion's store
against a real secantusd-py (and nats-server for the results that follow a merge)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from gridfusion.departments.v1 import departments_pb2
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from services.fusion.outbox import Relay
from services.fusion.results import ResultsHandler
from services.fusion.workflow import Actor, Refused, Request
from services.platform import bus
from services.platform.clock import ManualClock
from tests.integration import test_fusion_loop as loop
from tests.integration.test_fusion_loop import (
    CIVIL,
    COMMUNITY,
    GRID,
    OTHER_GRID,
    SEC,
    STREET,
    T0,
    WORKER,
    event,
    fuse,
    inside,
)

# The loop's fixtures: a database with the county's grids, a store on it, the grid resolver.
db, store, resolver = loop.db, loop.store, loop.resolver

pytestmark = pytest.mark.integration

COUNTY_ACTOR = Actor("admin", "county")


def tag() -> str:
    return uuid.uuid4().hex[:6]


async def two_cases(store, resolver, *, t=None):
    """Two cases of one grid: S (petition, one event) and X (legal aid and police, two events)."""
    t = t or tag()
    s = await fuse(store, resolver, event(f"s1-{t}", subject=f"PS-{t}", summary="楼上住户装修噪音扰民多次协商无果"))
    x = await fuse(store, resolver, event(f"x1-{t}", department="legal_aid", subject=f"PX-{t}",
                                          summary="邻居违规占用消防通道堆放杂物", point=inside(GRID, 1)))
    x2 = await fuse(store, resolver, event(f"x2-{t}", department="police_assistant", subject=f"PX-{t}",
                                           summary="消防通道被杂物堵塞", point=inside(GRID, 1),
                                           time=T0 + timedelta(hours=1)), T0 + timedelta(minutes=5))
    assert s.opened and x.opened and x2.case_id == x.case_id != s.case_id
    return s.case_id, x.case_id, t


async def messages_of(store, case_id: str) -> list[str]:
    return sorted([d["subject"].rsplit(".", 1)[1] async for d in store.outbox.find({"kind": "case", "ce_subject": case_id})])


async def test_a_merge_moves_events_departments_timeline_and_sightings(store, resolver) -> None:
    sid, xid, t = await two_cases(store, resolver)
    third = (await fuse(store, resolver, event(f"t1-{t}", subject=f"PT-{t}", summary="小区健身器材损坏"))).case_id
    # The possible duplicates fusion keeps, symmetrically.
    await store.cases.update_one({"_id": sid}, {"$set": {"possible_duplicates": [
        {"case_id": xid, "score": 0.7, "reasons": ["same grid"]}, {"case_id": third, "score": 0.5, "reasons": []}]}})
    await store.cases.update_one({"_id": xid}, {"$set": {"possible_duplicates": [
        {"case_id": sid, "score": 0.7, "reasons": ["same grid"]}]}})
    await store.cases.update_one({"_id": third}, {"$set": {"possible_duplicates": [
        {"case_id": sid, "score": 0.5, "reasons": []}, {"case_id": "C-other", "score": 0.4, "reasons": []}]}})
    before_x = await store.get_case(xid)
    now = T0 + timedelta(hours=2)

    acted = await store.act(sid, Request("merge", into=xid, note="同一起消防通道纠纷"), SEC, now)
    assert len(acted.messages) == 2
    s = await store.get_case(sid)
    x = await store.get_case(xid)
    assert (s["status"], s["merged_into"], s["due_at"], s["deadline_at"], s["version"]) == ("merged", xid, None, None, 2)
    assert s["before_merge"]["status"] == "reported" and s["possible_duplicates"] == []
    assert x["event_ids"] == [f"legal_aid:x1-{t}", f"police_assistant:x2-{t}", f"petition:s1-{t}"]
    assert sorted(x["departments"]) == ["legal_aid", "petition", "police_assistant"]
    assert x["merged_from"] == [sid] and x["version"] == before_x["version"] + 1
    # The survivor keeps its place in the loop and its deadline.
    assert (x["status"], x["level"], x["due_at"], x["deadline_at"]) == ("reported", "grid", before_x["due_at"],
                                                                        before_x["deadline_at"])
    # Its timeline holds S's entries by time (its own first at the same time), marked with where they
    # were written, and a merge entry each.
    timeline = x["timeline"]
    assert [(e["action"], e.get("origin_case_id")) for e in timeline] == [
        ("reported", None), ("reported", sid), ("correlated", None), ("merge", None), ("merge", sid)]
    assert timeline[3]["other_case_id"] == sid and timeline[3]["actor"] == SEC.username
    assert timeline[4]["other_case_id"] == xid
    assert s["timeline"][-1]["other_case_id"] == xid and s["timeline"][-1]["to_status"] == "merged"
    # Records and sightings of S's event point to X.
    record = await store.events.find_one({"_id": f"petition:s1-{t}"})
    assert record["case_id"] == xid
    assert await store.sightings.find_one({"_id": f"petition:s1-{t}"}, {"case_id": 1}) == {
        "_id": f"petition:s1-{t}", "case_id": xid}
    assert await store.sightings.count_documents({"case_id": sid}) == 0
    # Possible duplicates: S is gone from X's list and the lists S named.
    assert x["possible_duplicates"] == []
    assert [d["case_id"] for d in (await store.cases.find_one({"_id": third}))["possible_duplicates"]] == ["C-other"]
    assert await messages_of(store, sid) == ["merged", "opened"]
    assert await messages_of(store, xid) == ["merged", "opened", "updated"]
    # A later report of S's incident joins the surviving case.
    later = await fuse(store, resolver, event(f"s2-{t}", department="civil_affairs", subject=f"PS-{t}",
                                              summary="再次反映装修噪音", time=T0 + timedelta(hours=3)), now)
    assert later.case_id == xid


async def test_a_split_moves_events_to_a_new_case_with_their_history(store, resolver) -> None:
    _, xid, t = await two_cases(store, resolver)
    for who, request in ((WORKER, Request("escalate")), (COMMUNITY, Request("accept"))):
        await store.act(xid, request, who, T0 + timedelta(minutes=30))
    x_before = await store.get_case(xid)
    now = T0 + timedelta(hours=2)
    acted = await store.act(xid, Request("split", event_ids=(f"x2-{t}",), note="两件事"), COMMUNITY, now)
    x = await store.get_case(xid)
    new_id = x["timeline"][-1]["other_case_id"]
    new = await store.get_case(new_id)
    assert acted.case["_id"] == xid and len(acted.messages) == 2
    assert x["event_ids"] == [f"legal_aid:x1-{t}"] and x["departments"] == ["legal_aid"]
    assert x["version"] == x_before["version"] + 1 and (x["status"], x["level"]) == ("accepted", "community")
    assert x["timeline"][-1]["event_ids"] == [f"police_assistant:x2-{t}"] and x["timeline"][-1]["action"] == "split"
    assert new_id.startswith("C2026") and new["split_from"] == xid
    assert new["event_ids"] == [f"police_assistant:x2-{t}"] and new["departments"] == ["police_assistant"]
    assert (new["category"], new["grid_id"], new["community_id"]) == ("dispute.neighbor", GRID.grid_id, GRID.community_id)
    # It starts where X stands in the loop, and keeps its event's history.
    assert (new["status"], new["level"], new["due_at"], new["level_started_at"]) == (
        "accepted", "community", x_before["due_at"], x_before["level_started_at"])
    assert new["deadline_at"] == x_before["deadline_at"]
    assert [(e["action"], e.get("event_id")) for e in new["timeline"]] == [("correlated", f"x2-{t}"), ("split", None)]
    assert new["timeline"][-1]["other_case_id"] == xid and new["version"] == 2
    assert (await store.events.find_one({"_id": f"police_assistant:x2-{t}"}))["case_id"] == new_id
    assert (await store.sightings.find_one({"_id": f"police_assistant:x2-{t}"}))["case_id"] == new_id
    assert await messages_of(store, new_id) == ["opened"]
    assert "split" in await messages_of(store, xid)
    # The new case goes round the loop like any other.
    moved = await store.act(new_id, Request("escalate"), COMMUNITY, now)
    assert (moved.case["level"], moved.case["version"]) == ("street", 3)


async def test_a_case_split_off_a_handed_over_case_starts_assessed_at_the_street(store, resolver) -> None:
    _, xid, t = await two_cases(store, resolver)
    for who, request in ((WORKER, Request("escalate")), (COMMUNITY, Request("escalate")),
                         (STREET, Request("assess", risk_level="high")),
                         (STREET, Request("hand_over", department="civil_affairs"))):
        await store.act(xid, request, who, T0)
    with pytest.raises(Refused) as refused:  # the department does not split what it was handed
        await store.act(xid, Request("split", event_ids=(f"x2-{t}",)), CIVIL, T0)
    assert refused.value.kind == "role"
    now = T0 + timedelta(hours=1)
    await store.act(xid, Request("split", event_ids=(f"police_assistant:x2-{t}",)), STREET, now)
    x = await store.get_case(xid)
    new = await store.get_case(x["timeline"][-1]["other_case_id"])
    assert (x["status"], x["handed_to"]) == ("handed_over", "civil_affairs")
    assert sorted(x["departments"]) == ["civil_affairs", "legal_aid"]
    assert (new["status"], new["level"], new["handed_to"], new["risk_level"]) == ("assessed", "street", "", "high")
    assert new["level_started_at"] == now and new["due_at"] > now and new["deadline_at"] == new["due_at"]


async def test_splitting_a_merged_case_s_events_restores_it(store, resolver) -> None:
    sid, xid, t = await two_cases(store, resolver)
    await store.act(sid, Request("accept"), WORKER, T0 + timedelta(minutes=10))
    s_before = await store.get_case(sid)
    await store.act(sid, Request("merge", into=xid), WORKER, T0 + timedelta(hours=1))
    await store.act(xid, Request("split", event_ids=(f"s1-{t}",), note="并错了"), SEC, T0 + timedelta(hours=2))
    s = await store.get_case(sid)
    x = await store.get_case(xid)
    assert (s["status"], s["level"], s["due_at"], s["merged_into"]) == ("accepted", "grid", s_before["due_at"], "")
    assert s["deadline_at"] == s_before["due_at"] and "before_merge" not in s
    assert x["merged_from"] == [] and x["event_ids"] == [f"legal_aid:x1-{t}", f"police_assistant:x2-{t}"]
    assert sorted(x["departments"]) == ["legal_aid", "police_assistant"]
    assert [e["action"] for e in s["timeline"]] == ["reported", "accept", "merge", "split"]
    assert s["timeline"][-1]["other_case_id"] == xid and x["timeline"][-1]["other_case_id"] == sid
    assert not any(e.get("origin_case_id") for e in x["timeline"])  # S's entries went back with it
    assert (await store.events.find_one({"_id": f"petition:s1-{t}"}))["case_id"] == sid
    assert (await store.sightings.find_one({"_id": f"petition:s1-{t}"}))["case_id"] == sid
    assert await store.cases.count_documents({"split_from": xid}) == 0  # no new case
    # And it can be merged again: an ordinary merge.
    await store.act(sid, Request("merge", into=xid), SEC, T0 + timedelta(hours=3))
    assert (await store.get_case(xid))["merged_from"] == [sid]


async def test_merge_and_split_refusals_say_why_and_change_nothing(store, resolver) -> None:
    sid, xid, t = await two_cases(store, resolver)
    other = (await fuse(store, resolver, event(f"o1-{t}", subject=f"PO-{t}", point=inside(OTHER_GRID)))).case_id
    closed = (await fuse(store, resolver, event(f"c1-{t}", subject=f"PC-{t}", summary="路灯不亮",
                                               category="environment.noise", point=inside(GRID, 2))))
    await store.act(closed.case_id, Request("resolve_on_site", note="已修"), WORKER, T0)
    up = (await fuse(store, resolver, event(f"u1-{t}", subject=f"PU-{t}", summary="井盖缺失存在隐患",
                                           category="safety_hazard.building", point=inside(GRID, 3))))
    await store.act(up.case_id, Request("escalate"), WORKER, T0)
    cases = [
        (sid, Request("merge", into=sid), SEC, "invalid"),
        (sid, Request("merge"), SEC, "invalid"),
        (sid, Request("merge", into="C-none"), SEC, "not_found"),
        (sid, Request("merge", into=other), SEC, "not_found"),            # another grid: out of the secretary's sight
        (sid, Request("merge", into=closed.case_id), SEC, "state"),       # resolved: finished
        (closed.case_id, Request("merge", into=sid), SEC, "state"),
        (sid, Request("merge", into=up.case_id), WORKER, "role"),         # held by the community now
        (up.case_id, Request("merge", into=sid), WORKER, "role"),
        (sid, Request("merge", into=xid), Actor("sec-x", "secretary", grid_id=OTHER_GRID.grid_id), "not_found"),
        (xid, Request("split", event_ids=(f"x1-{t}", f"x2-{t}")), SEC, "invalid"),   # none would stay
        (xid, Request("split", event_ids=("nope",)), SEC, "invalid"),
        (xid, Request("split"), SEC, "invalid"),
        (xid, Request("split", event_ids=(f"x2-{t}",)), CIVIL, "not_found"),
    ]
    for case_id, request, who, kind in cases:
        with pytest.raises(Refused) as refused:
            await store.act(case_id, request, who, T0 + timedelta(hours=1))
        assert refused.value.kind == kind, (request, who.role, refused.value.reason)
        if kind == "invalid":
            assert refused.value.field in ("into", "event_ids")
    assert "nope" in (await _refusal(store, xid, Request("split", event_ids=("nope",)), SEC)).reason
    for case_id in (sid, xid):
        assert (await store.get_case(case_id))["version"] == (1 if case_id == sid else 2)
    # The county merges across the grids it sees.
    await store.act(other, Request("merge", into=sid), COUNTY_ACTOR, T0 + timedelta(hours=1))
    assert (await store.get_case(sid))["merged_from"] == [other]


async def _refusal(store, case_id, request, who) -> Refused:
    with pytest.raises(Refused) as refused:
        await store.act(case_id, request, who, T0)
    return refused.value


async def test_a_result_for_a_merged_case_goes_to_the_surviving_case(store, resolver, js) -> None:
    sid, xid, _ = await two_cases(store, resolver)
    for cid in (sid, xid):
        for who, request in ((WORKER, Request("escalate")), (COMMUNITY, Request("escalate")),
                             (STREET, Request("assess", risk_level="low")),
                             (STREET, Request("hand_over", department="civil_affairs"))):
            await store.act(cid, request, who, T0)
    await store.act(sid, Request("merge", into=xid, note="同一事件"), STREET, T0 + timedelta(hours=1))
    clock = ManualClock(T0 + timedelta(hours=2))
    handler = ResultsHandler(store, Relay(store.outbox, js, clock), clock)
    durable = f"results-{uuid.uuid4().hex[:8]}"
    await js.add_consumer("HANDOVERS", ConsumerConfig(
        durable_name=durable, ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.NEW,
        filter_subject="gridfusion.results.>", max_deliver=3, ack_wait=30))
    consumer = bus.PullConsumer(js=js, stream="HANDOVERS", durable=durable, filter_subject="gridfusion.results.>",
                                handler=handler.handle, source="tests", on_dead_letter=handler.on_dead_letter,
                                fetch_timeout=0.5)
    result = departments_pb2.HandlingResult(case_id=sid, department="civil_affairs", result="已一并处理",
                                            result_id=f"res-{sid}")
    await bus.publish(js, "gridfusion.results.civil_affairs", result, event_id=f"res-{sid}", ce_type="t", source="tests")
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        for _ in range(100):
            if (await store.get_case(xid))["status"] == "result_reported":
                break
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await task
    x = await store.get_case(xid)
    s = await store.get_case(sid)
    assert (x["status"], x["level"], x["result"]) == ("result_reported", "street", "已一并处理")
    assert f"result:res-{sid}" in x["applied"]
    assert (s["status"], s.get("result", "")) == ("merged", "")
