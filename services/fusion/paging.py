"""A list request's page: ``page`` counts from 1; ``page_size`` 0 means 20, at most 200."""

from __future__ import annotations

MAX_PAGE_SIZE = 200


def paging(page: int, page_size: int) -> tuple[int, int]:
    return max(page, 1), min(max(page_size, 1), MAX_PAGE_SIZE) if page_size else 20
