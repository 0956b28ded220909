"""The periodic-work helper: runs, waits, wakes, stops, and survives its job's errors."""

from __future__ import annotations

import asyncio
import logging

import pytest

from services.platform import periodic

pytestmark = pytest.mark.unit

LONG = 60.0  # an interval no test waits out: stop, wake or a recorded pause moves it on


class Runs:
    """A job that notes each run (when, and whether ``wake`` was still set) and sets ``stop``
    after ``until`` runs."""

    def __init__(self, stop: asyncio.Event | None = None, *, until: int = 0, wake: asyncio.Event | None = None) -> None:
        self.stop, self.until, self.wake = stop, until, wake
        self.at: list[float] = []
        self.woken: list[bool] = []

    @property
    def count(self) -> int:
        return len(self.at)

    async def __call__(self) -> None:
        self.at.append(asyncio.get_running_loop().time())
        self.woken.append(self.wake is not None and self.wake.is_set())
        if self.stop is not None and self.count == self.until:
            self.stop.set()


class Failures:
    """Failures as the loop reports them."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int]] = []

    def __call__(self, exc: Exception, failures: int) -> None:
        self.seen.append((str(exc), failures))


def outcomes(*errors: Exception | None):
    """A job that raises each of ``errors`` in turn (None: a run that succeeds)."""
    left = iter(errors)

    async def job() -> None:
        error = next(left)
        if error is not None:
            raise error

    return job


def started(job, **options) -> asyncio.Task:
    """The loop as a task, every :data:`LONG` seconds unless ``options`` say otherwise."""
    return asyncio.create_task(periodic.repeat(job, **{"every": LONG, "failed": Failures(), **options}))


def pauses(monkeypatch, stop: asyncio.Event, count: int) -> list[float]:
    """Record the loop's waits instead of waiting; set ``stop`` at the ``count``-th."""
    seen: list[float] = []

    async def pause(seconds: float, stop_: asyncio.Event, wake: asyncio.Event | None) -> None:
        seen.append(seconds)
        if len(seen) >= count:
            stop.set()

    monkeypatch.setattr(periodic, "_pause", pause)
    return seen


async def test_the_job_runs_at_once_and_again_after_each_interval_until_stopped() -> None:
    stop = asyncio.Event()
    job = Runs(stop, until=3)
    started_at = asyncio.get_running_loop().time()
    await asyncio.wait_for(started(job, every=0.05, stop=stop), timeout=5)
    assert job.count == 3
    assert job.at[0] - started_at < 0.05  # the first run does not wait
    assert job.at[2] - job.at[0] >= 0.09  # the others do


async def test_stop_ends_the_wait_at_once() -> None:
    stop, job = asyncio.Event(), Runs()
    loop = started(job, stop=stop)
    await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(loop, timeout=2)
    assert job.count == 1


async def test_a_failing_job_is_reported_with_its_failures_in_a_row_and_the_loop_goes_on(monkeypatch) -> None:
    stop, failures = asyncio.Event(), Failures()
    pauses(monkeypatch, stop, 5)
    job = outcomes(ValueError("one"), ValueError("two"), None, ValueError("three"), None)
    await asyncio.wait_for(periodic.repeat(job, every=LONG, failed=failures, stop=stop), timeout=2)
    assert failures.seen == [("one", 1), ("two", 2), ("three", 1)]  # a success resets the count


async def test_failed_is_called_inside_the_except_block_so_the_traceback_is_logged(monkeypatch, caplog) -> None:
    stop = asyncio.Event()
    pauses(monkeypatch, stop, 1)
    log = logging.getLogger("tests.periodic")
    with caplog.at_level(logging.ERROR, logger="tests.periodic"):
        await periodic.repeat(outcomes(RuntimeError("database away")), every=LONG, stop=stop,
                              failed=lambda exc, failures: log.exception("pass failed"))
    (entry,) = caplog.records
    assert entry.message == "pass failed" and entry.exc_info[1].args == ("database away",)


async def test_after_failures_the_wait_follows_the_backoff_never_longer_than_the_interval(monkeypatch) -> None:
    stop = asyncio.Event()
    seen = pauses(monkeypatch, stop, 6)
    away = ConnectionError("fusion away")
    job = outcomes(away, away, away, away, None, away)
    await periodic.repeat(job, every=7.0, failed=Failures(), stop=stop, backoff=(1.0, 2.0, 10.0))
    assert seen == [1.0, 2.0, 7.0, 7.0, 7.0, 1.0]


async def test_wake_cuts_the_wait_short_and_is_cleared() -> None:
    stop, wake = asyncio.Event(), asyncio.Event()
    job = Runs(stop, until=2, wake=wake)
    loop = started(job, stop=stop, wake=wake)
    await asyncio.sleep(0.05)
    assert job.count == 1
    wake.set()
    await asyncio.wait_for(loop, timeout=2)
    assert job.woken == [False, False]  # woken, and the wake cleared before the run


async def test_wait_first_runs_the_job_only_after_the_first_wait() -> None:
    wake, job = asyncio.Event(), Runs()
    loop = started(job, wake=wake, wait_first=True)
    await asyncio.sleep(0.05)
    assert job.count == 0
    wake.set()
    await asyncio.sleep(0.05)
    assert job.count == 1
    loop.cancel()  # without a stop event the loop runs until cancelled
    with pytest.raises(asyncio.CancelledError):
        await loop


async def test_stop_set_during_the_first_wait_means_no_run() -> None:
    stop, job = asyncio.Event(), Runs()
    loop = started(job, stop=stop, wait_first=True)
    await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(loop, timeout=2)
    assert job.count == 0


async def test_retry_runs_the_job_until_it_succeeds_once() -> None:
    failures = Failures()
    job = outcomes(ConnectionError("attempt 1"), ConnectionError("attempt 2"), None)
    await asyncio.wait_for(periodic.retry(job, every=0.01, failed=failures), timeout=2)
    assert failures.seen == [("attempt 1", 1), ("attempt 2", 2)]  # and no fourth run: outcomes has none
