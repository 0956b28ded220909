"""The JetStream bus: streams declared in code, publishing, and the pull-consumer loop.

Subjects
    ``gridfusion.events.<department>.<family>``   department events (stream EVENTS)
    ``gridfusion.cases.<grid_id>.<change>``       what happens to cases (stream CASES)
    ``gridfusion.handover.<department>.<grid_id>`` cases handed to a department (stream HANDOVERS)
    ``gridfusion.results.<department>``           a department's handling results (stream HANDOVERS)
    ``gridfusion.deadletter.<stream>``            what could not be processed (stream DEADLETTER)
    ``_INBOX_<user>.>``                           replies to one NATS user: JetStream's answers,
                                                  acknowledgements and fetched messages (only that
                                                  user may read them: :mod:`.permissions`)

Every message is a protobuf body in CloudEvents binary mode: ``ce-*`` headers, a W3C
``traceparent`` header, and ``Nats-Msg-Id`` set to the message's stable id so JetStream drops a
re-published copy inside the duplicate window. A department event's id is unique within its
department only, so its ``Nats-Msg-Id`` is :func:`event_key` (``<department>:<id>``); ``ce-id``
stays the department's own id (CloudEvents ids are unique per ``ce-source``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from time import time_ns
from urllib.parse import unquote, urlsplit

import nats
import nats.errors
import nats.js.errors
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from gridfusion.events.v1 import events_pb2
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    PubAck,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from opentelemetry import trace

from . import metrics, periodic, permissions
from .telemetry import context_of, extract_context, inject_headers, tracer

log = logging.getLogger(__name__)

CONTENT_TYPE = "application/protobuf"
SPEC_VERSION = "1.0"
DAY = 24 * 3600.0
# How often a pull consumer reads its lag from the server (metrics.CONSUMER_PENDING).
LAG_SECONDS = 15.0


@dataclass(frozen=True)
class StreamSpec:
    """One JetStream stream as the code expects it to be."""

    name: str
    subjects: tuple[str, ...]
    description: str
    max_age_seconds: float = 90 * DAY
    duplicate_window_seconds: float = 2 * 3600.0

    def config(self, replicas: int) -> StreamConfig:
        return StreamConfig(
            name=self.name,
            description=self.description,
            subjects=list(self.subjects),
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            discard=DiscardPolicy.OLD,
            max_age=self.max_age_seconds,
            duplicate_window=self.duplicate_window_seconds,
            num_replicas=replicas,
        )


EVENTS = StreamSpec("EVENTS", ("gridfusion.events.>",), "Department events, one subject per department and family")
CASES = StreamSpec("CASES", ("gridfusion.cases.>",), "What happens to cases, for dashboards and the live feed")
HANDOVERS = StreamSpec(
    "HANDOVERS",
    ("gridfusion.handover.>", "gridfusion.results.>"),
    "Cases handed over to departments and the departments' handling results",
)
DEADLETTER = StreamSpec(
    "DEADLETTER", ("gridfusion.deadletter.>",), "Messages that could not be processed, with the reason",
    max_age_seconds=365 * DAY,
)
ALL_STREAMS: tuple[StreamSpec, ...] = (EVENTS, CASES, HANDOVERS, DEADLETTER)


def event_subject(department: str, category: str) -> str:
    return f"gridfusion.events.{department}.{category.split('.', 1)[0]}"


def event_key(department: str, event_id: str) -> str:
    """An event's identity across departments: ``<department>:<id>``.

    Ids are unique within a department only. Department names hold no ``:``, so the first one
    separates the two. It is the event's ``Nats-Msg-Id``, the key of fusion's record and dead
    letter, and what a case lists in ``event_ids``.
    """
    return f"{department}:{event_id}"


def handover_subject(department: str, grid_id: str) -> str:
    return f"gridfusion.handover.{department}.{grid_id}"


def results_subject(department: str) -> str:
    return f"gridfusion.results.{department}"


def case_subject(grid_id: str, change: str) -> str:
    return f"gridfusion.cases.{grid_id}.{change}"


def deadletter_subject(stream: str) -> str:
    return f"gridfusion.deadletter.{stream.lower()}"


async def connect(
    url: str, *, name: str, user: str | None = None, password: str | None = None
) -> NATS:
    """Connect with reconnects forever; permission errors and disconnects are logged.

    Replies (publish acknowledgements, fetched messages, API answers) come to the user's own
    inbox, ``_INBOX_<user>`` (:func:`services.platform.permissions.inbox_prefix`): the only
    inbox its NATS permissions let it read. The user is ``user``, else the one in ``url``;
    without either, nats-py's ``_INBOX``.
    """
    who = user or urlsplit(url.split(",")[0].strip()).username

    async def on_error(exc: Exception) -> None:
        log.warning("nats error", extra={"error": str(exc)})

    async def on_disconnect() -> None:
        log.warning("nats disconnected")

    async def on_reconnect() -> None:
        log.info("nats reconnected")

    return await nats.connect(
        url,
        name=name,
        user=user,
        password=password,
        inbox_prefix=permissions.inbox_prefix(unquote(who)) if who else "_INBOX",
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        connect_timeout=5,
        error_cb=on_error,
        disconnected_cb=on_disconnect,
        reconnected_cb=on_reconnect,
    )


async def ensure_streams(
    js: JetStreamContext, specs: Sequence[StreamSpec] = ALL_STREAMS, *, replicas: int = 1
) -> None:
    """Create each stream, or bring its configuration in line; safe to run from every replica."""
    for spec in specs:
        config = spec.config(replicas)
        try:
            await js.stream_info(spec.name)
        except nats.js.errors.NotFoundError:
            try:
                await js.add_stream(config=config)
                log.info("stream created", extra={"stream": spec.name})
                continue
            except nats.js.errors.BadRequestError:
                pass  # another replica created it between our two calls
        await js.update_stream(config=config)


def to_timestamp(moment: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(moment.astimezone(UTC))
    return ts


def ce_headers(
    *, event_id: str, ce_type: str, source: str, subject: str | None = None, time: datetime | None = None,
    msg_id: str | None = None,
) -> dict[str, str]:
    """CloudEvents binary-mode headers plus ``Nats-Msg-Id`` (``msg_id``, else the event id) and
    the trace context."""
    headers = {
        "Nats-Msg-Id": msg_id or event_id,
        "ce-specversion": SPEC_VERSION,
        "ce-id": event_id,
        "ce-source": source,
        "ce-type": ce_type,
        "ce-time": (time or datetime.now(UTC)).isoformat(),
        "content-type": CONTENT_TYPE,
    }
    if subject:
        headers["ce-subject"] = subject
    inject_headers(headers)
    return headers


async def publish(
    js: JetStreamContext,
    subject: str,
    message: Message,
    *,
    event_id: str,
    ce_type: str,
    source: str,
    ce_subject: str | None = None,
    time: datetime | None = None,
    timeout: float = 5.0,
    msg_id: str | None = None,
    parent: str = "",
):
    """Publish one protobuf message and wait for JetStream's acknowledgement.

    ``msg_id`` is the ``Nats-Msg-Id`` when it is not the event id (a department event's is
    :func:`event_key`). ``parent``: the ``traceparent`` stored with the message, whose trace the
    publishing continues (an outbox relay's); by default the current span's."""
    with tracer(__name__).start_as_current_span(
        f"publish {subject}", context=context_of(parent), kind=trace.SpanKind.PRODUCER,
        attributes={"messaging.system": "nats", "messaging.destination.name": subject, "cloudevents.event_id": event_id},
    ):
        headers = ce_headers(event_id=event_id, ce_type=ce_type, source=source, subject=ce_subject, time=time,
                             msg_id=msg_id)
        return await js.publish(subject, message.SerializeToString(), timeout=timeout, headers=headers)


@dataclass(frozen=True)
class Outgoing:
    """One message for :func:`publish_many`: what :func:`publish` takes besides ``js`` and ``timeout``."""

    subject: str
    message: Message
    event_id: str
    ce_type: str
    source: str
    ce_subject: str | None = None
    time: datetime | None = None
    msg_id: str | None = None
    parent: str = ""  # the stored traceparent to continue (publish's parent)


async def publish_many(
    js: JetStreamContext, messages: Sequence[Outgoing], *, timeout: float = 5.0
) -> list[PubAck | Exception]:
    """Publish several messages with their acknowledgements in flight together.

    Each goes out exactly as :func:`publish` sends it (CloudEvents headers, ``Nats-Msg-Id``,
    trace context, its own span); they are started in the order given, none waiting for another's
    acknowledgement, and the acknowledgements are awaited together, each for at most ``timeout``
    seconds. One answer per message, in the order given: JetStream's acknowledgement, or the
    exception that message met (a time-out, NATS away, a refusal).
    """
    answers = await asyncio.gather(
        *(
            publish(js, m.subject, m.message, event_id=m.event_id, ce_type=m.ce_type, source=m.source,
                    ce_subject=m.ce_subject, time=m.time, timeout=timeout, msg_id=m.msg_id, parent=m.parent)
            for m in messages
        ),
        return_exceptions=True,
    )
    for answer in answers:
        if isinstance(answer, BaseException) and not isinstance(answer, Exception):
            raise answer  # cancelled, or the process is stopping: not a publish that failed
    return answers


def envelope_of(msg: Msg) -> events_pb2.Envelope:
    """The message as a CloudEvents envelope, kept whole for dead-lettering."""
    headers = msg.headers or {}
    env = events_pb2.Envelope(
        id=headers.get("ce-id", ""),
        source=headers.get("ce-source", ""),
        spec_version=headers.get("ce-specversion", ""),
        type=headers.get("ce-type", ""),
        subject=headers.get("ce-subject", ""),
        data_content_type=headers.get("content-type", ""),
        data=msg.data,
        traceparent=headers.get("traceparent", ""),
    )
    if "ce-time" in headers:
        try:
            env.time.CopyFrom(to_timestamp(datetime.fromisoformat(headers["ce-time"])))
        except (ValueError, OverflowError):
            pass  # not a time, or one no Timestamp carries: the envelope has no time
    return env


class Verdict(Enum):
    """What became of one message."""

    DONE = "done"  # effects committed (or already there): acknowledge
    RETRY = "retry"  # a passing failure: deliver again later
    DEAD = "dead"  # can never succeed: dead-letter with the reason, then acknowledge


@dataclass
class Outcome:
    verdict: Verdict
    reason: str = ""
    stage: str = "handler"

    @classmethod
    def done(cls) -> Outcome:
        return cls(Verdict.DONE)

    @classmethod
    def retry(cls, reason: str) -> Outcome:
        return cls(Verdict.RETRY, reason)

    @classmethod
    def dead(cls, reason: str, stage: str = "handler") -> Outcome:
        return cls(Verdict.DEAD, reason, stage)


BatchHandler = Callable[[list[Msg]], Awaitable[list[Outcome]]]
DeadLetterHook = Callable[[Msg, events_pb2.DeadLetter], Awaitable[None]]



async def read_lag(js: JetStreamContext, stream: str, durable: str) -> None:
    """A durable consumer's lag as the server counts it, for :data:`metrics.CONSUMER_PENDING`
    (nothing while the consumer does not exist yet)."""
    try:
        info = await js.consumer_info(stream, durable)
    except nats.js.errors.NotFoundError:
        return
    labels = {"stream": stream, "consumer": durable}
    metrics.CONSUMER_PENDING.set(info.num_pending or 0, **labels)
    metrics.CONSUMER_ACK_PENDING.set(info.num_ack_pending or 0, **labels)


async def watch_lag(read: Callable[[], Awaitable[None]], durable: str, stop: asyncio.Event) -> None:
    """Read a durable consumer's lag (``read``, e.g. :func:`read_lag`) every :data:`LAG_SECONDS`
    until ``stop``; a failure is logged once and tried again."""
    def not_read(exc: Exception, failures: int) -> None:
        if failures == 1:
            log.warning("consumer lag not read", extra={"consumer": durable, "error": str(exc) or type(exc).__name__})

    await periodic.repeat(read, every=LAG_SECONDS, stop=stop, failed=not_read)


@dataclass
class PullConsumer:
    """A durable pull consumer that works in batches and never loses a message.

    The handler gets a whole fetched batch (so it can resolve grids in bulk) and returns one
    :class:`Outcome` per message. A message is acknowledged only once the handler says its
    effects are committed. Failures are retried with a growing delay; after ``max_deliver``
    deliveries — or at once, for a message the handler calls dead — it is published to the
    dead-letter stream with its reason, handed to ``on_dead_letter``, and only then
    acknowledged. If the handler raises, the whole batch is retried.
    """

    js: JetStreamContext
    stream: str
    durable: str
    filter_subject: str
    handler: BatchHandler
    source: str
    batch_size: int = 100
    max_deliver: int = 5
    ack_wait_seconds: float = 60.0
    fetch_timeout: float = 1.0
    on_dead_letter: DeadLetterHook | None = None
    retry_delays: tuple[float, ...] = (1.0, 5.0, 15.0, 60.0)
    # Where a consumer made for the first time starts (one that exists keeps its place): the whole
    # stream, or (NEW) what is published from now on.
    deliver_policy: DeliverPolicy = DeliverPolicy.ALL
    _sub: JetStreamContext.PullSubscription | None = field(default=None, init=False)

    async def start(self) -> None:
        config = ConsumerConfig(
            durable_name=self.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=self.deliver_policy,
            ack_wait=self.ack_wait_seconds,
            # One more than ours: the loop dead-letters on the last delivery itself.
            max_deliver=self.max_deliver + 1,
            max_ack_pending=max(1000, self.batch_size * 4),
            filter_subject=self.filter_subject,
        )
        self._sub = await self.js.pull_subscribe(
            self.filter_subject, durable=self.durable, stream=self.stream, config=config
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Fetch and handle batches until ``stop`` is set; the batch in hand is finished first."""
        if self._sub is None:
            await self.start()
        assert self._sub is not None
        watching = asyncio.ensure_future(
            watch_lag(lambda: read_lag(self.js, self.stream, self.durable), self.durable, stop))
        try:
            await self._fetch_and_handle(stop)
        finally:
            watching.cancel()
            with suppress(asyncio.CancelledError):
                await watching


    async def _fetch_and_handle(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    msgs = await self._sub.fetch(self.batch_size, timeout=self.fetch_timeout)
                except (TimeoutError, nats.errors.TimeoutError):
                    continue
                except (nats.errors.ConnectionClosedError, nats.errors.DrainTimeoutError):
                    return
                except Exception:
                    log.exception("fetch failed", extra={"consumer": self.durable})
                    await asyncio.sleep(1.0)
                    continue
                await self.handle_batch(msgs)
        finally:
            # Leave the subscription, stopped or cancelled: a pull subscription left open makes
            # ``nc.drain()`` wait out its whole drain timeout (30 s) at shutdown. Unacknowledged
            # messages go back to the durable consumer for the next process.
            with suppress(Exception):
                await self._sub.unsubscribe()

    async def handle_batch(self, msgs: list[Msg]) -> None:
        # The batch continues the first message's trace and links every message's; each message
        # gets a span of its own in its own trace, from the batch's start to its settling, with
        # its verdict: every event's trace shows what became of it, and leads to the batch.
        parents = [extract_context(m.headers) for m in msgs]
        links = [trace.Link(c) for c in (trace.get_current_span(p).get_span_context() for p in parents) if c.is_valid]
        started = time_ns()
        with tracer(__name__).start_as_current_span(
            f"process {self.stream} batch",
            context=parents[0] if msgs else None,
            kind=trace.SpanKind.CONSUMER,
            links=links,
            attributes={"messaging.batch.message_count": len(msgs), "messaging.consumer.group.name": self.durable},
        ) as batch:
            try:
                outcomes = await self.handler(msgs)
                if len(outcomes) != len(msgs):
                    raise RuntimeError(f"handler returned {len(outcomes)} outcomes for {len(msgs)} messages")
            except Exception as exc:
                log.exception("batch failed", extra={"consumer": self.durable, "size": len(msgs)})
                outcomes = [Outcome.retry(f"{type(exc).__name__}: {exc}") for _ in msgs]
            for msg, parent, outcome in zip(msgs, parents, outcomes):
                await self._settle(msg, outcome)
                self._trace_message(msg, parent, outcome, started, batch.get_span_context())
            await self.js._nc.flush()

    def _trace_message(self, msg: Msg, parent, outcome: Outcome, started: int, batch) -> None:
        span = tracer(__name__).start_span(
            f"process {msg.subject}", context=parent, kind=trace.SpanKind.CONSUMER, start_time=started,
            links=[trace.Link(batch)],
            attributes={"messaging.system": "nats", "messaging.destination.name": msg.subject,
                        "messaging.message.id": (msg.headers or {}).get("Nats-Msg-Id", ""),
                        "messaging.consumer.group.name": self.durable,
                        "gridfusion.verdict": outcome.verdict.value,
                        **({"gridfusion.reason": outcome.reason} if outcome.reason else {})},
        )
        span.end()

    async def _settle(self, msg: Msg, outcome: Outcome) -> None:
        deliveries = msg.metadata.num_delivered
        labels = {"stream": self.stream, "consumer": self.durable}
        if deliveries > 1:
            metrics.REDELIVERED.add(1, labels)
        if outcome.verdict is Verdict.DONE:
            await msg.ack()
            return
        if outcome.verdict is Verdict.RETRY and deliveries < self.max_deliver:
            delay = self.retry_delays[min(deliveries - 1, len(self.retry_delays) - 1)]
            log.warning(
                "message will be retried",
                extra={"subject": msg.subject, "deliveries": deliveries, "reason": outcome.reason},
            )
            await msg.nak(delay=delay)
            return
        reason = outcome.reason
        if outcome.verdict is Verdict.RETRY:
            reason = f"gave up after {deliveries} deliveries: {reason}"
        try:
            await self.dead_letter(msg, reason=reason, stage=outcome.stage, deliveries=deliveries)
        except Exception:
            log.exception("dead-lettering failed", extra={"subject": msg.subject})
            await msg.nak(delay=self.retry_delays[-1])
            return
        metrics.DEAD_LETTERS.add(1, {"stream": self.stream, "stage": outcome.stage})
        await msg.ack()

    async def dead_letter(self, msg: Msg, *, reason: str, stage: str, deliveries: int) -> None:
        meta = msg.metadata
        record = events_pb2.DeadLetter(
            envelope=envelope_of(msg),
            stage=stage,
            reason=reason,
            deliveries=deliveries,
            origin_subject=msg.subject,
            origin_sequence=meta.sequence.stream,
        )
        record.dead_lettered_at.GetCurrentTime()
        dl_id = f"{self.stream}-{meta.sequence.stream}"
        await publish(
            self.js,
            deadletter_subject(self.stream),
            record,
            event_id=dl_id,
            ce_type="gridfusion.deadletter.v1",
            source=self.source,
            ce_subject=record.envelope.id or dl_id,
        )
        if self.on_dead_letter is not None:
            await self.on_dead_letter(msg, record)
        log.error(
            "message dead-lettered",
            extra={"subject": msg.subject, "event_id": record.envelope.id, "stage": stage, "reason": reason},
        )
