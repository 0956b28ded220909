"""The closed loop (闭合循环调处机制) as a pure state machine.

A case is at one *level* — ``grid`` (网格), ``community`` (社区网格化服务管理中心), ``street``
(街道网格化服务管理中心) or ``department`` (the department it was handed to) — and in one
*status*. An action moves it; :func:`decide` says whether the case's state and the actor's
role allow the action and what the case becomes, or raises :class:`Refused` with the reason.

Status and level pairs, and the actions each allows (the table :data:`TRANSITIONS`):

====================  =========================================================================
reported/grid         accept, resolve_on_site, escalate (→ escalated/community)
reopened/grid         the same as reported
accepted/grid         resolve_on_site, escalate
escalated/community   accept, resolve_on_site, escalate (→ escalated/street)
accepted/community    resolve_on_site, escalate
escalated/street      accept, assess
accepted/street       assess, resolve_on_site
assessed/street       assess (again), resolve_on_site, hand_over (→ handed_over/department)
handed_over/department report_result (→ result_reported/street)
result_reported/street close, hand_over (again, when the result does not settle it)
resolved/<level>      close
closed/<level>        feedback (once per closure), reopen (→ reopened/grid), rate (the resident's
                      own rating, once per closure; unsatisfied → reopened/<level>)
reopened/community    as escalated/community
reopened/street       as escalated/street
any open status       merge (``into`` another open case: this one → merged), split (``event_ids``
                      to a new case, or back to the case merged in that had exactly them)
====================  =========================================================================

Who may act (:data:`ROLES`): the centre holding the case at its level accepts, resolves and
escalates it (grid: branch secretary and grid workers; community and street: their centre); the
street centre analyses, judges and hands over; the department the case was handed to reports
its result; the branch secretary (not a grid worker) closes what its grid resolved, the street
centre what came back from a department; grid staff record the resident's rating on their
return visit; the reporting resident rates the closure (``rate``: 满意, 基本满意, 不满意) and an
unsatisfied rating reopens the case at the level that closed it — the gateway establishes that the
rater reported the case (its own account, or the rating link staff sent), so a resident needs no
scope here; the county supervises and may escalate, assess, hand over, close and reopen
anything. Scope narrows all of it: a grid's staff act on their own grid only, a community or
street centre on its own subtree, a department on the cases handed to it while they are there
(the one rule of who sees what: :mod:`services.platform.scope`).

Merge and split (:data:`REARRANGERS`, carried out by :mod:`.merging`) rearrange which events
make a case rather than move it round the loop: one incident reported as two cases is merged
(the case closes as ``merged`` and its events, departments and timeline go on in the case it was
merged into, which keeps its status, level and deadline), two incidents in one case are split
(the events named leave for a case of their own). Either is open to whoever holds the case at
its level and the levels above — at grid level the grid's staff, the community and street
centres and the county; at community level the community, the street and the county; at street
level the street and the county; a case handed to a department the street centre and the county
(not the department) — on an open case only, and for a merge on both cases.

Deadlines (:mod:`.deadlines`) run per level; an overdue case at grid or community level is
escalated one level by :func:`auto_escalation`; at street or department level it is marked
overdue once (督办), there being no level above.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from services.platform.scope import Principal, sees_case
from services.platform.vocabulary import (
    ACTIONS,
    CASE_NOTE_MAX,
    DEPARTMENTS,
    FINISHED,
    RISK_LEVELS,
    SATISFACTION,
)

from .deadlines import deadline

RATINGS = range(1, 6)
RATING_CHANNELS = ("account", "link")
# A case in these statuses is closed for correlation: a matching event opens a new, linked case.
CLOSED = ("closed",)
SYSTEM_ACTOR = "fusion:deadline"
SYSTEM_ROLE = "system"
# Actor names only fusion itself uses: a name given from outside (a department's result) may not
# take one of them, so nobody can pass for the deadline keeper on a timeline or in a report.
RESERVED_ACTOR_PREFIXES = ("fusion:", "system")


def reserved_actor(name: str) -> bool:
    """Whether ``name`` is one of fusion's own actor names (see :data:`RESERVED_ACTOR_PREFIXES`)."""
    return name.strip().lower().startswith(RESERVED_ACTOR_PREFIXES)
MAX_NOTE = CASE_NOTE_MAX

GRID_STAFF = ("secretary", "worker")
# Who holds a case at each level (before the county, which supervises every level).
HOLDERS = {"grid": GRID_STAFF, "community": ("community",), "street": ("street",), "department": ("department",)}


@dataclass(frozen=True)
class Step:
    """Where an action takes a case from one status and level."""

    to_status: str
    to_level: str


# action → (status, level) → where it goes. A pair missing here is refused with 409.
TRANSITIONS: Mapping[str, Mapping[tuple[str, str], Step]] = {
    "accept": {
        ("reported", "grid"): Step("accepted", "grid"),
        ("reopened", "grid"): Step("accepted", "grid"),
        ("escalated", "community"): Step("accepted", "community"),
        ("reopened", "community"): Step("accepted", "community"),
        ("escalated", "street"): Step("accepted", "street"),
        ("reopened", "street"): Step("accepted", "street"),
    },
    "resolve_on_site": {
        ("reported", "grid"): Step("resolved", "grid"),
        ("reopened", "grid"): Step("resolved", "grid"),
        ("accepted", "grid"): Step("resolved", "grid"),
        ("escalated", "community"): Step("resolved", "community"),
        ("reopened", "community"): Step("resolved", "community"),
        ("accepted", "community"): Step("resolved", "community"),
        ("accepted", "street"): Step("resolved", "street"),
        ("assessed", "street"): Step("resolved", "street"),
    },
    "escalate": {
        ("reported", "grid"): Step("escalated", "community"),
        ("reopened", "grid"): Step("escalated", "community"),
        ("accepted", "grid"): Step("escalated", "community"),
        ("escalated", "community"): Step("escalated", "street"),
        ("reopened", "community"): Step("escalated", "street"),
        ("accepted", "community"): Step("escalated", "street"),
    },
    "assess": {
        ("escalated", "street"): Step("assessed", "street"),
        ("reopened", "street"): Step("assessed", "street"),
        ("accepted", "street"): Step("assessed", "street"),
        ("assessed", "street"): Step("assessed", "street"),
    },
    "hand_over": {
        ("assessed", "street"): Step("handed_over", "department"),
        ("result_reported", "street"): Step("handed_over", "department"),
    },
    "report_result": {
        ("handed_over", "department"): Step("result_reported", "street"),
    },
    "close": {
        ("resolved", "grid"): Step("closed", "grid"),
        ("resolved", "community"): Step("closed", "community"),
        ("resolved", "street"): Step("closed", "street"),
        ("result_reported", "street"): Step("closed", "street"),
    },
    "feedback": {
        ("closed", "grid"): Step("closed", "grid"),
        ("closed", "community"): Step("closed", "community"),
        ("closed", "street"): Step("closed", "street"),
    },
    "reopen": {
        ("closed", "grid"): Step("reopened", "grid"),
        ("closed", "community"): Step("reopened", "grid"),
        ("closed", "street"): Step("reopened", "grid"),
    },
    # The resident's rating keeps the case closed; unsatisfied takes it to UNSATISFIED_STEP.
    "rate": {
        ("closed", "grid"): Step("closed", "grid"),
        ("closed", "community"): Step("closed", "community"),
        ("closed", "street"): Step("closed", "street"),
    },
}
# An unsatisfied rating reopens the case at the level that closed it.
UNSATISFIED = "unsatisfied"
UNSATISFIED_STEP = {("closed", level): Step("reopened", level) for level in ("grid", "community", "street")}
RATER = "resident"

# The actions that rearrange a case's events instead of moving it round the loop: any open status
# allows them, and who may is the level's holder and the levels above (a department excepted: the
# street centre decides about what it handed over).
REARRANGING = ("merge", "split")
REARRANGERS: Mapping[str, tuple[str, ...]] = {
    "grid": (*GRID_STAFF, "community", "street", "county"),
    "community": ("community", "street", "county"),
    "street": ("street", "county"),
    "department": ("street", "county"),
}
# How many events one split may name.
SPLIT_MAX = 1000


def allowed_roles(action: str, status: str, level: str) -> tuple[str, ...]:
    """The roles that may take ``action`` on a case in ``status`` at ``level``."""
    holders = HOLDERS.get(level, ())
    if action in ("accept", "resolve_on_site"):
        return holders
    if action == "escalate":
        return (*holders, "county")
    if action in ("assess", "hand_over"):
        return ("street", "county")
    if action == "report_result":
        return ("department",)
    if action == "close":
        if level == "grid":
            return ("secretary", "county")
        return (*holders, "county")
    if action == "feedback":
        return (*GRID_STAFF, "county")
    if action == "reopen":
        return ("secretary", "community", "street", "county")
    if action == "rate":
        return (RATER,)
    if action in REARRANGING:
        return REARRANGERS.get(level, ()) if status not in FINISHED else ()
    return ()


# Every level and status the table knows, for readers and tests.
ROLES: Mapping[str, Mapping[tuple[str, str], tuple[str, ...]]] = {
    action: {pair: allowed_roles(action, *pair) for pair in table} for action, table in TRANSITIONS.items()
}


# Who takes an action: an account at work, its role and the places that scope it.
Actor = Principal


@dataclass(frozen=True)
class Request:
    action: str
    note: str = ""
    department: str = ""
    risk_level: str = ""
    rating: int = 0
    result: str = ""
    into: str = ""  # merge: the case this one is merged into
    event_ids: tuple[str, ...] = ()  # split: the events that leave for a case of their own
    satisfaction: str = ""  # rate: satisfied | basically_satisfied | unsatisfied
    channel: str = ""  # rate: account | link


class Refused(Exception):
    """An action the case or the caller does not allow; ``kind`` picks the answer."""

    def __init__(self, kind: str, reason: str, field_name: str = "") -> None:
        super().__init__(reason)
        self.kind = kind  # invalid | not_found | state | role
        self.reason = reason
        self.field = field_name


@dataclass
class Transition:
    """What an allowed action changes: the fields to set and the timeline entry."""

    action: str
    from_status: str
    from_level: str
    to_status: str
    to_level: str
    set: dict[str, Any] = field(default_factory=dict)
    entry: dict[str, Any] = field(default_factory=dict)

    @property
    def change(self) -> str:
        """The case-change kind published on ``gridfusion.cases.<grid_id>.<change>``."""
        if self.action == "rate" and self.to_status == "reopened":
            return "reopened"
        return CHANGE_OF[self.action]


# The case-change kind of each action (and of fusion's own moves).
CHANGE_OF = {
    "accept": "accepted", "resolve_on_site": "resolved", "escalate": "escalated", "assess": "assessed",
    "hand_over": "handed_over", "report_result": "result_reported", "close": "closed", "feedback": "rated",
    "reopen": "reopened", "overdue": "overdue", "merge": "merged", "split": "split", "rate": "rated",
}
CHANGES = ("opened", "updated", *CHANGE_OF.values())


def _check_arguments(request: Request) -> None:
    action = request.action
    if len(request.note) > MAX_NOTE:
        raise Refused("invalid", f"note is longer than {MAX_NOTE} characters", "note")
    if action == "assess" and request.risk_level not in RISK_LEVELS:
        raise Refused("invalid", f"assess needs risk_level, one of {', '.join(RISK_LEVELS)}", "risk_level")
    if action == "hand_over" and request.department not in DEPARTMENTS:
        raise Refused("invalid", f"hand_over needs department, one of {', '.join(DEPARTMENTS)}", "department")
    if action == "report_result" and not request.result.strip():
        raise Refused("invalid", "report_result needs the handling result", "result")
    if len(request.result) > MAX_NOTE:
        raise Refused("invalid", f"result is longer than {MAX_NOTE} characters", "result")
    if action == "rate" and request.satisfaction not in SATISFACTION:
        raise Refused("invalid", f"rate needs satisfaction, one of {', '.join(SATISFACTION)}", "satisfaction")
    if action == "rate" and request.channel not in RATING_CHANNELS:
        raise Refused("invalid", f"rate needs channel, one of {', '.join(RATING_CHANNELS)}", "channel")
    if action == "feedback" and request.rating not in RATINGS:
        raise Refused("invalid", "feedback needs rating, an integer from 1 to 5", "rating")
    if action in ("resolve_on_site", "reopen") and not request.note.strip():
        raise Refused("invalid", f"{action} needs a note saying {'what was done' if action == 'resolve_on_site' else 'why'}", "note")
    if action == "merge" and not request.into.strip():
        raise Refused("invalid", "merge needs into, the id of the case to merge this one into", "into")
    if action == "split" and not request.event_ids:
        raise Refused("invalid", "split needs event_ids, the events that leave for a case of their own", "event_ids")
    if action == "split" and len(request.event_ids) > SPLIT_MAX:
        raise Refused("invalid", f"split takes at most {SPLIT_MAX} events", "event_ids")


def refusal(case: Mapping[str, Any], action: str, actor: Actor) -> Refused | None:
    """Why ``actor`` may not take ``action`` on ``case`` now, or None: scope, then state, then role."""
    if action == "rate":
        return _rating_refusal(case, actor)
    if not sees_case(actor, case):
        return Refused("not_found", f"no case {case.get('_id', '')!r} in your scope")
    status, level = case["status"], case["level"]
    if action in REARRANGING:
        return _rearranging_refusal(case, action, actor)
    if (status, level) not in TRANSITIONS[action]:
        allowed = sorted({a for a, table in TRANSITIONS.items() if (status, level) in table})
        return Refused(
            "state",
            f"cannot {action} a case that is {status} at {level} level; "
            f"allowed now: {', '.join(allowed) if allowed else 'nothing'}",
        )
    roles = allowed_roles(action, status, level)
    if actor.role not in roles:
        return Refused("role", f"role {actor.role!r} may not {action} a case {status} at {level} level; allowed: {', '.join(roles)}")
    if action == "report_result" and actor.department != case.get("handed_to"):
        return Refused("role", f"the case is handed to {case.get('handed_to')!r}, not to {actor.department!r}")
    if action == "feedback" and case.get("rating"):
        return Refused("state", "the resident's feedback on this closure is already recorded")
    return None


def _rating_refusal(case: Mapping[str, Any], actor: Actor) -> Refused | None:
    """Only the resident rates (no scope: see the module's docstring): a closed case, once per closure."""
    if actor.role != RATER:
        return Refused("role", f"role {actor.role!r} may not rate a case: only the reporting resident rates a closure")
    status, level = case["status"], case["level"]
    if (status, level) not in TRANSITIONS["rate"]:
        return Refused("state", f"only a closed case can be rated; this one is {status} at {level} level")
    if case.get("satisfaction"):
        return Refused("state", "this closure is already rated")
    return None


def _rearranging_refusal(case: Mapping[str, Any], action: str, actor: Actor) -> Refused | None:
    status, level = case["status"], case["level"]
    if status in FINISHED:
        return Refused("state", f"cannot {action} a case that is {status}: only an open case can take {action}")
    roles = REARRANGERS.get(level, ())
    if actor.role not in roles:
        return Refused("role", f"role {actor.role!r} may not {action} a case at {level} level; allowed: {', '.join(roles)}")
    return None


def available_actions(case: Mapping[str, Any], actor: Actor) -> tuple[str, ...]:
    """The actions ``actor`` may take on ``case`` now — what a dashboard offers, from the same table
    (split only when the case has more than one event: one must stay)."""
    return tuple(a for a in ACTIONS if refusal(case, a, actor) is None
                 and (a != "split" or len(case.get("event_ids", ())) > 1))


def decide(case: Mapping[str, Any], request: Request, actor: Actor, now: datetime) -> Transition:
    """Whether ``actor`` may take ``request`` on ``case`` now, and what it changes.

    Checks in this order, so the answer names the first thing wrong: the action exists (invalid),
    the case is in the actor's scope (not_found), the case's state allows the action (state), the
    actor's role does (role), the action carries what it needs (invalid).
    """
    action = request.action
    if action not in TRANSITIONS and action not in REARRANGING:
        raise Refused("invalid", f"unknown action {action!r}; one of {', '.join(ACTIONS)}", "action")
    refused = refusal(case, action, actor)
    if refused is not None:
        raise refused
    _check_arguments(request)
    status, level = case["status"], case["level"]
    if action in REARRANGING:
        return _rearranging(case, request, actor, now)
    step = TRANSITIONS[action][(status, level)]
    if action == "rate" and request.satisfaction == UNSATISFIED:
        step = UNSATISFIED_STEP[(status, level)]

    family = case["family"]
    sets: dict[str, Any] = {"status": step.to_status, "level": step.to_level, "updated_at": now}
    entry: dict[str, Any] = {
        "at": now, "action": action, "actor": actor.username, "role": actor.role,
        "from_status": status, "to_status": step.to_status, "from_level": level, "level": step.to_level,
        "note": request.note.strip(),
    }
    if step.to_level != level or step.to_status == "reopened":
        sets["level_started_at"] = now
        sets["due_at"] = now + level_deadline(step.to_level, family, case.get("risk_level", ""))
        sets["overdue"] = False
    if action == "assess":
        sets["risk_level"] = entry["risk_level"] = request.risk_level
    elif action == "hand_over":
        sets["handed_to"] = entry["department"] = request.department
        sets["due_at"] = now + level_deadline("department", family, case.get("risk_level", ""))
    elif action == "report_result":
        sets["result"] = entry["result"] = request.result.strip()
    elif action == "feedback":
        sets["rating"] = entry["rating"] = request.rating
    elif action == "rate":
        entry["satisfaction"], entry["channel"] = request.satisfaction, request.channel
        sets["satisfaction"] = request.satisfaction
    if step.to_status == "reopened":
        sets.update(rating=0, satisfaction="", closed_at=None, handed_to="", result="")
    if step.to_status in FINISHED:
        sets["due_at"] = None
        sets["overdue"] = False
    if action == "close":
        sets["closed_at"] = now
    return Transition(action, status, level, step.to_status, step.to_level, sets, entry)


def _rearranging(case: Mapping[str, Any], request: Request, actor: Actor, now: datetime) -> Transition:
    """What a merge or split changes on the case it is taken on (the other case's side, the events
    and the new case are :mod:`.merging`'s): a merge closes it as ``merged`` with no deadline and
    keeps where it stood (``before_merge``) for a split that restores it; a split leaves its status
    and level alone."""
    action, status, level = request.action, case["status"], case["level"]
    entry: dict[str, Any] = {
        "at": now, "action": action, "actor": actor.username, "role": actor.role,
        "from_status": status, "from_level": level, "level": level, "note": request.note.strip(),
    }
    if action == "split":
        entry["to_status"] = status
        return Transition(action, status, level, status, level, {"updated_at": now}, entry)
    into = request.into.strip()
    if into == case.get("_id"):
        raise Refused("invalid", "a case cannot be merged into itself", "into")
    entry.update(to_status="merged", other_case_id=into)
    before = {name: case.get(name) for name in ("status", "level", "level_started_at", "due_at", "overdue")}
    sets = {"status": "merged", "updated_at": now, "merged_into": into, "due_at": None, "overdue": False,
            "before_merge": before, "possible_duplicates": []}
    return Transition(action, status, level, "merged", level, sets, entry)


def level_deadline(level: str, family: str, risk_level: str = "") -> timedelta:
    """The time a case has at a level (the one table is :mod:`.deadlines`)."""
    return deadline(level, family, risk_level)


ESCALATES_TO = {"grid": "community", "community": "street"}


def auto_escalation(case: Mapping[str, Any], now: datetime) -> Transition | None:
    """What the deadline does to a case now: escalate one level, mark it overdue, or nothing."""
    status, level, due = case["status"], case["level"], case.get("due_at")
    if due is None or due > now or status in FINISHED or case.get("overdue"):
        return None
    allowed = level_deadline(level, case["family"], case.get("risk_level", ""))
    base = {"at": now, "actor": SYSTEM_ACTOR, "role": SYSTEM_ROLE, "from_status": status, "from_level": level}
    if level in ESCALATES_TO:
        to_level = ESCALATES_TO[level]
        note = (
            f"overdue: {_hours(allowed)} allowed at {level} level for {case['family']} passed at "
            f"{due.isoformat()}; escalated automatically to {to_level}"
        )
        return Transition(
            "escalate", status, level, "escalated", to_level,
            {"status": "escalated", "level": to_level, "updated_at": now, "level_started_at": now,
             "due_at": now + level_deadline(to_level, case["family"]), "overdue": False},
            {**base, "action": "escalate", "to_status": "escalated", "level": to_level, "note": note, "automatic": True},
        )
    whom = f"department {case.get('handed_to')}" if level == "department" else "the street centre"
    note = (
        f"overdue: {_hours(allowed)} allowed at {level} level for {case['family']} passed at {due.isoformat()}; "
        f"no level above, {whom} is reminded and the county supervises (督办)"
    )
    return Transition(
        "overdue", status, level, status, level,
        {"overdue": True, "updated_at": now},
        {**base, "action": "overdue", "to_status": status, "level": level, "note": note, "automatic": True},
    )


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:g} h"
