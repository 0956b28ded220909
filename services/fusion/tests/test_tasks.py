"""Tasks from above (专项行动), the rules: targets expand to grids and items, an open item past
the due time is overdue, and who may dispatch, see, report and end a task."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.fusion.refused import Refused
from services.fusion.tasks import (
    Item,
    dispatch_refusal,
    dispatcher_of,
    expand_targets,
    is_overdue,
    make_items,
    may_end,
    progress,
    report_refusal,
    sees_grid_part,
    sees_task,
    task_query,
)
from services.platform.scope import Principal, ScopeRefused
from services.reference import build_county

pytestmark = pytest.mark.unit

GRIDS = {"G11": ("C1", "S1"), "G12": ("C1", "S1"), "G21": ("C2", "S1"), "G31": ("C3", "S2")}
NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def test_an_area_expands_to_its_grids_and_a_list_to_itself():
    assert [g for g, _, _ in expand_targets(GRIDS, [], "street:S1")] == ["G11", "G12", "G21"]
    assert [g for g, _, _ in expand_targets(GRIDS, [], "community:C1")] == ["G11", "G12"]
    assert [g for g, _, _ in expand_targets(GRIDS, [], "county")] == ["G11", "G12", "G21", "G31"]
    assert expand_targets(GRIDS, ["G31", "G11", "G31"], "") == [
        ("G11", "C1", "S1"),
        ("G31", "C3", "S2"),
    ]


@pytest.mark.parametrize(
    ("grid_ids", "area", "named"),
    [
        ([], "", "grid_ids or area"),
        (["G11"], "county", "grid_ids or area"),
        (["G11", "G99"], "", "G99"),
        ([], "street:S9", "no street 'S9'"),
        ([], "grid:G11", "area: county, street"),
        ([], "street:", "area:"),
    ],
)
def test_targets_that_are_not_grids_are_refused_naming_the_problem(grid_ids, area, named):
    with pytest.raises(Refused) as refused:
        expand_targets(GRIDS, grid_ids, area)
    assert refused.value.kind == "invalid" and named in str(refused.value)


def test_items_are_named_single_or_one_per_compound_of_the_grid_from_the_reference_data():
    county = build_county()
    grid = next(
        g for g in county.grids if sum(c.grid_id == g.grid_id for c in county.compounds) >= 3
    )
    compounds = sorted(
        (c.compound_id, c.name) for c in county.compounds if c.grid_id == grid.grid_id
    )
    targets = [(grid.grid_id, grid.community_id, grid.street_id), ("G-empty", "C", "S")]
    sources = {"compound": {grid.grid_id: compounds}}
    items = make_items(targets, "compound", [], sources, "消防安全排查")
    mine = [i for i in items if i["grid_id"] == grid.grid_id]
    assert [(i["ref"], i["name"]) for i in mine] == compounds
    assert [i["item_id"] for i in mine] == [
        f"{grid.grid_id}-{n}" for n in range(1, len(compounds) + 1)
    ]
    # a grid without compounds gets one item for the whole grid
    assert [(i["name"], i["ref"]) for i in items if i["grid_id"] == "G-empty"] == [
        ("消防安全排查", "")
    ]
    named = make_items(targets, "named", [" 灭火器 ", "消防通道"], sources, "t")
    assert [i["name"] for i in named] == ["灭火器", "消防通道"] * 2 and {
        i["status"] for i in named
    } == {"open"}
    assert len(make_items(targets, "single", [], sources, "t")) == 2


@pytest.mark.parametrize(
    ("items_from", "names", "named"),
    [
        ("named", [], "item_names"),
        ("named", ["a", "a"], "twice"),
        ("single", ["a"], "only with"),
        ("households", [], "items_from"),
    ],
)
def test_bad_item_specifications_are_refused(items_from, names, named):
    with pytest.raises(Refused) as refused:
        make_items([("G11", "C1", "S1")], items_from, names, {}, "t")
    assert refused.value.kind == "invalid" and named in str(refused.value)


def test_an_item_open_after_the_due_time_is_overdue_unless_the_task_was_cancelled():
    due = NOW - timedelta(hours=1)
    assert is_overdue("open", "open", due, NOW) and is_overdue("open", "closed", due, NOW)
    assert not is_overdue("done", "open", due, NOW) and not is_overdue("problem", "open", due, NOW)
    assert not is_overdue("open", "cancelled", due, NOW)
    assert not is_overdue("open", "open", NOW + timedelta(minutes=1), NOW)


def test_completion_is_counted_per_grid():
    items = [
        Item("G11-1", "G11", "a", status="done"),
        Item("G11-2", "G11", "b", status="problem"),
        Item("G11-3", "G11", "c", overdue=True),
        Item("G12-1", "G12", "a"),
    ]
    g11, g12 = progress([("G11", "C1", "S1"), ("G12", "C1", "S1")], items)
    assert (g11.items, g11.done, g11.problems, g11.open, g11.overdue) == (3, 1, 1, 1, 1)
    assert (g12.items, g12.open, g12.overdue) == (1, 1, 0)


COUNTY = Principal("admin", "county")
STREET = Principal("street-S1", "street", street_id="S1")
COMMUNITY = Principal("community-C1", "community", street_id="S1", community_id="C1")
SECRETARY = Principal("sec-G11", "secretary", street_id="S1", community_id="C1", grid_id="G11")
WORKER_12 = Principal("worker-G12", "worker", street_id="S1", community_id="C1", grid_id="G12")
FIRE = Principal("dept-fire", "department", department="comprehensive_governance")


def test_who_may_dispatch_where():
    street_targets = expand_targets(GRIDS, [], "street:S1")
    assert dispatch_refusal(COUNTY, expand_targets(GRIDS, [], "county")) is None
    assert dispatch_refusal(STREET, street_targets) is None
    assert "G31" in dispatch_refusal(STREET, expand_targets(GRIDS, ["G11", "G31"], ""))
    assert dispatch_refusal(COMMUNITY, expand_targets(GRIDS, [], "community:C1")) is None
    assert "G21" in dispatch_refusal(COMMUNITY, street_targets)
    assert (
        dispatch_refusal(FIRE, expand_targets(GRIDS, [], "county")) is None
    )  # its own campaign, anywhere
    for grid_role in (SECRETARY, WORKER_12, Principal("m", "member", grid_id="G11")):
        with pytest.raises(Refused) as refused:
            dispatcher_of(grid_role)
        assert refused.value.kind == "role"
    assert dispatcher_of(STREET) == {
        "username": "street-S1",
        "level": "street",
        "street_id": "S1",
        "community_id": "",
        "department": "",
    }


def _task(dispatcher: Principal, grids: list[str]) -> dict:
    return {
        "dispatcher": dispatcher_of(dispatcher),
        "targets": [
            {"grid_id": g, "community_id": GRIDS[g][0], "street_id": GRIDS[g][1]} for g in grids
        ],
    }


def test_a_grid_sees_the_tasks_that_reach_it_and_a_dispatcher_what_it_sent_and_its_subtrees():
    to_c1 = _task(STREET, ["G11", "G12"])
    to_s2 = _task(COUNTY, ["G31"])
    campaign = _task(FIRE, ["G21"])
    assert (
        sees_task(SECRETARY, to_c1)
        and not sees_task(SECRETARY, to_s2)
        and not sees_task(SECRETARY, campaign)
    )
    assert sees_task(STREET, to_c1) and sees_task(STREET, campaign) and not sees_task(STREET, to_s2)
    assert sees_task(COMMUNITY, to_c1) and not sees_task(COMMUNITY, campaign)
    assert all(sees_task(COUNTY, t) for t in (to_c1, to_s2, campaign))
    assert sees_task(FIRE, campaign) and not sees_task(FIRE, to_c1)
    assert not sees_task(Principal("r", "resident", grid_id="G11"), to_c1)
    assert task_query(SECRETARY) == {
        "targets": {"$elemMatch": {"street_id": "S1", "community_id": "C1", "grid_id": "G11"}}
    }
    assert task_query(COUNTY) == {} and task_query(FIRE) == {
        "dispatcher.department": "comprehensive_governance"
    }
    with pytest.raises(ScopeRefused):
        task_query(Principal("m", "member", grid_id="G11"))
    # a grid's staff read their own grid's part; the dispatching department all of its campaign
    g12 = {"grid_id": "G12", "community_id": "C1", "street_id": "S1"}
    assert (
        not sees_grid_part(SECRETARY, g12)
        and sees_grid_part(WORKER_12, g12)
        and sees_grid_part(FIRE, g12)
    )


def test_only_the_grids_own_staff_report_its_items_and_only_the_dispatchers_office_ends_a_task():
    assert report_refusal(SECRETARY, "G11") is None and report_refusal(WORKER_12, "G12") is None
    assert "G12" in report_refusal(SECRETARY, "G12")
    assert report_refusal(STREET, "G11") and report_refusal(COUNTY, "G11")
    sent = dispatcher_of(STREET)
    assert may_end(STREET, sent) and may_end(
        Principal("other-account", "street", street_id="S1"), sent
    )
    assert may_end(COUNTY, sent)
    assert not may_end(Principal("street-S2", "street", street_id="S2"), sent)
    assert not may_end(COMMUNITY, sent) and not may_end(SECRETARY, sent)
    assert may_end(FIRE, dispatcher_of(FIRE)) and not may_end(FIRE, sent)
