"""Fusion's handler of department events: decode, resolve in bulk, fuse, announce.

Registered on the EVENTS stream by :mod:`services.fusion.main`; the platform's pull-consumer
loop calls :meth:`FusionHandler.handle` with each fetched batch and acknowledges a message
only after the handler says its case is committed.
"""

from __future__ import annotations

import logging

from google.protobuf.message import DecodeError
from gridfusion.events.v1 import events_pb2
from nats.aio.msg import Msg

from services.departments.validation import check_shared
from services.platform import bus
from services.platform.bus import Outcome
from services.platform.clock import Clock

from .cases import CaseStore, Fused
from .convert import case_to_proto
from .resolver import GridResolver, unlocatable_reason

log = logging.getLogger(__name__)

SOURCE = "gridfusion/fusion"


class FusionHandler:
    def __init__(self, store: CaseStore, resolver: GridResolver, js, clock: Clock) -> None:
        self.store = store
        self.resolver = resolver
        self.js = js
        self.clock = clock

    async def handle(self, msgs: list[Msg]) -> list[Outcome]:
        outcomes: list[Outcome | None] = [None] * len(msgs)
        events: list[tuple[int, events_pb2.DepartmentEvent]] = []
        for i, msg in enumerate(msgs):
            event, problem = decode(msg)
            if problem:
                outcomes[i] = Outcome.dead(problem, stage="decode")
            else:
                events.append((i, event))
        resolutions = self.resolver.locate_many([e.location for _, e in events])
        for (i, event), resolution in zip(events, resolutions):
            if resolution is None:
                outcomes[i] = Outcome.dead(unlocatable_reason(event.location), stage="locate")
                continue
            try:
                fused = await self.store.fuse(event, resolution, self.clock.now())
            except Exception as exc:
                log.exception("fusing failed", extra={"event_id": event.id})
                outcomes[i] = Outcome.retry(f"{type(exc).__name__}: {exc}")
                continue
            if not fused.duplicate:
                await self.announce(fused)
            outcomes[i] = Outcome.done()
        return [o or Outcome.retry("not handled") for o in outcomes]

    async def announce(self, fused: Fused) -> None:
        """Publish the case change for dashboards, departments and the live feed."""
        doc = await self.store.get_case(fused.case_id)
        if doc is None:
            return
        change = "opened" if fused.opened else "updated"
        try:
            await bus.publish(
                self.js,
                bus.case_subject(fused.grid_id, change),
                case_to_proto(doc),
                event_id=f"{fused.case_id}.v{fused.version}",
                ce_type=f"gridfusion.case.{change}.v1",
                source=SOURCE,
                ce_subject=fused.case_id,
            )
        except Exception:
            log.exception("case change not published", extra={"case_id": fused.case_id})

    async def on_dead_letter(self, msg: Msg, record: events_pb2.DeadLetter) -> None:
        event, _ = decode(msg)
        event_id = event.id if event is not None else (msg.headers or {}).get("ce-id", "")
        await self.store.record_unfused(
            event, event_id, stage=record.stage, reason=record.reason, origin_subject=msg.subject, now=self.clock.now()
        )


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
