"""Webhook subscriptions, their deliveries and the dashboard's notifications, in the gateway's own
database (``GATEWAY_DATABASE``, beside the accounts: :mod:`gateway.accounts.store`).

``webhooks``
    one document per subscription (``_id``: the webhook id): url, events, secret (never shown
    again), the scope of the account that made it (role and places, or department), who made it
    and when.
``webhook_deliveries``
    one per event due to a subscription (``_id``: ``<webhook_id>:<the case change's
    Nats-Msg-Id>:<event>``): the JSON payload, status (``pending``, ``delivered``, ``failed``,
    ``cancelled``), each attempt (time, status code or error, milliseconds), the next attempt's
    time, the sender's lease.
``notifications``
    one per notification of an audience (``_id``: ``<Nats-Msg-Id>:<kind>:<audience>``): the
    case's id, grid, level, status and category, the kind (``arrived``, ``overdue``), the audience
    (roles and place), who read it.

Deliveries and notifications are written with ``$setOnInsert`` under ids made from the case
change's ``Nats-Msg-Id``, so a change consumed twice (a redelivery, two replicas) records each
once. A sender claims one pending delivery with a lease (``lease_until``) before posting it, so
two replicas never post one delivery at once; a sender that dies leaves its lease to run out.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from services.platform.mongo import ensure_indexes

# A lease that has never been taken (sorts before every real time).
NO_LEASE = datetime(1970, 1, 1, tzinfo=UTC)
NOTIFICATION_DAYS = 90
INDEXES = {
    "webhooks": [IndexModel([("scope.role", ASCENDING), ("created_at", ASCENDING)])],
    "webhook_deliveries": [
        IndexModel([("status", ASCENDING), ("next_at", ASCENDING)], name="due"),
        IndexModel([("webhook_id", ASCENDING), ("created_at", DESCENDING)], name="log"),
    ],
    "notifications": [
        IndexModel([("audience_key", ASCENDING), ("at", DESCENDING)], name="inbox"),
        IndexModel([("created_at", ASCENDING)], expireAfterSeconds=NOTIFICATION_DAYS * 24 * 3600),
    ],
}


class NotificationStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db
        self.webhooks = db["webhooks"]
        self.deliveries = db["webhook_deliveries"]
        self.notifications = db["notifications"]

    async def ensure_indexes(self) -> None:
        await ensure_indexes(self.db, INDEXES)

    # -- subscriptions -----------------------------------------------------------------------

    async def add_webhook(self, doc: dict[str, Any]) -> None:
        await self.webhooks.insert_one(doc)

    async def webhook(self, webhook_id: str) -> dict[str, Any] | None:
        return await self.webhooks.find_one({"_id": webhook_id})

    async def list_webhooks(
        self, query: dict[str, Any], skip: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        total = await self.webhooks.count_documents(query)
        docs = (
            await self.webhooks.find(query)
            .sort("created_at", ASCENDING)
            .skip(skip)
            .limit(limit)
            .to_list()
        )
        return docs, total

    async def active_webhooks(self) -> list[dict[str, Any]]:
        return await self.webhooks.find({}).to_list()

    async def delete_webhook(self, webhook_id: str, now: datetime) -> bool:
        """Remove a subscription; its deliveries not yet made are cancelled (its log is kept)."""
        result = await self.webhooks.delete_one({"_id": webhook_id})
        await self.deliveries.update_many(
            {"webhook_id": webhook_id, "status": "pending"},
            {"$set": {"status": "cancelled", "next_at": None, "finished_at": now}},
        )
        return result.deleted_count == 1

    # -- what the case changes leave ---------------------------------------------------------

    async def record(
        self, deliveries: list[dict[str, Any]], notifications: list[dict[str, Any]]
    ) -> None:
        """Keep deliveries due and notifications, each once under its id."""
        if deliveries:
            await self.deliveries.bulk_write(
                [
                    UpdateOne({"_id": d["_id"]}, {"$setOnInsert": d}, upsert=True)
                    for d in deliveries
                ],
                ordered=False,
            )
        if notifications:
            await self.notifications.bulk_write(
                [
                    UpdateOne({"_id": n["_id"]}, {"$setOnInsert": n}, upsert=True)
                    for n in notifications
                ],
                ordered=False,
            )

    # -- deliveries --------------------------------------------------------------------------

    async def claim(
        self, now: datetime, lease_seconds: float, holder: str
    ) -> dict[str, Any] | None:
        """The most overdue pending delivery, leased to ``holder`` until ``now + lease_seconds``."""
        return await self.deliveries.find_one_and_update(
            {"status": "pending", "next_at": {"$lte": now}, "lease_until": {"$lte": now}},
            {"$set": {"lease_until": now + timedelta(seconds=lease_seconds), "leased_by": holder}},
            sort=[("next_at", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )

    async def settle(
        self, delivery: dict[str, Any], attempt: dict[str, Any], changes: dict[str, Any]
    ) -> bool:
        """Note an attempt of a delivery this sender still holds (and what became of it)."""
        result = await self.deliveries.update_one(
            {
                "_id": delivery["_id"],
                "status": "pending",
                "leased_by": delivery["leased_by"],
                "lease_until": delivery["lease_until"],
            },
            {
                "$push": {"attempts": attempt},
                "$inc": {"attempt_count": 1},
                "$set": {**changes, "lease_until": NO_LEASE, "leased_by": ""},
            },
        )
        return result.modified_count == 1

    async def cancel(self, delivery_id: str, now: datetime) -> None:
        await self.deliveries.update_one(
            {"_id": delivery_id, "status": "pending"},
            {"$set": {"status": "cancelled", "next_at": None, "finished_at": now}},
        )

    async def delivery_log(
        self, webhook_id: str, status: str | None, skip: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        query: dict[str, Any] = {"webhook_id": webhook_id}
        if status:
            query["status"] = status
        total = await self.deliveries.count_documents(query)
        docs = await (
            self.deliveries.find(query)
            .sort([("created_at", DESCENDING), ("_id", ASCENDING)])
            .skip(skip)
            .limit(limit)
            .to_list()
        )
        return docs, total

    # -- notifications -----------------------------------------------------------------------

    @staticmethod
    def inbox_query(role: str, key: str) -> dict[str, Any]:
        return {"audience_key": key, "audience_roles": role}

    async def inbox(
        self, role: str, key: str, username: str, *, unread_only: bool, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """An account's notifications, unread first, each part newest first; and how many are
        unread."""
        query = self.inbox_query(role, key)
        unread_query = {**query, "read_by": {"$ne": username}}
        unread = await self.notifications.count_documents(unread_query)
        docs = (
            await self.notifications.find(unread_query)
            .sort([("at", DESCENDING), ("_id", ASCENDING)])
            .limit(limit)
            .to_list()
        )
        if not unread_only and len(docs) < limit:
            docs += await (
                self.notifications.find({**query, "read_by": username})
                .sort([("at", DESCENDING), ("_id", ASCENDING)])
                .limit(limit - len(docs))
                .to_list()
            )
        return docs, unread

    async def mark_read(
        self, role: str, key: str, username: str, notification_id: str | None
    ) -> int:
        """Mark one notification of the account's (or, without an id, all of them) read by it."""
        query = {**self.inbox_query(role, key), "read_by": {"$ne": username}}
        if notification_id is not None:
            query["_id"] = notification_id
        result = await self.notifications.update_many(query, {"$addToSet": {"read_by": username}})
        return result.modified_count

    async def notification(
        self, role: str, key: str, notification_id: str
    ) -> dict[str, Any] | None:
        return await self.notifications.find_one(
            {**self.inbox_query(role, key), "_id": notification_id}
        )
