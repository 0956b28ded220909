"""Automatic escalation: a loop that moves every overdue case one level up, exactly once.

Deadlines live in the cases themselves (``due_at`` in MongoDB), so they survive restarts; any
number of fusion replicas may run this loop at once, because each escalation is a transaction
conditional on the case's version (see :meth:`CaseStore.escalate_due`). Time comes from a
:class:`~services.platform.clock.Clock`, so tests move a ``ManualClock`` instead of sleeping.
"""

from __future__ import annotations

import asyncio
import logging

from services.platform import metrics, periodic
from services.platform.clock import Clock

from .cases import Acted, CaseStore
from .outbox import Relay

log = logging.getLogger(__name__)


class Escalator:
    def __init__(self, store: CaseStore, relay: Relay, clock: Clock, *, batch: int = 200) -> None:
        self.store = store
        self.relay = relay
        self.clock = clock
        self.batch = batch

    async def tick(self) -> list[Acted]:
        """One pass: escalate what is overdue now, and publish the changes."""
        done = await self.store.escalate_due(self.clock.now(), self.batch)
        messages = [m for acted in done for m in acted.messages]
        if messages:
            try:
                await self.relay.publish(messages)
            except Exception:
                log.exception("escalations not published yet; the relay will")
        for acted in done:
            if acted.transition.action == "escalate":
                metrics.ESCALATIONS.add(1, {"level": acted.case["level"]})
            log.info(
                "case escalated automatically" if acted.transition.action == "escalate" else "case overdue",
                extra={"case_id": acted.case["_id"], "level": acted.case["level"]},
            )
        return done

    async def run(self, stop: asyncio.Event, interval: float = 30.0) -> None:
        await periodic.repeat(self.tick, every=interval, stop=stop,
                              failed=lambda exc, failures: log.exception("escalation pass failed"))
