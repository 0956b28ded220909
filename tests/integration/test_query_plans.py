"""Every list query Gridfusion issues is served by an index, against a real secantusd-py.

Each store's indexes are created as the services create them, a few hundred documents go in,
and the queries are taken from the code itself: the store functions (and the gRPC handlers that
build filters) run against collections that record every ``find`` they issue — its filter and
its sort — and each recorded query is then ``explain``ed. A plan that scans the collection
(``COLLSCAN``) means an index is missing from the store's index list, or the query's shape is
one no index serves.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from gridfusion.community.v1 import community_pb2 as cpb
from gridfusion.fusion.v1 import fusion_pb2 as fpb

from gateway.accounts.policy import Admin, Scope
from gateway.accounts.service import Accounts
from gateway.accounts.store import AccountStore
from services.departments.store import DepartmentStore
from services.fusion import dead_letters
from services.fusion.cases import CaseStore
from services.fusion.community_store import CommunityStore
from services.fusion.outbox import Relay
from services.fusion.reference import ReferenceHolder
from services.fusion.server import FusionServicer
from services.platform.clock import ManualClock
from services.platform.paging import COUNT_NONE, after_cursor, after_key_cursor

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
STREETS = ("S1", "S2")
GRIDS = [{"_id": f"G{i}", "community_id": f"C{i % 4}", "street_id": STREETS[i % 2]} for i in range(8)]
DEPARTMENTS = ("petition", "legal_aid", "civil_affairs")
N = 300


class Recorded:
    """A collection that records the filter and sort of every ``find`` and then runs it."""

    def __init__(self, collection) -> None:
        self.collection = collection
        self.queries: list[dict[str, Any]] = []

    def find(self, filter=None, *args, **kwargs):
        entry = {"collection": self.collection.name, "filter": dict(filter or {}), "sort": None}
        self.queries.append(entry)
        return _Cursor(self.collection.find(filter, *args, **kwargs), entry)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.collection, name)


class _Cursor:
    def __init__(self, cursor, entry: dict[str, Any]) -> None:
        self.cursor, self.entry = cursor, entry

    def sort(self, key, direction=None):
        self.entry["sort"] = [(key, direction or 1)] if isinstance(key, str) else list(key)
        self.cursor = self.cursor.sort(key, direction) if direction is not None else self.cursor.sort(key)
        return self

    def skip(self, n):
        self.cursor = self.cursor.skip(n)
        return self

    def limit(self, n):
        self.cursor = self.cursor.limit(n)
        return self

    def __aiter__(self):
        return self.cursor.__aiter__()

    async def to_list(self, *args):
        return await self.cursor.to_list(*args)


def scans(plan: dict[str, Any]) -> set[str]:
    """The stage names of a winning plan, down every input stage."""
    found = {plan.get("stage", "")}
    for child in [plan.get("inputStage"), *plan.get("inputStages", [])]:
        if child:
            found |= scans(child)
    return found


async def assert_indexed(db, recorded: list[dict[str, Any]], what: str) -> None:
    assert recorded, f"{what}: no query was recorded"
    unserved = []
    for q in recorded:
        command = {"find": q["collection"], "filter": q["filter"]}
        if q["sort"]:
            command["sort"] = dict(q["sort"])
        answer = await db.command("explain", command, verbosity="queryPlanner")
        plan = answer["queryPlanner"]["winningPlan"]
        if "COLLSCAN" in scans(plan) or "IXSCAN" not in scans(plan):
            unserved.append(f"{q['collection']} {q['filter']} sort {q['sort']}")
    assert not unserved, f"{what}: scanned whole, no index: " + "; ".join(unserved)


@pytest.fixture
async def db(mongo):
    database = mongo[f"plans_{uuid.uuid4().hex[:8]}"]
    yield database
    await mongo.drop_database(database.name)


def grid(i: int) -> dict[str, Any]:
    return GRIDS[i % len(GRIDS)]


class Context:
    async def abort(self, code, message):
        raise AssertionError(f"aborted: {code} {message}")


# -- fusion: cases, the deadline loop, the outbox relay ------------------------------------------

@pytest.fixture
async def fusion(mongo, db):
    store = CaseStore(mongo, db)
    await store.ensure_indexes()
    cases, letters = [], []
    for i in range(N):
        g = grid(i)
        cases.append({"_id": f"case-{i:04d}", "grid_id": g["_id"], "community_id": g["community_id"],
                      "street_id": g["street_id"], "family": "dispute", "category": "dispute.neighbor",
                      "status": ("reported", "accepted", "closed")[i % 3], "level": "grid",
                      "departments": [DEPARTMENTS[i % 3]], "handed_to": DEPARTMENTS[i % 3] if i % 5 == 0 else "",
                      "opened_at": NOW - timedelta(minutes=i), "last_seen": NOW - timedelta(minutes=i),
                      "due_at": NOW + timedelta(hours=i - N // 2), "overdue": False, "version": 1})
        letters.append({"_id": f"{DEPARTMENTS[i % 3]}:ev-{i}", "event_id": f"ev-{i}", "kind": "event",
                        "stage": "resolve", "reason": "no grid", "origin_subject": f"events.dept.{DEPARTMENTS[i % 3]}",
                        "department": DEPARTMENTS[i % 3], "dead_lettered_at": NOW - timedelta(seconds=i // 2),
                        "reprocessed": i % 4 == 0, "reprocessable": True, "event": None})
    await db["cases"].insert_many(cases)
    assert await store.set_deadlines() == N  # the cases of the older shape get their deadline_at
    await db["dead_letters"].insert_many(letters)
    await db["outbox"].insert_many([{"_id": f"m{i}", "created_at": NOW - timedelta(seconds=i)} for i in range(N)])
    store.cases = Recorded(store.cases)
    store.dead_letters = Recorded(store.dead_letters)
    store.outbox = Recorded(store.outbox)
    return store


CASE_SCOPES = {
    "county": fpb.Scope(role="county"),
    "street": fpb.Scope(role="street", street_id="S1"),
    "community": fpb.Scope(role="community", community_id="C1", street_id="S1"),
    "secretary": fpb.Scope(role="secretary", grid_id="G1", community_id="C1", street_id="S1"),
    "department": fpb.Scope(role="department", department="petition"),
}
CASE_FILTERS = {"none": {}, "grid": {"grid_id": "G1"}, "status": {"status": "accepted"}, "open": {"status": "open"},
                "category": {"category": "dispute.neighbor"}, "department": {"department": "petition"}}


# The lists an index serves on SecantusDB too: one place, a department or a status, or nothing —
# among them every list the gateway loads its memory with (the county's, whole or by status).
SERVED = {("none", scope) for scope in ("county", "street", "community", "secretary")} | {
    ("grid", "county"), ("grid", "secretary"), ("status", "county"), ("department", "county")}


@pytest.mark.parametrize("scope", CASE_SCOPES)
@pytest.mark.parametrize("filters", CASE_FILTERS)
async def test_case_lists(fusion: CaseStore, db, scope: str, filters: str, request) -> None:
    """``ListCases`` as the handler builds it, for each scope and filter: a first page, page 2,
    and the page after a cursor."""
    if (filters, scope) not in SERVED:
        request.node.add_marker(pytest.mark.xfail(strict=True, reason=(
            "a scope and a filter of two different fields (or status=open, an $in before the order): "
            "SecantusDB serves a filter from an index only when the filter names exactly the index's "
            "fields; MongoDB uses the field's index and filters the rest. The gateway answers open and "
            "recent cases from memory (gateway/hotlist.py); these queries serve history")))
    api = FusionServicer(fusion, ReferenceHolder(db))
    request = fpb.ListCasesRequest(scope=CASE_SCOPES[scope], page_size=5, count=COUNT_NONE, **CASE_FILTERS[filters])
    first = await api.ListCases(request, Context())
    await api.ListCases(fpb.ListCasesRequest(page=2, **{f.name: v for f, v in request.ListFields()}), Context())
    if first.next_cursor:
        request.cursor = first.next_cursor
        await api.ListCases(request, Context())
    await assert_indexed(db, fusion.cases.queries, f"cases of {scope} by {filters}")


async def test_the_deadline_loops_query(fusion: CaseStore, db) -> None:
    due = await fusion.due_cases(NOW, limit=N)
    # Due by now and still in the loop: the closed ones (every third) never come back.
    assert due and all(int(case_id[-4:]) <= N // 2 and int(case_id[-4:]) % 3 != 2 for case_id in due)
    assert len(due) == sum(1 for i in range(N // 2 + 1) if i % 3 != 2)
    await assert_indexed(db, fusion.cases.queries, "due cases")


async def test_the_case_outbox_relays_query(fusion: CaseStore, db) -> None:
    # A clock a day back: the query runs and finds nothing to publish (no bus here).
    relay = Relay(fusion.outbox, js=None, clock=ManualClock(NOW - timedelta(days=1)))
    assert await relay.publish_stale() == 0
    await assert_indexed(db, fusion.outbox.queries, "fusion's outbox relay")


@pytest.mark.parametrize("pending_only", [False, True])
@pytest.mark.parametrize("department", ["", "petition"])
async def test_dead_letter_lists(fusion: CaseStore, db, pending_only: bool, department: str) -> None:
    query = dead_letters.dead_letter_query(pending_only=pending_only, department=department)
    docs, next_key = await dead_letters.list_dead_letters(fusion.dead_letters, query, 1, 7)
    await dead_letters.list_dead_letters(fusion.dead_letters, query, 3, 7)
    assert next_key is not None
    following, _ = await dead_letters.list_dead_letters(fusion.dead_letters, query, 1, 7, after=next_key)
    assert following and not {d["_id"] for d in following} & {d["_id"] for d in docs}
    await assert_indexed(db, fusion.dead_letters.queries, f"dead letters {query}")


# -- fusion's community side: members, orders, the audit log ---------------------------------------

@pytest.fixture
async def community(db):
    store = CommunityStore(db, ManualClock(NOW))
    await store.ensure_indexes()
    store.use_grids({g["_id"]: dict(g) for g in GRIDS})
    members, orders, audit = [], [], []
    for i in range(N):
        g = grid(i)
        place = {"grid_id": g["_id"], "community_id": g["community_id"], "street_id": g["street_id"]}
        members.append({"_id": f"member-{i:04d}", **place, "name": "党员", "registered_at": NOW})
        orders.append({"_id": f"SO-{i:04d}", **place, "kind": "repair", "title": "修", "resident": f"resident-{i % 9}",
                       "member_id": f"member-{i % 11:04d}", "status": ("placed", "taken", "completed")[i % 3],
                       "placed_at": NOW - timedelta(seconds=i // 3), "steps": [], "version": 1})
        audit.append({"_id": f"a{i:04d}", "who": f"sec-G{i % 8}", "role": "secretary", "what": "households",
                      "why": "visit", "grid_id": g["_id"], "records": 1, "at": NOW - timedelta(seconds=i // 2)})
    await store.members.insert_many(members)
    await store.orders.insert_many(orders)
    await store.audit.insert_many(audit)
    store.members, store.orders, store.audit = Recorded(store.members), Recorded(store.orders), Recorded(store.audit)
    return store


AREAS = {"county": cpb.Area(), "street": cpb.Area(street_id="S1"), "community": cpb.Area(street_id="S1", community_id="C1"),
         "grid": cpb.Area(street_id="S1", community_id="C1", grid_id="G1")}


async def walk(list_page, read_cursor, *, pages: int = 3) -> None:
    """A first page, page 2, and pages after cursors; no item twice."""
    first = await list_page(1, None)
    await list_page(2, None)
    seen, listed = {d["_id"] for d in first.items}, first
    for _ in range(pages):
        if not listed.next_cursor:
            break
        listed = await list_page(1, read_cursor(listed.next_cursor))
        ids = {d["_id"] for d in listed.items}
        assert not ids & seen
        seen |= ids


@pytest.mark.parametrize("area", AREAS)
async def test_party_member_lists(community: CommunityStore, db, area: str) -> None:
    await walk(lambda page, after: community.list_members(AREAS[area], page, 4, after=after), after_key_cursor)
    await assert_indexed(db, community.members.queries, f"party members of {area}")


ORDER_REQUESTS = {
    **{f"{name}{'+status' if status else ''}": cpb.ListOrdersRequest(area=area, status=status)
       for name, area in AREAS.items() for status in ("", "taken")},
    **{f"{who}{'+status' if status else ''}": cpb.ListOrdersRequest(status=status, **{who: value})
       for who, value in (("resident", "resident-1"), ("member_id", "member-0002")) for status in ("", "completed")},
}


@pytest.mark.parametrize("asked", ORDER_REQUESTS)
async def test_service_order_lists(community: CommunityStore, db, asked: str) -> None:
    request = ORDER_REQUESTS[asked]
    await walk(lambda page, after: community.list_orders(request, page, 4, after=after), after_cursor)
    await assert_indexed(db, community.orders.queries, f"service orders of {asked}")


def audit_request(who: str, grid_id: str, window: bool) -> cpb.ListAuditRequest:
    request = cpb.ListAuditRequest(who=who, grid_id=grid_id)
    if window:
        request.from_time.FromDatetime(NOW - timedelta(minutes=1))
        request.to_time.FromDatetime(NOW - timedelta(seconds=10))
    return request


@pytest.mark.parametrize("who", ["", "sec-G1"])
@pytest.mark.parametrize("grid_id", ["", "G1"])
@pytest.mark.parametrize("window", [False, True])
async def test_audit_lists(community: CommunityStore, db, who: str, grid_id: str, window: bool) -> None:
    request = audit_request(who, grid_id, window)
    await walk(lambda page, after: community.list_audit(request, page, 4, after=after), after_cursor)
    await assert_indexed(db, community.audit.queries, f"audit log by {who or 'anyone'}/{grid_id or 'any grid'}"
                                                      f"{' in a window' if window else ''}")


# -- a department's outbox, the gateway's accounts ---------------------------------------------------

async def test_a_departments_outbox_relays_query(db) -> None:
    store = DepartmentStore(db)
    await store.ensure_indexes()
    await store.events.insert_many([{"_id": f"e{i}", "published": i % 2 == 0, "accepted_at": NOW - timedelta(seconds=i),
                                     "event": b""} for i in range(N)])
    store.events = Recorded(store.events)
    await store.unpublished(timedelta(seconds=0))
    await assert_indexed(db, store.events.queries, "the department outbox relay")


ADMINS = {"county": Admin("admin", "county", Scope()),
          "street": Admin("street-S1", "street", Scope(street_id="S1")),
          "community": Admin("community-C1", "community", Scope(street_id="S1", community_id="C1"))}


@pytest.mark.parametrize("admin,role", [
    pytest.param("county", None, marks=pytest.mark.xfail(strict=True, reason=(
        "SecantusDB walks no index for an unfiltered list sorted on _id alone (its _id index is virtual); "
        "MongoDB walks the _id index"))),
    ("county", "worker"), ("street", None), ("street", "worker"), ("community", None), ("community", "worker")])
async def test_account_lists(db, admin: str, role: str | None) -> None:
    store = AccountStore(db)
    await store.ensure_indexes()
    roles = ("worker", "secretary", "community", "street", "county")
    await store.accounts.insert_many([
        {"_id": f"user-{i:04d}", "role": roles[i % 5], "disabled": False, "changed_at": NOW,
         "scope": {"street_id": STREETS[i % 2], "community_id": f"C{i % 4}", "grid_id": "", "department": ""}}
        for i in range(N)])
    store.accounts = Recorded(store.accounts)
    accounts = Accounts(store, hasher=None, jwt_key="k" * 48, grids=None)
    await accounts.list(ADMINS[admin], role=role, page=2, page_size=20)
    await store.pending_audit()
    await assert_indexed(db, store.accounts.queries, f"accounts for {admin} by role {role}")
