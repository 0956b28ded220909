"""Who may see what: the scope rules of the roles as pure functions, tested without a network.

- ``county`` sees the whole county;
- ``street`` / ``community`` see their own subtree;
- ``secretary`` / ``worker`` see their own grid;
- ``department`` sees the cases handed to its department while they are there (and no area
  figures), and its own events' status;
- ``member`` / ``resident`` see only their own orders and registrations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from gridfusion.community.v1 import community_pb2 as cpb
from gridfusion.fusion.v1 import fusion_pb2 as fpb

from services.fusion import workflow

from .auth import Principal


class OutOfScope(Exception):
    """The caller asked for an area outside its scope; the message says which."""


class BadScope(ValueError):
    """The scope or week parameter is malformed; the message says how."""


AREA_ROLES = ("county", "street", "community", "secretary", "worker")


def caller_area(caller: Principal) -> cpb.Area:
    """The whole area the caller may see."""
    if caller.role == "county":
        return cpb.Area()
    if caller.role == "street":
        return cpb.Area(street_id=caller.street_id)
    if caller.role == "community":
        return cpb.Area(street_id=caller.street_id, community_id=caller.community_id)
    if caller.role in ("secretary", "worker"):
        return cpb.Area(street_id=caller.street_id, community_id=caller.community_id, grid_id=caller.grid_id)
    raise OutOfScope(f"role '{caller.role}' sees no area")


def grid_in_scope(caller: Principal, grid: fpb.Grid) -> bool:
    if caller.role == "county":
        return True
    if caller.role == "street":
        return grid.street_id == caller.street_id
    if caller.role == "community":
        return grid.community_id == caller.community_id
    if caller.role in ("secretary", "worker"):
        return grid.grid_id == caller.grid_id
    return False


def narrow(caller: Principal, grids: dict[str, fpb.Grid], *, grid_id: str = "", community_id: str = "",
           street_id: str = "") -> cpb.Area:
    """The area asked for, checked against the caller's scope (no filter: the caller's whole area)."""
    own = caller_area(caller)
    if grid_id:
        grid = grids.get(grid_id)
        if grid is None:
            raise LookupError(f"no grid {grid_id!r}")
        if not grid_in_scope(caller, grid):
            raise OutOfScope(f"grid {grid_id} is outside your scope")
        return cpb.Area(street_id=grid.street_id, community_id=grid.community_id, grid_id=grid.grid_id)
    if community_id:
        members = [g for g in grids.values() if g.community_id == community_id]
        if not members:
            raise LookupError(f"no community {community_id!r}")
        if caller.role in ("secretary", "worker") or not all(grid_in_scope(caller, g) for g in members):
            raise OutOfScope(f"community {community_id} is outside your scope")
        return cpb.Area(street_id=members[0].street_id, community_id=community_id)
    if street_id:
        if not any(g.street_id == street_id for g in grids.values()):
            raise LookupError(f"no street {street_id!r}")
        if caller.role not in ("county",) and not (caller.role == "street" and caller.street_id == street_id):
            raise OutOfScope(f"street {street_id} is outside your scope")
        return cpb.Area(street_id=street_id)
    return own


def parse_scope(scope: str) -> tuple[str, str]:
    """``county`` | ``street:<id>`` | ``community:<id>`` | ``grid:<id>``."""
    if scope == "county":
        return "county", ""
    kind, _, ident = scope.partition(":")
    if kind not in ("street", "community", "grid") or not ident:
        raise BadScope("scope must be county, street:<id>, community:<id> or grid:<id>")
    return kind, ident


def report_area(caller: Principal, grids: dict[str, fpb.Grid], scope: str) -> cpb.Area:
    kind, ident = parse_scope(scope)
    if kind == "county":
        if caller.role != "county":
            raise OutOfScope("only the county sees the county's report")
        return cpb.Area()
    return narrow(caller, grids, **{f"{kind}_id": ident})


_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True)
class Week:
    label: str
    monday: date
    start: datetime  # UTC
    end: datetime  # UTC, exclusive


def parse_week(value: str, tz: ZoneInfo) -> Week:
    """An ISO week ``YYYY-Www`` in county time: Monday 00:00 to the next Monday 00:00."""
    match = _WEEK.match(value)
    if not match:
        raise BadScope("week must be an ISO week like 2026-W48")
    year, number = int(match[1]), int(match[2])
    try:
        monday = date.fromisocalendar(year, number, 1)
    except ValueError as exc:
        raise BadScope(f"week {value} does not exist: {exc}") from exc
    start = datetime.combine(monday, time(0), tzinfo=tz)
    return Week(value, monday, start.astimezone(UTC), (start + timedelta(days=7)).astimezone(UTC))


def current_week(tz: ZoneInfo, now: datetime | None = None) -> str:
    now = (now or datetime.now(UTC)).astimezone(tz)
    year, week, _ = now.isocalendar()
    return f"{year}-W{week:02d}"


def case_visible(caller: Principal, case: fpb.Case) -> bool:
    """Whether a case change reaches this caller on the live feed (the same rule as fusion's case
    list: ``services.fusion.server.scope_query``). A place left empty never matches."""
    if caller.role == "county":
        return True
    if caller.role == "street":
        return bool(caller.street_id) and case.street_id == caller.street_id
    if caller.role == "community":
        return bool(caller.community_id) and case.community_id == caller.community_id
    if caller.role in ("secretary", "worker"):
        return bool(caller.grid_id) and case.grid_id == caller.grid_id
    if caller.role == "department":
        # Only while the case is handed to it (workflow.department_holds), not a case it only contributed to.
        return bool(caller.department) and case.handed_to == caller.department and all(
            getattr(case, k) == v for k, v in workflow.DEPARTMENT_HOLDS.items())
    return False
