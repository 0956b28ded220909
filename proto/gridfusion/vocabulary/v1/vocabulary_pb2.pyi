from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor

class Department(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DEPARTMENT_UNSPECIFIED: _ClassVar[Department]
    DEPARTMENT_COMPREHENSIVE_GOVERNANCE: _ClassVar[Department]
    DEPARTMENT_PETITION: _ClassVar[Department]
    DEPARTMENT_LEGAL_AID: _ClassVar[Department]
    DEPARTMENT_POLICE_ASSISTANT: _ClassVar[Department]
    DEPARTMENT_CIVIL_AFFAIRS: _ClassVar[Department]

class Family(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FAMILY_UNSPECIFIED: _ClassVar[Family]
    FAMILY_DISPUTE: _ClassVar[Family]
    FAMILY_SAFETY_HAZARD: _ClassVar[Family]
    FAMILY_PUBLIC_ORDER: _ClassVar[Family]
    FAMILY_LIVELIHOOD: _ClassVar[Family]
    FAMILY_LEGAL_SERVICE: _ClassVar[Family]
    FAMILY_ENVIRONMENT: _ClassVar[Family]
    FAMILY_SPECIAL_POPULATION: _ClassVar[Family]
    FAMILY_PROPERTY_MANAGEMENT: _ClassVar[Family]
    FAMILY_OTHER: _ClassVar[Family]

class Category(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CATEGORY_UNSPECIFIED: _ClassVar[Category]
    CATEGORY_DISPUTE_NEIGHBOR: _ClassVar[Category]
    CATEGORY_DISPUTE_FAMILY: _ClassVar[Category]
    CATEGORY_DISPUTE_PROPERTY: _ClassVar[Category]
    CATEGORY_DISPUTE_WAGE_ARREARS: _ClassVar[Category]
    CATEGORY_DISPUTE_LAND: _ClassVar[Category]
    CATEGORY_SAFETY_HAZARD_FIRE: _ClassVar[Category]
    CATEGORY_SAFETY_HAZARD_BUILDING: _ClassVar[Category]
    CATEGORY_SAFETY_HAZARD_GAS: _ClassVar[Category]
    CATEGORY_SAFETY_HAZARD_TRAFFIC: _ClassVar[Category]
    CATEGORY_SAFETY_HAZARD_FLOOD: _ClassVar[Category]
    CATEGORY_PUBLIC_ORDER_THEFT: _ClassVar[Category]
    CATEGORY_PUBLIC_ORDER_FRAUD: _ClassVar[Category]
    CATEGORY_PUBLIC_ORDER_FIGHTING: _ClassVar[Category]
    CATEGORY_PUBLIC_ORDER_GANG_LEAD: _ClassVar[Category]
    CATEGORY_LIVELIHOOD_SUBSISTENCE_ALLOWANCE: _ClassVar[Category]
    CATEGORY_LIVELIHOOD_ELDERLY_CARE: _ClassVar[Category]
    CATEGORY_LIVELIHOOD_DISABILITY: _ClassVar[Category]
    CATEGORY_LIVELIHOOD_MEDICAL: _ClassVar[Category]
    CATEGORY_LIVELIHOOD_EMPLOYMENT: _ClassVar[Category]
    CATEGORY_LEGAL_SERVICE_CONSULTATION: _ClassVar[Category]
    CATEGORY_LEGAL_SERVICE_AID_APPLICATION: _ClassVar[Category]
    CATEGORY_ENVIRONMENT_GARBAGE: _ClassVar[Category]
    CATEGORY_ENVIRONMENT_SEWAGE: _ClassVar[Category]
    CATEGORY_ENVIRONMENT_NOISE: _ClassVar[Category]
    CATEGORY_SPECIAL_POPULATION_COMMUNITY_CORRECTION: _ClassVar[Category]
    CATEGORY_SPECIAL_POPULATION_DRUG_REHAB: _ClassVar[Category]
    CATEGORY_SPECIAL_POPULATION_MENTAL_HEALTH: _ClassVar[Category]
    CATEGORY_PROPERTY_MANAGEMENT_SERVICE_QUALITY: _ClassVar[Category]
    CATEGORY_PROPERTY_MANAGEMENT_OWNERS_COMMITTEE: _ClassVar[Category]
    CATEGORY_OTHER_GENERAL: _ClassVar[Category]

class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROLE_UNSPECIFIED: _ClassVar[Role]
    ROLE_COUNTY: _ClassVar[Role]
    ROLE_STREET: _ClassVar[Role]
    ROLE_COMMUNITY: _ClassVar[Role]
    ROLE_SECRETARY: _ClassVar[Role]
    ROLE_WORKER: _ClassVar[Role]
    ROLE_MEMBER: _ClassVar[Role]
    ROLE_RESIDENT: _ClassVar[Role]
    ROLE_DEPARTMENT: _ClassVar[Role]

class CaseStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CASE_STATUS_UNSPECIFIED: _ClassVar[CaseStatus]
    CASE_STATUS_REPORTED: _ClassVar[CaseStatus]
    CASE_STATUS_ACCEPTED: _ClassVar[CaseStatus]
    CASE_STATUS_ESCALATED: _ClassVar[CaseStatus]
    CASE_STATUS_ASSESSED: _ClassVar[CaseStatus]
    CASE_STATUS_HANDED_OVER: _ClassVar[CaseStatus]
    CASE_STATUS_RESULT_REPORTED: _ClassVar[CaseStatus]
    CASE_STATUS_RESOLVED: _ClassVar[CaseStatus]
    CASE_STATUS_CLOSED: _ClassVar[CaseStatus]
    CASE_STATUS_REOPENED: _ClassVar[CaseStatus]
    CASE_STATUS_MERGED: _ClassVar[CaseStatus]

class Level(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LEVEL_UNSPECIFIED: _ClassVar[Level]
    LEVEL_GRID: _ClassVar[Level]
    LEVEL_COMMUNITY: _ClassVar[Level]
    LEVEL_STREET: _ClassVar[Level]
    LEVEL_DEPARTMENT: _ClassVar[Level]

class Action(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTION_UNSPECIFIED: _ClassVar[Action]
    ACTION_ACCEPT: _ClassVar[Action]
    ACTION_RESOLVE_ON_SITE: _ClassVar[Action]
    ACTION_ESCALATE: _ClassVar[Action]
    ACTION_ASSESS: _ClassVar[Action]
    ACTION_HAND_OVER: _ClassVar[Action]
    ACTION_REPORT_RESULT: _ClassVar[Action]
    ACTION_CLOSE: _ClassVar[Action]
    ACTION_FEEDBACK: _ClassVar[Action]
    ACTION_REOPEN: _ClassVar[Action]
    ACTION_MERGE: _ClassVar[Action]
    ACTION_SPLIT: _ClassVar[Action]
    ACTION_RATE: _ClassVar[Action]

class Satisfaction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SATISFACTION_UNSPECIFIED: _ClassVar[Satisfaction]
    SATISFACTION_SATISFIED: _ClassVar[Satisfaction]
    SATISFACTION_BASICALLY_SATISFIED: _ClassVar[Satisfaction]
    SATISFACTION_UNSATISFIED: _ClassVar[Satisfaction]

class MemberCategory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEMBER_CATEGORY_UNSPECIFIED: _ClassVar[MemberCategory]
    MEMBER_CATEGORY_IN_WORK: _ClassVar[MemberCategory]
    MEMBER_CATEGORY_RETIRED: _ClassVar[MemberCategory]
    MEMBER_CATEGORY_MOBILE: _ClassVar[MemberCategory]

class ServicePost(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SERVICE_POST_UNSPECIFIED: _ClassVar[ServicePost]
    SERVICE_POST_POLICY_PUBLICITY: _ClassVar[ServicePost]
    SERVICE_POST_DISPUTE_MEDIATION: _ClassVar[ServicePost]
    SERVICE_POST_SAFETY_PATROL: _ClassVar[ServicePost]
    SERVICE_POST_ENVIRONMENT: _ClassVar[ServicePost]
    SERVICE_POST_ELDERLY_CARE: _ClassVar[ServicePost]
    SERVICE_POST_CIVILITY: _ClassVar[ServicePost]
    SERVICE_POST_VOLUNTEER_SERVICE: _ClassVar[ServicePost]

class RiskLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RISK_LEVEL_UNSPECIFIED: _ClassVar[RiskLevel]
    RISK_LEVEL_LOW: _ClassVar[RiskLevel]
    RISK_LEVEL_MEDIUM: _ClassVar[RiskLevel]
    RISK_LEVEL_HIGH: _ClassVar[RiskLevel]
    RISK_LEVEL_CRITICAL: _ClassVar[RiskLevel]

class OrderStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORDER_STATUS_UNSPECIFIED: _ClassVar[OrderStatus]
    ORDER_STATUS_PLACED: _ClassVar[OrderStatus]
    ORDER_STATUS_DISPATCHED: _ClassVar[OrderStatus]
    ORDER_STATUS_TAKEN: _ClassVar[OrderStatus]
    ORDER_STATUS_COMPLETED: _ClassVar[OrderStatus]
    ORDER_STATUS_RATED: _ClassVar[OrderStatus]
    ORDER_STATUS_CANCELLED: _ClassVar[OrderStatus]
DEPARTMENT_UNSPECIFIED: Department
DEPARTMENT_COMPREHENSIVE_GOVERNANCE: Department
DEPARTMENT_PETITION: Department
DEPARTMENT_LEGAL_AID: Department
DEPARTMENT_POLICE_ASSISTANT: Department
DEPARTMENT_CIVIL_AFFAIRS: Department
FAMILY_UNSPECIFIED: Family
FAMILY_DISPUTE: Family
FAMILY_SAFETY_HAZARD: Family
FAMILY_PUBLIC_ORDER: Family
FAMILY_LIVELIHOOD: Family
FAMILY_LEGAL_SERVICE: Family
FAMILY_ENVIRONMENT: Family
FAMILY_SPECIAL_POPULATION: Family
FAMILY_PROPERTY_MANAGEMENT: Family
FAMILY_OTHER: Family
CATEGORY_UNSPECIFIED: Category
CATEGORY_DISPUTE_NEIGHBOR: Category
CATEGORY_DISPUTE_FAMILY: Category
CATEGORY_DISPUTE_PROPERTY: Category
CATEGORY_DISPUTE_WAGE_ARREARS: Category
CATEGORY_DISPUTE_LAND: Category
CATEGORY_SAFETY_HAZARD_FIRE: Category
CATEGORY_SAFETY_HAZARD_BUILDING: Category
CATEGORY_SAFETY_HAZARD_GAS: Category
CATEGORY_SAFETY_HAZARD_TRAFFIC: Category
CATEGORY_SAFETY_HAZARD_FLOOD: Category
CATEGORY_PUBLIC_ORDER_THEFT: Category
CATEGORY_PUBLIC_ORDER_FRAUD: Category
CATEGORY_PUBLIC_ORDER_FIGHTING: Category
CATEGORY_PUBLIC_ORDER_GANG_LEAD: Category
CATEGORY_LIVELIHOOD_SUBSISTENCE_ALLOWANCE: Category
CATEGORY_LIVELIHOOD_ELDERLY_CARE: Category
CATEGORY_LIVELIHOOD_DISABILITY: Category
CATEGORY_LIVELIHOOD_MEDICAL: Category
CATEGORY_LIVELIHOOD_EMPLOYMENT: Category
CATEGORY_LEGAL_SERVICE_CONSULTATION: Category
CATEGORY_LEGAL_SERVICE_AID_APPLICATION: Category
CATEGORY_ENVIRONMENT_GARBAGE: Category
CATEGORY_ENVIRONMENT_SEWAGE: Category
CATEGORY_ENVIRONMENT_NOISE: Category
CATEGORY_SPECIAL_POPULATION_COMMUNITY_CORRECTION: Category
CATEGORY_SPECIAL_POPULATION_DRUG_REHAB: Category
CATEGORY_SPECIAL_POPULATION_MENTAL_HEALTH: Category
CATEGORY_PROPERTY_MANAGEMENT_SERVICE_QUALITY: Category
CATEGORY_PROPERTY_MANAGEMENT_OWNERS_COMMITTEE: Category
CATEGORY_OTHER_GENERAL: Category
ROLE_UNSPECIFIED: Role
ROLE_COUNTY: Role
ROLE_STREET: Role
ROLE_COMMUNITY: Role
ROLE_SECRETARY: Role
ROLE_WORKER: Role
ROLE_MEMBER: Role
ROLE_RESIDENT: Role
ROLE_DEPARTMENT: Role
CASE_STATUS_UNSPECIFIED: CaseStatus
CASE_STATUS_REPORTED: CaseStatus
CASE_STATUS_ACCEPTED: CaseStatus
CASE_STATUS_ESCALATED: CaseStatus
CASE_STATUS_ASSESSED: CaseStatus
CASE_STATUS_HANDED_OVER: CaseStatus
CASE_STATUS_RESULT_REPORTED: CaseStatus
CASE_STATUS_RESOLVED: CaseStatus
CASE_STATUS_CLOSED: CaseStatus
CASE_STATUS_REOPENED: CaseStatus
CASE_STATUS_MERGED: CaseStatus
LEVEL_UNSPECIFIED: Level
LEVEL_GRID: Level
LEVEL_COMMUNITY: Level
LEVEL_STREET: Level
LEVEL_DEPARTMENT: Level
ACTION_UNSPECIFIED: Action
ACTION_ACCEPT: Action
ACTION_RESOLVE_ON_SITE: Action
ACTION_ESCALATE: Action
ACTION_ASSESS: Action
ACTION_HAND_OVER: Action
ACTION_REPORT_RESULT: Action
ACTION_CLOSE: Action
ACTION_FEEDBACK: Action
ACTION_REOPEN: Action
ACTION_MERGE: Action
ACTION_SPLIT: Action
ACTION_RATE: Action
SATISFACTION_UNSPECIFIED: Satisfaction
SATISFACTION_SATISFIED: Satisfaction
SATISFACTION_BASICALLY_SATISFIED: Satisfaction
SATISFACTION_UNSATISFIED: Satisfaction
MEMBER_CATEGORY_UNSPECIFIED: MemberCategory
MEMBER_CATEGORY_IN_WORK: MemberCategory
MEMBER_CATEGORY_RETIRED: MemberCategory
MEMBER_CATEGORY_MOBILE: MemberCategory
SERVICE_POST_UNSPECIFIED: ServicePost
SERVICE_POST_POLICY_PUBLICITY: ServicePost
SERVICE_POST_DISPUTE_MEDIATION: ServicePost
SERVICE_POST_SAFETY_PATROL: ServicePost
SERVICE_POST_ENVIRONMENT: ServicePost
SERVICE_POST_ELDERLY_CARE: ServicePost
SERVICE_POST_CIVILITY: ServicePost
SERVICE_POST_VOLUNTEER_SERVICE: ServicePost
RISK_LEVEL_UNSPECIFIED: RiskLevel
RISK_LEVEL_LOW: RiskLevel
RISK_LEVEL_MEDIUM: RiskLevel
RISK_LEVEL_HIGH: RiskLevel
RISK_LEVEL_CRITICAL: RiskLevel
ORDER_STATUS_UNSPECIFIED: OrderStatus
ORDER_STATUS_PLACED: OrderStatus
ORDER_STATUS_DISPATCHED: OrderStatus
ORDER_STATUS_TAKEN: OrderStatus
ORDER_STATUS_COMPLETED: OrderStatus
ORDER_STATUS_RATED: OrderStatus
ORDER_STATUS_CANCELLED: OrderStatus
CODE_FIELD_NUMBER: _ClassVar[int]
code: _descriptor.FieldDescriptor
LABEL_FIELD_NUMBER: _ClassVar[int]
label: _descriptor.FieldDescriptor
LABEL_EN_FIELD_NUMBER: _ClassVar[int]
label_en: _descriptor.FieldDescriptor
