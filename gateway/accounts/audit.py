"""Account changes into the county's audit log.

Each change commits its audit entry in the gateway's ``audit_outbox`` together with the
change; this relay hands the entries to fusion's audit log (``RecordAudit``, idempotent by
``audit_id``) and removes each once fusion has it. An entry written while fusion is away, or
by the command line, waits in the outbox until a gateway relays it.
"""

from __future__ import annotations

import asyncio
import logging

from gridfusion.community.v1 import community_pb2 as cpb

from services.platform import periodic

from .store import AccountStore

log = logging.getLogger(__name__)


async def relay_once(store: AccountStore, community, *, timeout: float) -> int:
    """Hand every pending entry to fusion; the number handed over."""
    sent = 0
    for doc in await store.pending_audit():
        entry = cpb.AuditEntry(audit_id=doc["_id"], who=doc["who"], role=doc["role"], what=doc["what"],
                               why=doc["why"], grid_id=doc.get("grid_id", ""), records=0)
        entry.at.FromDatetime(doc["at"])
        await community.RecordAudit(entry, timeout=timeout)
        await store.audit_sent(doc["_id"])
        sent += 1
    return sent


async def relay_forever(store: AccountStore, community, wake: asyncio.Event, *, interval: float,
                        timeout: float) -> None:
    """Relay at once when woken (a change was made here), else every ``interval`` seconds, until
    cancelled; with fusion or the database away the outbox keeps the entries for the next pass."""
    await periodic.repeat(
        lambda: relay_once(store, community, timeout=timeout), every=interval, wake=wake, wait_first=True,
        failed=lambda exc, failures: log.warning("audit entries wait in the outbox", extra={"error": str(exc)}),
    )
