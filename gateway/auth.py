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

from services.platform import scope as platform_scope

from .accounts.policy import ROLES, Admin, Scope
from .accounts.tokens import Claims

__all__ = ["MIN_KEY_BYTES", "ROLES", "STAFF_ROLES", "Principal", "WeakKey", "check_key", "load_or_create_key"]

# The roles that see cases: the grid's staff and the departments (services.platform.scope).
STAFF_ROLES = platform_scope.CASE_ROLES


@dataclass(frozen=True)
class Principal(platform_scope.Principal):
    """The platform's principal (who sees what: :mod:`services.platform.scope`) with its session."""

    session_id: str = ""
    must_change_password: bool = False

    @classmethod
    def of(cls, claims: Claims) -> Principal:
        return cls(claims.username, claims.role, **claims.scope.as_dict(), session_id=claims.session_id,
                   must_change_password=claims.must_change_password)

    def admin(self) -> Admin:
        """This caller as the one managing accounts."""
        return Admin(self.username, self.role, Scope(self.street_id, self.community_id, self.grid_id, self.department))


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
