"""The live feed's fan-out: each listener gets only the changes of its scope, bounded."""

from __future__ import annotations

import pytest
from gridfusion.fusion.v1 import fusion_pb2 as fpb

from gateway.auth import Principal
from gateway.feed import QUEUE_SIZE, CaseChange, FeedHub

pytestmark = pytest.mark.unit


def change(case_id: str, grid_id: str, street_id: str = "S1") -> CaseChange:
    return CaseChange("updated", fpb.Case(case_id=case_id, grid_id=grid_id, street_id=street_id, community_id="C"), "")


def test_listeners_get_their_scope_only_and_forgotten_ones_nothing() -> None:
    hub = FeedHub()
    secretary = hub.listen(Principal("sec-G1", "secretary", grid_id="G1"))
    street = hub.listen(Principal("street-S2", "street", street_id="S2"))
    county = hub.listen(Principal("admin", "county"))
    hub.publish(change("a", "G1"))
    hub.publish(change("b", "G9", street_id="S2"))
    assert [secretary.queue.get_nowait().case.case_id] == ["a"] and secretary.queue.empty()
    assert street.queue.get_nowait().case.case_id == "b" and street.queue.empty()
    assert county.queue.qsize() == 2
    hub.forget(secretary)
    hub.publish(change("c", "G1"))
    assert secretary.queue.empty() and len(hub.listeners) == 2


def test_a_slow_listener_loses_the_oldest_changes_not_the_newest() -> None:
    hub = FeedHub()
    slow = hub.listen(Principal("admin", "county"))
    for i in range(QUEUE_SIZE + 5):
        hub.publish(change(f"c{i}", "G1"))
    assert slow.queue.qsize() == QUEUE_SIZE
    assert slow.queue.get_nowait().case.case_id == "c5"
