"""Open sessions remembered in memory, ended on every gateway replica at once.

Against a real secantusd-py and real nats-servers: a session read open is not read again within
``GATEWAY_SESSION_CACHE_SECONDS``; two gateway replicas on one NATS and one database refuse a
token on the very next request after the other disabled the account, changed its role or
scope, or signed it out; and while a replica's NATS connection is down it reads every session."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from gateway.accounts.open_sessions import OpenSessions
from gateway.accounts.passwords import Hasher
from gateway.accounts.policy import Admin, Scope
from gateway.accounts.service import Accounts
from gateway.accounts.store import AccountStore
from gateway.feed import FeedHub
from gateway.main import create_app
from gateway.settings import GatewaySettings
from services.local import LocalPlatform

pytestmark = pytest.mark.integration

COUNTY = Admin("admin", "county", Scope())
PASSWORD = "amber tundra whistle 31"
# The notice of ended sessions must reach the other replica in milliseconds; this is the limit.
AT_ONCE = 2.0


class CountingStore(AccountStore):
    """The real store, counting the reads of sessions."""

    def __init__(self, db) -> None:
        super().__init__(db)
        self.reads = 0

    async def session(self, session_id: str) -> dict[str, Any] | None:
        self.reads += 1
        return await super().session(session_id)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def database(mongo) -> AsyncIterator:
    db = mongo[f"gateway_{uuid.uuid4().hex[:8]}"]
    yield db
    await mongo.drop_database(db.name)


async def accounts_of(db, seconds: float, epoch=lambda: 0, clock=None) -> Accounts:
    store = CountingStore(db)
    await store.ensure_indexes()

    async def grids():
        return {}

    return Accounts(store, Hasher(concurrency=2), jwt_key="k" * 48, grids=grids, clock=clock or Clock(),
                    open_sessions=OpenSessions(seconds, epoch=epoch))


async def session_of(accounts: Accounts, username: str) -> str:
    await accounts.create(COUNTY, username=username, role="county", scope=Scope(), password=PASSWORD)
    pair = await accounts.sign_in(username, PASSWORD, "10.0.0.1")
    return pair.refresh_token.split(".")[0]


async def test_a_session_read_open_is_not_read_again_within_the_time(database) -> None:
    accounts = await accounts_of(database, 30)
    sid = await session_of(accounts, "c1")
    for _ in range(5):
        assert await accounts.session_ended(sid) is None
    assert accounts.store.reads == 1


async def test_a_remembered_session_past_its_expiry_is_refused_without_a_read(database) -> None:
    clock = Clock()
    accounts = await accounts_of(database, 30, clock=clock)
    sid = await session_of(accounts, "c2")
    assert await accounts.session_ended(sid) is None
    clock.now += timedelta(hours=accounts.limits.refresh_hours, seconds=1)
    assert await accounts.session_ended(sid) == "session expired"
    assert accounts.store.reads == 1


async def test_with_the_memory_off_every_request_reads(database) -> None:
    accounts = await accounts_of(database, 0)
    sid = await session_of(accounts, "c3")
    for _ in range(3):
        assert await accounts.session_ended(sid) is None
    assert accounts.store.reads == 3


async def test_a_session_ended_here_is_forgotten_at_once_and_never_remembered(database) -> None:
    accounts = await accounts_of(database, 30)
    told: list[tuple[str, str | None]] = []

    async def tell(username: str, session_id: str | None) -> None:
        told.append((username, session_id))

    accounts.on_sessions_ended = tell
    sid = await session_of(accounts, "c4")
    other = (await accounts.sign_in("c4", PASSWORD, "10.0.0.1")).refresh_token.split(".")[0]
    assert await accounts.session_ended(sid) is None and await accounts.session_ended(other) is None
    await accounts.sign_out(sid)
    assert await accounts.session_ended(sid) == "signed out"
    assert await accounts.session_ended(sid) == "signed out"  # read each time: not remembered
    assert await accounts.session_ended(other) is None
    await accounts.create(COUNTY, username="c5", role="county", scope=Scope(), password=PASSWORD)
    await accounts.update(Admin("c5", "county", Scope()), "c4", disabled=True)
    assert await accounts.session_ended(other) == "account disabled"
    assert told == [("c4", sid), ("c4", None)]


# -- two gateway replicas on one NATS and one database ------------------------------------------


def gateway_settings(infra: LocalPlatform, database: str, **extra: Any) -> GatewaySettings:
    return GatewaySettings(
        jwt_key="j" * 48, service_token="s" * 40, database=database, mongodb_uri=infra.mongodb_uri,
        nats_url=infra.nats_address, nats_user="gateway", nats_password=infra.nats_passwords["gateway"],
        fusion_target="127.0.0.1:9", department_targets={d: "127.0.0.1:9" for d in infra.ports.departments},
        **extra)


class Replica:
    def __init__(self, app, client: httpx.AsyncClient) -> None:
        self.app, self.client = app, client
        self.state = app.state.gateway
        self.reads = 0
        store = self.state.accounts.store
        read = store.session

        async def counted(session_id: str):
            self.reads += 1
            return await read(session_id)

        store.session = counted  # the real read, counted

    async def me(self, headers: dict[str, str]) -> int:
        return (await self.client.get("/v1/auth/me", headers=headers)).status_code


async def until_ready(state) -> None:
    deadline = time.monotonic() + 30
    while state.feed.notices_epoch() is None:
        assert time.monotonic() < deadline, "the gateway did not subscribe on NATS"
        await asyncio.sleep(0.05)


@pytest.fixture
async def replicas(infra: LocalPlatform, database) -> AsyncIterator[tuple[Replica, Replica]]:
    apps = [create_app(gateway_settings(infra, database.name)) for _ in range(2)]
    async with apps[0].router.lifespan_context(apps[0]), apps[1].router.lifespan_context(apps[1]), \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[0]), base_url="http://a") as a, \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[1]), base_url="http://b") as b:
        for app in apps:
            await until_ready(app.state.gateway)
        await apps[0].state.gateway.accounts.store.ensure_indexes()
        yield Replica(apps[0], a), Replica(apps[1], b)


async def signed_in(replica: Replica, username: str, role: str = "county", **scope: str) -> dict[str, str]:
    await replica.state.accounts.create(COUNTY, username=username, role=role, scope=Scope(**scope),
                                        password=PASSWORD)
    reply = await replica.client.post("/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


async def remembered_on_both(a: Replica, b: Replica, token: dict[str, str]) -> None:
    for replica in (a, b):
        assert await replica.me(token) == 200
        reads = replica.reads
        assert await replica.me(token) == 200
        assert replica.reads == reads, "the session was read again: not remembered"


async def refused_on(replica: Replica, token: dict[str, str]) -> float:
    """Seconds until ``replica`` refuses the token (asserted within AT_ONCE)."""
    started = time.monotonic()
    while await replica.me(token) != 401:
        assert time.monotonic() - started < AT_ONCE, "the other replica still accepts the ended session"
        await asyncio.sleep(0.005)
    return time.monotonic() - started


async def test_disabling_through_one_replica_refuses_the_token_on_the_other_at_once(replicas) -> None:
    a, b = replicas
    admin = await signed_in(a, "county-admin")
    worker = await signed_in(a, "dept-one", role="department", department="petition")
    await remembered_on_both(a, b, worker)
    reply = await a.client.patch("/v1/accounts/dept-one", json={"disabled": True}, headers=admin)
    assert reply.status_code == 200, reply.text
    assert await a.me(worker) == 401  # forgotten here before the answer
    await refused_on(b, worker)
    assert (await b.client.get("/v1/auth/me", headers=worker)).json()["detail"].endswith(
        "account disabled; sign in again")
    assert await b.me(admin) == 200


async def test_a_role_or_scope_change_refuses_the_token_on_the_other_replica_at_once(replicas) -> None:
    a, b = replicas
    admin = await signed_in(a, "county-admin")
    moved = await signed_in(a, "dept-two", role="department", department="petition")
    promoted = await signed_in(a, "dept-three", role="department", department="petition")
    await remembered_on_both(a, b, moved)
    await remembered_on_both(a, b, promoted)
    reply = await a.client.patch("/v1/accounts/dept-two", json={"scope": {"department": "legal_aid"}},
                                 headers=admin)
    assert reply.status_code == 200, reply.text
    await refused_on(b, moved)
    assert await b.me(promoted) == 200  # another account's sessions stay open
    reply = await a.client.patch("/v1/accounts/dept-three", json={"role": "county"}, headers=admin)
    assert reply.status_code == 200, reply.text
    await refused_on(b, promoted)


async def test_signing_out_on_one_replica_ends_that_session_on_the_other_only(replicas) -> None:
    a, b = replicas
    first = await signed_in(a, "county-four")
    reply = await b.client.post("/v1/auth/token", data={"username": "county-four", "password": PASSWORD})
    second = {"Authorization": f"Bearer {reply.json()['access_token']}"}
    await remembered_on_both(a, b, first)
    await remembered_on_both(a, b, second)
    assert (await a.client.post("/v1/auth/logout", headers=first)).status_code == 204
    await refused_on(b, first)
    reads = b.reads
    assert await b.me(second) == 200 and b.reads == reads  # the other session is still remembered


async def test_a_password_reset_through_one_replica_refuses_the_token_on_the_other_at_once(replicas) -> None:
    a, b = replicas
    admin = await signed_in(a, "county-admin")
    token = await signed_in(a, "county-five")
    await remembered_on_both(a, b, token)
    reply = await a.client.post("/v1/accounts/county-five:reset-password", headers=admin)
    assert reply.status_code == 200, reply.text
    await refused_on(b, token)


# -- a replica whose NATS connection drops -------------------------------------------------------


async def until(predicate, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


async def test_while_nats_is_down_every_request_reads_and_a_reconnect_forgets_everything(
        database, own_nats) -> None:
    hub = FeedHub()
    accounts = await accounts_of(database, 30, epoch=hub.notices_epoch)
    hub.on_sessions_ended.append(accounts.open_sessions.forget)
    await hub.start(own_nats.url)
    try:
        sid = await session_of(accounts, "c6")
        assert await accounts.session_ended(sid) is None
        assert await accounts.session_ended(sid) is None
        assert accounts.store.reads == 1
        own_nats.stop()
        await until(lambda: not hub.connected, "the connection did not notice the server stopped")
        for expected in (2, 3):
            assert await accounts.session_ended(sid) is None
            assert accounts.store.reads == expected  # a notice could be missed now: read every time
        own_nats.start()
        await until(lambda: hub.connected and hub.reconnects == 1, "the connection did not come back")
        assert await accounts.session_ended(sid) is None
        assert await accounts.session_ended(sid) is None
        assert accounts.store.reads == 4  # remembered again, under the new connection
    finally:
        await hub.close()


async def test_a_memory_made_before_a_reconnect_is_forgotten(database, own_nats) -> None:
    """A notice published while the connection was down is lost: what was remembered before is not
    trusted after it came back, even if the drop was too short to be seen by any request."""
    hub = FeedHub()
    accounts = await accounts_of(database, 30, epoch=hub.notices_epoch)
    await hub.start(own_nats.url)
    try:
        sid = await session_of(accounts, "c7")
        assert await accounts.session_ended(sid) is None
        own_nats.stop()
        # Ended meanwhile, somewhere this replica cannot hear.
        await accounts.store.end_sessions("c7", "account disabled", datetime.now(UTC))
        own_nats.start()
        await until(lambda: hub.connected and hub.reconnects == 1, "the connection did not come back")
        assert await accounts.session_ended(sid) == "account disabled"
    finally:
        await hub.close()


async def test_the_command_line_announces_the_sessions_it_ended(database, own_nats, monkeypatch) -> None:
    """``gridfusion accounts disable`` works on the database directly: it tells the replicas too."""
    from gateway.accounts import cli

    hub = FeedHub()
    accounts = await accounts_of(database, 30, epoch=hub.notices_epoch)
    hub.on_sessions_ended.append(accounts.open_sessions.forget)
    await hub.start(own_nats.url)
    try:
        sid = await session_of(accounts, "c8")
        assert await accounts.session_ended(sid) is None
        monkeypatch.setenv("NATS_URL", own_nats.url)
        await cli.announce([("c8", None)])
        await until(lambda: len(accounts.open_sessions) == 0, "the notice did not arrive", timeout=AT_ONCE)
    finally:
        await hub.close()
