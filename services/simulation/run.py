"""Sending the mix through the gateway, as the five department systems would.

:func:`simulate` signs in one account per department (local mode's demo accounts
``dept-<department>``, password ``demo`` unless ``GRIDFUSION_DEMO_PASSWORD`` says otherwise),
takes events from :func:`services.simulation.mix.events` and posts them, grouped per
department in batches of up to :data:`MAX_BATCH`, to
``POST /v1/departments/{department}/events:batch``, with at most ``in_flight`` batches
waiting for an answer at once (so without a rate it sends as fast as the gateway takes them).
With a ``rate`` it sends that many events a second, and a batch leaves when it is full or
has waited :data:`FLUSH_SECONDS`.

What becomes of each event is counted per department (:class:`Tally`): ``accepted``,
``duplicate`` (the id was there before — a re-run of a seed, or a retry whose first answer was
lost), ``refused`` (422: the platform found the event invalid) or ``failed`` (no answer after
:data:`MAX_ATTEMPTS` tries, or any other error). A 429 or 503 is waited out as ``Retry-After``
says and the same events are sent again, with the same ids, so nothing is doubled; a lost
connection, a time-out, a proxy's 502 or 504 are retried the same way after a growing pause; an
expired token is renewed by signing in again.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime

import httpx

from services.platform.vocabulary import DEPARTMENTS
from services.reference import County, build_county

from . import mix

DEFAULT_GATEWAY = "http://127.0.0.1:8080"
DEFAULT_PASSWORD = "demo"
MAX_BATCH = 500
IN_FLIGHT = 4
FLUSH_SECONDS = 1.0
MAX_ATTEMPTS = 10  # per batch: answers RETRIED, lost connections and time-outs
# Answers that mean "not now": 429 and 503 say when to try again (Retry-After); a proxy's 502
# and 504 are backed off.
RETRIED = frozenset({429, 502, 503, 504})
MAX_WAIT_SECONDS = 60.0
SIGN_IN_TRIES = 3  # a gateway that does not answer a sign-in: said at once, not after minutes
# Event time per event when no rate is given: the mix's own default.
UNPACED_EVENT_RATE = 10.0
NOTES_KEPT = 10


class SimulationError(RuntimeError):
    """The run could not start (the gateway unreachable, a sign-in refused)."""


@dataclass
class Tally:
    """What became of one department's events."""

    sent: int = 0
    accepted: int = 0
    duplicate: int = 0
    refused: int = 0
    failed: int = 0

    def add(self, other: Tally) -> None:
        self.sent += other.sent
        self.accepted += other.accepted
        self.duplicate += other.duplicate
        self.refused += other.refused
        self.failed += other.failed


@dataclass
class Summary:
    """A run so far, or at its end: per department, overall, and the first problems."""

    departments: dict[str, Tally] = field(default_factory=lambda: {d: Tally() for d in DEPARTMENTS})
    seconds: float = 0.0
    refusals: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    # Batches sent again, by why: an answer's status ("503") or the lost answer ("ReadTimeout").
    # The events of a batch whose answer was lost come back "duplicate" when sent again.
    retries: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> Tally:
        total = Tally()
        for tally in self.departments.values():
            total.add(tally)
        return total

    @property
    def ok(self) -> bool:
        """Every event sent was accepted or already there."""
        total = self.total
        return total.failed == 0 and total.refused == 0

    def per_second(self, what: str = "accepted") -> float:
        return getattr(self.total, what) / self.seconds if self.seconds > 0 else 0.0

    def note(self, notes: list[str], text: str) -> None:
        if len(notes) < NOTES_KEPT:
            notes.append(text)


Progress = Callable[[Summary], None]


async def simulate(
    gateway: str = DEFAULT_GATEWAY,
    *,
    count: int | None = None,
    duration: float | None = None,
    rate: float | None = None,
    seed: int = 0,
    batch: int = MAX_BATCH,
    password: str = DEFAULT_PASSWORD,
    county: County | None = None,
    start: datetime | None = None,
    in_flight: int = IN_FLIGHT,
    on_progress: Progress | None = None,
    timeout: float = 120.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Summary:
    """Send ``count`` events, or send for ``duration`` seconds, of the mix of ``county`` (the
    synthetic Ningyang county unless given) for ``seed``; ``rate`` events a second, or as fast
    as the gateway takes them. Raises :class:`SimulationError` when it cannot start."""
    if (count is None) == (duration is None):
        raise ValueError("give either count or duration")
    if count is not None and count < 0 or duration is not None and duration < 0:
        raise ValueError("count and duration cannot be negative")
    if rate is not None and not rate > 0:
        raise ValueError("rate must be positive")
    if not 1 <= batch <= MAX_BATCH:
        raise ValueError(f"batch must be 1 to {MAX_BATCH}")
    stream = mix.events(county or build_county(), seed=seed, start=start, rate=rate or UNPACED_EVENT_RATE)
    limits = httpx.Limits(max_connections=in_flight + 2, max_keepalive_connections=in_flight + 2)
    async with httpx.AsyncClient(base_url=gateway.rstrip("/"), timeout=timeout, limits=limits,
                                 transport=transport) as client:
        sender = Sender(client, password, in_flight=in_flight, on_progress=on_progress)
        await sender.sign_in_all()
        await sender.run(stream, count=count, duration=duration, rate=rate, batch=batch)
        return sender.summary


class Sender:
    def __init__(self, client: httpx.AsyncClient, password: str, *, in_flight: int = IN_FLIGHT,
                 on_progress: Progress | None = None) -> None:
        self.client = client
        self.password = password
        self.summary = Summary()
        self.tokens: dict[str, str] = {}
        self.sign_in_locks = {d: asyncio.Lock() for d in DEPARTMENTS}
        self.slots = asyncio.Semaphore(in_flight)
        self.on_progress = on_progress
        self.loop = asyncio.get_running_loop()
        self.started = self.loop.time()

    # -- accounts ----------------------------------------------------------------------------
    async def sign_in_all(self) -> None:
        for department in DEPARTMENTS:
            await self.sign_in(department)

    async def sign_in(self, department: str, stale: str | None = None) -> None:
        """Sign in as ``dept-<department>``, unless another batch already renewed ``stale``."""
        async with self.sign_in_locks[department]:
            if department in self.tokens and self.tokens[department] != stale:
                return
            username = f"dept-{department}"
            for attempt in range(1, MAX_ATTEMPTS + 1):
                try:
                    reply = await self.client.post("/v1/auth/token",
                                                   data={"username": username, "password": self.password})
                except httpx.TransportError as exc:
                    if attempt == SIGN_IN_TRIES:
                        raise SimulationError(f"gateway {self.client.base_url} unreachable: {exc!r}") from exc
                    await asyncio.sleep(backoff(attempt))
                    continue
                if reply.status_code == 200:
                    self.tokens[department] = reply.json()["access_token"]
                    return
                if reply.status_code in (429, 503) and attempt < MAX_ATTEMPTS:
                    await asyncio.sleep(retry_after(reply, attempt))
                    continue
                raise SimulationError(f"signing in as {username} was refused ({reply.status_code}): "
                                      f"{detail_of(reply)}")

    # -- sending -----------------------------------------------------------------------------
    async def run(self, stream: Iterator[tuple[str, dict]], *, count: int | None, duration: float | None,
                  rate: float | None, batch: int) -> None:
        loop = self.loop
        started = self.started = loop.time()
        deadline = started + duration if duration is not None else math.inf
        limit = count if count is not None else math.inf
        buffers: dict[str, list[dict]] = {d: [] for d in DEPARTMENTS}
        waiting_since: dict[str, float] = {}
        tasks: set[asyncio.Task] = set()
        produced = 0

        async def flush(department: str) -> None:
            events, buffers[department] = buffers[department], []
            waiting_since.pop(department, None)
            if not events:
                return
            await self.slots.acquire()  # at most in_flight batches unanswered
            task = asyncio.create_task(self.send(department, events))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        while produced < limit and loop.time() < deadline:
            now = loop.time()
            if rate is None:
                due = min(batch, limit - produced)
            else:
                due = min(math.floor((now - started) * rate) + 1, limit) - produced
            for _ in range(int(due)):
                department, event = next(stream)
                buffers[department].append(event)
                waiting_since.setdefault(department, now)
                produced += 1
                if len(buffers[department]) >= batch:
                    await flush(department)
            if rate is not None:
                for department, since in list(waiting_since.items()):
                    if loop.time() - since >= FLUSH_SECONDS:
                        await flush(department)
                next_due = started + produced / rate
                pause = min(next_due, deadline) - loop.time()
                if pause > 0:
                    await asyncio.sleep(min(pause, FLUSH_SECONDS))
            else:
                await asyncio.sleep(0)
            self.progress()
        for department in DEPARTMENTS:
            await flush(department)
        if tasks:
            await asyncio.gather(*tasks)
        self.progress()

    def progress(self) -> None:
        self.summary.seconds = self.loop.time() - self.started
        if self.on_progress is not None:
            self.on_progress(self.summary)

    async def send(self, department: str, events: list[dict]) -> None:
        try:
            await self._send(department, events)
        finally:
            self.slots.release()
            self.progress()

    async def _send(self, department: str, events: list[dict]) -> None:
        tally = self.summary.departments[department]
        tally.sent += len(events)
        path = f"/v1/departments/{department}/events:batch"
        for attempt in range(1, MAX_ATTEMPTS + 1):
            token = self.tokens.get(department)
            last = attempt == MAX_ATTEMPTS
            try:
                reply = await self.client.post(path, json={"events": events},
                                               headers={"Authorization": f"Bearer {token}"})
            except httpx.TransportError as exc:
                if last:
                    return self.fail(department, events, f"no answer after {attempt} tries: {exc!r}")
                self.summary.retries[type(exc).__name__] += 1
                await asyncio.sleep(backoff(attempt))
                continue
            if reply.status_code == 200:
                return self.count(department, events, reply.json())
            if reply.status_code in RETRIED and not last:
                self.summary.retries[str(reply.status_code)] += 1
                await asyncio.sleep(retry_after(reply, attempt))
                continue
            if reply.status_code == 401 and not last:
                try:
                    await self.sign_in(department, stale=token)
                except SimulationError as exc:
                    return self.fail(department, events, str(exc))
                continue
            if reply.status_code == 422:
                tally.refused += len(events)
                self.summary.note(self.summary.refusals,
                                  f"{department}: a batch of {len(events)} refused whole: {detail_of(reply)}")
                return None
            return self.fail(department, events, f"{reply.status_code}: {detail_of(reply)}")
        return None

    def count(self, department: str, events: list[dict], body: dict) -> None:
        tally = self.summary.departments[department]
        answered = 0
        for item in body.get("results", []):
            answered += 1
            status = item.get("status")
            if status == "accepted":
                tally.accepted += 1
            elif status == "duplicate":
                tally.duplicate += 1
            else:
                tally.refused += 1
                self.summary.note(self.summary.refusals,
                                  f"{department} {item.get('event_id')}: {item.get('errors')}")
        if answered < len(events):
            self.fail(department, events[answered:], "the gateway answered for fewer events than were sent")

    def fail(self, department: str, events: list[dict], reason: str) -> None:
        self.summary.departments[department].failed += len(events)
        self.summary.note(self.summary.failures, f"{department}: {len(events)} events: {reason}")


def backoff(attempt: int) -> float:
    return min(MAX_WAIT_SECONDS, 0.5 * 2 ** (attempt - 1))


def retry_after(reply: httpx.Response, attempt: int) -> float:
    """Seconds to wait as the answer's ``Retry-After`` says (seconds or an HTTP date); else back off."""
    value = reply.headers.get("Retry-After", "").strip()
    if value:
        try:
            return min(MAX_WAIT_SECONDS, max(0.0, float(value)))
        except ValueError:
            try:
                when = parsedate_to_datetime(value)
                return min(MAX_WAIT_SECONDS, max(0.0, when.timestamp() - datetime.now(when.tzinfo).timestamp()))
            except (TypeError, ValueError):
                pass
    return backoff(attempt)


def detail_of(reply: httpx.Response) -> str:
    try:
        detail = reply.json().get("detail")
    except ValueError:
        detail = reply.text
    return str(detail)[:300]
