"""What the stores of the party-building side share: a collection of records kept per grid, and
the grids of the reference version in use (a grid a new version no longer has drops out)."""

from __future__ import annotations

from pymongo import IndexModel
from pymongo.asynchronous.database import AsyncDatabase


class GridRecords:
    def __init__(self, db: AsyncDatabase, collection: str, indexes: list[IndexModel]) -> None:
        self.records = db[collection]
        self._indexes = indexes
        self._grids: dict[str, tuple[str, str]] = {}

    async def ensure_indexes(self) -> None:
        await self.records.create_indexes(self._indexes)

    def use_grids(self, grids: dict[str, tuple[str, str]]) -> None:
        """grid id → (community id, street id) of the reference version in use."""
        self._grids = grids

    def place(self, grid_id: str) -> tuple[str, str]:
        """(community id, street id) of a grid; empty for one the version does not have."""
        return self._grids.get(grid_id, ("", ""))

    def grids_in(self, street_id: str, community_id: str, grid_id: str) -> list[str]:
        """The grids of an area, in id order (empty fields do not narrow)."""
        return sorted(g for g, (c, s) in self._grids.items() if (not grid_id or g == grid_id)
                      and (not community_id or c == community_id) and (not street_id or s == street_id))
