import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from gridfusion.events.v1 import events_pb2 as _events_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SubmitStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUBMIT_STATUS_UNSPECIFIED: _ClassVar[SubmitStatus]
    SUBMIT_STATUS_ACCEPTED: _ClassVar[SubmitStatus]
    SUBMIT_STATUS_DUPLICATE: _ClassVar[SubmitStatus]
    SUBMIT_STATUS_INVALID: _ClassVar[SubmitStatus]
SUBMIT_STATUS_UNSPECIFIED: SubmitStatus
SUBMIT_STATUS_ACCEPTED: SubmitStatus
SUBMIT_STATUS_DUPLICATE: SubmitStatus
SUBMIT_STATUS_INVALID: SubmitStatus

class SubmitEventRequest(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: _events_pb2.DepartmentEvent
    def __init__(self, event: _Optional[_Union[_events_pb2.DepartmentEvent, _Mapping]] = ...) -> None: ...

class FieldError(_message.Message):
    __slots__ = ("field", "message")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    field: str
    message: str
    def __init__(self, field: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class SubmitResult(_message.Message):
    __slots__ = ("event_id", "status", "errors")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    status: SubmitStatus
    errors: _containers.RepeatedCompositeFieldContainer[FieldError]
    def __init__(self, event_id: _Optional[str] = ..., status: _Optional[_Union[SubmitStatus, str]] = ..., errors: _Optional[_Iterable[_Union[FieldError, _Mapping]]] = ...) -> None: ...

class SubmitEventsRequest(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_events_pb2.DepartmentEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[_events_pb2.DepartmentEvent, _Mapping]]] = ...) -> None: ...

class SubmitEventsResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[SubmitResult]
    def __init__(self, results: _Optional[_Iterable[_Union[SubmitResult, _Mapping]]] = ...) -> None: ...

class GetEventRequest(_message.Message):
    __slots__ = ("event_id",)
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    def __init__(self, event_id: _Optional[str] = ...) -> None: ...

class EventRecord(_message.Message):
    __slots__ = ("event", "published")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    event: _events_pb2.DepartmentEvent
    published: bool
    def __init__(self, event: _Optional[_Union[_events_pb2.DepartmentEvent, _Mapping]] = ..., published: _Optional[bool] = ...) -> None: ...

class ListEventsRequest(_message.Message):
    __slots__ = ("id_prefix", "event_ids", "since", "until", "limit")
    ID_PREFIX_FIELD_NUMBER: _ClassVar[int]
    EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    id_prefix: str
    event_ids: _containers.RepeatedScalarFieldContainer[str]
    since: _timestamp_pb2.Timestamp
    until: _timestamp_pb2.Timestamp
    limit: int
    def __init__(self, id_prefix: _Optional[str] = ..., event_ids: _Optional[_Iterable[str]] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., limit: _Optional[int] = ...) -> None: ...

class ListEventsResponse(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[EventRecord]
    def __init__(self, items: _Optional[_Iterable[_Union[EventRecord, _Mapping]]] = ...) -> None: ...

class DescribeRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DetailsField(_message.Message):
    __slots__ = ("name", "type", "required", "description", "allowed")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: str
    required: bool
    description: str
    allowed: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., type: _Optional[str] = ..., required: _Optional[bool] = ..., description: _Optional[str] = ..., allowed: _Optional[_Iterable[str]] = ...) -> None: ...

class EventType(_message.Message):
    __slots__ = ("type", "label", "categories", "details")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    type: str
    label: str
    categories: _containers.RepeatedScalarFieldContainer[str]
    details: _containers.RepeatedCompositeFieldContainer[DetailsField]
    def __init__(self, type: _Optional[str] = ..., label: _Optional[str] = ..., categories: _Optional[_Iterable[str]] = ..., details: _Optional[_Iterable[_Union[DetailsField, _Mapping]]] = ...) -> None: ...

class DepartmentDescription(_message.Message):
    __slots__ = ("department", "label", "event_types", "categories", "reference_version")
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    department: str
    label: str
    event_types: _containers.RepeatedCompositeFieldContainer[EventType]
    categories: _containers.RepeatedScalarFieldContainer[str]
    reference_version: str
    def __init__(self, department: _Optional[str] = ..., label: _Optional[str] = ..., event_types: _Optional[_Iterable[_Union[EventType, _Mapping]]] = ..., categories: _Optional[_Iterable[str]] = ..., reference_version: _Optional[str] = ...) -> None: ...

class StreamHandOversRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class HandOver(_message.Message):
    __slots__ = ("case_id", "grid_id", "category", "summary", "risk_level", "event_ids", "due_at", "note", "handed_over_at")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    RISK_LEVEL_FIELD_NUMBER: _ClassVar[int]
    EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    HANDED_OVER_AT_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    grid_id: str
    category: str
    summary: str
    risk_level: str
    event_ids: _containers.RepeatedScalarFieldContainer[str]
    due_at: _timestamp_pb2.Timestamp
    note: str
    handed_over_at: _timestamp_pb2.Timestamp
    def __init__(self, case_id: _Optional[str] = ..., grid_id: _Optional[str] = ..., category: _Optional[str] = ..., summary: _Optional[str] = ..., risk_level: _Optional[str] = ..., event_ids: _Optional[_Iterable[str]] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., note: _Optional[str] = ..., handed_over_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReportResultRequest(_message.Message):
    __slots__ = ("case_id", "result", "note", "actor", "result_id")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    RESULT_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    result: str
    note: str
    actor: str
    result_id: str
    def __init__(self, case_id: _Optional[str] = ..., result: _Optional[str] = ..., note: _Optional[str] = ..., actor: _Optional[str] = ..., result_id: _Optional[str] = ...) -> None: ...

class ReportResultResponse(_message.Message):
    __slots__ = ("case_id", "accepted")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    accepted: bool
    def __init__(self, case_id: _Optional[str] = ..., accepted: _Optional[bool] = ...) -> None: ...

class HandlingResult(_message.Message):
    __slots__ = ("case_id", "department", "result", "note", "actor", "reported_at", "result_id")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REPORTED_AT_FIELD_NUMBER: _ClassVar[int]
    RESULT_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    department: str
    result: str
    note: str
    actor: str
    reported_at: _timestamp_pb2.Timestamp
    result_id: str
    def __init__(self, case_id: _Optional[str] = ..., department: _Optional[str] = ..., result: _Optional[str] = ..., note: _Optional[str] = ..., actor: _Optional[str] = ..., reported_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., result_id: _Optional[str] = ...) -> None: ...

class PatrolSummaryRequest(_message.Message):
    __slots__ = ("from_date", "to_date", "grid_ids")
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    TO_DATE_FIELD_NUMBER: _ClassVar[int]
    GRID_IDS_FIELD_NUMBER: _ClassVar[int]
    from_date: str
    to_date: str
    grid_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, from_date: _Optional[str] = ..., to_date: _Optional[str] = ..., grid_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class PatrolDay(_message.Message):
    __slots__ = ("grid_id", "date", "worker_id", "hours_in_grid", "hours_logged", "under_minimum")
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    HOURS_IN_GRID_FIELD_NUMBER: _ClassVar[int]
    HOURS_LOGGED_FIELD_NUMBER: _ClassVar[int]
    UNDER_MINIMUM_FIELD_NUMBER: _ClassVar[int]
    grid_id: str
    date: str
    worker_id: str
    hours_in_grid: float
    hours_logged: float
    under_minimum: bool
    def __init__(self, grid_id: _Optional[str] = ..., date: _Optional[str] = ..., worker_id: _Optional[str] = ..., hours_in_grid: _Optional[float] = ..., hours_logged: _Optional[float] = ..., under_minimum: _Optional[bool] = ...) -> None: ...

class PatrolSummaryResponse(_message.Message):
    __slots__ = ("days", "minimum_hours")
    DAYS_FIELD_NUMBER: _ClassVar[int]
    MINIMUM_HOURS_FIELD_NUMBER: _ClassVar[int]
    days: _containers.RepeatedCompositeFieldContainer[PatrolDay]
    minimum_hours: float
    def __init__(self, days: _Optional[_Iterable[_Union[PatrolDay, _Mapping]]] = ..., minimum_hours: _Optional[float] = ...) -> None: ...

class PatrolPoint(_message.Message):
    __slots__ = ("time", "lon", "lat")
    TIME_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    time: _timestamp_pb2.Timestamp
    lon: float
    lat: float
    def __init__(self, time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lon: _Optional[float] = ..., lat: _Optional[float] = ...) -> None: ...

class PatrolLog(_message.Message):
    __slots__ = ("log_id", "worker_id", "points", "note", "grid_id", "uploader_worker_id")
    LOG_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    UPLOADER_WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    log_id: str
    worker_id: str
    points: _containers.RepeatedCompositeFieldContainer[PatrolPoint]
    note: str
    grid_id: str
    uploader_worker_id: str
    def __init__(self, log_id: _Optional[str] = ..., worker_id: _Optional[str] = ..., points: _Optional[_Iterable[_Union[PatrolPoint, _Mapping]]] = ..., note: _Optional[str] = ..., grid_id: _Optional[str] = ..., uploader_worker_id: _Optional[str] = ...) -> None: ...

class RecordPatrolResponse(_message.Message):
    __slots__ = ("log_id", "status", "grid_id")
    LOG_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    log_id: str
    status: SubmitStatus
    grid_id: str
    def __init__(self, log_id: _Optional[str] = ..., status: _Optional[_Union[SubmitStatus, str]] = ..., grid_id: _Optional[str] = ...) -> None: ...

class ListLegalAidGapsRequest(_message.Message):
    __slots__ = ("community_id", "page", "page_size", "community_ids", "cursor")
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_IDS_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    community_id: str
    page: int
    page_size: int
    community_ids: _containers.RepeatedScalarFieldContainer[str]
    cursor: str
    def __init__(self, community_id: _Optional[str] = ..., page: _Optional[int] = ..., page_size: _Optional[int] = ..., community_ids: _Optional[_Iterable[str]] = ..., cursor: _Optional[str] = ...) -> None: ...

class LegalAidGap(_message.Message):
    __slots__ = ("household_id", "grid_id", "community_id", "nearest_adviser_community_id", "distance_km", "travel_minutes")
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    NEAREST_ADVISER_COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_KM_FIELD_NUMBER: _ClassVar[int]
    TRAVEL_MINUTES_FIELD_NUMBER: _ClassVar[int]
    household_id: str
    grid_id: str
    community_id: str
    nearest_adviser_community_id: str
    distance_km: float
    travel_minutes: float
    def __init__(self, household_id: _Optional[str] = ..., grid_id: _Optional[str] = ..., community_id: _Optional[str] = ..., nearest_adviser_community_id: _Optional[str] = ..., distance_km: _Optional[float] = ..., travel_minutes: _Optional[float] = ...) -> None: ...

class ListLegalAidGapsResponse(_message.Message):
    __slots__ = ("gaps", "total", "travel_model", "limit_minutes", "households_checked", "next_cursor")
    GAPS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    TRAVEL_MODEL_FIELD_NUMBER: _ClassVar[int]
    LIMIT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLDS_CHECKED_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    gaps: _containers.RepeatedCompositeFieldContainer[LegalAidGap]
    total: int
    travel_model: str
    limit_minutes: float
    households_checked: int
    next_cursor: str
    def __init__(self, gaps: _Optional[_Iterable[_Union[LegalAidGap, _Mapping]]] = ..., total: _Optional[int] = ..., travel_model: _Optional[str] = ..., limit_minutes: _Optional[float] = ..., households_checked: _Optional[int] = ..., next_cursor: _Optional[str] = ...) -> None: ...
