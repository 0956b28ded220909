"""Signing in and out: ``/v1/auth/token`` (OAuth2 password form), ``/refresh`` (rotated),
``/logout``, ``/password``, ``/me``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from ...accounts.service import SignInRefused, TokenPair
from ..deps import Caller, State
from ..models import LogoutIn, Me, PasswordChange, RefreshIn, Token
from ..problems import answers
from .accounts import account_json

router = APIRouter(prefix="/v1/auth", tags=["auth"], responses=answers(400, 401, 403, 413, 422, 503))

MAX_PASSWORD = 128
TOO_MANY = {429: {"description": "too many failed sign-ins for the account or from the address; `Retry-After` says "
                                 "when to try again"}}


def token_json(pair: TokenPair) -> Token:
    return Token(access_token=pair.access_token, expires_in=pair.expires_in, refresh_token=pair.refresh_token,
                 must_change_password=pair.must_change_password)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/token", response_model=Token, responses=TOO_MANY,
             summary="Exchange a username and password for an access token and a refresh token")
async def token(request: Request, state: State, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    await state.ensure_demo_accounts()
    if len(form.password) > MAX_PASSWORD:
        raise SignInRefused("wrong username or password")
    return token_json(await state.accounts.sign_in(form.username, form.password, client_address(request)))


@router.post("/refresh", response_model=Token,
             summary="A new token pair for a refresh token; the refresh token presented is used up")
async def refresh(body: RefreshIn, state: State) -> Token:
    return token_json(await state.accounts.refresh(body.refresh_token))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
             summary="End this session: its access and refresh tokens stop working at once")
async def logout(state: State, caller: Caller, body: LogoutIn | None = None) -> Response:
    await state.accounts.sign_out(caller.session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/password", response_model=Token, responses={403: {"description": "the old password is wrong"}},
             summary="Change your own password; every other session ends, and a new token pair is returned")
async def change_password(body: PasswordChange, state: State, caller: Caller) -> Token:
    return token_json(await state.accounts.change_password(caller.username, body.old_password, body.new_password))


@router.get("/me", response_model=Me, summary="Your own account: role, scope, whether the password must change")
async def me(state: State, caller: Caller) -> Me:
    doc = await state.accounts.store.get(caller.username)
    if doc is None:
        raise SignInRefused("this account no longer exists")
    out = account_json(doc, state)
    return Me(**{k: getattr(out, k) for k in Me.model_fields})

