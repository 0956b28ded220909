"""The local supervisor: a process that exits is started again after a pause that doubles, with
the reason said and written to ``status.json``; one that stays up a minute is back to the short
pause. Real (tiny) processes; the supervisor's clock is driven by the test."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest

from services.local import (
    BACKOFF_FIRST,
    BACKOFF_MAX,
    STABLE_AFTER,
    LocalPlatform,
    Supervisor,
    exit_of,
    last_words,
    read_status,
)

pytestmark = pytest.mark.unit

CRASH = [sys.executable, "-c", "import sys; print('fatal: no database'); sys.exit(3)"]
SLEEP = [sys.executable, "-c", "import time; time.sleep(60)"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def wait_exit(platform: LocalPlatform, name: str) -> None:
    platform.procs[name].wait(10)


@pytest.fixture
def platform(tmp_path: Path):
    p = LocalPlatform(home=tmp_path, say=lambda _: None)
    yield p
    for proc in p.procs.values():
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_exit_is_said_in_words() -> None:
    assert exit_of(3) == "exit code 3"
    assert exit_of(-signal.SIGKILL) == "killed by SIGKILL"
    assert exit_of(None) == "running"


def test_a_crashed_process_is_restarted_after_a_doubling_pause(platform: LocalPlatform) -> None:
    said: list[str] = []
    clock = Clock()
    platform._spawn("petition", CRASH)
    platform._spawn("fusion", SLEEP)
    supervisor = Supervisor(platform, say=said.append, clock=clock)
    wait_exit(platform, "petition")

    supervisor.tick()  # noticed: the reason said, the restart waits BACKOFF_FIRST
    assert said == [f"petition exit code 3; restarting it in {BACKOFF_FIRST:g} s (its log ends: fatal: no database)"]
    first = platform.procs["petition"]
    clock.now += BACKOFF_FIRST / 2
    supervisor.tick()
    assert platform.procs["petition"] is first  # not yet
    clock.now += BACKOFF_FIRST
    supervisor.tick()
    assert platform.procs["petition"] is not first and said[-1] == "petition restarted (restart 1)"

    wait_exit(platform, "petition")  # it crashes again: the pause doubles
    supervisor.tick()
    assert said[-1].startswith(f"petition exit code 3; restarting it in {2 * BACKOFF_FIRST:g} s")
    clock.now += 2 * BACKOFF_FIRST
    supervisor.tick()
    status = read_status(platform.home)["processes"]
    assert status["petition"]["restarts"] == 2 and status["petition"]["last_exit"] == "exit code 3"
    assert status["petition"]["last_reason"] == "fatal: no database"
    assert status["fusion"] == {"pid": platform.procs["fusion"].pid, "running": True, "restarts": 0,
                                "last_exit": "", "last_reason": "", "last_restart": None}
    assert supervisor.watches["petition"].backoff == 4 * BACKOFF_FIRST


def test_the_pause_is_capped_and_reset_once_the_process_stays_up(platform: LocalPlatform) -> None:
    clock = Clock()
    platform._spawn("gateway", SLEEP)
    supervisor = Supervisor(platform, clock=clock, say=lambda _: None)
    supervisor.tick()
    watch = supervisor.watches["gateway"]
    watch.backoff = BACKOFF_MAX  # as after many crashes
    platform.procs["gateway"].send_signal(signal.SIGKILL)
    wait_exit(platform, "gateway")
    supervisor.tick()
    assert watch.last_exit == "killed by SIGKILL" and watch.restart_at == clock.now + BACKOFF_MAX
    clock.now = watch.restart_at
    supervisor.tick()
    assert platform.procs["gateway"].poll() is None and watch.backoff == BACKOFF_MAX  # doubled, capped
    clock.now += STABLE_AFTER - 1
    supervisor.tick()
    assert watch.backoff == BACKOFF_MAX
    clock.now += 1
    supervisor.tick()
    assert watch.backoff == BACKOFF_FIRST


def test_status_is_none_without_a_running_platform(tmp_path: Path) -> None:
    assert read_status(tmp_path) is None


def test_the_reason_is_a_json_log_line_s_message_and_error() -> None:
    line = '{"time": "t", "level": "ERROR", "message": "consumer stopped", "error": "Traceback\\n  x\\nTimeoutError: nats"}'
    assert last_words(line) == "consumer stopped: TimeoutError: nats"
    assert last_words('{"message": "service started", "service": "fusion"}') == "service started"
    assert last_words("plain text ends here ") == "plain text ends here"


def test_a_held_process_stays_down_until_released(platform: LocalPlatform) -> None:
    clock = Clock()
    platform._spawn("nats-server", CRASH)
    supervisor = Supervisor(platform, clock=clock, say=lambda _: None)
    supervisor.hold("nats-server")
    wait_exit(platform, "nats-server")
    down = platform.procs["nats-server"]
    clock.now += 100
    supervisor.tick()
    assert platform.procs["nats-server"] is down and supervisor.watches["nats-server"].restarts == 0
    supervisor.release("nats-server")
    supervisor.tick()
    clock.now += BACKOFF_FIRST
    supervisor.tick()
    assert platform.procs["nats-server"] is not down and supervisor.watches["nats-server"].restarts == 1


def test_stop_stops_a_process_started_beside_the_services(platform: LocalPlatform) -> None:
    extra = platform._spawn("fusion-2", SLEEP)
    infra = platform._spawn("nats-server", SLEEP)
    platform.stop(grace=5)
    assert extra.poll() is not None and infra.poll() is not None and platform.procs == {}
