"""``/v1/accounts``: the county's people and systems, managed by the county, and by street and
community administrators inside their own subtree (never a role above their own)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from services.platform.vocabulary import ROLE_LABELS

from ...accounts.policy import Scope
from ..deps import Caller, GatewayState, Page, State
from ..models import AccountIn, AccountOut, AccountPage, AccountPatch, Role, ScopeIn, ScopeOut
from ..problems import SIGNED_IN, Problem, answers, link, links

router = APIRouter(prefix="/v1/accounts", tags=["accounts"], responses=answers(*SIGNED_IN, 404, 409, 413))
# An administrator's list of accounts takes larger pages than the other lists.
ACCOUNTS_PAGE_SIZE_MAX = 500

REFUSALS = {403: {"model": Problem, "description": "outside the caller's subtree, or a role above its own"},
            404: {"model": Problem, "description": "no such account in the caller's scope"},
            409: {"model": Problem, "description": "the name is taken, or the account changed meanwhile"},
            422: {"model": Problem, "description": "a field is wrong, e.g. a scope not in the reference data"}}


def account_json(doc: dict[str, Any], state: GatewayState, *, one_time_password: str | None = None) -> AccountOut:
    def iso(value: datetime | None) -> str | None:
        return value.astimezone(state.tz).isoformat() if value else None

    return AccountOut(
        username=doc["_id"], display_name=doc["display_name"], role=doc["role"], role_label=ROLE_LABELS[doc["role"]],
        scope=ScopeOut(**{k: v or None for k, v in doc["scope"].items()}), disabled=doc["disabled"],
        must_change_password=doc.get("must_change_password", False), source=doc.get("source", "password"),
        created_at=iso(doc["created_at"]), created_by=doc["created_by"], changed_at=iso(doc["changed_at"]),
        changed_by=doc["changed_by"], last_login_at=iso(doc.get("last_login_at")), worker_id=doc.get("worker_id"),
        one_time_password=one_time_password,
    )


def _scope(scope: ScopeIn | None) -> Scope | None:
    return None if scope is None else Scope.of(scope.model_dump())


@router.post("", response_model=AccountOut, status_code=status.HTTP_201_CREATED,
             responses={**REFUSALS, 201: links(Account=link("get_account_v1_accounts__username__get",
                                                            "The account just created", username="$response.body#/username"))},
             summary="Create an account; without a password, a one-time password is returned (shown once)")
async def create_account(body: AccountIn, state: State, caller: Caller) -> AccountOut:
    doc, one_time = await state.accounts.create(
        caller.admin(), username=body.username, role=body.role, scope=_scope(body.scope) or Scope(),
        display_name=body.display_name or "", password=body.password, worker_id=body.worker_id,
    )
    return account_json(doc, state, one_time_password=one_time)


@router.get("", response_model=AccountPage, summary="Accounts in the caller's subtree",
            responses={**REFUSALS, 200: links(FirstAccount=link("get_account_v1_accounts__username__get",
                                                                "The page's first account",
                                                                username="$response.body#/items/0/username"))})
async def list_accounts(
    state: State,
    caller: Caller,
    role: Role | None = None,
    disabled: bool | None = None,
    page: Page = 1,
    page_size: Annotated[int, Query(ge=1, le=ACCOUNTS_PAGE_SIZE_MAX)] = 50,
) -> AccountPage:
    docs, total = await state.accounts.list(caller.admin(), role=role, disabled=disabled, page=page,
                                            page_size=page_size)
    return AccountPage(items=[account_json(d, state) for d in docs], total=total, page=page, page_size=page_size)


@router.get("/{username}", response_model=AccountOut, responses=REFUSALS,
            summary="One account (any account may read its own)")
async def get_account(username: str, state: State, caller: Caller) -> AccountOut:
    return account_json(await state.accounts.get(caller.admin(), username), state)


@router.patch("/{username}", response_model=AccountOut, responses=REFUSALS,
              summary="Change role, scope, display name, or disable; a role or scope change or disabling "
                      "ends the account's sessions at once")
async def change_account(username: str, body: AccountPatch, state: State, caller: Caller) -> AccountOut:
    doc = await state.accounts.update(caller.admin(), username, role=body.role, scope=_scope(body.scope),
                                      display_name=body.display_name, disabled=body.disabled,
                                      worker_id=body.worker_id)
    return account_json(doc, state)


@router.post("/{username}:reset-password", response_model=AccountOut, responses=REFUSALS,
             summary="A new one-time password (shown once); the account's sessions end")
async def reset_password(username: str, state: State, caller: Caller) -> AccountOut:
    doc, one_time = await state.accounts.reset_password(caller.admin(), username)
    return account_json(doc, state, one_time_password=one_time)
