"""Merging two cases of one incident, splitting two incidents out of one case.

**Merge** (``{"action": "merge", "into": X}`` on case S): S closes as ``merged`` (finished: no
deadline, ``merged_into`` = X) and its events, departments and timeline go on in X — X's
``event_ids`` gain S's, its ``departments`` the union, its ``merged_from`` S; every event record
and sighting of S points to X, so a later report of the incident joins X. X's timeline as read
(:meth:`.cases.CaseStore.timeline_of`) holds S's entries interleaved by time, each marked with
``origin_case_id`` = S; S keeps its own, and its ``event_ids`` as they were (what it was). Hand-overs
and deadlines follow the surviving case: X keeps its status, level and deadline, and a handling
result a department reports later for S is applied to the case S was merged into (followed along
``merged_into`` to the case still open, :func:`surviving`), which refuses it as it would refuse any
result its state does not allow (the result is dead-lettered with the reason). S's place in the
loop before the merge is kept on it (``before_merge``) for a split that restores it. S leaves the
possible duplicates of X and of every case its own list named; its list is emptied.

**Split** (``{"action": "split", "event_ids": [...]}`` on case X): the events named (each
``<department>:<event_id>`` as in ``event_ids``, or the bare id when exactly one of the case's
events has it) leave for a new case that keeps their history: its id derives from X and X's version
(:func:`split_case_id`, so a retry of the same split names the same case), it has X's grid and
place, the category of the first event moved, ``split_from`` = X, the entries of X's timeline about
those events and a ``split`` entry, and it starts where X stands in the loop — except that a case
X handed to a department splits off ``assessed`` at street level with a fresh street deadline (the
street centre decides whom to hand it to). X keeps the other events (at least one must stay), its
departments counted again from their records. When the events named are exactly those of a case M
merged into X, the split restores M instead: back to the status, level and deadline it had
before the merge. Each side of either action gets a timeline entry (``other_case_id`` the other
case) and one case-change message; all of it is one transaction, the case updates conditional on
the versions read.

A correlated report's timeline entry kept on its event's record (see :mod:`.cases`) belongs to the
versions of the case it was fused into; when such a record moves to another case it is marked with
that case (``timeline_case``), so each case's timeline keeps its own entries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from gridfusion.events.v1 import events_pb2
from pymongo import UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from services.platform.mongo import pieces
from services.platform.scope import sees_case
from services.platform.vocabulary import SEVERITY_FROM_PROTO, SEVERITY_RANK

from . import workflow
from .deadlines import deadline
from .workflow import Actor, Refused, Request, Transition

if TYPE_CHECKING:
    from .cases import CaseStore

# What a case keeps of its place in the loop when it is merged, and gets back when split out again.
BEFORE_MERGE = ("status", "level", "level_started_at", "due_at", "overdue")
# How far a chain of merges is followed (a case merged into one merged into another, ...).
CHAIN_MAX = 50


# -- pure planning ------------------------------------------------------------------------------

def split_case_id(case: Mapping[str, Any], now: datetime) -> str:
    """The id of the case a split of ``case`` at its current version opens (the same for a retry)."""
    digest = hashlib.sha256(f"split/{case['_id']}/{case.get('version', 1)}".encode()).hexdigest()[:10].upper()
    return f"C{now.strftime('%Y%m%d')}-{digest}"


def resolve_events(event_ids: Sequence[str], given: Iterable[str]) -> list[str]:
    """The case's event keys that ``given`` names, in the case's order; :class:`Refused` (invalid,
    ``event_ids``) naming what is not in the case, names two of its events, or leaves none behind."""
    keys = list(event_ids)
    exact = set(keys)
    by_id: dict[str, list[str]] = {}
    for key in keys:
        by_id.setdefault(key.split(":", 1)[-1], []).append(key)
    chosen: set[str] = set()
    missing: list[str] = []
    ambiguous: list[str] = []
    for name in given:
        if name in exact:
            chosen.add(name)
        elif len(by_id.get(name, ())) == 1:
            chosen.add(by_id[name][0])
        elif by_id.get(name):
            ambiguous.append(f"{name} ({', '.join(by_id[name])})")
        else:
            missing.append(name)
    if missing:
        raise Refused("invalid", f"not events of this case: {', '.join(missing)}", "event_ids")
    if ambiguous:
        raise Refused("invalid", f"used by several departments in this case, name it as <department>:<event_id>: "
                                 f"{'; '.join(ambiguous)}", "event_ids")
    if not chosen:
        raise Refused("invalid", "split needs at least one event of the case", "event_ids")
    if len(chosen) == len(exact):
        raise Refused("invalid", "a split cannot move every event of the case: at least one must stay", "event_ids")
    return [k for k in keys if k in chosen]


def entry_key(entry: Mapping[str, Any]) -> str:
    """The event key (``<department>:<id>``) a timeline entry is about, or ``""``."""
    if not entry.get("event_id"):
        return ""
    return f"{entry.get('department', '')}:{entry['event_id']}"


def interleave(own: list[dict[str, Any]], merged: Mapping[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """A surviving case's timeline: its own entries and those of each case merged into it (marked
    with ``origin_case_id``, the case they were written in), by time; at equal times its own first."""
    entries = list(own)
    for case_id, timeline in merged.items():
        entries += [{**e, "origin_case_id": e.get("origin_case_id") or case_id} for e in timeline]
    return sorted(entries, key=lambda e: e["at"])


def other_refusal(other: Mapping[str, Any] | None, into: str, actor: Actor) -> Refused | None:
    """Why ``actor`` may not merge a case into ``other`` (the case ``into`` names), or None."""
    if other is None or not sees_case(actor, other):
        return Refused("not_found", f"no case {into!r} in your scope to merge into")
    refused = workflow.refusal(other, "merge", actor)
    if refused is not None:
        return Refused(refused.kind, f"case {into}: {refused.reason}")
    return None


@dataclass
class Split:
    """What a split changes: the events moving and where (``restored``: back to a merged case)."""

    moved: list[str]
    remaining: list[str]
    target: str
    restored: dict[str, Any] | None = None


# -- the store ----------------------------------------------------------------------------------

async def carry_out(store: CaseStore, s: AsyncClientSession, doc: dict[str, Any], request: Request,
                    transition: Transition, actor: Actor, now: datetime) -> list[str]:
    """Carry out a merge or split ``transition`` of case ``doc`` (read in the transaction ``s``);
    the outbox ids of the case changes to publish."""
    if transition.action == "merge":
        return await _merge(store, s, doc, request.into.strip(), transition, actor, now)
    return await _split(store, s, doc, request, transition, actor, now)


async def _merge(store: CaseStore, s: AsyncClientSession, doc: dict[str, Any], into: str, transition: Transition,
                 actor: Actor, now: datetime) -> list[str]:
    other = await store.cases.find_one({"_id": into}, session=s)
    refused = other_refusal(other, into, actor)
    if refused is not None:
        raise refused
    assert other is not None
    source = doc["_id"]
    await _mark_kept(store.events, s, {"case_id": source})
    await store.events.update_many({"case_id": source}, {"$set": {"case_id": into}}, session=s)
    await store.sightings.update_many({"case_id": source}, {"$set": {"case_id": into}}, session=s)
    await _update(store, s, doc, {"$set": {**transition.set, "deadline_at": None}, "$push": {"timeline": transition.entry}})
    entry = {**_entry_of(other, actor, now, "merge", transition.entry["note"]), "other_case_id": source}
    joined = [k for k in doc.get("event_ids", []) if k not in set(other.get("event_ids", []))]
    sets: dict[str, Any] = {"updated_at": now}
    severity = doc.get("severity")
    if SEVERITY_RANK.get(severity or "", 0) > SEVERITY_RANK.get(other.get("severity", ""), 0):
        sets["severity"] = severity
    update: dict[str, Any] = {
        "$set": sets,
        "$push": {"event_ids": {"$each": joined}, "timeline": entry, "merged_from": source},
        "$addToSet": {"departments": {"$each": list(doc.get("departments", []))}},
        "$pull": {"possible_duplicates": {"case_id": source}},
    }
    if doc.get("last_seen") is not None:
        update["$max"] = {"last_seen": doc["last_seen"]}
    await _update(store, s, other, update)
    named = [d["case_id"] for d in doc.get("possible_duplicates") or () if d.get("case_id") not in (into, source)]
    for piece in pieces(named):
        await store.cases.update_many({"_id": {"$in": piece}}, {"$pull": {"possible_duplicates": {"case_id": source}}},
                                      session=s)
    return [await store._announce(s, source, transition.change, now),
            await store._announce(s, into, transition.change, now)]


async def _split(store: CaseStore, s: AsyncClientSession, doc: dict[str, Any], request: Request, transition: Transition,
                 actor: Actor, now: datetime) -> list[str]:
    moved = resolve_events(doc.get("event_ids", []), request.event_ids)
    remaining = [k for k in doc.get("event_ids", []) if k not in set(moved)]
    restored = await _merged_with(store, s, doc, moved)
    target = restored["_id"] if restored is not None else split_case_id(doc, now)
    records = await _records(store.events, s, moved, {"department": 1, "category": 1, "event": 1, "case_id": 1,
                                                      "timeline_entry": 1, "timeline_case": 1})
    kept = await _records(store.events, s, remaining, {"department": 1})
    entry_here = {**transition.entry, "other_case_id": target, "event_ids": moved}
    departments = _unique([r.get("department", "") for r in kept] + ([doc["handed_to"]] if doc.get("handed_to") else []))
    update: dict[str, Any] = {"$set": {**transition.set, "event_ids": remaining, "departments": departments},
                              "$push": {"timeline": entry_here}}
    if restored is not None:
        update["$pull"] = {"merged_from": target}
    if restored is not None:
        back = dict(restored.get("before_merge") or {})
        sets = {**{name: back.get(name) for name in BEFORE_MERGE if name in back}, "merged_into": "", "updated_at": now}
        sets["deadline_at"] = _deadline_of({**restored, **sets})
        entry = {**_entry_of(restored, actor, now, "split", transition.entry["note"]),
                 "to_status": sets.get("status", restored["status"]), "level": sets.get("level", restored["level"]),
                 "other_case_id": doc["_id"], "event_ids": moved}
        await _update(store, s, restored, {"$set": sets, "$unset": {"before_merge": ""}, "$push": {"timeline": entry}})
    else:
        history = await store.timeline_of(doc, session=s)
        await store.cases.insert_one(_new_case(doc, target, moved, records, history, actor, transition, now),
                                     session=s)
    await _update(store, s, doc, update)
    await _move_records(store.events, s, records, target)
    for piece in pieces(moved):
        await store.sightings.update_many({"_id": {"$in": piece}}, {"$set": {"case_id": target}}, session=s)
    return [await store._announce(s, doc["_id"], transition.change, now),
            await store._announce(s, target, "split" if restored is not None else "opened", now)]


def _new_case(doc: dict[str, Any], case_id: str, moved: list[str], records: list[dict[str, Any]],
              history: list[dict[str, Any]], actor: Actor, transition: Transition, now: datetime) -> dict[str, Any]:
    """The case a split opens for the ``moved`` events of ``doc``: their history and where ``doc`` stands."""
    by_key = {r["_id"]: r for r in records}
    events = [events_pb2.DepartmentEvent.FromString(by_key[k]["event"]) for k in moved if by_key.get(k, {}).get("event")]
    first = by_key.get(moved[0], {})
    category = first.get("category") or doc["category"]
    family = category.split(".", 1)[0]
    wanted = set(moved)
    timeline = [e for e in history if entry_key(e) in wanted]
    severities = [SEVERITY_FROM_PROTO.get(e.severity) or "medium" for e in events]
    handed = doc.get("level") == "department"
    risk = doc.get("risk_level", "")
    where: dict[str, Any]
    if handed:  # never handed over itself: the street centre decides whom to hand it to
        where = {"status": "assessed", "level": "street", "level_started_at": now,
                 "due_at": now + deadline("street", family, risk), "overdue": False}
    else:
        where = {name: doc.get(name) for name in ("status", "level", "level_started_at", "due_at")}
        where["overdue"] = bool(doc.get("overdue"))
    entry = {"at": now, "action": "split", "actor": actor.username, "role": actor.role, "from_status": "",
             "to_status": where["status"], "from_level": "", "level": where["level"],
             "note": transition.entry.get("note", ""), "other_case_id": doc["_id"], "event_ids": moved}
    timeline.append(entry)
    case = {
        "_id": case_id,
        "grid_id": doc["grid_id"],
        "community_id": doc.get("community_id", ""),
        "street_id": doc.get("street_id", ""),
        "compound_id": doc.get("compound_id", ""),
        "category": category,
        "family": family,
        **where,
        "departments": _unique(by_key.get(k, {}).get("department", k.split(":", 1)[0]) for k in moved),
        "event_ids": moved,
        "summary": events[0].summary if events else doc.get("summary", ""),
        "severity": max(severities, key=lambda v: SEVERITY_RANK[v]) if severities else doc.get("severity", "medium"),
        "subject_id": events[0].subject_id if events else "",
        "risk_level": risk,
        "handed_to": "",
        "result": "",
        "linked_case_id": "",
        "rating": 0,
        "opened_at": now,
        "updated_at": now,
        "closed_at": None,
        "last_seen": max((e.time.ToDatetime(tzinfo=now.tzinfo) for e in events), default=doc.get("last_seen")),
        "split_from": doc["_id"],
        "merged_from": [],
        "possible_duplicates": [],
        "timeline": timeline,
        "applied": [],
        # The entry of version v is the v-th of the timeline (see cases.whole_timeline).
        "version": len(timeline),
    }
    case["deadline_at"] = _deadline_of(case)
    return case


async def _merged_with(store: CaseStore, s: AsyncClientSession, doc: dict[str, Any],
                       moved: list[str]) -> dict[str, Any] | None:
    """The case merged into ``doc`` whose events are exactly ``moved``, or None."""
    wanted = set(moved)
    for case_id in doc.get("merged_from") or ():
        merged = await store.cases.find_one({"_id": case_id}, {"timeline": 0}, session=s)
        if (merged is not None and merged.get("status") == "merged" and merged.get("merged_into") == doc["_id"]
                and set(merged.get("event_ids", [])) == wanted):
            return merged
    return None


async def _update(store: CaseStore, s: AsyncClientSession, doc: dict[str, Any], update: dict[str, Any]) -> None:
    """One conditional update of a case read in the transaction: its version goes up by one."""
    from .cases import Conflict

    update.setdefault("$set", {})["version"] = doc.get("version", 1) + 1
    result = await store.cases.update_one({"_id": doc["_id"], "version": doc.get("version", 1)}, update, session=s)
    if result.matched_count != 1:
        raise Conflict(f"case {doc['_id']} changed meanwhile")


async def _mark_kept(events: AsyncCollection, s: AsyncClientSession, query: dict[str, Any]) -> None:
    """Mark the records (of ``query``, by ``case_id``) whose kept timeline entry belongs to the case
    they point to now, before they move: the entry stays that case's."""
    case_id = query["case_id"]
    await events.update_many({"case_id": case_id, "timeline_entry": {"$exists": True},
                              "timeline_case": {"$exists": False}}, {"$set": {"timeline_case": case_id}}, session=s)


async def _records(events: AsyncCollection, s: AsyncClientSession, keys: list[str],
                   projection: dict[str, int]) -> list[dict[str, Any]]:
    """The records of these event keys, read by ``_id`` in the transaction, a piece at a time."""
    found: list[dict[str, Any]] = []
    for piece in pieces(keys):
        found += await events.find({"_id": {"$in": piece}}, projection, session=s).to_list()
    return found


async def _move_records(events: AsyncCollection, s: AsyncClientSession, records: list[dict[str, Any]],
                        target: str) -> None:
    """Point these records to ``target``; a kept timeline entry stays its case's (``timeline_case``)."""
    writes = []
    for r in records:
        sets: dict[str, Any] = {"case_id": target}
        if r.get("timeline_entry") and not r.get("timeline_case"):
            sets["timeline_case"] = r.get("case_id", "")
        writes.append(UpdateOne({"_id": r["_id"]}, {"$set": sets}))
    if writes:
        await events.bulk_write(writes, ordered=False, session=s)


def _entry_of(doc: Mapping[str, Any], actor: Actor, now: datetime, action: str, note: str) -> dict[str, Any]:
    """The timeline entry of the other side of a merge or split: its status and level unchanged."""
    return {"at": now, "action": action, "actor": actor.username, "role": actor.role,
            "from_status": doc["status"], "to_status": doc["status"], "from_level": doc["level"],
            "level": doc["level"], "note": note}


def _deadline_of(case: Mapping[str, Any]) -> datetime | None:
    from .cases import deadline_of

    return deadline_of(dict(case))


def _unique(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        if v and v not in out:
            out.append(v)
    return out


async def merged_timelines(store: CaseStore, case: Mapping[str, Any], *, session: AsyncClientSession | None = None,
                           seen: frozenset[str] = frozenset()) -> dict[str, list[dict[str, Any]]]:
    """The whole timelines of the cases merged into ``case`` (each with those merged into it), by id."""
    ids = [i for i in case.get("merged_from") or () if i not in seen and i != case.get("_id")]
    out: dict[str, list[dict[str, Any]]] = {}
    if not ids or len(seen) >= CHAIN_MAX:
        return out
    for doc in await store.cases.find({"_id": {"$in": ids}}, session=session).to_list():
        own = await store.own_timeline(doc, session=session)
        deeper = await merged_timelines(store, doc, session=session, seen=seen | {case.get("_id", ""), *ids})
        out[doc["_id"]] = interleave(own, deeper)
    return out


async def surviving(cases: AsyncCollection, case_id: str, *, key: str = "") -> str:
    """The case that carries ``case_id`` on: itself, or the end of its chain of ``merged_into`` (a
    merged case's results, say, go there). The chain stops at a case that already applied ``key``,
    so a result applied before the merge answers as the duplicate it is."""
    current = case_id
    for _ in range(CHAIN_MAX):
        doc = await cases.find_one({"_id": current}, {"status": 1, "merged_into": 1, "applied": 1})
        if doc is None or (key and key in doc.get("applied", [])):
            return current
        if doc.get("status") != "merged" or not doc.get("merged_into"):
            return current
        current = doc["merged_into"]
    return current
