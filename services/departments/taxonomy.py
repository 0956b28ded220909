"""The shared taxonomy of event categories (``family.subtype``) and the shared field limits."""

from __future__ import annotations

FAMILIES: dict[str, str] = {
    "dispute": "矛盾纠纷",
    "safety_hazard": "安全隐患",
    "public_order": "社会治安",
    "livelihood": "民生服务",
    "legal_service": "法律服务",
    "environment": "环境卫生",
    "special_population": "特殊人群",
    "property_management": "物业管理",
    "other": "其他",
}

SUBTYPES: dict[str, tuple[str, ...]] = {
    "dispute": ("neighbor", "family", "property", "wage_arrears", "land"),
    "safety_hazard": ("fire", "building", "gas", "traffic", "flood"),
    "public_order": ("theft", "fraud", "fighting", "gang_lead"),
    "livelihood": ("subsistence_allowance", "elderly_care", "disability", "medical", "employment"),
    "legal_service": ("consultation", "aid_application"),
    "environment": ("garbage", "sewage", "noise"),
    "special_population": ("community_correction", "drug_rehab", "mental_health"),
    "property_management": ("service_quality", "owners_committee"),
    "other": ("general",),
}

SHARED_CATEGORIES: frozenset[str] = frozenset(f"{f}.{s}" for f, subs in SUBTYPES.items() for s in subs)

SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "critical")
GENERIC_TYPE = "incident.reported"
ID_MAX = 128
SUMMARY_MAX = 4000  # Open311's limit for a description
CATEGORY_PATTERN = r"^[a-z_]+\.[a-z0-9_]+$"


def family_of(category: str) -> str:
    return category.split(".", 1)[0]


def category_error(category: str, extra: frozenset[str] = frozenset()) -> str | None:
    """Why ``category`` is not a known ``family.subtype``, or None when it is."""
    if "." not in category:
        return "must be 'family.subtype', e.g. 'dispute.neighbor'"
    family = family_of(category)
    if family not in FAMILIES:
        return f"unknown family '{family}'; families are {', '.join(FAMILIES)}"
    if category not in SHARED_CATEGORIES and category not in extra:
        return f"unknown category '{category}' for this department"
    return None
