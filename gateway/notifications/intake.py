"""The case changes, read once and for good: a durable pull consumer of the CASES stream that
records what each change leaves — a webhook delivery due to every subscription that wants the
change's event and whose account sees the case, and the dashboard's notifications of the
accounts responsible (:mod:`.changes`) — and acknowledges a change only once they are written.

The consumer (``gateway-notifications``, filter ``gridfusion.cases.>``) is shared by every
gateway replica: each change goes to one of them, again after a crash before its acknowledgement,
and the records' ids (:mod:`.store`) make the second time change nothing. Made for the first time
it starts at the stream's end: changes from before webhooks existed are not sent.

An escalation is also ``case.overdue`` when the deadline made it; the case message does not say
so, its timeline does (the entry of fusion's deadline keeper, ``fusion:deadline``): read from
fusion for escalations only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import grpc
from google.protobuf.message import DecodeError
from gridfusion.fusion.v1 import fusion_pb2 as fpb
from nats.aio.msg import Msg
from nats.js.api import DeliverPolicy

from services.platform import bus, periodic
from services.platform.scope import Principal, sees_case

from . import changes
from .store import NO_LEASE, NotificationStore

log = logging.getLogger(__name__)

DURABLE = "gateway-notifications"
SUBJECT = "gridfusion.cases.>"
SOURCE = "gridfusion/gateway"
# A change whose records cannot be written (the database or fusion away) is tried again this often,
# a minute apart after the first few (bus.PullConsumer.retry_delays), before it is dead-lettered:
# an outage of about an hour and a half loses no notification.
MAX_DELIVER = 100
# fusion's deadline keeper (services.fusion.workflow.SYSTEM_ACTOR), as its timeline entries name it.
DEADLINE_ACTOR = "fusion:deadline"


def principal_of(scope: dict[str, Any]) -> Principal:
    """The account a subscription sees as (its scope, kept when it was made)."""
    return Principal(
        scope.get("username", ""),
        scope.get("role", ""),
        scope.get("street_id", ""),
        scope.get("community_id", ""),
        scope.get("grid_id", ""),
        scope.get("department", ""),
    )


def _iso(ts) -> str | None:
    return ts.ToDatetime(tzinfo=UTC).isoformat() if ts.seconds or ts.nanos else None


def payload_of(event: str, case: fpb.Case, delivery_id: str) -> dict[str, Any]:
    """What a webhook receives about one case change (no personal data: no summary, no subject)."""
    return {
        "delivery_id": delivery_id,
        "event": event,
        "case_id": case.case_id,
        "grid_id": case.grid_id,
        "community_id": case.community_id,
        "street_id": case.street_id,
        "status": case.status,
        "level": case.level,
        "category": case.category,
        "handed_to": case.handed_to or None,
        "overdue": case.overdue,
        "due_at": _iso(case.due_at),
        "version": case.version,
        "time": _iso(case.updated_at) or _iso(case.opened_at),
    }


class Intake:
    def __init__(
        self,
        store: NotificationStore,
        fusion,
        *,
        timeout: float,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.fusion = fusion
        self.timeout = timeout
        self.now = now
        # Set whenever deliveries were recorded: the sender looks at once.
        self.recorded = asyncio.Event()

    async def escalated_by_deadline(self, case: fpb.Case) -> tuple[bool, str]:
        """Whether this escalation was the deadline's, and the level whose deadline passed."""
        try:
            detail = await self.fusion.GetCase(
                fpb.GetCaseRequest(case_id=case.case_id, scope=fpb.Scope(role="county")),
                timeout=self.timeout,
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                return False, ""
            raise
        for entry in reversed(detail.timeline):
            if entry.action == "escalate" and entry.at == case.updated_at:
                return entry.actor == DEADLINE_ACTOR, entry.from_level
        return False, ""

    async def handle(self, msgs: list[Msg]) -> list[bus.Outcome]:
        """Record what every change of a fetched batch leaves; one outcome per message."""
        outcomes: list[bus.Outcome] = []
        deliveries: list[dict[str, Any]] = []
        notes: list[dict[str, Any]] = []
        webhooks = await self.store.active_webhooks()
        now = self.now()
        for msg in msgs:
            try:
                case = fpb.Case.FromString(msg.data)
            except DecodeError as exc:
                outcomes.append(bus.Outcome.dead(f"not a fusion.v1.Case: {exc}", stage="decode"))
                continue
            change = msg.subject.rsplit(".", 1)[-1]
            msg_id = (msg.headers or {}).get("Nats-Msg-Id") or f"{case.case_id}.v{case.version}"
            automatic, from_level = (
                (await self.escalated_by_deadline(case)) if change == "escalated" else (False, "")
            )
            events = changes.webhook_events(change, automatic=automatic)
            for hook in webhooks:
                if not sees_case(principal_of(hook["scope"]), case):
                    continue
                for event in events:
                    if event in hook["events"]:
                        deliveries.append(self.delivery(hook, event, case, msg_id, now))
            for kind, audience in changes.notices_of(
                change, case, automatic=automatic, from_level=from_level
            ):
                notes.append(
                    {
                        "_id": f"{msg_id}:{kind}:{audience.key}",
                        "kind": kind,
                        "change": change,
                        "automatic": automatic,
                        "case_id": case.case_id,
                        "grid_id": case.grid_id,
                        "community_id": case.community_id,
                        "street_id": case.street_id,
                        "level": case.level,
                        "status": case.status,
                        "category": case.category,
                        "handed_to": case.handed_to,
                        "at": case.updated_at.ToDatetime(tzinfo=UTC)
                        if case.HasField("updated_at")
                        else now,
                        "audience_roles": list(audience.roles),
                        "audience_key": audience.key,
                        "read_by": [],
                        "created_at": now,
                    }
                )
            outcomes.append(bus.Outcome.done())
        await self.store.record(deliveries, notes)
        if deliveries:
            self.recorded.set()
        return outcomes

    @staticmethod
    def delivery(
        hook: dict[str, Any], event: str, case: fpb.Case, msg_id: str, now: datetime
    ) -> dict[str, Any]:
        delivery_id = f"{hook['_id']}:{msg_id}:{event}"
        return {
            "_id": delivery_id,
            "webhook_id": hook["_id"],
            "event": event,
            "case_id": case.case_id,
            "grid_id": case.grid_id,
            "payload": payload_of(event, case, delivery_id),
            "status": "pending",
            "attempts": [],
            "attempt_count": 0,
            "next_at": now,
            "lease_until": NO_LEASE,
            "leased_by": "",
            "created_at": now,
        }

    async def run(self, hub, stop: asyncio.Event) -> None:
        """Consume the case changes on the live feed's connection, once it is up, until ``stop``."""
        while hub.nc is None or not hub.subscribed:
            await asyncio.sleep(0.5)
        consumer = bus.PullConsumer(
            js=hub.nc.jetstream(),
            stream=bus.CASES.name,
            durable=DURABLE,
            filter_subject=SUBJECT,
            handler=self.handle,
            source=SOURCE,
            deliver_policy=DeliverPolicy.NEW,
            max_deliver=MAX_DELIVER,
        )
        await periodic.retry(
            consumer.start,
            every=2,
            failed=lambda exc, failures: log.warning(
                "case changes for notifications not consumed yet",
                extra={"error": str(exc) or type(exc).__name__},
            ),
        )
        await consumer.run(stop)
