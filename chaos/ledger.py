"""What a scenario sent and what became of it: the reconciliation every chaos scenario ends with.

A scenario's events carry ids of its own (``<tag>-…``). The client keeps the key
(``<department>:<id>``) of every event a department answered ``accepted`` (or ``duplicate`` after
a resend: an earlier send was accepted). Once the load is over, :func:`reconcile` waits until each
of them is fused or dead-lettered and then counts, from fusion's database:

* ``fused``: events with a fused record;
* ``dead_lettered``: events dead-lettered with a reason (and not fused);
* ``lost``: accepted events neither fused nor dead-lettered when the wait ended;
* ``doubled``: events in the ``event_ids`` of more than one case, or twice in one;
* ``recount_ok``: every case the events joined lists exactly the events whose records name it.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from services.platform.mongo import pieces

FUSION_DATABASE = "gridfusion_fusion"
POLL = 2.0


@dataclass
class Ledger:
    """The keys of the events a scenario had accepted."""

    accepted: set[str] = field(default_factory=set)
    refused: int = 0  # answered invalid: the load's deliberately bad events
    duplicates: int = 0  # answered duplicate on a first send: the load's deliberate repeats

    def answer(self, department: str, results: list[dict[str, Any]], *, resent: bool) -> None:
        for item in results:
            status = item["status"]
            if status == "accepted" or (status == "duplicate" and resent):
                self.accepted.add(f"{department}:{item['event_id']}")
            elif status == "invalid":
                self.refused += 1
            else:
                self.duplicates += 1


async def _settled(db, keys: list[str]) -> tuple[dict[str, str], set[str]]:
    """Of these event keys, those fused (with their case) and those dead-lettered (and not fused)."""
    fused: dict[str, str] = {}
    for piece in pieces(keys, 500):
        async for doc in db["events"].find({"_id": {"$in": piece}}, {"status": 1, "case_id": 1}):
            if doc.get("status") == "fused":
                fused[doc["_id"]] = doc.get("case_id", "")
    dead: set[str] = set()
    rest = [k for k in keys if k not in fused]
    for piece in pieces(rest, 200):
        wanted = {tuple(k.split(":", 1)) for k in piece}
        ids = sorted({event_id for _, event_id in wanted})
        async for doc in db["dead_letters"].find({"event_id": {"$in": ids}}, {"event_id": 1, "department": 1}):
            if (doc.get("department"), doc["event_id"]) in wanted:
                dead.add(f"{doc['department']}:{doc['event_id']}")
    return fused, dead


async def reconcile(mongo, ledger: Ledger, *, timeout: float, say) -> dict[str, Any]:
    """Wait (up to ``timeout`` seconds) until every accepted event is fused or dead-lettered, then
    count what became of them (see the module). Only the events not yet settled are looked up
    again, every :data:`POLL` seconds, so the waiting costs fusion's database little."""
    db = mongo[FUSION_DATABASE]
    keys = sorted(ledger.accepted)
    started = time.monotonic()
    fused: dict[str, str] = {}
    dead: set[str] = set()
    remaining = list(keys)
    said = 0.0
    while True:
        now_fused, now_dead = await _settled(db, remaining)
        fused.update(now_fused)
        dead |= now_dead
        remaining = [k for k in remaining if k not in now_fused and k not in now_dead]
        if not remaining or time.monotonic() - started > timeout:
            break
        if time.monotonic() - said >= 15:
            say(f"    waiting: {len(remaining):,} of {len(keys):,} accepted events not yet fused or dead-lettered")
            said = time.monotonic()
        await asyncio.sleep(POLL)
    # An event dead-lettered once and fused after (re-processed) counts as fused.
    dead -= fused.keys()
    # The cases the fused events' records name, read by id: each event must be listed by one.
    seen: Counter[str] = Counter()
    cases: dict[str, list[str]] = {}
    for piece in pieces(sorted(set(fused.values())), 200):
        async for case in db["cases"].find({"_id": {"$in": piece}}, {"event_ids": 1}):
            cases[case["_id"]] = case["event_ids"]
    for event_ids in cases.values():
        seen.update(k for k in event_ids if k in ledger.accepted)
    doubled = sum(1 for n in seen.values() if n > 1)
    unlisted = sum(1 for k in fused if seen[k] == 0)  # a record naming a case that does not list it
    records: Counter[str] = Counter()
    for piece in pieces(sorted(cases), 200):
        async for doc in db["events"].find({"case_id": {"$in": piece}}, {"case_id": 1, "status": 1}):
            if doc.get("status") == "fused":
                records[doc["case_id"]] += 1
    recount_ok = all(records[case_id] == len(event_ids) for case_id, event_ids in cases.items())
    return {
        "accepted": len(keys),
        "fused": len(fused),
        "dead_lettered": len(dead),
        "lost": len(keys) - len(fused) - len(dead) + unlisted,
        "unlisted": unlisted,
        "doubled": doubled,
        "recount_ok": recount_ok,
        "cases": len(cases),
        "refused_invalid": ledger.refused,
        "answered_duplicate": ledger.duplicates,
        "settle_seconds": round(time.monotonic() - started, 1),
    }
