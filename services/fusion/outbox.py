"""Fusion's outbox: what a case change must tell the bus, committed with the change itself.

A transaction that changes a case inserts its messages here (case changes for dashboards and
the live feed, hand-overs to departments). After the commit the writer publishes them at once
and deletes them; a relay loop publishes whatever a crash or a NATS outage left behind. Each
message keeps one ``Nats-Msg-Id`` (``<case_id>.v<version>``), so publishing it twice — from a
retry, the relay, or two replicas — is dropped by JetStream's duplicate window.
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

log = logging.getLogger(__name__)

SOURCE = "gridfusion/fusion"
INDEXES = [IndexModel([("created_at", ASCENDING)], name="age")]

_TYPES: dict[str, type[Message]] = {
    "case": fusion_pb2.Case,
    "handover": departments_pb2.HandOver,
}


def case_change(case: fusion_pb2.Case, change: str, now: datetime) -> dict[str, Any]:
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
        sent = 0
        async for doc in self.outbox.find({"_id": {"$in": ids}}).sort("created_at", ASCENDING):
            if await self._send(doc):
                sent += 1
        return sent

    async def publish_stale(self, older_than: timedelta = timedelta(seconds=5), limit: int = 500) -> int:
        """Publish what the writer did not (a crash between commit and publish, NATS away)."""
        cutoff = self.clock.now() - older_than
        sent = 0
        cursor = self.outbox.find({"created_at": {"$lte": cutoff}}).sort("created_at", ASCENDING).limit(limit)
        async for doc in cursor:
            if await self._send(doc):
                sent += 1
        return sent

    async def _send(self, doc: dict[str, Any]) -> bool:
        message = _TYPES[doc["kind"]].FromString(doc["data"])
        try:
            await bus.publish(
                self.js, doc["subject"], message, event_id=doc["msg_id"], ce_type=doc["ce_type"],
                source=SOURCE, ce_subject=doc["ce_subject"],
            )
        except Exception as exc:  # noqa: BLE001 - kept for the relay; NATS may be away for a while
            log.warning("outbox message not published yet", extra={"id": doc["_id"], "error": str(exc)})
            return False
        await self.outbox.delete_one({"_id": doc["_id"]})
        return True

    async def run(self, stop: asyncio.Event, interval: float = 5.0) -> None:
        await periodic.repeat(self.publish_stale, every=interval, stop=stop,
                              failed=lambda exc, failures: log.exception("outbox relay pass failed"))
