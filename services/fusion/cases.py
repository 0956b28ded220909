"""Cases in fusion's database: fusing an event into one, and moving a case round the loop.

Fusing a fetched batch (:meth:`CaseStore.fuse_many`) is one MongoDB transaction: the events'
records and sightings, the cases they open or join, the timeline entries and one case-change
message per event (``<case_id>.v<version>``, a version per event) in the outbox commit together or
not at all, each kind of read and write made once for the whole batch. A transaction that
conflicts with another fuser's is tried again whole after a short pause, and that fuser takes
the next turn (the others wait for its commit before their next batch); when it still fails,
the batch's (grid, family) groups are fused again one transaction each: a group that fails then
leaves the others' commits standing and is retried whole. Inside a group, events are correlated
in the batch's order against the candidate cases and the cases the group opened or joined
before, so two reports of one incident in one batch are one case. An event id is
unique within its department only, so the record, the dead letter and the case's ``event_ids``
use the key ``<department>:<id>`` (:func:`services.platform.bus.event_key`); the department is the
subject's the message arrived on (see :mod:`.consumer`). A redelivered or re-published event
finds its record and changes nothing; another department's event of the same id is another
event, and the same key twice in one batch is fused once. Records of an older shape (keyed by the
bare id) are not found by any lookup. Every transaction first bumps one guard document per grid
and family it fuses events of, so two fusion replicas correlating events of the same incident at
once conflict, and the retry of the later one sees the earlier one's case.

The candidate cases of a batch are found through its events' sightings (:mod:`.sightings`, one
document per event joined to a case, written in the same transaction): the stored sightings under
the events' place and subject keys (which name grid and family) that
:func:`~.correlation.same_incident` accepts for one of the events of their grid and family, and
the cases they belong to — a read bounded by place, subject and time, not by how many cases the
grids hold.

A case document stays bounded: its timeline holds the loop's steps and the reports up to its
:data:`TIMELINE_IN_CASE`-th version; a later correlated report's timeline entry is kept on its
event's record (``timeline_entry``, with ``case_version``), and :meth:`CaseStore.timeline_of`
puts the whole timeline together.

A case records the compound it lies in (``compound_id``, from the event's :class:`Resolution`:
see :mod:`services.reference.compounds`). A property-management case of a compound goes to the
compound's property company and owners' committee (红色物业, :mod:`.co_governance`): its opening
entry names them in ``routed_to`` — the one entry of version 1, so the timeline keeps one entry
per version.

An action on a case (:meth:`CaseStore.act`) and an automatic escalation
(:meth:`CaseStore.escalate_due`) are transactions too: the case is re-read, the pure state
machine in :mod:`.workflow` decides, and the update is conditional on the version read, so of
two replicas racing to escalate one overdue case exactly one succeeds; the other's retry finds
nothing left to do.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import random
import socket
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from gridfusion.departments.v1 import departments_pb2
from gridfusion.events.v1 import events_pb2
from pymongo import ASCENDING, IndexModel, ReplaceOne, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.asynchronous.mongo_client import AsyncMongoClient
from pymongo.errors import DuplicateKeyError, OperationFailure, PyMongoError
from pymongo.read_concern import ReadConcern

from services.platform.bus import event_key
from services.platform.mongo import WRITE_CONCERN, ensure_indexes, find_by_ids, journal, pieces
from services.platform.scope import sees_case
from services.platform.vocabulary import FINISHED, SEVERITY_FROM_PROTO, SEVERITY_RANK, STATUSES
from services.reference.resolver import Resolution

from . import case_lists, dead_letters, merging, notices, outbox, workflow
from . import sightings as sighting_store
from .co_governance import CoGovernanceStore, PropertyRoute, routed
from .convert import case_to_proto
from .correlation import Sighting, Verdict, assess, candidate_keys
from .deadlines import deadline
from .workflow import Actor, Refused, Request, Transition

log = logging.getLogger(__name__)

OPEN_STATUSES = tuple(s for s in STATUSES if s not in workflow.CLOSED)
CLOSED_STATUSES = workflow.CLOSED

INDEXES = {
    # The lists' indexes are the case lists' own (services/fusion/case_lists.py).
    "cases": [IndexModel([("deadline_at", ASCENDING)], name="deadline_loop"), *case_lists.INDEXES],
    "events": [IndexModel([("case_id", ASCENDING)]), IndexModel([("status", ASCENDING)]),
               IndexModel([("event_id", ASCENDING), ("department", ASCENDING)], name="event_id"),
               # A record that moved to another case (merge, split) with a kept timeline entry of its first.
               IndexModel([("timeline_case", ASCENDING)], name="timeline_case", sparse=True)],
    # The lists' indexes are the dead-letter lists' own (services/fusion/dead_letters.py).
    "dead_letters": [IndexModel([("event_id", ASCENDING), ("department", ASCENDING)], name="event_id"),
                     *dead_letters.INDEXES],
    "outbox": outbox.INDEXES,
    sighting_store.COLLECTION: sighting_store.INDEXES,
    notices.COLLECTION: notices.INDEXES,
}

TXN = {"read_concern": ReadConcern("snapshot"), "write_concern": WRITE_CONCERN}
# How many (grid, family) groups of one batch are in their transactions at once, when the batch
# is fused group by group (its own transaction failed).
GROUPS_AT_ONCE = 4
# A batch whose transaction conflicted with another fuser's (two replicas fusing events of the
# same grid and family at once) is tried again whole, after a short pause with jitter, for up to
# this many seconds (inside the bus's 60 s ack wait), before it is fused group by group: the other
# fuser's transaction holds the guard documents for about as long as a batch takes, and a batch
# of hundreds of groups fused one transaction each takes several times longer — long enough for
# the other fuser's next batch to give up on its turn as well.
WHOLE_BATCH_PATIENCE = 50.0
# The fuser whose batch conflicted claims the next turn (a document in ``fusion_turns``); the
# others wait for it to commit before they start their next batch, for up to this many seconds,
# so that the fuser that keeps winning cannot starve it.
TURN_SECONDS = 5.0
# A correlated report's timeline entry is written into the case document while the case is at
# most at this version; past it, the entry is kept on the event's record (the case document of an
# incident reported ten thousand times would otherwise carry ten thousand entries).
TIMELINE_IN_CASE = 100
# How many possible duplicates a case keeps (the best-scored).
POSSIBLE_DUPLICATES = 10
# What a case document is read with when its timeline is not needed.
WITHOUT_TIMELINE = {"timeline": 0}


def deadline_of(case: dict[str, Any]) -> datetime | None:
    """When the deadline loop must look at a case: its ``due_at`` while the case is in the loop and
    not yet marked overdue, else never (None). Kept in ``deadline_at`` beside ``due_at`` so that the
    loop's query, twice a second, is one range on one index, however many cases are finished or
    overdue."""
    if case.get("status") in workflow.FINISHED or case.get("overdue"):
        return None
    return case.get("due_at")


def case_id_for(event: events_pb2.DepartmentEvent) -> str:
    """A case's id derives from the event that opened it, so a retry opens the same case."""
    day = event.time.ToDatetime(tzinfo=UTC).strftime("%Y%m%d")
    digest = hashlib.sha256(f"{event.department}/{event.id}".encode()).hexdigest()[:10].upper()
    return f"C{day}-{digest}"


@dataclass(frozen=True)
class Fused:
    event_id: str
    case_id: str
    grid_id: str
    opened: bool  # a new case (False: joined an existing one)
    duplicate: bool  # already fused before: nothing changed
    version: int = 0
    messages: tuple[str, ...] = ()  # outbox ids to publish after the commit
    department: str = ""


@dataclass
class Acted:
    """An applied action: the case after it, and what to publish."""

    case: dict[str, Any]
    transition: Transition | None
    messages: list[str] = field(default_factory=list)
    duplicate: bool = False


class Conflict(Exception):
    """The case changed between reading and writing; the transaction is retried."""


def conflicted(exc: BaseException) -> bool:
    """Whether the server ended a transaction because another one wrote the same documents (a
    write conflict: it may succeed when tried again). A :class:`Conflict` (a case read at one
    version and found at another) is not: the group fallback retries only its group."""
    return isinstance(exc, PyMongoError) and exc.has_error_label("TransientTransactionError")


def pause_before(attempt: int) -> float:
    """Seconds to wait before trying a conflicted batch again: 0.05 s doubling to 0.5 s, with
    jitter so that two fusers do not meet again at once (a try that conflicts costs little: the
    guards are its first write)."""
    return min(0.5, 0.05 * 2 ** attempt) * random.uniform(0.5, 1.0)


def sighting_of(event: events_pb2.DepartmentEvent, resolution: Resolution) -> Sighting:
    return Sighting(
        event_id=event_key(event.department, event.id),
        grid_id=resolution.grid_id,
        family=event.category.split(".", 1)[0],
        subject_id=event.subject_id,
        time=event.time.ToDatetime(tzinfo=UTC),
        point=resolution.point,
        summary=event.summary,
    )


class _Candidate:
    """A case a group's events may join, as the group has changed it so far (in memory).

    ``sightings`` are the case's stored sightings that one of the group's events matched, and
    those of the group's events that joined or opened it. ``read_version`` is the version read in
    the transaction: the one update of a joined case is conditional on it. A case the group
    opened (``new``) is inserted whole instead.
    """

    def __init__(self, doc: dict[str, Any], sightings: list[Sighting], *, new: bool = False) -> None:
        self.doc = doc
        self.new = new
        self.read_version = doc.get("version", 1)
        self.sightings = list(sightings)
        self.joined: list[str] = []
        self.pushed: dict[str, list[Any]] = {"event_ids": [], "timeline": []}
        self.departments: list[str] = []
        self.read_severity = doc.get("severity")
        self.suspected = False  # possible_duplicates changed

    def suspect(self, other: str, verdict: Verdict) -> None:
        """Note case ``other`` as a possible duplicate of this one, unless it is noted already
        with at least this score."""
        noted = list(self.doc.get("possible_duplicates") or ())
        if any(d["case_id"] == other and d["score"] >= verdict.score for d in noted):
            return
        noted = [d for d in noted if d["case_id"] != other]
        noted.append({"case_id": other, "score": verdict.score, "reasons": list(verdict.reasons)})
        noted.sort(key=lambda d: (-d["score"], d["case_id"]))
        self.doc["possible_duplicates"] = noted[:POSSIBLE_DUPLICATES]
        self.suspected = True

    def join(self, key: str, sighting: Sighting, entry: dict[str, Any], department: str, severity: str,
             now: datetime) -> bool:
        """Join the event to the case; answers whether its timeline entry went into the case
        document (else the event's record keeps it: see :data:`TIMELINE_IN_CASE`)."""
        doc = self.doc
        self.joined.append(key)
        self.sightings.append(sighting)
        in_case = doc.get("version", 1) < TIMELINE_IN_CASE
        for name, value in (("event_ids", key), ("timeline", entry)):
            if name == "timeline" and not in_case:
                continue
            self.pushed[name].append(value)
            if self.new or name != "timeline":  # an existing case is read without its timeline
                doc[name].append(value)
        if department not in doc["departments"]:
            doc["departments"].append(department)
            self.departments.append(department)
        if doc.get("last_seen") is None or sighting.time > doc["last_seen"]:
            doc["last_seen"] = sighting.time
        if SEVERITY_RANK[severity] > SEVERITY_RANK.get(doc.get("severity", "low"), 1):
            doc["severity"] = severity
        doc["updated_at"] = now
        doc["version"] = doc.get("version", 1) + 1
        return in_case

    def update(self, now: datetime) -> dict[str, Any]:
        """The one update carrying every event the group joined to this existing case."""
        doc = self.doc
        update: dict[str, Any] = {
            "$push": {name: {"$each": values} for name, values in self.pushed.items() if values},
            "$max": {"last_seen": doc["last_seen"]},
            "$set": {"updated_at": now, "version": doc["version"]},
        }
        if doc.get("severity") != self.read_severity:
            update["$set"]["severity"] = doc["severity"]  # raised by a more severe report
        if self.departments:
            update["$addToSet"] = {"departments": {"$each": self.departments}}
        if self.suspected:
            update["$set"]["possible_duplicates"] = doc["possible_duplicates"]
        return update


def whole_timeline(embedded: list[dict[str, Any]], kept: list[tuple[int, dict[str, Any]]]) -> list[dict[str, Any]]:
    """A case's timeline from the entries in its document and the (case version, entry) pairs
    kept on its events' records.

    Every change of a case raises its version by one and adds one timeline entry, so the entry
    of version ``v`` is the ``v``-th: a kept entry takes its version's place, the document's
    entries fill the others in their order. Kept entries beyond the end follow by version.
    """
    kept = sorted(kept, key=lambda pair: pair[0])
    out: list[dict[str, Any]] = []
    document = iter(embedded)
    k = 0
    while True:
        if k < len(kept) and kept[k][0] <= len(out) + 1:
            out.append(kept[k][1])
            k += 1
            continue
        entry = next(document, None)
        if entry is None:
            break
        out.append(entry)
    out.extend(entry for _, entry in kept[k:])
    return out


class CaseStore:
    def __init__(self, client: AsyncMongoClient, db: AsyncDatabase) -> None:
        self.client = client
        self.db = db
        self.cases = db["cases"]
        self.events = db["events"]
        self.dead_letters = db["dead_letters"]
        self.guards = db["correlation_guards"]
        self.turns = db["fusion_turns"]
        # The server sessions this replica runs transactions in, under its name (see
        # :meth:`end_abandoned`); those noted already.
        self.sessions = db["fusion_sessions"]
        self.name = ""
        self._noted: set[bytes] = set()
        self.outbox = db["outbox"]
        self.sightings = db[sighting_store.COLLECTION]
        self.notices = db[notices.COLLECTION]
        self.grids: dict[str, dict[str, Any]] = {}
        # The co-governance register a property-management case is routed by (红色物业); none: not routed.
        self.co_governance: CoGovernanceStore | None = None
        # Which fusion process fused an event, for operators (and the scale-out tests).
        self.replica = f"{socket.gethostname()}:{os.getpid()}"

    async def ensure_indexes(self) -> None:
        """Fusion's indexes, then the move of sightings still embedded in case documents of the
        older shape (see :func:`.sightings.move_embedded`): where fusion starts, before it fuses."""
        await ensure_indexes(self.db, INDEXES)
        await self.move_embedded_sightings()
        await sighting_store.set_place_keys(self.db)
        await self.set_deadlines()

    async def set_deadlines(self) -> int:
        """Give ``deadline_at`` to the cases of the older shape that lack it (idempotent); how many."""
        missing = await self.cases.find({"deadline_at": {"$exists": False}},
                                        {"status": 1, "overdue": 1, "due_at": 1}).to_list()
        for piece in range(0, len(missing), 500):
            await self.cases.bulk_write([UpdateOne({"_id": d["_id"], "deadline_at": {"$exists": False}},
                                                   {"$set": {"deadline_at": deadline_of(d)}})
                                         for d in missing[piece : piece + 500]], ordered=False)
        return len(missing)

    async def move_embedded_sightings(self) -> int:
        return await sighting_store.move_embedded(self.db)

    def use_grids(self, grid_docs: dict[str, dict[str, Any]]) -> None:
        """The grids of the current reference version (cases carry their community and street)."""
        self.grids = grid_docs

    async def end_abandoned(self, name: str) -> int:
        """Take the replica name ``name`` (unique among the running replicas, kept across
        restarts: the pod's name in Kubernetes) and end the transactions this replica left open
        when it last died; how many sessions were ended.

        A SIGKILLed fuser's open transaction keeps its writes (the guards of every grid and
        family of its batch) until the server gives up on it, a minute later on MongoDB's
        default ``transactionLifetimeLimitSeconds``; meanwhile every other fuser's batch
        conflicts with it. So each replica notes the server sessions it runs transactions in
        (the driver reuses a handful), and when it starts again it ends them with
        ``killSessions``, which aborts their transactions.
        """
        self.name = name
        noted = await self.sessions.find_one({"_id": name})
        lsids = list(noted.get("lsids", [])) if noted else []
        if lsids:
            try:
                await self.client.admin.command("killSessions", [{"id": lsid} for lsid in lsids])
            except OperationFailure as exc:
                log.warning("could not end the sessions this replica left open; the server ends their "
                            "transactions when they expire", extra={"replica": name, "error": repr(exc)})
                return 0
            await self.sessions.update_one({"_id": name}, {"$pullAll": {"lsids": lsids}})
        return len(lsids)

    async def _note(self, session: AsyncClientSession) -> None:
        """Note the server session a transaction runs in under this replica's name (once)."""
        if not self.name:
            return
        lsid = session.session_id["id"]
        if lsid not in self._noted:
            await self.sessions.update_one({"_id": self.name}, {"$addToSet": {"lsids": lsid}}, upsert=True)
            self._noted.add(lsid)

    async def _transaction(self, fn):
        """``fn`` in a transaction (retried as the driver retries), journaled before it returns."""
        async with self.client.start_session() as session:
            await self._note(session)
            result = await session.with_transaction(fn, **TXN)
        await journal(self.db)
        return result

    # -- fusing events ---------------------------------------------------------------------

    async def fuse(self, event: events_pb2.DepartmentEvent, resolution: Resolution, now: datetime) -> Fused:
        """Fuse one event (a dead letter re-processed, say): a batch of one."""
        result = (await self.fuse_many([(event, resolution)], now))[0]
        if isinstance(result, Exception):
            raise result
        return result

    async def fuse_many(self, items: list[tuple[events_pb2.DepartmentEvent, Resolution]],
                        now: datetime) -> list[Fused | Exception]:
        """Fuse a fetched batch: one transaction for the whole batch, one answer per item.

        When the batch's transaction conflicts with another fuser's, it is tried again whole
        (see :data:`WHOLE_BATCH_PATIENCE`). When it still fails (or fails otherwise), its
        (grid, family) groups are fused again, each in a transaction of its own: a conflict is
        then retried only in the groups it touched, and a group that fails does not hold back
        the others. The answer is the :class:`Fused` of a committed (or already fused) event, or
        the exception its group's transaction ended with: nothing of that group was written, the
        other groups' commits stand. An event key seen earlier in the batch answers as a
        duplicate of it.
        """
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # what MongoDB keeps
        results: list[Fused | Exception | None] = [None] * len(items)
        groups: dict[tuple[str, str], list[int]] = {}
        first: dict[str, int] = {}
        again: list[tuple[int, int]] = []
        for i, (event, resolution) in enumerate(items):
            key = event_key(event.department, event.id)
            if key in first:
                again.append((i, first[key]))
                continue
            first[key] = i
            groups.setdefault((resolution.grid_id, event.category.split(".", 1)[0]), []).append(i)

        def fill(indexes: list[int], outcomes: list[Fused] | list[Exception]) -> None:
            for i, outcome in zip(indexes, outcomes, strict=True):
                results[i] = outcome

        whole = False
        if len(groups) > 1:
            batch = [[items[i] for i in indexes] for indexes in groups.values()]
            give_up_at = asyncio.get_running_loop().time() + WHOLE_BATCH_PATIENCE
            attempt = 0
            await self._wait_for_turn()
            while True:
                try:
                    fused = await self._transaction_once(lambda s: self._fuse_groups(s, batch, now))
                except Exception as exc:  # noqa: BLE001 - tried again, or its groups are fused one by one below
                    pause = pause_before(attempt)
                    if conflicted(exc) and asyncio.get_running_loop().time() + pause < give_up_at:
                        if not attempt:
                            await self._claim_turn()
                        attempt += 1
                        await asyncio.sleep(pause)
                        continue
                    if attempt:
                        await self._give_turn_back()
                    log.info("fusing the batch in one transaction failed; its groups are fused one by one",
                             extra={"groups": len(groups), "events": len(first), "tries": attempt + 1,
                                    "error": repr(exc)})
                else:
                    whole = True
                    if attempt:
                        await self._give_turn_back()
                        log.debug("batch fused after conflicts", extra={"tries": attempt + 1})
                    for indexes, outcomes in zip(groups.values(), fused, strict=True):
                        fill(indexes, outcomes)
                break
        if not whole:
            limit = asyncio.Semaphore(GROUPS_AT_ONCE)

            async def run(grid_id: str, family: str, indexes: list[int]) -> None:
                group = [items[i] for i in indexes]
                async with limit:
                    try:
                        (fused,) = await self._transaction(lambda s: self._fuse_groups(s, [group], now))
                    except Exception as exc:  # noqa: BLE001 - the group's messages are retried by the bus
                        log.warning("fusing a group failed; its events are retried",
                                    extra={"grid_id": grid_id, "family": family, "events": len(group),
                                           "error": repr(exc)})
                        fused = [exc] * len(group)
                fill(indexes, fused)

            await asyncio.gather(*(run(grid_id, family, indexes) for (grid_id, family), indexes in groups.items()))
        for i, j in again:
            earlier = results[j]
            results[i] = earlier if isinstance(earlier, Exception) else replace(
                earlier, opened=False, duplicate=True, messages=())
        return results  # type: ignore[return-value]  # every slot is filled above

    async def _claim_turn(self) -> None:
        """Claim the next turn to fuse, unless another fuser holds a fresh claim."""
        now = datetime.now(UTC)
        stale = now - timedelta(seconds=TURN_SECONDS)
        try:
            await self.turns.update_one({"_id": "next", "$or": [{"replica": self.replica}, {"at": {"$lt": stale}}]},
                                        {"$set": {"replica": self.replica, "at": now}}, upsert=True)
        except DuplicateKeyError:
            pass  # another fuser waits already; this one tries again after its pause all the same

    async def _give_turn_back(self) -> None:
        await self.turns.delete_one({"_id": "next", "replica": self.replica})

    async def _wait_for_turn(self) -> None:
        """Before a batch: while another fuser has claimed the next turn (its batch conflicted with
        this one's last), wait for it to commit, up to :data:`TURN_SECONDS` after its claim."""
        loop = asyncio.get_running_loop()
        until = loop.time() + TURN_SECONDS
        while loop.time() < until:
            turn = await self.turns.find_one({"_id": "next"})
            if (turn is None or turn["replica"] == self.replica
                    or turn["at"] < datetime.now(UTC) - timedelta(seconds=TURN_SECONDS)):
                return
            await asyncio.sleep(0.05)

    async def _transaction_once(self, fn):
        """``fn`` in one transaction, tried once (what fails is the caller's to handle), journaled
        before it returns."""
        async with self.client.start_session() as session:
            await self._note(session)
            async with await session.start_transaction(**TXN):
                result = await fn(session)
        await journal(self.db)
        return result

    async def _fuse_groups(self, s: AsyncClientSession, groups: list[list[tuple[events_pb2.DepartmentEvent, Resolution]]],
                           now: datetime) -> list[list[Fused]]:
        """One transaction: groups of events (each of one grid and one family; distinct keys over
        all of them) into cases; the answers group by group.

        Each kind of work is done once for all the groups: the event records are read, the guard
        documents of the groups bumped, the candidate sightings and cases read; then, in memory,
        each group's events are correlated in their order (against the group's candidates and the
        cases the group opened or joined before); then the writes go in bulk: new cases, one
        conditional update per joined case, the event records, the events' sightings, and one
        case-change message per event (its case's version after that event).
        """
        keys = [[event_key(e.department, e.id) for e, _ in group] for group in groups]
        done = await self._fused_records(s, [key for group in keys for key in group])
        answers: list[list[Fused | None]] = [[None] * len(group) for group in groups]
        fresh: dict[tuple[str, str], list[tuple[int, int, events_pb2.DepartmentEvent, Resolution, Sighting]]] = {}
        for g, group in enumerate(groups):
            for n, ((event, resolution), key) in enumerate(zip(group, keys[g], strict=True)):
                if key in done:
                    answers[g][n] = Fused(event.id, done[key]["case_id"], done[key]["grid_id"], opened=False,
                                          duplicate=True, department=event.department)
                else:
                    sighting = sighting_of(event, resolution)
                    fresh.setdefault((sighting.grid_id, sighting.family), []).append(
                        (g, n, event, resolution, sighting))
        if not fresh:
            return answers  # type: ignore[return-value]
        # Every fuser of a grid and family writes its guard document: concurrent ones conflict, and
        # the retry of the later one sees the earlier one's cases.
        await self.guards.bulk_write([UpdateOne({"_id": f"{grid_id}|{family}"}, {"$inc": {"n": 1}}, upsert=True)
                                      for grid_id, family in fresh], ordered=False, session=s)
        routes = await self._routes(fresh.values())
        # The candidate cases of each grid, of every family: a report joins one of its own family
        # and may be a possible duplicate of any (suggestions cross families).
        pools: dict[str, list[_Candidate]] = {}
        for doc, seen in await self._candidates(s, [f[-1] for group in fresh.values() for f in group]):
            pools.setdefault(doc["grid_id"], []).append(_Candidate(doc, seen))
        opened: list[_Candidate] = []
        records: list[ReplaceOne] = []
        stored: list[dict[str, Any]] = []
        messages: list[dict[str, Any]] = []
        for (grid_id, _family), group in fresh.items():
            pool = pools.setdefault(grid_id, [])
            for g, n, event, resolution, sighting in group:
                key = keys[g][n]
                department = event.department
                severity = SEVERITY_FROM_PROTO.get(event.severity) or "medium"
                entry = {
                    "at": now,
                    "action": "reported",
                    "actor": f"department:{department}",
                    "role": "department",
                    "event_id": event.id,
                    "department": department,
                    "note": event.summary[:200],
                }
                match, why, linked, alike = self._correlate(pool, sighting)
                if match is not None:
                    doc = match.doc
                    entry.update(
                        action="correlated", from_status=doc["status"], to_status=doc["status"],
                        from_level=doc["level"], level=doc["level"], score=why.score, reasons=list(why.reasons),
                    )
                    in_case = match.join(key, sighting, entry, department, severity, now)
                    opens, change = False, "updated"
                else:
                    grid = self.grids.get(grid_id, {})
                    entry.update(from_status="", to_status="reported", from_level="", level="grid")
                    if linked:
                        entry["note"] = f"{entry['note']} (linked to closed case {linked})"
                    route = routes.get(resolution.compound_id) if routed(sighting.family, resolution.compound_id) else None
                    if route is not None and route.note():
                        entry["routed_to"] = route.note()
                    match = _Candidate(self._new_case(event, sighting, grid, severity, entry, linked, now,
                                                      resolution.compound_id), [sighting], new=True)
                    pool.append(match)
                    opened.append(match)
                    opens, change, in_case = True, "opened", True
                for other, verdict in alike:
                    if other is not match:
                        match.suspect(other.doc["_id"], verdict)
                        other.suspect(match.doc["_id"], verdict)
                doc = match.doc
                stored.append(sighting_store.document(sighting, doc["_id"]))
                # The change continues the event's trace: from the department's acceptance to the live feed.
                message = outbox.case_change(case_to_proto(doc), change, now, traceparent=event.traceparent)
                messages.append(message)
                record = {
                    "_id": key,
                    "event_id": event.id,
                    "status": "fused",
                    "case_id": doc["_id"],
                    "case_version": doc["version"],
                    "grid_id": grid_id,
                    "department": department,
                    "category": event.category,
                    "method": resolution.method,
                    "confidence": resolution.confidence,
                    "fused_at": now,
                    "replica": self.replica,
                    "event": event.SerializeToString(),
                }
                if not in_case:
                    record["timeline_entry"] = entry
                records.append(ReplaceOne({"_id": key}, record, upsert=True))
                answers[g][n] = Fused(event.id, doc["_id"], grid_id, opened=opens, duplicate=False,
                                      version=doc["version"], messages=(message["_id"],), department=department)
        joined = [case for pool in pools.values() for case in pool if case.joined and not case.new]
        suspected = [case for pool in pools.values() for case in pool if case.suspected and not case.new and not case.joined]
        if opened:
            await self.cases.insert_many([c.doc for c in opened], session=s)
        if joined:
            result = await self.cases.bulk_write(
                [UpdateOne({"_id": case.doc["_id"], "version": case.read_version}, case.update(now)) for case in joined],
                ordered=False, session=s)
            if result.matched_count != len(joined):
                raise Conflict(f"{len(joined) - result.matched_count} of the {len(joined)} joined case(s) changed "
                               "while fusing events into them")
        if suspected:
            await self.cases.bulk_write(
                [UpdateOne({"_id": case.doc["_id"]}, {"$set": {"possible_duplicates": case.doc["possible_duplicates"]}})
                 for case in suspected], ordered=False, session=s)
        await self.events.bulk_write(records, session=s)
        await self.sightings.bulk_write([ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in stored], session=s)
        await outbox.put(self.outbox, messages, session=s)
        return answers  # type: ignore[return-value]

    async def _routes(self, fresh) -> dict[str, PropertyRoute]:
        """The routes of the compounds of the property-management events being fused (红色物业), by
        compound: one read of the register, only for a batch that has such events."""
        wanted = {resolution.compound_id for group in fresh for _, _, _, resolution, sighting in group
                  if routed(sighting.family, resolution.compound_id)}
        if not wanted or self.co_governance is None:
            return {}
        return await self.co_governance.property_routes(wanted)

    async def _fused_records(self, s: AsyncClientSession, keys: list[str]) -> dict[str, dict[str, Any]]:
        """The records of these event keys that are fused already, by key.

        Read by ``_id`` alone, a piece of :data:`~services.platform.mongo.IDS_PER_QUERY` keys at a
        time, one after the other (a session runs one operation at a time); the status is tested
        here, not in the query: an ``_id`` list beside another condition is a scan of every event
        record on SecantusDB (MongoDB would use the ``_id`` index either way).
        """
        done: dict[str, dict[str, Any]] = {}
        for piece in pieces(keys):
            async for d in self.events.find({"_id": {"$in": piece}}, {"case_id": 1, "grid_id": 1, "status": 1},
                                            session=s):
                if d.get("status") == "fused":
                    done[d["_id"]] = d
        return done

    async def _candidates(self, s: AsyncClientSession, fresh: list[Sighting]) -> list[tuple[dict[str, Any], list[Sighting]]]:
        """The cases that one of the ``fresh`` sightings (of any grids and families) is the same
        incident as, oldest opened first (then by id), each (read without its timeline) with its
        stored sightings that matched.

        The stored sightings are looked up by the fresh ones' place and subject keys (index reads,
        a few per kind of key, bounded by grid, family, place, subject and time), and only those
        :func:`same_incident` accepts for one of the fresh sightings of their grid and family
        bring their case in.
        """
        near: list[str] = []
        subject: list[str] = []
        # Which fresh sightings looked under each key: a stored sighting is compared with those
        # only, not with every fresh sighting of its grid.
        by_key: dict[str, list[Sighting]] = {}
        for sighting in fresh:
            n, sub = candidate_keys(sighting)
            near += n
            subject += sub
            for key in (*n, *sub):
                by_key.setdefault(key, []).append(sighting)
        matched: dict[str, list[Sighting]] = {}
        for doc in await sighting_store.find(self.sightings, s, near, subject):
            seen = sighting_store.sighting_of(doc)
            looking = {id(f): f for key in (doc.get("place_key"), doc.get("subject_key")) if key
                       for f in by_key.get(key, ())}
            verdicts = (assess(sighting, seen) for sighting in looking.values())
            if any(v is not None and (v.fuse or v.suggest) for v in verdicts):
                matched.setdefault(doc["case_id"], []).append(seen)
        if not matched:
            return []
        found: list[dict[str, Any]] = []
        for piece in pieces(sorted(matched)):
            found += await self.cases.find({"_id": {"$in": piece}}, WITHOUT_TIMELINE, session=s).to_list()
        found.sort(key=lambda doc: (doc["opened_at"], doc["_id"]))
        return [(doc, matched[doc["_id"]]) for doc in found]

    @staticmethod
    def _correlate(pool: list[_Candidate], sighting: Sighting) -> tuple[
            _Candidate | None, Verdict | None, str | None, list[tuple[_Candidate, Verdict]]]:
        """The open case this sighting joins (the first of the pool it is the same incident as)
        and why, else the closed case a new one should link to; and the open cases it may be a
        duplicate of (any family; another open case it is the same incident as too), each with
        the best verdict over its sightings."""
        match: _Candidate | None = None
        why: Verdict | None = None
        linked: str | None = None
        alike: list[tuple[_Candidate, Verdict]] = []
        for case in pool:
            verdicts = [v for v in (assess(sighting, seen) for seen in case.sightings) if v is not None]
            if not verdicts:
                continue
            best = max(verdicts, key=lambda v: (v.fuse, v.score))
            status = case.doc["status"]
            if best.fuse and status in CLOSED_STATUSES:
                linked = case.doc["_id"]
            elif best.fuse and match is None and status != "merged":
                match, why = case, best
            elif (best.fuse or best.suggest) and status not in FINISHED:
                alike.append((case, best))
        return match, why, None if match else linked, alike

    def _new_case(self, event: events_pb2.DepartmentEvent, sighting: Sighting, grid: dict[str, Any], severity: str,
                  entry: dict[str, Any], linked: str | None, now: datetime, compound_id: str = "") -> dict[str, Any]:
        return {
            "_id": case_id_for(event),
            "grid_id": sighting.grid_id,
            "compound_id": compound_id,
            "community_id": grid.get("community_id", ""),
            "street_id": grid.get("street_id", ""),
            "category": event.category,
            "family": sighting.family,
            "status": "reported",
            "level": "grid",
            "departments": [event.department],
            "event_ids": [sighting.event_id],
            "summary": event.summary,
            "severity": severity,
            "subject_id": event.subject_id,
            "risk_level": "",
            "handed_to": "",
            "result": "",
            "linked_case_id": linked or "",
            "possible_duplicates": [],
            "merged_into": "",
            "merged_from": [],
            "split_from": "",
            "rating": 0,
            "opened_at": now,
            "updated_at": now,
            "level_started_at": now,
            "due_at": now + deadline("grid", sighting.family),
            "deadline_at": now + deadline("grid", sighting.family),
            "overdue": False,
            "closed_at": None,
            "last_seen": sighting.time,
            "timeline": [entry],
            "applied": [],
            "version": 1,
        }

    async def _announce(self, s: AsyncClientSession, case_id: str, change: str, now: datetime,
                        extra: list[dict[str, Any]] | None = None) -> str:
        """Put the case-change message (and any others) in the outbox, in the transaction."""
        doc = await self.cases.find_one({"_id": case_id}, WITHOUT_TIMELINE, session=s)
        message = outbox.case_change(case_to_proto(doc), change, now)
        await outbox.put(self.outbox, [message, *(extra or [])], session=s)
        return message["_id"]

    # -- the closed loop -------------------------------------------------------------------

    async def act(self, case_id: str, request: Request, actor: Actor, now: datetime, *, key: str = "") -> Acted:
        """Apply one action; raises :class:`Refused` with the reason when it is not allowed.

        ``key`` makes the action idempotent (a department's result id): an action already
        applied under the same key changes nothing and answers ``duplicate``.
        """
        return await self._transaction(lambda s: self._act(s, case_id, request, actor, now, key))

    async def _act(self, s: AsyncClientSession, case_id: str, request: Request, actor: Actor, now: datetime,
                   key: str) -> Acted:
        doc = await self.cases.find_one({"_id": case_id}, session=s)
        # A resident rating a closure has no scope: the gateway established it reported the case.
        if doc is None or not (sees_case(actor, doc) or request.action == "rate"):
            raise Refused("not_found", f"no case {case_id!r} in your scope")
        if key and key in doc.get("applied", []):
            return Acted(doc, None, duplicate=True)
        transition = workflow.decide(doc, request, actor, now)
        if transition.action in workflow.REARRANGING:  # merge, split: both cases' side in .merging
            messages = await merging.carry_out(self, s, doc, request, transition, actor, now)
            return Acted(await self.cases.find_one({"_id": case_id}, session=s), transition, messages)
        extra: list[dict[str, Any]] = []
        version = doc.get("version", 1) + 1
        if transition.action == "hand_over":
            extra.append(outbox.hand_over(self._hand_over_message(doc, transition, now), transition.set["handed_to"], version, now))
        messages = await self._apply(s, doc, transition, now, key=key, extra=extra)
        after = await self.cases.find_one({"_id": case_id}, session=s)
        return Acted(after, transition, messages)

    async def _apply(self, s: AsyncClientSession, doc: dict[str, Any], transition: Transition, now: datetime, *,
                     key: str = "", extra: list[dict[str, Any]] | None = None) -> list[str]:
        version = doc.get("version", 1) + 1
        update: dict[str, Any] = {"$set": {**transition.set, "version": version,
                                           "deadline_at": deadline_of({**doc, **transition.set})},
                                  "$push": {"timeline": transition.entry}}
        if transition.action == "hand_over":
            update["$addToSet"] = {"departments": transition.set["handed_to"]}
        if key:
            update["$push"]["applied"] = key
        result = await self.cases.update_one({"_id": doc["_id"], "version": doc.get("version", 1)}, update, session=s)
        if result.matched_count != 1:
            raise Conflict(f"case {doc['_id']} changed meanwhile")
        first = await self._announce(s, doc["_id"], transition.change, now, extra)
        return [first, *(m["_id"] for m in extra or [])]

    @staticmethod
    def _hand_over_message(doc: dict[str, Any], transition: Transition, now: datetime) -> departments_pb2.HandOver:
        message = departments_pb2.HandOver(
            case_id=doc["_id"], grid_id=doc["grid_id"], category=doc["category"], summary=doc.get("summary", ""),
            risk_level=doc.get("risk_level", ""), event_ids=doc.get("event_ids", []), note=transition.entry.get("note", ""),
        )
        message.due_at.FromDatetime(transition.set["due_at"])
        message.handed_over_at.FromDatetime(now)
        return message

    async def due_cases(self, now: datetime, limit: int = 200) -> list[str]:
        cursor = self.cases.find({"deadline_at": {"$lte": now}}, {"_id": 1}).sort("deadline_at", ASCENDING).limit(limit)
        return [d["_id"] async for d in cursor]

    async def escalate_due(self, now: datetime, limit: int = 200) -> list[Acted]:
        """Escalate (or mark overdue) every case whose deadline has passed; each exactly once."""
        done: list[Acted] = []
        for case_id in await self.due_cases(now, limit):
            try:
                acted = await self._transaction(lambda s, cid=case_id: self._escalate(s, cid, now))
            except Exception:
                log.exception("automatic escalation failed; next pass retries", extra={"case_id": case_id})
                continue
            if acted is not None:
                done.append(acted)
        return done

    async def _escalate(self, s: AsyncClientSession, case_id: str, now: datetime) -> Acted | None:
        doc = await self.cases.find_one({"_id": case_id}, session=s)
        if doc is None:
            return None
        transition = workflow.auto_escalation(doc, now)
        if transition is None:
            return None  # another replica got there first, or someone acted in time
        # The grid's 包管 cadres are told (services/fusion/notices.py), from this transaction.
        await notices.keep(self.notices, doc, transition.change, transition.entry.get("note", ""), now, session=s)
        messages = await self._apply(s, doc, transition, now)
        return Acted(await self.cases.find_one({"_id": case_id}, session=s), transition, messages)

    # -- dead letters ------------------------------------------------------------------------

    async def record_unfused(self, event: events_pb2.DepartmentEvent | None, event_id: str, *, stage: str, reason: str,
                             origin_subject: str, now: datetime, kind: str = "event") -> None:
        """Keep a dead-lettered message where the API can list it and the event's status explain it.

        It is the department's of the subject it arrived on, whatever its body says; only an event
        whose body agrees can be re-processed.
        """
        parts = origin_subject.split(".")
        department = parts[2] if len(parts) > 2 else ""
        reprocessable = (kind == "event" and event is not None and stage not in ("decode", "identity")
                         and event.department == department)
        if not event_id:
            record_id = f"unknown-{now.timestamp()}"
        elif kind == "event":
            record_id = event_key(department, event_id)
        else:
            record_id = f"{kind}:{department}:{event_id}"
        await self.dead_letters.replace_one(
            {"_id": record_id},
            {
                "event_id": event_id,
                "kind": kind,
                "stage": stage,
                "reason": reason,
                "origin_subject": origin_subject,
                "department": department,
                "dead_lettered_at": now,
                "reprocessed": False,
                "reprocessable": reprocessable,
                "event": event.SerializeToString() if event is not None and kind == "event" else None,
            },
            upsert=True,
        )
        if event_id and kind == "event":
            try:
                await self.events.update_one(
                    {"_id": record_id, "status": {"$ne": "fused"}},
                    {"$set": {"event_id": event_id, "status": "dead_lettered", "reason": reason, "department": department,
                              "category": event.category if event else "", "dead_lettered_at": now,
                              # the event itself, so its status names the trace it was accepted in
                              "event": event.SerializeToString() if event is not None else None}},
                    upsert=True,
                )
            except DuplicateKeyError:
                pass  # fused already (a late duplicate was refused): the fused record stands

    async def mark_reprocessed(self, department: str, event_id: str, case_id: str, now: datetime) -> None:
        await self.dead_letters.update_one(
            {"_id": event_key(department, event_id)}, {"$set": {"reprocessed": True, "reprocessed_at": now, "case_id": case_id}}
        )

    async def dead_letter(self, department: str, event_id: str) -> dict | None:
        """The dead-lettered event (not result) of this department with this id."""
        return await self.dead_letters.find_one({"_id": event_key(department, event_id), "kind": {"$ne": "result"}})

    async def dead_letter_departments(self, event_id: str) -> list[str]:
        """The departments with a dead-lettered event of this id."""
        cursor = self.dead_letters.find({"event_id": event_id, "kind": {"$ne": "result"}}, {"department": 1})
        found = {d.get("department", "") async for d in cursor
                 if d["_id"] == event_key(d.get("department", ""), event_id)}
        return sorted(found)

    # -- reading -----------------------------------------------------------------------------

    async def get_case(self, case_id: str) -> dict | None:
        """The case, with its whole timeline (:meth:`timeline_of`)."""
        doc = await self.cases.find_one({"_id": case_id})
        if doc is not None:
            doc["timeline"] = await self.timeline_of(doc)
        return doc

    async def timeline_of(self, case: dict, records: list[dict] | None = None, *,
                          session: AsyncClientSession | None = None) -> list[dict]:
        """The case's whole timeline: its own (:meth:`own_timeline`) and, interleaved by time, those
        of the cases merged into it, each of their entries marked with ``origin_case_id``."""
        own = await self.own_timeline(case, records, session=session)
        if not case.get("merged_from"):
            return own
        return merging.interleave(own, await merging.merged_timelines(self, case, session=session))

    async def own_timeline(self, case: dict, records: list[dict] | None = None, *,
                           session: AsyncClientSession | None = None) -> list[dict]:
        """The case's own timeline, in the order of its versions: the entries of its document
        and those kept on its events' records (``records``, as :meth:`events_of` answers; read
        here when not given and the document lacks entries). A record that moved to another case
        keeps its entry for the case it names in ``timeline_case``."""
        embedded = list(case.get("timeline", []))
        if case.get("version", 1) <= len(embedded):
            return embedded  # every change has its entry in the document
        fields = {"timeline_entry": 1, "case_version": 1, "case_id": 1, "timeline_case": 1}
        if records is None:
            records = await self.events.find({"case_id": case["_id"]}, fields, session=session).to_list()
        seen = {r["_id"] for r in records}
        records = [*records, *(r for r in await self.events.find({"timeline_case": case["_id"]}, fields,
                                                                  session=session).to_list() if r["_id"] not in seen)]
        kept = [(r["case_version"], r["timeline_entry"]) for r in records
                if r.get("timeline_entry") and r.get("timeline_case", r.get("case_id")) == case["_id"]]
        return whole_timeline(embedded, kept)

    async def get_event(self, department: str, event_id: str) -> dict | None:
        """Fusion's record of the department's event with this id (None for an older shape)."""
        doc = await self.events.find_one({"_id": event_key(department, event_id)})
        return doc if doc is not None and "event_id" in doc else None

    async def find_events(self, event_id: str) -> list[dict]:
        """Every department's record of an event with this id, ordered by department."""
        cursor = self.events.find({"event_id": event_id}).sort("department", ASCENDING)
        return [d async for d in cursor if d["_id"] == event_key(d.get("department", ""), event_id)]

    async def events_of(self, case: dict) -> list[dict]:
        """The records of a case's events, in the order they joined it."""
        keys = list(case.get("event_ids", []))
        found = {d["_id"]: d for d in await find_by_ids(self.events, keys) if "event_id" in d}
        return [found[k] for k in keys if k in found]
