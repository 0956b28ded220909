"""The closed loop's state machine: every allowed and every refused transition."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.fusion import workflow
from services.fusion.deadlines import DEADLINES
from services.fusion.workflow import Actor, Refused, Request, auto_escalation, decide
from services.platform.scope import case_query, sees_case
from services.platform.vocabulary import ACTIONS, LEVELS, STATUSES

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
GRID, COMMUNITY, STREET = "370921001001001", "370921001001", "370921001"

# The specification, written out independently of the module: action → "status/level" → roles.
GS = ("secretary", "worker")
EXPECTED: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    "accept": {
        "reported/grid": ("accepted/grid", GS),
        "reopened/grid": ("accepted/grid", GS),
        "escalated/community": ("accepted/community", ("community",)),
        "reopened/community": ("accepted/community", ("community",)),
        "escalated/street": ("accepted/street", ("street",)),
        "reopened/street": ("accepted/street", ("street",)),
    },
    "resolve_on_site": {
        "reported/grid": ("resolved/grid", GS),
        "reopened/grid": ("resolved/grid", GS),
        "accepted/grid": ("resolved/grid", GS),
        "escalated/community": ("resolved/community", ("community",)),
        "reopened/community": ("resolved/community", ("community",)),
        "accepted/community": ("resolved/community", ("community",)),
        "accepted/street": ("resolved/street", ("street",)),
        "assessed/street": ("resolved/street", ("street",)),
    },
    "escalate": {
        "reported/grid": ("escalated/community", (*GS, "county")),
        "reopened/grid": ("escalated/community", (*GS, "county")),
        "accepted/grid": ("escalated/community", (*GS, "county")),
        "escalated/community": ("escalated/street", ("community", "county")),
        "reopened/community": ("escalated/street", ("community", "county")),
        "accepted/community": ("escalated/street", ("community", "county")),
    },
    "assess": {
        "escalated/street": ("assessed/street", ("street", "county")),
        "reopened/street": ("assessed/street", ("street", "county")),
        "accepted/street": ("assessed/street", ("street", "county")),
        "assessed/street": ("assessed/street", ("street", "county")),
    },
    "hand_over": {
        "assessed/street": ("handed_over/department", ("street", "county")),
        "result_reported/street": ("handed_over/department", ("street", "county")),
    },
    "report_result": {
        "handed_over/department": ("result_reported/street", ("department",)),
    },
    "close": {
        "resolved/grid": ("closed/grid", ("secretary", "county")),
        "resolved/community": ("closed/community", ("community", "county")),
        "resolved/street": ("closed/street", ("street", "county")),
        "result_reported/street": ("closed/street", ("street", "county")),
    },
    "feedback": {
        "closed/grid": ("closed/grid", (*GS, "county")),
        "closed/community": ("closed/community", (*GS, "county")),
        "closed/street": ("closed/street", (*GS, "county")),
    },
    "reopen": {
        "closed/grid": ("reopened/grid", ("secretary", "community", "street", "county")),
        "closed/community": ("reopened/grid", ("secretary", "community", "street", "county")),
        "closed/street": ("reopened/grid", ("secretary", "community", "street", "county")),
    },
    # The resident's own rating; satisfied keeps the case closed (unsatisfied: test_rating_*).
    "rate": {
        "closed/grid": ("closed/grid", ("resident",)),
        "closed/community": ("closed/community", ("resident",)),
        "closed/street": ("closed/street", ("resident",)),
    },
}
ROLES = ("county", "street", "community", "secretary", "worker", "department")
PAIRS = [
    (status, level)
    for status in STATUSES
    for level in LEVELS
]
ARGS = {
    "assess": {"risk_level": "high"},
    "hand_over": {"department": "civil_affairs"},
    "report_result": {"result": "已发放临时救助"},
    "feedback": {"rating": 5},
    "resolve_on_site": {"note": "当场调解"},
    "reopen": {"note": "居民不满意"},
    "merge": {"into": "C2"},
    "split": {"event_ids": ("petition:e1",)},
}


def actor(role: str) -> Actor:
    scope = {
        "county": {},
        "street": {"street_id": STREET},
        "community": {"street_id": STREET, "community_id": COMMUNITY},
        "secretary": {"street_id": STREET, "community_id": COMMUNITY, "grid_id": GRID},
        "worker": {"street_id": STREET, "community_id": COMMUNITY, "grid_id": GRID},
        "department": {"department": "civil_affairs"},
    }[role]
    return Actor(username=f"{role}-user", role=role, **scope)


def case(status: str = "reported", level: str = "grid", **extra) -> dict:
    doc = {
        "_id": "C1", "grid_id": GRID, "community_id": COMMUNITY, "street_id": STREET, "family": "dispute",
        "status": status, "level": level, "departments": ["petition", "civil_affairs"], "handed_to": "", "risk_level": "",
        "rating": 0, "due_at": NOW + timedelta(hours=1), "version": 3,
        "event_ids": ["petition:e1", "civil_affairs:e2"],
    }
    if level == "department" or status == "result_reported":
        doc["handed_to"] = "civil_affairs"
    doc.update(extra)
    return doc


def test_the_module_table_is_the_specification() -> None:
    got = {
        action: {f"{s}/{lv}": (f"{step.to_status}/{step.to_level}", workflow.allowed_roles(action, s, lv))
                 for (s, lv), step in table.items()}
        for action, table in workflow.TRANSITIONS.items()
    }
    assert got == EXPECTED


@pytest.mark.parametrize("action", [a for a in workflow.TRANSITIONS if a != "rate"])
@pytest.mark.parametrize("status,level", PAIRS)
def test_every_transition_is_allowed_or_refused_with_its_reason(action: str, status: str, level: str) -> None:
    """Each action on each status and level, by each role (54 pairs of state × 9 actions × 6 roles)."""
    spec = EXPECTED[action].get(f"{status}/{level}")
    request = Request(action, **ARGS.get(action, {}))
    doc = case(status, level)
    for role in ROLES:
        if role == "department" and (status, level) != ("handed_over", "department"):
            # A department sees a case only while it is handed to it; before and after, not at all.
            with pytest.raises(Refused) as refused:
                decide(doc, request, actor(role), NOW)
            assert refused.value.kind == "not_found", (status, level)
            continue
        if spec is None:
            with pytest.raises(Refused) as refused:
                decide(doc, request, actor(role), NOW)
            assert refused.value.kind == "state", role
            assert f"cannot {action} a case that is {status} at {level} level" in refused.value.reason
            continue
        target, roles = spec
        if role not in roles:
            with pytest.raises(Refused) as refused:
                decide(doc, request, actor(role), NOW)
            assert refused.value.kind == "role", role
            assert f"role {role!r} may not {action}" in refused.value.reason
            assert all(r in refused.value.reason for r in roles)
            continue
        t = decide(doc, request, actor(role), NOW)
        assert f"{t.to_status}/{t.to_level}" == target
        assert (t.set["status"], t.set["level"]) == tuple(target.split("/"))
        entry = t.entry
        assert (entry["action"], entry["actor"], entry["role"], entry["at"]) == (action, f"{role}-user", role, NOW)
        assert (entry["from_status"], entry["from_level"], entry["to_status"], entry["level"]) == (
            status, level, *target.split("/"))


def test_state_refusal_names_what_is_allowed_now() -> None:
    with pytest.raises(Refused) as refused:
        decide(case("closed", "grid"), Request("accept"), actor("secretary"), NOW)
    assert refused.value.reason.endswith("allowed now: feedback, rate, reopen")
    with pytest.raises(Refused) as refused:
        decide(case("escalated", "street"), Request("escalate"), actor("street"), NOW)
    assert "allowed now: accept, assess" in refused.value.reason


def test_unknown_action_is_invalid_and_names_the_field() -> None:
    with pytest.raises(Refused) as refused:
        decide(case(), Request("approve"), actor("county"), NOW)
    assert (refused.value.kind, refused.value.field) == ("invalid", "action")


@pytest.mark.parametrize(
    "status,level,action,args,field",
    [
        ("accepted", "street", "assess", {}, "risk_level"),
        ("accepted", "street", "assess", {"risk_level": "extreme"}, "risk_level"),
        ("assessed", "street", "hand_over", {}, "department"),
        ("assessed", "street", "hand_over", {"department": "fire_brigade"}, "department"),
        ("handed_over", "department", "report_result", {"result": "  "}, "result"),
        ("closed", "grid", "feedback", {}, "rating"),
        ("closed", "grid", "feedback", {"rating": 6}, "rating"),
        ("accepted", "grid", "resolve_on_site", {}, "note"),
        ("closed", "grid", "reopen", {}, "note"),
        ("reported", "grid", "accept", {"note": "x" * 2001}, "note"),
    ],
)
def test_missing_or_bad_arguments_name_the_field(status, level, action, args, field) -> None:
    role = {"assess": "street", "hand_over": "street", "report_result": "department"}.get(action, "secretary")
    with pytest.raises(Refused) as refused:
        decide(case(status, level), Request(action, **args), actor(role), NOW)
    assert (refused.value.kind, refused.value.field) == ("invalid", field)


@pytest.mark.parametrize(
    "who",
    [
        Actor("sec-other", "secretary", grid_id="370921001001002", community_id=COMMUNITY, street_id=STREET),
        Actor("worker-other", "worker", grid_id="370921002001001"),
        Actor("community-other", "community", community_id="370921001002", street_id=STREET),
        Actor("street-other", "street", street_id="370921002"),
        Actor("dept-legal", "department", department="legal_aid"),
        Actor("nobody", "resident"),
    ],
)
def test_out_of_scope_actors_do_not_see_the_case(who: Actor) -> None:
    with pytest.raises(Refused) as refused:
        decide(case(), Request("accept"), who, NOW)
    assert refused.value.kind == "not_found"


def test_only_the_department_handed_to_reports_the_result() -> None:
    doc = case("handed_over", "department", departments=["civil_affairs", "petition"])
    other = Actor("dept-petition", "department", department="petition")
    with pytest.raises(Refused) as refused:
        decide(doc, Request("report_result", result="done"), other, NOW)
    # Having contributed an event, petition still does not see a case handed to civil affairs.
    assert refused.value.kind == "not_found"


def test_finding_10_a_department_sees_a_case_only_while_it_is_handed_to_it() -> None:
    civil = Actor("dept-civil", "department", department="civil_affairs")
    assert sees_case(civil, case("handed_over", "department"))
    assert not sees_case(civil, case("result_reported", "street"))  # its result is in: no longer its case
    assert not sees_case(civil, case("closed", "street", handed_to="civil_affairs"))
    assert not sees_case(civil, case("reported", "grid"))  # it contributed an event only
    assert not sees_case(Actor("dept-none", "department"), case("handed_over", "department", handed_to=""))
    assert case_query(civil) == {
        "handed_to": "civil_affairs", "status": "handed_over", "level": "department"}


def test_feedback_once_per_closure_and_reopen_clears_it() -> None:
    rated = case("closed", "grid", rating=4, closed_at=NOW)
    with pytest.raises(Refused) as refused:
        decide(rated, Request("feedback", rating=2), actor("worker"), NOW)
    assert refused.value.kind == "state" and "already recorded" in refused.value.reason
    t = decide(rated, Request("reopen", note="居民反映问题复发"), actor("secretary"), NOW)
    assert t.set["rating"] == 0 and t.set["closed_at"] is None and t.set["level"] == "grid"
    assert t.set["due_at"] == NOW + DEADLINES["grid"]["dispute"]


def test_deadlines_follow_the_level_and_stop_when_finished() -> None:
    t = decide(case("reported", "grid"), Request("escalate"), actor("worker"), NOW)
    assert t.set["due_at"] == NOW + DEADLINES["community"]["dispute"] and t.set["level_started_at"] == NOW
    t = decide(case("reported", "grid"), Request("accept"), actor("worker"), NOW)
    assert "due_at" not in t.set  # the grid's clock keeps running
    t = decide(case("accepted", "grid"), Request("resolve_on_site", note="调解成功"), actor("worker"), NOW)
    assert t.set["due_at"] is None
    t = decide(case("result_reported", "street"), Request("close"), actor("street"), NOW)
    assert t.set["closed_at"] == NOW and t.set["due_at"] is None


@pytest.mark.parametrize("risk,factor", [("low", 1.0), ("medium", 1.0), ("high", 0.5), ("critical", 0.25)])
def test_tiered_hand_over_gives_less_time_for_higher_risk(risk: str, factor: float) -> None:
    t = decide(case("assessed", "street", risk_level=risk), Request("hand_over", department="civil_affairs"),
               actor("street"), NOW)
    assert t.set["handed_to"] == "civil_affairs"
    assert t.set["due_at"] == NOW + DEADLINES["department"]["dispute"] * factor
    assert t.change == "handed_over"


def test_automatic_escalation_through_all_levels() -> None:
    doc = case("reported", "grid", family="safety_hazard", due_at=NOW + DEADLINES["grid"]["safety_hazard"])
    now = NOW
    assert auto_escalation(doc, now) is None  # not yet due
    now = doc["due_at"]
    t = auto_escalation(doc, now)
    assert (t.to_status, t.to_level, t.action) == ("escalated", "community", "escalate")
    assert t.entry["role"] == "system" and t.entry["automatic"] and "escalated automatically" in t.entry["note"]
    assert t.set["due_at"] == now + DEADLINES["community"]["safety_hazard"]
    doc.update(t.set)
    assert auto_escalation(doc, now + timedelta(hours=1)) is None
    now = doc["due_at"] + timedelta(seconds=1)
    t = auto_escalation(doc, now)
    assert (t.to_status, t.to_level) == ("escalated", "street")
    doc.update(t.set)
    now = doc["due_at"]
    t = auto_escalation(doc, now)
    assert (t.action, t.to_status, t.to_level) == ("overdue", "escalated", "street")
    assert t.set["overdue"] is True and "督办" in t.entry["note"]
    doc.update(t.set)
    assert auto_escalation(doc, now + timedelta(days=30)) is None  # marked once


def test_overdue_at_department_reminds_that_department() -> None:
    doc = case("handed_over", "department", due_at=NOW)
    t = auto_escalation(doc, NOW)
    assert t.action == "overdue" and "department civil_affairs" in t.entry["note"]


@pytest.mark.parametrize("status", ["resolved", "closed"])
def test_finished_cases_never_escalate(status: str) -> None:
    assert auto_escalation(case(status, "grid", due_at=NOW - timedelta(days=1)), NOW) is None


def test_the_deadline_table_covers_every_level_and_family_and_grows_upwards() -> None:
    from services.platform.vocabulary import FAMILIES

    assert set(DEADLINES) == set(LEVELS)
    for level in LEVELS:
        assert set(DEADLINES[level]) == set(FAMILIES), level
    for family in FAMILIES:
        times = [DEADLINES[level][family] for level in ("grid", "community", "street")]
        assert times == sorted(times) and times[0] > timedelta(0), family


@pytest.mark.parametrize("status,level", PAIRS)
def test_available_actions_are_exactly_the_ones_decide_accepts(status: str, level: str) -> None:
    """What the dashboard offers a role is what the closed loop would accept from it."""
    doc = case(status, level)
    for role in ROLES:
        who = actor(role)
        expected = []
        for action in ACTIONS:
            try:
                decide(doc, Request(action, **ARGS.get(action, {})), who, NOW)
            except Refused:
                continue
            expected.append(action)
        assert list(workflow.available_actions(doc, who)) == expected, (status, level, role)
    # Outside the actor's scope nothing is offered.
    stranger = Actor(username="sec-other", role="secretary", street_id=STREET, community_id=COMMUNITY, grid_id="370921001001002")
    assert workflow.available_actions(doc, stranger) == ()


def test_a_secretary_is_offered_the_grid_level_steps_of_a_reported_case() -> None:
    assert workflow.available_actions(case("reported", "grid"), actor("secretary")) == (
        "accept", "resolve_on_site", "escalate", "merge", "split")
    assert workflow.available_actions(case("closed", "grid", rating=4), actor("secretary")) == ("reopen",)


# -- merge and split: who may, on what -------------------------------------------------------------

# Written out independently of the module: level → the roles that may merge or split there.
REARRANGERS = {
    "grid": ("secretary", "worker", "community", "street", "county"),
    "community": ("community", "street", "county"),
    "street": ("street", "county"),
    "department": ("street", "county"),
}


@pytest.mark.parametrize("action", ["merge", "split"])
@pytest.mark.parametrize("status,level", PAIRS)
def test_merge_and_split_by_the_holder_and_the_levels_above_on_open_cases(action: str, status: str, level: str) -> None:
    doc = case(status, level)
    for role in ROLES:
        who = actor(role)
        if not sees_case(who, doc):
            with pytest.raises(Refused) as refused:
                decide(doc, Request(action, **ARGS[action]), who, NOW)
            assert refused.value.kind == "not_found"
            continue
        if status in ("resolved", "closed", "merged"):
            with pytest.raises(Refused) as refused:
                decide(doc, Request(action, **ARGS[action]), who, NOW)
            assert refused.value.kind == "state" and f"cannot {action} a case that is {status}" in refused.value.reason
            continue
        if role not in REARRANGERS[level]:
            with pytest.raises(Refused) as refused:
                decide(doc, Request(action, **ARGS[action]), who, NOW)
            assert refused.value.kind == "role" and f"may not {action} a case at {level} level" in refused.value.reason
            continue
        t = decide(doc, Request(action, **ARGS[action], note="同一事件"), who, NOW)
        assert t.change == {"merge": "merged", "split": "split"}[action]
        assert (t.entry["action"], t.entry["actor"], t.entry["role"], t.entry["note"]) == (action, f"{role}-user", role, "同一事件")
        assert workflow.allowed_roles(action, status, level) == REARRANGERS[level]


def test_a_merge_closes_the_case_as_merged_keeping_where_it_stood() -> None:
    doc = case("escalated", "community", level_started_at=NOW - timedelta(hours=2))
    t = decide(doc, Request("merge", into="C9"), actor("community"), NOW)
    assert (t.to_status, t.to_level) == ("merged", "community")
    assert t.set["status"] == "merged" and t.set["merged_into"] == "C9" and t.set["due_at"] is None
    assert t.set["before_merge"] == {"status": "escalated", "level": "community", "overdue": None,
                                     "level_started_at": NOW - timedelta(hours=2), "due_at": NOW + timedelta(hours=1)}
    assert t.entry["other_case_id"] == "C9" and t.entry["to_status"] == "merged"
    # Split leaves the status and level alone (the events and the new case are merging's).
    t = decide(doc, Request("split", event_ids=("e1",)), actor("community"), NOW)
    assert (t.to_status, t.to_level) == ("escalated", "community") and "status" not in t.set


@pytest.mark.parametrize(
    "action,args,field",
    [
        ("merge", {}, "into"),
        ("merge", {"into": "  "}, "into"),
        ("merge", {"into": "C1"}, "into"),  # into itself
        ("split", {}, "event_ids"),
        ("split", {"event_ids": tuple(f"e{i}" for i in range(1001))}, "event_ids"),
    ],
)
def test_merge_and_split_name_a_missing_or_bad_field(action: str, args: dict, field: str) -> None:
    with pytest.raises(Refused) as refused:
        decide(case(), Request(action, **args), actor("secretary"), NOW)
    assert (refused.value.kind, refused.value.field) == ("invalid", field)


def test_split_is_offered_only_when_an_event_can_stay() -> None:
    assert "split" not in workflow.available_actions(case(event_ids=["petition:e1"]), actor("street"))
    assert "split" in workflow.available_actions(case(), actor("street"))
    assert workflow.available_actions(case("handed_over", "department"), actor("department")) == ("report_result",)
    assert workflow.available_actions(case("merged", "grid"), actor("county")) == ()
    assert {"merge", "split"} <= set(workflow.available_actions(case("handed_over", "department"), actor("street")))


RESIDENT = Actor("resident-13800000000", "resident")


@pytest.mark.parametrize("status,level", PAIRS)
def test_only_the_resident_rates_and_only_a_closed_case(status: str, level: str) -> None:
    """Every status and level: staff of every role are refused (not even the county rates for the
    resident); the resident rates a closed case and nothing else."""
    request = Request("rate", satisfaction="satisfied", channel="link")
    doc = case(status, level)
    for role in ROLES:
        with pytest.raises(Refused) as refused:
            decide(doc, request, actor(role), NOW)
        assert refused.value.kind == "role" and "only the reporting resident" in refused.value.reason
    if status != "closed" or level == "department":
        with pytest.raises(Refused) as refused:
            decide(doc, request, RESIDENT, NOW)
        assert refused.value.kind == "state" and "only a closed case can be rated" in refused.value.reason
        return
    t = decide(doc, request, RESIDENT, NOW)
    assert (t.to_status, t.to_level, t.change) == ("closed", level, "rated")
    assert t.set["satisfaction"] == "satisfied"
    assert (t.entry["satisfaction"], t.entry["channel"], t.entry["role"]) == ("satisfied", "link", "resident")


@pytest.mark.parametrize("level", ["grid", "community", "street"])
def test_an_unsatisfied_rating_reopens_the_case_at_the_level_that_closed_it(level: str) -> None:
    doc = case("closed", level, closed_at=NOW - timedelta(days=1), rating=4, handed_to="civil_affairs", result="已办结")
    t = decide(doc, Request("rate", satisfaction="unsatisfied", note="问题没有解决", channel="account"), RESIDENT, NOW)
    assert (t.to_status, t.to_level, t.change) == ("reopened", level, "reopened")
    assert t.set["satisfaction"] == "" and t.set["rating"] == 0 and t.set["closed_at"] is None
    assert t.set["handed_to"] == "" and t.set["result"] == ""
    assert t.set["due_at"] == NOW + DEADLINES[level]["dispute"] and t.set["level_started_at"] == NOW
    assert (t.entry["satisfaction"], t.entry["note"]) == ("unsatisfied", "问题没有解决")
    # The holder of that level takes it up again.
    holder = {"grid": "worker", "community": "community", "street": "street"}[level]
    reopened = {**doc, **t.set}
    assert "accept" in workflow.available_actions(reopened, actor(holder))


def test_a_closure_is_rated_once_and_a_reopen_lets_the_next_be_rated() -> None:
    rated = case("closed", "grid", satisfaction="basically_satisfied")
    with pytest.raises(Refused) as refused:
        decide(rated, Request("rate", satisfaction="satisfied", channel="link"), RESIDENT, NOW)
    assert refused.value.kind == "state" and "already rated" in refused.value.reason
    t = decide(rated, Request("reopen", note="复发"), actor("secretary"), NOW)
    assert t.set["satisfaction"] == ""


@pytest.mark.parametrize("args,field", [({}, "satisfaction"), ({"satisfaction": "happy"}, "satisfaction"),
                                        ({"satisfaction": "satisfied"}, "channel")])
def test_a_rating_names_a_missing_or_bad_field(args: dict, field: str) -> None:
    with pytest.raises(Refused) as refused:
        decide(case("closed", "grid"), Request("rate", **args), RESIDENT, NOW)
    assert (refused.value.kind, refused.value.field) == ("invalid", field)
