import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
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

class Post(_message.Message):
    __slots__ = ("post", "name", "phone", "member_id")
    POST_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    post: str
    name: str
    phone: str
    member_id: str
    def __init__(self, post: _Optional[str] = ..., name: _Optional[str] = ..., phone: _Optional[str] = ..., member_id: _Optional[str] = ...) -> None: ...

class Organisation(_message.Message):
    __slots__ = ("org_id", "level", "name", "parent_id", "street_id", "community_id", "grid_id", "compound_id", "party_members", "posts", "source", "updated_by", "updated_at")
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    COMPOUND_ID_FIELD_NUMBER: _ClassVar[int]
    PARTY_MEMBERS_FIELD_NUMBER: _ClassVar[int]
    POSTS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    org_id: str
    level: str
    name: str
    parent_id: str
    street_id: str
    community_id: str
    grid_id: str
    compound_id: str
    party_members: int
    posts: _containers.RepeatedCompositeFieldContainer[Post]
    source: str
    updated_by: str
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, org_id: _Optional[str] = ..., level: _Optional[str] = ..., name: _Optional[str] = ..., parent_id: _Optional[str] = ..., street_id: _Optional[str] = ..., community_id: _Optional[str] = ..., grid_id: _Optional[str] = ..., compound_id: _Optional[str] = ..., party_members: _Optional[int] = ..., posts: _Optional[_Iterable[_Union[Post, _Mapping]]] = ..., source: _Optional[str] = ..., updated_by: _Optional[str] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListOrganisationsRequest(_message.Message):
    __slots__ = ("area",)
    AREA_FIELD_NUMBER: _ClassVar[int]
    area: Area
    def __init__(self, area: _Optional[_Union[Area, _Mapping]] = ...) -> None: ...

class ListOrganisationsResponse(_message.Message):
    __slots__ = ("items", "reference_version")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Organisation]
    reference_version: str
    def __init__(self, items: _Optional[_Iterable[_Union[Organisation, _Mapping]]] = ..., reference_version: _Optional[str] = ...) -> None: ...

class SetPostsRequest(_message.Message):
    __slots__ = ("org_id", "posts", "actor")
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    POSTS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    org_id: str
    posts: _containers.RepeatedCompositeFieldContainer[Post]
    actor: str
    def __init__(self, org_id: _Optional[str] = ..., posts: _Optional[_Iterable[_Union[Post, _Mapping]]] = ..., actor: _Optional[str] = ...) -> None: ...

class AddGroupRequest(_message.Message):
    __slots__ = ("parent_id", "name", "compound_id", "actor")
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    COMPOUND_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    parent_id: str
    name: str
    compound_id: str
    actor: str
    def __init__(self, parent_id: _Optional[str] = ..., name: _Optional[str] = ..., compound_id: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class Cadre(_message.Message):
    __slots__ = ("role", "name", "phone", "agency")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    role: str
    name: str
    phone: str
    agency: str
    def __init__(self, role: _Optional[str] = ..., name: _Optional[str] = ..., phone: _Optional[str] = ..., agency: _Optional[str] = ...) -> None: ...

class GridContacts(_message.Message):
    __slots__ = ("grid_id", "cadres", "paired_agencies", "source", "updated_by", "updated_at")
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    CADRES_FIELD_NUMBER: _ClassVar[int]
    PAIRED_AGENCIES_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    grid_id: str
    cadres: _containers.RepeatedCompositeFieldContainer[Cadre]
    paired_agencies: _containers.RepeatedScalarFieldContainer[str]
    source: str
    updated_by: str
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, grid_id: _Optional[str] = ..., cadres: _Optional[_Iterable[_Union[Cadre, _Mapping]]] = ..., paired_agencies: _Optional[_Iterable[str]] = ..., source: _Optional[str] = ..., updated_by: _Optional[str] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetGridContactsRequest(_message.Message):
    __slots__ = ("grid_id",)
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    grid_id: str
    def __init__(self, grid_id: _Optional[str] = ...) -> None: ...

class SetGridContactsRequest(_message.Message):
    __slots__ = ("grid_id", "cadres", "paired_agencies", "actor")
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    CADRES_FIELD_NUMBER: _ClassVar[int]
    PAIRED_AGENCIES_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    grid_id: str
    cadres: _containers.RepeatedCompositeFieldContainer[Cadre]
    paired_agencies: _containers.RepeatedScalarFieldContainer[str]
    actor: str
    def __init__(self, grid_id: _Optional[str] = ..., cadres: _Optional[_Iterable[_Union[Cadre, _Mapping]]] = ..., paired_agencies: _Optional[_Iterable[str]] = ..., actor: _Optional[str] = ...) -> None: ...

class CoGovernanceActor(_message.Message):
    __slots__ = ("org_id", "kind", "name", "grid_id", "compound_id", "community_id", "street_id", "contact_name", "contact_phone", "source", "updated_by", "updated_at")
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    COMPOUND_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    CONTACT_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTACT_PHONE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    org_id: str
    kind: str
    name: str
    grid_id: str
    compound_id: str
    community_id: str
    street_id: str
    contact_name: str
    contact_phone: str
    source: str
    updated_by: str
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, org_id: _Optional[str] = ..., kind: _Optional[str] = ..., name: _Optional[str] = ..., grid_id: _Optional[str] = ..., compound_id: _Optional[str] = ..., community_id: _Optional[str] = ..., street_id: _Optional[str] = ..., contact_name: _Optional[str] = ..., contact_phone: _Optional[str] = ..., source: _Optional[str] = ..., updated_by: _Optional[str] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListCoGovernanceRequest(_message.Message):
    __slots__ = ("area", "kind")
    AREA_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    area: Area
    kind: str
    def __init__(self, area: _Optional[_Union[Area, _Mapping]] = ..., kind: _Optional[str] = ...) -> None: ...

class ListCoGovernanceResponse(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[CoGovernanceActor]
    def __init__(self, items: _Optional[_Iterable[_Union[CoGovernanceActor, _Mapping]]] = ...) -> None: ...

class SaveCoGovernanceRequest(_message.Message):
    __slots__ = ("record", "actor")
    RECORD_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    record: CoGovernanceActor
    actor: str
    def __init__(self, record: _Optional[_Union[CoGovernanceActor, _Mapping]] = ..., actor: _Optional[str] = ...) -> None: ...

class Station(_message.Message):
    __slots__ = ("station_id", "name", "grid_id", "community_id", "street_id", "lon", "lat", "checklist", "source", "updated_by", "updated_at")
    class ChecklistEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: bool
        def __init__(self, key: _Optional[str] = ..., value: _Optional[bool] = ...) -> None: ...
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    CHECKLIST_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    station_id: str
    name: str
    grid_id: str
    community_id: str
    street_id: str
    lon: float
    lat: float
    checklist: _containers.ScalarMap[str, bool]
    source: str
    updated_by: str
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, station_id: _Optional[str] = ..., name: _Optional[str] = ..., grid_id: _Optional[str] = ..., community_id: _Optional[str] = ..., street_id: _Optional[str] = ..., lon: _Optional[float] = ..., lat: _Optional[float] = ..., checklist: _Optional[_Mapping[str, bool]] = ..., source: _Optional[str] = ..., updated_by: _Optional[str] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListStationsRequest(_message.Message):
    __slots__ = ("area",)
    AREA_FIELD_NUMBER: _ClassVar[int]
    area: Area
    def __init__(self, area: _Optional[_Union[Area, _Mapping]] = ...) -> None: ...

class ListStationsResponse(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Station]
    def __init__(self, items: _Optional[_Iterable[_Union[Station, _Mapping]]] = ...) -> None: ...

class SetChecklistRequest(_message.Message):
    __slots__ = ("station_id", "checklist", "actor")
    class ChecklistEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: bool
        def __init__(self, key: _Optional[str] = ..., value: _Optional[bool] = ...) -> None: ...
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKLIST_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    station_id: str
    checklist: _containers.ScalarMap[str, bool]
    actor: str
    def __init__(self, station_id: _Optional[str] = ..., checklist: _Optional[_Mapping[str, bool]] = ..., actor: _Optional[str] = ...) -> None: ...

class CircleGap(_message.Message):
    __slots__ = ("household_id", "grid_id", "community_id", "street_id", "address", "nearest_station_id", "walk_km", "lon", "lat")
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    NEAREST_STATION_ID_FIELD_NUMBER: _ClassVar[int]
    WALK_KM_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    household_id: str
    grid_id: str
    community_id: str
    street_id: str
    address: str
    nearest_station_id: str
    walk_km: float
    lon: float
    lat: float
    def __init__(self, household_id: _Optional[str] = ..., grid_id: _Optional[str] = ..., community_id: _Optional[str] = ..., street_id: _Optional[str] = ..., address: _Optional[str] = ..., nearest_station_id: _Optional[str] = ..., walk_km: _Optional[float] = ..., lon: _Optional[float] = ..., lat: _Optional[float] = ...) -> None: ...

class ListCircleGapsRequest(_message.Message):
    __slots__ = ("area", "page", "page_size")
    AREA_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    area: Area
    page: int
    page_size: int
    def __init__(self, area: _Optional[_Union[Area, _Mapping]] = ..., page: _Optional[int] = ..., page_size: _Optional[int] = ...) -> None: ...

class ListCircleGapsResponse(_message.Message):
    __slots__ = ("items", "total", "households", "circle_km", "detour")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLDS_FIELD_NUMBER: _ClassVar[int]
    CIRCLE_KM_FIELD_NUMBER: _ClassVar[int]
    DETOUR_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[CircleGap]
    total: int
    households: int
    circle_km: float
    detour: float
    def __init__(self, items: _Optional[_Iterable[_Union[CircleGap, _Mapping]]] = ..., total: _Optional[int] = ..., households: _Optional[int] = ..., circle_km: _Optional[float] = ..., detour: _Optional[float] = ...) -> None: ...

class Activity(_message.Message):
    __slots__ = ("activity_id", "grid_id", "community_id", "street_id", "kind", "title", "place", "starts_at", "hours", "status", "planned_by", "signed_up", "attended", "held_at")
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    PLACE_FIELD_NUMBER: _ClassVar[int]
    STARTS_AT_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PLANNED_BY_FIELD_NUMBER: _ClassVar[int]
    SIGNED_UP_FIELD_NUMBER: _ClassVar[int]
    ATTENDED_FIELD_NUMBER: _ClassVar[int]
    HELD_AT_FIELD_NUMBER: _ClassVar[int]
    activity_id: str
    grid_id: str
    community_id: str
    street_id: str
    kind: str
    title: str
    place: str
    starts_at: _timestamp_pb2.Timestamp
    hours: float
    status: str
    planned_by: str
    signed_up: _containers.RepeatedScalarFieldContainer[str]
    attended: _containers.RepeatedScalarFieldContainer[str]
    held_at: _timestamp_pb2.Timestamp
    def __init__(self, activity_id: _Optional[str] = ..., grid_id: _Optional[str] = ..., community_id: _Optional[str] = ..., street_id: _Optional[str] = ..., kind: _Optional[str] = ..., title: _Optional[str] = ..., place: _Optional[str] = ..., starts_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., hours: _Optional[float] = ..., status: _Optional[str] = ..., planned_by: _Optional[str] = ..., signed_up: _Optional[_Iterable[str]] = ..., attended: _Optional[_Iterable[str]] = ..., held_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PlanActivityRequest(_message.Message):
    __slots__ = ("activity", "actor")
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    activity: Activity
    actor: str
    def __init__(self, activity: _Optional[_Union[Activity, _Mapping]] = ..., actor: _Optional[str] = ...) -> None: ...

class ListActivitiesRequest(_message.Message):
    __slots__ = ("area", "kind", "since", "until", "page", "page_size")
    AREA_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    area: Area
    kind: str
    since: _timestamp_pb2.Timestamp
    until: _timestamp_pb2.Timestamp
    page: int
    page_size: int
    def __init__(self, area: _Optional[_Union[Area, _Mapping]] = ..., kind: _Optional[str] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page: _Optional[int] = ..., page_size: _Optional[int] = ...) -> None: ...

class ListActivitiesResponse(_message.Message):
    __slots__ = ("items", "total")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Activity]
    total: int
    def __init__(self, items: _Optional[_Iterable[_Union[Activity, _Mapping]]] = ..., total: _Optional[int] = ...) -> None: ...

class GetActivityRequest(_message.Message):
    __slots__ = ("activity_id",)
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    activity_id: str
    def __init__(self, activity_id: _Optional[str] = ...) -> None: ...

class SignUpRequest(_message.Message):
    __slots__ = ("activity_id", "username", "grid_id")
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    activity_id: str
    username: str
    grid_id: str
    def __init__(self, activity_id: _Optional[str] = ..., username: _Optional[str] = ..., grid_id: _Optional[str] = ...) -> None: ...

class RecordAttendanceRequest(_message.Message):
    __slots__ = ("activity_id", "attended", "actor")
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    ATTENDED_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    activity_id: str
    attended: _containers.RepeatedScalarFieldContainer[str]
    actor: str
    def __init__(self, activity_id: _Optional[str] = ..., attended: _Optional[_Iterable[str]] = ..., actor: _Optional[str] = ...) -> None: ...

class SixOnesOfGrid(_message.Message):
    __slots__ = ("grid_id", "held", "missing")
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    grid_id: str
    held: _containers.RepeatedScalarFieldContainer[str]
    missing: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, grid_id: _Optional[str] = ..., held: _Optional[_Iterable[str]] = ..., missing: _Optional[_Iterable[str]] = ...) -> None: ...

class SixOnesResponse(_message.Message):
    __slots__ = ("grids",)
    GRIDS_FIELD_NUMBER: _ClassVar[int]
    grids: _containers.RepeatedCompositeFieldContainer[SixOnesOfGrid]
    def __init__(self, grids: _Optional[_Iterable[_Union[SixOnesOfGrid, _Mapping]]] = ...) -> None: ...

class WeeklySubmission(_message.Message):
    __slots__ = ("week", "grid_id", "community_id", "street_id", "text", "figures", "submitted_by", "submitted_at", "revision")
    class FiguresEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    WEEK_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    FIGURES_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_BY_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    week: str
    grid_id: str
    community_id: str
    street_id: str
    text: str
    figures: _containers.ScalarMap[str, float]
    submitted_by: str
    submitted_at: _timestamp_pb2.Timestamp
    revision: int
    def __init__(self, week: _Optional[str] = ..., grid_id: _Optional[str] = ..., community_id: _Optional[str] = ..., street_id: _Optional[str] = ..., text: _Optional[str] = ..., figures: _Optional[_Mapping[str, float]] = ..., submitted_by: _Optional[str] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...

class SubmitWeekRequest(_message.Message):
    __slots__ = ("week", "grid_id", "text", "figures", "actor")
    class FiguresEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    WEEK_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    FIGURES_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    week: str
    grid_id: str
    text: str
    figures: _containers.ScalarMap[str, float]
    actor: str
    def __init__(self, week: _Optional[str] = ..., grid_id: _Optional[str] = ..., text: _Optional[str] = ..., figures: _Optional[_Mapping[str, float]] = ..., actor: _Optional[str] = ...) -> None: ...

class ListSubmissionsRequest(_message.Message):
    __slots__ = ("area", "week")
    AREA_FIELD_NUMBER: _ClassVar[int]
    WEEK_FIELD_NUMBER: _ClassVar[int]
    area: Area
    week: str
    def __init__(self, area: _Optional[_Union[Area, _Mapping]] = ..., week: _Optional[str] = ...) -> None: ...

class ListSubmissionsResponse(_message.Message):
    __slots__ = ("items", "missing")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[WeeklySubmission]
    missing: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, items: _Optional[_Iterable[_Union[WeeklySubmission, _Mapping]]] = ..., missing: _Optional[_Iterable[str]] = ...) -> None: ...

class RankedGrid(_message.Message):
    __slots__ = ("grid_id", "name", "rank", "score")
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    grid_id: str
    name: str
    rank: int
    score: float
    def __init__(self, grid_id: _Optional[str] = ..., name: _Optional[str] = ..., rank: _Optional[int] = ..., score: _Optional[float] = ...) -> None: ...

class Bulletin(_message.Message):
    __slots__ = ("week", "street_id", "ranking", "not_submitted", "text", "issued_by", "issued_at", "revision")
    WEEK_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    RANKING_FIELD_NUMBER: _ClassVar[int]
    NOT_SUBMITTED_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    ISSUED_BY_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    week: str
    street_id: str
    ranking: _containers.RepeatedCompositeFieldContainer[RankedGrid]
    not_submitted: _containers.RepeatedScalarFieldContainer[str]
    text: str
    issued_by: str
    issued_at: _timestamp_pb2.Timestamp
    revision: int
    def __init__(self, week: _Optional[str] = ..., street_id: _Optional[str] = ..., ranking: _Optional[_Iterable[_Union[RankedGrid, _Mapping]]] = ..., not_submitted: _Optional[_Iterable[str]] = ..., text: _Optional[str] = ..., issued_by: _Optional[str] = ..., issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...

class ListBulletinsRequest(_message.Message):
    __slots__ = ("street_id", "week")
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    WEEK_FIELD_NUMBER: _ClassVar[int]
    street_id: str
    week: str
    def __init__(self, street_id: _Optional[str] = ..., week: _Optional[str] = ...) -> None: ...

class ListBulletinsResponse(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Bulletin]
    def __init__(self, items: _Optional[_Iterable[_Union[Bulletin, _Mapping]]] = ...) -> None: ...

class Invitee(_message.Message):
    __slots__ = ("party", "name", "org_id")
    PARTY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    party: str
    name: str
    org_id: str
    def __init__(self, party: _Optional[str] = ..., name: _Optional[str] = ..., org_id: _Optional[str] = ...) -> None: ...

class AgendaItem(_message.Message):
    __slots__ = ("item_id", "kind", "ref", "title")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REF_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    kind: str
    ref: str
    title: str
    def __init__(self, item_id: _Optional[str] = ..., kind: _Optional[str] = ..., ref: _Optional[str] = ..., title: _Optional[str] = ...) -> None: ...

class Decision(_message.Message):
    __slots__ = ("decision_id", "meeting_id", "grid_id", "text", "owner", "due_at", "case_id", "action", "department", "status", "outcome", "closed_by", "closed_at", "closing_note", "followed_up_in", "community_id", "street_id")
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    CLOSED_BY_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSING_NOTE_FIELD_NUMBER: _ClassVar[int]
    FOLLOWED_UP_IN_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    decision_id: str
    meeting_id: str
    grid_id: str
    text: str
    owner: str
    due_at: _timestamp_pb2.Timestamp
    case_id: str
    action: str
    department: str
    status: str
    outcome: str
    closed_by: str
    closed_at: _timestamp_pb2.Timestamp
    closing_note: str
    followed_up_in: _containers.RepeatedScalarFieldContainer[str]
    community_id: str
    street_id: str
    def __init__(self, decision_id: _Optional[str] = ..., meeting_id: _Optional[str] = ..., grid_id: _Optional[str] = ..., text: _Optional[str] = ..., owner: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., case_id: _Optional[str] = ..., action: _Optional[str] = ..., department: _Optional[str] = ..., status: _Optional[str] = ..., outcome: _Optional[str] = ..., closed_by: _Optional[str] = ..., closed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closing_note: _Optional[str] = ..., followed_up_in: _Optional[_Iterable[str]] = ..., community_id: _Optional[str] = ..., street_id: _Optional[str] = ...) -> None: ...

class Meeting(_message.Message):
    __slots__ = ("meeting_id", "grid_id", "community_id", "street_id", "title", "place", "starts_at", "status", "convened_by", "invitees", "agenda", "minutes", "attendees", "decisions", "held_at", "recorded_by")
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    PLACE_FIELD_NUMBER: _ClassVar[int]
    STARTS_AT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CONVENED_BY_FIELD_NUMBER: _ClassVar[int]
    INVITEES_FIELD_NUMBER: _ClassVar[int]
    AGENDA_FIELD_NUMBER: _ClassVar[int]
    MINUTES_FIELD_NUMBER: _ClassVar[int]
    ATTENDEES_FIELD_NUMBER: _ClassVar[int]
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    HELD_AT_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    meeting_id: str
    grid_id: str
    community_id: str
    street_id: str
    title: str
    place: str
    starts_at: _timestamp_pb2.Timestamp
    status: str
    convened_by: str
    invitees: _containers.RepeatedCompositeFieldContainer[Invitee]
    agenda: _containers.RepeatedCompositeFieldContainer[AgendaItem]
    minutes: str
    attendees: _containers.RepeatedScalarFieldContainer[str]
    decisions: _containers.RepeatedCompositeFieldContainer[Decision]
    held_at: _timestamp_pb2.Timestamp
    recorded_by: str
    def __init__(self, meeting_id: _Optional[str] = ..., grid_id: _Optional[str] = ..., community_id: _Optional[str] = ..., street_id: _Optional[str] = ..., title: _Optional[str] = ..., place: _Optional[str] = ..., starts_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[str] = ..., convened_by: _Optional[str] = ..., invitees: _Optional[_Iterable[_Union[Invitee, _Mapping]]] = ..., agenda: _Optional[_Iterable[_Union[AgendaItem, _Mapping]]] = ..., minutes: _Optional[str] = ..., attendees: _Optional[_Iterable[str]] = ..., decisions: _Optional[_Iterable[_Union[Decision, _Mapping]]] = ..., held_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recorded_by: _Optional[str] = ...) -> None: ...

class PlanMeetingRequest(_message.Message):
    __slots__ = ("meeting", "actor")
    MEETING_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    meeting: Meeting
    actor: str
    def __init__(self, meeting: _Optional[_Union[Meeting, _Mapping]] = ..., actor: _Optional[str] = ...) -> None: ...

class GetMeetingRequest(_message.Message):
    __slots__ = ("meeting_id",)
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    meeting_id: str
    def __init__(self, meeting_id: _Optional[str] = ...) -> None: ...

class ListMeetingsRequest(_message.Message):
    __slots__ = ("area", "status", "page", "page_size")
    AREA_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    area: Area
    status: str
    page: int
    page_size: int
    def __init__(self, area: _Optional[_Union[Area, _Mapping]] = ..., status: _Optional[str] = ..., page: _Optional[int] = ..., page_size: _Optional[int] = ...) -> None: ...

class ListMeetingsResponse(_message.Message):
    __slots__ = ("items", "total")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Meeting]
    total: int
    def __init__(self, items: _Optional[_Iterable[_Union[Meeting, _Mapping]]] = ..., total: _Optional[int] = ...) -> None: ...

class FollowUp(_message.Message):
    __slots__ = ("ref", "status", "note")
    REF_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    ref: str
    status: str
    note: str
    def __init__(self, ref: _Optional[str] = ..., status: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class RecordMinutesRequest(_message.Message):
    __slots__ = ("meeting_id", "minutes", "attendees", "decisions", "follow_ups", "actor")
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    MINUTES_FIELD_NUMBER: _ClassVar[int]
    ATTENDEES_FIELD_NUMBER: _ClassVar[int]
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UPS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    meeting_id: str
    minutes: str
    attendees: _containers.RepeatedScalarFieldContainer[str]
    decisions: _containers.RepeatedCompositeFieldContainer[Decision]
    follow_ups: _containers.RepeatedCompositeFieldContainer[FollowUp]
    actor: str
    def __init__(self, meeting_id: _Optional[str] = ..., minutes: _Optional[str] = ..., attendees: _Optional[_Iterable[str]] = ..., decisions: _Optional[_Iterable[_Union[Decision, _Mapping]]] = ..., follow_ups: _Optional[_Iterable[_Union[FollowUp, _Mapping]]] = ..., actor: _Optional[str] = ...) -> None: ...

class SetDecisionOutcomeRequest(_message.Message):
    __slots__ = ("meeting_id", "decision_id", "outcome")
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    meeting_id: str
    decision_id: str
    outcome: str
    def __init__(self, meeting_id: _Optional[str] = ..., decision_id: _Optional[str] = ..., outcome: _Optional[str] = ...) -> None: ...

class ListDecisionsRequest(_message.Message):
    __slots__ = ("area", "status", "due_before")
    AREA_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DUE_BEFORE_FIELD_NUMBER: _ClassVar[int]
    area: Area
    status: str
    due_before: _timestamp_pb2.Timestamp
    def __init__(self, area: _Optional[_Union[Area, _Mapping]] = ..., status: _Optional[str] = ..., due_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListDecisionsResponse(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Decision]
    def __init__(self, items: _Optional[_Iterable[_Union[Decision, _Mapping]]] = ...) -> None: ...

class CloseDecisionRequest(_message.Message):
    __slots__ = ("meeting_id", "decision_id", "status", "note", "actor")
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    meeting_id: str
    decision_id: str
    status: str
    note: str
    actor: str
    def __init__(self, meeting_id: _Optional[str] = ..., decision_id: _Optional[str] = ..., status: _Optional[str] = ..., note: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class GridScore(_message.Message):
    __slots__ = ("grid_id", "name", "community_id", "street_id", "rank", "score", "components")
    class ComponentsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    grid_id: str
    name: str
    community_id: str
    street_id: str
    rank: int
    score: float
    components: _containers.ScalarMap[str, float]
    def __init__(self, grid_id: _Optional[str] = ..., name: _Optional[str] = ..., community_id: _Optional[str] = ..., street_id: _Optional[str] = ..., rank: _Optional[int] = ..., score: _Optional[float] = ..., components: _Optional[_Mapping[str, float]] = ...) -> None: ...

class Assessment(_message.Message):
    __slots__ = ("week", "grids", "weights", "assessed_by", "assessed_at", "revision")
    class WeightsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    WEEK_FIELD_NUMBER: _ClassVar[int]
    GRIDS_FIELD_NUMBER: _ClassVar[int]
    WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    ASSESSED_BY_FIELD_NUMBER: _ClassVar[int]
    ASSESSED_AT_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    week: str
    grids: _containers.RepeatedCompositeFieldContainer[GridScore]
    weights: _containers.ScalarMap[str, float]
    assessed_by: str
    assessed_at: _timestamp_pb2.Timestamp
    revision: int
    def __init__(self, week: _Optional[str] = ..., grids: _Optional[_Iterable[_Union[GridScore, _Mapping]]] = ..., weights: _Optional[_Mapping[str, float]] = ..., assessed_by: _Optional[str] = ..., assessed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...

class ListAssessmentsRequest(_message.Message):
    __slots__ = ("area", "week")
    AREA_FIELD_NUMBER: _ClassVar[int]
    WEEK_FIELD_NUMBER: _ClassVar[int]
    area: Area
    week: str
    def __init__(self, area: _Optional[_Union[Area, _Mapping]] = ..., week: _Optional[str] = ...) -> None: ...

class ListAssessmentsResponse(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Assessment]
    def __init__(self, items: _Optional[_Iterable[_Union[Assessment, _Mapping]]] = ...) -> None: ...

class NoticeRecipient(_message.Message):
    __slots__ = ("role", "name", "phone", "message_id")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    role: str
    name: str
    phone: str
    message_id: str
    def __init__(self, role: _Optional[str] = ..., name: _Optional[str] = ..., phone: _Optional[str] = ..., message_id: _Optional[str] = ...) -> None: ...

class Notice(_message.Message):
    __slots__ = ("notice_id", "case_id", "grid_id", "change", "level", "category", "note", "status", "text", "recipients", "created_at", "sent_at")
    NOTICE_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    RECIPIENTS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    notice_id: str
    case_id: str
    grid_id: str
    change: str
    level: str
    category: str
    note: str
    status: str
    text: str
    recipients: _containers.RepeatedCompositeFieldContainer[NoticeRecipient]
    created_at: _timestamp_pb2.Timestamp
    sent_at: _timestamp_pb2.Timestamp
    def __init__(self, notice_id: _Optional[str] = ..., case_id: _Optional[str] = ..., grid_id: _Optional[str] = ..., change: _Optional[str] = ..., level: _Optional[str] = ..., category: _Optional[str] = ..., note: _Optional[str] = ..., status: _Optional[str] = ..., text: _Optional[str] = ..., recipients: _Optional[_Iterable[_Union[NoticeRecipient, _Mapping]]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListNoticesRequest(_message.Message):
    __slots__ = ("area", "limit")
    AREA_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    area: Area
    limit: int
    def __init__(self, area: _Optional[_Union[Area, _Mapping]] = ..., limit: _Optional[int] = ...) -> None: ...

class ListNoticesResponse(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Notice]
    def __init__(self, items: _Optional[_Iterable[_Union[Notice, _Mapping]]] = ...) -> None: ...
