"""The service-order life cycle (居民点单 → 支部下单 → 党员接单 → 完成 → 评价): pure rules."""

from __future__ import annotations

import pytest
from gridfusion.community.v1 import community_pb2 as pb

from services.fusion.orders import Refused, order_transition
from services.fusion.weekly import median_hours

pytestmark = pytest.mark.unit

RESIDENT = pb.Actor(username="resident-G1", role="resident", grid_id="G1")
SECRETARY = pb.Actor(username="sec-G1", role="secretary", grid_id="G1")
OTHER_SECRETARY = pb.Actor(username="sec-G2", role="secretary", grid_id="G2")
MEMBER = pb.Actor(username="member-G1", role="member", grid_id="G1")
OTHER_MEMBER = pb.Actor(username="member-G2", role="member", grid_id="G2")
WORKER = pb.Actor(username="worker-G1", role="worker", grid_id="G1")
REGISTERED = {"_id": "member-G1", "grid_id": "G1", "name": "李四"}


def order(status: str, **extra) -> dict:
    return {"_id": "SO-1", "grid_id": "G1", "resident": "resident-G1", "status": status, "member_id": "", **extra}


def refused(kind: str, *args, **kwargs) -> str:
    with pytest.raises(Refused) as info:
        order_transition(*args, **kwargs)
    assert info.value.kind == kind, str(info.value)
    return str(info.value)


def test_the_whole_loop() -> None:
    step = order_transition(order("placed"), "dispatch", SECRETARY, member=REGISTERED)
    assert step.to_status == "dispatched" and step.set_fields["member_id"] == "member-G1"
    assigned = {"member_id": "member-G1"}
    assert order_transition(order("dispatched", **assigned), "take", MEMBER).to_status == "taken"
    done = order_transition(order("taken", **assigned), "complete", MEMBER, hours=1.5)
    assert done.to_status == "completed" and done.set_fields == {"hours": 1.5}
    rated = order_transition(order("completed", **assigned), "rate", RESIDENT, rating=5)
    assert rated.to_status == "rated" and rated.set_fields == {"rating": 5}


def test_who_may_do_what() -> None:
    assert "secretary" in refused("role", order("placed"), "dispatch", OTHER_SECRETARY, member=REGISTERED)
    refused("role", order("placed"), "dispatch", WORKER, member=REGISTERED)
    refused("role", order("dispatched", member_id="member-G1"), "take", OTHER_MEMBER)
    refused("role", order("taken", member_id="member-G1"), "complete", RESIDENT, hours=1)
    refused("role", order("completed", member_id="member-G1"), "rate", MEMBER, rating=4)
    refused("role", order("placed"), "cancel", MEMBER)


def test_what_the_state_refuses() -> None:
    refused("state", order("taken"), "dispatch", SECRETARY, member=REGISTERED)
    refused("state", order("placed"), "dispatch", SECRETARY, member=None)
    assert "registered to grid G2" in refused("state", order("placed"), "dispatch", SECRETARY,
                                              member={"_id": "member-G2", "grid_id": "G2"})
    refused("state", order("placed", member_id="member-G1"), "take", MEMBER)
    refused("state", order("taken", member_id="member-G1"), "complete", MEMBER, hours=0)
    refused("state", order("taken", member_id="member-G1"), "complete", MEMBER, hours=25)
    refused("state", order("completed"), "rate", RESIDENT, rating=6)
    refused("state", order("rated"), "rate", RESIDENT, rating=3)
    refused("state", order("taken", member_id="member-G1"), "cancel", RESIDENT)
    refused("state", order("placed"), "fly", RESIDENT)


def test_cancel_before_taken() -> None:
    assert order_transition(order("placed"), "cancel", RESIDENT).to_status == "cancelled"
    assert order_transition(order("dispatched"), "cancel", SECRETARY).to_status == "cancelled"


def test_median_hours() -> None:
    assert median_hours([]) == 0.0
    assert median_hours([3600, 7200, 36000]) == 2.0
