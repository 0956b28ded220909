"""Accounts against a real secantusd-py: what must hold when several gateway replicas and
administrators act at the same moment."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from gridfusion.fusion.v1 import fusion_pb2 as fpb

from gateway.accounts.passwords import Hasher
from gateway.accounts.policy import Admin, PolicyError, Scope
from gateway.accounts.service import Accounts, Limits, SignInRefused, Throttled
from gateway.accounts.store import AccountStore

pytestmark = pytest.mark.integration

GRIDS = {"G1": fpb.Grid(grid_id="G1", street_id="S1", community_id="C1")}
COUNTY = Admin("admin", "county", Scope())
PASSWORD = "amber tundra whistle 31"


@pytest.fixture
async def accounts(mongo):
    db = mongo[f"gateway_{uuid.uuid4().hex[:8]}"]
    store = AccountStore(db)
    await store.ensure_indexes()

    async def grids():
        return GRIDS

    yield Accounts(store, Hasher(concurrency=2), jwt_key="k" * 48, grids=grids,
                   limits=Limits(user_failures=3, address_failures=1000))
    await mongo.drop_database(db.name)


async def test_no_session_survives_a_disabling_that_races_with_sign_ins(accounts: Accounts) -> None:
    await accounts.create(COUNTY, username="w1", role="worker", scope=Scope(grid_id="G1"), password=PASSWORD)

    async def sign_in():
        try:
            return await accounts.sign_in("w1", PASSWORD, "10.0.0.1")
        except SignInRefused:
            return None

    racing = [asyncio.create_task(sign_in()) for _ in range(12)]
    await asyncio.sleep(0.05)
    await accounts.update(COUNTY, "w1", disabled=True)
    pairs = [p for p in await asyncio.gather(*racing) if p is not None]
    for pair in pairs:
        sid = pair.refresh_token.split(".")[0]
        assert await accounts.session_ended(sid) is not None, "a session opened beside the disabling is still open"
    with pytest.raises(SignInRefused, match="disabled"):
        await accounts.sign_in("w1", PASSWORD, "10.0.0.1")


async def test_two_administrators_changing_one_account_at_once_never_lose_an_update(accounts: Accounts) -> None:
    await accounts.create(COUNTY, username="w2", role="worker", scope=Scope(grid_id="G1"), password=PASSWORD)
    results = await asyncio.gather(
        accounts.update(COUNTY, "w2", display_name="甲"), accounts.update(COUNTY, "w2", role="secretary"),
        return_exceptions=True)
    named, promoted = results
    for result in results:
        assert not isinstance(result, Exception) or (isinstance(result, PolicyError) and result.status == 409), result
    assert not (isinstance(named, Exception) and isinstance(promoted, Exception)), "one of the two must succeed"
    final = await accounts.store.get("w2")
    assert (final["display_name"] == "甲") == (not isinstance(named, Exception))
    assert (final["role"] == "secretary") == (not isinstance(promoted, Exception))


async def test_every_change_and_the_lockout_leave_an_audit_entry_in_the_outbox(accounts: Accounts) -> None:
    _, one_time = await accounts.create(COUNTY, username="w3", role="worker", scope=Scope(grid_id="G1"))
    await accounts.update(COUNTY, "w3", disabled=True)
    for _ in range(3):
        with pytest.raises(SignInRefused):
            await accounts.sign_in("w3", "not it at all", "10.0.0.2")
    with pytest.raises(Throttled) as locked:
        await accounts.sign_in("w3", one_time, "10.0.0.2")
    assert locked.value.retry_after > 800
    whats = [doc["what"] for doc in await accounts.store.pending_audit()]
    assert any("w3 created" in w for w in whats)
    assert any("w3 changed: disabled" in w for w in whats)
    assert any("w3 locked" in w for w in whats)


async def test_the_first_administrator_needs_no_reference_data_but_a_grid_account_does(mongo) -> None:
    db = mongo[f"gateway_{uuid.uuid4().hex[:8]}"]
    store = AccountStore(db)
    await store.ensure_indexes()

    async def no_data():
        raise PolicyError(503, "cannot read the grids from fusion: no reference data imported")

    accounts = Accounts(store, Hasher(), jwt_key="k" * 48, grids=no_data)
    try:
        doc, _ = await accounts.create(COUNTY, username="chief", role="county", scope=Scope(), password=PASSWORD)
        assert doc["role"] == "county"
        await accounts.create(COUNTY, username="xf-system", role="department", scope=Scope(department="petition"))
        with pytest.raises(PolicyError) as refused:
            await accounts.create(COUNTY, username="sec1", role="secretary", scope=Scope(grid_id="G1"))
        assert refused.value.status == 503 and "no reference data" in refused.value.message
    finally:
        await mongo.drop_database(db.name)
