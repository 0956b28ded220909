"""The party organisation of the grid, four levels (党建引领网格治理):

=====================  ====================  ======================================  ==================
level                  Chinese               one per                                 posts
=====================  ====================  ======================================  ==================
``street_committee``   街道大工委             street                                  secretary, deputy
                                                                                     secretary,
                                                                                     committee members
``community_committee`` 社区大党委 (综合党委)  community                               the same
``branch``             网格党支部             grid                                    the same
``party_group``        楼院党小组             compound of the grid, or as staff add   group leader
=====================  ====================  ======================================  ==================

The first three levels follow the current reference data, and so does a branch's committee (its
secretary and committee members, 53 and 229 in the synthetic county) until staff set its posts.
A group is one per compound of the reference data, with its leader vacant until set (the
synthetic county names them: 275 group leaders); staff may
add groups of their own (a courtyard, a building of a street-lane grid). What staff set is kept
in ``party_organisations`` (``source: maintained``) and outlives a new reference version; an
organisation the new version no longer has drops out of the tree with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.reference.generator import synthetic_group_leaders
from services.reference.models import County, Person

from .refused import Refused

LEVELS = ("street_committee", "community_committee", "branch", "party_group")
COMMITTEE_POSTS = ("secretary", "deputy_secretary", "committee_member")
POSTS_OF = {"street_committee": COMMITTEE_POSTS, "community_committee": COMMITTEE_POSTS,
            "branch": COMMITTEE_POSTS, "party_group": ("group_leader",)}
SINGLE_POSTS = {"secretary", "group_leader"}  # one holder each
MAX_POSTS = 30
COLLECTION = "party_organisations"
INDEXES = [IndexModel([("parent_id", ASCENDING), ("name", ASCENDING)], name="group_name",
                      unique=True, partialFilterExpression={"level": "party_group"})]


@dataclass
class Post:
    post: str
    name: str
    phone: str = ""
    member_id: str = ""


@dataclass
class Organisation:
    org_id: str
    level: str
    name: str
    parent_id: str = ""
    street_id: str = ""
    community_id: str = ""
    grid_id: str = ""
    compound_id: str = ""
    party_members: int = 0
    posts: list[Post] = field(default_factory=list)
    source: str = "reference"
    updated_by: str = ""
    updated_at: datetime | None = None


def _people(post: str, people: Iterable[Person | None]) -> list[Post]:
    return [Post(post, p.name, p.phone) for p in people if p is not None]


def from_reference(county: County, leaders: Mapping[str, Person] | None = None) -> list[Organisation]:
    """The organisations the reference data implies, parents before their children; ``leaders``:
    a group leader by compound id, where the reference data names them (the synthetic county)."""
    leaders = leaders or {}
    out: list[Organisation] = []
    communities_of: dict[str, list] = {}
    for c in county.communities:
        communities_of.setdefault(c.street_id, []).append(c)
    grids_of: dict[str, list] = {}
    for g in county.grids:
        grids_of.setdefault(g.community_id, []).append(g)
    compounds_of: dict[str, list] = {}
    for c in county.compounds:
        compounds_of.setdefault(c.grid_id, []).append(c)
    for street in county.streets:
        out.append(Organisation(f"street-{street.street_id}", "street_committee", f"{street.name}大工委",
                                street_id=street.street_id))
        for community in communities_of.get(street.street_id, []):
            out.append(Organisation(f"community-{community.community_id}", "community_committee",
                                    f"{community.name}大党委", parent_id=f"street-{street.street_id}",
                                    street_id=street.street_id, community_id=community.community_id))
            for grid in grids_of.get(community.community_id, []):
                branch = f"branch-{grid.grid_id}"
                out.append(Organisation(
                    branch, "branch", f"{grid.name}党支部", parent_id=f"community-{community.community_id}",
                    street_id=grid.street_id, community_id=grid.community_id, grid_id=grid.grid_id,
                    party_members=grid.party_members,
                    posts=_people("secretary", [grid.secretary]) + _people("committee_member", grid.committee_members)))
                for compound in sorted(compounds_of.get(grid.grid_id, []), key=lambda c: c.compound_id):
                    out.append(Organisation(
                        f"group-{compound.compound_id}", "party_group", f"{compound.name}党小组", parent_id=branch,
                        street_id=grid.street_id, community_id=grid.community_id, grid_id=grid.grid_id,
                        compound_id=compound.compound_id,
                        posts=_people("group_leader", [leaders.get(compound.compound_id)])))
    return out


def merged(reference: list[Organisation], maintained: Iterable[Mapping[str, Any]]) -> list[Organisation]:
    """The reference's organisations with what staff set: their posts replace the reference's,
    and their groups join the tree after the reference's groups of the same branch. Maintained
    records of organisations the reference no longer has are left out."""
    by_id = {o.org_id: o for o in reference}
    added: dict[str, list[Organisation]] = {}
    for doc in maintained:
        org = by_id.get(doc["_id"])
        if org is None and doc.get("level") == "party_group" and doc.get("parent_id") in by_id:
            parent = by_id[doc["parent_id"]]
            org = Organisation(doc["_id"], "party_group", doc["name"], parent_id=parent.org_id,
                               street_id=parent.street_id, community_id=parent.community_id,
                               grid_id=parent.grid_id, compound_id=doc.get("compound_id", ""))
            added.setdefault(parent.org_id, []).append(org)
        if org is None:
            continue
        if doc.get("posts") is not None:
            org.posts = [Post(**p) for p in doc["posts"]]
        org.source, org.updated_by, org.updated_at = "maintained", doc.get("updated_by", ""), doc.get("updated_at")
    out = list(reference)
    for branch_id, groups in added.items():  # after the branch's own groups
        at = next(i for i, o in enumerate(out) if o.org_id == branch_id) + 1
        while at < len(out) and out[at].parent_id == branch_id:
            at += 1
        out[at:at] = sorted(groups, key=lambda o: o.org_id)
    return out


def within(org: Organisation, street_id: str, community_id: str, grid_id: str) -> bool:
    """Whether an organisation lies in an area (empty fields do not narrow); the committees
    above an area's grid are not in it."""
    if grid_id:
        return org.grid_id == grid_id
    if community_id:
        return org.community_id == community_id
    if street_id:
        return org.street_id == street_id
    return True


def checked_posts(level: str, posts: Iterable[Post]) -> list[Post]:
    """The posts as staff set them, or Refused("invalid") naming what is wrong."""
    out = []
    allowed = POSTS_OF[level]
    for i, p in enumerate(posts):
        if p.post not in allowed:
            raise Refused("invalid", f"posts[{i}].post: {p.post!r} is no post of a {level} (one of {', '.join(allowed)})")
        if not p.name.strip():
            raise Refused("invalid", f"posts[{i}].name: a post needs its holder's name")
        out.append(Post(p.post, p.name.strip(), p.phone.strip(), p.member_id.strip()))
    if len(out) > MAX_POSTS:
        raise Refused("invalid", f"posts: at most {MAX_POSTS}")
    for single in SINGLE_POSTS:
        if sum(p.post == single for p in out) > 1:
            raise Refused("invalid", f"posts: one {single} at most")
    return out


class OrganisationStore:
    """What staff set of the organisations, and the tree with the current reference data."""

    def __init__(self, db: AsyncDatabase) -> None:
        self.records = db[COLLECTION]
        self._reference: list[Organisation] = []
        self.version = ""

    async def ensure_indexes(self) -> None:
        await self.records.create_indexes(INDEXES)

    def use_reference(self, county: County | None, version: str | None, *, synthetic: bool = False) -> None:
        """Follow a reference version; the synthetic county also names its group leaders."""
        leaders = synthetic_group_leaders(county) if county is not None and synthetic else None
        self._reference = from_reference(county, leaders) if county is not None else []
        self.version = version or ""

    async def tree(self) -> list[Organisation]:
        fresh = [Organisation(**{**o.__dict__, "posts": list(o.posts)}) for o in self._reference]
        return merged(fresh, await self.records.find({}).to_list())

    async def _find(self, org_id: str) -> Organisation:
        org = next((o for o in await self.tree() if o.org_id == org_id), None)
        if org is None:
            raise Refused("not_found", f"no organisation {org_id!r}")
        return org

    async def set_posts(self, org_id: str, posts: list[Post], actor: str, now: datetime) -> Organisation:
        org = await self._find(org_id)
        posts = checked_posts(org.level, posts)
        # Posts only: a group staff added has its level, branch and name already; the reference's
        # organisations keep theirs from the reference (and drop out with it).
        await self.records.update_one(
            {"_id": org_id},
            {"$set": {"posts": [p.__dict__ for p in posts], "updated_by": actor, "updated_at": now}},
            upsert=True)
        return await self._find(org_id)

    async def add_group(self, parent_id: str, name: str, compound_id: str, actor: str, now: datetime) -> Organisation:
        name = name.strip()
        if not name:
            raise Refused("invalid", "name: a group needs a name")
        tree = await self.tree()
        parent = next((o for o in tree if o.org_id == parent_id), None)
        if parent is None or parent.level != "branch":
            raise Refused("not_found", f"no branch {parent_id!r}")
        if any(o.parent_id == parent_id and o.name == name for o in tree):
            raise Refused("exists", f"{parent.name} has a group named {name!r}")
        if compound_id and not any(o.compound_id == compound_id and o.grid_id == parent.grid_id for o in tree):
            raise Refused("invalid", f"compound_id: {compound_id!r} is no compound of grid {parent.grid_id}")
        # Numbered per branch, apart from the compounds' groups (group-<compound_id>); a number
        # another request took meanwhile is skipped, a name it took is refused.
        n = await self.records.count_documents({"parent_id": parent_id, "level": "party_group"}) + 1
        for _ in range(20):
            org_id = f"group-{parent.grid_id}-{n}"
            try:
                await self.records.insert_one({"_id": org_id, "level": "party_group", "parent_id": parent_id,
                                               "name": name, "compound_id": compound_id, "posts": [],
                                               "updated_by": actor, "updated_at": now})
                return await self._find(org_id)
            except DuplicateKeyError as exc:
                if await self.records.count_documents({"parent_id": parent_id, "name": name, "level": "party_group"}):
                    raise Refused("exists", f"{parent.name} has a group named {name!r}") from exc
                n += 1
        raise Refused("exists", f"{parent.name}: no free group number, try again")
