"""A department event as the contract defines it: its JSON form and the checks of its shared fields.

- :class:`EventIn` is the JSON form of the gateway contract (DESIGN: "Gateway contract"): the
  gateway's request model, so the OpenAPI schema and the 422 answers come from one place, and
  :meth:`EventIn.to_proto` the protobuf every department service speaks.
- :func:`check_shared` checks the fields every event shares, wherever an event enters: a
  department service before it accepts one (then its own rules), fusion before it fuses one.
  Each refusal names its field by dotted path (``location.lon``, ``details.visit_channel``).

Pure: no network, no service's code.
"""

from __future__ import annotations

import math
import sys
from typing import Any, Literal

from google.protobuf import struct_pb2
from google.protobuf.json_format import MessageToDict
from google.protobuf.struct_pb2 import Struct
from gridfusion.events.v1 import events_pb2
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .vocabulary import (
    ADDRESS_MAX,
    CATEGORY_PATTERN,
    DATUMS,
    ID_MAX,
    SEVERITY_TO_PROTO,
    SUMMARY_MAX,
)

FieldErrors = list[tuple[str, str]]
# The largest magnitude a number in ``details`` may have: what a double (protobuf Struct) holds.
MAX_DETAIL_NUMBER = sys.float_info.max


class LocationIn(BaseModel):
    """Exactly one of: a point (``lon`` and ``lat``, with its datum ``crs``), an ``address``, a
    ``household_id``."""

    model_config = ConfigDict(extra="forbid")

    lon: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False)
    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False)
    address: str | None = Field(None, min_length=1, max_length=500)
    household_id: str | None = Field(None, min_length=1, max_length=ID_MAX)
    crs: Literal["wgs84", "gcj02", "bd09"] = Field(
        "wgs84",
        description="Datum of the point: wgs84 (GPS), gcj02 (Amap, Tencent and most map SDKs in China) or "
                    "bd09 (Baidu). The department converts the point to WGS84 and keeps the reported one "
                    "in details.reported_location.",
    )

    @field_validator("crs")
    @classmethod
    def datum_of_a_point(cls, crs: str, info: ValidationInfo) -> str:
        other_form = info.data.get("address") is not None or info.data.get("household_id") is not None
        if crs != "wgs84" and other_form:
            raise ValueError("a datum applies only to a point (lon, lat)")
        return crs

    @model_validator(mode="after")
    def exactly_one_form(self) -> LocationIn:
        point = self.lon is not None or self.lat is not None
        if point and (self.lon is None or self.lat is None):
            raise ValueError("a point needs both lon and lat")
        forms = sum((point, self.address is not None, self.household_id is not None))
        if forms != 1:
            raise ValueError("give exactly one of {lon, lat}, {address} or {household_id}")
        return self


class EventIn(BaseModel):
    """One department event (``POST /v1/departments/{department}/events``)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "xf-2026-000123",
                    "type": "petition.visit",
                    "time": "2026-11-27T09:30:00+08:00",
                    "category": "dispute.neighbor",
                    "summary": "邻里因楼道堆放杂物发生纠纷，多次协商未果",
                    "severity": "medium",
                    "subject_id": "P-370921-0001",
                    "location": {"lon": 116.8052, "lat": 35.7598},
                    "details": {"petitioner_name": "张某", "channel": "visit"},
                }
            ]
        },
    )

    id: str = Field(min_length=1, max_length=ID_MAX, description="Stable id chosen by the reporting system")
    type: str = Field(min_length=1, max_length=64, description="Native event type, or incident.reported")
    time: AwareDatetime = Field(description="When it happened, ISO 8601 with offset")
    category: str = Field(pattern=CATEGORY_PATTERN, max_length=64, description="family.subtype of the shared taxonomy")
    summary: str = Field(min_length=1, max_length=SUMMARY_MAX)
    severity: Literal["low", "medium", "high", "critical"] | None = None
    subject_id: str | None = Field(None, max_length=ID_MAX, description="A person or household key")
    location: LocationIn
    details: dict[str, Any] | None = None

    @field_validator("details")
    @classmethod
    def finite_numbers(cls, details: dict[str, Any] | None) -> dict[str, Any] | None:
        """JSON has no NaN or infinity; a parser that lets them through must not pass them on. Nor
        does ``details`` (a protobuf Struct) hold an integer beyond a double's range (10**400)."""
        def walk(value: Any, path: str) -> None:
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"{path} must be a finite number")
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_DETAIL_NUMBER:
                raise ValueError(f"{path} is too large a number (at most ±{MAX_DETAIL_NUMBER:.3g})")
            if isinstance(value, dict):
                for key, item in value.items():
                    walk(item, f"{path}.{key}")
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    walk(item, f"{path}.{i}")

        walk(details, "details")
        return details

    def to_proto(self, department: str) -> events_pb2.DepartmentEvent:
        event = events_pb2.DepartmentEvent(
            id=self.id,
            department=department,
            type=self.type,
            category=self.category,
            summary=self.summary,
            severity=SEVERITY_TO_PROTO.get(self.severity or "", events_pb2.SEVERITY_UNSPECIFIED),
            subject_id=self.subject_id or "",
        )
        event.time.FromDatetime(self.time)
        offset = self.time.utcoffset()
        event.time_offset_minutes = int(offset.total_seconds() // 60) if offset else 0
        loc = self.location
        if loc.address is not None:
            event.location.address = loc.address
        elif loc.household_id is not None:
            event.location.household_id = loc.household_id
        else:
            event.location.point.lon = loc.lon
            event.location.point.lat = loc.lat
            if loc.crs != "wgs84":
                event.location.crs = loc.crs
        if self.details:
            details = Struct()
            details.update(self.details)
            event.details.CopyFrom(details)
        return event


class EventsBatchIn(BaseModel):
    """``POST /v1/departments/{department}/events:batch``: each event is checked on its own."""

    events: list[dict[str, Any]] = Field(min_length=1, max_length=1000)


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


def crs_error(location: events_pb2.Location) -> str | None:
    """Why ``location.crs`` is refused, or None (empty means "wgs84")."""
    if not location.crs or location.crs == "wgs84":
        return None
    if location.crs not in DATUMS:
        return f"must be one of {', '.join(DATUMS)}"
    if location.WhichOneof("kind") != "point":
        return "a datum applies only to a point (lon, lat)"
    return None
