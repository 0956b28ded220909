"""Case lists from the store: pages newest opened first (then by id), by number or by keyset
cursor, each list's query shaped so that an index serves it.

The gateway answers open and recent cases from memory (``gateway/hotlist.py``) and loads that
memory through these lists; what it cannot answer — history, exact counts over everything —
comes here. A cursor page is the two index-served queries of
:func:`services.platform.paging.keyset_page` (the ties past the id, then the older cases) rather
than one ``$or``, which SecantusDB answers by a scan; a scope is reduced to its narrowest place
(a grid belongs to one community and one street), and the scope and the filters are one filter of
equalities wherever their fields differ, so that the query is one of the shapes ``INDEXES``
holds: a place, a department, a status, or nothing, followed by the list's order.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection

from services.platform.paging import keyset_page

COLLECTION = "cases"
SORT_FIELD = "opened_at"
NEWEST = [(SORT_FIELD, DESCENDING), ("_id", ASCENDING)]
LISTED_BY = ("grid_id", "community_id", "street_id", "departments", "handed_to", "status")
INDEXES = [IndexModel(NEWEST, name="list_newest"),
           *(IndexModel([(field, ASCENDING), *NEWEST], name=f"list_{field}") for field in LISTED_BY)]
# What a list carries of a case: not its timeline or the keys of the actions applied to it.
PROJECTION = {"timeline": 0, "applied": 0}
# Places from the narrowest: a scope naming one needs none of those after it.
PLACES = ("grid_id", "community_id", "street_id")


def narrowest(scope: Mapping[str, Any]) -> dict[str, Any]:
    """``scope`` with only its narrowest place: a grid's cases are its community's and street's."""
    out = dict(scope)
    named = [place for place in PLACES if place in out]
    for wider in named[1:]:
        del out[wider]
    return out


def list_query(scope: Mapping[str, Any], filters: Mapping[str, Any]) -> dict[str, Any]:
    """The cases of ``scope`` that ``filters`` keep: one filter of equalities when no field is in
    both; a field in both with different conditions keeps both (``$and``), so a filter never widens
    the scope."""
    scope = narrowest(scope)
    clashing = {f for f in filters if f in scope and scope[f] != filters[f]}
    if clashing:
        return {"$and": [scope, dict(filters)]}
    return {**scope, **filters}


async def list_cases(cases: AsyncCollection, query: Mapping[str, Any], page: int, size: int, *,
                     after: tuple[datetime, str] | None = None) -> tuple[list[dict], tuple[datetime, str] | None]:
    """A page of the cases ``query`` matches, newest opened first, and where the next page starts
    (None on the last): page ``page``, or the page after ``after`` (keyset paging)."""
    return await keyset_page(cases, query, SORT_FIELD, descending=True, page=page, size=size, after=after,
                             projection=PROJECTION)


async def count_cases(cases: AsyncCollection, query: Mapping[str, Any], *, cap: int | None = None) -> int:
    """How many cases ``query`` matches, counting at most ``cap``."""
    return await cases.count_documents(dict(query), **({"limit": cap} if cap else {}))
