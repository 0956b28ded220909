"""Work that comes round again until the service stops: an outbox relay, the deadline pass, a
reference poll, a connection that is retried until it answers.

:func:`repeat` runs a job, waits ``every`` seconds — less when ``wake`` or ``stop`` is set
meanwhile — clears ``wake`` and runs the job again, until ``stop`` is set (without ``stop``,
until its task is cancelled). A job that raises does not end the loop: ``failed`` is called with
the error and the number of failures in a row, inside the ``except`` block (so
``log.exception`` logs the traceback), and after a failure the wait is the ``backoff`` step for
that many failures, never longer than ``every``. Cancelling the task stops the loop at once.
:func:`retry` runs a job until it succeeds once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

Job = Callable[[], Awaitable[object]]
# Called with the error and how many runs in a row have failed; the loop goes on.
Failed = Callable[[Exception, int], None]


async def repeat(
    job: Job,
    *,
    every: float,
    failed: Failed,
    stop: asyncio.Event | None = None,
    wake: asyncio.Event | None = None,
    wait_first: bool = False,
    backoff: Sequence[float] = (),
) -> None:
    """Run ``job`` every ``every`` seconds (see the module doc); with ``wait_first`` the first
    run comes after the first wait."""
    stop = asyncio.Event() if stop is None else stop
    failures = 0
    if wait_first:
        await _pause(every, stop, wake)
    while not stop.is_set():
        try:
            await job()
            failures = 0
        except Exception as exc:  # noqa: BLE001 - the job's errors are the caller's to log; the loop goes on
            failures += 1
            failed(exc, failures)
        seconds = every
        if failures and backoff:
            seconds = min(backoff[min(failures, len(backoff)) - 1], every)
        await _pause(seconds, stop, wake)


async def retry(job: Job, *, every: float, failed: Failed) -> None:
    """Run ``job`` until it succeeds once, ``every`` seconds after each failure."""
    done = asyncio.Event()

    async def attempt() -> None:
        await job()
        done.set()

    await repeat(attempt, every=every, failed=failed, stop=done)


async def _pause(seconds: float, stop: asyncio.Event, wake: asyncio.Event | None) -> None:
    """Wait ``seconds``, or less if ``stop`` or ``wake`` is set first; then clear ``wake``."""
    waiters = [asyncio.ensure_future(event.wait()) for event in (stop, wake) if event is not None]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)
    if wake is not None:
        wake.clear()
