"""How long each level of the closed loop has, per category family — one table.

Change a number here and every new deadline follows it (deadlines already running keep theirs:
they are stored with the cases). An overdue case escalates one level automatically; see
:func:`services.fusion.workflow.auto_escalation`.
"""

from __future__ import annotations

from datetime import timedelta

H = timedelta(hours=1)

# level → family → time allowed at that level before automatic escalation, in hours.
_FAMILIES = ("safety_hazard", "public_order", "dispute", "special_population", "livelihood",
             "legal_service", "environment", "property_management", "other")
_HOURS = {
    #              safety public dispute special livelihood legal environment property other
    "grid":       (12,    12,    48,     24,     72,        72,   48,         72,      72),
    "community":  (24,    24,    72,     48,     120,       120,  72,         120,     120),
    "street":     (48,    48,    120,    72,     168,       168,  120,        168,     168),
    "department": (72,    72,    240,    168,    240,       240,  168,        240,     240),
}
DEADLINES: dict[str, dict[str, timedelta]] = {
    level: {family: hours * H for family, hours in zip(_FAMILIES, row, strict=True)}
    for level, row in _HOURS.items()
}


# Tiered hand-over (分级移交): the share of the department's time a case gets by its judged risk.
RISK_FACTOR: dict[str, float] = {"": 1.0, "low": 1.0, "medium": 1.0, "high": 0.5, "critical": 0.25}


def deadline(level: str, family: str, risk_level: str = "") -> timedelta:
    allowed = DEADLINES[level].get(family, DEADLINES[level]["other"])
    if level == "department":
        allowed = allowed * RISK_FACTOR.get(risk_level, 1.0)
    return allowed
