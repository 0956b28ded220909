"""Tokens and passwords: what is accepted and what is not, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from gateway.accounts.passwords import Hasher, HasherBusy, one_time_password, weakness
from gateway.accounts.policy import Scope
from gateway.accounts.tokens import Claims, issue_access, new_refresh, read_access, split_refresh

pytestmark = pytest.mark.unit
KEY = "k" * 48
CLAIMS = Claims("sec-G1", "secretary", Scope("S1", "C1", "G1"), "sid-1", must_change_password=True)


def test_an_access_token_carries_issuer_audience_id_session_role_and_scope() -> None:
    token = issue_access(CLAIMS, KEY, 15)
    body = jwt.decode(token, KEY, algorithms=["HS256"], audience="gridfusion-api")
    assert body["iss"] == "gridfusion" and body["aud"] == "gridfusion-api" and len(body["jti"]) == 32
    assert body["exp"] - body["iat"] == 15 * 60
    assert read_access(token, KEY) == CLAIMS
    assert issue_access(CLAIMS, KEY, 15) != token  # a fresh jti each time


@pytest.mark.parametrize("tamper", ["expired", "other_key", "other_audience", "no_session", "bad_role"])
def test_a_token_that_is_expired_foreign_or_incomplete_is_refused(tamper: str) -> None:
    now = datetime.now(UTC)
    body = {"iss": "gridfusion", "aud": "gridfusion-api", "sub": "x", "jti": "j", "sid": "s", "iat": now,
            "exp": now + timedelta(minutes=5), "role": "county"}
    key = KEY
    if tamper == "expired":
        body["exp"] = now - timedelta(seconds=1)
    elif tamper == "other_key":
        key = "z" * 48
    elif tamper == "other_audience":
        body["aud"] = "another-api"
    elif tamper == "no_session":
        del body["sid"]
    else:
        body["role"] = "emperor"
    with pytest.raises(jwt.InvalidTokenError):
        read_access(jwt.encode(body, key, algorithm="HS256"), KEY)


def test_a_refresh_token_names_its_session_and_only_its_hash_is_kept() -> None:
    token, stored = new_refresh("sid-9")
    assert token.startswith("sid-9.") and stored not in token
    assert split_refresh(token) == ("sid-9", stored)
    assert split_refresh("no-dot") is None and split_refresh("." + "x" * 10) is None


@pytest.mark.parametrize(("password", "problem"), [
    ("short1!", "at least 10"),
    ("password123", "too weak"),
    ("wang.sec-2026-secret", "username"),
    ("x" * 129, "at most 128"),
])
def test_weak_passwords_are_refused_with_the_reason(password: str, problem: str) -> None:
    assert problem in (weakness(password, username="wang.sec") or "")


def test_a_phrase_of_unrelated_words_and_a_one_time_password_are_strong_enough() -> None:
    assert weakness("violet harbour lantern 42", username="wang.sec") is None
    otp = one_time_password()
    assert len(otp) == 16 and weakness(otp, username="wang.sec") is None
    assert not set(otp) & set("0O1lI")


async def test_hashes_verify_off_the_event_loop_and_a_missing_hash_never_matches() -> None:
    hasher = Hasher()
    hashed = await hasher.hash("violet harbour lantern 42")
    assert await hasher.verify(hashed, "violet harbour lantern 42")
    assert not await hasher.verify(hashed, "violet harbour lantern 43")
    assert not await hasher.verify(None, "anything")


async def test_past_the_queue_limit_a_sign_in_is_told_to_come_back() -> None:
    import asyncio

    hasher = Hasher(concurrency=1, queue_limit=2)
    first = [asyncio.create_task(hasher.hash("p")) for _ in range(2)]
    await asyncio.sleep(0)
    with pytest.raises(HasherBusy) as busy:
        await hasher.hash("p")
    assert busy.value.retry_after >= 1
    await asyncio.gather(*first)
