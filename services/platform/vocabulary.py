"""The words every part of Gridfusion shares, read from the contract that defines them.

`proto/gridfusion/vocabulary/v1/vocabulary.proto` is the one source: each enum there is a table
of codes (the words on the wire and in the API) with their Chinese labels, in the order the
platform lists them. This module turns those enums into plain Python tables, so a service, the
gateway and the tests all import the same words from here, and adding a word is one edit to
the contract.

| table | codes | labels |
| --- | --- | --- |
| departments | :data:`DEPARTMENTS` | :data:`DEPARTMENT_LABELS` |
| category families and subtypes | :data:`FAMILIES` (code → label), :data:`SUBTYPES` | :data:`CATEGORY_LABELS` |
| severities of an event | :data:`SEVERITIES` (from ``events.v1.Severity``) | — |
| account roles | :data:`ROLES` | :data:`ROLE_LABELS` |
| case statuses, levels, actions | :data:`STATUSES`, :data:`LEVELS`, :data:`ACTIONS` | ``*_LABELS`` |
| risk levels of an assessment | :data:`RISK_LEVELS` | :data:`RISK_LABELS` |
| service-order statuses | :data:`ORDER_STATUSES` | :data:`ORDER_STATUS_LABELS` |

It also holds the shared limits of a department event's fields and the checks of a category.
"""

from __future__ import annotations

from google.protobuf.descriptor import EnumDescriptor
from gridfusion.events.v1 import events_pb2
from gridfusion.vocabulary.v1 import vocabulary_pb2 as vpb


def _prefix(enum: EnumDescriptor) -> str:
    return enum.values[0].name.removesuffix("UNSPECIFIED")


def codes(enum: EnumDescriptor) -> tuple[str, ...]:
    """The codes of ``enum``'s values (its UNSPECIFIED value left out), in contract order."""
    prefix = _prefix(enum)
    out = []
    for value in enum.values[1:]:
        code = value.GetOptions().Extensions[vpb.code]
        out.append(code or value.name.removeprefix(prefix).lower())
    return tuple(out)


def labels(enum: EnumDescriptor, option=vpb.label) -> dict[str, str]:
    """code → label of ``enum``'s values: the Chinese one, or another label ``option``."""
    return {
        code: value.GetOptions().Extensions[option]
        for code, value in zip(codes(enum), enum.values[1:], strict=True)
    }


def _codes_and_labels(enum: EnumDescriptor) -> tuple[tuple[str, ...], dict[str, str]]:
    return codes(enum), labels(enum)


def table(enum: EnumDescriptor) -> list[dict[str, str]]:
    """``enum`` as the API lists it: ``[{"code", "label", "label_en"}]`` in contract order."""
    zh, en = labels(enum), labels(enum, vpb.label_en)
    return [{"code": code, "label": zh[code], "label_en": en[code]} for code in codes(enum)]


def tables() -> dict[str, list[dict[str, str]]]:
    """Every table of the vocabulary by name (``GET /v1/vocabulary``)."""
    enums = {
        "departments": vpb.Department, "families": vpb.Family, "categories": vpb.Category, "roles": vpb.Role,
        "case_statuses": vpb.CaseStatus, "levels": vpb.Level, "actions": vpb.Action, "risk_levels": vpb.RiskLevel,
        "order_statuses": vpb.OrderStatus, "member_categories": vpb.MemberCategory,
        "service_posts": vpb.ServicePost, "satisfaction": vpb.Satisfaction,
    }
    return {name: table(enum.DESCRIPTOR) for name, enum in enums.items()}


DEPARTMENTS, DEPARTMENT_LABELS = _codes_and_labels(vpb.Department.DESCRIPTOR)

FAMILIES: dict[str, str] = labels(vpb.Family.DESCRIPTOR)
CATEGORY_LABELS: dict[str, str] = labels(vpb.Category.DESCRIPTOR)
SUBTYPES: dict[str, tuple[str, ...]] = {
    family: tuple(code.split(".", 1)[1] for code in CATEGORY_LABELS if code.split(".", 1)[0] == family)
    for family in FAMILIES
}
SHARED_CATEGORIES: frozenset[str] = frozenset(CATEGORY_LABELS)

SEVERITY_TO_PROTO: dict[str, int] = {
    code: value.number
    for code, value in zip(codes(events_pb2.Severity.DESCRIPTOR), events_pb2.Severity.DESCRIPTOR.values[1:],
                           strict=True)
}
SEVERITY_FROM_PROTO: dict[int, str] = {number: code for code, number in SEVERITY_TO_PROTO.items()}
SEVERITIES: tuple[str, ...] = tuple(SEVERITY_TO_PROTO)
# How severe, for "the most severe report of a case": the protobuf numbers rise with severity.
SEVERITY_RANK: dict[str, int] = dict(SEVERITY_TO_PROTO)

ROLES, ROLE_LABELS = _codes_and_labels(vpb.Role.DESCRIPTOR)

STATUSES, STATUS_LABELS = _codes_and_labels(vpb.CaseStatus.DESCRIPTOR)
# Statuses with no clock running and nothing left to do but feedback or reopen: out of the loop.
# ``status=open`` in a case list means any other status.
FINISHED: tuple[str, ...] = ("resolved", "closed", "merged")
OPEN_STATUSES: tuple[str, ...] = tuple(s for s in STATUSES if s not in FINISHED)
LEVELS, LEVEL_LABELS = _codes_and_labels(vpb.Level.DESCRIPTOR)
ACTIONS, ACTION_LABELS = _codes_and_labels(vpb.Action.DESCRIPTOR)
RISK_LEVELS, RISK_LABELS = _codes_and_labels(vpb.RiskLevel.DESCRIPTOR)
ORDER_STATUSES, ORDER_STATUS_LABELS = _codes_and_labels(vpb.OrderStatus.DESCRIPTOR)
MEMBER_CATEGORIES, MEMBER_CATEGORY_LABELS = _codes_and_labels(vpb.MemberCategory.DESCRIPTOR)
SERVICE_POSTS: dict[str, str] = labels(vpb.ServicePost.DESCRIPTOR)
# The reporting resident's rating of a closure (满意 / 基本满意 / 不满意).
SATISFACTION, SATISFACTION_LABELS = _codes_and_labels(vpb.Satisfaction.DESCRIPTOR)

# The shared fields of a department event (DESIGN: the gateway contract's field rules).
GENERIC_TYPE = "incident.reported"
ID_MAX = 128
SUMMARY_MAX = 4000  # Open311's limit for a description
ADDRESS_MAX = 500
CATEGORY_PATTERN = r"^[a-z_]+\.[a-z0-9_]+$"
# The longest note or result a case action may carry.
CASE_NOTE_MAX = 2000
# Datums a reported point may be in; the platform stores WGS84.
DATUMS: tuple[str, ...] = ("wgs84", "gcj02", "bd09")


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
