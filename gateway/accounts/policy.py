"""Who may hold which account, and who may manage whom — pure rules, no I/O.

Roles, from the county down (an administrator never grants a role above its own):

| role | Chinese | scope it needs | may manage |
| --- | --- | --- | --- |
| ``county`` | 县级管理员 | none | every account |
| ``street`` | 街道网格中心 | ``street_id`` | street, community, grid and people accounts of its street |
| ``community`` | 社区网格中心 | ``community_id`` | community, grid and people accounts of its community |
| ``secretary`` | 网格党支部书记 | ``grid_id`` | — |
| ``worker`` | 网格员 | ``grid_id`` | — |
| ``member`` | 在职党员 | ``grid_id`` (the grid where the member lives) | — |
| ``resident`` | 居民 | ``grid_id`` | — |
| ``department`` | 职能部门系统 | ``department`` | — (only the county creates department accounts) |

A scope is completed from the reference data: a grid's community and street, a community's
street are filled in, and a scope naming a place that does not exist, or a community that is not
in the given street, is refused with the field at fault.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from services.platform.scope import PLACED_BY
from services.platform.vocabulary import DEPARTMENTS, ROLES

# Lower is higher. Department accounts stand beside the tree: only the county manages them.
RANK: dict[str, int] = {"county": 0, "street": 1, "community": 2, "secretary": 3, "worker": 4, "member": 5,
                        "resident": 5, "department": 1}
ADMIN_ROLES: tuple[str, ...] = ("county", "street", "community")
SCOPE_FIELDS: tuple[str, ...] = ("street_id", "community_id", "grid_id", "department")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")


class GridLike(Protocol):
    grid_id: str
    community_id: str
    street_id: str


@dataclass(frozen=True)
class Scope:
    street_id: str = ""
    community_id: str = ""
    grid_id: str = ""
    department: str = ""

    @classmethod
    def of(cls, data: Mapping[str, str] | None) -> Scope:
        data = data or {}
        return cls(**{f: str(data.get(f) or "") for f in SCOPE_FIELDS})

    def as_dict(self) -> dict[str, str]:
        return {f: getattr(self, f) for f in SCOPE_FIELDS}


class PolicyError(Exception):
    """A refusal: ``status`` is the HTTP code (403, 409 or 422), ``field`` what was wrong."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def check_username(username: str) -> None:
    if not USERNAME.match(username):
        raise PolicyError(422, "username must be 2–64 characters: lower-case letters, digits and . _ @ -, "
                               "starting with a letter or digit", "username")


def complete_scope(role: str, given: Scope, grids: Mapping[str, GridLike]) -> Scope:
    """The full scope of an account of ``role`` placed by ``given``; 422 naming the field when
    a place is unknown, inconsistent, missing, or given where the role takes none."""
    if role not in ROLES:
        raise PolicyError(422, f"unknown role '{role}'; one of: {', '.join(ROLES)}", "role")
    key = PLACED_BY[role]
    extra = [f for f in SCOPE_FIELDS if getattr(given, f) and f not in _fields_of(key)]
    if extra:
        raise PolicyError(422, f"a {role} account takes no {', '.join(extra)} in its scope", f"scope.{extra[0]}")
    if key is None:
        return Scope()
    value = getattr(given, key)
    if not value:
        raise PolicyError(422, f"a {role} account needs scope.{key}", f"scope.{key}")
    if key == "department":
        if value not in DEPARTMENTS:
            raise PolicyError(422, f"unknown department '{value}'; one of: {', '.join(DEPARTMENTS)}", "scope.department")
        return Scope(department=value)
    if key == "grid_id":
        grid = grids.get(value)
        if grid is None:
            raise PolicyError(422, f"grid '{value}' is not in the reference data", "scope.grid_id")
        full = Scope(street_id=grid.street_id, community_id=grid.community_id, grid_id=grid.grid_id)
    elif key == "community_id":
        street = next((g.street_id for g in grids.values() if g.community_id == value), None)
        if street is None:
            raise PolicyError(422, f"community '{value}' is not in the reference data", "scope.community_id")
        full = Scope(street_id=street, community_id=value)
    else:
        if not any(g.street_id == value for g in grids.values()):
            raise PolicyError(422, f"street '{value}' is not in the reference data", "scope.street_id")
        full = Scope(street_id=value)
    for f in ("street_id", "community_id"):
        if getattr(given, f) and getattr(given, f) != getattr(full, f):
            raise PolicyError(422, f"scope.{f} '{getattr(given, f)}' does not contain {key} '{value}' "
                                   f"(it lies in {getattr(full, f)})", f"scope.{f}")
    return full


WORKER_ID_MAX = 128


def check_worker_id(role: str, scope: Scope, worker_id: str, grids: Mapping[str, GridLike]) -> None:
    """A worker account may name the grid worker it is (``worker_id``, a person id of the
    reference data): one of its grid's workers. Its patrol tracks are uploaded under that id only.
    422 naming ``worker_id`` otherwise."""
    if not worker_id:
        return
    if role != "worker":
        raise PolicyError(422, f"only a worker account names a worker_id, not a {role} account", "worker_id")
    if len(worker_id) > WORKER_ID_MAX:
        raise PolicyError(422, f"worker_id is at most {WORKER_ID_MAX} characters", "worker_id")
    grid = grids.get(scope.grid_id)
    if grid is not None and worker_id not in getattr(grid, "grid_worker_ids", ()):
        raise PolicyError(422, f"'{worker_id}' is not a grid worker of grid {scope.grid_id} in the reference data",
                          "worker_id")


def scope_problem(role: str, scope: Scope) -> str | None:
    """Why ``scope`` cannot be the scope of a ``role`` caller, or None: every role but the county
    needs its place (an empty one would not narrow anything); a county's scope may narrow."""
    key = PLACED_BY.get(role)
    if key and not getattr(scope, key):
        return f"a {role} scope needs {key}"
    return None


def narrow_to(role: str, scope: Scope) -> Scope:
    """The part of ``scope`` that an account of ``role`` takes."""
    keep = _fields_of(PLACED_BY.get(role))
    return Scope(**{f: getattr(scope, f) if f in keep else "" for f in SCOPE_FIELDS})


def _fields_of(key: str | None) -> tuple[str, ...]:
    if key == "grid_id":
        return ("street_id", "community_id", "grid_id")
    if key == "community_id":
        return ("street_id", "community_id")
    if key is None:
        return ()
    return (key,)


@dataclass(frozen=True)
class Admin:
    """The one managing accounts: its username, role and (complete) scope."""

    username: str
    role: str
    scope: Scope


def covers(admin: Admin, role: str, scope: Scope) -> bool:
    """Whether ``admin`` may hold authority over an account of ``role`` in ``scope``."""
    if admin.role == "county":
        return True
    if admin.role not in ("street", "community") or role in ("county", "department"):
        return False
    if RANK[role] < RANK[admin.role]:
        return False
    if admin.role == "street":
        return scope.street_id == admin.scope.street_id
    return scope.community_id == admin.scope.community_id


def check_manage(admin: Admin, role: str, scope: Scope, *, what: str) -> None:
    """403 with the reason unless ``admin`` may ``what`` an account of ``role`` in ``scope``."""
    if admin.role not in ADMIN_ROLES:
        raise PolicyError(403, f"role '{admin.role}' may not manage accounts; allowed: {', '.join(ADMIN_ROLES)}")
    if role in ("county", "department") and admin.role != "county":
        raise PolicyError(403, f"only the county may {what} a {role} account")
    if RANK[role] < RANK[admin.role]:
        raise PolicyError(403, f"a {admin.role} administrator may not {what} a {role} account: "
                               "that role is above its own")
    if not covers(admin, role, scope):
        place = admin.scope.street_id if admin.role == "street" else admin.scope.community_id
        raise PolicyError(403, f"a {admin.role} administrator may {what} accounts of its own {admin.role} "
                               f"({place}) only")


def list_filter(admin: Admin) -> dict:
    """The MongoDB filter of the accounts ``admin`` may list."""
    if admin.role == "county":
        return {}
    # The roles listed by name ($in), not the roles left out ($nin): an index of the place, the
    # role and the username serves the list.
    if admin.role == "street":
        return {"scope.street_id": admin.scope.street_id,
                "role": {"$in": [r for r in ROLES if r not in ("county", "department")]}}
    if admin.role == "community":
        return {"scope.community_id": admin.scope.community_id,
                "role": {"$in": [r for r in ROLES if r not in ("county", "department", "street")]}}
    return {"_id": admin.username}
