"""Accounts, passwords and tokens.

Roles: ``county`` (admin), ``street``, ``community``, ``secretary`` (grid party-branch
secretary), ``worker`` (grid worker), ``department``, and the people the grid serves:
``party_member`` (a party member in work, registered to the grid where they live) and
``resident`` (places service orders and rates them). A token carries the role and the ids
that scope it, so every request is authorised without a lookup.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from gridfusion.fusion.v1 import fusion_pb2

from services.platform.settings import DEPARTMENTS

ALGORITHM = "HS256"
ROLES = ("county", "street", "community", "secretary", "worker", "department", "party_member", "resident")
STAFF_ROLES = ("county", "street", "community", "secretary", "worker", "department")
GRID_ROLES = ("secretary", "worker", "party_member", "resident")
_hasher = PasswordHasher()


@dataclass(frozen=True)
class Principal:
    username: str
    role: str
    street_id: str = ""
    community_id: str = ""
    grid_id: str = ""
    department: str = ""

    def scope(self) -> fusion_pb2.Scope:
        return fusion_pb2.Scope(
            street_id=self.street_id, community_id=self.community_id, grid_id=self.grid_id, department=self.department
        )

    def covers_grid(self, grid: fusion_pb2.Grid | None, grid_id: str = "") -> bool:
        """Whether this account may see a grid's cases and people (never a resident's or member's)."""
        if self.role == "county":
            return True
        if self.role in ("secretary", "worker"):
            return grid_id == self.grid_id or (grid is not None and grid.grid_id == self.grid_id)
        if grid is None:
            return False
        if self.role == "community":
            return grid.community_id == self.community_id
        if self.role == "street":
            return grid.street_id == self.street_id
        return False


@dataclass
class Account:
    principal: Principal
    password_hash: str
    label: str = ""


@dataclass
class AccountBook:
    accounts: dict[str, Account] = field(default_factory=dict)

    def verify(self, username: str, password: str) -> Principal | None:
        account = self.accounts.get(username)
        if account is None:
            _hasher.hash(password)  # same cost either way: no user enumeration by timing
            return None
        try:
            _hasher.verify(account.password_hash, password)
        except VerificationError:
            return None
        return account.principal


def demo_accounts(grids: list[fusion_pb2.Grid], password: str) -> AccountBook:
    """The demo accounts of local mode, all with one password (hashed once)."""
    hashed = _hasher.hash(password)
    book = AccountBook()

    def add(principal: Principal, label: str) -> None:
        book.accounts[principal.username] = Account(principal, hashed, label)

    add(Principal("admin", "county"), "县级管理员 county administrator")
    streets = {g.street_id: g.street_name for g in grids}
    communities = {g.community_id: (g.community_name, g.street_id) for g in grids}
    for street_id, name in sorted(streets.items()):
        add(Principal(f"street-{street_id}", "street", street_id=street_id), f"{name} 街道中心")
    for community_id, (name, street_id) in sorted(communities.items()):
        add(Principal(f"community-{community_id}", "community", street_id=street_id, community_id=community_id), f"{name} 社区中心")
    for g in grids:
        scope = {"street_id": g.street_id, "community_id": g.community_id, "grid_id": g.grid_id}
        add(Principal(f"sec-{g.grid_id}", "secretary", **scope), f"{g.name} 支部书记")
        add(Principal(f"worker-{g.grid_id}", "worker", **scope), f"{g.name} 网格员")
        add(Principal(f"member-{g.grid_id}", "party_member", **scope), f"{g.name} 在职党员")
        add(Principal(f"resident-{g.grid_id}", "resident", **scope), f"{g.name} 居民")
    for d in DEPARTMENTS:
        add(Principal(f"dept-{d}", "department", department=d), f"{d} 部门")
    return book


def load_or_create_key(path: str) -> str:
    """Local mode's signing key: made once, kept (0600) so tokens survive restarts."""
    key_path = Path(path)
    if key_path.exists():
        return key_path.read_text().strip()
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_path.write_text(key)
    key_path.chmod(0o600)
    return key


def issue_token(principal: Principal, key: str, minutes: int) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": principal.username,
        "role": principal.role,
        "street_id": principal.street_id,
        "community_id": principal.community_id,
        "grid_id": principal.grid_id,
        "department": principal.department,
        "iat": now,
        "exp": now + timedelta(minutes=minutes),
        "iss": "gridfusion",
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def read_token(token: str, key: str) -> Principal:
    """The principal of a valid token; raises ``jwt.InvalidTokenError`` otherwise."""
    claims = jwt.decode(token, key, algorithms=[ALGORITHM], issuer="gridfusion", options={"require": ["exp", "sub"]})
    if claims.get("role") not in ROLES:
        raise jwt.InvalidTokenError("unknown role")
    return Principal(
        username=claims["sub"],
        role=claims["role"],
        street_id=claims.get("street_id", ""),
        community_id=claims.get("community_id", ""),
        grid_id=claims.get("grid_id", ""),
        department=claims.get("department", ""),
    )
