"""Joint meetings (联席会议): "one branch, one committee, one meeting" — the grid's party branch
sits down with the street, the community, the owners' committee, the property company, the
resident units and the social organisations of the grid.

    plan       a grid's staff, its community, street or the county set the date; the grid's
               co-governance actors are invited; the agenda takes the open cases and residents'
               orders the organiser chose, and every open decision of the grid's earlier
               meetings, to be followed up (``follow_up`` items)
    minutes    the meeting is held: minutes, who came, the decisions — each with an owner and a
               due date; one about a case may carry a step of the closed loop, which the
               gateway takes on the case and whose outcome is kept — and what became of the
               earlier decisions (done, dropped, or carried to the next meeting)
    close      a decision done or dropped between meetings

Kept in ``meetings``, one document per meeting with its decisions inside; a decision is named
``<meeting_id>/<decision_id>`` outside it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from .co_governance import CoGovernanceStore
from .grid_records import GridRecords
from .organisations import Refused

COLLECTION = "meetings"
AGENDA_KINDS = ("case", "order", "follow_up", "topic")
FOLLOW_UP_STATUSES = ("done", "dropped", "open")
DECISION_STATUSES = ("open", "done", "dropped")
MAX_TEXT = 4000
MAX_TITLE = 200
MAX_ITEMS = 100
INDEXES = [IndexModel([("grid_id", ASCENDING), ("starts_at", DESCENDING)], name="grid_time"),
           IndexModel([("starts_at", DESCENDING)], name="time"),
           IndexModel([("decisions.status", ASCENDING), ("grid_id", ASCENDING)], name="open_decisions")]


@dataclass
class Invitee:
    party: str
    name: str
    org_id: str = ""


@dataclass
class AgendaItem:
    item_id: str
    kind: str
    ref: str
    title: str


@dataclass
class Decision:
    decision_id: str
    text: str
    owner: str
    due_at: datetime
    case_id: str = ""
    action: str = ""
    department: str = ""
    status: str = "open"
    outcome: str = ""
    closed_by: str = ""
    closed_at: datetime | None = None
    closing_note: str = ""
    followed_up_in: list[str] = field(default_factory=list)
    meeting_id: str = ""
    grid_id: str = ""
    community_id: str = ""
    street_id: str = ""


@dataclass
class Meeting:
    meeting_id: str
    grid_id: str
    title: str
    starts_at: datetime
    place: str = ""
    status: str = "planned"
    convened_by: str = ""
    invitees: list[Invitee] = field(default_factory=list)
    agenda: list[AgendaItem] = field(default_factory=list)
    minutes: str = ""
    attendees: list[str] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    held_at: datetime | None = None
    recorded_by: str = ""
    community_id: str = ""
    street_id: str = ""


@dataclass
class FollowUp:
    ref: str
    status: str
    note: str = ""


def split_ref(ref: str) -> tuple[str, str]:
    """``<meeting_id>/<decision_id>`` → its two parts; INVALID_ARGUMENT otherwise."""
    meeting_id, _, decision_id = ref.partition("/")
    if not meeting_id or not decision_id:
        raise Refused("invalid", f"{ref!r}: a decision is named <meeting_id>/<decision_id>")
    return meeting_id, decision_id


def _text(value: str, name: str, limit: int = MAX_TEXT, *, required: bool = True) -> str:
    value = value.strip()
    if (required and not value) or len(value) > limit:
        raise Refused("invalid", f"{name}: {'1' if required else '0'} to {limit} characters")
    return value


class MeetingStore(GridRecords):
    def __init__(self, db: AsyncDatabase, co_governance: CoGovernanceStore) -> None:
        super().__init__(db, COLLECTION, INDEXES)
        self.co_governance = co_governance
        self.names: dict[str, str] = {}

    def use_names(self, names: dict[str, str]) -> None:
        """The names of the streets, communities and grids by id (the invitees' names)."""
        self.names = names

    def _decision(self, doc: dict, meeting: dict) -> Decision:
        d = Decision(**doc)
        d.meeting_id, d.grid_id = meeting["_id"], meeting["grid_id"]
        d.community_id, d.street_id = self.place(d.grid_id)
        return d

    def _of(self, doc: dict) -> Meeting:
        m = Meeting(
            meeting_id=doc["_id"], grid_id=doc["grid_id"], title=doc["title"], starts_at=doc["starts_at"],
            place=doc.get("place", ""), status=doc["status"], convened_by=doc.get("convened_by", ""),
            invitees=[Invitee(**x) for x in doc.get("invitees", [])],
            agenda=[AgendaItem(**x) for x in doc.get("agenda", [])], minutes=doc.get("minutes", ""),
            attendees=list(doc.get("attendees", [])), decisions=[self._decision(x, doc) for x in doc.get("decisions", [])],
            held_at=doc.get("held_at"), recorded_by=doc.get("recorded_by", ""))
        m.community_id, m.street_id = self.place(m.grid_id)
        return m

    async def _open_decisions(self, grid_id: str) -> list[Decision]:
        docs = await self.records.find({"grid_id": grid_id, "decisions.status": "open"}).to_list()
        return [self._decision(x, doc) for doc in docs for x in doc["decisions"] if x["status"] == "open"]

    async def plan(self, meeting: Meeting, items: list[AgendaItem], actor: str) -> Meeting:
        """A meeting of the grid, its invitees its co-governance actors, its agenda ``items``
        (cases and orders the caller checked are the grid's) and the follow-ups."""
        if meeting.grid_id not in self._grids:
            raise Refused("not_found", f"no grid {meeting.grid_id!r}")
        title = _text(meeting.title, "title", MAX_TITLE)
        if len(items) > MAX_ITEMS:
            raise Refused("invalid", f"agenda: at most {MAX_ITEMS} items")
        agenda = []
        for n, item in enumerate(items, 1):
            if item.kind not in ("case", "order", "topic"):
                raise Refused("invalid", f"agenda[{n - 1}].kind: case, order or topic (follow-ups are added)")
            agenda.append({"item_id": f"I{n}", "kind": item.kind, "ref": item.ref.strip(),
                           "title": _text(item.title, f"agenda[{n - 1}].title", MAX_TITLE)})
        for d in sorted(await self._open_decisions(meeting.grid_id), key=lambda d: (d.due_at, d.meeting_id)):
            agenda.append({"item_id": f"I{len(agenda) + 1}", "kind": "follow_up",
                           "ref": f"{d.meeting_id}/{d.decision_id}", "title": f"{d.text} ({d.owner})"[:MAX_TITLE]})
        community_id, street_id = self.place(meeting.grid_id)
        grid_name = self.names.get(meeting.grid_id, meeting.grid_id)
        invitees = [{"party": "street", "name": self.names.get(street_id, street_id), "org_id": street_id},
                    {"party": "community", "name": self.names.get(community_id, community_id), "org_id": community_id},
                    {"party": "branch", "name": f"{grid_name}党支部", "org_id": f"branch-{meeting.grid_id}"}]
        invitees += [{"party": a.kind, "name": a.name, "org_id": a.org_id}
                     for a in await self.co_governance.in_area("", "", meeting.grid_id, "")]
        doc = {"_id": f"M{uuid.uuid4().hex[:12]}", "grid_id": meeting.grid_id, "title": title,
               "place": _text(meeting.place, "place", MAX_TITLE, required=False), "starts_at": meeting.starts_at,
               "status": "planned", "convened_by": actor, "invitees": invitees, "agenda": agenda, "minutes": "",
               "attendees": [], "decisions": [], "held_at": None, "recorded_by": ""}
        await self.records.insert_one(doc)
        return self._of(doc)

    async def get(self, meeting_id: str) -> Meeting:
        doc = await self.records.find_one({"_id": meeting_id})
        if doc is None or doc["grid_id"] not in self._grids:
            raise Refused("not_found", f"no meeting {meeting_id!r}")
        return self._of(doc)

    async def in_area(self, street_id: str, community_id: str, grid_id: str, status: str, page: int,
                      size: int) -> tuple[list[Meeting], int]:
        query: dict = {"grid_id": {"$in": self.grids_in(street_id, community_id, grid_id)}}
        if status:
            query["status"] = status
        total = await self.records.count_documents(query)
        docs = await (self.records.find(query).sort([("starts_at", DESCENDING), ("_id", ASCENDING)])
                      .skip((max(page, 1) - 1) * size).limit(size).to_list())
        return [self._of(d) for d in docs], total

    async def record_minutes(self, meeting_id: str, minutes: str, attendees: list[str], decisions: list[Decision],
                             follow_ups: list[FollowUp], actor: str, now: datetime) -> Meeting:
        meeting = await self.get(meeting_id)
        if meeting.status != "planned":
            raise Refused("state", f"the minutes of meeting {meeting_id} were recorded at {meeting.held_at}")
        minutes = _text(minutes, "minutes")
        people = list(dict.fromkeys(a.strip() for a in attendees if a.strip()))
        if not people or len(people) > MAX_ITEMS:
            raise Refused("invalid", f"attendees: who came, 1 to {MAX_ITEMS}")
        if len(decisions) > MAX_ITEMS or len(follow_ups) > MAX_ITEMS:
            raise Refused("invalid", f"decisions, follow_ups: at most {MAX_ITEMS} each")
        made = []
        for n, d in enumerate(decisions):
            if d.action and not d.case_id:
                raise Refused("invalid", f"decisions[{n}].action: a step of the closed loop needs the case_id")
            made.append({"decision_id": f"D{n + 1}", "text": _text(d.text, f"decisions[{n}].text"),
                         "owner": _text(d.owner, f"decisions[{n}].owner", MAX_TITLE), "due_at": d.due_at,
                         "case_id": d.case_id, "action": d.action, "department": d.department, "status": "open",
                         "outcome": "", "closed_by": "", "closed_at": None, "closing_note": "", "followed_up_in": []})
        earlier = {}
        for n, f in enumerate(follow_ups):
            if f.status not in FOLLOW_UP_STATUSES:
                raise Refused("invalid", f"follow_ups[{n}].status: one of {', '.join(FOLLOW_UP_STATUSES)}")
            other_id, decision_id = split_ref(f.ref)
            other = await self.records.find_one({"_id": other_id, "grid_id": meeting.grid_id})
            held = next((x for x in (other or {}).get("decisions", []) if x["decision_id"] == decision_id), None)
            if held is None or held["status"] != "open" or other_id == meeting_id:
                raise Refused("invalid", f"follow_ups[{n}].ref: {f.ref!r} is no open decision of this grid's "
                                         "earlier meetings")
            earlier[(other_id, decision_id)] = f
        claimed = await self.records.update_one(
            {"_id": meeting_id, "status": "planned"},
            {"$set": {"status": "held", "minutes": minutes, "attendees": people, "decisions": made, "held_at": now,
                      "recorded_by": actor}})
        if claimed.modified_count == 0:
            raise Refused("state", f"the minutes of meeting {meeting_id} were recorded meanwhile")
        for (other_id, decision_id), f in earlier.items():
            closing = {} if f.status == "open" else {
                "decisions.$.status": f.status, "decisions.$.closed_by": actor, "decisions.$.closed_at": now,
                "decisions.$.closing_note": f.note.strip()[:MAX_TEXT]}
            await self.records.update_one(
                {"_id": other_id, "decisions": {"$elemMatch": {"decision_id": decision_id, "status": "open"}}},
                {"$set": closing, "$push": {"decisions.$.followed_up_in": meeting_id}} if closing
                else {"$push": {"decisions.$.followed_up_in": meeting_id}})
        return await self.get(meeting_id)

    async def set_outcome(self, meeting_id: str, decision_id: str, outcome: str) -> Meeting:
        found = await self.records.update_one({"_id": meeting_id, "decisions.decision_id": decision_id},
                                              {"$set": {"decisions.$.outcome": outcome[:MAX_TEXT]}})
        if found.matched_count == 0:
            raise Refused("not_found", f"no decision {meeting_id}/{decision_id}")
        return await self.get(meeting_id)

    async def decisions(self, street_id: str, community_id: str, grid_id: str, status: str,
                        due_before: datetime | None) -> list[Decision]:
        status = status or "open"
        if status not in DECISION_STATUSES:
            raise Refused("invalid", f"status: one of {', '.join(DECISION_STATUSES)}")
        docs = await self.records.find({"grid_id": {"$in": self.grids_in(street_id, community_id, grid_id)},
                                        "decisions.status": status}).to_list()
        found = [self._decision(x, doc) for doc in docs for x in doc["decisions"] if x["status"] == status
                 and (due_before is None or x["due_at"] < due_before)]
        return sorted(found, key=lambda d: (d.due_at, d.meeting_id, d.decision_id))

    async def close(self, meeting_id: str, decision_id: str, status: str, note: str, actor: str,
                    now: datetime) -> Decision:
        if status not in ("done", "dropped"):
            raise Refused("invalid", "status: done or dropped")
        meeting = await self.get(meeting_id)
        held = next((d for d in meeting.decisions if d.decision_id == decision_id), None)
        if held is None:
            raise Refused("not_found", f"no decision {meeting_id}/{decision_id}")
        changed = await self.records.update_one(
            {"_id": meeting_id, "decisions": {"$elemMatch": {"decision_id": decision_id, "status": "open"}}},
            {"$set": {"decisions.$.status": status, "decisions.$.closed_by": actor, "decisions.$.closed_at": now,
                      "decisions.$.closing_note": note.strip()[:MAX_TEXT]}})
        if changed.modified_count == 0:
            raise Refused("state", f"decision {meeting_id}/{decision_id} is {held.status}, not open")
        return next(d for d in (await self.get(meeting_id)).decisions if d.decision_id == decision_id)
