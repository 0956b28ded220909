"""The hot case lists' read model: its order, filters and scope, cursor paging, the horizon, the
versions of a case, and when it leaves a page to fusion."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from gridfusion.fusion.v1 import fusion_pb2 as fpb

from gateway.feed import CaseChange, FeedHub
from gateway.hotlist import HotList
from services.platform.clock import ManualClock
from services.platform.paging import MAX_PAGE_SIZE, after_cursor, cursor_of, millis
from services.platform.scope import Principal, sees_case
from services.platform.vocabulary import FINISHED, OPEN_STATUSES

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
GRIDS = {"G1": ("C1", "S1"), "G2": ("C1", "S1"), "G3": ("C2", "S2")}
COUNTY = Principal("admin", "county")
SECRETARY = Principal("sec-G1", "secretary", grid_id="G1")
STREET = Principal("street-S1", "street", street_id="S1")
PETITION = Principal("dept-petition", "department", department="petition")
PRINCIPALS = (COUNTY, SECRETARY, STREET, PETITION, Principal("community-C2", "community", community_id="C2"))


def case(case_id: str, opened: datetime, *, grid: str = "G1", status: str = "reported", version: int = 1,
         category: str = "dispute.neighbor", departments: tuple[str, ...] = ("petition",), handed_to: str = "",
         level: str = "grid") -> fpb.Case:
    community, street = GRIDS[grid]
    c = fpb.Case(case_id=case_id, grid_id=grid, community_id=community, street_id=street, status=status,
                 version=version, category=category, departments=departments, handed_to=handed_to, level=level)
    c.opened_at.FromDatetime(opened)
    return c


def sample(n: int = 300, seed: int = 7) -> list[fpb.Case]:
    """Cases over 90 days, some opened at the same moment, of every status and place."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        opened = NOW - timedelta(minutes=rng.choice([rng.randint(1, 90 * 24 * 60), 600, 601]))
        status = rng.choice([*OPEN_STATUSES, *FINISHED, "closed"])
        handed = status == "handed_over" and rng.random() < 0.7
        out.append(case(f"K{rng.randint(0, 10**6):07d}-{i}", opened, grid=rng.choice(list(GRIDS)), status=status,
                        category=rng.choice(["dispute.neighbor", "safety_hazard.fire", "livelihood.medical"]),
                        departments=tuple(rng.sample(["petition", "legal_aid", "civil_affairs"], rng.randint(1, 2))),
                        handed_to=rng.choice(["petition", "legal_aid"]) if handed else "",
                        level="department" if handed else rng.choice(["grid", "community", "street"])))
    return out


def expected(cases: list[fpb.Case], principal: Principal, *, grid_id: str = "", status: str = "",
             category: str = "", department: str = "") -> list[str]:
    """What the store lists: the scope rule and the filters, newest opened first, then by id."""
    chosen = [c for c in cases if sees_case(principal, c)
              and (not grid_id or c.grid_id == grid_id)
              and (not status or (c.status not in FINISHED if status == "open" else c.status == status))
              and (not category or c.category == category)
              and (not department or department in c.departments)]
    chosen.sort(key=lambda c: (-c.opened_at.ToMilliseconds(), c.case_id))
    return [c.case_id for c in chosen]


@dataclass
class Fusion:
    """ListCases over a list of cases, as fusion pages the county's list (for loading only)."""

    cases: list[fpb.Case]
    calls: int = 0

    async def ListCases(self, request: fpb.ListCasesRequest, timeout: float) -> fpb.ListCasesResponse:
        self.calls += 1
        ids = expected(self.cases, COUNTY, status=request.status)
        if request.cursor:
            moment, key = after_cursor(request.cursor)
            by_id = {c.case_id: c for c in self.cases}
            ids = [i for i in ids if (-by_id[i].opened_at.ToMilliseconds(), i) > (-millis(moment), key)]
        size = request.page_size
        by_id = {c.case_id: c for c in self.cases}
        page = [by_id[i] for i in ids[:size]]
        more = len(ids) > size
        return fpb.ListCasesResponse(items=page, total=-1, next_cursor=cursor_of(
            page[-1].opened_at.ToDatetime(), page[-1].case_id) if more else "")


async def loaded(cases: list[fpb.Case], hot_days: float = 30, clock: ManualClock | None = None) -> HotList:
    hot = HotList(hot_days, clock=clock or ManualClock(NOW))
    await hot.load(Fusion(cases), timeout=1)
    return hot


def walk(hot: HotList, principal: Principal, size: int, **filters) -> list[str] | None:
    """Every page through the cursor; None as soon as the model leaves a page to fusion."""
    seen, cursor = [], ""
    while True:
        answer = hot.page(principal, page_size=size, cursor=cursor, count=fpb.COUNT_NONE, **filters)
        if answer is None:
            return None
        seen += [c.case_id for c in answer.items]
        if not answer.next_cursor:
            return seen
        cursor = answer.next_cursor


FILTERS = [{}, {"grid_id": "G2"}, {"status": "open"}, {"status": "accepted"}, {"status": "closed"},
           {"category": "safety_hazard.fire"}, {"department": "legal_aid"},
           {"grid_id": "G1", "status": "open", "department": "petition"}]


async def test_a_store_within_the_horizon_is_held_whole_and_listed_as_the_store_lists_it() -> None:
    cases = [c for c in sample() if c.opened_at.ToDatetime(UTC) > NOW - timedelta(days=30)]
    hot = await loaded(cases)
    assert hot.cases is not None and hot.cases.complete_from is None  # the load read every case
    for principal in PRINCIPALS:
        for filters in FILTERS:
            want = expected(cases, principal, **filters)
            for size in (1, 7, 200):
                assert walk(hot, principal, size, **filters) == want, (principal, filters, size)
            first = hot.page(principal, page=2, page_size=5, **filters)
            assert [c.case_id for c in first.items] == want[5:10]
            assert (first.total, first.total_exact) == (len(want), True)


async def test_a_load_reads_open_cases_again_only_from_behind_the_horizon() -> None:
    cases = sample()
    fusion = Fusion(cases)
    by_status: dict[str, list[str]] = {}
    answer = fusion.ListCases

    async def counting(request, timeout):
        reply = await answer(request, timeout)
        by_status.setdefault(request.status, []).extend(c.case_id for c in reply.items)
        return reply

    fusion.ListCases = counting  # type: ignore[method-assign]
    hot = HotList(30, clock=ManualClock(NOW))
    await hot.load(fusion, timeout=1)
    horizon = millis(NOW - timedelta(days=30))
    old_open = {c.case_id for c in cases if c.opened_at.ToMilliseconds() < horizon and c.status in OPEN_STATUSES}
    assert old_open
    # After the recent pass, the passes per open status read the open cases behind the horizon.
    again = [case_id for status, ids in by_status.items() if status for case_id in ids]
    assert sorted(again) == sorted(old_open)
    assert walk(hot, COUNTY, 50, status="open") == expected(cases, COUNTY, status="open")
    # A store within the horizon is read once: no pass per open status.
    small = Fusion([c for c in cases if c.opened_at.ToMilliseconds() >= horizon])
    await HotList(30, clock=ManualClock(NOW)).load(small, timeout=1)
    assert small.calls == -(-len(small.cases) // MAX_PAGE_SIZE)


async def test_the_scope_rule_is_the_platforms() -> None:
    cases = sample()
    hot = await loaded(cases, hot_days=365)
    for principal in PRINCIPALS:
        listed = walk(hot, principal, 50)
        assert listed == [c for c in expected(cases, COUNTY) if sees_case(principal, next(
            x for x in cases if x.case_id == c))]
    assert all(c.startswith("K") for c in walk(hot, SECRETARY, 50))
    by_id = {c.case_id: c for c in cases}
    assert {by_id[i].grid_id for i in walk(hot, SECRETARY, 50)} == {"G1"}
    handed = walk(hot, PETITION, 50)
    assert handed and all(by_id[i].handed_to == "petition" and by_id[i].status == "handed_over" for i in handed)


async def test_beyond_the_horizon_pages_go_to_fusion_and_open_lists_never_do() -> None:
    cases = sample()
    hot = await loaded(cases)
    horizon = millis(NOW - timedelta(days=30))
    recent = [i for i in expected(cases, COUNTY) if next(c for c in cases if c.case_id == i).opened_at.ToMilliseconds()
              >= horizon]
    first = hot.page(COUNTY, page_size=20)
    assert [c.case_id for c in first.items] == recent[:20] and first.next_cursor
    # A floor: every match held (the open ones of any age, the recent finished ones), not exact.
    assert first.total_exact is False and first.total >= len(recent)
    assert hot.page(COUNTY, page_size=20, count=fpb.COUNT_EXACT) is None  # fusion counts
    assert hot.page(COUNTY, page_size=20, cursor=first.next_cursor).total is None
    # The page holding the last recent case needs the case after it, which may be older: fusion.
    assert hot.page(COUNTY, page=len(recent) // 20 + 1, page_size=20) is None
    assert walk(hot, COUNTY, 20) is None
    # Open cases: all in memory, however old, counted exactly.
    for filters in ({"status": "open"}, {"status": "assessed"}, {"status": "open", "grid_id": "G3"}):
        want = expected(cases, COUNTY, **filters)
        assert walk(hot, COUNTY, 9, **filters) == want
        answer = hot.page(COUNTY, page_size=9, count=fpb.COUNT_EXACT, **filters)
        assert (answer.total, answer.total_exact) == (len(want), True)
    # A department sees handed-over cases only: its lists are whole.
    assert walk(hot, PETITION, 3) == expected(cases, PETITION)
    # A finished status reaches back past the horizon: fusion.
    assert walk(hot, COUNTY, 10, status="closed") is None


async def test_changes_replace_by_version_and_out_of_order_ones_are_ignored() -> None:
    hot = await loaded([])
    opened = NOW - timedelta(hours=1)
    hot.apply(case("A", opened, version=1))
    hot.apply(case("A", opened, status="accepted", version=3))
    hot.apply(case("A", opened, status="escalated", version=2))  # late, older
    hot.apply(case("A", opened, status="reported", version=3))  # the same version again
    hot.apply(case("B", opened + timedelta(minutes=1)))
    answer = hot.page(COUNTY, status="accepted")
    assert [(c.case_id, c.version) for c in answer.items] == [("A", 3)] and answer.total == 1
    assert [c.case_id for c in hot.page(COUNTY).items] == ["B", "A"]
    assert hot.page(COUNTY, status="escalated").items == []


async def test_changes_during_the_load_are_kept_when_newer() -> None:
    opened = NOW - timedelta(hours=2)
    stored = [case("A", opened, version=1), case("B", opened, version=4, status="accepted")]
    hot = HotList(30, clock=ManualClock(NOW))

    class Racing(Fusion):
        async def ListCases(self, request, timeout):
            # While fusion reads the store, A moves on and B's older state comes late.
            hot.apply(case("A", opened, status="accepted", version=2))
            hot.apply(case("B", opened, status="reported", version=3))
            return await super().ListCases(request, timeout)

    await hot.load(Racing(stored), timeout=1)
    held = {c.case_id: (c.status, c.version) for c in hot.page(COUNTY).items}
    assert held == {"A": ("accepted", 2), "B": ("accepted", 4)}


async def test_trim_drops_finished_cases_behind_the_horizon_and_keeps_open_ones() -> None:
    clock = ManualClock(NOW)
    old = NOW - timedelta(days=20)
    hot = await loaded([case("open", old), case("closed", old, status="closed"),
                        case("new", NOW - timedelta(days=1), status="resolved"),
                        case("newer", NOW - timedelta(hours=1), status="closed")], clock=clock)
    assert hot.cases.complete_from is None
    assert [c.case_id for c in hot.page(COUNTY).items] == ["newer", "new", "closed", "open"]
    clock.advance(timedelta(days=15))
    assert hot.trim() == 1
    assert hot.cases.complete_from == millis(NOW - timedelta(days=15))
    assert [c.case_id for c in hot.page(COUNTY, status="open").items] == ["open"]
    assert [c.case_id for c in hot.page(COUNTY, page_size=1).items] == ["newer"]
    assert hot.page(COUNTY, page_size=5) is None  # "closed" may be in the store still: fusion
    # A closing case behind the horizon goes at the next trim; it stays listed meanwhile.
    hot.apply(case("open", old, status="closed", version=2))
    assert hot.page(COUNTY, status="open").items == []
    assert hot.trim() == 1 and "open" not in hot.cases.by_id


async def test_not_loaded_behind_or_broken_lists_go_to_fusion_and_only_a_break_loads_again() -> None:
    class Feed:
        following, connected, caught_up, breaks = True, True, True, 0

    feed = Feed()
    hot = HotList(30, clock=ManualClock(NOW), feed=feed)
    assert hot.page(COUNTY) is None and hot.broken
    await hot.load(Fusion([case("A", NOW)]), timeout=1)
    assert [c.case_id for c in hot.page(COUNTY).items] == ["A"]
    feed.caught_up = False  # disconnected, or back and not caught up yet: behind, not broken
    assert hot.page(COUNTY) is None and not hot.current and not hot.broken
    feed.caught_up = True
    assert [c.case_id for c in hot.page(COUNTY).items] == ["A"]
    feed.breaks = 1  # changes the stream no longer holds: only a load helps
    assert hot.page(COUNTY) is None and hot.broken
    await hot.load(Fusion([case("A", NOW), case("B", NOW)]), timeout=1)
    assert [c.case_id for c in hot.page(COUNTY).items] == ["A", "B"]
    assert hot.served == 3 and hot.passed == 3 and hot.loads == 2


async def test_the_feed_hands_each_change_to_the_model_and_to_listeners() -> None:
    hub = FeedHub()
    hot = HotList(30, clock=ManualClock(NOW), feed=None)
    hub.on_case.append(hot.take)
    await hot.load(Fusion([]), timeout=1)
    listener = hub.listen(SECRETARY)
    hub.publish(CaseChange("opened", case("A", NOW), "A.v1"))
    assert [c.case_id for c in hot.page(SECRETARY).items] == ["A"]
    assert listener.queue.get_nowait().case.case_id == "A"


async def test_bad_cursors_and_refused_scopes_are_fusions_to_answer() -> None:
    hot = await loaded([case("A", NOW)])
    assert hot.page(COUNTY, cursor="not a cursor!") is None
    assert hot.page(Principal("resident-G1", "resident", grid_id="G1")) is None
    assert hot.page(Principal("sec", "secretary")) is None  # a secretary without its grid


async def test_a_case_a_status_answer_named_is_read_when_the_model_lacks_its_event() -> None:
    old = case("K-old", NOW - timedelta(hours=2))
    old.event_ids.append("petition:e1")
    hot = await loaded([old])
    newer = fpb.Case()
    newer.CopyFrom(old)
    newer.version = 2
    newer.event_ids.append("legal_aid:e2")
    opened = case("K-new", NOW - timedelta(minutes=1))
    opened.event_ids.append("petition:e3")

    class Reader:
        def __init__(self) -> None:
            self.reads: list[str] = []

        async def GetCase(self, request: fpb.GetCaseRequest, timeout: float) -> fpb.CaseDetail:
            self.reads.append(request.case_id)
            return fpb.CaseDetail(case={"K-old": newer, "K-new": opened}[request.case_id])

    fusion = Reader()
    await hot.catch_up(fusion, "K-old", "petition:e1", timeout=1)  # held with that event: nothing read
    assert fusion.reads == []
    await hot.catch_up(fusion, "K-old", "legal_aid:e2", timeout=1)  # its change not here yet
    await hot.catch_up(fusion, "K-new", "petition:e3", timeout=1)  # opened a moment ago
    assert fusion.reads == ["K-old", "K-new"]
    assert walk(hot, COUNTY, 20) == ["K-new", "K-old"]
    assert hot.cases.by_id["K-old"].version == 2
