import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from gridfusion.fusion.v1 import fusion_pb2 as _fusion_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Area(_message.Message):
    __slots__ = ("street_id", "community_id", "grid_id")
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    street_id: str
    community_id: str
    grid_id: str
    def __init__(self, street_id: _Optional[str] = ..., community_id: _Optional[str] = ..., grid_id: _Optional[str] = ...) -> None: ...

class Actor(_message.Message):
    __slots__ = ("username", "role", "street_id", "community_id", "grid_id")
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    username: str
    role: str
    street_id: str
    community_id: str
    grid_id: str
    def __init__(self, username: _Optional[str] = ..., role: _Optional[str] = ..., street_id: _Optional[str] = ..., community_id: _Optional[str] = ..., grid_id: _Optional[str] = ...) -> None: ...

class PartyMember(_message.Message):
    __slots__ = ("member_id", "name", "phone", "workplace", "grid_id", "community_id", "street_id", "registered_at", "service_hours", "orders_completed", "skills", "category", "group_id", "service_post", "volunteer_teams", "activity_hours", "register_id", "group_name")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    WORKPLACE_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_AT_FIELD_NUMBER: _ClassVar[int]
    SERVICE_HOURS_FIELD_NUMBER: _ClassVar[int]
    ORDERS_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_POST_FIELD_NUMBER: _ClassVar[int]
    VOLUNTEER_TEAMS_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_HOURS_FIELD_NUMBER: _ClassVar[int]
    REGISTER_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_NAME_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    name: str
    phone: str
    workplace: str
    grid_id: str
    community_id: str
    street_id: str
    registered_at: _timestamp_pb2.Timestamp
    service_hours: float
    orders_completed: int
    skills: _containers.RepeatedScalarFieldContainer[str]
    category: str
    group_id: str
    service_post: str
    volunteer_teams: _containers.RepeatedScalarFieldContainer[str]
    activity_hours: float
    register_id: str
    group_name: str
    def __init__(self, member_id: _Optional[str] = ..., name: _Optional[str] = ..., phone: _Optional[str] = ..., workplace: _Optional[str] = ..., grid_id: _Optional[str] = ..., community_id: _Optional[str] = ..., street_id: _Optional[str] = ..., registered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., service_hours: _Optional[float] = ..., orders_completed: _Optional[int] = ..., skills: _Optional[_Iterable[str]] = ..., category: _Optional[str] = ..., group_id: _Optional[str] = ..., service_post: _Optional[str] = ..., volunteer_teams: _Optional[_Iterable[str]] = ..., activity_hours: _Optional[float] = ..., register_id: _Optional[str] = ..., group_name: _Optional[str] = ...) -> None: ...

class RegisterPartyMemberRequest(_message.Message):
    __slots__ = ("member_id", "name", "phone", "workplace", "grid_id", "skills", "category", "service_post", "group_id", "register_id")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    WORKPLACE_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SERVICE_POST_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    REGISTER_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    name: str
    phone: str
    workplace: str
    grid_id: str
    skills: _containers.RepeatedScalarFieldContainer[str]
    category: str
    service_post: str
    group_id: str
    register_id: str
    def __init__(self, member_id: _Optional[str] = ..., name: _Optional[str] = ..., phone: _Optional[str] = ..., workplace: _Optional[str] = ..., grid_id: _Optional[str] = ..., skills: _Optional[_Iterable[str]] = ..., category: _Optional[str] = ..., service_post: _Optional[str] = ..., group_id: _Optional[str] = ..., register_id: _Optional[str] = ...) -> None: ...

class ListPartyMembersRequest(_message.Message):
    __slots__ = ("area", "page", "page_size", "cursor", "count", "category")
    AREA_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    area: Area
    page: int
    page_size: int
    cursor: str
    count: _fusion_pb2.Count
    category: str
    def __init__(self, area: _Optional[_Union[Area, _Mapping]] = ..., page: _Optional[int] = ..., page_size: _Optional[int] = ..., cursor: _Optional[str] = ..., count: _Optional[_Union[_fusion_pb2.Count, str]] = ..., category: _Optional[str] = ...) -> None: ...

class ListPartyMembersResponse(_message.Message):
    __slots__ = ("items", "total", "next_cursor", "total_exact")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    TOTAL_EXACT_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[PartyMember]
    total: int
    next_cursor: str
    total_exact: bool
    def __init__(self, items: _Optional[_Iterable[_Union[PartyMember, _Mapping]]] = ..., total: _Optional[int] = ..., next_cursor: _Optional[str] = ..., total_exact: _Optional[bool] = ...) -> None: ...

class OrderStep(_message.Message):
    __slots__ = ("at", "action", "actor", "role", "from_status", "to_status", "note")
    AT_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    FROM_STATUS_FIELD_NUMBER: _ClassVar[int]
    TO_STATUS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    action: str
    actor: str
    role: str
    from_status: str
    to_status: str
    note: str
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., action: _Optional[str] = ..., actor: _Optional[str] = ..., role: _Optional[str] = ..., from_status: _Optional[str] = ..., to_status: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class ServiceOrder(_message.Message):
    __slots__ = ("order_id", "grid_id", "community_id", "street_id", "kind", "title", "description", "resident", "contact_name", "contact_phone", "address", "status", "member_id", "hours", "rating", "placed_at", "updated_at", "completed_at", "steps", "member_name")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_FIELD_NUMBER: _ClassVar[int]
    CONTACT_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTACT_PHONE_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    PLACED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    MEMBER_NAME_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    grid_id: str
    community_id: str
    street_id: str
    kind: str
    title: str
    description: str
    resident: str
    contact_name: str
    contact_phone: str
    address: str
    status: str
    member_id: str
    hours: float
    rating: int
    placed_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    completed_at: _timestamp_pb2.Timestamp
    steps: _containers.RepeatedCompositeFieldContainer[OrderStep]
    member_name: str
    def __init__(self, order_id: _Optional[str] = ..., grid_id: _Optional[str] = ..., community_id: _Optional[str] = ..., street_id: _Optional[str] = ..., kind: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., resident: _Optional[str] = ..., contact_name: _Optional[str] = ..., contact_phone: _Optional[str] = ..., address: _Optional[str] = ..., status: _Optional[str] = ..., member_id: _Optional[str] = ..., hours: _Optional[float] = ..., rating: _Optional[int] = ..., placed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., steps: _Optional[_Iterable[_Union[OrderStep, _Mapping]]] = ..., member_name: _Optional[str] = ...) -> None: ...

class PlaceOrderRequest(_message.Message):
    __slots__ = ("order_id", "actor", "kind", "title", "description", "contact_name", "contact_phone", "address")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CONTACT_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTACT_PHONE_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    actor: Actor
    kind: str
    title: str
    description: str
    contact_name: str
    contact_phone: str
    address: str
    def __init__(self, order_id: _Optional[str] = ..., actor: _Optional[_Union[Actor, _Mapping]] = ..., kind: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., contact_name: _Optional[str] = ..., contact_phone: _Optional[str] = ..., address: _Optional[str] = ...) -> None: ...

class ActOnOrderRequest(_message.Message):
    __slots__ = ("order_id", "action", "actor", "member_id", "hours", "rating", "note")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    action: str
    actor: Actor
    member_id: str
    hours: float
    rating: int
    note: str
    def __init__(self, order_id: _Optional[str] = ..., action: _Optional[str] = ..., actor: _Optional[_Union[Actor, _Mapping]] = ..., member_id: _Optional[str] = ..., hours: _Optional[float] = ..., rating: _Optional[int] = ..., note: _Optional[str] = ...) -> None: ...

class GetOrderRequest(_message.Message):
    __slots__ = ("order_id",)
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    def __init__(self, order_id: _Optional[str] = ...) -> None: ...

class ListOrdersRequest(_message.Message):
    __slots__ = ("area", "status", "resident", "member_id", "page", "page_size", "cursor", "count")
    AREA_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    area: Area
    status: str
    resident: str
    member_id: str
    page: int
    page_size: int
    cursor: str
    count: _fusion_pb2.Count
    def __init__(self, area: _Optional[_Union[Area, _Mapping]] = ..., status: _Optional[str] = ..., resident: _Optional[str] = ..., member_id: _Optional[str] = ..., page: _Optional[int] = ..., page_size: _Optional[int] = ..., cursor: _Optional[str] = ..., count: _Optional[_Union[_fusion_pb2.Count, str]] = ...) -> None: ...

class ListOrdersResponse(_message.Message):
    __slots__ = ("items", "total", "next_cursor", "total_exact")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    TOTAL_EXACT_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[ServiceOrder]
    total: int
    next_cursor: str
    total_exact: bool
    def __init__(self, items: _Optional[_Iterable[_Union[ServiceOrder, _Mapping]]] = ..., total: _Optional[int] = ..., next_cursor: _Optional[str] = ..., total_exact: _Optional[bool] = ...) -> None: ...

class ServiceHoursRequest(_message.Message):
    __slots__ = ("area", "from_time", "to_time")
    AREA_FIELD_NUMBER: _ClassVar[int]
    FROM_TIME_FIELD_NUMBER: _ClassVar[int]
    TO_TIME_FIELD_NUMBER: _ClassVar[int]
    area: Area
    from_time: _timestamp_pb2.Timestamp
    to_time: _timestamp_pb2.Timestamp
    def __init__(self, area: _Optional[_Union[Area, _Mapping]] = ..., from_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., to_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MemberHours(_message.Message):
    __slots__ = ("member_id", "name", "grid_id", "hours", "orders_completed", "activity_hours")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    ORDERS_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_HOURS_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    name: str
    grid_id: str
    hours: float
    orders_completed: int
    activity_hours: float
    def __init__(self, member_id: _Optional[str] = ..., name: _Optional[str] = ..., grid_id: _Optional[str] = ..., hours: _Optional[float] = ..., orders_completed: _Optional[int] = ..., activity_hours: _Optional[float] = ...) -> None: ...

class GridHours(_message.Message):
    __slots__ = ("grid_id", "hours", "orders_completed", "members", "activity_hours")
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    ORDERS_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_HOURS_FIELD_NUMBER: _ClassVar[int]
    grid_id: str
    hours: float
    orders_completed: int
    members: int
    activity_hours: float
    def __init__(self, grid_id: _Optional[str] = ..., hours: _Optional[float] = ..., orders_completed: _Optional[int] = ..., members: _Optional[int] = ..., activity_hours: _Optional[float] = ...) -> None: ...

class ServiceHoursResponse(_message.Message):
    __slots__ = ("members", "grids")
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    GRIDS_FIELD_NUMBER: _ClassVar[int]
    members: _containers.RepeatedCompositeFieldContainer[MemberHours]
    grids: _containers.RepeatedCompositeFieldContainer[GridHours]
    def __init__(self, members: _Optional[_Iterable[_Union[MemberHours, _Mapping]]] = ..., grids: _Optional[_Iterable[_Union[GridHours, _Mapping]]] = ...) -> None: ...

class AuditEntry(_message.Message):
    __slots__ = ("audit_id", "who", "role", "what", "why", "at", "grid_id", "records")
    AUDIT_ID_FIELD_NUMBER: _ClassVar[int]
    WHO_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    WHAT_FIELD_NUMBER: _ClassVar[int]
    WHY_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    audit_id: str
    who: str
    role: str
    what: str
    why: str
    at: _timestamp_pb2.Timestamp
    grid_id: str
    records: int
    def __init__(self, audit_id: _Optional[str] = ..., who: _Optional[str] = ..., role: _Optional[str] = ..., what: _Optional[str] = ..., why: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., grid_id: _Optional[str] = ..., records: _Optional[int] = ...) -> None: ...

class ListAuditRequest(_message.Message):
    __slots__ = ("who", "grid_id", "from_time", "to_time", "page", "page_size", "cursor", "count")
    WHO_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_TIME_FIELD_NUMBER: _ClassVar[int]
    TO_TIME_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    who: str
    grid_id: str
    from_time: _timestamp_pb2.Timestamp
    to_time: _timestamp_pb2.Timestamp
    page: int
    page_size: int
    cursor: str
    count: _fusion_pb2.Count
    def __init__(self, who: _Optional[str] = ..., grid_id: _Optional[str] = ..., from_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., to_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page: _Optional[int] = ..., page_size: _Optional[int] = ..., cursor: _Optional[str] = ..., count: _Optional[_Union[_fusion_pb2.Count, str]] = ...) -> None: ...

class ListAuditResponse(_message.Message):
    __slots__ = ("items", "total", "next_cursor", "total_exact")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    TOTAL_EXACT_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[AuditEntry]
    total: int
    next_cursor: str
    total_exact: bool
    def __init__(self, items: _Optional[_Iterable[_Union[AuditEntry, _Mapping]]] = ..., total: _Optional[int] = ..., next_cursor: _Optional[str] = ..., total_exact: _Optional[bool] = ...) -> None: ...

class WeeklyReportRequest(_message.Message):
    __slots__ = ("area", "start", "end")
    AREA_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    area: Area
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    def __init__(self, area: _Optional[_Union[Area, _Mapping]] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class EventCount(_message.Message):
    __slots__ = ("department", "family", "events")
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    department: str
    family: str
    events: int
    def __init__(self, department: _Optional[str] = ..., family: _Optional[str] = ..., events: _Optional[int] = ...) -> None: ...

class GridFigures(_message.Message):
    __slots__ = ("grid_id", "name", "events", "cases_opened", "cases_closed", "overdue", "escalated", "orders_completed", "service_hours", "open_cases")
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    CASES_OPENED_FIELD_NUMBER: _ClassVar[int]
    CASES_CLOSED_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    ESCALATED_FIELD_NUMBER: _ClassVar[int]
    ORDERS_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    SERVICE_HOURS_FIELD_NUMBER: _ClassVar[int]
    OPEN_CASES_FIELD_NUMBER: _ClassVar[int]
    grid_id: str
    name: str
    events: int
    cases_opened: int
    cases_closed: int
    overdue: int
    escalated: int
    orders_completed: int
    service_hours: float
    open_cases: int
    def __init__(self, grid_id: _Optional[str] = ..., name: _Optional[str] = ..., events: _Optional[int] = ..., cases_opened: _Optional[int] = ..., cases_closed: _Optional[int] = ..., overdue: _Optional[int] = ..., escalated: _Optional[int] = ..., orders_completed: _Optional[int] = ..., service_hours: _Optional[float] = ..., open_cases: _Optional[int] = ...) -> None: ...

class WeeklyReport(_message.Message):
    __slots__ = ("events", "cases_opened", "cases_closed", "overdue", "escalated", "median_close_hours", "orders_completed", "service_hours", "grids", "open_cases")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    CASES_OPENED_FIELD_NUMBER: _ClassVar[int]
    CASES_CLOSED_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    ESCALATED_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_CLOSE_HOURS_FIELD_NUMBER: _ClassVar[int]
    ORDERS_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    SERVICE_HOURS_FIELD_NUMBER: _ClassVar[int]
    GRIDS_FIELD_NUMBER: _ClassVar[int]
    OPEN_CASES_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[EventCount]
    cases_opened: int
    cases_closed: int
    overdue: int
    escalated: int
    median_close_hours: float
    orders_completed: int
    service_hours: float
    grids: _containers.RepeatedCompositeFieldContainer[GridFigures]
    open_cases: int
    def __init__(self, events: _Optional[_Iterable[_Union[EventCount, _Mapping]]] = ..., cases_opened: _Optional[int] = ..., cases_closed: _Optional[int] = ..., overdue: _Optional[int] = ..., escalated: _Optional[int] = ..., median_close_hours: _Optional[float] = ..., orders_completed: _Optional[int] = ..., service_hours: _Optional[float] = ..., grids: _Optional[_Iterable[_Union[GridFigures, _Mapping]]] = ..., open_cases: _Optional[int] = ...) -> None: ...

class UpdatePartyMemberRequest(_message.Message):
    __slots__ = ("member_id", "service_post", "group_id", "area")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_POST_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    AREA_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    service_post: str
    group_id: str
    area: Area
    def __init__(self, member_id: _Optional[str] = ..., service_post: _Optional[str] = ..., group_id: _Optional[str] = ..., area: _Optional[_Union[Area, _Mapping]] = ...) -> None: ...

class RegisteredMember(_message.Message):
    __slots__ = ("member_id", "name", "phone", "grid_id", "community_id", "street_id", "category", "group_id", "registered_as")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_AS_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    name: str
    phone: str
    grid_id: str
    community_id: str
    street_id: str
    category: str
    group_id: str
    registered_as: str
    def __init__(self, member_id: _Optional[str] = ..., name: _Optional[str] = ..., phone: _Optional[str] = ..., grid_id: _Optional[str] = ..., community_id: _Optional[str] = ..., street_id: _Optional[str] = ..., category: _Optional[str] = ..., group_id: _Optional[str] = ..., registered_as: _Optional[str] = ...) -> None: ...

class ListRegisterRequest(_message.Message):
    __slots__ = ("area", "category", "page", "page_size")
    AREA_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    area: Area
    category: str
    page: int
    page_size: int
    def __init__(self, area: _Optional[_Union[Area, _Mapping]] = ..., category: _Optional[str] = ..., page: _Optional[int] = ..., page_size: _Optional[int] = ...) -> None: ...

class ListRegisterResponse(_message.Message):
    __slots__ = ("items", "total", "by_category")
    class ByCategoryEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    BY_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[RegisteredMember]
    total: int
    by_category: _containers.ScalarMap[str, int]
    def __init__(self, items: _Optional[_Iterable[_Union[RegisteredMember, _Mapping]]] = ..., total: _Optional[int] = ..., by_category: _Optional[_Mapping[str, int]] = ...) -> None: ...

class VolunteerTeam(_message.Message):
    __slots__ = ("team_id", "name", "description", "street_id", "community_id", "grid_id", "members", "created_by", "created_at")
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    team_id: str
    name: str
    description: str
    street_id: str
    community_id: str
    grid_id: str
    members: _containers.RepeatedScalarFieldContainer[str]
    created_by: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, team_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., street_id: _Optional[str] = ..., community_id: _Optional[str] = ..., grid_id: _Optional[str] = ..., members: _Optional[_Iterable[str]] = ..., created_by: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SaveVolunteerTeamRequest(_message.Message):
    __slots__ = ("team", "actor")
    TEAM_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    team: VolunteerTeam
    actor: str
    def __init__(self, team: _Optional[_Union[VolunteerTeam, _Mapping]] = ..., actor: _Optional[str] = ...) -> None: ...

class ListVolunteerTeamsRequest(_message.Message):
    __slots__ = ("area",)
    AREA_FIELD_NUMBER: _ClassVar[int]
    area: Area
    def __init__(self, area: _Optional[_Union[Area, _Mapping]] = ...) -> None: ...

class ListVolunteerTeamsResponse(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[VolunteerTeam]
    def __init__(self, items: _Optional[_Iterable[_Union[VolunteerTeam, _Mapping]]] = ...) -> None: ...

class JoinVolunteerTeamRequest(_message.Message):
    __slots__ = ("team_id", "member_id", "join")
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    JOIN_FIELD_NUMBER: _ClassVar[int]
    team_id: str
    member_id: str
    join: bool
    def __init__(self, team_id: _Optional[str] = ..., member_id: _Optional[str] = ..., join: _Optional[bool] = ...) -> None: ...
