import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ImportOptions(_message.Message):
    __slots__ = ("crs", "dry_run", "accept_warnings", "actor", "source")
    CRS_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_WARNINGS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    crs: str
    dry_run: bool
    accept_warnings: bool
    actor: str
    source: str
    def __init__(self, crs: _Optional[str] = ..., dry_run: _Optional[bool] = ..., accept_warnings: _Optional[bool] = ..., actor: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class ImportChunk(_message.Message):
    __slots__ = ("options", "data")
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    options: ImportOptions
    data: bytes
    def __init__(self, options: _Optional[_Union[ImportOptions, _Mapping]] = ..., data: _Optional[bytes] = ...) -> None: ...

class Problem(_message.Message):
    __slots__ = ("severity", "code", "message", "file", "row", "ids")
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    ROW_FIELD_NUMBER: _ClassVar[int]
    IDS_FIELD_NUMBER: _ClassVar[int]
    severity: str
    code: str
    message: str
    file: str
    row: int
    ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, severity: _Optional[str] = ..., code: _Optional[str] = ..., message: _Optional[str] = ..., file: _Optional[str] = ..., row: _Optional[int] = ..., ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Counts(_message.Message):
    __slots__ = ("streets", "communities", "grids", "compounds", "households", "residents", "party_members")
    STREETS_FIELD_NUMBER: _ClassVar[int]
    COMMUNITIES_FIELD_NUMBER: _ClassVar[int]
    GRIDS_FIELD_NUMBER: _ClassVar[int]
    COMPOUNDS_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLDS_FIELD_NUMBER: _ClassVar[int]
    RESIDENTS_FIELD_NUMBER: _ClassVar[int]
    PARTY_MEMBERS_FIELD_NUMBER: _ClassVar[int]
    streets: int
    communities: int
    grids: int
    compounds: int
    households: int
    residents: int
    party_members: int
    def __init__(self, streets: _Optional[int] = ..., communities: _Optional[int] = ..., grids: _Optional[int] = ..., compounds: _Optional[int] = ..., households: _Optional[int] = ..., residents: _Optional[int] = ..., party_members: _Optional[int] = ...) -> None: ...

class ImportReport(_message.Message):
    __slots__ = ("applied", "version", "problems", "errors", "warnings", "counts", "crs")
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    CRS_FIELD_NUMBER: _ClassVar[int]
    applied: bool
    version: str
    problems: _containers.RepeatedCompositeFieldContainer[Problem]
    errors: int
    warnings: int
    counts: Counts
    crs: str
    def __init__(self, applied: _Optional[bool] = ..., version: _Optional[str] = ..., problems: _Optional[_Iterable[_Union[Problem, _Mapping]]] = ..., errors: _Optional[int] = ..., warnings: _Optional[int] = ..., counts: _Optional[_Union[Counts, _Mapping]] = ..., crs: _Optional[str] = ...) -> None: ...

class ReferenceVersion(_message.Message):
    __slots__ = ("version", "source", "created_at", "created_by", "counts", "current", "activated_at", "activated_by", "crs", "warnings")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    ACTIVATED_AT_FIELD_NUMBER: _ClassVar[int]
    ACTIVATED_BY_FIELD_NUMBER: _ClassVar[int]
    CRS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    version: str
    source: str
    created_at: _timestamp_pb2.Timestamp
    created_by: str
    counts: Counts
    current: bool
    activated_at: _timestamp_pb2.Timestamp
    activated_by: str
    crs: str
    warnings: int
    def __init__(self, version: _Optional[str] = ..., source: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_by: _Optional[str] = ..., counts: _Optional[_Union[Counts, _Mapping]] = ..., current: _Optional[bool] = ..., activated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., activated_by: _Optional[str] = ..., crs: _Optional[str] = ..., warnings: _Optional[int] = ...) -> None: ...

class ListVersionsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListVersionsResponse(_message.Message):
    __slots__ = ("versions",)
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    versions: _containers.RepeatedCompositeFieldContainer[ReferenceVersion]
    def __init__(self, versions: _Optional[_Iterable[_Union[ReferenceVersion, _Mapping]]] = ...) -> None: ...

class GetCurrentRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ActivateVersionRequest(_message.Message):
    __slots__ = ("version", "actor")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    version: str
    actor: str
    def __init__(self, version: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class GetSnapshotRequest(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: str
    def __init__(self, version: _Optional[str] = ...) -> None: ...

class Person(_message.Message):
    __slots__ = ("person_id", "name", "phone", "id_number")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    name: str
    phone: str
    id_number: str
    def __init__(self, person_id: _Optional[str] = ..., name: _Optional[str] = ..., phone: _Optional[str] = ..., id_number: _Optional[str] = ...) -> None: ...

class Street(_message.Message):
    __slots__ = ("street_id", "name", "name_en")
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NAME_EN_FIELD_NUMBER: _ClassVar[int]
    street_id: str
    name: str
    name_en: str
    def __init__(self, street_id: _Optional[str] = ..., name: _Optional[str] = ..., name_en: _Optional[str] = ...) -> None: ...

class Position(_message.Message):
    __slots__ = ("lon", "lat")
    LON_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    lon: float
    lat: float
    def __init__(self, lon: _Optional[float] = ..., lat: _Optional[float] = ...) -> None: ...

class Community(_message.Message):
    __slots__ = ("community_id", "name", "street_id", "legal_adviser", "service_station")
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    LEGAL_ADVISER_FIELD_NUMBER: _ClassVar[int]
    SERVICE_STATION_FIELD_NUMBER: _ClassVar[int]
    community_id: str
    name: str
    street_id: str
    legal_adviser: Person
    service_station: Position
    def __init__(self, community_id: _Optional[str] = ..., name: _Optional[str] = ..., street_id: _Optional[str] = ..., legal_adviser: _Optional[_Union[Person, _Mapping]] = ..., service_station: _Optional[_Union[Position, _Mapping]] = ...) -> None: ...

class Ring(_message.Message):
    __slots__ = ("points",)
    POINTS_FIELD_NUMBER: _ClassVar[int]
    points: _containers.RepeatedCompositeFieldContainer[Position]
    def __init__(self, points: _Optional[_Iterable[_Union[Position, _Mapping]]] = ...) -> None: ...

class Polygon(_message.Message):
    __slots__ = ("rings",)
    RINGS_FIELD_NUMBER: _ClassVar[int]
    rings: _containers.RepeatedCompositeFieldContainer[Ring]
    def __init__(self, rings: _Optional[_Iterable[_Union[Ring, _Mapping]]] = ...) -> None: ...

class Grid(_message.Message):
    __slots__ = ("grid_id", "name", "type", "community_id", "street_id", "parts", "households", "residents", "party_members", "secretary", "committee_members", "grid_workers", "police_assistant", "station")
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLDS_FIELD_NUMBER: _ClassVar[int]
    RESIDENTS_FIELD_NUMBER: _ClassVar[int]
    PARTY_MEMBERS_FIELD_NUMBER: _ClassVar[int]
    SECRETARY_FIELD_NUMBER: _ClassVar[int]
    COMMITTEE_MEMBERS_FIELD_NUMBER: _ClassVar[int]
    GRID_WORKERS_FIELD_NUMBER: _ClassVar[int]
    POLICE_ASSISTANT_FIELD_NUMBER: _ClassVar[int]
    STATION_FIELD_NUMBER: _ClassVar[int]
    grid_id: str
    name: str
    type: str
    community_id: str
    street_id: str
    parts: _containers.RepeatedCompositeFieldContainer[Polygon]
    households: int
    residents: int
    party_members: int
    secretary: Person
    committee_members: _containers.RepeatedCompositeFieldContainer[Person]
    grid_workers: _containers.RepeatedCompositeFieldContainer[Person]
    police_assistant: Person
    station: Position
    def __init__(self, grid_id: _Optional[str] = ..., name: _Optional[str] = ..., type: _Optional[str] = ..., community_id: _Optional[str] = ..., street_id: _Optional[str] = ..., parts: _Optional[_Iterable[_Union[Polygon, _Mapping]]] = ..., households: _Optional[int] = ..., residents: _Optional[int] = ..., party_members: _Optional[int] = ..., secretary: _Optional[_Union[Person, _Mapping]] = ..., committee_members: _Optional[_Iterable[_Union[Person, _Mapping]]] = ..., grid_workers: _Optional[_Iterable[_Union[Person, _Mapping]]] = ..., police_assistant: _Optional[_Union[Person, _Mapping]] = ..., station: _Optional[_Union[Position, _Mapping]] = ...) -> None: ...

class Compound(_message.Message):
    __slots__ = ("compound_id", "name", "grid_id", "address", "location")
    COMPOUND_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    compound_id: str
    name: str
    grid_id: str
    address: str
    location: Position
    def __init__(self, compound_id: _Optional[str] = ..., name: _Optional[str] = ..., grid_id: _Optional[str] = ..., address: _Optional[str] = ..., location: _Optional[_Union[Position, _Mapping]] = ...) -> None: ...

class Household(_message.Message):
    __slots__ = ("household_id", "compound_id", "grid_id", "address", "residents", "location", "head")
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    COMPOUND_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    RESIDENTS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    HEAD_FIELD_NUMBER: _ClassVar[int]
    household_id: str
    compound_id: str
    grid_id: str
    address: str
    residents: int
    location: Position
    head: Person
    def __init__(self, household_id: _Optional[str] = ..., compound_id: _Optional[str] = ..., grid_id: _Optional[str] = ..., address: _Optional[str] = ..., residents: _Optional[int] = ..., location: _Optional[_Union[Position, _Mapping]] = ..., head: _Optional[_Union[Person, _Mapping]] = ...) -> None: ...

class Landmark(_message.Message):
    __slots__ = ("landmark_id", "name", "grid_id", "address", "location")
    LANDMARK_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    landmark_id: str
    name: str
    grid_id: str
    address: str
    location: Position
    def __init__(self, landmark_id: _Optional[str] = ..., name: _Optional[str] = ..., grid_id: _Optional[str] = ..., address: _Optional[str] = ..., location: _Optional[_Union[Position, _Mapping]] = ...) -> None: ...

class PartyMember(_message.Message):
    __slots__ = ("member_id", "name", "phone", "grid_id", "category")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    name: str
    phone: str
    grid_id: str
    category: str
    def __init__(self, member_id: _Optional[str] = ..., name: _Optional[str] = ..., phone: _Optional[str] = ..., grid_id: _Optional[str] = ..., category: _Optional[str] = ...) -> None: ...

class Snapshot(_message.Message):
    __slots__ = ("version", "streets", "communities", "grids", "compounds", "landmarks", "households", "party_members")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STREETS_FIELD_NUMBER: _ClassVar[int]
    COMMUNITIES_FIELD_NUMBER: _ClassVar[int]
    GRIDS_FIELD_NUMBER: _ClassVar[int]
    COMPOUNDS_FIELD_NUMBER: _ClassVar[int]
    LANDMARKS_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLDS_FIELD_NUMBER: _ClassVar[int]
    PARTY_MEMBERS_FIELD_NUMBER: _ClassVar[int]
    version: ReferenceVersion
    streets: _containers.RepeatedCompositeFieldContainer[Street]
    communities: _containers.RepeatedCompositeFieldContainer[Community]
    grids: _containers.RepeatedCompositeFieldContainer[Grid]
    compounds: _containers.RepeatedCompositeFieldContainer[Compound]
    landmarks: _containers.RepeatedCompositeFieldContainer[Landmark]
    households: _containers.RepeatedCompositeFieldContainer[Household]
    party_members: _containers.RepeatedCompositeFieldContainer[PartyMember]
    def __init__(self, version: _Optional[_Union[ReferenceVersion, _Mapping]] = ..., streets: _Optional[_Iterable[_Union[Street, _Mapping]]] = ..., communities: _Optional[_Iterable[_Union[Community, _Mapping]]] = ..., grids: _Optional[_Iterable[_Union[Grid, _Mapping]]] = ..., compounds: _Optional[_Iterable[_Union[Compound, _Mapping]]] = ..., landmarks: _Optional[_Iterable[_Union[Landmark, _Mapping]]] = ..., households: _Optional[_Iterable[_Union[Household, _Mapping]]] = ..., party_members: _Optional[_Iterable[_Union[PartyMember, _Mapping]]] = ...) -> None: ...

class ExportRequest(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: str
    def __init__(self, version: _Optional[str] = ...) -> None: ...

class ExportChunk(_message.Message):
    __slots__ = ("data",)
    DATA_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    def __init__(self, data: _Optional[bytes] = ...) -> None: ...
