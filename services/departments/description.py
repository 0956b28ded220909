"""What a department accepts, as ``Describe`` answers it: its event types, categories and the
``details`` fields of each type, read from its definition."""

from __future__ import annotations

from gridfusion.departments.v1 import departments_pb2 as pb

from services.platform.vocabulary import GENERIC_TYPE

from .definition import Department


def describe(department: Department) -> pb.DepartmentDescription:
    """The department's types, categories and details fields, from its definition."""
    types = {GENERIC_TYPE: department.event_type(GENERIC_TYPE), **department.event_types}
    out = pb.DepartmentDescription(
        department=department.name, label=department.label, categories=sorted(department.categories)
    )
    for name, spec in types.items():
        assert spec is not None
        schema = spec.details.model_json_schema()
        required = set(schema.get("required", ()))
        fields = []
        for field_name, prop in schema.get("properties", {}).items():
            kind = prop.get("type") or next((p.get("type") for p in prop.get("anyOf", ()) if p.get("type") != "null"), "string")
            fields.append(
                pb.DetailsField(
                    name=field_name,
                    type=kind,
                    required=field_name in required,
                    description=prop.get("description", prop.get("title", "")),
                    allowed=[str(v) for v in prop.get("enum", ())],
                )
            )
        out.event_types.append(
            pb.EventType(type=name, label=spec.label, categories=sorted(spec.categories), details=fields)
        )
    return out
