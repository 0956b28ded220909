"""MongoDB documents of fusion to the protobuf messages of its API."""

from __future__ import annotations

import json
from typing import Any

from gridfusion.events.v1 import events_pb2
from gridfusion.fusion.v1 import fusion_pb2 as pb

from services.platform.vocabulary import SEVERITY_TO_PROTO

from .timestamps import set_time


def _texts(doc: dict[str, Any], *names: str) -> dict[str, Any]:
    """The named string fields of ``doc``, ``""`` (the proto default) for those it lacks."""
    return {name: doc.get(name, "") for name in names}


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
        category=doc["category"],
        status=doc["status"],
        level=doc["level"],
        departments=doc.get("departments", []),
        event_ids=doc.get("event_ids", []),
        severity=SEVERITY_TO_PROTO.get(doc.get("severity", ""), events_pb2.SEVERITY_UNSPECIFIED),
        rating=doc.get("rating", 0),
        version=doc.get("version", 1),
        overdue=bool(doc.get("overdue", False)),
        **_texts(doc, "community_id", "street_id", "summary", "subject_id", "risk_level",
                 "handed_to", "linked_case_id", "result", "compound_id", "satisfaction"),
    )
    for name in ("level_started_at", "opened_at", "due_at", "closed_at", "updated_at"):
        set_time(getattr(case, name), doc.get(name))
    case.merged_into = doc.get("merged_into") or ""
    case.merged_from.extend(doc.get("merged_from") or ())
    case.split_from = doc.get("split_from") or ""
    duplicates = sorted(doc.get("possible_duplicates") or (), key=lambda d: (-d.get("score", 0.0), d.get("case_id", "")))
    case.possible_duplicates.extend(
        pb.PossibleDuplicate(case_id=d["case_id"], score=d.get("score", 0.0), reasons=d.get("reasons") or ())
        for d in duplicates)
    return case


def timeline_to_proto(entry: dict[str, Any]) -> pb.TimelineEntry:
    out = pb.TimelineEntry(
        rating=entry.get("rating", 0),
        **_texts(entry, "action", "actor", "role", "from_status", "to_status", "level", "note",
                 "event_id", "from_level", "risk_level", "department", "result", "other_case_id", "origin_case_id",
                 "routed_to", "satisfaction", "channel"),
        event_ids=entry.get("event_ids") or (),
        score=entry.get("score", 0.0),
        reasons=entry.get("reasons") or (),
    )
    set_time(out.at, entry.get("at"))
    return out


def event_to_proto(doc: dict[str, Any]) -> pb.FusedEvent:
    """Fusion's record of an event (keyed ``<department>:<id>``) as (department, event_id)."""
    out = pb.FusedEvent(
        event_id=doc["event_id"],
        status=doc["status"],
        **_texts(doc, "case_id", "grid_id", "reason", "department", "category"),
    )
    set_time(out.fused_at, doc.get("fused_at"))
    if doc.get("event"):
        out.event.ParseFromString(doc["event"])
    return out


def dead_letter_to_proto(doc: dict[str, Any]) -> pb.DeadLetterRecord:
    out = pb.DeadLetterRecord(
        reprocessed=doc.get("reprocessed", False),
        reprocessable=bool(doc.get("reprocessable", doc.get("event") is not None)),
        **_texts(doc, "event_id", "stage", "reason", "origin_subject", "department", "case_id"),
    )
    set_time(out.dead_lettered_at, doc.get("dead_lettered_at"))
    set_time(out.reprocessed_at, doc.get("reprocessed_at"))
    return out
