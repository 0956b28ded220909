"""MongoDB documents of fusion to the protobuf messages of its API."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from gridfusion.events.v1 import events_pb2
from gridfusion.fusion.v1 import fusion_pb2 as pb

from services.departments.schema import SEVERITY_TO_PROTO


def _ts(target, value: datetime | None) -> None:
    if value is not None:
        target.FromDatetime(value)


def grid_to_proto(doc: dict[str, Any], *, with_polygon: bool = True) -> pb.Grid:
    grid = pb.Grid(
        grid_id=doc["_id"],
        name=doc["name"],
        type=doc["type"],
        community_id=doc["community_id"],
        community_name=doc.get("community_name", ""),
        street_id=doc["street_id"],
        street_name=doc.get("street_name", ""),
        households=doc["households"],
        residents=doc["residents"],
        party_members=doc["party_members"],
        secretary_name=(doc.get("secretary") or {}).get("name", ""),
        police_assistant_name=(doc.get("police_assistant") or {}).get("name", ""),
        grid_worker_ids=[p["person_id"] for p in doc.get("grid_workers") or () if p and p.get("person_id")],
    )
    if with_polygon:
        grid.polygon.extend(events_pb2.Point(lon=lon, lat=lat) for lon, lat in doc["polygon"])
        grid.geometry_geojson = json.dumps(geometry_of(doc), separators=(",", ":"))
    return grid


def geometry_of(doc: dict[str, Any]) -> dict[str, Any]:
    """A grid document's boundary as a GeoJSON geometry."""
    parts = doc.get("parts") or [[doc["polygon"]]]
    if len(parts) == 1:
        return {"type": "Polygon", "coordinates": parts[0]}
    return {"type": "MultiPolygon", "coordinates": parts}


def household_model_to_proto(h) -> pb.Household:
    """A household of the reference model (``services.reference.models.Household``)."""
    head = h.head
    return pb.Household(
        household_id=h.household_id, compound_id=h.compound_id, grid_id=h.grid_id, address=h.address,
        residents=h.residents, head_name=head.name if head else "", head_phone=head.phone if head else "",
        head_id_number=head.id_number if head else "",
    )


def case_to_proto(doc: dict[str, Any]) -> pb.Case:
    case = pb.Case(
        case_id=doc["_id"],
        grid_id=doc["grid_id"],
        community_id=doc.get("community_id", ""),
        street_id=doc.get("street_id", ""),
        category=doc["category"],
        status=doc["status"],
        level=doc["level"],
        departments=doc.get("departments", []),
        event_ids=doc.get("event_ids", []),
        summary=doc.get("summary", ""),
        severity=SEVERITY_TO_PROTO.get(doc.get("severity", ""), events_pb2.SEVERITY_UNSPECIFIED),
        subject_id=doc.get("subject_id", ""),
        risk_level=doc.get("risk_level", ""),
        handed_to=doc.get("handed_to", ""),
        linked_case_id=doc.get("linked_case_id", ""),
        rating=doc.get("rating", 0),
        version=doc.get("version", 1),
        overdue=bool(doc.get("overdue", False)),
        result=doc.get("result", ""),
    )
    _ts(case.level_started_at, doc.get("level_started_at"))
    _ts(case.opened_at, doc.get("opened_at"))
    _ts(case.due_at, doc.get("due_at"))
    _ts(case.closed_at, doc.get("closed_at"))
    _ts(case.updated_at, doc.get("updated_at"))
    return case


def timeline_to_proto(entry: dict[str, Any]) -> pb.TimelineEntry:
    out = pb.TimelineEntry(
        action=entry.get("action", ""),
        actor=entry.get("actor", ""),
        role=entry.get("role", ""),
        from_status=entry.get("from_status", ""),
        to_status=entry.get("to_status", ""),
        level=entry.get("level", ""),
        note=entry.get("note", ""),
        event_id=entry.get("event_id", ""),
        from_level=entry.get("from_level", ""),
        risk_level=entry.get("risk_level", ""),
        department=entry.get("department", ""),
        rating=entry.get("rating", 0),
        result=entry.get("result", ""),
    )
    _ts(out.at, entry.get("at"))
    return out


def event_to_proto(doc: dict[str, Any]) -> pb.FusedEvent:
    """Fusion's record of an event (keyed ``<department>:<id>``) as (department, event_id)."""
    out = pb.FusedEvent(
        event_id=doc["event_id"],
        status=doc["status"],
        case_id=doc.get("case_id", ""),
        grid_id=doc.get("grid_id", ""),
        reason=doc.get("reason", ""),
        department=doc.get("department", ""),
        category=doc.get("category", ""),
    )
    _ts(out.fused_at, doc.get("fused_at"))
    if doc.get("event"):
        out.event.ParseFromString(doc["event"])
    return out


def dead_letter_to_proto(doc: dict[str, Any]) -> pb.DeadLetterRecord:
    out = pb.DeadLetterRecord(
        event_id=doc.get("event_id", ""),
        stage=doc.get("stage", ""),
        reason=doc.get("reason", ""),
        origin_subject=doc.get("origin_subject", ""),
        reprocessed=doc.get("reprocessed", False),
        department=doc.get("department", ""),
        reprocessable=bool(doc.get("reprocessable", doc.get("event") is not None)),
        case_id=doc.get("case_id", ""),
    )
    _ts(out.dead_lettered_at, doc.get("dead_lettered_at"))
    _ts(out.reprocessed_at, doc.get("reprocessed_at"))
    return out
