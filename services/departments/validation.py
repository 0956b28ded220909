"""Checking a department event: the shared fields of the contract, then the department's own.

Pure functions: they see an event and a department definition, never a network. Each
refusal names its field by dotted path (``location.lon``, ``details.visit_channel``).
"""

from __future__ import annotations

import math
from typing import Any

from google.protobuf import struct_pb2
from google.protobuf.json_format import MessageToDict
from gridfusion.events.v1 import events_pb2
from pydantic import ValidationError

from .datum import crs_error
from .definition import Department
from .taxonomy import ID_MAX, SUMMARY_MAX, category_error

FieldErrors = list[tuple[str, str]]
ADDRESS_MAX = 500


def details_of(event: events_pb2.DepartmentEvent) -> dict[str, Any]:
    if not event.HasField("details"):
        return {}
    return MessageToDict(event.details)


def nonfinite_paths(value: struct_pb2.Value | struct_pb2.Struct | struct_pb2.ListValue, path: str) -> list[str]:
    """Where ``details`` holds NaN or an infinity (JSON has no such number)."""
    if isinstance(value, struct_pb2.Struct):
        return [p for key, item in value.fields.items() for p in nonfinite_paths(item, f"{path}.{key}")]
    if isinstance(value, struct_pb2.ListValue):
        return [p for i, item in enumerate(value.values) for p in nonfinite_paths(item, f"{path}.{i}")]
    kind = value.WhichOneof("kind")
    if kind == "number_value":
        return [] if math.isfinite(value.number_value) else [path]
    if kind == "struct_value":
        return nonfinite_paths(value.struct_value, path)
    if kind == "list_value":
        return nonfinite_paths(value.list_value, path)
    return []


def check_shared(event: events_pb2.DepartmentEvent) -> FieldErrors:
    errors: FieldErrors = []
    if not 1 <= len(event.id) <= ID_MAX:
        errors.append(("id", f"must be 1 to {ID_MAX} characters"))
    if not event.type:
        errors.append(("type", "is required"))
    if not event.HasField("time"):
        errors.append(("time", "is required, ISO 8601 with offset"))
    if not event.category:
        errors.append(("category", "is required"))
    if not 1 <= len(event.summary) <= SUMMARY_MAX:
        errors.append(("summary", f"must be 1 to {SUMMARY_MAX} characters"))
    if event.severity not in events_pb2.Severity.values():
        errors.append(("severity", "must be one of low, medium, high, critical"))
    if len(event.subject_id) > ID_MAX:
        errors.append(("subject_id", f"must be at most {ID_MAX} characters"))
    errors.extend(check_location(event))
    return errors


def check_location(event: events_pb2.DepartmentEvent) -> FieldErrors:
    if not event.HasField("location") or event.location.WhichOneof("kind") is None:
        return [("location", "exactly one of {lon, lat}, {address} or {household_id} is required")]
    loc = event.location
    kind = loc.WhichOneof("kind")
    errors: FieldErrors = []
    crs = crs_error(loc)
    if crs:
        errors.append(("location.crs", crs))
    if kind == "point":
        if not (math.isfinite(loc.point.lon) and -180 <= loc.point.lon <= 180):
            errors.append(("location.lon", "must be a number in [-180, 180]"))
        if not (math.isfinite(loc.point.lat) and -90 <= loc.point.lat <= 90):
            errors.append(("location.lat", "must be a number in [-90, 90]"))
    elif kind == "address" and not 1 <= len(loc.address.strip()) <= ADDRESS_MAX:
        errors.append(("location.address", f"must be 1 to {ADDRESS_MAX} characters"))
    elif kind == "household_id" and not 1 <= len(loc.household_id.strip()) <= ID_MAX:
        errors.append(("location.household_id", f"must be 1 to {ID_MAX} characters"))
    return errors


def check_event(event: events_pb2.DepartmentEvent, department: Department) -> FieldErrors:
    """Every reason ``department`` refuses ``event``; empty when it is accepted."""
    errors = check_shared(event)
    if event.department and event.department != department.name:
        errors.append(("department", f"this is the {department.name} service, not {event.department}"))
    event_type = department.event_type(event.type) if event.type else None
    if event.type and event_type is None:
        known = ", ".join(sorted(department.event_types)) or "none"
        errors.append(("type", f"unknown type '{event.type}'; {department.name} types are incident.reported, {known}"))
    if event.category:
        problem = category_error(event.category, department.extra_categories)
        if problem:
            errors.append(("category", problem))
        elif event_type is not None and event.category not in event_type.categories:
            allowed = ", ".join(sorted(event_type.categories))
            errors.append(("category", f"type '{event.type}' takes one of: {allowed}"))
    nonfinite = nonfinite_paths(event.details, "details") if event.HasField("details") else []
    errors.extend((path, "must be a finite number") for path in nonfinite)
    details = {} if nonfinite else details_of(event)
    if event_type is not None and not nonfinite:
        try:
            event_type.details.model_validate(details)
        except ValidationError as exc:
            for err in exc.errors():
                path = ".".join(str(part) for part in err["loc"])
                errors.append((f"details.{path}" if path else "details", err["msg"]))
    if not errors:
        for rule in department.rules:
            errors.extend(rule(event, details))
    return errors
