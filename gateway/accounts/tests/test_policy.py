"""Who may hold which account and who may manage whom: the rules without a database."""

from __future__ import annotations

import pytest
from gridfusion.fusion.v1 import fusion_pb2 as fpb

from gateway.accounts.policy import (
    Admin,
    PolicyError,
    Scope,
    check_manage,
    check_username,
    complete_scope,
    covers,
)

pytestmark = pytest.mark.unit

GRIDS = {g.grid_id: g for g in (
    fpb.Grid(grid_id="G1", street_id="S1", community_id="C1"),
    fpb.Grid(grid_id="G2", street_id="S1", community_id="C2"),
    fpb.Grid(grid_id="G3", street_id="S2", community_id="C3"),
)}
COUNTY = Admin("admin", "county", Scope())
STREET = Admin("street-S1", "street", Scope(street_id="S1"))
COMMUNITY = Admin("community-C1", "community", Scope(street_id="S1", community_id="C1"))
SECRETARY = Admin("sec-G1", "secretary", Scope("S1", "C1", "G1"))


def refused(fn, *args, **kwargs) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        fn(*args, **kwargs)
    return caught.value


def test_a_grid_account_is_completed_with_its_community_and_street() -> None:
    assert complete_scope("secretary", Scope(grid_id="G2"), GRIDS) == Scope("S1", "C2", "G2")
    assert complete_scope("community", Scope(community_id="C3"), GRIDS) == Scope(street_id="S2", community_id="C3")
    assert complete_scope("county", Scope(), GRIDS) == Scope()
    assert complete_scope("department", Scope(department="petition"), GRIDS) == Scope(department="petition")


@pytest.mark.parametrize(("role", "scope", "field"), [
    ("secretary", Scope(grid_id="G9"), "scope.grid_id"),
    ("secretary", Scope(), "scope.grid_id"),
    ("community", Scope(community_id="C9"), "scope.community_id"),
    ("street", Scope(street_id="S9"), "scope.street_id"),
    ("department", Scope(department="tax"), "scope.department"),
    ("secretary", Scope(street_id="S2", grid_id="G1"), "scope.street_id"),
    ("worker", Scope(community_id="C2", grid_id="G1"), "scope.community_id"),
    ("county", Scope(grid_id="G1"), "scope.grid_id"),
    ("street", Scope(street_id="S1", department="petition"), "scope.department"),
    ("mayor", Scope(), "role"),
])
def test_a_scope_not_in_the_reference_data_or_not_fitting_the_role_is_422_naming_the_field(role, scope, field) -> None:
    error = refused(complete_scope, role, scope, GRIDS)
    assert (error.status, error.field) == (422, field)


@pytest.mark.parametrize(("admin", "role", "scope", "allowed"), [
    (COUNTY, "county", Scope(), True),
    (COUNTY, "department", Scope(department="petition"), True),
    (STREET, "street", Scope(street_id="S1"), True),
    (STREET, "community", Scope("S1", "C2"), True),
    (STREET, "secretary", Scope("S2", "C3", "G3"), False),   # another street
    (STREET, "county", Scope(), False),                        # above its own
    (STREET, "department", Scope(department="petition"), False),
    (COMMUNITY, "secretary", Scope("S1", "C1", "G1"), True),
    (COMMUNITY, "resident", Scope("S1", "C1", "G1"), True),
    (COMMUNITY, "secretary", Scope("S1", "C2", "G2"), False),  # outside its community
    (COMMUNITY, "street", Scope(street_id="S1"), False),       # above its own
    (COMMUNITY, "county", Scope(), False),
    (SECRETARY, "worker", Scope("S1", "C1", "G1"), False),     # not an administrator
])
def test_administrators_manage_only_their_subtree_and_never_a_role_above_their_own(admin, role, scope, allowed) -> None:
    assert covers(admin, role, scope) is allowed
    if allowed:
        check_manage(admin, role, scope, what="create")
    else:
        assert refused(check_manage, admin, role, scope, what="create").status == 403


@pytest.mark.parametrize("name", ["a", "Admin", "-x", "x y", "名字", "a" * 65])
def test_usernames_are_plain_lower_case_names(name: str) -> None:
    assert refused(check_username, name).field == "username"


def test_demo_style_usernames_are_accepted() -> None:
    for name in ("admin", "sec-370921001001001", "dept-civil_affairs", "wang.fang@wenmiao"):
        check_username(name)


def test_a_role_change_keeps_as_much_of_the_scope_as_the_new_role_takes() -> None:
    from gateway.accounts.policy import narrow_to

    grid = Scope("S1", "C1", "G1")
    assert complete_scope("secretary", narrow_to("secretary", grid), GRIDS) == grid
    assert complete_scope("community", narrow_to("community", grid), GRIDS) == Scope("S1", "C1")
    assert narrow_to("department", grid) == Scope()
