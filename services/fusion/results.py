"""Departments' handling results coming back to their cases.

A department service publishes a ``HandlingResult`` on ``gridfusion.results.<department>``
(stream HANDOVERS); fusion's second pull consumer (durable ``fusion-results``) applies it to
the case as the ``report_result`` action of that department. The result id makes it
idempotent: a redelivered or re-published result changes nothing. A result the case cannot
take (unknown case, not handed to that department, already answered) is dead-lettered with
the reason.

Hand-overs follow the surviving case: a result for a case merged into another (status
``merged``) is applied to the case it was merged into, followed along ``merged_into`` to the
case that carries the incident on (:func:`.merging.surviving`); when that case's state or
department refuses it, it is dead-lettered with the reason like any other. A result already
applied to the merged case before the merge stays a duplicate.
"""

from __future__ import annotations

import logging

from google.protobuf.message import DecodeError
from gridfusion.departments.v1 import departments_pb2
from nats.aio.msg import Msg

from services.platform.bus import Outcome, results_subject
from services.platform.clock import Clock
from services.platform.vocabulary import DEPARTMENTS

from .cases import CaseStore
from .merging import surviving
from .outbox import Relay
from .workflow import Actor, Refused, Request, reserved_actor

log = logging.getLogger(__name__)

SUBJECT = "gridfusion.results.>"


def decode_result(msg: Msg) -> tuple[departments_pb2.HandlingResult | None, str]:
    try:
        result = departments_pb2.HandlingResult.FromString(msg.data)
    except DecodeError as exc:
        return None, f"malformed: body is not a HandlingResult ({exc})"
    # Exactly gridfusion.results.<department>: a subject of any other shape names no department.
    prefix = results_subject("")
    department = msg.subject[len(prefix):] if msg.subject.startswith(prefix) else ""
    if department not in DEPARTMENTS:
        return result, f"malformed: subject {msg.subject!r} names no department"
    if result.department and result.department != department:
        return result, f"malformed: result of {result.department!r} published on {department!r}'s subject"
    if not result.case_id:
        return result, "malformed: the result names no case"
    if not result.result.strip():
        return result, "malformed: the result is empty"
    if not result.department:
        result.department = department
    return result, ""


class ResultsHandler:
    def __init__(self, store: CaseStore, relay: Relay, clock: Clock) -> None:
        self.store = store
        self.relay = relay
        self.clock = clock

    async def handle(self, msgs: list[Msg]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        messages: list[str] = []
        for msg in msgs:
            result, problem = decode_result(msg)
            if problem:
                outcomes.append(Outcome.dead(problem, stage="decode"))
                continue
            key = result.result_id or (msg.headers or {}).get("Nats-Msg-Id", "") or f"{msg.subject}#{msg.metadata.sequence.stream}"
            # A department system names its own actor, but never one of fusion's (the deadline keeper's).
            named = result.actor if result.actor.strip() and not reserved_actor(result.actor) else f"dept-{result.department}"
            actor = Actor(username=named, role="department", department=result.department)
            request = Request("report_result", note=result.note, result=result.result)
            try:
                case_id = await surviving(self.store.cases, result.case_id, key=f"result:{key}")
                acted = await self.store.act(case_id, request, actor, self.clock.now(), key=f"result:{key}")
            except Refused as refused:
                outcomes.append(Outcome.dead(f"refused: {refused.reason}", stage="result"))
                continue
            except Exception as exc:
                log.exception("applying a result failed", extra={"case_id": result.case_id})
                outcomes.append(Outcome.retry(f"{type(exc).__name__}: {exc}"))
                continue
            messages.extend(acted.messages)
            outcomes.append(Outcome.done())
        if messages:
            try:
                await self.relay.publish(messages)
            except Exception:
                log.exception("case changes not published yet; the relay will")
        return outcomes

    async def on_dead_letter(self, msg: Msg, record) -> None:
        result, _ = decode_result(msg)
        key = (result.result_id if result is not None else "") or (msg.headers or {}).get("Nats-Msg-Id", "")
        await self.store.record_unfused(
            None, key or f"result-{record.origin_sequence}", stage=record.stage, reason=record.reason,
            origin_subject=msg.subject, now=self.clock.now(), kind="result",
        )
