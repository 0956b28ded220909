"""Passwords: argon2id hashes computed off the event loop, a strength rule, one-time passwords.

Hashing costs tens of milliseconds of CPU on purpose. It runs in worker threads (argon2-cffi
releases the GIL), at most ``concurrency`` at a time, so a burst of sign-ins queues here while
the event loop keeps answering ``/healthz`` and case reads; past ``queue_limit`` waiting
sign-ins, the next is told to come back (:class:`HasherBusy`).

Parameters: argon2id, 2 passes over 19 MiB, 1 lane — OWASP's password-storage minimum. A hash
records its parameters, so stronger parameters later still verify the hashes of today, and
:meth:`Hasher.needs_rehash` says when a sign-in should store a new one.
"""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

MIN_LENGTH = 10
MAX_LENGTH = 128
# zxcvbn's score: 0 too guessable … 4 very unguessable. 3 resists an offline attack on a fast hash.
MIN_SCORE = 3
_OTP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"


class HasherBusy(Exception):
    """Too many sign-ins are waiting for the hasher; retry after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many sign-ins at once; retry after {retry_after} s")
        self.retry_after = retry_after


class Hasher:
    def __init__(self, *, concurrency: int = 1, queue_limit: int = 256) -> None:
        self._argon2 = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
        self._slots = asyncio.Semaphore(concurrency)
        self._waiting = 0
        self._queue_limit = queue_limit
        # A hash of nothing anyone knows: verifying against it costs what a real check costs,
        # so an unknown username answers no faster than a wrong password.
        self._decoy = self._argon2.hash(secrets.token_urlsafe(16))

    def hash_now(self, password: str) -> str:
        """Blocking; for the command line and for seeding, not for request handlers."""
        return self._argon2.hash(password)

    async def hash(self, password: str) -> str:
        return await self._run(self._argon2.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; an absent hash (an unknown user, a single-sign-on
        account) costs the same and never matches."""
        return await self._run(self._verify, password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return self._argon2.check_needs_rehash(password_hash)

    def _verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._argon2.verify(password_hash or self._decoy, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    async def _run(self, fn, *args):
        if self._waiting >= self._queue_limit:
            raise HasherBusy(retry_after=2)
        self._waiting += 1
        try:
            async with self._slots:
                return await asyncio.to_thread(fn, *args)
        finally:
            self._waiting -= 1


def weakness(password: str, *, username: str = "", display_name: str = "") -> str | None:
    """Why ``password`` is too weak to keep, or None when it is strong enough."""
    if len(password) < MIN_LENGTH:
        return f"a password needs at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"a password may have at most {MAX_LENGTH} characters"
    if username and username.lower() in password.lower():
        return "a password may not contain the username"
    result = zxcvbn(password[:100], user_inputs=[v for v in (username, display_name, "gridfusion", "ningyang") if v])
    if result["score"] < MIN_SCORE:
        hint = (result.get("feedback") or {}).get("warning") or "it is too easy to guess"
        return f"the password is too weak ({hint.rstrip('.')}); use a longer phrase of unrelated words"
    return None


def one_time_password() -> str:
    """16 characters without look-alikes (0/O, 1/l/I): easy to read out, ~92 bits of entropy."""
    return "".join(secrets.choice(_OTP_ALPHABET) for _ in range(16))
