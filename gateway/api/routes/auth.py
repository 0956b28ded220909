"""``POST /v1/auth/token``: the OAuth2 password flow."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm

from ...auth import issue_token
from ..deps import State
from ..models import Token

router = APIRouter(prefix="/v1/auth", tags=["auth"])


@router.post("/token", response_model=Token, summary="Exchange a username and password for a bearer token")
async def token(state: State, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    book = await state.accounts()
    principal = book.verify(form.username, form.password)
    if principal is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password", headers={"WWW-Authenticate": "Bearer"})
    return Token(access_token=issue_token(principal, state.jwt_key, state.settings.token_minutes))
