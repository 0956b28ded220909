"""Fusion's handler of department events: decode, resolve in bulk, fuse in groups, announce.

Registered on the EVENTS stream by :mod:`services.fusion.main`; the platform's pull-consumer
loop calls :meth:`FusionHandler.handle` with each fetched batch and acknowledges a message
only after the handler says its case is committed. The batch's located events are fused by
:meth:`CaseStore.fuse_many`, in one transaction (and, when that fails, one per (grid, family)
group): a group that fails is delivered again whole, while the other groups' messages are
acknowledged.

Who sent an event is the subject it arrived on, ``gridfusion.events.<department>.<family>``:
NATS lets each department publish only on its own subjects, while the body is whatever the
publisher wrote. A body naming another department, or a category of another family than the
subject's, is dead-lettered with the reason (``department_mismatch: subject says petition,
event says legal_aid``); an event is fused, and recorded, as the subject's department's.
"""

from __future__ import annotations

import logging
from datetime import UTC

from google.protobuf.message import DecodeError
from gridfusion.events.v1 import events_pb2
from nats.aio.msg import Msg

from services.platform import metrics
from services.platform.bus import Outcome
from services.platform.clock import Clock
from services.platform.events import check_shared
from services.platform.vocabulary import DEPARTMENTS
from services.reference.resolver import GridResolver, Resolution, unlocatable_reason

from .cases import CaseStore
from .outbox import SOURCE, Relay

log = logging.getLogger(__name__)

__all__ = ["SOURCE", "FusionHandler", "check_sender", "decode", "sender_of"]


class FusionHandler:
    def __init__(self, store: CaseStore, resolver: GridResolver, relay: Relay, clock: Clock) -> None:
        self.store = store
        self.resolver = resolver
        self.relay = relay
        self.clock = clock

    async def handle(self, msgs: list[Msg]) -> list[Outcome]:
        outcomes: list[Outcome | None] = [None] * len(msgs)
        events: list[tuple[int, events_pb2.DepartmentEvent]] = []
        for i, msg in enumerate(msgs):
            event, problem = decode(msg)
            if problem:
                outcomes[i] = Outcome.dead(problem, stage="decode")
                continue
            problem = check_sender(msg.subject, event)
            if problem:
                outcomes[i] = Outcome.dead(problem, stage=IDENTITY)
            else:
                events.append((i, event))
        resolutions = self.resolver.locate_many([e.location for _, e in events])
        located: list[tuple[int, events_pb2.DepartmentEvent, Resolution]] = []
        for (i, event), resolution in zip(events, resolutions, strict=True):
            if resolution is None:
                outcomes[i] = Outcome.dead(unlocatable_reason(event.location), stage="locate")
            else:
                located.append((i, event, resolution))
        # One transaction for the batch (else one per (grid, family) group); a group that failed is
        # delivered again whole.
        now = self.clock.now()
        results = await self.store.fuse_many([(e, r) for _, e, r in located], now) if located else []
        messages: list[str] = []
        for (i, event, _), result in zip(located, results, strict=True):
            if isinstance(result, Exception):
                log.warning("fusing failed; the event is delivered again",
                            extra={"event_id": event.id, "department": event.department, "error": repr(result)})
                outcomes[i] = Outcome.retry(f"{type(result).__name__}: {result}")
                continue
            messages.extend(result.messages)
            outcomes[i] = Outcome.done()
            if not result.duplicate and event.HasField("accepted_at"):
                metrics.FUSE_LATENCY.record(max(0.0, (now - event.accepted_at.ToDatetime(tzinfo=UTC)).total_seconds()),
                                            {"department": event.department})
        await self.announce(messages)
        return [o or Outcome.retry("not handled") for o in outcomes]

    async def announce(self, messages: list[str]) -> None:
        """Publish the batch's case changes; what fails here the outbox relay publishes later."""
        if not messages:
            return
        try:
            await self.relay.publish(messages)
        except Exception:
            log.exception("case changes not published yet; the relay will", extra={"count": len(messages)})

    async def on_dead_letter(self, msg: Msg, record: events_pb2.DeadLetter) -> None:
        event, _ = decode(msg)
        event_id = event.id if event is not None else (msg.headers or {}).get("ce-id", "")
        if event is not None and record.stage != IDENTITY:
            check_sender(msg.subject, event)  # an empty department becomes the subject's
        await self.store.record_unfused(
            event, event_id, stage=record.stage, reason=record.reason, origin_subject=msg.subject, now=self.clock.now()
        )


# The stage of a message whose body claims another sender than its subject.
IDENTITY = "identity"


def sender_of(subject: str) -> tuple[str, str]:
    """``(department, family)`` of ``gridfusion.events.<department>.<family>``; empty parts when
    the subject has another shape."""
    parts = subject.split(".")
    if len(parts) != 4 or parts[:2] != ["gridfusion", "events"]:
        return "", ""
    return parts[2], parts[3]


def check_sender(subject: str, event: events_pb2.DepartmentEvent) -> str:
    """Why the event may not be fused as the subject's department's, or "" (and then its
    ``department`` is the subject's, filled in when the body left it empty)."""
    department, family = sender_of(subject)
    if department not in DEPARTMENTS:
        return f"unknown_department: subject {subject!r} names no department"
    if event.department and event.department != department:
        return f"department_mismatch: subject says {department}, event says {event.department}"
    category_family = event.category.split(".", 1)[0]
    if category_family != family:
        return f"family_mismatch: subject says {family}, event's category {event.category!r} is of {category_family}"
    event.department = department
    return ""


def decode(msg: Msg) -> tuple[events_pb2.DepartmentEvent | None, str]:
    """The department event in a message, or why it is malformed."""
    try:
        event = events_pb2.DepartmentEvent.FromString(msg.data)
    except DecodeError as exc:
        return None, f"malformed: body is not a DepartmentEvent ({exc})"
    errors = check_shared(event)
    if errors:
        return event, "malformed: " + "; ".join(f"{f} {m}" for f, m in errors)
    return event, ""
