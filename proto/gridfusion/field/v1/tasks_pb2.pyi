import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from gridfusion.fusion.v1 import fusion_pb2 as _fusion_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Dispatcher(_message.Message):
    __slots__ = ("username", "level", "street_id", "community_id", "department")
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    username: str
    level: str
    street_id: str
    community_id: str
    department: str
    def __init__(self, username: _Optional[str] = ..., level: _Optional[str] = ..., street_id: _Optional[str] = ..., community_id: _Optional[str] = ..., department: _Optional[str] = ...) -> None: ...

class TaskItem(_message.Message):
    __slots__ = ("item_id", "grid_id", "name", "ref", "status", "note", "reported_by", "reported_at", "overdue")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REF_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    REPORTED_BY_FIELD_NUMBER: _ClassVar[int]
    REPORTED_AT_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    grid_id: str
    name: str
    ref: str
    status: str
    note: str
    reported_by: str
    reported_at: _timestamp_pb2.Timestamp
    overdue: bool
    def __init__(self, item_id: _Optional[str] = ..., grid_id: _Optional[str] = ..., name: _Optional[str] = ..., ref: _Optional[str] = ..., status: _Optional[str] = ..., note: _Optional[str] = ..., reported_by: _Optional[str] = ..., reported_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., overdue: _Optional[bool] = ...) -> None: ...

class GridProgress(_message.Message):
    __slots__ = ("grid_id", "community_id", "street_id", "items", "done", "problems", "open", "overdue")
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    grid_id: str
    community_id: str
    street_id: str
    items: int
    done: int
    problems: int
    open: int
    overdue: int
    def __init__(self, grid_id: _Optional[str] = ..., community_id: _Optional[str] = ..., street_id: _Optional[str] = ..., items: _Optional[int] = ..., done: _Optional[int] = ..., problems: _Optional[int] = ..., open: _Optional[int] = ..., overdue: _Optional[int] = ...) -> None: ...

class Task(_message.Message):
    __slots__ = ("task_id", "title", "instructions", "category", "dispatcher", "area", "grid_ids", "due_at", "items_from", "status", "items", "grids", "created_at", "ended_at", "ended_by", "end_note", "meeting_id", "decision_id")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTIONS_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DISPATCHER_FIELD_NUMBER: _ClassVar[int]
    AREA_FIELD_NUMBER: _ClassVar[int]
    GRID_IDS_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FROM_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    GRIDS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    ENDED_BY_FIELD_NUMBER: _ClassVar[int]
    END_NOTE_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    title: str
    instructions: str
    category: str
    dispatcher: Dispatcher
    area: str
    grid_ids: _containers.RepeatedScalarFieldContainer[str]
    due_at: _timestamp_pb2.Timestamp
    items_from: str
    status: str
    items: _containers.RepeatedCompositeFieldContainer[TaskItem]
    grids: _containers.RepeatedCompositeFieldContainer[GridProgress]
    created_at: _timestamp_pb2.Timestamp
    ended_at: _timestamp_pb2.Timestamp
    ended_by: str
    end_note: str
    meeting_id: str
    decision_id: str
    def __init__(self, task_id: _Optional[str] = ..., title: _Optional[str] = ..., instructions: _Optional[str] = ..., category: _Optional[str] = ..., dispatcher: _Optional[_Union[Dispatcher, _Mapping]] = ..., area: _Optional[str] = ..., grid_ids: _Optional[_Iterable[str]] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., items_from: _Optional[str] = ..., status: _Optional[str] = ..., items: _Optional[_Iterable[_Union[TaskItem, _Mapping]]] = ..., grids: _Optional[_Iterable[_Union[GridProgress, _Mapping]]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ended_by: _Optional[str] = ..., end_note: _Optional[str] = ..., meeting_id: _Optional[str] = ..., decision_id: _Optional[str] = ...) -> None: ...

class CreateTaskRequest(_message.Message):
    __slots__ = ("actor", "title", "instructions", "category", "grid_ids", "area", "due_at", "items_from", "item_names", "meeting_id", "decision_id")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTIONS_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    GRID_IDS_FIELD_NUMBER: _ClassVar[int]
    AREA_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FROM_FIELD_NUMBER: _ClassVar[int]
    ITEM_NAMES_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    actor: _fusion_pb2.Actor
    title: str
    instructions: str
    category: str
    grid_ids: _containers.RepeatedScalarFieldContainer[str]
    area: str
    due_at: _timestamp_pb2.Timestamp
    items_from: str
    item_names: _containers.RepeatedScalarFieldContainer[str]
    meeting_id: str
    decision_id: str
    def __init__(self, actor: _Optional[_Union[_fusion_pb2.Actor, _Mapping]] = ..., title: _Optional[str] = ..., instructions: _Optional[str] = ..., category: _Optional[str] = ..., grid_ids: _Optional[_Iterable[str]] = ..., area: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., items_from: _Optional[str] = ..., item_names: _Optional[_Iterable[str]] = ..., meeting_id: _Optional[str] = ..., decision_id: _Optional[str] = ...) -> None: ...

class GetTaskRequest(_message.Message):
    __slots__ = ("task_id", "scope")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    scope: _fusion_pb2.Scope
    def __init__(self, task_id: _Optional[str] = ..., scope: _Optional[_Union[_fusion_pb2.Scope, _Mapping]] = ...) -> None: ...

class ListTasksRequest(_message.Message):
    __slots__ = ("scope", "status", "meeting_id", "grid_id", "page", "page_size")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    scope: _fusion_pb2.Scope
    status: str
    meeting_id: str
    grid_id: str
    page: int
    page_size: int
    def __init__(self, scope: _Optional[_Union[_fusion_pb2.Scope, _Mapping]] = ..., status: _Optional[str] = ..., meeting_id: _Optional[str] = ..., grid_id: _Optional[str] = ..., page: _Optional[int] = ..., page_size: _Optional[int] = ...) -> None: ...

class ListTasksResponse(_message.Message):
    __slots__ = ("items", "total")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Task]
    total: int
    def __init__(self, items: _Optional[_Iterable[_Union[Task, _Mapping]]] = ..., total: _Optional[int] = ...) -> None: ...

class ReportItemRequest(_message.Message):
    __slots__ = ("actor", "task_id", "item_id", "outcome", "note")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    actor: _fusion_pb2.Actor
    task_id: str
    item_id: str
    outcome: str
    note: str
    def __init__(self, actor: _Optional[_Union[_fusion_pb2.Actor, _Mapping]] = ..., task_id: _Optional[str] = ..., item_id: _Optional[str] = ..., outcome: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class EndTaskRequest(_message.Message):
    __slots__ = ("actor", "task_id", "status", "note")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    actor: _fusion_pb2.Actor
    task_id: str
    status: str
    note: str
    def __init__(self, actor: _Optional[_Union[_fusion_pb2.Actor, _Mapping]] = ..., task_id: _Optional[str] = ..., status: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...
