import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from gridfusion.fusion.v1 import fusion_pb2 as _fusion_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AddAttachmentRequest(_message.Message):
    __slots__ = ("actor", "case_id", "department", "event_id", "data", "filename", "declared_type", "purpose", "note")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    DECLARED_TYPE_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    actor: _fusion_pb2.Actor
    case_id: str
    department: str
    event_id: str
    data: bytes
    filename: str
    declared_type: str
    purpose: str
    note: str
    def __init__(self, actor: _Optional[_Union[_fusion_pb2.Actor, _Mapping]] = ..., case_id: _Optional[str] = ..., department: _Optional[str] = ..., event_id: _Optional[str] = ..., data: _Optional[bytes] = ..., filename: _Optional[str] = ..., declared_type: _Optional[str] = ..., purpose: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class Position(_message.Message):
    __slots__ = ("lon", "lat")
    LON_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    lon: float
    lat: float
    def __init__(self, lon: _Optional[float] = ..., lat: _Optional[float] = ...) -> None: ...

class Attachment(_message.Message):
    __slots__ = ("attachment_id", "case_id", "department", "event_id", "filename", "content_type", "size", "purpose", "note", "uploaded_by", "role", "uploaded_at", "width", "height", "has_thumbnail", "position", "taken_at", "location_withheld", "sha256")
    ATTACHMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    UPLOADED_BY_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    UPLOADED_AT_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    HAS_THUMBNAIL_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    TAKEN_AT_FIELD_NUMBER: _ClassVar[int]
    LOCATION_WITHHELD_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    attachment_id: str
    case_id: str
    department: str
    event_id: str
    filename: str
    content_type: str
    size: int
    purpose: str
    note: str
    uploaded_by: str
    role: str
    uploaded_at: _timestamp_pb2.Timestamp
    width: int
    height: int
    has_thumbnail: bool
    position: Position
    taken_at: _timestamp_pb2.Timestamp
    location_withheld: bool
    sha256: str
    def __init__(self, attachment_id: _Optional[str] = ..., case_id: _Optional[str] = ..., department: _Optional[str] = ..., event_id: _Optional[str] = ..., filename: _Optional[str] = ..., content_type: _Optional[str] = ..., size: _Optional[int] = ..., purpose: _Optional[str] = ..., note: _Optional[str] = ..., uploaded_by: _Optional[str] = ..., role: _Optional[str] = ..., uploaded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., has_thumbnail: _Optional[bool] = ..., position: _Optional[_Union[Position, _Mapping]] = ..., taken_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., location_withheld: _Optional[bool] = ..., sha256: _Optional[str] = ...) -> None: ...

class ListAttachmentsRequest(_message.Message):
    __slots__ = ("actor", "case_id", "department", "event_id")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    actor: _fusion_pb2.Actor
    case_id: str
    department: str
    event_id: str
    def __init__(self, actor: _Optional[_Union[_fusion_pb2.Actor, _Mapping]] = ..., case_id: _Optional[str] = ..., department: _Optional[str] = ..., event_id: _Optional[str] = ...) -> None: ...

class ListAttachmentsResponse(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Attachment]
    def __init__(self, items: _Optional[_Iterable[_Union[Attachment, _Mapping]]] = ...) -> None: ...

class GetAttachmentRequest(_message.Message):
    __slots__ = ("actor", "attachment_id", "thumbnail")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENT_ID_FIELD_NUMBER: _ClassVar[int]
    THUMBNAIL_FIELD_NUMBER: _ClassVar[int]
    actor: _fusion_pb2.Actor
    attachment_id: str
    thumbnail: bool
    def __init__(self, actor: _Optional[_Union[_fusion_pb2.Actor, _Mapping]] = ..., attachment_id: _Optional[str] = ..., thumbnail: _Optional[bool] = ...) -> None: ...

class AttachmentContent(_message.Message):
    __slots__ = ("attachment", "data", "content_type")
    ATTACHMENT_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    attachment: Attachment
    data: bytes
    content_type: str
    def __init__(self, attachment: _Optional[_Union[Attachment, _Mapping]] = ..., data: _Optional[bytes] = ..., content_type: _Optional[str] = ...) -> None: ...
