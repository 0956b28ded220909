"""The JSON form of a department event, as the gateway contract defines it.

Used by the gateway as its request model (so the OpenAPI schema and the 422 answers come
from one place) and converted here to the protobuf the department services speak.
"""

from __future__ import annotations

import math
import sys
from typing import Any, Literal

from google.protobuf.struct_pb2 import Struct
from gridfusion.departments.v1 import departments_pb2
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

from .taxonomy import CATEGORY_PATTERN, ID_MAX, SUMMARY_MAX

SEVERITY_TO_PROTO = {
    "low": events_pb2.SEVERITY_LOW,
    "medium": events_pb2.SEVERITY_MEDIUM,
    "high": events_pb2.SEVERITY_HIGH,
    "critical": events_pb2.SEVERITY_CRITICAL,
}
SEVERITY_FROM_PROTO = {v: k for k, v in SEVERITY_TO_PROTO.items()}
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


class PatrolPointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    time: AwareDatetime = Field(description="When the fix was taken, ISO 8601 with offset")
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)


class PatrolLogIn(BaseModel):
    """A grid worker's patrol track as the grid app uploads it; the same ``log_id`` is one log."""

    model_config = ConfigDict(extra="forbid")

    log_id: str = Field(min_length=1, max_length=ID_MAX)
    worker_id: str = Field(min_length=1, max_length=ID_MAX, description="The grid worker's person id")
    points: list[PatrolPointIn] = Field(min_length=2, max_length=20000, description="Fixes of the track")
    note: str = Field("", max_length=2000)

    def to_proto(self, grid_id: str = "") -> departments_pb2.PatrolLog:
        log = departments_pb2.PatrolLog(log_id=self.log_id, worker_id=self.worker_id, note=self.note, grid_id=grid_id)
        for p in self.points:
            point = log.points.add(lon=p.lon, lat=p.lat)
            point.time.FromDatetime(p.time)
        return log
