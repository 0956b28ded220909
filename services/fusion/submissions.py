"""The weekly report as a process (一周一报): each grid submits its week — the figures the weekly
report gives for it, and its secretary's text — and its community and street see who has not.
Submitting again replaces the submission and counts a revision. Kept in ``weekly_submissions``,
one per week and grid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from .grid_records import GridRecords
from .organisations import Refused

COLLECTION = "weekly_submissions"
MAX_TEXT = 4000
INDEXES = [IndexModel([("week", ASCENDING), ("grid_id", ASCENDING)], name="week_grid", unique=True)]


@dataclass
class Submission:
    week: str
    grid_id: str
    text: str
    figures: dict[str, float] = field(default_factory=dict)
    community_id: str = ""
    street_id: str = ""
    submitted_by: str = ""
    submitted_at: datetime | None = None
    revision: int = 1


class SubmissionStore(GridRecords):
    def __init__(self, db: AsyncDatabase) -> None:
        super().__init__(db, COLLECTION, INDEXES)

    def _of(self, doc: dict) -> Submission:
        s = Submission(doc["week"], doc["grid_id"], doc["text"], dict(doc.get("figures") or {}),
                       submitted_by=doc.get("submitted_by", ""), submitted_at=doc.get("submitted_at"),
                       revision=doc.get("revision", 1))
        s.community_id, s.street_id = self.place(s.grid_id)
        return s

    async def submit(self, week: str, grid_id: str, text: str, figures: dict[str, float], actor: str,
                     now: datetime) -> Submission:
        if grid_id not in self._grids:
            raise Refused("not_found", f"no grid {grid_id!r}")
        if not text.strip() or len(text) > MAX_TEXT:
            raise Refused("invalid", f"text: the secretary's account of the week, 1 to {MAX_TEXT} characters")
        doc = await self.records.find_one_and_update(
            {"week": week, "grid_id": grid_id},
            {"$set": {"text": text.strip(), "figures": figures, "submitted_by": actor, "submitted_at": now},
             "$inc": {"revision": 1}},
            upsert=True, return_document=ReturnDocument.AFTER)
        return self._of(doc)

    async def in_area(self, street_id: str, community_id: str, grid_id: str, week: str) -> tuple[list[Submission], list[str]]:
        grids = self.grids_in(street_id, community_id, grid_id)
        docs = await self.records.find({"week": week, "grid_id": {"$in": grids}}).sort("grid_id", ASCENDING).to_list()
        done = {d["grid_id"] for d in docs}
        return [self._of(d) for d in docs], [g for g in grids if g not in done]
