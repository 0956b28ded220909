"""The gateway's own database (``GATEWAY_DATABASE``, default ``gridfusion_gateway``).

| collection | one document per | holds |
| --- | --- | --- |
| ``accounts`` | account (``_id`` = username) | display name, role, scope, disabled, argon2 hash, must-change-password, created/changed by whom and when, last login, ``generation`` (bumped whenever the account's tokens must end) |
| ``sessions`` | sign-in (``_id`` = session id) | username, SHA-256 of the current refresh token, expiry, ``revoked_at`` and why |
| ``login_throttle`` | username (``user:<name>``) or client address (``addr:<ip>``) | failed sign-ins in the current window, lockout end |
| ``audit_outbox`` | account change not yet in the audit log | the audit entry; relayed to fusion's audit log (``RecordAudit``, idempotent by id) and then removed |
| ``meta`` | fact | ``demo_accounts``: when local mode created its demo accounts |

Every change to an account is one transaction with the end of its sessions and its audit
entry, so no token outlives a disabling, and no change escapes the audit log.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.read_concern import ReadConcern

from services.platform.mongo import WRITE_CONCERN, ensure_indexes, journal

INDEXES = {
    "accounts": [IndexModel([("role", ASCENDING), ("_id", ASCENDING)]),
                 IndexModel([("scope.street_id", ASCENDING), ("scope.community_id", ASCENDING), ("_id", ASCENDING)]),
                 # The lists of a street's and a community's administrators: place, role, username.
                 IndexModel([("scope.street_id", ASCENDING), ("role", ASCENDING), ("_id", ASCENDING)], name="list_street"),
                 IndexModel([("scope.community_id", ASCENDING), ("role", ASCENDING), ("_id", ASCENDING)],
                            name="list_community"),
                 IndexModel([("oidc_subject", ASCENDING)], sparse=True)],
    "sessions": [IndexModel([("username", ASCENDING), ("revoked_at", ASCENDING)]),
                 IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=7 * 24 * 3600)],
    "login_throttle": [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)],
    "audit_outbox": [IndexModel([("at", ASCENDING)])],
    "oidc_logins": [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)],
}
TXN = {"read_concern": ReadConcern("snapshot"), "write_concern": WRITE_CONCERN}


class AccountStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db
        self.client = db.client
        self.accounts = db["accounts"]
        self.sessions = db["sessions"]
        self.throttle = db["login_throttle"]
        self.outbox = db["audit_outbox"]
        self.meta = db["meta"]

    async def ensure_indexes(self) -> None:
        await ensure_indexes(self.db, INDEXES)

    async def transaction(self, fn: Callable[[Any], Awaitable[Any]]) -> Any:
        async with self.client.start_session() as session:
            result = await session.with_transaction(fn, **TXN)
        await journal(self.db)
        return result

    # -- accounts --------------------------------------------------------------------------

    async def get(self, username: str) -> dict[str, Any] | None:
        return await self.accounts.find_one({"_id": username})

    async def insert(self, doc: dict[str, Any], audit: dict[str, Any]) -> None:
        """Insert an account with its audit entry; ``DuplicateKeyError`` when the name is taken."""
        async def fn(s) -> None:
            await self.accounts.insert_one(doc, session=s)
            await self.outbox.insert_one(audit, session=s)

        await self.transaction(fn)

    async def change(self, username: str, generation: int, changes: dict[str, Any], audit: dict[str, Any],
                     *, end_sessions: str | None, now: datetime) -> dict[str, Any] | None:
        """Apply ``changes`` if the account is still at ``generation`` (else None: it changed
        meanwhile). With ``end_sessions`` (the reason) every open session of it ends too."""
        async def fn(s) -> dict[str, Any] | None:
            update: dict[str, Any] = {"$set": changes}
            if end_sessions:
                update["$inc"] = {"generation": 1}
            doc = await self.accounts.find_one_and_update(
                {"_id": username, "generation": generation}, update, return_document=ReturnDocument.AFTER, session=s
            )
            if doc is None:
                return None
            if end_sessions:
                await self.end_sessions(username, end_sessions, now, session=s)
            await self.outbox.insert_one(audit, session=s)
            return doc

        return await self.transaction(fn)

    async def end_sessions(self, username: str, reason: str, now: datetime, *, session=None,
                           keep: str | None = None) -> int:
        query: dict[str, Any] = {"username": username, "revoked_at": None}
        if keep:
            query["_id"] = {"$ne": keep}
        result = await self.sessions.update_many(query, {"$set": {"revoked_at": now, "revoked_reason": reason}},
                                                 session=session)
        return result.modified_count

    async def page(self, query: dict[str, Any], skip: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        total = await self.accounts.count_documents(query)
        docs = await self.accounts.find(query).sort("_id", ASCENDING).skip(skip).limit(limit).to_list()
        return docs, total

    async def active_counties(self) -> int:
        return await self.accounts.count_documents({"role": "county", "disabled": False})

    # -- sessions --------------------------------------------------------------------------

    async def open_session(self, username: str, generation: int, session_doc: dict[str, Any], now: datetime,
                           *, require_password_source: bool = True) -> bool:
        """Record a sign-in unless the account changed since it was read (disabled, role or scope
        changed, password reset): the write to the account makes a concurrent change conflict."""
        async def fn(s) -> bool:
            query: dict[str, Any] = {"_id": username, "generation": generation, "disabled": False}
            result = await self.accounts.update_one(query, {"$set": {"last_login_at": now}}, session=s)
            if result.matched_count == 0:
                return False
            await self.sessions.insert_one(session_doc, session=s)
            return True

        return await self.transaction(fn)

    async def session(self, session_id: str) -> dict[str, Any] | None:
        return await self.sessions.find_one({"_id": session_id}, {"refresh_hash": 0})

    async def rotate(self, session_id: str, old_hash: str, new_hash: str, expires_at: datetime,
                     now: datetime) -> dict[str, Any] | None:
        """Replace the refresh token if ``old_hash`` is the current one of an open session."""
        return await self.sessions.find_one_and_update(
            {"_id": session_id, "refresh_hash": old_hash, "revoked_at": None, "expires_at": {"$gt": now}},
            {"$set": {"refresh_hash": new_hash, "expires_at": expires_at, "refreshed_at": now}},
            return_document=ReturnDocument.AFTER,
        )

    async def revoke(self, session_id: str, reason: str, now: datetime) -> dict[str, Any] | None:
        return await self.sessions.find_one_and_update(
            {"_id": session_id, "revoked_at": None}, {"$set": {"revoked_at": now, "revoked_reason": reason}}
        )

    # -- audit outbox ----------------------------------------------------------------------

    async def add_audit(self, audit: dict[str, Any]) -> None:
        await self.outbox.insert_one(audit)

    async def pending_audit(self, limit: int = 100) -> list[dict[str, Any]]:
        return await self.outbox.find({}).sort("at", ASCENDING).limit(limit).to_list()

    async def audit_sent(self, audit_id: str) -> None:
        await self.outbox.delete_one({"_id": audit_id})

    # -- throttle --------------------------------------------------------------------------

    async def throttle_state(self, keys: list[str]) -> list[dict[str, Any]]:
        return await self.throttle.find({"_id": {"$in": keys}}).to_list()

    async def count_failure(self, key: str, now: datetime, window_start: datetime,
                            expires_at: datetime) -> dict[str, Any]:
        """One more failure for ``key`` in the window starting after ``window_start``; a stale
        window starts again at one."""
        doc = await self.throttle.find_one_and_update(
            {"_id": key, "first_at": {"$gt": window_start}},
            {"$inc": {"failures": 1}, "$set": {"last_at": now}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is not None:
            return doc
        fresh = {"failures": 1, "first_at": now, "last_at": now, "expires_at": expires_at, "locked_until": None}
        return await self.throttle.find_one_and_update(
            {"_id": key}, {"$set": fresh}, upsert=True, return_document=ReturnDocument.AFTER
        )

    async def lock(self, key: str, until: datetime) -> None:
        await self.throttle.update_one({"_id": key}, {"$set": {"locked_until": until, "failures": 0,
                                                               "expires_at": until}})

    async def clear(self, key: str) -> None:
        await self.throttle.delete_one({"_id": key})

    # -- meta ------------------------------------------------------------------------------

    async def mark(self, fact: str, now: datetime) -> bool:
        """Record ``fact`` once; True for the first caller only."""
        result = await self.meta.update_one({"_id": fact}, {"$setOnInsert": {"at": now}}, upsert=True)
        return result.upserted_id is not None

    async def recent_first(self, query: dict[str, Any], limit: int) -> list[dict[str, Any]]:
        return await self.accounts.find(query).sort("changed_at", DESCENDING).limit(limit).to_list()
