"""Signing in through the county's identity provider (single sign-on, optional):
``/v1/auth/providers``, ``/v1/auth/oidc/login``, ``/callback``, ``/exchange``.

The dashboard asks ``/providers`` which sign-ins there are, sends the browser to ``login_url``
(with ``?next=``), and comes back to ``/dashboard/#sso=<code>``, which it trades at
``/exchange`` for the same token JSON as ``POST /v1/auth/token``; or to
``/dashboard/#sso_error=<reason>``. The flow and the mapping file: ``gateway/accounts/oidc.py``.
"""

from __future__ import annotations

import logging
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from pymongo.errors import PyMongoError

from ...accounts.oidc import ProviderUnavailable, Refused, SignInFailed, SingleSignOn
from ..deps import GatewayState, State
from ..models import Token
from .auth import token_json

router = APIRouter(prefix="/v1/auth", tags=["auth"])
log = logging.getLogger(__name__)

LOGIN = "/v1/auth/oidc/login"
DASHBOARD = "/dashboard/"
COOKIE = "gridfusion_sso"  # binds a sign-in under way to the browser that started it
COOKIE_PATH = "/v1/auth/oidc"
NOT_CONFIGURED = {404: {"description": "single sign-on is not configured on this gateway"}}


class OidcProviderOut(BaseModel):
    name: str = Field(description="what the sign-in button names, e.g. 统一身份认证平台")
    login_url: str = Field(description="where the browser goes to sign in; takes ?next=<path>")


class Providers(BaseModel):
    password: bool = True
    oidc: OidcProviderOut | None = Field(description="null when single sign-on is not configured")


class HandoffIn(BaseModel):
    code: str = Field(description="the code the dashboard got in its URL fragment (#sso=<code>)")


def _sso(state: GatewayState) -> SingleSignOn:
    if state.sso is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            "single sign-on is not configured on this gateway (GATEWAY_OIDC_ISSUER is empty)")
    return state.sso


def safe_next(path: str) -> str:
    """A path on this site to return to (never another site); the dashboard otherwise."""
    if (not path.startswith("/") or path.startswith(("//", "/\\")) or len(path) > 200
            or any(c in path for c in "\r\n\t#")):
        return DASHBOARD
    return path


def callback_url(request: Request, public_url: str) -> str:
    if public_url:
        return f"{public_url}/v1/auth/oidc/callback"
    return str(request.url_for("oidc_callback"))


@router.get("/providers", response_model=Providers, summary="The ways to sign in here (no token needed)")
async def providers(state: State) -> Providers:
    if state.sso is None:
        return Providers(oidc=None)
    return Providers(oidc=OidcProviderOut(name=state.sso.display_name, login_url=LOGIN))


@router.get("/oidc/login", status_code=status.HTTP_302_FOUND, response_class=RedirectResponse,
            responses={**NOT_CONFIGURED, 503: {"description": "the identity provider cannot be reached; the reason"}},
            summary="Start single sign-on: to the identity provider (authorization code with PKCE)")
async def oidc_login(request: Request, state: State, next: str = DASHBOARD) -> RedirectResponse:
    sso = _sso(state)
    redirect_uri = callback_url(request, sso.public_url)
    try:
        url, browser_key = await sso.begin(redirect_uri=redirect_uri, next_path=safe_next(next),
                                           browser_key=request.cookies.get(COOKIE))
    except ProviderUnavailable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"{sso.display_name}: {exc}",
                            headers={"Retry-After": "30"}) from exc
    except PyMongoError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the gateway's database is unavailable",
                            headers={"Retry-After": "10"}) from exc
    response = RedirectResponse(url, status_code=status.HTTP_302_FOUND)
    response.set_cookie(COOKIE, browser_key, max_age=600, path=COOKIE_PATH, httponly=True, samesite="lax",
                        secure=redirect_uri.startswith("https://"))
    return response


@router.get("/oidc/callback", status_code=status.HTTP_302_FOUND, response_class=RedirectResponse,
            responses=NOT_CONFIGURED,
            summary="The identity provider comes back here; on to the dashboard with a one-time code or the reason")
async def oidc_callback(
    request: Request,
    gateway: State,
    code: str = "",
    state: Annotated[str, Query(description="the state this sign-in started with")] = "",
    error: str = "",
    error_description: str = "",
) -> RedirectResponse:
    sso = _sso(gateway)
    try:
        handoff, next_path = await sso.finish(state=state, code=code, error=error,
                                              error_description=error_description,
                                              browser_key=request.cookies.get(COOKIE))
        target = f"{next_path}#sso={handoff}"
    except (SignInFailed, Refused, ProviderUnavailable) as exc:
        log.info("single sign-on did not finish", extra={"reason": str(exc)})
        target = f"{DASHBOARD}#sso_error={quote(str(exc)[:300], safe='')}"
    except Exception:  # the browser gets a reason, never a 500
        log.exception("single sign-on failed")
        target = f"{DASHBOARD}#sso_error={quote('the gateway could not finish the sign-in; try again', safe='')}"
    # The browser's cookie stays until it expires: another tab's sign-in may still need it.
    return RedirectResponse(target, status_code=status.HTTP_302_FOUND)


@router.post("/oidc/exchange", response_model=Token,
             responses={**NOT_CONFIGURED, 401: {"description": "unknown, used or expired code"}},
             summary="Trade the one-time code of a single sign-on for an access token and a refresh token")
async def oidc_exchange(body: HandoffIn, state: State) -> Token:
    return token_json(await _sso(state).exchange(body.code))
