"""``GET /v1/vocabulary``: the words of the contract with their Chinese and English labels.

The dashboard and any client label departments, categories, roles, case statuses, levels,
actions, risk levels and order statuses from this one list (it is the contract's
``gridfusion.vocabulary.v1``), so no client keeps a copy that can drift.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from services.platform.vocabulary import tables

router = APIRouter(tags=["vocabulary"])
VOCABULARY = tables()


@router.get(
    "/v1/vocabulary",
    summary="The shared words (departments, categories, roles, statuses, levels, actions, …) with their labels",
)
async def vocabulary(response: Response) -> dict[str, list[dict[str, str]]]:
    # The same for every caller and every request until the next release: no sign-in needed.
    response.headers["Cache-Control"] = "public, max-age=3600"
    return VOCABULARY
