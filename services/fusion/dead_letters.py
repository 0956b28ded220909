"""Listing what fusion could not process (``dead_letters``, written by
:meth:`~services.fusion.cases.CaseStore.record_unfused`): newest first, by department and by
whether it still waits for re-processing, a page at a time or after a cursor (keyset paging).

Each filter the list takes has an index of its fields, then ``dead_lettered_at`` and ``_id``,
so every page — the first, a numbered one, or one after a cursor — is read in index order.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection

from services.platform.paging import keyset_page

COLLECTION = "dead_letters"
SORT_FIELD = "dead_lettered_at"
_NEWEST = [(SORT_FIELD, DESCENDING), ("_id", ASCENDING)]
INDEXES = [
    IndexModel(_NEWEST, name="list_newest"),
    IndexModel([("department", ASCENDING), *_NEWEST], name="list_department"),
    IndexModel([("reprocessed", ASCENDING), *_NEWEST], name="list_pending"),
    IndexModel([("department", ASCENDING), ("reprocessed", ASCENDING), *_NEWEST], name="list_department_pending"),
]


def dead_letter_query(*, pending_only: bool = False, department: str = "") -> dict[str, Any]:
    """The filter of ``ListDeadLetters``: only those not yet re-processed, only one department's."""
    query: dict[str, Any] = {"reprocessed": False} if pending_only else {}
    if department:
        query["department"] = department
    return query


async def list_dead_letters(dead_letters: AsyncCollection, query: dict[str, Any], page: int, size: int, *,
                            after: tuple[datetime, str] | None = None) -> tuple[list[dict], tuple[datetime, str] | None]:
    """A page of the dead letters ``query`` matches, newest first (without the stored event), and
    where the next page starts (None on the last)."""
    return await keyset_page(dead_letters, query, SORT_FIELD, descending=True, page=page, size=size, after=after,
                             projection={"event": 0})


async def count_dead_letters(dead_letters: AsyncCollection, query: dict[str, Any], cap: int | None = None) -> int:
    return await dead_letters.count_documents(query, **({"limit": cap} if cap else {}))
