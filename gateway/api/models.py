"""Response schemas of the v1 contract, so /docs shows what the endpoints really return."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"


class Accepted(BaseModel):
    event_id: str
    status: Literal["accepted", "duplicate"]


class BatchItem(BaseModel):
    index: int
    event_id: str | None
    status: Literal["accepted", "duplicate", "invalid"]
    errors: list[dict[str, Any]] = Field(default_factory=list)


class BatchResult(BaseModel):
    results: list[BatchItem]
    accepted: int
    duplicate: int
    invalid: int


class EventStatus(BaseModel):
    event_id: str
    status: Literal["pending", "fused", "dead_lettered"]
    case_id: str | None = None
    grid_id: str | None = None
    reason: str | None = None
    department: str | None = None
    category: str | None = None
    fused_at: str | None = None


class Case(BaseModel):
    case_id: str
    grid_id: str
    community_id: str
    street_id: str
    category: str
    status: str
    level: Literal["grid", "community", "street", "department"]
    departments: list[str]
    event_ids: list[str]
    summary: str
    severity: str | None
    subject_id: str | None
    risk_level: str | None
    handed_to: str | None
    linked_case_id: str | None
    rating: int | None
    opened_at: str | None
    due_at: str | None
    closed_at: str | None
    updated_at: str | None


class CasePage(BaseModel):
    items: list[Case]
    total: int
    page: int
    page_size: int


class TimelineEntry(BaseModel):
    at: str | None
    action: str
    actor: str
    role: str
    from_status: str | None
    to_status: str | None
    level: str | None
    note: str | None
    event_id: str | None


class CaseDetail(Case):
    events: list[dict[str, Any]]
    timeline: list[TimelineEntry]


class Located(BaseModel):
    grid_id: str
    grid_name: str
    community_id: str
    street_id: str
    method: str
    confidence: float


class HouseholdPage(BaseModel):
    items: list[dict[str, Any]]
    total: int
    page: int
    page_size: int
