"""Tasks from above (专项行动) in fusion's store against a real secantusd-py: a street's campaign
expanded to one item per compound of each of its grids, reported by the grids' staff, its
overdue items, the end of it, and a joint meeting's decision carried out as a task."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.fusion.co_governance import CoGovernanceStore
from services.fusion.meetings import Decision, Meeting, MeetingStore
from services.fusion.refused import Refused
from services.fusion.tasks import NewTask, TaskStore
from services.platform.scope import Principal
from services.reference import build_county

pytestmark = pytest.mark.integration

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


@pytest.fixture
async def tasks(mongo):
    db = mongo[f"tasks_{uuid.uuid4().hex[:8]}"]
    county = build_county()
    co_governance = CoGovernanceStore(db)
    co_governance.use_reference(county, synthetic=True)
    meetings = MeetingStore(db, co_governance)
    meetings.use_grids({g.grid_id: (g.community_id, g.street_id) for g in county.grids})
    store = TaskStore(db, meetings)
    await store.ensure_indexes()
    store.use_reference(county)
    yield store, county
    await mongo.drop_database(db.name)


def staff(role: str, grid) -> Principal:
    return Principal(
        f"{role}-{grid.grid_id}", role, grid.street_id, grid.community_id, grid.grid_id
    )


async def test_a_streets_compound_sweep_is_reported_per_item_and_its_open_items_fall_overdue(
    tasks,
) -> None:
    store, county = tasks
    street = county.streets[0]
    dispatcher = Principal(f"street-{street.street_id}", "street", street_id=street.street_id)
    task = await store.create(
        NewTask(
            "冬季消防安全排查",
            NOW + timedelta(days=2),
            "compound",
            category="safety_hazard.fire",
            area=f"street:{street.street_id}",
        ),
        dispatcher,
        NOW,
    )
    grids = [g for g in county.grids if g.street_id == street.street_id]
    assert task.grid_ids == sorted(g.grid_id for g in grids) and task.status == "open"
    compounds = [c for c in county.compounds if c.grid_id in set(task.grid_ids)]
    assert len(task.items) == len(compounds) and {i.ref for i in task.items} == {
        c.compound_id for c in compounds
    }

    first, second = grids[0], grids[1]
    item = next(i for i in task.items if i.grid_id == first.grid_id)
    seen = await store.report(
        task.task_id, item.item_id, "problem", "3号楼消防通道堵塞", staff("worker", first), NOW
    )
    assert {i.grid_id for i in seen.items} == {
        first.grid_id
    }  # a grid's staff read their own grid's part
    reported = next(i for i in seen.items if i.item_id == item.item_id)
    assert (reported.status, reported.note, reported.reported_by) == (
        "problem",
        "3号楼消防通道堵塞",
        f"worker-{first.grid_id}",
    )
    other = next(i for i in task.items if i.grid_id == second.grid_id)
    with pytest.raises(Refused) as elsewhere:
        await store.report(task.task_id, other.item_id, "done", "", staff("secretary", first), NOW)
    assert elsewhere.value.kind == "role"
    for i in (i for i in task.items if i.grid_id == second.grid_id):
        await store.report(task.task_id, i.item_id, "done", "", staff("secretary", second), NOW)

    later = await store.get(task.task_id, dispatcher, NOW + timedelta(days=3))
    by_grid = {g.grid_id: g for g in later.grids}
    assert by_grid[second.grid_id].open == 0 and by_grid[second.grid_id].overdue == 0
    assert by_grid[first.grid_id].problems == 1
    assert by_grid[first.grid_id].overdue == by_grid[first.grid_id].items - 1
    assert sum(i.overdue for i in later.items) == sum(g.overdue for g in later.grids) > 0

    assert [
        t.task_id for t in (await store.listed(staff("worker", second), "", "", "", 1, 20, NOW))[0]
    ] == [task.task_id]
    far = next(g for g in county.grids if g.street_id != street.street_id)
    assert (await store.listed(staff("worker", far), "", "", "", 1, 20, NOW))[1] == 0
    with pytest.raises(Refused) as hidden:
        await store.get(task.task_id, staff("worker", far), NOW)
    assert hidden.value.kind == "not_found"

    with pytest.raises(Refused) as not_yours:
        await store.end(
            task.task_id,
            "closed",
            "",
            Principal("c", "community", first.street_id, first.community_id),
            NOW,
        )
    assert not_yours.value.kind == "role"
    closed = await store.end(
        task.task_id, "closed", "排查结束", dispatcher, NOW + timedelta(days=3)
    )
    assert closed.status == "closed" and closed.ended_by == dispatcher.username
    with pytest.raises(Refused) as late:
        await store.report(task.task_id, item.item_id, "done", "", staff("worker", first), NOW)
    assert late.value.kind == "state"
    with pytest.raises(Refused) as twice:
        await store.end(task.task_id, "cancelled", "", dispatcher, NOW)
    assert twice.value.kind == "state"


async def test_a_joint_meetings_decision_becomes_a_task_that_names_it(tasks) -> None:
    store, county = tasks
    grid = county.grids[0]
    meeting = await store.meetings.plan(Meeting("", grid.grid_id, "联席会议", NOW), [], "sec")
    await store.meetings.record_minutes(
        meeting.meeting_id,
        "纪要",
        ["支部"],
        [Decision("", "排查各小区消防通道", "社区", NOW + timedelta(days=7))],
        [],
        "sec",
        NOW,
    )
    community = Principal("community-x", "community", grid.street_id, grid.community_id)
    task = await store.create(
        NewTask(
            "消防通道排查",
            NOW + timedelta(days=7),
            "single",
            grid_ids=[grid.grid_id],
            meeting_id=meeting.meeting_id,
            decision_id="D1",
        ),
        community,
        NOW,
    )
    assert (task.meeting_id, task.decision_id) == (meeting.meeting_id, "D1")
    listed, total = await store.listed(community, "", meeting.meeting_id, "", 1, 20, NOW)
    assert total == 1 and listed[0].task_id == task.task_id
    with pytest.raises(Refused) as missing:
        await store.create(
            NewTask(
                "x",
                NOW,
                "single",
                grid_ids=[grid.grid_id],
                meeting_id=meeting.meeting_id,
                decision_id="D9",
            ),
            community,
            NOW,
        )
    assert missing.value.kind == "invalid" and "D9" in str(missing.value)
