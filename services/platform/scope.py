"""Who sees what: the one principal and the one scope rule of every role.

A *principal* is an account at work: its name, its role and the places that scope it. The
gateway signs it in (and adds its session); fusion receives it in a request's ``Scope`` or
``Actor``. Both read it as :class:`Principal` and ask this module what it sees.

The rule, one row per role (:data:`SIGHT`):

==============  ================  ==========================================  ===================
role            placed by         the cases it sees                           the places it sees
==============  ================  ==========================================  ===================
``county``      —                 every case                                  the county
``street``      ``street_id``     its street's                                its street
``community``   ``community_id``  its community's                             its community
``secretary``   ``grid_id``       its grid's                                  its grid
``worker``      ``grid_id``       its grid's                                  its grid
``member``      ``grid_id``       none                                        none
``resident``    ``grid_id``       none                                        none
``department``  ``department``    those handed to it while they are there:    none
                                  ``handed_to`` = its department, status
                                  ``handed_over``, level ``department``
==============  ================  ==========================================  ===================

For every role besides: a principal that lacks the field placing it sees nothing (an empty field
never means "everywhere"), and every place it names narrows what it sees — a case, grid, order
or area must carry each ``street_id``, ``community_id`` and ``grid_id`` the principal has (so the
county naming a street sees that street). Places are grids, their households and party members,
service orders, and the figures of an area; members and residents see only their own orders and
registrations, which their own endpoints look after.

Both forms of the rule come from the one table, so they cannot drift apart: the conditions a
record must meet are a list of equalities (:func:`case_query`, :func:`place_query`); as a
MongoDB filter fusion queries with them, and the predicate over one record — a MongoDB document
or a protobuf message — checks the same equalities (:func:`sees_case`, :func:`sees_place`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import grpc
from gridfusion.community.v1 import community_pb2 as cpb
from gridfusion.fusion.v1 import fusion_pb2 as fpb

from .vocabulary import ROLES

__all__ = [
    "AREA_ROLES", "CASE_ROLES", "DEPARTMENT_HOLDS", "GRID_STAFF", "PLACED_BY", "PLACES", "SIGHT", "Principal",
    "ScopeRefused", "Sight", "area_query", "case_query", "matches", "place_query", "sees_case", "sees_place",
]

# The fields that place a record in the hierarchy, from the top down.
PLACES: tuple[str, ...] = ("street_id", "community_id", "grid_id")

# A department sees a case only while the case is handed to it: handed over, at department level,
# ``handed_to`` = the department. It loses sight of it once its result is reported (or the case
# moves on otherwise); contributing an event does not let it see the case. Its own events' status
# it reads as events, not through cases.
DEPARTMENT_HOLDS: Mapping[str, str] = {"status": "handed_over", "level": "department"}


@dataclass(frozen=True)
class Sight:
    """What one role sees.

    ``placed_by``: the principal's field that must be set (None for the county). ``cases``: the
    case fields that must equal the principal's fields, beyond its places (None: it sees no case).
    ``held``: the values a case must have besides. ``places``: whether it sees places at all.
    """

    placed_by: str | None
    cases: Mapping[str, str] | None = field(default_factory=dict)
    held: Mapping[str, str] = field(default_factory=dict)
    places: bool = True


SIGHT: Mapping[str, Sight] = {
    "county": Sight(None),
    "street": Sight("street_id"),
    "community": Sight("community_id"),
    "secretary": Sight("grid_id"),
    "worker": Sight("grid_id"),
    "member": Sight("grid_id", cases=None, places=False),
    "resident": Sight("grid_id", cases=None, places=False),
    "department": Sight("department", cases={"handed_to": "department"}, held=DEPARTMENT_HOLDS, places=False),
}

# Groups of roles the table implies, in the order of :data:`ROLES`.
PLACED_BY: Mapping[str, str | None] = {role: SIGHT[role].placed_by for role in ROLES}
CASE_ROLES: tuple[str, ...] = tuple(r for r in ROLES if SIGHT[r].cases is not None)
AREA_ROLES: tuple[str, ...] = tuple(r for r in ROLES if SIGHT[r].places)
# The grid's own staff: the roles that see places and are placed on one grid.
GRID_STAFF: tuple[str, ...] = tuple(r for r in AREA_ROLES if SIGHT[r].placed_by == "grid_id")


class ScopeRefused(Exception):
    """A principal that may see nothing of what it asks: ``code`` is the gRPC status to answer
    (INVALID_ARGUMENT: the scope is malformed; PERMISSION_DENIED: the role sees none of it)."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Principal:
    """An account at work: who, which role, and the places (or department) that scope it."""

    username: str
    role: str
    street_id: str = ""
    community_id: str = ""
    grid_id: str = ""
    department: str = ""

    @classmethod
    def of_scope(cls, scope: fpb.Scope, username: str = "") -> Principal:
        """The principal a fusion ``Scope`` describes (it carries the role, not the name)."""
        return cls(username, scope.role, scope.street_id, scope.community_id, scope.grid_id, scope.department)

    @classmethod
    def of_actor(cls, actor: fpb.Actor) -> Principal:
        """The principal acting in a fusion request: its name and role, its places from its scope."""
        s = actor.scope
        return cls(actor.username, actor.role, s.street_id, s.community_id, s.grid_id, s.department)

    def places(self) -> dict[str, str]:
        """The places this principal names (an empty one is left out)."""
        return {f: getattr(self, f) for f in PLACES if getattr(self, f)}

    def scope(self) -> fpb.Scope:
        """Where this principal looks, with its role: fusion refuses a scope without one."""
        return fpb.Scope(street_id=self.street_id, community_id=self.community_id, grid_id=self.grid_id,
                         department=self.department, role=self.role)

    def actor(self) -> fpb.Actor:
        """This principal acting on a case."""
        return fpb.Actor(username=self.username, role=self.role, scope=self.scope())

    def community_actor(self) -> cpb.Actor:
        """This principal acting on a service order."""
        return cpb.Actor(username=self.username, role=self.role, street_id=self.street_id,
                         community_id=self.community_id, grid_id=self.grid_id)

    def area(self) -> cpb.Area:
        """The whole area this principal sees; :class:`ScopeRefused` for a role that sees none."""
        return cpb.Area(**place_query(self))


def _sight(principal: Principal) -> Sight:
    if not principal.role:
        raise ScopeRefused(grpc.StatusCode.INVALID_ARGUMENT, "scope.role is required: whose scope is this?")
    sight = SIGHT.get(principal.role)
    if sight is None:
        raise ScopeRefused(grpc.StatusCode.INVALID_ARGUMENT, f"unknown scope.role {principal.role!r}")
    return sight


def _places(principal: Principal, sight: Sight) -> dict[str, str]:
    """The places a principal names, once it names the one that places its role."""
    if sight.placed_by and not getattr(principal, sight.placed_by):
        raise ScopeRefused(grpc.StatusCode.INVALID_ARGUMENT, f"a {principal.role} scope needs scope.{sight.placed_by}")
    return principal.places()


def case_query(principal: Principal) -> dict[str, Any]:
    """The MongoDB filter of the cases ``principal`` sees; :class:`ScopeRefused` rather than fail
    open (no role, an unknown role, a role that sees no case, a missing place)."""
    sight = _sight(principal)
    if sight.cases is None:
        raise ScopeRefused(grpc.StatusCode.PERMISSION_DENIED, f"role {principal.role!r} sees no cases")
    own = {case_field: getattr(principal, mine) for case_field, mine in sight.cases.items()}
    return {**_places(principal, sight), **own, **sight.held}


def place_query(principal: Principal) -> dict[str, Any]:
    """The MongoDB filter of the places (grids, people, orders) ``principal`` sees;
    :class:`ScopeRefused` for a role that sees none, or a missing place."""
    sight = _sight(principal)
    if not sight.places:
        raise ScopeRefused(grpc.StatusCode.PERMISSION_DENIED, f"role '{principal.role}' sees no area")
    return _places(principal, sight)


def area_query(area: cpb.Area | fpb.Scope) -> dict[str, Any]:
    """The MongoDB filter of an area (or of the places a scope names): every place it names, an
    empty field does not narrow."""
    return {f: getattr(area, f) for f in PLACES if getattr(area, f)}


def _value(record: Any, name: str) -> Any:
    if isinstance(record, Mapping):
        return record.get(name)
    return getattr(record, name, None)


def matches(query: Mapping[str, Any], record: Any) -> bool:
    """Whether ``record`` (a document or a message) meets a filter of equalities, as MongoDB would."""
    for name, wanted in query.items():
        value = _value(record, name)
        if value != wanted and not (isinstance(value, list) and wanted in value):
            return False
    return True


def sees_case(principal: Principal, case: Any) -> bool:
    """Whether ``principal`` sees (and so may act on) ``case``: the rule of :func:`case_query`."""
    try:
        return matches(case_query(principal), case)
    except ScopeRefused:
        return False


def sees_place(principal: Principal, record: Any) -> bool:
    """Whether ``principal`` sees a grid, order, member or area: the rule of :func:`place_query`."""
    try:
        return matches(place_query(principal), record)
    except ScopeRefused:
        return False
