"""Response schemas of the v1 contract, so /docs shows what the endpoints really return."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from gridfusion.departments.v1 import departments_pb2
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from services.platform.telemetry import trace_id_of
from services.platform.vocabulary import DEPARTMENTS, ID_MAX, MEMBER_CATEGORIES, SERVICE_POSTS


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds the access token lives (at most 1,800)")
    refresh_token: str = Field(description="for POST /v1/auth/refresh; replaced at every use")
    must_change_password: bool = Field(description="true after a one-time password: only POST /v1/auth/password, "
                                                   "GET /v1/auth/me and POST /v1/auth/logout answer until it is changed")


class Accepted(BaseModel):
    event_id: str
    status: Literal["accepted", "duplicate"]


class BatchItem(BaseModel):
    index: int
    event_id: str | None
    status: Literal["accepted", "duplicate", "invalid"]
    errors: list[dict[str, Any]] = Field(default_factory=list)


class BatchResult(BaseModel):
    results: list[BatchItem]
    accepted: int
    duplicate: int
    invalid: int


class EventStatus(BaseModel):
    event_id: str
    status: Literal["pending", "fused", "dead_lettered"]
    case_id: str | None = None
    grid_id: str | None = None
    reason: str | None = None
    department: str | None = None
    category: str | None = None
    fused_at: str | None = None
    trace_id: str | None = Field(None, description="The trace in which the department service accepted the event "
                                                   "(32 hex digits): find it, and what fusion did with the event, "
                                                   "in the tracing backend")

    @classmethod
    def of_fused(cls, fused: Any, iso: Any) -> EventStatus:
        """The status of what fusion knows of an event (``fusion.v1.FusedEvent``); ``iso`` writes its time."""
        return cls(
            event_id=fused.event_id, status=fused.status, case_id=fused.case_id or None,
            grid_id=fused.grid_id or None, reason=fused.reason or None, department=fused.department or None,
            category=fused.category or None, fused_at=iso(fused.fused_at),
            trace_id=trace_id_of(fused.event.traceparent) or None,
        )


class PossibleDuplicate(BaseModel):
    case_id: str
    score: float = Field(description="How alike the best-matching pair of their events is")
    reasons: list[str] = Field(description='Why, e.g. "42 m apart", "3 h apart", "same subject"')


class Case(BaseModel):
    case_id: str
    grid_id: str
    community_id: str
    street_id: str
    category: str
    status: str
    level: Literal["grid", "community", "street", "department"]
    departments: list[str]
    event_ids: list[str] = Field(description="Each event of the case as `<department>:<event_id>` (an event id is unique "
                                             "within its department only), in the order they joined")
    summary: str
    severity: str | None
    subject_id: str | None
    risk_level: str | None
    handed_to: str | None
    linked_case_id: str | None
    rating: int | None = Field(None, description="The rating staff recorded on a return visit (feedback), 1 to 5")
    satisfaction: str | None = Field(None, description="The reporting resident's own rating of this closure "
                                                       "(POST /v1/cases/{case_id}/rating): satisfied 满意, "
                                                       "basically_satisfied 基本满意, unsatisfied 不满意")
    opened_at: str | None
    due_at: str | None
    closed_at: str | None
    updated_at: str | None
    # The department's handling result once reported; whether the deadline passed with no level
    # above to escalate to (督办); the change counter (case-change messages carry `<case_id>.v<version>`).
    result: str | None = None
    overdue: bool = False
    version: int | None = None
    possible_duplicates: list[PossibleDuplicate] = Field(
        default_factory=list, description="Open cases of the same grid that may be the same incident, best first "
                                          "(merge one into the other with the action `merge`)")
    merged_into: str | None = Field(None, description="Status `merged`: the case this one was merged into, which "
                                                      "carries its events, hand-overs and deadline on")
    merged_from: list[str] = Field(default_factory=list, description="The cases merged into this one")
    split_from: str | None = Field(None, description="The case this one's events were split from")
    compound_id: str | None = Field(None, description="The residential compound (小区) the case lies in, when one could "
                                                      "be told as it opened; null when unknown (and for cases opened "
                                                      "before cases knew their compound)")


class CasePage(BaseModel):
    items: list[Case]
    total: int | None = Field(description="Matching cases: exact with count=true and whenever every match is in "
                                          "the gateway's memory; otherwise at least this many (see total_exact: "
                                          "the matching cases in memory, or counted up to 10,000); not counted "
                                          "(null) with count=false and on a cursor's page")
    total_exact: bool = Field(description="Whether total is every match (false: at least this many, or not counted)")
    page: int
    page_size: int
    next_cursor: str | None = Field(None, description="Pass as cursor for the next page; null on the last")


class TimelineEntry(BaseModel):
    at: str | None
    action: str
    actor: str
    role: str
    from_status: str | None
    to_status: str | None
    level: str | None
    note: str | None
    event_id: str | None
    # What the step carried: the level it left, the department (reported by, or handed to),
    # the judged risk, the resident's rating, the handling result (deadline moves: actor `fusion:deadline`, role `system`).
    from_level: str | None = None
    department: str | None = None
    risk_level: str | None = None
    rating: int | None = None
    result: str | None = None
    # rate: the reporting resident's satisfaction and how it came (account | link).
    satisfaction: str | None = None
    channel: str | None = None
    # Merge and split: the other case (merged into or from, split to or from); for an entry of a
    # case merged into this one, that case (written there); the events a split moved.
    other_case_id: str | None = None
    origin_case_id: str | None = None
    event_ids: list[str] | None = None
    # A report that joined the case (`correlated`): how alike it was and why (see the README's
    # "Correlation": "11 m apart", "same matter: 停车", ...).
    score: float | None = None
    reasons: list[str] | None = None
    # The opening entry of a property-management case of a compound: whom it was routed to (红色物业).
    routed_to: str | None = None


class PropertyRoute(BaseModel):
    """红色物业: where a property-management case of a compound goes beside its branch."""

    compound_id: str
    compound_name: str
    actors: list[CoGovernanceActor] = Field(description="The compound's property companies, then its owners' "
                                                        "committees, as the co-governance register holds them now "
                                                        "(contacts masked as /v1/co-governance/organisations masks them)")


class Position(BaseModel):
    lon: float
    lat: float


class Attachment(BaseModel):
    """A photo or document (附件) of a case or of one of its events; its bytes at `url`."""

    attachment_id: str
    case_id: str | None = Field(description="The case it was sent to (null: sent with the event named)")
    department: str | None = None
    event_id: str | None = None
    filename: str
    content_type: Literal["image/jpeg", "image/png", "image/webp", "application/pdf"]
    size: int = Field(description="bytes, as served (an image re-encoded without its metadata)")
    purpose: Literal["evidence", "rectification", "document"] = Field(
        description="evidence (现场照片), rectification (整改照片: proof before closing), document (材料)")
    note: str | None
    uploaded_by: str
    role: str
    uploaded_at: str | None
    width: int | None = None
    height: int | None = None
    url: str
    thumbnail_url: str | None = Field(description="A JPEG of at most 320 px (images only)")
    position: Position | None = Field(None, description="Where the photo was taken (its EXIF GPS, WGS84): for the "
                                                        "county, street, community and the grid's own staff only")
    taken_at: str | None = Field(None, description="When the photo was taken (EXIF): as `position`")
    location_withheld: bool = Field(False, description="The photo carried a position or time this caller is not given")
    sha256: str


class CaseDetail(Case):
    events: list[dict[str, Any]] = Field(description="The case's events in `event_ids` order, each with its `department` "
                                                     "and `event_id`")
    attachments: list[Attachment] = Field(default_factory=list, description="Photos and documents of the case and its "
                                                                            "events, oldest first (metadata; bytes at `url`)")
    timeline: list[TimelineEntry]
    allowed_actions: list[str] = Field(
        default_factory=list, description="The actions the caller may take on the case now (closed-loop table, role, scope)"
    )
    property_route: PropertyRoute | None = Field(
        None, description="A property-management case (物业管理) whose compound is known: the compound's property "
                          "company and owners' committee (红色物业)")


class Located(BaseModel):
    grid_id: str
    grid_name: str
    community_id: str
    street_id: str
    method: str
    confidence: float


class HouseholdPage(BaseModel):
    items: list[Household]
    total: int
    page: int
    page_size: int
    next_cursor: str | None = Field(None, description="Pass as cursor for the next page; null on the last")


class CountedPage(BaseModel):
    """A page of a list that may grow without bound: counted as the request's ``count`` asks,
    with the cursor of the next page (keyset paging)."""

    total: int | None = Field(description="Matches: exact with count=true; otherwise counted up to 10,000 "
                                          "(see total_exact), and not counted (null) on a cursor's page or with count=false")
    total_exact: bool = Field(description="Whether total is every match")
    page: int
    page_size: int
    next_cursor: str | None = Field(None, description="Pass as cursor for the next page; null on the last")


MemberCategory = Literal[MEMBER_CATEGORIES]
ServicePost = Literal[tuple(SERVICE_POSTS)]


class PartyMemberIn(BaseModel):
    """A party member in work registering to the grid where they live (在职党员到网格报到)."""

    name: str = Field(min_length=1, max_length=64)
    phone: str = Field(min_length=5, max_length=20, pattern=r"^[0-9+\- ]+$")
    workplace: str = Field(min_length=1, max_length=200, description="The unit where the member works")
    skills: list[str] = Field(default_factory=list, max_length=20)
    category: MemberCategory = Field("in_work", description="在职 in_work, 离退休 retired, 流动 mobile")
    service_post: ServicePost | None = Field(None, description="The post taken on (设岗定责): " + "; ".join(
        f"{k} {v}" for k, v in SERVICE_POSTS.items()))
    group_id: str | None = Field(None, max_length=80, description="A party group (楼院党小组) of the grid: its org_id "
                                                                  "in /v1/party/organisations")
    register_id: str | None = Field(None, max_length=64, description="The member's number on the county's register "
                                                                     "(党员编号, /v1/party-members/register)")


class PartyMemberChange(BaseModel):
    """What the grid's staff set for a registered member; fields left out stay."""

    model_config = ConfigDict(extra="forbid")

    service_post: ServicePost | Literal[""] | None = Field(None, description="设岗定责; \"\" clears it")
    group_id: str | None = Field(None, max_length=80, description="A party group of the member's grid; \"\" clears it")


class PartyMember(BaseModel):
    member_id: str
    name: str
    phone: str
    workplace: str
    grid_id: str
    community_id: str
    street_id: str
    registered_at: str | None
    service_hours: float
    orders_completed: int
    skills: list[str]
    category: str = Field(description="in_work | retired | mobile")
    group_id: str | None
    service_post: str | None = Field(description="设岗定责")
    volunteer_teams: list[str]
    activity_hours: float = Field(description="Hours of the held activities the member attended")
    register_id: str | None
    group_name: str | None = Field(description="The party group's name (楼院党小组)")


class RegisterEntry(BaseModel):
    member_id: str = Field(description="党员编号")
    name: str
    phone: str
    grid_id: str
    community_id: str
    street_id: str
    category: str = Field(description="in_work 在职 | retired 离退休 | mobile 流动")
    group_id: str | None
    registered_as: str | None = Field(description="The account whose registration (报到) names this member")


class RegisterPage(BaseModel):
    items: list[RegisterEntry]
    total: int
    by_category: dict[str, int] = Field(description="The area's members by category")
    page: int
    page_size: int


class VolunteerTeamIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    description: str = Field("", max_length=1000)
    street_id: str | None = Field(None, max_length=64)
    community_id: str | None = Field(None, max_length=64)
    grid_id: str | None = Field(None, max_length=64, description="The team's area; none: the caller's own")


class VolunteerTeam(BaseModel):
    team_id: str
    name: str
    description: str
    street_id: str | None
    community_id: str | None
    grid_id: str | None
    members: list[str] = Field(description="Who joined (account names); a party member sees only itself")
    member_count: int
    created_by: str
    created_at: str | None


class VolunteerTeams(BaseModel):
    items: list[VolunteerTeam]
    total: int


class PartyMemberPage(CountedPage):
    items: list[PartyMember]


OrderKind = Literal["elderly_care", "repair", "errand", "health", "legal", "tutoring", "other"]


class ServiceOrderIn(BaseModel):
    """A resident's order (居民点单)."""

    id: str | None = Field(None, min_length=1, max_length=128, description="Optional stable id; the same id is one order")
    kind: OrderKind
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=4000)
    contact_name: str = Field(min_length=1, max_length=64)
    contact_phone: str = Field(min_length=5, max_length=20, pattern=r"^[0-9+\- ]+$")
    address: str = Field("", max_length=300)


class OrderActionIn(BaseModel):
    action: Literal["dispatch", "take", "complete", "rate", "cancel"]
    member_id: str | None = Field(None, description="dispatch: the registered party member to serve the order")
    hours: float | None = Field(None, gt=0, le=24, description="complete: hours of service")
    rating: int | None = Field(None, ge=1, le=5, description="rate: 1 to 5")
    note: str = Field("", max_length=500)


class OrderStep(BaseModel):
    at: str | None
    action: str
    actor: str
    role: str
    from_status: str | None
    to_status: str
    note: str | None


class ServiceOrder(BaseModel):
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
    status: Literal["placed", "dispatched", "taken", "completed", "rated", "cancelled"]
    member_id: str | None
    member_name: str | None
    hours: float
    rating: int | None
    placed_at: str | None
    updated_at: str | None
    completed_at: str | None
    steps: list[OrderStep]


class ServiceOrderPage(CountedPage):
    items: list[ServiceOrder]


class MemberHours(BaseModel):
    member_id: str
    name: str
    grid_id: str
    hours: float
    orders_completed: int
    activity_hours: float = Field(description="Hours of held activities attended")


class GridHours(BaseModel):
    grid_id: str
    hours: float
    orders_completed: int
    members: int
    activity_hours: float


class ServiceHours(BaseModel):
    members: list[MemberHours]
    grids: list[GridHours]


class AuditEntry(BaseModel):
    audit_id: str
    who: str
    role: str
    what: str
    why: str
    at: str | None
    grid_id: str | None
    records: int


class AuditPage(CountedPage):
    items: list[AuditEntry]


class EventCount(BaseModel):
    department: str
    family: str
    events: int


class GridRank(BaseModel):
    rank: int
    grid_id: str
    name: str
    events: int
    cases_opened: int
    cases_closed: int
    open_cases: int
    overdue: int
    escalated: int
    closure_rate: float | None
    orders_completed: int
    service_hours: float
    patrol_hours: float | None
    score: float


class ServiceCircle(BaseModel):
    households: int
    outside: int = Field(description="Households farther than 1 km on foot from every party-mass service station")
    coverage: float


class WeeklyReport(BaseModel):
    week: str
    scope: str
    start: str
    end: str
    events_total: int
    events: list[EventCount]
    events_by_department: dict[str, int]
    events_by_family: dict[str, int]
    cases_opened: int
    cases_closed: int
    open_cases: int
    closure_rate: float | None = Field(description="cases closed in the week / (closed + still open at its end)")
    overdue: int
    escalated: int
    median_close_hours: float | None
    orders_completed: int
    service_hours: float
    patrol_hours: float | None = Field(description="grid workers' patrol hours inside their grids; null if unavailable")
    patrol_days_under_minimum: int | None
    service_circle: ServiceCircle | None = Field(description="The scope's households and those outside the "
                                                             "one-kilometre service circle (一公里服务圈); null if "
                                                             "unavailable")
    grids: list[GridRank]


class Household(BaseModel):
    household_id: str
    compound_id: str
    address: str
    residents: int
    head_name: str = Field(description="masked (张**) unless the grid's own secretary or worker asks")
    head_phone: str = Field(description="masked (138****5678) unless the grid's own staff asks")
    head_id_number: str = Field(description="masked (370921********1234) unless the grid's own staff asks")


class GridProperties(BaseModel):
    grid_id: str
    name: str
    type: Literal["unit", "compound", "street_lane"]
    community_id: str
    community_name: str
    street_id: str
    street_name: str
    households: int
    residents: int
    party_members: int


class Polygon(BaseModel):
    type: Literal["Polygon"] = "Polygon"
    coordinates: list[list[tuple[float, float]]] = Field(description="[[[lon, lat], ...]]: the outer ring, closed, WGS84")


class MultiPolygon(BaseModel):
    type: Literal["MultiPolygon"] = "MultiPolygon"
    coordinates: list[list[list[list[float]]]] = Field(description="polygons, each its outer ring then its holes")


class GridFeature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: str
    geometry: Polygon | MultiPolygon = Field(discriminator="type")
    properties: GridProperties


class GridCollection(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    reference_version: str = Field("", description="the reference version the grids belong to")
    features: list[GridFeature]


Role = Literal["county", "street", "community", "secretary", "worker", "member", "resident", "department"]


class StrictModel(BaseModel):
    model_config = {"extra": "forbid"}


class ScopeIn(StrictModel):
    street_id: str | None = Field(None, max_length=64)
    community_id: str | None = Field(None, max_length=64)
    grid_id: str | None = Field(None, max_length=64)
    department: str | None = Field(None, max_length=64)


WORKER_ID = ("worker accounts only: the grid worker (网格员) this account is, by its person id in the reference data "
             "(one of its grid's workers); its patrol tracks are uploaded under this id only")


class AccountIn(StrictModel):
    username: str = Field(min_length=2, max_length=64, description="lower-case letters, digits and . _ @ -")
    role: Role
    scope: ScopeIn = Field(default_factory=ScopeIn, description="the place the role needs: street_id (street), "
                           "community_id (community), grid_id (secretary, worker, member, resident), department "
                           "(department), none (county); the rest is filled in from the reference data")
    display_name: str | None = Field(None, max_length=100)
    password: str | None = Field(None, max_length=128, description="omit to get a one-time password that must be "
                                                                   "changed at first sign-in")
    worker_id: str | None = Field(None, max_length=128, description=WORKER_ID)


class AccountPatch(StrictModel):
    role: Role | None = None
    scope: ScopeIn | None = None
    display_name: str | None = Field(None, max_length=100)
    disabled: bool | None = None
    worker_id: str | None = Field(None, max_length=128, description=WORKER_ID + "; \"\" clears it")


class ScopeOut(BaseModel):
    street_id: str | None = None
    community_id: str | None = None
    grid_id: str | None = None
    department: str | None = None


class AccountOut(BaseModel):
    username: str
    display_name: str
    role: Role
    role_label: str
    scope: ScopeOut
    disabled: bool
    must_change_password: bool
    source: Literal["password", "oidc"]
    created_at: str
    created_by: str
    changed_at: str
    changed_by: str
    last_login_at: str | None
    worker_id: str | None = Field(None, description="worker accounts: the grid worker this account is")
    one_time_password: str | None = Field(None, description="only in the answer that set it; shown once")


class AccountPage(BaseModel):
    items: list[AccountOut]
    total: int
    page: int
    page_size: int


class RefreshIn(StrictModel):
    refresh_token: str = Field(min_length=1, max_length=200)


class LogoutIn(StrictModel):
    refresh_token: str | None = Field(None, max_length=200)


class PasswordChange(StrictModel):
    old_password: str = Field(min_length=1, max_length=128)
    new_password: str = Field(min_length=1, max_length=128)


class Me(BaseModel):
    username: str
    display_name: str
    role: Role
    role_label: str
    scope: ScopeOut
    must_change_password: bool
    source: Literal["password", "oidc"]
    last_login_at: str | None


class ReferenceCounts(BaseModel):
    streets: int
    communities: int
    grids: int
    compounds: int
    households: int
    residents: int
    party_members: int


class ReferenceVersion(BaseModel):
    version: str
    source: str
    created_at: str | None
    created_by: str
    counts: ReferenceCounts
    current: bool
    activated_at: str | None
    activated_by: str | None
    crs: str
    warnings: int


class ReferenceVersions(BaseModel):
    items: list[ReferenceVersion]


class ImportProblem(BaseModel):
    severity: Literal["error", "warning"]
    code: str
    message: str
    file: str | None
    row: int | None
    ids: list[str]


class ImportReport(BaseModel):
    applied: bool
    version: str | None = Field(None, description="the new version, when applied")
    errors: int
    warnings: int
    crs: str
    counts: ReferenceCounts
    problems: list[ImportProblem]


class PatrolPointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    time: AwareDatetime = Field(description="When the fix was taken, ISO 8601 with offset")
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)


class PatrolLogIn(BaseModel):
    """A grid worker's patrol track as the grid app uploads it; the same ``log_id`` is one log."""

    model_config = ConfigDict(extra="forbid")

    log_id: str = Field(min_length=1, max_length=ID_MAX)
    worker_id: str = Field(min_length=1, max_length=ID_MAX, description="The grid worker's person id")
    points: list[PatrolPointIn] = Field(min_length=2, max_length=20000, description="Fixes of the track")
    note: str = Field("", max_length=2000)

    def to_proto(self, grid_id: str = "") -> departments_pb2.PatrolLog:
        log = departments_pb2.PatrolLog(log_id=self.log_id, worker_id=self.worker_id, note=self.note, grid_id=grid_id)
        for p in self.points:
            point = log.points.add(lon=p.lon, lat=p.lat)
            point.time.FromDatetime(p.time)
        return log


class PartyPost(BaseModel):
    post: Literal["secretary", "deputy_secretary", "committee_member", "group_leader"] = Field(
        description="书记 secretary, 副书记 deputy secretary, 委员 committee member (committees and branches); "
                    "组长 group leader (a party group)")
    name: str = Field(min_length=1, max_length=50)
    phone: str = Field("", max_length=20, pattern=r"^[0-9+\- *]*$",
                       description="A number, or the masked one shown to keep the number held")
    member_id: str = Field("", max_length=64, description="The holder's party member id (党员编号), when known")


class PartyPostHeld(BaseModel):
    post: str
    name: str
    phone: str = Field(description="Masked unless the grid's own staff ask")
    member_id: str


class PartyPostsIn(BaseModel):
    posts: list[PartyPost] = Field(max_length=30, description="Every post of the organisation: the list replaces "
                                                              "the one held; empty leaves them vacant")


class PartyGroupIn(BaseModel):
    parent_id: str = Field(min_length=1, max_length=100, description="The branch (branch-<grid_id>)")
    name: str = Field(min_length=1, max_length=100, description="e.g. 3号楼党小组")
    compound_id: str = Field("", max_length=100)


class PartyOrganisation(BaseModel):
    org_id: str
    level: Literal["street_committee", "community_committee", "branch", "party_group"] = Field(
        description="街道大工委 | 社区大党委 | 网格党支部 | 楼院党小组")
    name: str
    parent_id: str | None
    street_id: str
    community_id: str | None
    grid_id: str | None
    compound_id: str | None
    party_members: int = Field(description="Party members of the branch's grid; 0 for the other levels")
    posts: list[PartyPostHeld]
    source: Literal["reference", "maintained"]
    updated_by: str | None
    updated_at: str | None


class PartyOrganisations(BaseModel):
    items: list[PartyOrganisation] = Field(description="Parents before their children: a tree by parent_id")
    total: int
    reference_version: str


class GridCadre(BaseModel):
    role: Literal["leader", "cadre"] = Field(description="leader: the deputy-section-level leader (副科级领导); "
                                                         "cadre: the agency cadre (机关干部)")
    name: str = Field(min_length=1, max_length=50)
    phone: str = Field("", max_length=20, pattern=r"^[0-9+\- *]*$",
                       description="A number, or the masked one shown to keep the number held")
    agency: str = Field("", max_length=50, description="The county agency the cadre comes from")


class GridCadreHeld(BaseModel):
    role: str
    name: str
    phone: str = Field(description="Masked unless the grid's own staff ask")
    agency: str


class GridContactsIn(BaseModel):
    cadres: list[GridCadre] = Field(max_length=10)
    paired_agencies: list[Annotated[str, Field(min_length=1, max_length=50)]] = Field(
        max_length=10, description="County agencies that contact the grid (机关联系网格)")


class GridContacts(BaseModel):
    grid_id: str
    cadres: list[GridCadreHeld] = Field(description="包管: the county cadres assigned to the grid")
    paired_agencies: list[str]
    source: Literal["reference", "maintained"]
    updated_by: str | None
    updated_at: str | None


CoGovernanceKind = Literal["owners_committee", "property_company", "resident_unit", "social_organisation"]


class NoticeRecipient(BaseModel):
    role: str = Field(description="leader 副科级领导 | cadre 机关干部")
    name: str
    phone: str
    message_id: str


class CadreNotice(BaseModel):
    notice_id: str
    case_id: str
    grid_id: str
    change: str = Field(description="escalated (its time limit passed: one level up) | overdue (督办 at the street or a "
                                    "department)")
    level: str = Field(description="The level whose time limit passed")
    category: str
    note: str
    status: str = Field(description="pending | sent | no_recipient (no cadre with a phone)")
    text: str | None = Field(description="The message sent")
    recipients: list[NoticeRecipient]
    created_at: str | None
    sent_at: str | None


class CadreNotices(BaseModel):
    items: list[CadreNotice]
    total: int


class CoGovernanceIn(BaseModel):
    kind: CoGovernanceKind = Field(description="业主委员会 | 物业 | 驻地单位 | 社会组织")
    name: str = Field(min_length=1, max_length=100)
    grid_id: str = Field(min_length=1, max_length=64)
    compound_id: str = Field("", max_length=64, description="Its compound, for an owners' committee or property company")
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=20, pattern=r"^[0-9+\- ]*$")


class CoGovernanceChange(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=100)
    contact_name: str = Field(max_length=50, description="A name, or the masked one shown, to keep the one held")
    contact_phone: str = Field("", max_length=20, pattern=r"^[0-9+\- *]*$",
                               description="A number, or the masked one shown to keep the number held")


class CoGovernanceActor(BaseModel):
    org_id: str
    kind: CoGovernanceKind
    name: str
    grid_id: str
    compound_id: str | None
    community_id: str
    street_id: str
    contact_name: str = Field(description="Masked unless the grid's own staff ask")
    contact_phone: str = Field(description="Masked unless the grid's own staff ask")
    source: Literal["reference", "maintained"]
    updated_by: str | None
    updated_at: str | None


class CoGovernancePage(BaseModel):
    items: list[CoGovernanceActor]
    total: int


class SixHaves(BaseModel):
    """六有: the items of a party-mass service station's checklist; those not given stay as held."""

    model_config = {"extra": "forbid"}
    site: bool | None = Field(None, description="有场所: a fixed place of its own")
    signage: bool | None = Field(None, description="有标识: its sign and name board")
    rules: bool | None = Field(None, description="有制度: its service rules on the wall")
    staff: bool | None = Field(None, description="有人员: people on duty")
    facilities: bool | None = Field(None, description="有设施: tables, chairs, books, first aid")
    activities: bool | None = Field(None, description="有活动: activities held there")


class ServiceStation(BaseModel):
    station_id: str
    name: str
    grid_id: str
    community_id: str
    street_id: str
    lon: float
    lat: float
    checklist: dict[str, bool] = Field(description="The six haves (六有), each ticked or not")
    complete: bool = Field(description="All six ticked")
    source: Literal["reference", "maintained"]
    updated_by: str | None
    updated_at: str | None


class ServiceStations(BaseModel):
    items: list[ServiceStation]
    total: int
    complete: int = Field(description="Stations with all six ticked")


class CircleGap(BaseModel):
    household_id: str
    grid_id: str
    community_id: str
    street_id: str
    address: str
    nearest_station_id: str
    walk_km: float = Field(description="The walk to the nearest station: straight line × detour")
    lon: float = Field(description="Where the household is, WGS84")
    lat: float


class CircleGapPage(BaseModel):
    items: list[CircleGap]
    total: int = Field(description="Households of the area outside the circle")
    households: int = Field(description="Households of the area")
    coverage: float = Field(description="Share of the area's households inside the circle, 0–1")
    circle_km: float
    detour: float
    page: int
    page_size: int


def _this_century(moment: datetime) -> datetime:
    if not 2000 <= moment.year <= 2099:
        raise ValueError("a time from 2000 to 2099")
    return moment


ActivityKind = Literal["consultation", "health_check", "safety_lesson", "legal_lecture", "clean_up", "cultural_event",
                       "dedication_day", "volunteer_day"]


class ActivityIn(BaseModel):
    grid_id: str = Field(min_length=1, max_length=64)
    kind: ActivityKind = Field(description="The six ones (六个一): 议事协商 consultation, 健康义诊 health_check, "
                                           "安全教育 safety_lesson, 法治讲座 legal_lecture, 环境整治 clean_up, "
                                           "文化活动 cultural_event; and 党员奉献日 dedication_day, 志愿服务日 "
                                           "volunteer_day")
    title: str = Field(min_length=1, max_length=200)
    starts_at: Annotated[AwareDatetime, AfterValidator(_this_century)] = Field(
        description="ISO 8601 with offset, from 2000 to 2099")
    hours: float = Field(gt=0, le=24)
    place: str = Field("", max_length=200)


class AttendanceIn(BaseModel):
    attended: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        max_length=500, description="The usernames of those who came (replaces any list recorded)")


class GridActivity(BaseModel):
    activity_id: str
    grid_id: str
    community_id: str
    street_id: str
    kind: ActivityKind
    title: str
    place: str
    starts_at: str
    hours: float
    status: Literal["planned", "held"]
    planned_by: str
    signed_up: list[str] = Field(description="Usernames; a party member or resident sees only its own")
    attended: list[str] = Field(description="Usernames; a party member or resident sees only its own")
    signed_up_count: int
    attended_count: int
    held_at: str | None


class ActivityList(BaseModel):
    items: list[GridActivity]
    total: int = Field(description="Every match, not just the page's")
    page: int
    page_size: int


class SixOnesOfGrid(BaseModel):
    grid_id: str
    held: list[str] = Field(description="Which of the six ones it held in the quarter")
    missing: list[str] = Field(description="Which it has not")


class SixOnesCoverage(BaseModel):
    quarter: str
    grids: list[SixOnesOfGrid]
    complete: int = Field(description="Grids that held all six")


class WeekSubmissionIn(BaseModel):
    week: str | None = Field(None, max_length=10, description="ISO week, e.g. 2026-W48; default: this week")
    text: str = Field(min_length=1, max_length=4000, description="The secretary's account of the week")


class WeeklySubmission(BaseModel):
    week: str
    grid_id: str
    community_id: str
    street_id: str
    text: str
    figures: dict[str, float] = Field(description="The grid's figures as the weekly report gave them when submitted: "
                                                  "events, cases_opened, cases_closed, open_cases, overdue, escalated, "
                                                  "orders_completed, service_hours, patrol_hours, closure_rate, score")
    submitted_by: str
    submitted_at: str | None
    revision: int


class WeeklySubmissions(BaseModel):
    week: str
    items: list[WeeklySubmission]
    missing: list[str] = Field(description="The area's grids that have not submitted the week")
    submitted: int
    grids: int


class BulletinIn(BaseModel):
    week: str | None = Field(None, max_length=10, description="ISO week, e.g. 2026-W48; default: this week")
    street_id: str | None = Field(None, max_length=64, description="The county names the street; a street its own")
    text: str = Field("", max_length=4000, description="What the street says of the week")


class RankedGrid(BaseModel):
    grid_id: str
    name: str
    rank: int
    score: float


class Bulletin(BaseModel):
    week: str
    street_id: str
    ranking: list[RankedGrid] = Field(description="The street's grids by the weekly report's score")
    not_submitted: list[str] = Field(description="Grids that had not submitted the week when it was issued")
    text: str
    issued_by: str
    issued_at: str | None
    revision: int


class Bulletins(BaseModel):
    items: list[Bulletin]
    total: int



# --- joint meetings (联席会议) ---------------------------------------------------------------
MeetingAction = Literal["accept", "resolve_on_site", "escalate", "hand_over"]


class AgendaItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["case", "order", "topic"] = Field(
        description="case: an open case of the grid (ref = case_id); order: a resident's service order (居民点单, "
                    "ref = order_id); topic: anything else. Open decisions of earlier meetings are added as follow_up "
                    "items by themselves")
    ref: str = Field("", max_length=ID_MAX, description="The case or order id (case, order)")
    title: str = Field("", max_length=200, description="What is discussed; a case's or order's own title if empty")


class MeetingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grid_id: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    starts_at: Annotated[AwareDatetime, AfterValidator(_this_century)] = Field(
        description="ISO 8601 with offset, from 2000 to 2099")
    place: str = Field("", max_length=200)
    agenda: list[AgendaItemIn] = Field(default_factory=list, max_length=100)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4000, description="What was decided")
    owner: str = Field(min_length=1, max_length=200, description="Who carries it out: a person, party or organisation")
    due_at: Annotated[AwareDatetime, AfterValidator(_this_century)] = Field(description="When it is due")
    case_id: str | None = Field(None, min_length=1, max_length=ID_MAX, description="The case it is about")
    action: MeetingAction | None = Field(
        None, description="A step of the closed loop the meeting decided on the case, taken when the minutes are "
                          "recorded (the caller's rights apply); its outcome is kept with the decision")
    department: Literal[DEPARTMENTS] | None = Field(None, description="hand_over: the department the case goes to")


class FollowUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ref: str = Field(min_length=3, max_length=200, description="The earlier decision: <meeting_id>/<decision_id>")
    status: Literal["done", "dropped", "open"] = Field(description="open: carried to the next meeting")
    note: str = Field("", max_length=4000)


class MinutesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    minutes: str = Field(min_length=1, max_length=4000, description="The minutes (会议纪要)")
    attendees: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, max_length=100, description="Who came: people or the parties they spoke for")
    decisions: list[DecisionIn] = Field(default_factory=list, max_length=100)
    follow_ups: list[FollowUpIn] = Field(default_factory=list, max_length=100,
                                         description="What became of earlier decisions on the agenda")


class DecisionClose(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["done", "dropped"]
    note: str = Field("", max_length=4000)


class MeetingInvitee(BaseModel):
    party: str = Field(description="street | community | branch | owners_committee | property_company | "
                                   "resident_unit | social_organisation")
    name: str
    org_id: str | None


class MeetingAgendaItem(BaseModel):
    item_id: str
    kind: str
    ref: str | None
    title: str


class MeetingDecision(BaseModel):
    ref: str = Field(description="<meeting_id>/<decision_id>: how follow-ups and the decision's own URL name it")
    decision_id: str
    meeting_id: str
    grid_id: str
    community_id: str
    street_id: str
    text: str
    owner: str
    due_at: str | None
    overdue: bool
    case_id: str | None
    action: str | None
    department: str | None
    status: str = Field(description="open | done | dropped")
    outcome: str | None = Field(description="For a case action: applied, or why the closed loop refused it")
    closed_by: str | None
    closed_at: str | None
    closing_note: str | None
    followed_up_in: list[str]


class JointMeeting(BaseModel):
    meeting_id: str
    grid_id: str
    community_id: str
    street_id: str
    title: str
    place: str
    starts_at: str | None
    status: str = Field(description="planned | held")
    convened_by: str
    invitees: list[MeetingInvitee]
    agenda: list[MeetingAgendaItem]
    minutes: str
    attendees: list[str]
    decisions: list[MeetingDecision]
    held_at: str | None
    recorded_by: str | None


class JointMeetingPage(BaseModel):
    items: list[JointMeeting]
    total: int
    page: int
    page_size: int


class MeetingDecisions(BaseModel):
    items: list[MeetingDecision]
    total: int


class AgendaSuggestion(BaseModel):
    kind: str = Field(description="case | order")
    ref: str
    title: str
    status: str


class AgendaSuggestions(BaseModel):
    grid_id: str
    items: list[AgendaSuggestion]


# --- the county's assessment (考核) ----------------------------------------------------------
class AssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    week: str | None = Field(None, max_length=10, description="ISO week, e.g. 2026-W48; default: this week")


class AssessmentWeight(BaseModel):
    weight: float
    meaning: str


class AssessmentWeights(BaseModel):
    weights: dict[str, AssessmentWeight] = Field(description="Each component's weight and what its share measures "
                                                           "(GATEWAY_ASSESSMENT_WEIGHTS)")


class GridScore(BaseModel):
    grid_id: str
    name: str
    community_id: str
    street_id: str
    rank: int = Field(description="Among every grid of the county, 1 the best")
    score: float = Field(description="Out of 100")
    components: dict[str, float] = Field(description="Each component's share, 0 to 1")


class Assessment(BaseModel):
    week: str
    grids: list[GridScore]
    weights: dict[str, float] = Field(description="The weights the scores were made with")
    assessed_by: str
    assessed_at: str | None
    revision: int


class Assessments(BaseModel):
    items: list[Assessment]
    total: int
