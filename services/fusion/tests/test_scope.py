"""What a scope lets a caller see of cases, and who counts as the deadline keeper: pure rules."""

from __future__ import annotations

import grpc
import pytest
from gridfusion.fusion.v1 import fusion_pb2 as pb

from services.fusion import workflow
from services.fusion.server import ScopeRefused, both, scope_query
from services.fusion.weekly import deadline_missed

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("scope,code", [
    (pb.Scope(), grpc.StatusCode.INVALID_ARGUMENT),                                  # no role: whose scope?
    (pb.Scope(street_id="S1"), grpc.StatusCode.INVALID_ARGUMENT),
    (pb.Scope(role="secretary"), grpc.StatusCode.INVALID_ARGUMENT),
    (pb.Scope(role="worker", street_id="S1", community_id="C1"), grpc.StatusCode.INVALID_ARGUMENT),
    (pb.Scope(role="community", street_id="S1"), grpc.StatusCode.INVALID_ARGUMENT),
    (pb.Scope(role="street"), grpc.StatusCode.INVALID_ARGUMENT),
    (pb.Scope(role="department"), grpc.StatusCode.INVALID_ARGUMENT),
    (pb.Scope(role="member", grid_id="G1"), grpc.StatusCode.PERMISSION_DENIED),
    (pb.Scope(role="resident", grid_id="G1"), grpc.StatusCode.PERMISSION_DENIED),
    (pb.Scope(role="mayor"), grpc.StatusCode.INVALID_ARGUMENT),
])
def test_finding_6_a_scope_that_does_not_place_its_role_sees_nothing(scope: pb.Scope, code: grpc.StatusCode) -> None:
    with pytest.raises(ScopeRefused) as refused:
        scope_query(scope)
    assert refused.value.code == code and refused.value.message


def test_finding_6_only_the_county_sees_everything_and_may_narrow() -> None:
    assert scope_query(pb.Scope(role="county")) == {}
    assert scope_query(pb.Scope(role="county", street_id="S1")) == {"street_id": "S1"}
    assert scope_query(pb.Scope(role="street", street_id="S1")) == {"street_id": "S1"}
    assert scope_query(pb.Scope(role="secretary", street_id="S1", community_id="C1", grid_id="G1")) == {
        "grid_id": "G1", "community_id": "C1", "street_id": "S1"}


def test_finding_10_a_department_sees_the_cases_handed_to_it_while_they_are() -> None:
    assert scope_query(pb.Scope(role="department", department="legal_aid")) == {
        "handed_to": "legal_aid", "status": "handed_over", "level": "department"}
    # a filter of the list adds to the scope, never replaces its conditions (status=open, another status)
    scoped = scope_query(pb.Scope(role="department", department="legal_aid"))
    assert both(scoped, {"status": "closed"}) == {"$and": [scoped, {"status": "closed"}]}
    assert both({}, {"status": "closed"}) == {"status": "closed"} and both(scoped, {}) == scoped


def test_finding_11_a_results_actor_cannot_pass_for_the_deadline_keeper() -> None:
    assert deadline_missed({"actor": workflow.SYSTEM_ACTOR, "role": workflow.SYSTEM_ROLE, "action": "escalate"})
    assert deadline_missed({"actor": workflow.SYSTEM_ACTOR, "role": workflow.SYSTEM_ROLE, "action": "overdue"})
    assert not deadline_missed({"actor": workflow.SYSTEM_ACTOR, "role": "department", "action": "report_result"})
    for name in ("fusion:deadline", " Fusion:deadline", "fusion:anything", "system"):
        assert workflow.reserved_actor(name), name
    assert not workflow.reserved_actor("民政局社会救助科") and not workflow.reserved_actor("dept-legal_aid")
