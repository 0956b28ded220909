"""A department lists the events it accepted by id prefix (the Open311 requests) against a real
secantusd-py: newest accepted first, by ids or by time, never another prefix's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from gridfusion.events.v1 import events_pb2

from services.departments.store import DepartmentStore

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def accepted(event_id: str, at: datetime) -> events_pb2.DepartmentEvent:
    e = events_pb2.DepartmentEvent(id=event_id, type="incident.reported", category="environment.garbage",
                                   summary="垃圾未清运", department="comprehensive_governance")
    e.time.FromDatetime(at)
    e.accepted_at.FromDatetime(at)
    return e


async def test_requests_are_listed_by_prefix_newest_first_by_ids_or_by_time(mongo) -> None:
    db = mongo[f"dept_list_{uuid.uuid4().hex[:8]}"]
    store = DepartmentStore(db)
    await store.ensure_indexes()
    for i in range(5):
        assert await store.insert(accepted(f"o311-{i}", T0 + timedelta(days=i)))
    assert await store.insert(accepted("cg-1", T0 + timedelta(days=9)))  # the department's own, not a request
    ids = [e.id for e, _ in await store.listed("o311-", [], None, None, 100)]
    assert ids == ["o311-4", "o311-3", "o311-2", "o311-1", "o311-0"]
    window = await store.listed("o311-", [], T0 + timedelta(days=1), T0 + timedelta(days=3), 100)
    assert [e.id for e, _ in window] == ["o311-2", "o311-1"]
    named = await store.listed("o311-", ["o311-0", "cg-1", "o311-9"], None, None, 100)
    assert [e.id for e, _ in named] == ["o311-0"]
    assert [e.id for e, _ in await store.listed("o311-", [], None, None, 2)] == ["o311-4", "o311-3"]
    await mongo.drop_database(db.name)
