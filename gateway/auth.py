"""The caller of a request, as its access token names it.

Accounts, sessions and tokens live in :mod:`gateway.accounts`; this module holds what every
route needs: the :class:`Principal` (who, which role, which scope, which session) and the role
groups. A token carries the role and the ids that scope it, so a request is authorised without
reading the account; its session is checked on every request (see ``gateway.api.deps``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from gridfusion.fusion.v1 import fusion_pb2

from .accounts.policy import ROLES, Admin, Scope
from .accounts.tokens import Claims

__all__ = ["GRID_ROLES", "MIN_KEY_BYTES", "ROLES", "STAFF_ROLES", "Principal", "WeakKey", "check_key",
           "load_or_create_key"]

STAFF_ROLES = ("county", "street", "community", "secretary", "worker", "department")
GRID_ROLES = ("secretary", "worker", "member", "resident")


@dataclass(frozen=True)
class Principal:
    username: str
    role: str
    street_id: str = ""
    community_id: str = ""
    grid_id: str = ""
    department: str = ""
    session_id: str = ""
    must_change_password: bool = False

    @classmethod
    def of(cls, claims: Claims) -> Principal:
        return cls(claims.username, claims.role, **claims.scope.as_dict(), session_id=claims.session_id,
                   must_change_password=claims.must_change_password)

    def admin(self) -> Admin:
        """This caller as the one managing accounts."""
        return Admin(self.username, self.role, Scope(self.street_id, self.community_id, self.grid_id, self.department))

    def scope(self) -> fusion_pb2.Scope:
        """Where this caller looks, with its role: fusion refuses a scope without one, and sees
        every case only for the county."""
        return fusion_pb2.Scope(
            street_id=self.street_id, community_id=self.community_id, grid_id=self.grid_id, department=self.department,
            role=self.role,
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


# HS256 with a key shorter than the hash is guessable offline from one token (RFC 7518 §3.2).
MIN_KEY_BYTES = 32


class WeakKey(ValueError):
    """The token signing key is too short to use."""


def check_key(key: str, where: str = "GATEWAY_JWT_KEY") -> str:
    """The signing key, if it is long enough; refuses to start otherwise."""
    if len(key.encode()) < MIN_KEY_BYTES:
        raise WeakKey(f"{where} must be at least {MIN_KEY_BYTES} bytes (it has {len(key.encode())}); "
                      "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'")
    return key


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
