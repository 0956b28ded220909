import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from gridfusion.community.v1 import community_pb2 as _community_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Household(_message.Message):
    __slots__ = ("household_id", "address", "lon", "lat", "residents", "compound_id", "head_name", "head_phone", "head_id_number")
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    RESIDENTS_FIELD_NUMBER: _ClassVar[int]
    COMPOUND_ID_FIELD_NUMBER: _ClassVar[int]
    HEAD_NAME_FIELD_NUMBER: _ClassVar[int]
    HEAD_PHONE_FIELD_NUMBER: _ClassVar[int]
    HEAD_ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    household_id: str
    address: str
    lon: float
    lat: float
    residents: int
    compound_id: str
    head_name: str
    head_phone: str
    head_id_number: str
    def __init__(self, household_id: _Optional[str] = ..., address: _Optional[str] = ..., lon: _Optional[float] = ..., lat: _Optional[float] = ..., residents: _Optional[int] = ..., compound_id: _Optional[str] = ..., head_name: _Optional[str] = ..., head_phone: _Optional[str] = ..., head_id_number: _Optional[str] = ...) -> None: ...

class Resident(_message.Message):
    __slots__ = ("resident_id", "household_id", "name", "id_number", "phone")
    RESIDENT_ID_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    resident_id: str
    household_id: str
    name: str
    id_number: str
    phone: str
    def __init__(self, resident_id: _Optional[str] = ..., household_id: _Optional[str] = ..., name: _Optional[str] = ..., id_number: _Optional[str] = ..., phone: _Optional[str] = ...) -> None: ...

class SpecialPopulation(_message.Message):
    __slots__ = ("record_id", "resident_id", "kind", "responsible_name", "responsible_phone", "note", "resident_name", "household_id")
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    RESPONSIBLE_NAME_FIELD_NUMBER: _ClassVar[int]
    RESPONSIBLE_PHONE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_NAME_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    resident_id: str
    kind: str
    responsible_name: str
    responsible_phone: str
    note: str
    resident_name: str
    household_id: str
    def __init__(self, record_id: _Optional[str] = ..., resident_id: _Optional[str] = ..., kind: _Optional[str] = ..., responsible_name: _Optional[str] = ..., responsible_phone: _Optional[str] = ..., note: _Optional[str] = ..., resident_name: _Optional[str] = ..., household_id: _Optional[str] = ...) -> None: ...

class Record(_message.Message):
    __slots__ = ("kind", "record_id", "version", "grid_id", "community_id", "street_id", "household", "resident", "special_population", "updated_at", "updated_by")
    KIND_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_FIELD_NUMBER: _ClassVar[int]
    SPECIAL_POPULATION_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    kind: str
    record_id: str
    version: int
    grid_id: str
    community_id: str
    street_id: str
    household: Household
    resident: Resident
    special_population: SpecialPopulation
    updated_at: _timestamp_pb2.Timestamp
    updated_by: str
    def __init__(self, kind: _Optional[str] = ..., record_id: _Optional[str] = ..., version: _Optional[int] = ..., grid_id: _Optional[str] = ..., community_id: _Optional[str] = ..., street_id: _Optional[str] = ..., household: _Optional[_Union[Household, _Mapping]] = ..., resident: _Optional[_Union[Resident, _Mapping]] = ..., special_population: _Optional[_Union[SpecialPopulation, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_by: _Optional[str] = ...) -> None: ...

class Proposal(_message.Message):
    __slots__ = ("proposal_id", "action", "kind", "record_id", "base_version", "grid_id", "community_id", "street_id", "proposed", "before", "note", "status", "reason", "proposed_by", "proposed_at", "reviewed_by", "reviewed_at", "reference_version")
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    BASE_VERSION_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    PROPOSED_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PROPOSED_BY_FIELD_NUMBER: _ClassVar[int]
    PROPOSED_AT_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_BY_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_AT_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    proposal_id: str
    action: str
    kind: str
    record_id: str
    base_version: int
    grid_id: str
    community_id: str
    street_id: str
    proposed: Record
    before: Record
    note: str
    status: str
    reason: str
    proposed_by: str
    proposed_at: _timestamp_pb2.Timestamp
    reviewed_by: str
    reviewed_at: _timestamp_pb2.Timestamp
    reference_version: str
    def __init__(self, proposal_id: _Optional[str] = ..., action: _Optional[str] = ..., kind: _Optional[str] = ..., record_id: _Optional[str] = ..., base_version: _Optional[int] = ..., grid_id: _Optional[str] = ..., community_id: _Optional[str] = ..., street_id: _Optional[str] = ..., proposed: _Optional[_Union[Record, _Mapping]] = ..., before: _Optional[_Union[Record, _Mapping]] = ..., note: _Optional[str] = ..., status: _Optional[str] = ..., reason: _Optional[str] = ..., proposed_by: _Optional[str] = ..., proposed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reviewed_by: _Optional[str] = ..., reviewed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reference_version: _Optional[str] = ...) -> None: ...

class CreateProposalRequest(_message.Message):
    __slots__ = ("actor", "action", "kind", "record_id", "base_version", "household", "resident", "special_population", "note")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    BASE_VERSION_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_FIELD_NUMBER: _ClassVar[int]
    SPECIAL_POPULATION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    actor: _community_pb2.Actor
    action: str
    kind: str
    record_id: str
    base_version: int
    household: Household
    resident: Resident
    special_population: SpecialPopulation
    note: str
    def __init__(self, actor: _Optional[_Union[_community_pb2.Actor, _Mapping]] = ..., action: _Optional[str] = ..., kind: _Optional[str] = ..., record_id: _Optional[str] = ..., base_version: _Optional[int] = ..., household: _Optional[_Union[Household, _Mapping]] = ..., resident: _Optional[_Union[Resident, _Mapping]] = ..., special_population: _Optional[_Union[SpecialPopulation, _Mapping]] = ..., note: _Optional[str] = ...) -> None: ...

class ListProposalsRequest(_message.Message):
    __slots__ = ("actor", "area", "status", "kind", "page", "page_size")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    AREA_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    actor: _community_pb2.Actor
    area: _community_pb2.Area
    status: str
    kind: str
    page: int
    page_size: int
    def __init__(self, actor: _Optional[_Union[_community_pb2.Actor, _Mapping]] = ..., area: _Optional[_Union[_community_pb2.Area, _Mapping]] = ..., status: _Optional[str] = ..., kind: _Optional[str] = ..., page: _Optional[int] = ..., page_size: _Optional[int] = ...) -> None: ...

class ListProposalsResponse(_message.Message):
    __slots__ = ("items", "total")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Proposal]
    total: int
    def __init__(self, items: _Optional[_Iterable[_Union[Proposal, _Mapping]]] = ..., total: _Optional[int] = ...) -> None: ...

class GetProposalRequest(_message.Message):
    __slots__ = ("actor", "proposal_id")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    actor: _community_pb2.Actor
    proposal_id: str
    def __init__(self, actor: _Optional[_Union[_community_pb2.Actor, _Mapping]] = ..., proposal_id: _Optional[str] = ...) -> None: ...

class ReviewProposalRequest(_message.Message):
    __slots__ = ("actor", "proposal_id", "decision", "reason")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    actor: _community_pb2.Actor
    proposal_id: str
    decision: str
    reason: str
    def __init__(self, actor: _Optional[_Union[_community_pb2.Actor, _Mapping]] = ..., proposal_id: _Optional[str] = ..., decision: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class GetRecordRequest(_message.Message):
    __slots__ = ("actor", "kind", "record_id")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    actor: _community_pb2.Actor
    kind: str
    record_id: str
    def __init__(self, actor: _Optional[_Union[_community_pb2.Actor, _Mapping]] = ..., kind: _Optional[str] = ..., record_id: _Optional[str] = ...) -> None: ...

class ListRecordsRequest(_message.Message):
    __slots__ = ("actor", "grid_id", "kind", "page", "page_size")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    actor: _community_pb2.Actor
    grid_id: str
    kind: str
    page: int
    page_size: int
    def __init__(self, actor: _Optional[_Union[_community_pb2.Actor, _Mapping]] = ..., grid_id: _Optional[str] = ..., kind: _Optional[str] = ..., page: _Optional[int] = ..., page_size: _Optional[int] = ...) -> None: ...

class ListRecordsResponse(_message.Message):
    __slots__ = ("items", "total")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Record]
    total: int
    def __init__(self, items: _Optional[_Iterable[_Union[Record, _Mapping]]] = ..., total: _Optional[int] = ...) -> None: ...
