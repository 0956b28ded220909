"""The reporting resident's own rating of a closure (群众满意度评价): ``POST /v1/cases/{case_id}/rating``.

A closed case is rated 满意 (``satisfied``), 基本满意 (``basically_satisfied``) or 不满意
(``unsatisfied``) by the resident who reported it — never by staff on the resident's behalf (staff
record what they heard on a return visit with the ``feedback`` action). An unsatisfied rating
reopens the case at the level that closed it (fusion's closed loop, ``services/fusion/workflow.py``).

Two ways to prove one reported the case:

- **an account**: a signed-in ``resident`` who submitted one of the case's reports (Open311
  ``POST /open311/v2/requests`` keeps the submitting account with the report);
- **a rating link**: the grid's staff (or a centre above it) ask for
  ``POST /v1/cases/{case_id}/rating-link`` once the case is closed and send the link to the
  reporter (SMS, WeChat). The link's token is signed by the gateway, names the case and that
  closure, and lapses after ``GATEWAY_RATING_LINK_DAYS`` days; it rates once (a closure takes one
  rating) and a later closure needs a new link. The token rides in the URL's fragment, so web
  servers and proxies never log it, and the page ``/dashboard/rate.html`` posts it in the body.

``GET /v1/cases/{case_id}/rating?token=`` shows the rating page what it rates: the case's
category, when it closed, its result, with phone and ID numbers masked, and nothing else.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

import jwt
from fastapi import APIRouter, HTTPException, Query, Request, status
from gridfusion.fusion.v1 import fusion_pb2 as fpb
from pydantic import BaseModel, ConfigDict, Field

from services.platform.vocabulary import (
    CASE_NOTE_MAX,
    CATEGORY_LABELS,
    SATISFACTION,
    SATISFACTION_LABELS,
    STATUS_LABELS,
)

from ...auth import Principal
from ...privacy import mask_text
from ..deps import GatewayState, Staff, State, authenticate
from ..problems import SIGNED_IN, answers

router = APIRouter(prefix="/v1/cases", tags=["residents' rating"], responses=answers(*SIGNED_IN, 404, 409, 413))

AUDIENCE = "gridfusion-rating"
ISSUER = "gridfusion"
ALGORITHM = "HS256"
TOKEN_MAX = 2048
LINK_RATER = "resident (rating link)"
NO_CLOSURE = "the case is not closed: a rating link is for a closed case, and lapses when the case reopens"


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: Literal[SATISFACTION] = Field(
        description="; ".join(f"{code} ({SATISFACTION_LABELS[code]})" for code in SATISFACTION))
    comment: str = Field("", max_length=CASE_NOTE_MAX, description="What the resident says, in their own words")
    token: str | None = Field(None, min_length=1, max_length=TOKEN_MAX,
                              description="The rating link's token; leave out when signed in as the reporting resident")


class RatingOut(BaseModel):
    case_id: str
    rating: str
    rating_label: str
    status: str = Field(description="closed, or reopened after an unsatisfied rating")
    level: str
    reopened: bool


class RatingLink(BaseModel):
    case_id: str
    url: str = Field(description="The page the reporter opens; the token is in its fragment")
    token: str
    expires_at: str


class RatingSubject(BaseModel):
    """What the rating page shows: enough to recognise the matter, nothing personal."""

    case_id: str
    category: str
    category_label: str
    status: str
    status_label: str
    closed_at: str | None
    result: str
    rated: bool
    choices: list[dict[str, str]]


def _closure(case: fpb.Case) -> int:
    """Which closure of the case: when it closed, in milliseconds (what the store keeps); 0 when open."""
    if case.status != "closed" or not case.HasField("closed_at"):
        return 0
    return case.closed_at.seconds * 1000 + case.closed_at.nanos // 1_000_000


def issue(case: fpb.Case, key: str, days: float, now: datetime) -> tuple[str, datetime]:
    expires = now + timedelta(days=days)
    body = {"iss": ISSUER, "aud": AUDIENCE, "sub": case.case_id, "closure": _closure(case), "iat": now, "exp": expires}
    return jwt.encode(body, key, algorithm=ALGORITHM), expires


def read(token: str, case_id: str, key: str) -> int:
    """The closure a link's token rates; 401 for a token that is not a valid, current rating link
    of this case."""
    try:
        body = jwt.decode(token, key, algorithms=[ALGORITHM], issuer=ISSUER, audience=AUDIENCE,
                          options={"require": ["exp", "iat", "sub", "iss", "aud", "closure"]})
    except jwt.InvalidTokenError as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"invalid or expired rating link: {exc}") from exc
    if body["sub"] != case_id:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "this rating link is for another case")
    return int(body["closure"])


async def _case(state: GatewayState, case_id: str) -> fpb.CaseDetail:
    """The case as the gateway reads it to check a rater (the county's sight: the rater has none)."""
    return await state.peers.fusion.GetCase(fpb.GetCaseRequest(case_id=case_id, scope=fpb.Scope(role="county")),
                                            timeout=state.settings.rpc_timeout_seconds)


def reported_by(detail: fpb.CaseDetail, username: str) -> bool:
    """Whether ``username`` submitted one of the case's reports."""
    for fused in detail.events:
        reporter = fused.event.details.fields.get("reporter")
        if reporter is not None and reporter.struct_value.fields.get("account") is not None and \
                reporter.struct_value.fields["account"].string_value == username:
            return True
    return False


def what_was_done(detail: fpb.CaseDetail) -> str:
    """The department's handling result, else the note of the last resolution on site."""
    if detail.case.result:
        return detail.case.result
    notes = [t.note for t in detail.timeline if t.action == "resolve_on_site" and t.note]
    return notes[-1] if notes else ""


async def _signed_in(state: GatewayState, request: Request) -> Principal | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    return await authenticate(state, header[7:].strip(), path=request.url.path)


@router.post(
    "/{case_id}/rating", response_model=RatingOut,
    summary="The reporting resident rates a closed case: 满意, 基本满意 or 不满意 (unsatisfied reopens it at "
            "the level that closed it)",
    responses={401: {"description": "neither a valid rating link nor a signed-in resident"},
               403: {"description": "a signed-in account that is not the resident who reported the case"},
               404: {"description": "no such case"},
               409: {"description": "the case is not closed, or this closure is already rated"},
               422: {"description": "a bad field, named in the detail"}},
)
async def rate_case(case_id: str, body: RatingIn, request: Request, state: State) -> RatingOut:
    if body.token:
        closure = read(body.token, case_id, state.jwt_key)
        detail = await _case(state, case_id)
        if _closure(detail.case) != closure:
            raise HTTPException(status.HTTP_409_CONFLICT, "this rating link was for an earlier closure of the case; "
                                                          "ask the grid for a new one")
        username, channel = LINK_RATER, "link"
    else:
        caller = await _signed_in(state, request)
        if caller is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "send the rating link's token, or sign in as the "
                                                              "resident who reported the case",
                                headers={"WWW-Authenticate": "Bearer"})
        if caller.role != "resident":
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"role '{caller.role}' may not rate a case: only the "
                                "reporting resident rates a closure (staff record a return visit with the feedback action)")
        if not reported_by(await _case(state, case_id), caller.username):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "only the resident who reported this case may rate it")
        username, channel = caller.username, "account"
    case = await state.peers.fusion.ActOnCase(
        fpb.ActOnCaseRequest(case_id=case_id, action="rate", satisfaction=body.rating, channel=channel,
                             note=body.comment.strip(), actor=fpb.Actor(username=username, role="resident")),
        timeout=state.settings.rpc_timeout_seconds)
    hot = getattr(state.feed, "hotlist", None)
    if hot is not None:
        hot.apply(case)
    return RatingOut(case_id=case.case_id, rating=body.rating, rating_label=SATISFACTION_LABELS[body.rating],
                     status=case.status, level=case.level, reopened=case.status == "reopened")


@router.get("/{case_id}/rating", response_model=RatingSubject,
            summary="What a rating link rates: the case's category, closure and result (personal data masked)",
            responses={401: {"description": "not a valid rating link of this case"}})
async def rating_subject(case_id: str, state: State,
                         token: Annotated[str, Query(min_length=1, max_length=TOKEN_MAX)]) -> RatingSubject:
    closure = read(token, case_id, state.jwt_key)
    detail = await _case(state, case_id)
    case = detail.case
    return RatingSubject(
        case_id=case.case_id, category=case.category, category_label=CATEGORY_LABELS.get(case.category, case.category),
        status=case.status, status_label=STATUS_LABELS.get(case.status, case.status),
        closed_at=state.iso(case.closed_at, present=case.HasField("closed_at")),
        result=mask_text(what_was_done(detail))[0], rated=bool(case.satisfaction) or _closure(case) != closure,
        choices=[{"code": c, "label": SATISFACTION_LABELS[c]} for c in SATISFACTION])


@router.post("/{case_id}/rating-link", response_model=RatingLink, status_code=201,
             summary="A link for the reporter to rate the case's closure (grid staff and the centres above)",
             responses={403: {"description": "a role that does not hold cases"},
                        409: {"description": "the case is not closed, or this closure is already rated"}})
async def rating_link(case_id: str, request: Request, state: State, caller: Staff) -> RatingLink:
    if caller.role == "department":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "a department does not send rating links; the grid does")
    case = (await state.peers.fusion.GetCase(
        fpb.GetCaseRequest(case_id=case_id, scope=caller.scope(), actor=caller.actor()),
        timeout=state.settings.rpc_timeout_seconds)).case
    if case.status != "closed":
        raise HTTPException(status.HTTP_409_CONFLICT, NO_CLOSURE)
    if case.satisfaction:
        raise HTTPException(status.HTTP_409_CONFLICT, "this closure is already rated "
                            f"({SATISFACTION_LABELS.get(case.satisfaction, case.satisfaction)})")
    token, expires = issue(case, state.jwt_key, state.settings.rating_link_days, datetime.now(UTC))
    base = state.settings.public_url.rstrip("/") or str(request.base_url).rstrip("/")
    return RatingLink(case_id=case_id, url=f"{base}/dashboard/rate.html#case={case_id}&token={token}", token=token,
                      expires_at=expires.astimezone(state.tz).isoformat())
