"""Merge and split planning: naming the events a split moves, the split case's id, timelines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.fusion.merging import (
    entry_key,
    interleave,
    other_refusal,
    resolve_events,
    split_case_id,
)
from services.fusion.workflow import Actor, Refused

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
KEYS = ["petition:a1", "legal_aid:a1", "civil_affairs:b2", "petition:c3"]


def test_events_named_by_key_or_by_an_id_only_one_department_used() -> None:
    assert resolve_events(KEYS, ["c3", "civil_affairs:b2"]) == ["civil_affairs:b2", "petition:c3"]
    assert resolve_events(KEYS, ["legal_aid:a1", "legal_aid:a1"]) == ["legal_aid:a1"]


@pytest.mark.parametrize(
    "given,words",
    [
        (["a1"], "used by several departments"),          # two departments used a1
        (["zz", "c3"], "not events of this case: zz"),
        (["petition:b2"], "not events of this case: petition:b2"),
        (KEYS, "at least one must stay"),
        (["a1"] * 0, "at least one event"),
    ],
)
def test_a_split_names_what_is_wrong_with_its_events(given: list[str], words: str) -> None:
    with pytest.raises(Refused) as refused:
        resolve_events(KEYS, given)
    assert (refused.value.kind, refused.value.field) == ("invalid", "event_ids")
    assert words in refused.value.reason


def test_the_split_case_id_is_the_same_for_a_retry_and_new_for_each_version() -> None:
    case = {"_id": "C20261127-ABCDEF0123", "version": 7}
    first = split_case_id(case, NOW)
    assert first == split_case_id(case, NOW) and first.startswith("C20261127-") and len(first) == 20
    assert split_case_id({**case, "version": 8}, NOW) != first


def test_merged_timelines_interleave_by_time_marked_with_their_origin() -> None:
    own = [{"at": NOW, "action": "reported"}, {"at": NOW + timedelta(hours=3), "action": "merge"}]
    merged = {"S": [{"at": NOW + timedelta(hours=1), "action": "reported"},
                    {"at": NOW + timedelta(hours=2), "action": "correlated", "origin_case_id": "M"}]}
    got = interleave(own, merged)
    assert [(e["action"], e.get("origin_case_id")) for e in got] == [
        ("reported", None), ("reported", "S"), ("correlated", "M"), ("merge", None)]
    assert entry_key({"event_id": "a1", "department": "petition"}) == "petition:a1" and entry_key({}) == ""


def test_merging_into_a_case_out_of_sight_or_finished_is_refused() -> None:
    sec = Actor("sec", "secretary", street_id="S", community_id="K", grid_id="G")
    case = {"_id": "X", "grid_id": "G", "community_id": "K", "street_id": "S", "status": "reported", "level": "grid"}
    assert other_refusal(case, "X", sec) is None
    assert other_refusal(None, "X", sec).kind == "not_found"
    assert other_refusal({**case, "grid_id": "G2"}, "X", sec).kind == "not_found"
    assert other_refusal({**case, "status": "closed"}, "X", sec).kind == "state"
    refused = other_refusal({**case, "status": "escalated", "level": "community"}, "X", sec)
    assert refused.kind == "role" and "case X" in refused.reason
