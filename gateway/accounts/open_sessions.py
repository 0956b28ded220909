"""Sessions found open, remembered for a few seconds so that a request needs no database read.

Every authenticated request asks whether its session is still open (:meth:`Accounts.session_ended
<gateway.accounts.service.Accounts.session_ended>`). A session read from the database and found
open is remembered, with its username and expiry, for at most ``GATEWAY_SESSION_CACHE_SECONDS``
(0: never). The memory is only as good as the notices of ended sessions: every session a gateway
replica ends is forgotten there at once and announced to every replica on NATS
(``gridfusion.gateway.sessions.ended``, :mod:`gateway.feed`), where it is forgotten too. So it
is trusted only while that notice cannot be missed: the NATS connection is up, subscribed, and
has not come back since the entry was made (``epoch``, the connection's reconnect count, or
None while notices may be lost). While it is not trusted, every request reads its session as
if there were no memory; when the connection comes back, everything remembered is forgotten.

An ended session is never remembered as open: a read that was under way when any session was
forgotten is not remembered (it may have been made before the end was written).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

# Past this many remembered sessions, the expired ones are dropped (and all, if none had expired).
MAX_REMEMBERED = 100_000


@dataclass(frozen=True)
class Remembered:
    username: str
    expires_at: datetime  # when the session itself ends (its refresh token's expiry), aware
    until: float  # time.monotonic() after which it must be read again


@dataclass(frozen=True)
class Ticket:
    """What held when a read began: the memory remembers its answer only if it still holds."""

    epoch: int
    forgets: int


class OpenSessions:
    def __init__(self, seconds: float = 0.0, *, epoch: Callable[[], int | None] = lambda: None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.epoch = epoch
        self.clock = clock
        self._open: dict[str, Remembered] = {}
        self._epoch: int | None = None
        self._forgets = 0

    def __len__(self) -> int:
        return len(self._open)

    def _trusted(self) -> int | None:
        """The current epoch while the memory may be used; a changed epoch forgets everything."""
        epoch = self.epoch() if self.seconds > 0 else None
        if epoch != self._epoch:
            self._open.clear()
            self._epoch = epoch
            self._forgets += 1
        return epoch

    def recall(self, session_id: str) -> Remembered | None:
        """The session, if it was found open within the time and the memory may be trusted."""
        if self._trusted() is None:
            return None
        known = self._open.get(session_id)
        if known is not None and known.until <= self.clock():
            del self._open[session_id]
            return None
        return known

    def ticket(self) -> Ticket | None:
        """Taken before a read; None when the read's answer must not be remembered."""
        epoch = self._trusted()
        return None if epoch is None else Ticket(epoch, self._forgets)

    def remember(self, ticket: Ticket | None, session_id: str, username: str, expires_at: datetime) -> None:
        """The session was read open after ``ticket`` was taken: remember it, unless a session
        was forgotten meanwhile or the connection dropped or came back."""
        if ticket is None or self._trusted() != ticket.epoch or self._forgets != ticket.forgets:
            return
        now = self.clock()
        if len(self._open) >= MAX_REMEMBERED:
            self._open = {sid: known for sid, known in self._open.items() if known.until > now}
            if len(self._open) >= MAX_REMEMBERED:
                self._open.clear()
        self._open[session_id] = Remembered(username, expires_at, now + self.seconds)

    def forget(self, username: str, session_id: str | None = None) -> None:
        """Sessions of ``username`` ended (only ``session_id``, when given)."""
        self._forgets += 1
        if session_id is not None:
            self._open.pop(session_id, None)
            return
        for sid in [sid for sid, known in self._open.items() if known.username == username]:
            del self._open[sid]

    def forget_all(self) -> None:
        self._forgets += 1
        self._open.clear()
