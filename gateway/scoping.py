"""The areas, reports and weeks a caller asks for, checked against what it sees.

Who sees what is one rule for the whole platform, :mod:`services.platform.scope`: the county the
whole county, a street or community centre its own subtree, a grid's secretary and workers their
own grid, a department the cases handed to it while they are there (and no area figures),
members and residents only their own orders and registrations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from gridfusion.community.v1 import community_pb2 as cpb
from gridfusion.fusion.v1 import fusion_pb2 as fpb

from services.platform.scope import AREA_ROLES, ScopeRefused, sees_place

from .auth import Principal

__all__ = ["AREA_ROLES", "BadScope", "OutOfScope", "Week", "caller_area", "current_week", "narrow",
           "parse_scope", "parse_week", "report_area"]


class OutOfScope(Exception):
    """The caller asked for an area outside its scope; the message says which."""


class BadScope(ValueError):
    """The scope or week parameter is malformed; the message says how."""


def caller_area(caller: Principal) -> cpb.Area:
    """The whole area the caller may see."""
    try:
        return caller.area()
    except ScopeRefused as refused:
        raise OutOfScope(refused.message) from refused


def narrow(caller: Principal, grids: dict[str, fpb.Grid], *, grid_id: str = "", community_id: str = "",
           street_id: str = "") -> cpb.Area:
    """The area asked for, checked against the caller's scope (no filter: the caller's whole area)."""
    own = caller_area(caller)
    if grid_id:
        grid = grids.get(grid_id)
        if grid is None:
            raise LookupError(f"no grid {grid_id!r}")
        asked, named = cpb.Area(street_id=grid.street_id, community_id=grid.community_id, grid_id=grid_id), "grid"
    elif community_id:
        members = [g for g in grids.values() if g.community_id == community_id]
        if not members:
            raise LookupError(f"no community {community_id!r}")
        asked, named = cpb.Area(street_id=members[0].street_id, community_id=community_id), "community"
    elif street_id:
        if not any(g.street_id == street_id for g in grids.values()):
            raise LookupError(f"no street {street_id!r}")
        asked, named = cpb.Area(street_id=street_id), "street"
    else:
        return own
    if not sees_place(caller, asked):
        raise OutOfScope(f"{named} {grid_id or community_id or street_id} is outside your scope")
    return asked


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
        if not sees_place(caller, cpb.Area()):
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
    if not 1971 <= year <= 9998:
        raise BadScope(f"week {value}: a year from 1971 to 9998")
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


# A case change reaches a caller on the live feed when the caller sees the case: the same rule as
# fusion's case list.
