"""Access tokens (JWT, at most 30 minutes) and refresh tokens (opaque, rotated).

An access token carries who the caller is and where it may look — role and scope — so a
request is authorised without reading the account; it also carries the session id (``sid``),
and every request checks that session is still open (one read by primary key). Disabling an
account, changing its role or scope, resetting or changing its password, or signing out ends
its sessions, and so every token it held, at the next request on every gateway replica.

A refresh token is ``<sid>.<secret>``; only a SHA-256 of the secret is stored. Each refresh
replaces it; presenting a replaced one means it was copied, and ends the whole session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from .policy import ROLES, Scope, scope_problem

ALGORITHM = "HS256"
ISSUER = "gridfusion"
AUDIENCE = "gridfusion-api"


@dataclass(frozen=True)
class Claims:
    username: str
    role: str
    scope: Scope
    session_id: str
    must_change_password: bool = False


def issue_access(claims: Claims, key: str, minutes: int, *, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    body = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": claims.username,
        "jti": uuid.uuid4().hex,
        "sid": claims.session_id,
        "iat": now,
        "exp": now + timedelta(minutes=minutes),
        "role": claims.role,
        **claims.scope.as_dict(),
    }
    if claims.must_change_password:
        body["pwc"] = True
    return jwt.encode(body, key, algorithm=ALGORITHM)


def read_access(token: str, key: str) -> Claims:
    """The claims of a valid token; raises ``jwt.InvalidTokenError`` otherwise."""
    body = jwt.decode(token, key, algorithms=[ALGORITHM], issuer=ISSUER, audience=AUDIENCE,
                      options={"require": ["exp", "iat", "sub", "jti", "sid", "iss", "aud"]})
    if body.get("role") not in ROLES:
        raise jwt.InvalidTokenError("unknown role")
    scope = Scope.of(body)
    # A role without its place must never reach a service, where an empty field does not narrow.
    if problem := scope_problem(body["role"], scope):
        raise jwt.InvalidTokenError(f"the token's scope does not fit its role: {problem}")
    return Claims(username=body["sub"], role=body["role"], scope=scope, session_id=body["sid"],
                  must_change_password=bool(body.get("pwc")))


def new_session_id() -> str:
    return secrets.token_urlsafe(18)


def new_refresh(session_id: str) -> tuple[str, str]:
    """A refresh token for the session and the hash to store."""
    secret = secrets.token_urlsafe(32)
    return f"{session_id}.{secret}", digest(secret)


def split_refresh(token: str) -> tuple[str, str] | None:
    """(session id, secret hash) of a well-formed refresh token, else None."""
    sid, dot, secret = token.partition(".")
    if not dot or not sid or not secret or len(token) > 200:
        return None
    return sid, digest(secret)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
