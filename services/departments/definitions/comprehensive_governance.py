"""综治 comprehensive governance: disputes, hazards, public order, "four kinds of risk"
screening (四类风险排查), and the grid workers' patrol logs with their daily hours inside their
own grid (:mod:`services.departments.patrol`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from services.platform.mongo import ensure_indexes
from services.platform.vocabulary import SHARED_CATEGORIES

from ..definition import PATROL_LOGS, Department, Details, EventType
from ..patrol import INDEXES as PATROL_INDEXES
from ..patrol import PatrolStore


class DisputeDetails(Details):
    parties: int = Field(2, ge=2, le=1000, description="当事人数")
    mediated_on_site: bool = Field(False, description="是否已当场调解")


class HazardDetails(Details):
    hazard_level: Literal["general", "major"] = Field("general", description="隐患等级: general 一般, major 重大")
    rectification_deadline: str | None = Field(None, description="整改期限 (ISO date)")


class RiskScreeningDetails(Details):
    risk_kind: Literal["social_stability", "public_safety", "special_population", "online_opinion"] = Field(
        description="四类风险: 社会稳定, 公共安全, 特殊人群, 网络舆情"
    )


class PublicOrderDetails(Details):
    patrol_found: bool = Field(False, description="是否巡查发现")
    gang_lead: bool = Field(False, description="是否扫黑除恶线索")


async def seed_grid_workers(store) -> None:
    """The grid workers of the reference version in use and their own grids, for the patrol logs."""
    await ensure_indexes(store.db, PATROL_INDEXES)
    await PatrolStore(store.db).seed_workers()


def _family(*families: str) -> frozenset[str]:
    return frozenset(c for c in SHARED_CATEGORIES if c.split(".")[0] in families)


DEPARTMENT = Department(
    name="comprehensive_governance",
    label="综治",
    event_types={
        "governance.dispute": EventType("矛盾纠纷", _family("dispute"), DisputeDetails),
        "governance.hazard": EventType("安全隐患", _family("safety_hazard"), HazardDetails),
        "governance.public_order": EventType("社会治安", _family("public_order"), PublicOrderDetails),
        "governance.risk_screening": EventType(
            "四类风险排查", _family("public_order", "special_population", "safety_hazard", "dispute"), RiskScreeningDetails
        ),
    },
    seeders=(seed_grid_workers,),
    features=frozenset({PATROL_LOGS}),
    uses_reference=True,
)
