"""How long each level of the closed loop has, per category family — one table.

Change a number here and every new deadline follows it (deadlines already running keep theirs:
they are stored with the cases). An overdue case escalates one level automatically; see
:func:`services.fusion.workflow.auto_escalation`.
"""

from __future__ import annotations

from datetime import timedelta

H = timedelta(hours=1)

# level → family → time allowed at that level before automatic escalation.
DEADLINES: dict[str, dict[str, timedelta]] = {
    "grid": {
        "safety_hazard": 12 * H, "public_order": 12 * H, "dispute": 48 * H, "special_population": 24 * H,
        "livelihood": 72 * H, "legal_service": 72 * H, "environment": 48 * H, "property_management": 72 * H, "other": 72 * H,
    },
    "community": {
        "safety_hazard": 24 * H, "public_order": 24 * H, "dispute": 72 * H, "special_population": 48 * H,
        "livelihood": 120 * H, "legal_service": 120 * H, "environment": 72 * H, "property_management": 120 * H, "other": 120 * H,
    },
    "street": {
        "safety_hazard": 48 * H, "public_order": 48 * H, "dispute": 120 * H, "special_population": 72 * H,
        "livelihood": 168 * H, "legal_service": 168 * H, "environment": 120 * H, "property_management": 168 * H, "other": 168 * H,
    },
    "department": {
        "safety_hazard": 72 * H, "public_order": 72 * H, "dispute": 240 * H, "special_population": 168 * H,
        "livelihood": 240 * H, "legal_service": 240 * H, "environment": 168 * H, "property_management": 240 * H, "other": 240 * H,
    },
}


# Tiered hand-over (分级移交): the share of the department's time a case gets by its judged risk.
RISK_FACTOR: dict[str, float] = {"": 1.0, "low": 1.0, "medium": 1.0, "high": 0.5, "critical": 0.25}


def deadline(level: str, family: str, risk_level: str = "") -> timedelta:
    allowed = DEADLINES[level].get(family, DEADLINES[level]["other"])
    if level == "department":
        allowed = allowed * RISK_FACTOR.get(risk_level, 1.0)
    return allowed
