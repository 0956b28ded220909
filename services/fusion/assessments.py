"""The county's assessment of the grids (考核), kept week by week: each grid's score, rank and
components, and the weights they were made with (the gateway computes them; see
``gateway/reports/assessment.py`` for the formula). One document per week in ``assessments``;
assessing a week again replaces it and counts a revision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from .grid_records import GridRecords
from .organisations import Refused

COLLECTION = "assessments"
INDEXES = [IndexModel([("week", DESCENDING)], name="week", unique=True)]
WEEKS_LISTED = 52


class AssessmentStore(GridRecords):
    def __init__(self, db: AsyncDatabase) -> None:
        super().__init__(db, COLLECTION, INDEXES)

    async def save(self, week: str, grids: list[dict[str, Any]], weights: dict[str, float], actor: str,
                   now: datetime) -> dict[str, Any]:
        unknown = sorted({g["grid_id"] for g in grids} - set(self._grids))
        if unknown:
            raise Refused("not_found", f"no grids {', '.join(unknown[:5])}")
        if not grids or not weights:
            raise Refused("invalid", "an assessment scores at least one grid, with its weights")
        doc = await self.records.find_one_and_update(
            {"_id": week},
            {"$set": {"week": week, "grids": grids, "weights": weights, "assessed_by": actor, "assessed_at": now},
             "$inc": {"revision": 1}},
            upsert=True, return_document=ReturnDocument.AFTER)
        return self._placed(doc, set(self._grids))

    def _placed(self, doc: dict[str, Any], area: set[str]) -> dict[str, Any]:
        """The assessment with the grids of ``area`` only, each with its community and street."""
        doc["grids"] = [{**g, **dict(zip(("community_id", "street_id"), self.place(g["grid_id"]), strict=True))}
                        for g in doc["grids"] if g["grid_id"] in area]
        return doc

    async def listed(self, street_id: str, community_id: str, grid_id: str, week: str) -> list[dict[str, Any]]:
        """The week's assessment (or every week's, newest first) with only the area's grids."""
        area = set(self.grids_in(street_id, community_id, grid_id))
        query = {"_id": week} if week else {}
        docs = await self.records.find(query).sort("week", DESCENDING).limit(WEEKS_LISTED).to_list()
        return [self._placed(doc, area) for doc in docs]
