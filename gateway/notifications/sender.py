"""The webhook sender: posts each delivery due, signed, and keeps what came of every attempt.

Every gateway replica runs one (:meth:`Sender.run`, a :mod:`services.platform.periodic` loop,
woken at once when its replica recorded deliveries). It claims one pending delivery at a time
with a lease (:meth:`NotificationStore.claim`), so no two replicas post one delivery at once,
posts it (:mod:`.signing`), and notes the attempt: a 2xx is ``delivered``; any other answer, a
time-out or a refused connection is tried again after :func:`signing.backoff`, until
``GATEWAY_WEBHOOK_MAX_ATTEMPTS`` attempts, then ``failed``. A delivery whose subscription was
deleted meanwhile is ``cancelled``. Redirects are not followed.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from services.platform import metrics, periodic

from . import signing
from .store import NotificationStore

log = logging.getLogger(__name__)

# Deliveries posted at once by one replica.
CONCURRENCY = 4
ERROR_MAX = 300


def allows_private(settings) -> bool:
    """Whether webhooks may go to private and loopback addresses (by default only in local mode)."""
    return (
        settings.local_mode
        if settings.webhook_allow_private is None
        else settings.webhook_allow_private
    )


class Sender:
    def __init__(
        self,
        store: NotificationStore,
        *,
        timeout: float,
        max_attempts: int,
        retry_seconds: float,
        allow_private: bool,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.retry_seconds = retry_seconds
        self.allow_private = allow_private
        self.now = now
        self.holder = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self.client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)

    async def tick(self) -> int:
        """Post every delivery due now (several at once); how many were attempted."""
        counts = await asyncio.gather(*(self._drain() for _ in range(CONCURRENCY)))
        return sum(counts)

    async def _drain(self) -> int:
        done = 0
        while True:
            delivery = await self.store.claim(self.now(), self.timeout + 30, self.holder)
            if delivery is None:
                return done
            await self.attempt(delivery)
            done += 1

    async def attempt(self, delivery: dict[str, Any]) -> str:
        """Post one claimed delivery and note the attempt; the delivery's status after it."""
        hook = await self.store.webhook(delivery["webhook_id"])
        if hook is None:
            await self.store.cancel(delivery["_id"], self.now())
            return "cancelled"
        body = signing.body_of(delivery["payload"])
        started, at = time.monotonic(), self.now()
        code, error = None, ""
        try:
            if not self.allow_private:
                await signing.check_public(hook["url"])
            headers = signing.headers_of(
                hook["secret"],
                body,
                event=delivery["event"],
                delivery_id=delivery["_id"],
                timestamp=int(at.timestamp()),
            )
            reply = await self.client.post(hook["url"], content=body, headers=headers)
            code = reply.status_code
        except signing.BadTarget as exc:
            error = str(exc)
        except httpx.TimeoutException:
            error = f"no answer within {self.timeout:g} s"
        except Exception as exc:  # noqa: BLE001 - whatever stopped the post is the attempt's error
            error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX]
        attempt = {
            "at": at,
            "status_code": code,
            "error": error or None,
            "ms": round((time.monotonic() - started) * 1000),
        }
        attempts = delivery.get("attempt_count", 0) + 1
        if code is not None and 200 <= code < 300:
            changes = {"status": "delivered", "next_at": None, "finished_at": self.now()}
        elif attempts >= self.max_attempts:
            changes = {"status": "failed", "next_at": None, "finished_at": self.now()}
        else:
            wait = signing.backoff(attempts, self.retry_seconds)
            changes = {"next_at": self.now() + timedelta(seconds=wait)}
        if not await self.store.settle(delivery, attempt, changes):
            log.warning(
                "a webhook attempt was noted too late: its lease had run out",
                extra={"delivery_id": delivery["_id"]},
            )
            return "pending"
        status = changes.get("status", "pending")
        metrics.WEBHOOK_ATTEMPTS.add(1, {"outcome": "retry" if status == "pending" else status})
        log.info(
            "webhook attempted",
            extra={
                "delivery_id": delivery["_id"],
                "host": urlsplit(hook["url"]).hostname,
                "status_code": code,
                "error": error,
                "status": status,
            },
        )
        return status

    async def run(
        self, wake: asyncio.Event, *, every: float, stop: asyncio.Event | None = None
    ) -> None:
        try:
            await periodic.repeat(
                self.tick,
                every=every,
                wake=wake,
                stop=stop,
                backoff=(1, 2, 5),
                failed=lambda exc, failures: log.warning(
                    "webhook deliveries not sent; next pass retries",
                    extra={"error": str(exc) or type(exc).__name__, "failures": failures},
                ),
            )
        finally:
            await self.client.aclose()
