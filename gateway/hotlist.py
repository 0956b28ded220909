"""The hot case lists, answered from memory: every open case and every case opened in the last
``GATEWAY_HOT_DAYS`` days, kept in the list's order inside each gateway process.

What it holds
    Every case still in the loop (status not ``resolved``, ``closed`` or ``merged``), wherever in time it
    opened, and every case opened since :attr:`Cases.complete_from` — all of them, open or
    finished. Cases are kept newest opened first, then by id (the order of fusion's lists),
    with an index per value of the fields lists filter and scope by, so a grid's or a
    department's page does not walk the county.

How it stays current
    The gateway's consumer of the CASES stream (:class:`gateway.feed.FeedHub`) hands every case
    change here as it hands it to the live feed. Loading at start pages through fusion's
    ``ListCases`` as the county (cursor paging, nothing counted): first the recent cases, newest
    first, down to the horizon, then the open cases of each open status opened before the horizon
    (none to read when the first pass reached the oldest case). The consumer is made before the
    load starts; a change that comes meanwhile is applied at once, and of two states of a case the
    one with the higher ``version`` wins whichever comes first, so nothing read during the load
    goes back in time. A NATS connection that drops loses nothing — the consumer resumes where it
    was — but the model is behind until it caught up (:attr:`gateway.feed.FeedHub.caught_up`), and
    lists go to fusion meanwhile. Only changes the stream no longer holds make the model load
    again. A finished case opened before the horizon is dropped by a trim every minute (the
    horizon moves on with time).

When it answers
    Only when it gives exactly the page fusion would (:meth:`HotList.page` returns None
    otherwise, and the gateway asks fusion): the model is loaded and has every change since,
    and either the list asks for open cases only (``status=open`` or one open
    status, or the caller is a department, which sees only cases handed to it: every case such a
    list can hold is in memory), or the page and the case after it lie inside the horizon — or
    the load read every stored case, so nothing older exists. A list further back (history) goes
    to fusion.

Totals
    When the model holds every case the list can match, ``total`` is the exact count, whatever
    ``count`` asks. Otherwise, by default, ``total`` is the matching cases the model holds (the
    open ones and those of the horizon) with ``total_exact`` false: at least that many;
    ``count=true`` is answered by fusion, which counts the store. ``count=false`` and a cursor's
    page without ``count`` count nothing, as fusion does.

Changes reach the model when fusion publishes them, normally milliseconds after the commit (a
change whose publishing failed is published by fusion's outbox relay within
``FUSION_RELAY_INTERVAL_SECONDS``). A step taken through this gateway
(``POST /v1/cases/{case_id}/actions``) is applied at once from fusion's answer, so the caller's
next list shows it.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from gridfusion.fusion.v1 import fusion_pb2 as fpb

from services.platform import periodic
from services.platform.clock import Clock, SystemClock
from services.platform.paging import (
    MAX_PAGE_SIZE,
    BadCursor,
    after_cursor,
    cursor_of,
    millis,
    paging,
)
from services.platform.scope import Principal, ScopeRefused, case_query, matches
from services.platform.vocabulary import FINISHED, OPEN_STATUSES

# A case id past every other: the cursor (horizon, this) starts a list with the cases opened
# before the horizon.
AFTER_EVERY_ID = "\uffff"
log = logging.getLogger(__name__)

OPEN = "open"  # status=open: any status but FINISHED
# Who the gateway is when it loads the model from fusion: the county, which sees every case.
LOADER = Principal("gateway", "county")
# How often finished cases that fell behind the horizon are dropped.
TRIM_SECONDS = 60.0
# How often the model checks that it is loaded and its NATS connection did not drop meanwhile.
WATCH_SECONDS = 1.0
# Counts kept between changes (a new change makes them all stale).
COUNT_CACHE = 1024

# A case's place in the list: newest opened first, then by id.
Key = tuple[int, str]
# The fields the model indexes (a case appears under each of its values), beside "open".
INDEXED = ("grid_id", "community_id", "street_id", "status", "level", "category", "handed_to")


def key_of(case: fpb.Case) -> Key:
    return (-case.opened_at.ToMilliseconds(), case.case_id)


def is_open(case: fpb.Case) -> bool:
    return case.status not in FINISHED


def _pairs_of(case: fpb.Case) -> Iterator[tuple[str, Any]]:
    """The index entries of a case: each indexed field's value, each department, and whether open."""
    for name in INDEXED:
        value = getattr(case, name)
        if value:
            yield name, value
    for department in set(case.departments):
        yield "departments", department
    if is_open(case):
        yield "open", True


@dataclass(frozen=True)
class Query:
    """What a list asks for: the caller's scope (the equalities of the one scope rule,
    :func:`services.platform.scope.case_query`) and the list's filters, each narrowing the other
    as fusion's ``$and`` does."""

    scope: tuple[tuple[str, Any], ...]
    grid_id: str = ""
    status: str = ""
    category: str = ""
    department: str = ""
    _scope: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_scope", dict(self.scope))

    @classmethod
    def of(cls, principal: Principal, *, grid_id: str = "", status: str = "", category: str = "",
           department: str = "") -> Query:
        """:class:`ScopeRefused` when the principal sees no cases (fusion answers why)."""
        return cls(tuple(sorted(case_query(principal).items())), grid_id or "", status or "", category or "",
                   department or "")

    def matches(self, case: fpb.Case) -> bool:
        if not matches(self._scope, case):
            return False
        if self.grid_id and case.grid_id != self.grid_id:
            return False
        if self.status == OPEN:
            if not is_open(case):
                return False
        elif self.status and case.status != self.status:
            return False
        if self.category and case.category != self.category:
            return False
        return not self.department or self.department in case.departments

    def pairs(self) -> set[tuple[str, Any]]:
        """Every condition as an index entry a matching case must have."""
        out = set(self.scope)
        for name in ("grid_id", "category"):
            if getattr(self, name):
                out.add((name, getattr(self, name)))
        if self.status == OPEN:
            out.add(("open", True))
        elif self.status:
            out.add(("status", self.status))
        if self.department:
            out.add(("departments", self.department))
        return out

    @property
    def indexed(self) -> bool:
        """Whether every condition is an index entry (then a case matches when it has them all)."""
        return all(name in INDEXED for name, _ in self.scope)

    @property
    def open_only(self) -> bool:
        """Whether only open cases can match (``status=open``, an open status, or a scope that
        holds its cases at an open status): the model holds every case such a list can show."""
        wanted = [v for name, v in self.scope if name == "status"] + ([self.status] if self.status else [])
        return any(s == OPEN or s in OPEN_STATUSES for s in wanted)


@dataclass
class Answer:
    """A page as fusion would answer it."""

    items: list[fpb.Case]
    next_cursor: str
    total: int | None
    total_exact: bool


@dataclass
class Cases:
    """Cases in the list's order, indexed. ``complete_from``: every case opened at or after this
    moment (milliseconds) is held; None: every stored case is."""

    complete_from: int | None = None
    by_id: dict[str, fpb.Case] = field(default_factory=dict)
    # Each case's index entries, to test a query's conditions at once.
    entries: dict[str, frozenset[tuple[str, Any]]] = field(default_factory=dict)
    order: list[Key] = field(default_factory=list)
    index: dict[tuple[str, Any], list[Key]] = field(default_factory=dict)
    # The same entries as sets of ids, to count a query of several conditions by intersection.
    members: dict[tuple[str, Any], set[str]] = field(default_factory=dict)
    # Bumped by every change; counts are kept per generation.
    generation: int = 0

    def __len__(self) -> int:
        return len(self.by_id)

    def put(self, case: fpb.Case) -> bool:
        """Insert or replace a case; an older (or the same) version than the one held is ignored."""
        held = self.by_id.get(case.case_id)
        if held is not None:
            if held.version >= case.version:
                return False
            self._unlist(held)
        self.by_id[case.case_id] = case
        self.entries[case.case_id] = entries = frozenset(_pairs_of(case))
        key = key_of(case)
        bisect.insort(self.order, key)
        for pair in entries:
            bisect.insort(self.index.setdefault(pair, []), key)
            self.members.setdefault(pair, set()).add(case.case_id)
        self.generation += 1
        return True

    def drop(self, case_id: str) -> None:
        held = self.by_id.pop(case_id, None)
        if held is not None:
            self._unlist(held)
            del self.entries[case_id]
            self.generation += 1

    def _unlist(self, case: fpb.Case) -> None:
        key = key_of(case)
        _remove(self.order, key)
        for pair in self.entries[case.case_id]:
            keys = self.index[pair]
            _remove(keys, key)
            self.members[pair].discard(case.case_id)
            if not keys:
                del self.index[pair], self.members[pair]

    def trim(self, horizon: int) -> int:
        """Drop the finished cases opened before ``horizon`` (milliseconds); how many went."""
        old = [c.case_id for c in self.by_id.values() if not is_open(c) and c.opened_at.ToMilliseconds() < horizon]
        for case_id in old:
            self.drop(case_id)
        if old:
            self.complete_from = horizon if self.complete_from is None else max(self.complete_from, horizon)
        return len(old)

    def candidates(self, query: Query) -> tuple[list[Key], bool]:
        """The shortest list holding every match, and whether each case in it matches."""
        pairs = query.pairs()
        if not pairs:
            return self.order, True
        lists = [(len(self.index.get(p, ())), p) for p in pairs]
        _, best = min(lists, key=lambda item: item[0])
        return self.index.get(best, []), len(pairs) == 1

    def holds_every_match(self, query: Query) -> bool:
        return self.complete_from is None or query.open_only

    def select(self, query: Query, page: int, size: int, after: Key | None) -> tuple[list[fpb.Case], Key | None] | None:
        """The page (and the key of its last case when another follows), or None when the
        matching cases the page needs may reach beyond what is held."""
        keys, _ = self.candidates(query)
        test = self._test(query)
        bound = None if self.holds_every_match(query) else -self.complete_from
        start = bisect.bisect_right(keys, after) if after is not None else 0
        skip = 0 if after is not None else (page - 1) * size
        found: list[fpb.Case] = []
        for i in range(start, len(keys)):
            key = keys[i]
            if bound is not None and key[0] > bound:
                break
            if not test(key[1]):
                continue
            if skip:
                skip -= 1
                continue
            found.append(self.by_id[key[1]])
            if len(found) > size:
                break
        more = len(found) > size
        if not more and bound is not None:
            return None  # the store may hold older matches the model dropped or never read
        items = found[:size]
        return items, key_of(items[-1]) if more and items else None

    def count(self, query: Query) -> int:
        """The matching cases held."""
        keys, every = self.candidates(query)
        if every:
            return len(keys)
        if query.indexed:
            sets = sorted((self.members.get(p, set()) for p in query.pairs()), key=len)
            return len(sets[0].intersection(*sets[1:]))
        test = self._test(query)
        return sum(1 for key in keys if test(key[1]))

    def _test(self, query: Query):
        """Whether the case of an id matches: by its index entries when they cover the query."""
        if query.indexed:
            need, entries = frozenset(query.pairs()), self.entries
            return lambda case_id: need <= entries[case_id]
        by_id = self.by_id
        return lambda case_id: query.matches(by_id[case_id])


def _remove(keys: list[Key], key: Key) -> None:
    i = bisect.bisect_left(keys, key)
    if i < len(keys) and keys[i] == key:
        del keys[i]


class HotList:
    """The read model of one gateway process (see the module's doc)."""

    def __init__(self, hot_days: float, *, clock: Clock | None = None, feed: Any = None) -> None:
        self.hot = timedelta(days=hot_days)
        self.clock = clock or SystemClock()
        # The live feed whose NATS connection brings the changes (None: changes come by apply()).
        self.feed = feed
        self.cases: Cases | None = None  # None until loaded
        self._loading: Cases | None = None
        self._loaded_on: int | None = None  # the feed's breaks when the load began (-1: broken here)
        self.loads = 0
        self._counts: dict[Query, tuple[int, int]] = {}
        self.served = 0
        self.passed = 0

    # -- changes ---------------------------------------------------------------------------------

    def apply(self, case: fpb.Case) -> None:
        """A case as fusion published it: the newest version of each case is kept."""
        for cases in (self.cases, self._loading):
            if cases is not None:
                cases.put(case)

    def take(self, change: Any) -> None:
        """A change from the live feed (:class:`gateway.feed.CaseChange`). One that cannot be taken
        in leaves the model behind: it is loaded again, and lists go to fusion meanwhile."""
        try:
            self.apply(change.case)
        except Exception:
            self._loaded_on = -1
            raise

    async def catch_up(self, fusion: Any, case_id: str, event_key: str, *, timeout: float) -> None:
        """A case a client was just told an event joined: read from fusion when the model does not
        hold it with that event yet (its change may be milliseconds behind the commit), so the
        client's next list shows what the status said."""
        if self.cases is None:
            return
        held = self.cases.by_id.get(case_id)
        if held is not None and event_key in held.event_ids:
            return
        try:
            detail = await fusion.GetCase(fpb.GetCaseRequest(case_id=case_id, scope=LOADER.scope()), timeout=timeout)
        except Exception as exc:  # noqa: BLE001 - the change on its way brings the case all the same
            log.warning("case read model: case not read", extra={"case_id": case_id, "error": repr(exc)})
            return
        self.apply(detail.case)

    def trim(self) -> int:
        """Drop the finished cases that fell behind the horizon."""
        if self.cases is None:
            return 0
        dropped = self.cases.trim(millis(self.horizon()))
        if dropped:
            log.info("case read model trimmed", extra={"dropped": dropped, "cases": len(self.cases)})
        return dropped

    def horizon(self) -> datetime:
        return self.clock.now() - self.hot

    # -- loading ---------------------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        return self.cases is not None

    @property
    def current(self) -> bool:
        """Loaded, and every change since has reached it."""
        return not self.broken and (self.feed is None or self.feed.caught_up)

    @property
    def broken(self) -> bool:
        """Not loaded, or a change since the load will never reach it: only a new load helps."""
        return self.cases is None or self._loaded_on != self._epoch()

    def _epoch(self) -> int:
        return self.feed.breaks if self.feed is not None else 0

    async def load(self, fusion: Any, *, timeout: float) -> None:
        """Read the model from fusion (the changes must already be coming: see the module's doc)."""
        epoch = self._epoch()
        self.loads += 1
        building = Cases()
        self._loading = building
        horizon = self.horizon()
        started = time.monotonic()
        try:
            reached_end = True
            async for case in self._read(fusion, timeout, ""):
                if case.opened_at.ToMilliseconds() < millis(horizon):
                    reached_end = False
                    break
                building.put(case)
            self._progress(building, "recent")
            # The open cases opened before the horizon (those after it are in already): none to
            # read when the recent pass found the oldest case of all.
            for status in () if reached_end else OPEN_STATUSES:
                async for case in self._read(fusion, timeout, status, cursor_of(horizon, AFTER_EVERY_ID)):
                    building.put(case)
                self._progress(building, status)
        except BaseException:
            self._loading = None
            raise
        building.complete_from = None if reached_end else millis(horizon)
        self._loading = None
        self.cases, self._loaded_on = building, epoch
        self._counts.clear()
        log.info("case read model loaded", extra={
            "cases": len(building), "seconds": round(time.monotonic() - started, 1),
            "horizon": horizon.isoformat() if not reached_end else None})

    async def _read(self, fusion: Any, timeout: float, status: str, cursor: str = "") -> Any:
        """Every case of ``status`` (any, when empty) fusion lists, newest first, from ``cursor``."""
        read = 0
        while True:
            reply = await fusion.ListCases(
                fpb.ListCasesRequest(scope=LOADER.scope(), status=status, page_size=MAX_PAGE_SIZE, cursor=cursor,
                                     count=fpb.COUNT_NONE),
                timeout=timeout,
            )
            for case in reply.items:
                yield case
            read += len(reply.items)
            if read and read % (MAX_PAGE_SIZE * 25) == 0:
                log.info("case read model loading", extra={"status": status or "recent", "read": read})
            if not reply.next_cursor:
                return
            cursor = reply.next_cursor

    def _progress(self, building: Cases, stage: str) -> None:
        log.info("case read model loading", extra={"stage": stage, "cases": len(building)})

    async def keep(self, fusion: Any, *, timeout: float, stop: asyncio.Event | None = None) -> None:
        """Load the model once the feed follows the case changes, load it again whenever changes
        were lost for good (:attr:`broken`), and trim it every minute; until cancelled."""

        async def watch() -> None:
            if self.feed is not None and not (self.feed.following and self.feed.connected):
                return
            if self.broken:
                await self.load(fusion, timeout=timeout)

        def failed(what: str):
            def say(exc: Exception, failures: int) -> None:
                if failures != 1 and failures % 30:
                    return  # fusion may still be starting: said once, then every half minute or so
                log.warning(f"case read model: {what} failed; lists go to fusion meanwhile",
                            extra={"error": str(exc) or type(exc).__name__, "failures": failures})
            return say

        async def trim() -> None:
            self.trim()

        await asyncio.gather(
            periodic.repeat(watch, every=WATCH_SECONDS, failed=failed("loading"), stop=stop,
                            backoff=(1, 2, 5, 10, 30)),
            periodic.repeat(trim, every=TRIM_SECONDS, failed=failed("trimming"), stop=stop, wait_first=True),
        )

    # -- answering -------------------------------------------------------------------------------

    def page(self, principal: Principal, *, grid_id: str = "", status: str = "", category: str = "",
             department: str = "", page: int = 1, page_size: int = 20, cursor: str = "",
             count: int = fpb.COUNT_CAPPED) -> Answer | None:
        """The page fusion's ``ListCases`` would answer, or None when the model cannot be sure of it
        (not loaded, a connection that dropped, a page reaching beyond the horizon, a cursor or a
        scope fusion should refuse, an exact count of more than the model holds)."""
        answer = self._page(principal, grid_id, status, category, department, page, page_size, cursor, count)
        if answer is None:
            self.passed += 1
        else:
            self.served += 1
        return answer

    def _page(self, principal: Principal, grid_id: str, status: str, category: str, department: str, page: int,
              page_size: int, cursor: str, count: int) -> Answer | None:
        cases = self.cases
        if cases is None or not self.current:
            return None
        try:
            query = Query.of(principal, grid_id=grid_id, status=status, category=category, department=department)
            after = after_cursor(cursor) if cursor else None
        except (ScopeRefused, BadCursor):
            return None  # fusion answers with the reason
        whole = cases.holds_every_match(query)
        if count == fpb.COUNT_EXACT and not whole:
            return None
        page, size = paging(page, page_size)
        chosen = cases.select(query, page, size, (-millis(after[0]), after[1]) if after is not None else None)
        if chosen is None:
            return None
        items, next_key = chosen
        mode = fpb.COUNT_NONE if count == fpb.COUNT_CAPPED and after is not None else count
        total = None if mode == fpb.COUNT_NONE else self._count(cases, query)
        next_cursor = cursor_of(cases.by_id[next_key[1]].opened_at.ToDatetime(), next_key[1]) if next_key else ""
        return Answer(items=items, next_cursor=next_cursor, total=total,
                      total_exact=total is not None and whole)

    def _count(self, cases: Cases, query: Query) -> int:
        kept = self._counts.get(query)
        if kept is not None and kept[0] == cases.generation:
            return kept[1]
        if len(self._counts) >= COUNT_CACHE:
            self._counts.clear()
        n = cases.count(query)
        self._counts[query] = (cases.generation, n)
        return n

