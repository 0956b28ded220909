"""The street's weekly bulletin (通报): its grids ranked by the weekly report's score, and the
grids that had not submitted their week (一周一报) when it was issued. One per street and week,
in ``bulletins``; issuing again replaces it and counts a revision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from .organisations import Refused

COLLECTION = "bulletins"
MAX_TEXT = 4000
INDEXES = [IndexModel([("street_id", ASCENDING), ("week", DESCENDING)], name="street_week", unique=True),
           IndexModel([("week", DESCENDING), ("street_id", ASCENDING)], name="week_street")]


class BulletinStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.records = db[COLLECTION]
        self.streets: set[str] = set()

    async def ensure_indexes(self) -> None:
        await self.records.create_indexes(INDEXES)

    async def issue(self, week: str, street_id: str, ranking: list[dict[str, Any]], not_submitted: list[str],
                    text: str, actor: str, now: datetime) -> dict[str, Any]:
        if street_id not in self.streets:
            raise Refused("not_found", f"no street {street_id!r}")
        if len(text) > MAX_TEXT:
            raise Refused("invalid", f"text: at most {MAX_TEXT} characters")
        return await self.records.find_one_and_update(
            {"week": week, "street_id": street_id},
            {"$set": {"ranking": ranking, "not_submitted": not_submitted, "text": text.strip(), "issued_by": actor,
                      "issued_at": now}, "$inc": {"revision": 1}},
            upsert=True, return_document=ReturnDocument.AFTER)

    async def listed(self, street_id: str, week: str) -> list[dict[str, Any]]:
        query = {k: v for k, v in (("street_id", street_id), ("week", week)) if v}
        sort = [("street_id", ASCENDING), ("week", DESCENDING)] if street_id else [("week", DESCENDING),
                                                                                  ("street_id", ASCENDING)]
        return await self.records.find(query).sort(sort).limit(200).to_list()
