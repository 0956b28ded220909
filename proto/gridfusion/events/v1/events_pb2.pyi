import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Severity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEVERITY_UNSPECIFIED: _ClassVar[Severity]
    SEVERITY_LOW: _ClassVar[Severity]
    SEVERITY_MEDIUM: _ClassVar[Severity]
    SEVERITY_HIGH: _ClassVar[Severity]
    SEVERITY_CRITICAL: _ClassVar[Severity]
SEVERITY_UNSPECIFIED: Severity
SEVERITY_LOW: Severity
SEVERITY_MEDIUM: Severity
SEVERITY_HIGH: Severity
SEVERITY_CRITICAL: Severity

class Envelope(_message.Message):
    __slots__ = ("id", "source", "spec_version", "type", "subject", "time", "data_content_type", "data_schema", "data", "traceparent")
    ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    SPEC_VERSION_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    DATA_CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    TRACEPARENT_FIELD_NUMBER: _ClassVar[int]
    id: str
    source: str
    spec_version: str
    type: str
    subject: str
    time: _timestamp_pb2.Timestamp
    data_content_type: str
    data_schema: str
    data: bytes
    traceparent: str
    def __init__(self, id: _Optional[str] = ..., source: _Optional[str] = ..., spec_version: _Optional[str] = ..., type: _Optional[str] = ..., subject: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., data_content_type: _Optional[str] = ..., data_schema: _Optional[str] = ..., data: _Optional[bytes] = ..., traceparent: _Optional[str] = ...) -> None: ...

class Point(_message.Message):
    __slots__ = ("lon", "lat")
    LON_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    lon: float
    lat: float
    def __init__(self, lon: _Optional[float] = ..., lat: _Optional[float] = ...) -> None: ...

class Location(_message.Message):
    __slots__ = ("point", "address", "household_id", "crs")
    POINT_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    CRS_FIELD_NUMBER: _ClassVar[int]
    point: Point
    address: str
    household_id: str
    crs: str
    def __init__(self, point: _Optional[_Union[Point, _Mapping]] = ..., address: _Optional[str] = ..., household_id: _Optional[str] = ..., crs: _Optional[str] = ...) -> None: ...

class DepartmentEvent(_message.Message):
    __slots__ = ("id", "department", "type", "time", "time_offset_minutes", "category", "summary", "severity", "subject_id", "location", "details", "accepted_at", "traceparent")
    ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    TIME_OFFSET_MINUTES_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    TRACEPARENT_FIELD_NUMBER: _ClassVar[int]
    id: str
    department: str
    type: str
    time: _timestamp_pb2.Timestamp
    time_offset_minutes: int
    category: str
    summary: str
    severity: Severity
    subject_id: str
    location: Location
    details: _struct_pb2.Struct
    accepted_at: _timestamp_pb2.Timestamp
    traceparent: str
    def __init__(self, id: _Optional[str] = ..., department: _Optional[str] = ..., type: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., time_offset_minutes: _Optional[int] = ..., category: _Optional[str] = ..., summary: _Optional[str] = ..., severity: _Optional[_Union[Severity, str]] = ..., subject_id: _Optional[str] = ..., location: _Optional[_Union[Location, _Mapping]] = ..., details: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., accepted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., traceparent: _Optional[str] = ...) -> None: ...

class DeadLetter(_message.Message):
    __slots__ = ("envelope", "stage", "reason", "deliveries", "dead_lettered_at", "origin_subject", "origin_sequence")
    ENVELOPE_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    DEAD_LETTERED_AT_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_SUBJECT_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    envelope: Envelope
    stage: str
    reason: str
    deliveries: int
    dead_lettered_at: _timestamp_pb2.Timestamp
    origin_subject: str
    origin_sequence: int
    def __init__(self, envelope: _Optional[_Union[Envelope, _Mapping]] = ..., stage: _Optional[str] = ..., reason: _Optional[str] = ..., deliveries: _Optional[int] = ..., dead_lettered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., origin_subject: _Optional[str] = ..., origin_sequence: _Optional[int] = ...) -> None: ...
