"""Accounts and sign-in: the operations the API, the command line and single sign-on share.

Every refusal is a :class:`~gateway.accounts.policy.PolicyError` (403, 404, 409 or 422 with
the reason), :class:`SignInRefused` (401) or :class:`Throttled` (429 with ``Retry-After``).

Sign-in limits (settings of the gateway, defaults shown):
- a username with 5 failed sign-ins within 15 minutes is locked for 15 minutes (audited);
- a client address with 20 failed sign-ins within 5 minutes is refused until the window ends;
both answer 429 with ``Retry-After``, even to a right password, and are counted in the database,
so every gateway replica applies the same limits.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.errors import DuplicateKeyError

from services.platform import metrics

from .open_sessions import OpenSessions
from .passwords import Hasher, one_time_password, weakness
from .policy import (
    PLACED_BY,
    Admin,
    GridLike,
    PolicyError,
    Scope,
    check_manage,
    check_username,
    check_worker_id,
    complete_scope,
    list_filter,
    narrow_to,
)
from .store import AccountStore
from .tokens import Claims, issue_access, new_refresh, new_session_id, same, split_refresh

log = logging.getLogger(__name__)

Grids = Callable[[], Awaitable[Mapping[str, GridLike]]]
# Told a username whose sessions just ended here (only the session id, when one session ended).
SessionsEnded = Callable[[str, str | None], Awaitable[None]]
WHY = "account administration (账号管理)"


@dataclass(frozen=True)
class Limits:
    token_minutes: int = 15
    refresh_hours: int = 12
    user_failures: int = 5
    user_window_seconds: int = 900
    lockout_seconds: int = 900
    address_failures: int = 20
    address_window_seconds: int = 300


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    must_change_password: bool
    username: str
    role: str


class SignInRefused(Exception):
    """401: wrong credentials, an ended session, a disabled account. The message says which
    as far as it is safe to say."""


class Throttled(Exception):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


def _now() -> datetime:
    return datetime.now(UTC)


class Accounts:
    def __init__(self, store: AccountStore, hasher: Hasher, *, jwt_key: str, grids: Grids,
                 limits: Limits = Limits(), clock: Callable[[], datetime] = _now,
                 open_sessions: OpenSessions | None = None) -> None:
        self.store = store
        self.hasher = hasher
        self.jwt_key = jwt_key
        self.grids = grids
        self.limits = limits
        self.clock = clock
        # Sessions found open, remembered for a few seconds (none unless given; see open_sessions).
        self.open_sessions = open_sessions if open_sessions is not None else OpenSessions()
        # Told every session ended here, after it is forgotten here: the gateway closes the
        # account's live feeds and tells every other replica (gateway.feed.FeedHub.end_sessions).
        self.on_sessions_ended: SessionsEnded = _nobody
        self.audit_written = asyncio.Event()

    # -- administration --------------------------------------------------------------------

    async def create(self, admin: Admin, *, username: str, role: str, scope: Scope, display_name: str = "",
                     password: str | None = None, source: str = "password",
                     oidc_subject: str | None = None, worker_id: str | None = None) -> tuple[dict[str, Any], str | None]:
        """A new account, and its one-time password when none was given."""
        check_username(username)
        grids = await self._grids_for(role)
        full = complete_scope(role, scope, grids)
        check_manage(admin, role, full, what="create")
        check_worker_id(role, full, worker_id or "", grids)
        display_name = _display_name(display_name, username)
        one_time = None
        if source == "password":
            if password:
                _check_strength(password, username, display_name, field="password")
            else:
                one_time = password = one_time_password()
        now = self.clock()
        doc = {
            "_id": username, "display_name": display_name, "role": role, "scope": full.as_dict(),
            "disabled": False, "password_hash": await self.hasher.hash(password) if password else None,
            "must_change_password": one_time is not None, "source": source, "generation": 0,
            "created_at": now, "created_by": admin.username, "changed_at": now, "changed_by": admin.username,
            "last_login_at": None,
        }
        if oidc_subject:
            doc["oidc_subject"] = oidc_subject
        if worker_id:
            doc["worker_id"] = worker_id
        try:
            await self.store.insert(doc, self._audit(admin, f"account {username} created: {_describe(role, full)}",
                                                     full, now))
        except DuplicateKeyError as exc:
            raise PolicyError(409, f"an account named '{username}' already exists", "username") from exc
        self._audit_added()
        return doc, one_time

    async def get(self, admin: Admin, username: str) -> dict[str, Any]:
        doc = await self.store.get(username)
        if doc is None or (username != admin.username and not self._may_see(admin, doc)):
            raise PolicyError(404, f"no account '{username}' in your scope")
        return doc

    async def list(self, admin: Admin, *, role: str | None, page: int, page_size: int,
                   disabled: bool | None = None) -> tuple[list[dict[str, Any]], int]:
        if admin.role not in ("county", "street", "community"):
            raise PolicyError(403, f"role '{admin.role}' may not list accounts; allowed: county, street, community")
        query = list_filter(admin)
        if role:
            allowed = query.get("role", {}).get("$in")
            if allowed is not None and role not in allowed:
                return [], 0  # a role the admin may not list
            query = {**query, "role": role}
        if disabled is not None:
            query = {"$and": [query, {"disabled": disabled}]}
        return await self.store.page(query, (page - 1) * page_size, page_size)

    async def update(self, admin: Admin, username: str, *, role: str | None = None, scope: Scope | None = None,
                     display_name: str | None = None, disabled: bool | None = None,
                     worker_id: str | None = None) -> dict[str, Any]:
        doc = await self.get(admin, username)
        current = Scope.of(doc["scope"])
        check_manage(admin, doc["role"], current, what="change")
        new_role = role or doc["role"]
        new_scope = current
        if role is not None or scope is not None:
            # Without a new scope, the current one carries over as far as the new role takes it
            # (a worker made secretary keeps its grid; a secretary made community its community).
            given = scope if scope is not None else narrow_to(new_role, current)
            new_scope = complete_scope(new_role, given, await self._grids_for(new_role))
            check_manage(admin, new_role, new_scope, what="grant")
        changes: dict[str, Any] = {}
        said: list[str] = []
        ends: list[str] = []
        if new_role != doc["role"] or new_scope != current:
            if username == admin.username:
                raise PolicyError(403, "an administrator may not change its own role or scope")
            changes.update(role=new_role, scope=new_scope.as_dict())
            said.append(f"now {_describe(new_role, new_scope)} (was {_describe(doc['role'], current)})")
            ends.append("role or scope changed")
        # The grid worker a worker account is: named (or cleared with ""), checked against its grid,
        # and dropped when the account stops being a worker.
        wanted = (doc.get("worker_id") or "") if worker_id is None else worker_id
        if new_role != "worker":
            wanted = "" if worker_id is None else wanted
        if wanted != (doc.get("worker_id") or ""):
            check_worker_id(new_role, new_scope, wanted, await self._grids_for(new_role))
            changes["worker_id"] = wanted or None
            said.append(f"worker_id '{wanted}'" if wanted else "no worker_id")
        if display_name is not None and display_name != doc["display_name"]:
            changes["display_name"] = _display_name(display_name, username)
            said.append(f"display name '{changes['display_name']}'")
        if disabled is not None and disabled != doc["disabled"]:
            if username == admin.username:
                raise PolicyError(403, "an administrator may not disable or enable its own account")
            if disabled and doc["role"] == "county" and await self.store.active_counties() <= 1:
                raise PolicyError(409, "the last active county administrator cannot be disabled")
            changes["disabled"] = disabled
            said.append("disabled" if disabled else "enabled")
            if disabled:
                ends.append("account disabled")
        if not changes:
            return doc
        return await self._change(admin, doc, changes, f"account {username} changed: {'; '.join(said)}",
                                  end_sessions="; ".join(ends) or None, scope=new_scope)

    async def reset_password(self, admin: Admin, username: str) -> tuple[dict[str, Any], str]:
        doc = await self.get(admin, username)
        check_manage(admin, doc["role"], Scope.of(doc["scope"]), what="reset the password of")
        if doc.get("source") == "oidc":
            raise PolicyError(409, f"'{username}' signs in through single sign-on and has no password here")
        one_time = one_time_password()
        changes = {"password_hash": await self.hasher.hash(one_time), "must_change_password": True}
        doc = await self._change(admin, doc, changes, f"account {username}: password reset to a one-time password",
                                 end_sessions="password reset", scope=Scope.of(doc["scope"]))
        return doc, one_time

    async def _change(self, admin: Admin, doc: dict[str, Any], changes: dict[str, Any], what: str, *,
                      end_sessions: str | None, scope: Scope) -> dict[str, Any]:
        now = self.clock()
        changes = {**changes, "changed_at": now, "changed_by": admin.username}
        updated = await self.store.change(doc["_id"], doc["generation"], changes,
                                          self._audit(admin, what, scope, now), end_sessions=end_sessions, now=now)
        if updated is None:
            raise PolicyError(409, f"account '{doc['_id']}' changed meanwhile; read it again and retry")
        self._audit_added()
        if end_sessions:
            await self.ended_here(doc["_id"])
        return updated

    async def _grids_for(self, role: str) -> Mapping[str, GridLike]:
        """The reference data's grids when the role is placed in them: a county or department
        account needs none, so the first administrator exists before any data is imported."""
        return await self.grids() if PLACED_BY.get(role) in ("street_id", "community_id", "grid_id") else {}

    def _may_see(self, admin: Admin, doc: dict[str, Any]) -> bool:
        try:
            check_manage(admin, doc["role"], Scope.of(doc["scope"]), what="see")
        except PolicyError:
            return False
        return True

    # -- signing in ------------------------------------------------------------------------

    async def sign_in(self, username: str, password: str, address: str) -> TokenPair:
        now = self.clock()
        user_key, addr_key = f"user:{username[:64]}", f"addr:{address}"
        try:
            self._check_throttle(await self.store.throttle_state([user_key, addr_key]), now)
        except Throttled:
            metrics.LOGIN_FAILURES.add(1, {"reason": "throttled"})
            raise
        doc = await self.store.get(username) if len(username) <= 64 else None
        if not await self.hasher.verify(doc.get("password_hash") if doc else None, password):
            await self._failed(user_key, addr_key, username, address, now)
            metrics.LOGIN_FAILURES.add(1, {"reason": "wrong_password"})
            raise SignInRefused("wrong username or password")
        await self.store.clear(user_key)
        if doc["disabled"]:
            metrics.LOGIN_FAILURES.add(1, {"reason": "disabled"})
            raise SignInRefused("this account is disabled; ask your administrator")
        if self.hasher.needs_rehash(doc["password_hash"]):
            await self.store.accounts.update_one({"_id": username}, {"$set": {
                "password_hash": await self.hasher.hash(password)}})
        return await self.open_session(doc, via="password")

    async def open_session(self, doc: dict[str, Any], *, via: str) -> TokenPair:
        """A new session of the account ``doc`` (as read), with its first token pair."""
        now = self.clock()
        sid = new_session_id()
        refresh, refresh_hash = new_refresh(sid)
        session = {"_id": sid, "username": doc["_id"], "refresh_hash": refresh_hash, "created_at": now,
                   "expires_at": now + timedelta(hours=self.limits.refresh_hours), "revoked_at": None, "via": via}
        if not await self.store.open_session(doc["_id"], doc["generation"], session, now):
            raise SignInRefused("the account changed while signing in; sign in again")
        return self._pair(doc, sid, refresh)

    async def refresh(self, refresh_token: str) -> TokenPair:
        parts = split_refresh(refresh_token)
        if parts is None:
            raise SignInRefused("malformed refresh token")
        sid, presented = parts
        now = self.clock()
        refresh, new_hash = new_refresh(sid)
        session = await self.store.sessions.find_one({"_id": sid})
        if session is None:
            raise SignInRefused("unknown refresh token")
        if session["revoked_at"] is not None:
            raise SignInRefused(f"this session has ended ({session.get('revoked_reason', 'revoked')}); sign in again")
        if _aware(session["expires_at"]) <= now:
            raise SignInRefused("the refresh token has expired; sign in again")
        if not same(session["refresh_hash"], presented):
            # A replaced token came back: someone kept a copy. End the session for both.
            await self.store.revoke(sid, "refresh token reused", now)
            await self.ended_here(session["username"], sid)
            raise SignInRefused("this refresh token was already used; the session has ended, sign in again")
        if await self.store.rotate(sid, presented, new_hash, now + timedelta(hours=self.limits.refresh_hours),
                                   now) is None:
            raise SignInRefused("this refresh token was already used; sign in again")
        doc = await self.store.get(session["username"])
        if doc is None or doc["disabled"]:
            raise SignInRefused("this account is disabled; ask your administrator")
        return self._pair(doc, sid, refresh)

    async def sign_out(self, session_id: str) -> None:
        session = await self.store.revoke(session_id, "signed out", self.clock())
        if session is not None:
            await self.ended_here(session["username"], session_id)

    async def change_password(self, username: str, old: str, new: str) -> TokenPair:
        """The holder changes its own password; every session of it ends, a new one opens."""
        doc = await self.store.get(username)
        if doc is None or doc.get("source") == "oidc":
            raise PolicyError(409, "this account signs in through single sign-on and has no password here")
        if not await self.hasher.verify(doc.get("password_hash"), old):
            raise PolicyError(403, "the old password is wrong", "old_password")
        if same(old, new):
            raise PolicyError(422, "the new password must differ from the old one", "new_password")
        _check_strength(new, doc["_id"], doc["display_name"], field="new_password")
        me = Admin(doc["_id"], doc["role"], Scope.of(doc["scope"]))
        changes = {"password_hash": await self.hasher.hash(new), "must_change_password": False}
        doc = await self._change(me, doc, changes, f"account {doc['_id']}: password changed by its holder",
                                 end_sessions="password changed", scope=me.scope)
        return await self.open_session(doc, via="password")

    async def session_ended(self, session_id: str) -> str | None:
        """Why the session is no longer valid, or None while it is open: from memory when it
        was found open within the last seconds (:mod:`gateway.accounts.open_sessions`), else read."""
        known = self.open_sessions.recall(session_id)
        if known is not None:
            return "session expired" if known.expires_at <= self.clock() else None
        ticket = self.open_sessions.ticket()
        session = await self.store.session(session_id)
        if session is None:
            return "unknown session"
        if session["revoked_at"] is not None:
            return session.get("revoked_reason") or "revoked"
        expires_at = _aware(session["expires_at"])
        if expires_at <= self.clock():
            return "session expired"
        self.open_sessions.remember(ticket, session_id, session["username"], expires_at)
        return None

    async def ended_here(self, username: str, session_id: str | None = None) -> None:
        """Sessions of ``username`` (only ``session_id``, when given) ended here: forgotten at
        once, then told to the gateway (its live feeds and every other replica)."""
        self.open_sessions.forget(username, session_id)
        try:
            await self.on_sessions_ended(username, session_id)
        except Exception:  # the end is written; the other replicas read it when their memory lapses
            log.exception("the end of sessions was not announced", extra={"username": username})

    def _pair(self, doc: dict[str, Any], sid: str, refresh: str) -> TokenPair:
        claims = Claims(username=doc["_id"], role=doc["role"], scope=Scope.of(doc["scope"]), session_id=sid,
                        must_change_password=bool(doc.get("must_change_password")))
        return TokenPair(
            access_token=issue_access(claims, self.jwt_key, self.limits.token_minutes, now=self.clock()),
            refresh_token=refresh, expires_in=self.limits.token_minutes * 60,
            must_change_password=claims.must_change_password, username=doc["_id"], role=doc["role"],
        )

    # -- throttling ------------------------------------------------------------------------

    def _check_throttle(self, docs: list[dict[str, Any]], now: datetime) -> None:
        for doc in docs:
            if doc["_id"].startswith("user:") and doc.get("locked_until") and _aware(doc["locked_until"]) > now:
                wait = int((_aware(doc["locked_until"]) - now).total_seconds()) + 1
                raise Throttled(f"too many failed sign-ins for this account; locked for {wait} s", wait)
            if doc["_id"].startswith("addr:") and doc["failures"] >= self.limits.address_failures:
                ends = _aware(doc["first_at"]) + timedelta(seconds=self.limits.address_window_seconds)
                if ends > now:
                    wait = int((ends - now).total_seconds()) + 1
                    raise Throttled(f"too many failed sign-ins from this address; retry in {wait} s", wait)

    async def _failed(self, user_key: str, addr_key: str, username: str, address: str, now: datetime) -> None:
        limits = self.limits
        user = await self.store.count_failure(
            user_key, now, now - timedelta(seconds=limits.user_window_seconds),
            now + timedelta(seconds=limits.user_window_seconds + limits.lockout_seconds))
        await self.store.count_failure(
            addr_key, now, now - timedelta(seconds=limits.address_window_seconds),
            now + timedelta(seconds=limits.address_window_seconds))
        if user["failures"] == limits.user_failures:
            await self.store.lock(user_key, now + timedelta(seconds=limits.lockout_seconds))
            await self.record(Admin("gateway:sign-in", "system", Scope()),
                              f"account {username} locked for {limits.lockout_seconds} s after "
                              f"{limits.user_failures} failed sign-ins (last from {address})",
                              why="sign-in protection (登录保护)")
            log.warning("sign-in lockout", extra={"username": username, "address": address})

    # -- audit -----------------------------------------------------------------------------

    async def record(self, who: Admin, what: str, *, why: str = WHY, scope: Scope | None = None) -> None:
        """An audit entry of something that is not a change of an account (a lockout, a refused
        single sign-on): into the outbox, relayed to the audit log."""
        await self.store.add_audit(self._audit(who, what, scope or Scope(), self.clock(), why=why))
        self._audit_added()

    def _audit(self, admin: Admin, what: str, scope: Scope, now: datetime, why: str = WHY) -> dict[str, Any]:
        return {"_id": uuid.uuid4().hex, "who": admin.username, "role": admin.role, "what": what[:500],
                "why": why, "grid_id": scope.grid_id, "at": now}

    def _audit_added(self) -> None:
        self.audit_written.set()


async def _nobody(username: str, session_id: str | None) -> None:
    return None


def _check_strength(password: str, username: str, display_name: str, *, field: str) -> None:
    reason = weakness(password, username=username, display_name=display_name)
    if reason:
        raise PolicyError(422, reason, field)


def _display_name(name: str, username: str) -> str:
    name = (name or "").strip() or username
    if len(name) > 100:
        raise PolicyError(422, "display_name may have at most 100 characters", "display_name")
    return name


def _describe(role: str, scope: Scope) -> str:
    place = scope.grid_id or scope.community_id or scope.street_id or scope.department
    return f"{role} of {place}" if place else role


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
