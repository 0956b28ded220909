"""Fusion quality through the store: every report of the labelled set (``tests/fusion_eval/``)
fused by :class:`CaseStore` against a real secantusd-py, in time order, then the cases read back.
Joining is transitive and suggestions are per case here, so these are the figures users get (the
rule's own, pair by pair, are in ``tests/fusion_eval/test_rule_quality.py``). The figures print
(``make eval-fusion``); the targets are the issue's."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from gridfusion.events.v1 import events_pb2

from services.fusion import reference_store
from services.fusion.cases import CaseStore
from services.platform.mongo import connect
from services.reference import build_county
from services.reference.resolver import Resolution
from tests.fusion_eval import evaluate

pytestmark = pytest.mark.integration

COUNTY = build_county()


@pytest.fixture
async def store(mongodb_uri: str) -> AsyncIterator[CaseStore]:
    client = connect(mongodb_uri, app_name=f"tests-{uuid.uuid4().hex[:6]}")
    store = CaseStore(client, client[f"fusion_quality_{uuid.uuid4().hex[:10]}"])
    await store.ensure_indexes()
    store.use_grids({g.grid_id: reference_store.grid_doc(g, COUNTY) for g in COUNTY.grids})
    yield store
    await client.drop_database(store.db.name)
    await client.close()


def message(report: evaluate.Report) -> events_pb2.DepartmentEvent:
    department, event_id = report.key.split(":", 1)
    e = events_pb2.DepartmentEvent(id=event_id, department=department, type="incident.reported",
                                   category=report.category, summary=report.summary, subject_id=report.subject_id,
                                   severity=events_pb2.SEVERITY_MEDIUM)
    e.time.FromDatetime(report.time)
    e.location.point.lon, e.location.point.lat = report.point
    return e


async def test_fusion_meets_the_targets_on_the_labelled_set(store: CaseStore) -> None:
    reports = evaluate.load()
    assert evaluate.GRID_ID in store.grids
    for report in reports:  # one at a time, as they arrive: each is fused an hour after it happened
        await store.fuse(message(report), Resolution(evaluate.GRID_ID, "point", 1.0, report.point),
                         report.time + timedelta(hours=1))
    cases = await store.cases.find({}, {"event_ids": 1, "possible_duplicates": 1}).to_list()
    fused, suggested = evaluate.case_pairs(cases)
    figures = evaluate.figures(reports, fused, suggested)
    print("\n" + figures.table(f"fusion through the store ({len(cases)} cases)"))
    for line in evaluate.misses(reports, fused, suggested):
        print("  " + line)
    assert figures.auto_precision >= evaluate.TARGET_AUTO_PRECISION
    assert figures.flagged_recall >= evaluate.TARGET_RECALL
    # Suggestions are kept on both cases.
    by_id = {c["_id"]: c for c in cases}
    for c in cases:
        for other in c.get("possible_duplicates") or ():
            assert c["_id"] in {d["case_id"] for d in by_id[other["case_id"]].get("possible_duplicates") or ()}
