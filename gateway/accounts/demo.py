"""Local mode's demo accounts: ordinary accounts, created once at the first start.

One per role and place, all with the demo password (``GRIDFUSION_DEMO_PASSWORD``, default
``demo``, which the strength rule would refuse: these accounts are for trying the platform on
one machine and exist only in local mode). Created at the first start only; later starts leave
them, and any change made to them, as they are.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pymongo.errors import BulkWriteError

from services.platform.vocabulary import DEPARTMENT_LABELS, DEPARTMENTS

from .passwords import Hasher
from .policy import Scope
from .store import AccountStore

FACT = "demo_accounts"


def demo_specs(grids: Iterable[Any]) -> list[tuple[str, str, Scope, str]]:
    """(username, role, scope, display name) of every demo account, from fusion's grids.
    ``worker-<grid_id>`` is the grid's first worker (:func:`demo_worker_ids`)."""
    grids = sorted(grids, key=lambda g: g.grid_id)
    specs = [("admin", "county", Scope(), "县级管理员 county administrator")]
    streets = {g.street_id: g.street_name for g in grids}
    communities = {g.community_id: (g.community_name, g.street_id) for g in grids}
    for street_id, name in sorted(streets.items()):
        specs.append((f"street-{street_id}", "street", Scope(street_id=street_id), f"{name}网格中心"))
    for community_id, (name, street_id) in sorted(communities.items()):
        specs.append((f"community-{community_id}", "community",
                      Scope(street_id=street_id, community_id=community_id), f"{name}网格中心"))
    for g in grids:
        scope = Scope(street_id=g.street_id, community_id=g.community_id, grid_id=g.grid_id)
        specs += [(f"sec-{g.grid_id}", "secretary", scope, f"{g.name} 支部书记"),
                  (f"worker-{g.grid_id}", "worker", scope, f"{g.name} 网格员"),
                  (f"member-{g.grid_id}", "member", scope, f"{g.name} 在职党员"),
                  (f"resident-{g.grid_id}", "resident", scope, f"{g.name} 居民")]
    for d in DEPARTMENTS:
        specs.append((f"dept-{d}", "department", Scope(department=d), f"{DEPARTMENT_LABELS[d]} {d}"))
    return specs


def demo_worker_ids(grids: Iterable[Any]) -> dict[str, str]:
    """``worker-<grid_id>`` → the person id of the grid's first worker, where the grid has one."""
    return {f"worker-{g.grid_id}": g.grid_worker_ids[0] for g in grids if list(getattr(g, "grid_worker_ids", ()))}


async def seed_demo_accounts(store: AccountStore, hasher: Hasher, grids: Iterable[Any], password: str) -> int:
    """Create the demo accounts unless they were created before; how many were created."""
    if await store.meta.find_one({"_id": FACT}):
        return 0
    now = datetime.now(UTC)
    grids = list(grids)
    workers = demo_worker_ids(grids)
    hashed = await hasher.hash(password)  # one hash for all: they share the password
    docs = [{"_id": username, "display_name": label, "role": role, "scope": scope.as_dict(), "disabled": False,
             "password_hash": hashed, "must_change_password": False, "source": "password", "generation": 0,
             "created_at": now, "created_by": "local-mode", "changed_at": now, "changed_by": "local-mode",
             "last_login_at": None, **({"worker_id": workers[username]} if username in workers else {})}
            for username, role, scope, label in demo_specs(grids)]
    created = len(docs)
    try:
        await store.accounts.insert_many(docs, ordered=False)
    except BulkWriteError as exc:  # another replica, or an earlier start cut short, made some
        created = exc.details.get("nInserted", 0)
    if await store.mark(FACT, now):
        await store.add_audit({"_id": uuid.uuid4().hex, "who": "local-mode", "role": "system",
                               "what": f"{len(docs)} demo accounts created for local mode", "why": "local mode",
                               "grid_id": "", "at": now})
    return created
