"""The memory of open sessions: how long it trusts what it read, and when it trusts nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.accounts.open_sessions import OpenSessions
from gateway.feed import read_sessions_notice, sessions_notice

pytestmark = pytest.mark.unit

LATER = datetime.now(UTC) + timedelta(hours=12)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Connection:
    """What the live feed says of its NATS connection: the reconnect count, or None when down."""

    def __init__(self) -> None:
        self.epoch: int | None = 0

    def __call__(self) -> int | None:
        return self.epoch


def memory(seconds: float = 30.0) -> tuple[OpenSessions, Clock, Connection]:
    clock, connection = Clock(), Connection()
    return OpenSessions(seconds, epoch=connection, clock=clock), clock, connection


def test_a_session_read_open_is_remembered_for_the_time_only() -> None:
    sessions, clock, _ = memory(30)
    sessions.remember(sessions.ticket(), "s1", "w1", LATER)
    assert sessions.recall("s1").username == "w1"
    clock.now += 29.9
    assert sessions.recall("s1") is not None
    clock.now += 0.2
    assert sessions.recall("s1") is None and len(sessions) == 0


def test_with_no_time_nothing_is_remembered() -> None:
    sessions, _, _ = memory(0)
    assert sessions.ticket() is None
    sessions.remember(sessions.ticket(), "s1", "w1", LATER)
    assert sessions.recall("s1") is None


def test_forgetting_an_account_forgets_all_its_sessions_and_one_session_only_that_one() -> None:
    sessions, _, _ = memory()
    for sid, user in (("a1", "alice"), ("a2", "alice"), ("b1", "bob"), ("b2", "bob")):
        sessions.remember(sessions.ticket(), sid, user, LATER)
    sessions.forget("alice")
    assert sessions.recall("a1") is None and sessions.recall("a2") is None
    sessions.forget("bob", "b1")
    assert sessions.recall("b1") is None and sessions.recall("b2") is not None


def test_a_read_under_way_when_a_session_ended_is_not_remembered() -> None:
    """The read may have been made before the end was written: remembering it would keep the
    ended session open for the whole time."""
    sessions, _, _ = memory()
    ticket = sessions.ticket()
    sessions.forget("alice")  # a notice arrives while the read is under way
    sessions.remember(ticket, "a1", "alice", LATER)
    assert sessions.recall("a1") is None
    sessions.remember(sessions.ticket(), "a1", "alice", LATER)  # the next read is remembered
    assert sessions.recall("a1") is not None


def test_nothing_is_trusted_while_disconnected_and_everything_is_forgotten_on_reconnect() -> None:
    sessions, _, connection = memory()
    sessions.remember(sessions.ticket(), "s1", "w1", LATER)
    connection.epoch = None  # disconnected: a notice may be missed
    assert sessions.recall("s1") is None and sessions.ticket() is None
    sessions.remember(sessions.ticket(), "s2", "w1", LATER)
    connection.epoch = 1  # back, after a reconnect
    assert sessions.recall("s1") is None and sessions.recall("s2") is None
    sessions.remember(sessions.ticket(), "s3", "w1", LATER)
    assert sessions.recall("s3") is not None


def test_a_read_under_way_across_a_reconnect_is_not_remembered() -> None:
    sessions, _, connection = memory()
    ticket = sessions.ticket()
    connection.epoch = 1
    sessions.remember(ticket, "s1", "w1", LATER)
    assert sessions.recall("s1") is None


def test_the_notice_carries_the_username_and_the_session_when_only_one_ended() -> None:
    assert read_sessions_notice(sessions_notice("w1")) == ("w1", None)
    assert read_sessions_notice(sessions_notice("w1", "s1")) == ("w1", "s1")
    for junk in (b"", b"[]", b"{}", b'{"username": 3}', b'{"username": ""}', b"\xff"):
        assert read_sessions_notice(junk) is None, junk
