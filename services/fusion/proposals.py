"""Information collection (信息采集): proposals to add or correct a grid's households, residents
and special-population records, reviewed by the community.

The rules, one row per step:

=========  ======================================  ==============================================
step       who                                     refused when
=========  ======================================  ==============================================
propose    the grid's secretary or worker, for a   a bad field (INVALID_ARGUMENT naming it);
           record of its own grid (an added        another grid's record, or a point in another
           household: a point inside its grid)     grid (PERMISSION_DENIED); a correction whose
                                                   ``base_version`` is not the record's version,
                                                   or a person already on the register
                                                   (FAILED_PRECONDITION)
list, get  the county, a street or community (its  a role that sees no area; a proposal outside
           subtree), the grid's staff (its grid)   the caller's area is NOT_FOUND
review     the community of the proposal's grid:   not pending any more (reviewed twice); the
           accept, or reject with a reason         record moved on since the proposal
=========  ======================================  ==============================================

Records and their versions (``register_records``, one document per record, ``<kind>:<id>``):
every record has a version, 1 when it first exists and one more per accepted correction. An
imported household that was never corrected has no document and is at version 1; residents and
special-population records exist only here (the county's exchange format has no people besides
the head of household), so fusion lists them (``ListRecords``) and they change without touching
the reference data.

How an accepted household change reaches every process — the decision. Households are reference
data: fusion's resolver, ``GET /v1/grids/{grid_id}/households`` and the department services'
resolvers all read the current reference version. An accepted addition or correction therefore
becomes **a new reference version derived from the current one** (the household put in, the
counts of the grids it leaves and joins adjusted), stored and made current with
:func:`~services.fusion.reference_store.activate` only while the version it was derived from is
still current, and announced on ``gridfusion.reference.activated`` exactly as an import is:
fusion switches before the review answers, the department services and the gateway follow within
their usual reload (a version derived from local mode's synthetic county is synthetic as that
one is). The version's ``source`` names the proposal and who accepted it, so the
reference history shows every change and a rollback undoes it like any version. Why not a layer
of corrections over the imported version: every reader of reference data (the snapshot the
departments fetch, the export, the stores following the holder) would have to learn to apply
it, while a version is what they all follow already. The cost — a full copy of the county per
accepted household change (about four seconds for the synthetic county's 40,861 households) —
suits changes that people review one by one. An import brings the county's whole data and
supersedes: changes accepted before it are not re-applied to it (a county that exports from
the platform, edits and imports keeps them); the accepted proposals stay listed with the
version each made.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.platform.clock import Clock
from services.platform.scope import GRID_STAFF, Principal, ScopeRefused, place_query, sees_place
from services.platform.vocabulary import ADDRESS_MAX, SUBTYPES
from services.reference import County, Household, Person, is_valid_id_number

from . import reference_store
from .reference import ReferenceHolder, version_to_proto
from .refused import Refused

log = logging.getLogger(__name__)

PROPOSALS = "register_proposals"
RECORDS = "register_records"
KINDS = ("household", "resident", "special_population")
ACTIONS = ("add", "correct")
STATUSES = ("pending", "accepted", "rejected")
DECISIONS = ("accept", "reject")
REVIEWERS = ("community",)
SPECIAL_KINDS: tuple[str, ...] = SUBTYPES["special_population"]
NAME_MAX = 50
NOTE_MAX = 500
REASON_MAX = 500
RESIDENTS_MAX = 50
ID_MAX = 64
# A review claims its proposal while it applies it; a claim left by a replica that died is taken
# over after this.
CLAIM = timedelta(minutes=5)
# Tries to derive a version when another became current meanwhile (an import, another review).
DERIVE_TRIES = 3
_PHONE = re.compile(r"^(?:1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$")
_ID = re.compile(r"^[A-Za-z0-9_-]+$")

INDEXES = {
    PROPOSALS: [
        IndexModel([("grid_id", ASCENDING), ("proposed_at", DESCENDING)], name="by_grid"),
        IndexModel([("community_id", ASCENDING), ("proposed_at", DESCENDING)], name="by_community"),
        IndexModel([("street_id", ASCENDING), ("proposed_at", DESCENDING)], name="by_street"),
        IndexModel([("proposed_at", DESCENDING)], name="newest"),
    ],
    RECORDS: [
        IndexModel(
            [("kind", ASCENDING), ("grid_id", ASCENDING), ("record_id", ASCENDING)], name="by_grid"
        ),
        IndexModel([("kind", ASCENDING), ("data.id_number", ASCENDING)], name="by_id_number"),
        IndexModel([("kind", ASCENDING), ("data.resident_id", ASCENDING)], name="by_resident"),
    ],
}


class Invalid(Exception):
    """Bad fields: ``(field, why)`` pairs, answered as INVALID_ARGUMENT naming each."""

    def __init__(self, errors: Sequence[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {why}" for f, why in errors))
        self.errors = list(errors)


# -- the fields of each kind (pure) --------------------------------------------------------

HOUSEHOLD_FIELDS = (
    "household_id",
    "address",
    "lon",
    "lat",
    "residents",
    "compound_id",
    "head_name",
    "head_phone",
    "head_id_number",
)
RESIDENT_FIELDS = ("resident_id", "household_id", "name", "id_number", "phone")
SPECIAL_FIELDS = (
    "record_id",
    "resident_id",
    "kind",
    "responsible_name",
    "responsible_phone",
    "note",
)
FIELDS = {
    "household": HOUSEHOLD_FIELDS,
    "resident": RESIDENT_FIELDS,
    "special_population": SPECIAL_FIELDS,
}
# Each kind's id field.
ID_FIELD = {
    "household": "household_id",
    "resident": "resident_id",
    "special_population": "record_id",
}


def _text(data: dict[str, Any], name: str) -> str:
    return str(data.get(name) or "").strip()


def check_phone(prefix: str, value: str) -> list[tuple[str, str]]:
    if value and not _PHONE.match(value):
        return [
            (
                f"{prefix}",
                (
                    "must be an 11-digit mobile number (1xxxxxxxxxx) or a fixed line with its "
                    "area code "
                    "(0538-1234567)"
                ),
            )
        ]
    return []


def check_name(prefix: str, value: str, *, required: bool) -> list[tuple[str, str]]:
    if not value:
        return [(prefix, "is required")] if required else []
    if len(value) > NAME_MAX:
        return [(prefix, f"must be at most {NAME_MAX} characters")]
    return []


def check_id_number(prefix: str, value: str, *, required: bool) -> list[tuple[str, str]]:
    if not value:
        return [(prefix, "is required")] if required else []
    if not is_valid_id_number(value.upper()):
        return [
            (
                prefix,
                (
                    "is not a valid 18-character resident ID number (GB 11643: 17 digits and "
                    "the check "
                    "character)"
                ),
            )
        ]
    return []


def check_household(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The household's own fields (where it lies is checked against the grids afterwards)."""
    errors: list[tuple[str, str]] = []
    address = _text(data, "address")
    if not address:
        errors.append(("household.address", "is required"))
    elif len(address) > ADDRESS_MAX:
        errors.append(("household.address", f"must be at most {ADDRESS_MAX} characters"))
    lon, lat = data.get("lon"), data.get("lat")
    if not isinstance(lon, int | float) or not -180 <= lon <= 180 or (lon == 0 and lat == 0):
        errors.append(("household.lon", "must be a longitude in [-180, 180] (WGS84)"))
    if not isinstance(lat, int | float) or not -90 <= lat <= 90 or (lon == 0 and lat == 0):
        errors.append(("household.lat", "must be a latitude in [-90, 90] (WGS84)"))
    residents = data.get("residents")
    if not isinstance(residents, int) or not 0 <= residents <= RESIDENTS_MAX:
        errors.append(("household.residents", f"must be a whole number from 0 to {RESIDENTS_MAX}"))
    given = _text(data, "household_id")
    if given and (len(given) > ID_MAX or not _ID.match(given)):
        errors.append(("household.household_id", f"must be 1-{ID_MAX} letters, digits, '-' or '_'"))
    errors += check_name("household.head_name", _text(data, "head_name"), required=False)
    errors += check_phone("household.head_phone", _text(data, "head_phone"))
    errors += check_id_number(
        "household.head_id_number", _text(data, "head_id_number"), required=False
    )
    if not _text(data, "head_name") and (
        _text(data, "head_phone") or _text(data, "head_id_number")
    ):
        errors.append(("household.head_name", "is required with the head's phone or ID number"))
    return errors


def check_resident(data: dict[str, Any]) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    if not _text(data, "household_id"):
        errors.append(("resident.household_id", "is required"))
    errors += check_name("resident.name", _text(data, "name"), required=True)
    errors += check_id_number("resident.id_number", _text(data, "id_number"), required=True)
    errors += check_phone("resident.phone", _text(data, "phone"))
    return errors


def check_special(data: dict[str, Any]) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    if not _text(data, "resident_id"):
        errors.append(("special_population.resident_id", "is required"))
    if _text(data, "kind") not in SPECIAL_KINDS:
        errors.append(("special_population.kind", f"must be one of {', '.join(SPECIAL_KINDS)}"))
    errors += check_name(
        "special_population.responsible_name", _text(data, "responsible_name"), required=True
    )
    errors += check_phone("special_population.responsible_phone", _text(data, "responsible_phone"))
    if len(_text(data, "note")) > NOTE_MAX:
        errors.append(("special_population.note", f"must be at most {NOTE_MAX} characters"))
    return errors


CHECKS = {
    "household": check_household,
    "resident": check_resident,
    "special_population": check_special,
}


def cleaned(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The record's fields only, texts stripped, ID numbers upper-case, points to 6 decimals
    (0.1 m)."""
    out: dict[str, Any] = {}
    for name in FIELDS[kind]:
        value = data.get(name)
        if name in ("lon", "lat"):
            out[name] = round(float(value or 0), 6)
        elif name == "residents":
            out[name] = int(value or 0)
        else:
            out[name] = str(value or "").strip()
            if name.endswith("id_number"):
                out[name] = out[name].upper()
    return out


def check_review(decision: str, reason: str) -> list[tuple[str, str]]:
    if decision not in DECISIONS:
        return [("decision", f"must be one of {', '.join(DECISIONS)}")]
    if decision == "reject" and not reason.strip():
        return [("reason", "is required to reject: say what is wrong so the grid can correct it")]
    if len(reason) > REASON_MAX:
        return [("reason", f"must be at most {REASON_MAX} characters")]
    return []


def household_data(h: Household) -> dict[str, Any]:
    head = h.head
    return {
        "household_id": h.household_id,
        "address": h.address,
        "lon": h.location[0],
        "lat": h.location[1],
        "residents": h.residents,
        "compound_id": h.compound_id,
        "head_name": head.name if head else "",
        "head_phone": head.phone if head else "",
        "head_id_number": head.id_number if head else "",
    }


def with_household(county: County, data: dict[str, Any], grid_id: str) -> County:
    """``county`` with the household ``data`` (added, or replacing the one with its id) in
    ``grid_id``, and the household and resident counts of the grids it leaves and joins adjusted."""
    household_id = data["household_id"]
    old = next((h for h in county.households if h.household_id == household_id), None)
    head = None
    if data.get("head_name"):
        person_id = (
            old.head.person_id if old is not None and old.head is not None else f"P-{household_id}"
        )
        head = Person(
            person_id, data["head_name"], data.get("head_phone", ""), data.get("head_id_number", "")
        )
    new = Household(
        household_id,
        data.get("compound_id", ""),
        grid_id,
        data["address"],
        data["residents"],
        (round(data["lon"], 6), round(data["lat"], 6)),
        head,
    )
    households = sorted(
        (*(h for h in county.households if h.household_id != household_id), new),
        key=lambda h: h.household_id,
    )
    change: dict[str, list[int]] = {}
    if old is not None:
        change.setdefault(old.grid_id, [0, 0])
        change[old.grid_id][0] -= 1
        change[old.grid_id][1] -= old.residents
    change.setdefault(grid_id, [0, 0])
    change[grid_id][0] += 1
    change[grid_id][1] += new.residents
    grids = tuple(
        dataclasses.replace(
            g,
            households=g.households + change[g.grid_id][0],
            residents=g.residents + change[g.grid_id][1],
        )
        if g.grid_id in change
        else g
        for g in county.grids
    )
    return dataclasses.replace(county, households=tuple(households), grids=grids)


def _new_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:12].upper()}"


# -- the store -----------------------------------------------------------------------------


class ProposalStore:
    def __init__(self, db: AsyncDatabase, holder: ReferenceHolder, clock: Clock, nc=None) -> None:
        self.db = db
        self.proposals = db[PROPOSALS]
        self.records = db[RECORDS]
        self.holder = holder
        self.clock = clock
        self.nc = nc
        # One derived version at a time in this process (others are kept out by ``expected``).
        self._deriving = asyncio.Lock()

    async def ensure_indexes(self) -> None:
        for name, indexes in INDEXES.items():
            await self.db[name].create_indexes(indexes)

    # -- where records are --

    def _grid(self, grid_id: str) -> dict[str, Any]:
        doc = self.holder.grid_docs.get(grid_id)
        if doc is None:
            raise Refused("not_found", f"no grid {grid_id!r} in the current reference version")
        return {
            "grid_id": grid_id,
            "community_id": doc["community_id"],
            "street_id": doc["street_id"],
        }

    def _county(self) -> County:
        if self.holder.county is None:
            raise Refused("state", reference_store.NO_DATA)
        return self.holder.county

    def _household(self, household_id: str) -> Household | None:
        county = self._county()
        return next(
            (
                h
                for h in county.households_by_grid.get(_grid_of(county, household_id), ())
                if h.household_id == household_id
            ),
            None,
        )

    async def record(self, kind: str, record_id: str) -> dict[str, Any] | None:
        """A record as it stands: ``kind``, ``record_id``, ``version``, its places and ``data``."""
        if kind == "household":
            household = self._household(record_id)
            if household is None:
                return None
            kept = await self.records.find_one({"_id": f"household:{record_id}"}) or {}
            return {
                "kind": kind,
                "record_id": record_id,
                "version": kept.get("version", 1),
                **self._grid(household.grid_id),
                "data": household_data(household),
                "updated_at": kept.get("updated_at"),
                "updated_by": kept.get("updated_by", ""),
            }
        doc = await self.records.find_one({"_id": f"{kind}:{record_id}"})
        return None if doc is None else await self._with_resident(doc)

    async def _with_resident(self, doc: dict[str, Any]) -> dict[str, Any]:
        """A special-population record with its resident's name and household."""
        if doc["kind"] != "special_population":
            return doc
        resident = (
            await self.records.find_one({"_id": f"resident:{doc['data'].get('resident_id', '')}"})
            or {}
        )
        data = resident.get("data", {})
        return {
            **doc,
            "data": {
                **doc["data"],
                "resident_name": data.get("name", ""),
                "household_id": data.get("household_id", ""),
            },
        }

    # -- proposing --

    async def propose(
        self,
        actor: Principal,
        action: str,
        kind: str,
        record_id: str,
        base_version: int,
        data: dict[str, Any],
        note: str,
    ) -> dict[str, Any]:
        if actor.role not in GRID_STAFF or not actor.grid_id:
            raise Refused(
                "role",
                f"role {actor.role!r} may not propose: a grid's secretary or worker proposes for "
                "its own grid",
            )
        errors: list[tuple[str, str]] = []
        if action not in ACTIONS:
            errors.append(("action", f"must be one of {', '.join(ACTIONS)}"))
        if kind not in KINDS:
            errors.append(("kind", f"must be one of {', '.join(KINDS)}"))
        if len(note) > NOTE_MAX:
            errors.append(("note", f"must be at most {NOTE_MAX} characters"))
        if errors:
            raise Invalid(errors)
        if action == "correct" and not record_id:
            raise Invalid([("record_id", "is required to correct a record")])
        errors = CHECKS[kind](data)
        if errors:
            raise Invalid(errors)
        data = cleaned(kind, data)
        before = None
        if action == "correct":
            before = await self.record(kind, record_id)
            if before is None:
                raise Refused("not_found", f"no {kind} {record_id!r}")
            if before["grid_id"] != actor.grid_id:
                raise Refused(
                    "role",
                    f"{kind} {record_id} is in grid {before['grid_id']}, not in your grid "
                    f"{actor.grid_id}",
                )
            if base_version != before["version"]:
                raise Refused(
                    "state",
                    f"{kind} {record_id} is at version {before['version']}, not "
                    f"{base_version}: it changed since you read it; read it again",
                )
            data[ID_FIELD[kind]] = record_id
        place = await self._place(actor, kind, action, data, before)
        if action == "add" or kind != "household":
            await self._check_new(kind, data, exclude=record_id if action == "correct" else "")
        now = self.clock.now()
        doc = {
            "_id": _new_id("RP-"),
            "action": action,
            "kind": kind,
            "record_id": data[ID_FIELD[kind]],
            "base_version": before["version"] if before else 0,
            **place,
            "proposed": data,
            "proposed_version": before["version"] + 1 if before else 1,
            "before": before["data"] if before else None,
            "note": note.strip(),
            "status": "pending",
            "reason": "",
            "proposed_by": actor.username,
            "proposed_at": now,
            "reviewed_by": "",
            "reviewed_at": None,
            "reference_version": "",
        }
        await self.proposals.insert_one(doc)
        log.info(
            "register change proposed",
            extra={
                "proposal_id": doc["_id"],
                "kind": kind,
                "action": action,
                "grid_id": place["grid_id"],
                "actor": actor.username,
            },
        )
        return doc

    async def _place(
        self,
        actor: Principal,
        kind: str,
        action: str,
        data: dict[str, Any],
        before: dict[str, Any] | None,
    ) -> dict[str, str]:
        """The proposal's grid (the record's, or where an addition lies), checked to be the
        actor's."""
        if kind == "household":
            [grid_id] = self.holder.resolver.locate_points([(data["lon"], data["lat"])])
            if grid_id is None:
                raise Invalid(
                    [
                        (
                            "household.lon",
                            f"the point ({data['lon']}, {data['lat']}) lies outside every grid",
                        )
                    ]
                )
            compound = _text(data, "compound_id")
            if compound:
                found = next(
                    (c for c in self._county().compounds if c.compound_id == compound), None
                )
                if found is None:
                    raise Invalid([("household.compound_id", f"no compound {compound!r}")])
                if found.grid_id != grid_id:
                    raise Invalid(
                        [
                            (
                                "household.compound_id",
                                (
                                    f"compound {compound} is in grid {found.grid_id}, "
                                    f"the point in grid {grid_id}"
                                ),
                            )
                        ]
                    )
            if action == "add":
                if grid_id != actor.grid_id:
                    raise Refused(
                        "role",
                        f"the point lies in grid {grid_id}, not in your grid {actor.grid_id}",
                    )
                if not data["household_id"]:
                    data["household_id"] = _new_id(f"H{grid_id[6:]}-")
            return self._grid(before["grid_id"] if before else grid_id)
        if kind == "resident":
            household = self._household(data["household_id"])
            if household is None:
                raise Invalid([("resident.household_id", f"no household {data['household_id']!r}")])
            if household.grid_id != actor.grid_id:
                raise Refused(
                    "role",
                    f"household {household.household_id} is in grid {household.grid_id}, not in "
                    f"your grid {actor.grid_id}",
                )
            if action == "add":
                data["resident_id"] = _new_id("R")
            return self._grid(before["grid_id"] if before else household.grid_id)
        resident = await self.records.find_one({"_id": f"resident:{data['resident_id']}"})
        if resident is None:
            raise Invalid(
                [
                    (
                        "special_population.resident_id",
                        (
                            f"no resident {data['resident_id']!r} on the "
                            "register: add the resident first"
                        ),
                    )
                ]
            )
        if resident["grid_id"] != actor.grid_id:
            raise Refused(
                "role",
                f"resident {data['resident_id']} is in grid {resident['grid_id']}, not in your "
                f"grid {actor.grid_id}",
            )
        if action == "add":
            data["record_id"] = _new_id("SP")
        return self._grid(before["grid_id"] if before else resident["grid_id"])

    async def _check_new(self, kind: str, data: dict[str, Any], *, exclude: str = "") -> None:
        """An addition of someone or something the register has already (FAILED_PRECONDITION)."""
        if kind == "household":
            if self._household(data["household_id"]) is not None:
                raise Refused(
                    "state",
                    f"household {data['household_id']} exists already: propose a correction",
                )
        elif kind == "resident":
            same = await self.records.find_one(
                {
                    "kind": "resident",
                    "data.id_number": data["id_number"],
                    "record_id": {"$ne": exclude},
                }
            )
            if same is not None:
                raise Refused(
                    "state",
                    f"a resident with this ID number is on the register already "
                    f"({same['record_id']}, household {same['data']['household_id']})",
                )
        else:
            same = await self.records.find_one(
                {
                    "kind": "special_population",
                    "data.resident_id": data["resident_id"],
                    "data.kind": data["kind"],
                    "record_id": {"$ne": exclude},
                }
            )
            if same is not None:
                raise Refused(
                    "state",
                    f"resident {data['resident_id']} has a {data['kind']} record already "
                    f"({same['record_id']}): propose a correction",
                )

    # -- reading --

    async def get(self, actor: Principal, proposal_id: str) -> dict[str, Any]:
        doc = await self.proposals.find_one({"_id": proposal_id})
        if doc is None or not sees_place(actor, doc):
            raise Refused("not_found", f"no proposal {proposal_id!r} in your area")
        return doc

    async def page(
        self, actor: Principal, area: dict[str, str], status: str, kind: str, page: int, size: int
    ) -> tuple[list[dict[str, Any]], int]:
        try:
            own = place_query(actor)
        except ScopeRefused as refused:
            raise Refused("role", refused.message) from None
        errors = []
        if status and status not in STATUSES:
            errors.append(("status", f"must be one of {', '.join(STATUSES)}"))
        if kind and kind not in KINDS:
            errors.append(("kind", f"must be one of {', '.join(KINDS)}"))
        if errors:
            raise Invalid(errors)
        query: dict[str, Any] = {"$and": [own, {k: v for k, v in area.items() if v}]}
        if status:
            query["status"] = status
        if kind:
            query["kind"] = kind
        total = await self.proposals.count_documents(query)
        docs = await (
            self.proposals.find(query)
            .sort([("proposed_at", DESCENDING), ("_id", ASCENDING)])
            .skip((page - 1) * size)
            .limit(size)
            .to_list()
        )
        return docs, total

    async def get_record(self, actor: Principal, kind: str, record_id: str) -> dict[str, Any]:
        if kind not in KINDS:
            raise Invalid([("kind", f"must be one of {', '.join(KINDS)}")])
        doc = await self.record(kind, record_id)
        if doc is None or not sees_place(actor, doc):
            raise Refused("not_found", f"no {kind} {record_id!r} in your area")
        return doc

    async def list_records(
        self, actor: Principal, grid_id: str, kind: str, page: int, size: int
    ) -> tuple[list[dict[str, Any]], int]:
        if kind not in ("resident", "special_population"):
            raise Invalid([("kind", "must be resident or special_population")])
        place = self._grid(grid_id)
        if not sees_place(actor, place):
            raise Refused("role", f"grid {grid_id} is outside your scope")
        query = {"kind": kind, "grid_id": grid_id}
        total = await self.records.count_documents(query)
        docs = (
            await self.records.find(query)
            .sort("record_id", ASCENDING)
            .skip((page - 1) * size)
            .limit(size)
            .to_list()
        )
        return [await self._with_resident(d) for d in docs], total

    # -- reviewing --

    async def review(
        self, actor: Principal, proposal_id: str, decision: str, reason: str
    ) -> dict[str, Any]:
        if actor.role not in REVIEWERS:
            raise Refused(
                "role",
                f"role {actor.role!r} may not review: the community reviews its grids' proposals",
            )
        errors = check_review(decision, reason)
        if errors:
            raise Invalid(errors)
        doc = await self.get(actor, proposal_id)
        now = self.clock.now()
        claimed = await self.proposals.find_one_and_update(
            {
                "_id": proposal_id,
                "status": "pending",
                "$or": [{"claimed_at": None}, {"claimed_at": {"$lt": now - CLAIM}}],
            },
            {"$set": {"claimed_at": now, "claimed_by": actor.username}},
            return_document=ReturnDocument.AFTER,
        )
        if claimed is None:
            doc = await self.proposals.find_one({"_id": proposal_id})
            if doc["status"] != "pending":
                raise Refused(
                    "state",
                    f"proposal {proposal_id} was {doc['status']} already by {doc['reviewed_by']}",
                )
            raise Refused(
                "state", f"proposal {proposal_id} is being reviewed by {doc.get('claimed_by', '')}"
            )
        done: dict[str, Any] = {
            "status": "rejected" if decision == "reject" else "accepted",
            "reason": reason.strip(),
            "reviewed_by": actor.username,
            "reviewed_at": now,
        }
        try:
            if decision == "accept":
                done["reference_version"] = await self._apply(claimed, actor.username, now)
        except BaseException:
            await self.proposals.update_one(
                {"_id": proposal_id}, {"$unset": {"claimed_at": "", "claimed_by": ""}}
            )
            raise
        updated = await self.proposals.find_one_and_update(
            {"_id": proposal_id},
            {"$set": done, "$unset": {"claimed_at": "", "claimed_by": ""}},
            return_document=ReturnDocument.AFTER,
        )
        log.info(
            "register change reviewed",
            extra={
                "proposal_id": proposal_id,
                "decision": decision,
                "actor": actor.username,
                "grid_id": doc["grid_id"],
            },
        )
        return updated

    async def _apply(self, proposal: dict[str, Any], actor: str, now: datetime) -> str:
        """Make an accepted proposal's change; the reference version it made current ("" for
        people)."""
        kind, record_id, base = proposal["kind"], proposal["record_id"], proposal["base_version"]
        data = proposal["proposed"]
        moved_on = Refused(
            "state",
            f"{kind} {record_id} changed since the proposal (it was based on version "
            f"{base}): reject it, and propose again from the record as it is now",
        )
        if kind != "household":
            if proposal["action"] == "add":
                await self._check_new(kind, data)
            else:
                await self._check_new(kind, data, exclude=record_id)
            place = {k: proposal[k] for k in ("grid_id", "community_id", "street_id")}
            record = {
                "kind": kind,
                "record_id": record_id,
                **place,
                "data": data,
                "version": base + 1,
                "updated_at": now,
                "updated_by": actor,
                "proposal_id": proposal["_id"],
            }
            if proposal["action"] == "add":
                try:
                    await self.records.insert_one({"_id": f"{kind}:{record_id}", **record})
                except DuplicateKeyError:
                    raise moved_on from None
            else:
                record.update(
                    {k: v for k, v in (await self._record_place(kind, data, place)).items()}
                )
                changed = await self.records.update_one(
                    {"_id": f"{kind}:{record_id}", "version": base}, {"$set": record}
                )
                if changed.matched_count == 0:
                    raise moved_on
            return ""
        return await self._derive(proposal, actor, now, moved_on)

    async def _record_place(
        self, kind: str, data: dict[str, Any], place: dict[str, str]
    ) -> dict[str, str]:
        """Where a corrected person is now: a resident moved to another household goes with it."""
        if kind == "resident":
            household = self._household(data["household_id"])
            if household is not None:
                return self._grid(household.grid_id)
        return place

    async def _derive(
        self, proposal: dict[str, Any], actor: str, now: datetime, moved_on: Refused
    ) -> str:
        """A new reference version with the household put in, made current, announced."""
        record_id, base = proposal["record_id"], proposal["base_version"]
        data = proposal["proposed"]
        async with self._deriving:
            for _ in range(DERIVE_TRIES):
                await self.holder.refresh()
                county, current = self._county(), self.holder.version
                made = (
                    (self.holder.record or {})
                    .get("source", "")
                    .startswith(source_of(proposal["_id"]))
                )
                if made:  # made current by a review that stopped before it recorded so: finish it
                    await self._recorded(proposal, self._household(record_id).grid_id, actor, now)
                    return current
                existing = self._household(record_id)
                if proposal["action"] == "add" and existing is not None:
                    raise Refused(
                        "state", f"household {record_id} exists already: reject this addition"
                    )
                if proposal["action"] == "correct":
                    if existing is None:
                        raise Refused(
                            "state", f"household {record_id} is no longer in the reference data"
                        )
                    kept = await self.records.find_one({"_id": f"household:{record_id}"}) or {}
                    if kept.get("version", 1) != base:
                        raise moved_on
                [grid_id] = self.holder.resolver.locate_points([(data["lon"], data["lat"])])
                if grid_id is None:
                    raise Refused(
                        "state",
                        f"the household's point ({data['lon']}, {data['lat']}) lies outside "
                        "every grid of the current reference version",
                    )
                derived = await asyncio.to_thread(with_household, county, data, grid_id)
                source = (
                    f"{source_of(proposal['_id'])} {proposal['action']} household {record_id}, "
                    f"accepted by {actor}"
                )
                version = await reference_store.store_version(
                    self.db,
                    derived,
                    source=source,
                    actor=actor,
                    crs=(self.holder.record or {}).get("crs", "wgs84"),
                    now=now,
                    synthetic=reference_store.is_synthetic(self.holder.record),
                )
                try:
                    record = await reference_store.activate(
                        self.db, version, actor=actor, expected=current
                    )
                except reference_store.Superseded:
                    continue  # an import or another review came first: derive from that one
                await self.holder.refresh()
                await self._recorded(proposal, grid_id, actor, now)
                await self.holder.announce(self.nc, version_to_proto(record, current=version))
                log.info(
                    "register change made a reference version",
                    extra={
                        "proposal_id": proposal["_id"],
                        "version": version,
                        "household_id": record_id,
                    },
                )
                return version
        raise Refused(
            "state", "the reference data kept changing while the change was applied; try again"
        )

    async def _recorded(
        self, proposal: dict[str, Any], grid_id: str, actor: str, now: datetime
    ) -> None:
        """The household's record at the version the accepted change gave it."""
        record_id = proposal["record_id"]
        await self.records.update_one(
            {"_id": f"household:{record_id}"},
            {
                "$set": {
                    "kind": "household",
                    "record_id": record_id,
                    **self._grid(grid_id),
                    "data": proposal["proposed"],
                    "version": proposal["base_version"] + 1,
                    "updated_at": now,
                    "updated_by": actor,
                    "proposal_id": proposal["_id"],
                }
            },
            upsert=True,
        )


def source_of(proposal_id: str) -> str:
    """How the ``source`` of the reference version a proposal made begins."""
    return f"信息采集 proposal {proposal_id}:"


def _grid_of(county: County, household_id: str) -> str:
    """The grid of a household in ``county`` ("" when there is none), by a look-up kept per
    county."""
    index = _INDEX.get(id(county))
    if index is None or index[0] is not county:
        index = (county, {h.household_id: h.grid_id for h in county.households})
        _INDEX.clear()
        _INDEX[id(county)] = index
    return index[1].get(household_id, "")


_INDEX: dict[int, tuple[County, dict[str, str]]] = {}
