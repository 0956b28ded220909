"""Fusion's outbox: what a case change must tell the bus, committed with the change itself.

A transaction that changes a case inserts its messages here (case changes for dashboards and
the live feed, hand-overs to departments). After the commit the writer publishes them at once
and deletes them; a relay loop publishes whatever a crash or a NATS outage left behind. Each
message keeps one ``Nats-Msg-Id`` (``<case_id>.v<version>``), so publishing it twice — from a
retry, the relay, or two replicas — is dropped by JetStream's duplicate window. Each keeps the
``traceparent`` of the span that wrote it, so a message the relay publishes later still continues
the trace of the change.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from google.protobuf.message import Message
from gridfusion.departments.v1 import departments_pb2
from gridfusion.fusion.v1 import fusion_pb2
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from services.platform import bus, periodic
from services.platform.clock import Clock
from services.platform.mongo import find_by_ids, pieces
from services.platform.telemetry import current_traceparent

log = logging.getLogger(__name__)

SOURCE = "gridfusion/fusion"
INDEXES = [IndexModel([("created_at", ASCENDING)], name="age")]

_TYPES: dict[str, type[Message]] = {
    "case": fusion_pb2.Case,
    "handover": departments_pb2.HandOver,
}


def case_change(case: fusion_pb2.Case, change: str, now: datetime, *, traceparent: str = "") -> dict[str, Any]:
    """A case change for the outbox; ``traceparent``: the trace it continues (an event's, when the
    event made the change), by default the current span's."""
    msg_id = f"{case.case_id}.v{case.version}"
    return {
        "_id": f"case:{msg_id}",
        "kind": "case",
        "subject": bus.case_subject(case.grid_id, change),
        "msg_id": msg_id,
        "ce_type": f"gridfusion.case.{change}.v1",
        "ce_subject": case.case_id,
        "data": case.SerializeToString(),
        "created_at": now,
        "traceparent": traceparent or current_traceparent(),
    }


def hand_over(message: departments_pb2.HandOver, department: str, version: int, now: datetime) -> dict[str, Any]:
    msg_id = f"{message.case_id}.v{version}"
    return {
        "_id": f"handover:{msg_id}",
        "kind": "handover",
        "subject": bus.handover_subject(department, message.grid_id),
        "msg_id": msg_id,
        "ce_type": "gridfusion.handover.v1",
        "ce_subject": message.case_id,
        "data": message.SerializeToString(),
        "created_at": now,
        "traceparent": current_traceparent(),
    }


async def put(outbox: AsyncCollection, docs: list[dict[str, Any]], session: AsyncClientSession) -> None:
    if docs:
        await outbox.insert_many(docs, session=session)


class Relay:
    """Publishes outbox messages: right after a commit, and in a loop for leftovers."""

    def __init__(self, outbox: AsyncCollection, js, clock: Clock) -> None:
        self.outbox = outbox
        self.js = js
        self.clock = clock

    async def publish(self, ids: list[str]) -> int:
        """Publish these messages now (those another publisher has not already sent)."""
        docs = await find_by_ids(self.outbox, ids)
        return await self._send(sorted(docs, key=lambda d: (d["created_at"], d["_id"])))

    async def publish_stale(self, older_than: timedelta = timedelta(seconds=5), limit: int = 500) -> int:
        """Publish what the writer did not (a crash between commit and publish, NATS away)."""
        cutoff = self.clock.now() - older_than
        cursor = self.outbox.find({"created_at": {"$lte": cutoff}}).sort("created_at", ASCENDING).limit(limit)
        return await self._send(await cursor.to_list())

    async def _send(self, docs: list[dict[str, Any]]) -> int:
        """Publish ``docs`` in their order with the acknowledgements in flight together, then delete
        the acknowledged ones in one round; how many were acknowledged. What JetStream did not
        acknowledge stays for the relay loop."""
        if not docs:
            return 0
        answers = await bus.publish_many(self.js, [
            bus.Outgoing(doc["subject"], _TYPES[doc["kind"]].FromString(doc["data"]), doc["msg_id"], doc["ce_type"],
                         SOURCE, ce_subject=doc["ce_subject"], parent=doc.get("traceparent", ""))
            for doc in docs
        ])
        failed = [(doc["_id"], answer) for doc, answer in zip(docs, answers, strict=True) if isinstance(answer, Exception)]
        if failed:
            log.warning("outbox messages not published yet", extra={
                "count": len(failed), "id": failed[0][0], "error": str(failed[0][1])})
        sent = [doc["_id"] for doc, answer in zip(docs, answers, strict=True) if not isinstance(answer, Exception)]
        await asyncio.gather(*(self.outbox.delete_many({"_id": {"$in": piece}}) for piece in pieces(sent)))
        return len(sent)

    async def run(self, stop: asyncio.Event, interval: float = 5.0) -> None:
        await periodic.repeat(self.publish_stale, every=interval, stop=stop,
                              failed=lambda exc, failures: log.exception("outbox relay pass failed"))
