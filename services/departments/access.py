"""Who may call a department service: its own department system, and the gateway.

Each department system has a token of its own (generated, at least 32 bytes); the gateway has
its service token and calls on behalf of the users it has authorised itself. A department
service knows only the SHA-256 digests of the gateway's token and of every department
system's, so a department pod holds no token it could call another service with:

| caller (token)                        | this department's service |
| ---                                   | ---                       |
| its own department system             | every call                |
| the gateway                           | every call                |
| another department's system           | PERMISSION_DENIED         |
| no token, an unknown or a short token | UNAUTHENTICATED           |

Health checks need no token (grpcserver.OPEN_SERVICES). Fusion never calls a department.
"""

from __future__ import annotations

from collections.abc import Mapping

from services.platform.grpcserver import Authorise, TokenAuth
from services.platform.vocabulary import DEPARTMENTS

GATEWAY = "gateway"
SYSTEM_PREFIX = "system:"


def system(department: str) -> str:
    """The caller name of a department's own system."""
    return SYSTEM_PREFIX + department


def authorise_for(department: str) -> Authorise:
    """The rule of ``department``'s service: the gateway and its own system, nobody else."""
    own = system(department)

    def authorise(caller: str, method: str) -> str | None:
        if caller in (GATEWAY, own):
            return None
        other = caller.removeprefix(SYSTEM_PREFIX)
        return (f"this token is {other}'s department system's: it may call {other}'s department "
                f"service only, not {department}'s")

    return authorise


def token_auth(department: str, gateway_sha256: str, system_sha256: Mapping[str, str]) -> TokenAuth:
    """The interceptor of ``department``'s service. Its own system's digest and the gateway's
    are required; the other systems' let it tell another department (PERMISSION_DENIED) from a
    stranger (UNAUTHENTICATED)."""
    missing = []
    if not gateway_sha256:
        missing.append("DEPARTMENT_GATEWAY_TOKEN_SHA256 (the gateway's)")
    if not system_sha256.get(department):
        missing.append(f"DEPARTMENT_SYSTEM_TOKEN_SHA256__{department.upper()} ({department}'s department system's)")
    if missing:
        raise ValueError(f"{department}: no caller could be authenticated: set {' and '.join(missing)}")
    unknown = sorted(set(system_sha256) - set(DEPARTMENTS))
    if unknown:
        raise ValueError(f"DEPARTMENT_SYSTEM_TOKEN_SHA256 names no department: {', '.join(unknown)}")
    callers = {GATEWAY: gateway_sha256, **{system(d): digest for d, digest in system_sha256.items() if digest}}
    if len(set(callers.values())) < len(callers):
        raise ValueError("two callers of a department service share one token: each needs its own")
    return TokenAuth(callers, authorise_for(department))
