"""Checking a department event: the shared fields of the contract, then the department's own.

Pure functions: they see an event and a department definition, never a network. Each
refusal names its field by dotted path (``location.lon``, ``details.visit_channel``). The
shared fields are checked by :func:`services.platform.events.check_shared`, as fusion does.
"""

from __future__ import annotations

from gridfusion.events.v1 import events_pb2
from pydantic import ValidationError

from services.platform.events import FieldErrors, check_shared, details_of, nonfinite_paths
from services.platform.vocabulary import category_error

from .definition import Department


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
