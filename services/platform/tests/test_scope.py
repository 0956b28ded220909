"""The scope rule: for every role the MongoDB filter and the predicate see the same cases and
places, and what they see is what the table says. The filters run against a real database in
``tests/integration/test_scope_filters.py``; here a small matcher evaluates them."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import pytest
from gridfusion.community.v1 import community_pb2 as cpb
from gridfusion.fusion.v1 import fusion_pb2 as fpb
from hypothesis import given
from hypothesis import strategies as st

from services.platform import scope
from services.platform.scope import (
    AREA_ROLES,
    CASE_ROLES,
    GRID_STAFF,
    PLACED_BY,
    SIGHT,
    Principal,
    ScopeRefused,
    area_query,
    case_query,
    place_query,
    sees_case,
    sees_place,
)
from services.platform.vocabulary import ROLES

pytestmark = pytest.mark.unit


def mongo_matches(query: dict[str, Any], doc: dict[str, Any]) -> bool:
    """What MongoDB answers for the operators scope filters use: equality (a value, or an element
    of an array) and ``$and``. Any other operator fails the test until this learns it."""
    for key, wanted in query.items():
        if key == "$and":
            if not all(mongo_matches(q, doc) for q in wanted):
                return False
            continue
        assert not key.startswith("$") and not isinstance(wanted, dict), f"operator not modelled: {key}: {wanted}"
        value = doc.get(key)
        if value != wanted and not (isinstance(value, list) and wanted in value):
            return False
    return True


def case(case_id: str, grid: str, community: str, street: str, status: str = "reported", level: str = "grid",
         handed_to: str = "", **extra: Any) -> dict[str, Any]:
    return {"_id": case_id, "grid_id": grid, "community_id": community, "street_id": street, "status": status,
            "level": level, "handed_to": handed_to, "departments": ["petition"], **extra}


# G1, G2 in community C1 and G3 in C2, both of street S1; G4 in C3 of street S2.
CASES: list[dict[str, Any]] = [
    case("K1", "G1", "C1", "S1"),
    case("K2", "G2", "C1", "S1", "accepted", "community"),
    case("K3", "G3", "C2", "S1", "handed_over", "department", "legal_aid"),
    case("K4", "G4", "C3", "S2", "handed_over", "department", "petition"),
    case("K5", "G4", "C3", "S2", "result_reported", "street", "petition"),  # its result is in
    case("K6", "G1", "C1", "S1", "closed", "street", "legal_aid"),
    case("K7", "G3", "C2", "S1", "handed_over", "street", "legal_aid"),  # handed over, not at department level
    case("K8", "", "", "", "handed_over", "department", ""),  # placed nowhere, handed to nobody
    {"_id": "K9", "grid_id": "G1", "street_id": "S1", "status": "reported", "level": "grid"},  # no community
    case("K10", "G1", "C2", "S1"),  # a grid filed under another community
]
ALL = {c["_id"] for c in CASES}

COUNTY = Principal("admin", "county")
STREET = Principal("street-S1", "street", street_id="S1")
COMMUNITY = Principal("community-C1", "community", street_id="S1", community_id="C1")
SECRETARY = Principal("sec-G1", "secretary", street_id="S1", community_id="C1", grid_id="G1")
WORKER = Principal("worker-G4", "worker", street_id="S2", community_id="C3", grid_id="G4")
LEGAL_AID = Principal("dept-legal_aid", "department", department="legal_aid")
PETITION = Principal("dept-petition", "department", department="petition")
MEMBER = Principal("member-G1", "member", street_id="S1", community_id="C1", grid_id="G1")
RESIDENT = Principal("resident-G1", "resident", street_id="S1", community_id="C1", grid_id="G1")

# What each principal sees of CASES, by the table in the module's docstring.
SEEN: list[tuple[Principal, set[str]]] = [
    (COUNTY, ALL),
    (Principal("admin", "county", street_id="S2"), {"K4", "K5"}),  # a place named narrows, even the county's
    (STREET, {"K1", "K2", "K3", "K6", "K7", "K9", "K10"}),
    (Principal("street-S2", "street", street_id="S2"), {"K4", "K5"}),
    (COMMUNITY, {"K1", "K2", "K6"}),
    (Principal("community-C1", "community", community_id="C1"), {"K1", "K2", "K6"}),
    (SECRETARY, {"K1", "K6"}),
    (Principal("sec-G1", "secretary", grid_id="G1"), {"K1", "K6", "K9", "K10"}),
    (WORKER, {"K4", "K5"}),
    (LEGAL_AID, {"K3"}),  # only while handed to it and at department level
    (PETITION, {"K4"}),  # not K5 (its result is in), nor K1 (it only contributed an event)
    (Principal("dept-legal_aid", "department", department="legal_aid", grid_id="G1"), set()),
]
# Principals that see no case at all, and why.
BLIND: list[tuple[Principal, grpc.StatusCode]] = [
    (MEMBER, grpc.StatusCode.PERMISSION_DENIED),
    (RESIDENT, grpc.StatusCode.PERMISSION_DENIED),
    (Principal("nobody", ""), grpc.StatusCode.INVALID_ARGUMENT),
    (Principal("mayor", "mayor", street_id="S1"), grpc.StatusCode.INVALID_ARGUMENT),
    (Principal("street-x", "street"), grpc.StatusCode.INVALID_ARGUMENT),  # an empty place never means everywhere
    (Principal("community-x", "community", street_id="S1"), grpc.StatusCode.INVALID_ARGUMENT),
    (Principal("sec-x", "secretary", street_id="S1", community_id="C1"), grpc.StatusCode.INVALID_ARGUMENT),
    (Principal("worker-x", "worker"), grpc.StatusCode.INVALID_ARGUMENT),
    (Principal("dept-x", "department"), grpc.StatusCode.INVALID_ARGUMENT),
]
PRINCIPALS = [p for p, _ in SEEN] + [p for p, _ in BLIND]


def as_message(doc: dict[str, Any]) -> fpb.Case:
    return fpb.Case(case_id=doc["_id"], **{k: v for k, v in doc.items() if k != "_id"})


def test_the_table_has_one_row_for_every_role() -> None:
    assert tuple(SIGHT) == ROLES
    assert CASE_ROLES == ("county", "street", "community", "secretary", "worker", "department")
    assert AREA_ROLES == ("county", "street", "community", "secretary", "worker")
    assert GRID_STAFF == ("secretary", "worker")
    assert PLACED_BY == {"county": None, "street": "street_id", "community": "community_id", "secretary": "grid_id",
                         "worker": "grid_id", "member": "grid_id", "resident": "grid_id", "department": "department"}


GRIDS = [
    fpb.Grid(grid_id="G1", community_id="C1", street_id="S1"),
    fpb.Grid(grid_id="G2", community_id="C1", street_id="S1"),
    fpb.Grid(grid_id="G3", community_id="C2", street_id="S1"),
    fpb.Grid(grid_id="G4", community_id="C3", street_id="S2"),
]
ORDERS = [cpb.ServiceOrder(order_id=f"SO-{g.grid_id}", grid_id=g.grid_id, community_id=g.community_id,
                           street_id=g.street_id) for g in GRIDS]


def place_doc(message: Any) -> dict[str, Any]:
    return {f: getattr(message, f) for f in scope.PLACES}


def filter_of(query_of: Callable[[Principal], dict[str, Any]], principal: Principal) -> dict[str, Any] | None:
    """The principal's filter, or None where it sees nothing of the kind."""
    try:
        return query_of(principal)
    except ScopeRefused:
        return None


# Each form of the rule: its filter, its predicate, and records as documents and as messages.
FORMS = {
    "cases": (case_query, sees_case, [(doc, as_message(doc)) for doc in CASES]),
    "places": (place_query, sees_place, [(place_doc(r), r) for r in (*GRIDS, *ORDERS)]),
}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("principal", PRINCIPALS, ids=lambda p: f"{p.role or 'none'}:{p.username}")
def test_the_filter_and_the_predicate_see_the_same_records(principal: Principal, form: str) -> None:
    query_of, sees, records = FORMS[form]
    query = filter_of(query_of, principal)
    for doc, message in records:
        expected = query is not None and mongo_matches(query, doc)
        assert sees(principal, doc) is expected and sees(principal, message) is expected, doc


@pytest.mark.parametrize(("principal", "seen"), SEEN, ids=lambda x: getattr(x, "username", ""))
def test_each_role_sees_the_cases_the_table_gives_it(principal: Principal, seen: set[str]) -> None:
    assert {c["_id"] for c in CASES if mongo_matches(case_query(principal), c)} == seen
    assert {c["_id"] for c in CASES if sees_case(principal, c)} == seen


@pytest.mark.parametrize(("principal", "code"), BLIND, ids=lambda x: getattr(x, "username", ""))
def test_a_principal_the_table_does_not_place_sees_no_case(principal: Principal, code: grpc.StatusCode) -> None:
    with pytest.raises(ScopeRefused) as refused:
        case_query(principal)
    assert refused.value.code == code and refused.value.message
    assert not any(sees_case(principal, c) for c in CASES)


def test_the_refusals_say_what_is_wrong() -> None:
    messages = {}
    for principal in (Principal("x", ""), Principal("x", "mayor"), MEMBER, Principal("x", "community")):
        with pytest.raises(ScopeRefused) as refused:
            case_query(principal)
        messages[principal.role] = refused.value.message
    assert messages == {"": "scope.role is required: whose scope is this?", "mayor": "unknown scope.role 'mayor'",
                        "member": "role 'member' sees no cases", "community": "a community scope needs scope.community_id"}


def test_a_department_filter_is_the_hand_over_it_holds() -> None:
    assert case_query(LEGAL_AID) == {"handed_to": "legal_aid", "status": "handed_over", "level": "department"}
    assert case_query(COUNTY) == {}
    assert case_query(SECRETARY) == {"street_id": "S1", "community_id": "C1", "grid_id": "G1"}


def test_each_role_sees_its_own_area_and_departments_members_residents_none() -> None:
    def grids(p: Principal) -> list[str]:
        return [g.grid_id for g in GRIDS if sees_place(p, g)]

    assert grids(COUNTY) == ["G1", "G2", "G3", "G4"]
    assert grids(STREET) == ["G1", "G2", "G3"]
    assert grids(COMMUNITY) == ["G1", "G2"]
    assert grids(SECRETARY) == ["G1"] and grids(WORKER) == ["G4"]
    assert COUNTY.area() == cpb.Area()
    assert STREET.area() == cpb.Area(street_id="S1")
    assert COMMUNITY.area() == cpb.Area(street_id="S1", community_id="C1")
    assert SECRETARY.area() == cpb.Area(street_id="S1", community_id="C1", grid_id="G1")
    for blind in (LEGAL_AID, MEMBER, RESIDENT):
        assert grids(blind) == []
        with pytest.raises(ScopeRefused) as refused:
            blind.area()
        assert refused.value.code == grpc.StatusCode.PERMISSION_DENIED
        assert refused.value.message == f"role '{blind.role}' sees no area"


def test_an_area_inside_the_principals_own_is_one_it_sees() -> None:
    assert sees_place(STREET, cpb.Area(street_id="S1", community_id="C2"))
    assert not sees_place(COMMUNITY, cpb.Area(street_id="S1"))  # the street is more than its community
    assert not sees_place(SECRETARY, cpb.Area(street_id="S1", community_id="C1"))
    assert sees_place(COUNTY, cpb.Area()) and not sees_place(STREET, cpb.Area())
    assert area_query(cpb.Area()) == {}
    assert area_query(cpb.Area(street_id="S1", grid_id="G1")) == {"street_id": "S1", "grid_id": "G1"}


@pytest.mark.parametrize("principal", [COUNTY, STREET, COMMUNITY, SECRETARY, WORKER, LEGAL_AID, MEMBER, RESIDENT],
                         ids=lambda p: p.role)
def test_a_principal_travels_in_the_contracts_and_comes_back_the_same(principal: Principal) -> None:
    assert Principal.of_actor(principal.actor()) == principal
    assert Principal.of_scope(principal.scope(), principal.username) == principal
    assert principal.scope().role == principal.actor().role == principal.role
    acting = principal.community_actor()
    assert (acting.username, acting.role, acting.grid_id, acting.community_id, acting.street_id) == (
        principal.username, principal.role, principal.grid_id, principal.community_id, principal.street_id)


PLACE = st.sampled_from(["", "S1", "C1", "G1", "X"])
ANY_CASE = st.fixed_dictionaries({
    "grid_id": PLACE, "community_id": PLACE, "street_id": PLACE, "handed_to": st.sampled_from(["", "legal_aid", "X"]),
    "status": st.sampled_from(["handed_over", "reported"]), "level": st.sampled_from(["department", "grid"]),
})
ANY_PRINCIPAL = st.builds(Principal, username=st.just("u"), role=st.sampled_from([*ROLES, "", "mayor"]),
                          street_id=PLACE, community_id=PLACE, grid_id=PLACE,
                          department=st.sampled_from(["", "legal_aid", "X"]))


@given(principal=ANY_PRINCIPAL, doc=ANY_CASE)
def test_filter_and_predicate_agree_on_any_principal_and_record(principal: Principal, doc: dict[str, Any]) -> None:
    for query_of, sees, _ in FORMS.values():
        query = filter_of(query_of, principal)
        assert sees(principal, doc) is (query is not None and mongo_matches(query, doc))


def test_the_platform_kit_imports_no_service() -> None:
    tree = ast.parse(Path(scope.__file__).read_text())
    imported = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    services = ("services.fusion", "services.departments", "services.reference", "gateway")
    assert not [m for m in imported if m.startswith(services)], imported
