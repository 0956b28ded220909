"""What fusion's store holds, read every 15 seconds for the metrics (:mod:`services.platform.metrics`):
cases by status and level, overdue cases by level, hand-overs awaiting a result by department,
dead-lettered events not yet re-processed by department, and the outbox's unpublished messages. Every replica reads them; they are the store's, so any
replica's figure is the county's."""

from __future__ import annotations

import asyncio
import logging

from services.platform import metrics, periodic
from services.platform.clock import Clock
from services.platform.vocabulary import OPEN_STATUSES

from .cases import CaseStore

log = logging.getLogger(__name__)

READ_SECONDS = 15.0


async def read(store: CaseStore, clock: Clock) -> None:
    by_status = await (await store.cases.aggregate([
        {"$group": {"_id": {"status": "$status", "level": "$level"}, "n": {"$sum": 1}}},
    ])).to_list()
    metrics.CASES.replace(({"status": d["_id"]["status"] or "", "level": d["_id"]["level"] or ""}, d["n"])
                          for d in by_status)
    overdue = await (await store.cases.aggregate([
        {"$match": {"status": {"$in": list(OPEN_STATUSES)}, "due_at": {"$lt": clock.now()}}},
        {"$group": {"_id": "$level", "n": {"$sum": 1}}},
    ])).to_list()
    metrics.CASES_OVERDUE.replace(({"level": d["_id"] or ""}, d["n"]) for d in overdue)
    handed = await (await store.cases.aggregate([
        {"$match": {"status": "handed_over"}},
        {"$group": {"_id": "$handed_to", "n": {"$sum": 1}}},
    ])).to_list()
    metrics.HANDOVERS_OUTSTANDING.replace(({"department": d["_id"] or ""}, d["n"]) for d in handed)
    waiting = await (await store.dead_letters.aggregate([
        {"$match": {"reprocessed": False}},
        {"$group": {"_id": "$department", "n": {"$sum": 1}}},
    ])).to_list()
    metrics.DEAD_LETTERS_WAITING.replace(({"department": d["_id"] or ""}, d["n"]) for d in waiting)
    metrics.OUTBOX_BACKLOG.set(await store.outbox.count_documents({}), service="fusion")


async def run(store: CaseStore, clock: Clock, stop: asyncio.Event, every: float = READ_SECONDS) -> None:
    def failed(exc: Exception, failures: int) -> None:
        if failures == 1 or failures % 20 == 0:
            log.warning("store figures not read", extra={"error": str(exc) or type(exc).__name__, "failures": failures})

    await periodic.repeat(lambda: read(store, clock), every=every, stop=stop, failed=failed)
