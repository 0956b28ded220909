"""What one case change means for the people and systems to be told: pure functions.

A case change arrives as ``gridfusion.cases.<grid_id>.<change>`` with the case after it
(``fusion.v1.Case``; the change names are fusion's, :data:`services.fusion.workflow.CHANGES`).

Webhook events (a subscription names the ones it wants; :data:`EVENTS`):

=====================  ======================================================================
``case.changed``       every change of a case
``case.opened``        a case opened (``opened``)
``case.escalated``     a case went up a level (``escalated``: by hand, or because its deadline
                       passed)
``case.handed_over``   the street centre handed a case to a department (``handed_over``)
``case.overdue``       a deadline passed: at grid or community level the case was escalated
                       automatically; at street or department level it was marked overdue (督办)
``case.closed``        a case closed (``closed``)
=====================  ======================================================================

Dashboard notifications (:func:`notices_of`) go to the accounts responsible for the case where
it now is, the *audience* of a level (:func:`audience_of_level`): at grid level the grid's
secretary and workers, at community and street level that centre's accounts, at department level
the department's. A case *arrives* at a level when it opens (the grid) or is reopened (where it
reopens), is escalated (the level above), handed over (the department) or its result reported
(back at the street). It is *overdue* for the level whose deadline passed, and for the county, which
supervises what is overdue with no level above (督办); a department's overdue case also for its
street centre, which handed it over.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.platform.scope import SIGHT, Principal

EVENTS: Mapping[str, str] = {
    "case.changed": "案件变化",
    "case.opened": "新案件",
    "case.escalated": "案件上报",
    "case.handed_over": "案件移交",
    "case.overdue": "案件超时",
    "case.closed": "案件办结",
}
# The change that is each event by itself (``case.changed`` and ``case.overdue`` are decided below).
_EVENT_OF_CHANGE = {
    "opened": "case.opened",
    "escalated": "case.escalated",
    "handed_over": "case.handed_over",
    "closed": "case.closed",
}
# The changes by which a case arrives at a level (the level it is at afterwards).
ARRIVALS = ("opened", "reopened", "escalated", "handed_over", "result_reported")
# Notification kinds, with their labels.
KINDS: Mapping[str, str] = {"arrived": "案件到达", "overdue": "案件超时"}


def webhook_events(change: str, *, automatic: bool) -> list[str]:
    """The webhook events of one change (``automatic``: an escalation the deadline made)."""
    events = ["case.changed"]
    if change in _EVENT_OF_CHANGE:
        events.append(_EVENT_OF_CHANGE[change])
    if change == "overdue" or (change == "escalated" and automatic):
        events.append("case.overdue")
    return events


@dataclass(frozen=True)
class Audience:
    """The accounts a notification is for: these roles, placed at ``key`` (:func:`key_of`)."""

    roles: tuple[str, ...]
    key: str


def key_of(principal: Principal) -> str:
    """Where an account is placed, as an audience names it: ``county``, or ``<field>:<value>`` of
    the field that places its role (``grid_id:…``, ``community_id:…``, ``department:…``)."""
    sight = SIGHT.get(principal.role)
    if sight is None:
        return ""
    if sight.placed_by is None:
        return "county"
    value = getattr(principal, sight.placed_by)
    return f"{sight.placed_by}:{value}" if value else ""


def audience_of_level(level: str, case: Any) -> Audience | None:
    """The accounts that hold a case at ``level`` (None: nobody, e.g. no department named)."""
    if level == "grid" and case.grid_id:
        return Audience(("secretary", "worker"), f"grid_id:{case.grid_id}")
    if level == "community" and case.community_id:
        return Audience(("community",), f"community_id:{case.community_id}")
    if level == "street" and case.street_id:
        return Audience(("street",), f"street_id:{case.street_id}")
    if level == "department" and case.handed_to:
        return Audience(("department",), f"department:{case.handed_to}")
    return None


COUNTY = Audience(("county",), "county")


def notices_of(
    change: str, case: Any, *, automatic: bool = False, from_level: str = ""
) -> list[tuple[str, Audience]]:
    """The notifications of one change: (kind, audience) pairs, each audience once per kind.

    ``automatic`` and ``from_level``: the change is an escalation because the deadline passed at
    ``from_level`` (that level is told it is overdue, the level above that it arrived)."""
    out: list[tuple[str, Audience]] = []
    if change in ARRIVALS:
        audience = audience_of_level(case.level, case)
        if audience is not None:
            out.append(("arrived", audience))
    overdue_levels: list[str] = []
    if change == "escalated" and automatic and from_level:
        overdue_levels.append(from_level)
    if change == "overdue":
        overdue_levels.append(case.level)
        if case.level == "department":
            overdue_levels.append("street")
    for level in overdue_levels:
        audience = audience_of_level(level, case)
        if audience is not None:
            out.append(("overdue", audience))
    if change == "overdue":
        out.append(("overdue", COUNTY))
    return list(dict.fromkeys(out))
