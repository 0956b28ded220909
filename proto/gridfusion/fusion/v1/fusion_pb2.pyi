import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from gridfusion.events.v1 import events_pb2 as _events_pb2
from gridfusion.party.v1 import party_pb2 as _party_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Count(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COUNT_CAPPED: _ClassVar[Count]
    COUNT_EXACT: _ClassVar[Count]
    COUNT_NONE: _ClassVar[Count]
COUNT_CAPPED: Count
COUNT_EXACT: Count
COUNT_NONE: Count

class Scope(_message.Message):
    __slots__ = ("street_id", "community_id", "grid_id", "department", "role")
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    street_id: str
    community_id: str
    grid_id: str
    department: str
    role: str
    def __init__(self, street_id: _Optional[str] = ..., community_id: _Optional[str] = ..., grid_id: _Optional[str] = ..., department: _Optional[str] = ..., role: _Optional[str] = ...) -> None: ...

class Grid(_message.Message):
    __slots__ = ("grid_id", "name", "type", "community_id", "community_name", "street_id", "street_name", "households", "residents", "party_members", "polygon", "secretary_name", "police_assistant_name", "geometry_geojson", "grid_worker_ids")
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_NAME_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    STREET_NAME_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLDS_FIELD_NUMBER: _ClassVar[int]
    RESIDENTS_FIELD_NUMBER: _ClassVar[int]
    PARTY_MEMBERS_FIELD_NUMBER: _ClassVar[int]
    POLYGON_FIELD_NUMBER: _ClassVar[int]
    SECRETARY_NAME_FIELD_NUMBER: _ClassVar[int]
    POLICE_ASSISTANT_NAME_FIELD_NUMBER: _ClassVar[int]
    GEOMETRY_GEOJSON_FIELD_NUMBER: _ClassVar[int]
    GRID_WORKER_IDS_FIELD_NUMBER: _ClassVar[int]
    grid_id: str
    name: str
    type: str
    community_id: str
    community_name: str
    street_id: str
    street_name: str
    households: int
    residents: int
    party_members: int
    polygon: _containers.RepeatedCompositeFieldContainer[_events_pb2.Point]
    secretary_name: str
    police_assistant_name: str
    geometry_geojson: str
    grid_worker_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, grid_id: _Optional[str] = ..., name: _Optional[str] = ..., type: _Optional[str] = ..., community_id: _Optional[str] = ..., community_name: _Optional[str] = ..., street_id: _Optional[str] = ..., street_name: _Optional[str] = ..., households: _Optional[int] = ..., residents: _Optional[int] = ..., party_members: _Optional[int] = ..., polygon: _Optional[_Iterable[_Union[_events_pb2.Point, _Mapping]]] = ..., secretary_name: _Optional[str] = ..., police_assistant_name: _Optional[str] = ..., geometry_geojson: _Optional[str] = ..., grid_worker_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ListGridsRequest(_message.Message):
    __slots__ = ("scope",)
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    scope: Scope
    def __init__(self, scope: _Optional[_Union[Scope, _Mapping]] = ...) -> None: ...

class ListGridsResponse(_message.Message):
    __slots__ = ("grids", "reference_version")
    GRIDS_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    grids: _containers.RepeatedCompositeFieldContainer[Grid]
    reference_version: str
    def __init__(self, grids: _Optional[_Iterable[_Union[Grid, _Mapping]]] = ..., reference_version: _Optional[str] = ...) -> None: ...

class GetGridRequest(_message.Message):
    __slots__ = ("grid_id",)
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    grid_id: str
    def __init__(self, grid_id: _Optional[str] = ...) -> None: ...

class Household(_message.Message):
    __slots__ = ("household_id", "compound_id", "grid_id", "address", "residents", "head_name", "head_phone", "head_id_number")
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    COMPOUND_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    RESIDENTS_FIELD_NUMBER: _ClassVar[int]
    HEAD_NAME_FIELD_NUMBER: _ClassVar[int]
    HEAD_PHONE_FIELD_NUMBER: _ClassVar[int]
    HEAD_ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    household_id: str
    compound_id: str
    grid_id: str
    address: str
    residents: int
    head_name: str
    head_phone: str
    head_id_number: str
    def __init__(self, household_id: _Optional[str] = ..., compound_id: _Optional[str] = ..., grid_id: _Optional[str] = ..., address: _Optional[str] = ..., residents: _Optional[int] = ..., head_name: _Optional[str] = ..., head_phone: _Optional[str] = ..., head_id_number: _Optional[str] = ...) -> None: ...

class ListHouseholdsRequest(_message.Message):
    __slots__ = ("grid_id", "page", "page_size", "cursor")
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    grid_id: str
    page: int
    page_size: int
    cursor: str
    def __init__(self, grid_id: _Optional[str] = ..., page: _Optional[int] = ..., page_size: _Optional[int] = ..., cursor: _Optional[str] = ...) -> None: ...

class ListHouseholdsResponse(_message.Message):
    __slots__ = ("items", "total", "next_cursor")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Household]
    total: int
    next_cursor: str
    def __init__(self, items: _Optional[_Iterable[_Union[Household, _Mapping]]] = ..., total: _Optional[int] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class LocateRequest(_message.Message):
    __slots__ = ("location",)
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    location: _events_pb2.Location
    def __init__(self, location: _Optional[_Union[_events_pb2.Location, _Mapping]] = ...) -> None: ...

class LocateResponse(_message.Message):
    __slots__ = ("grid_id", "grid_name", "community_id", "street_id", "method", "confidence")
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_NAME_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    grid_id: str
    grid_name: str
    community_id: str
    street_id: str
    method: str
    confidence: float
    def __init__(self, grid_id: _Optional[str] = ..., grid_name: _Optional[str] = ..., community_id: _Optional[str] = ..., street_id: _Optional[str] = ..., method: _Optional[str] = ..., confidence: _Optional[float] = ...) -> None: ...

class GetEventRequest(_message.Message):
    __slots__ = ("event_id", "department")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    department: str
    def __init__(self, event_id: _Optional[str] = ..., department: _Optional[str] = ...) -> None: ...

class FindEventsRequest(_message.Message):
    __slots__ = ("event_id",)
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    def __init__(self, event_id: _Optional[str] = ...) -> None: ...

class FindEventsResponse(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[FusedEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[FusedEvent, _Mapping]]] = ...) -> None: ...

class FusedEvent(_message.Message):
    __slots__ = ("event_id", "status", "case_id", "grid_id", "reason", "department", "category", "fused_at", "event")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    FUSED_AT_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    status: str
    case_id: str
    grid_id: str
    reason: str
    department: str
    category: str
    fused_at: _timestamp_pb2.Timestamp
    event: _events_pb2.DepartmentEvent
    def __init__(self, event_id: _Optional[str] = ..., status: _Optional[str] = ..., case_id: _Optional[str] = ..., grid_id: _Optional[str] = ..., reason: _Optional[str] = ..., department: _Optional[str] = ..., category: _Optional[str] = ..., fused_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event: _Optional[_Union[_events_pb2.DepartmentEvent, _Mapping]] = ...) -> None: ...

class Case(_message.Message):
    __slots__ = ("case_id", "grid_id", "category", "status", "level", "departments", "event_ids", "opened_at", "due_at", "closed_at", "summary", "severity", "subject_id", "risk_level", "handed_to", "linked_case_id", "rating", "updated_at", "community_id", "street_id", "version", "overdue", "result", "level_started_at", "possible_duplicates", "merged_into", "merged_from", "split_from", "compound_id", "satisfaction")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENTS_FIELD_NUMBER: _ClassVar[int]
    EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    RISK_LEVEL_FIELD_NUMBER: _ClassVar[int]
    HANDED_TO_FIELD_NUMBER: _ClassVar[int]
    LINKED_CASE_ID_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    LEVEL_STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    POSSIBLE_DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    MERGED_INTO_FIELD_NUMBER: _ClassVar[int]
    MERGED_FROM_FIELD_NUMBER: _ClassVar[int]
    SPLIT_FROM_FIELD_NUMBER: _ClassVar[int]
    COMPOUND_ID_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    grid_id: str
    category: str
    status: str
    level: str
    departments: _containers.RepeatedScalarFieldContainer[str]
    event_ids: _containers.RepeatedScalarFieldContainer[str]
    opened_at: _timestamp_pb2.Timestamp
    due_at: _timestamp_pb2.Timestamp
    closed_at: _timestamp_pb2.Timestamp
    summary: str
    severity: _events_pb2.Severity
    subject_id: str
    risk_level: str
    handed_to: str
    linked_case_id: str
    rating: int
    updated_at: _timestamp_pb2.Timestamp
    community_id: str
    street_id: str
    version: int
    overdue: bool
    result: str
    level_started_at: _timestamp_pb2.Timestamp
    possible_duplicates: _containers.RepeatedCompositeFieldContainer[PossibleDuplicate]
    merged_into: str
    merged_from: _containers.RepeatedScalarFieldContainer[str]
    split_from: str
    compound_id: str
    satisfaction: str
    def __init__(self, case_id: _Optional[str] = ..., grid_id: _Optional[str] = ..., category: _Optional[str] = ..., status: _Optional[str] = ..., level: _Optional[str] = ..., departments: _Optional[_Iterable[str]] = ..., event_ids: _Optional[_Iterable[str]] = ..., opened_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., summary: _Optional[str] = ..., severity: _Optional[_Union[_events_pb2.Severity, str]] = ..., subject_id: _Optional[str] = ..., risk_level: _Optional[str] = ..., handed_to: _Optional[str] = ..., linked_case_id: _Optional[str] = ..., rating: _Optional[int] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., community_id: _Optional[str] = ..., street_id: _Optional[str] = ..., version: _Optional[int] = ..., overdue: _Optional[bool] = ..., result: _Optional[str] = ..., level_started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., possible_duplicates: _Optional[_Iterable[_Union[PossibleDuplicate, _Mapping]]] = ..., merged_into: _Optional[str] = ..., merged_from: _Optional[_Iterable[str]] = ..., split_from: _Optional[str] = ..., compound_id: _Optional[str] = ..., satisfaction: _Optional[str] = ...) -> None: ...

class PossibleDuplicate(_message.Message):
    __slots__ = ("case_id", "score", "reasons")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    score: float
    reasons: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, case_id: _Optional[str] = ..., score: _Optional[float] = ..., reasons: _Optional[_Iterable[str]] = ...) -> None: ...

class TimelineEntry(_message.Message):
    __slots__ = ("at", "action", "actor", "role", "from_status", "to_status", "level", "note", "event_id", "from_level", "risk_level", "department", "rating", "result", "other_case_id", "origin_case_id", "event_ids", "score", "reasons", "routed_to", "satisfaction", "channel")
    AT_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    FROM_STATUS_FIELD_NUMBER: _ClassVar[int]
    TO_STATUS_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_LEVEL_FIELD_NUMBER: _ClassVar[int]
    RISK_LEVEL_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    OTHER_CASE_ID_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_CASE_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    ROUTED_TO_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    action: str
    actor: str
    role: str
    from_status: str
    to_status: str
    level: str
    note: str
    event_id: str
    from_level: str
    risk_level: str
    department: str
    rating: int
    result: str
    other_case_id: str
    origin_case_id: str
    event_ids: _containers.RepeatedScalarFieldContainer[str]
    score: float
    reasons: _containers.RepeatedScalarFieldContainer[str]
    routed_to: str
    satisfaction: str
    channel: str
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., action: _Optional[str] = ..., actor: _Optional[str] = ..., role: _Optional[str] = ..., from_status: _Optional[str] = ..., to_status: _Optional[str] = ..., level: _Optional[str] = ..., note: _Optional[str] = ..., event_id: _Optional[str] = ..., from_level: _Optional[str] = ..., risk_level: _Optional[str] = ..., department: _Optional[str] = ..., rating: _Optional[int] = ..., result: _Optional[str] = ..., other_case_id: _Optional[str] = ..., origin_case_id: _Optional[str] = ..., event_ids: _Optional[_Iterable[str]] = ..., score: _Optional[float] = ..., reasons: _Optional[_Iterable[str]] = ..., routed_to: _Optional[str] = ..., satisfaction: _Optional[str] = ..., channel: _Optional[str] = ...) -> None: ...

class CaseDetail(_message.Message):
    __slots__ = ("case", "events", "timeline", "allowed_actions", "property_route")
    CASE_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    TIMELINE_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    PROPERTY_ROUTE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    events: _containers.RepeatedCompositeFieldContainer[FusedEvent]
    timeline: _containers.RepeatedCompositeFieldContainer[TimelineEntry]
    allowed_actions: _containers.RepeatedScalarFieldContainer[str]
    property_route: PropertyRoute
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ..., events: _Optional[_Iterable[_Union[FusedEvent, _Mapping]]] = ..., timeline: _Optional[_Iterable[_Union[TimelineEntry, _Mapping]]] = ..., allowed_actions: _Optional[_Iterable[str]] = ..., property_route: _Optional[_Union[PropertyRoute, _Mapping]] = ...) -> None: ...

class PropertyRoute(_message.Message):
    __slots__ = ("compound_id", "compound_name", "actors")
    COMPOUND_ID_FIELD_NUMBER: _ClassVar[int]
    COMPOUND_NAME_FIELD_NUMBER: _ClassVar[int]
    ACTORS_FIELD_NUMBER: _ClassVar[int]
    compound_id: str
    compound_name: str
    actors: _containers.RepeatedCompositeFieldContainer[_party_pb2.CoGovernanceActor]
    def __init__(self, compound_id: _Optional[str] = ..., compound_name: _Optional[str] = ..., actors: _Optional[_Iterable[_Union[_party_pb2.CoGovernanceActor, _Mapping]]] = ...) -> None: ...

class ListCasesRequest(_message.Message):
    __slots__ = ("scope", "grid_id", "status", "category", "department", "page", "page_size", "cursor", "count")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    scope: Scope
    grid_id: str
    status: str
    category: str
    department: str
    page: int
    page_size: int
    cursor: str
    count: Count
    def __init__(self, scope: _Optional[_Union[Scope, _Mapping]] = ..., grid_id: _Optional[str] = ..., status: _Optional[str] = ..., category: _Optional[str] = ..., department: _Optional[str] = ..., page: _Optional[int] = ..., page_size: _Optional[int] = ..., cursor: _Optional[str] = ..., count: _Optional[_Union[Count, str]] = ...) -> None: ...

class ListCasesResponse(_message.Message):
    __slots__ = ("items", "total", "next_cursor", "total_exact")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    TOTAL_EXACT_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Case]
    total: int
    next_cursor: str
    total_exact: bool
    def __init__(self, items: _Optional[_Iterable[_Union[Case, _Mapping]]] = ..., total: _Optional[int] = ..., next_cursor: _Optional[str] = ..., total_exact: _Optional[bool] = ...) -> None: ...

class GetCaseRequest(_message.Message):
    __slots__ = ("case_id", "scope", "actor")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    scope: Scope
    actor: Actor
    def __init__(self, case_id: _Optional[str] = ..., scope: _Optional[_Union[Scope, _Mapping]] = ..., actor: _Optional[_Union[Actor, _Mapping]] = ...) -> None: ...

class Actor(_message.Message):
    __slots__ = ("username", "role", "scope")
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    username: str
    role: str
    scope: Scope
    def __init__(self, username: _Optional[str] = ..., role: _Optional[str] = ..., scope: _Optional[_Union[Scope, _Mapping]] = ...) -> None: ...

class ActOnCaseRequest(_message.Message):
    __slots__ = ("case_id", "action", "note", "department", "risk_level", "rating", "actor", "result", "into", "event_ids", "satisfaction", "channel")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    RISK_LEVEL_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    INTO_FIELD_NUMBER: _ClassVar[int]
    EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    action: str
    note: str
    department: str
    risk_level: str
    rating: int
    actor: Actor
    result: str
    into: str
    event_ids: _containers.RepeatedScalarFieldContainer[str]
    satisfaction: str
    channel: str
    def __init__(self, case_id: _Optional[str] = ..., action: _Optional[str] = ..., note: _Optional[str] = ..., department: _Optional[str] = ..., risk_level: _Optional[str] = ..., rating: _Optional[int] = ..., actor: _Optional[_Union[Actor, _Mapping]] = ..., result: _Optional[str] = ..., into: _Optional[str] = ..., event_ids: _Optional[_Iterable[str]] = ..., satisfaction: _Optional[str] = ..., channel: _Optional[str] = ...) -> None: ...

class DeadLetterRecord(_message.Message):
    __slots__ = ("event_id", "stage", "reason", "origin_subject", "dead_lettered_at", "reprocessed", "department", "reprocessable", "reprocessed_at", "case_id")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_SUBJECT_FIELD_NUMBER: _ClassVar[int]
    DEAD_LETTERED_AT_FIELD_NUMBER: _ClassVar[int]
    REPROCESSED_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    REPROCESSABLE_FIELD_NUMBER: _ClassVar[int]
    REPROCESSED_AT_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    stage: str
    reason: str
    origin_subject: str
    dead_lettered_at: _timestamp_pb2.Timestamp
    reprocessed: bool
    department: str
    reprocessable: bool
    reprocessed_at: _timestamp_pb2.Timestamp
    case_id: str
    def __init__(self, event_id: _Optional[str] = ..., stage: _Optional[str] = ..., reason: _Optional[str] = ..., origin_subject: _Optional[str] = ..., dead_lettered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reprocessed: _Optional[bool] = ..., department: _Optional[str] = ..., reprocessable: _Optional[bool] = ..., reprocessed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., case_id: _Optional[str] = ...) -> None: ...

class ListDeadLettersRequest(_message.Message):
    __slots__ = ("page", "page_size", "pending_only", "department", "cursor", "count")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PENDING_ONLY_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    page: int
    page_size: int
    pending_only: bool
    department: str
    cursor: str
    count: Count
    def __init__(self, page: _Optional[int] = ..., page_size: _Optional[int] = ..., pending_only: _Optional[bool] = ..., department: _Optional[str] = ..., cursor: _Optional[str] = ..., count: _Optional[_Union[Count, str]] = ...) -> None: ...

class ListDeadLettersResponse(_message.Message):
    __slots__ = ("items", "total", "next_cursor", "total_exact")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    TOTAL_EXACT_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[DeadLetterRecord]
    total: int
    next_cursor: str
    total_exact: bool
    def __init__(self, items: _Optional[_Iterable[_Union[DeadLetterRecord, _Mapping]]] = ..., total: _Optional[int] = ..., next_cursor: _Optional[str] = ..., total_exact: _Optional[bool] = ...) -> None: ...

class ReprocessDeadLetterRequest(_message.Message):
    __slots__ = ("event_id", "actor", "department")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    actor: str
    department: str
    def __init__(self, event_id: _Optional[str] = ..., actor: _Optional[str] = ..., department: _Optional[str] = ...) -> None: ...
