"""The gateway's read model of the hot case lists against fusion's real ``ListCases`` on a real
secantusd-py, fed by case changes over a real NATS: every page it answers is the page fusion
answers for the same request, and what it cannot answer exactly it leaves to fusion."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import grpc
import pytest
from gridfusion.fusion.v1 import fusion_pb2 as fpb
from gridfusion.fusion.v1 import fusion_pb2_grpc

from gateway.feed import FeedHub
from gateway.hotlist import HotList
from services.fusion.cases import CaseStore
from services.fusion.convert import case_to_proto
from services.fusion.reference import ReferenceHolder
from services.fusion.server import FusionServicer
from services.local import free_port
from services.platform import bus
from services.platform.grpcserver import GrpcServer
from services.platform.mongo import connect
from services.platform.scope import Principal
from services.platform.vocabulary import FINISHED, OPEN_STATUSES
from tests.servers import Relay

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC).replace(microsecond=0)
PLACES = {"G1": ("C1", "S1"), "G2": ("C1", "S1"), "G3": ("C2", "S2")}
PRINCIPALS = (
    Principal("admin", "county"),
    Principal("sec-G1", "secretary", grid_id="G1"),
    Principal("community-C2", "community", community_id="C2"),
    Principal("street-S1", "street", street_id="S1"),
    Principal("dept-petition", "department", department="petition"),
)
FILTERS = (
    {}, {"grid_id": "G2"}, {"status": "open"}, {"status": "accepted"}, {"status": "closed"},
    {"category": "safety_hazard.fire"}, {"department": "legal_aid"},
    {"grid_id": "G1", "status": "open", "department": "petition"},
)


def documents(n: int, seed: int = 3) -> list[dict]:
    """Cases as fusion stores them, opened over 90 days (a few at the very same moment)."""
    rng = random.Random(seed)
    same = NOW - timedelta(days=2)
    out = []
    for i in range(n):
        grid = rng.choice(list(PLACES))
        status = rng.choice([*OPEN_STATUSES, "resolved", "closed", "closed"])
        handed = status == "handed_over"
        opened = same if i % 17 == 0 else NOW - timedelta(seconds=rng.randint(60, 90 * 86400))
        out.append({
            "_id": f"C{opened:%Y%m%d}-T{i:05d}", "grid_id": grid, "community_id": PLACES[grid][0],
            "street_id": PLACES[grid][1], "status": status, "version": 1,
            "level": "department" if handed else rng.choice(["grid", "community", "street"]),
            "category": rng.choice(["dispute.neighbor", "safety_hazard.fire", "livelihood.medical"]),
            "departments": rng.sample(["petition", "legal_aid", "civil_affairs"], rng.randint(1, 2)),
            "handed_to": rng.choice(["petition", "legal_aid"]) if handed else "",
            "event_ids": [f"petition:e{i}"], "summary": "邻里纠纷", "opened_at": opened, "updated_at": opened,
            "closed_at": opened if status in FINISHED else None,
        })
    return out


@asynccontextmanager
async def opened_world(mongodb_uri: str, nats_url: str) -> AsyncIterator[tuple]:
    """Fusion's store and gRPC API on a real secantusd-py, and a gateway's feed and read model
    following the case changes on the NATS server at ``nats_url`` (not loaded yet)."""
    client = connect(mongodb_uri, app_name="tests-hotlist")
    db = client[f"hotlist_{uuid.uuid4().hex[:10]}"]
    store = CaseStore(client, db)
    await store.ensure_indexes()
    await store.cases.insert_many(documents(420))
    servicer = FusionServicer(store, ReferenceHolder(db))
    port = free_port()
    server = GrpcServer(port, [fpb.DESCRIPTOR.services_by_name["FusionService"].full_name], host="127.0.0.1")
    server.add(lambda s: fusion_pb2_grpc.add_FusionServiceServicer_to_server(servicer, s))
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    fusion = fusion_pb2_grpc.FusionServiceStub(channel)
    hub = FeedHub()
    await hub.start(nats_url)
    await hub.follow()
    hot = HotList(30, feed=hub)
    hub.on_case.append(hot.take)
    try:
        yield store, fusion, hub, hot
    finally:
        await hub.close()
        await channel.close()
        await server.stop(0)
        await client.drop_database(db.name)
        await client.close()


@pytest.fixture
async def world(mongodb_uri: str, nats_url: str, js) -> AsyncIterator[tuple]:
    async with opened_world(mongodb_uri, nats_url) as opened:
        yield opened


async def fusion_page(fusion, principal: Principal, *, page: int = 1, page_size: int = 20, cursor: str = "",
                      count: int = fpb.COUNT_CAPPED, **filters) -> fpb.ListCasesResponse:
    return await fusion.ListCases(fpb.ListCasesRequest(scope=principal.scope(), page=page, page_size=page_size,
                                                       cursor=cursor, count=count, **filters))


async def compare(hot: HotList, fusion) -> tuple[int, int]:
    """Every principal, filter and page the model answers equals fusion's; how many it answered
    and how many it left to fusion."""
    served = passed = 0
    for principal in PRINCIPALS:
        for filters in FILTERS:
            requests = [{"page": 1, "page_size": 20}, {"page": 2, "page_size": 7}, {"page": 4, "page_size": 5},
                        {"page": 1, "page_size": 20, "count": fpb.COUNT_EXACT}]
            cursor = ""
            for _ in range(6):  # the cursor walk, page after page, as long as the model goes
                answer = hot.page(principal, page_size=9, cursor=cursor, count=fpb.COUNT_NONE, **filters)
                want = await fusion_page(fusion, principal, page_size=9, cursor=cursor, count=fpb.COUNT_NONE, **filters)
                if answer is None:
                    passed += 1
                    break
                served += 1
                assert [c.case_id for c in answer.items] == [c.case_id for c in want.items], (principal, filters)
                assert answer.next_cursor == want.next_cursor
                if not want.next_cursor:
                    break
                cursor = want.next_cursor
            for request in requests:
                answer = hot.page(principal, **request, **filters)
                want = await fusion_page(fusion, principal, **request, **filters)
                if answer is None:
                    passed += 1
                    continue
                served += 1
                assert [c.case_id for c in answer.items] == [c.case_id for c in want.items], (principal, filters, request)
                assert answer.items == list(want.items)  # the very same cases, field by field
                assert answer.next_cursor == want.next_cursor
                if answer.total_exact:
                    exact = await fusion_page(fusion, principal, count=fpb.COUNT_EXACT, **filters)
                    assert answer.total == exact.total, (principal, filters)
                elif answer.total is not None:
                    assert answer.total <= (await fusion_page(fusion, principal, count=fpb.COUNT_EXACT, **filters)).total
    return served, passed


async def until(predicate, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "the change did not reach the model"
        await asyncio.sleep(0.05)


async def test_every_page_the_model_answers_is_fusions_and_changes_keep_it_so(world, nats_url: str) -> None:
    store, fusion, _hub, hot = world
    await hot.load(fusion, timeout=10)
    assert hot.current and hot.cases.complete_from is not None  # the store reaches past the horizon
    served, passed = await compare(hot, fusion)
    assert served > 150 and passed > 10, (served, passed)

    # History: the county's cases before the horizon come from fusion, page after page.
    assert hot.page(PRINCIPALS[0], page_size=50) is not None
    deep = await fusion_page(fusion, PRINCIPALS[0], page=6, page_size=50)
    assert hot.page(PRINCIPALS[0], page=6, page_size=50) is None and len(deep.items) == 50

    # Changes over NATS, as fusion's relay publishes them: a new case, a step, a case closing.
    nc = await bus.connect(nats_url, name="tests-hotlist")
    try:
        doc = {**(await store.cases.find_one({"status": "reported"})), "_id": f"C-new-{uuid.uuid4().hex[:6]}",
               "opened_at": NOW, "version": 1}
        await store.cases.insert_one(doc)
        stepped = await store.cases.find_one_and_update(
            {"status": "accepted"}, {"$set": {"status": "escalated", "level": "community"}, "$inc": {"version": 1}},
            return_document=True)
        closing = await store.cases.find_one_and_update(
            {"status": "reported", "_id": {"$ne": doc["_id"]}}, {"$set": {"status": "closed"}, "$inc": {"version": 1}},
            return_document=True)
        for changed, change in ((doc, "opened"), (stepped, "escalated"), (closing, "closed")):
            case = case_to_proto(changed)
            await nc.publish(bus.case_subject(case.grid_id, change), case.SerializeToString(),
                             headers={"Nats-Msg-Id": f"{case.case_id}.v{case.version}"})
        # An older state of the stepped case arriving late changes nothing.
        late = case_to_proto({**stepped, "status": "accepted", "version": stepped["version"] - 1})
        await nc.publish(bus.case_subject(late.grid_id, "accepted"), late.SerializeToString())
        await nc.flush()
    finally:
        await nc.close()
    await until(lambda: closing["_id"] in hot.cases.by_id and hot.cases.by_id[closing["_id"]].status == "closed")
    await until(lambda: doc["_id"] in hot.cases.by_id and stepped["_id"] in hot.cases.by_id
                and hot.cases.by_id[stepped["_id"]].version == stepped["version"])
    assert hot.page(PRINCIPALS[0], page_size=1).items[0].case_id == doc["_id"]
    escalated = hot.page(PRINCIPALS[0], status="escalated", page_size=200)
    assert stepped["_id"] in [c.case_id for c in escalated.items]
    served, passed = await compare(hot, fusion)
    assert served > 150 and passed > 10


async def changed(store: CaseStore, js, status: str, to: dict) -> dict:
    """A case of ``status`` changed in the store, and its change published as fusion's relay does."""
    doc = await store.cases.find_one_and_update({"status": status}, {"$set": to, "$inc": {"version": 1}},
                                                return_document=True)
    case = case_to_proto(doc)
    await js.publish(bus.case_subject(case.grid_id, to.get("status", status)), case.SerializeToString(),
                     headers={"Nats-Msg-Id": f"{case.case_id}.v{case.version}"})
    return doc


@asynccontextmanager
async def kept(hub: FeedHub, hot: HotList, fusion) -> AsyncIterator[None]:
    """The feed and the model kept as the gateway keeps them, until the block ends."""
    stop = asyncio.Event()
    tasks = [asyncio.create_task(hub.keep(stop)), asyncio.create_task(hot.keep(fusion, timeout=10, stop=stop))]
    try:
        await until(lambda: hot.current, timeout=30)
        yield
    finally:
        stop.set()
        await asyncio.gather(*tasks)


async def test_a_partition_from_nats_loses_no_change_and_loads_nothing_again(mongodb_uri, nats_url, js) -> None:
    relay = Relay(urlsplit(nats_url).port)
    await relay.start()
    through_relay = nats_url.rsplit(":", 1)[0] + f":{relay.port}"  # the operator's credentials, the relay's port
    async with opened_world(mongodb_uri, through_relay) as (store, fusion, hub, hot), kept(hub, hot, fusion):
        relay.cut()
        await until(lambda: not hub.connected)
        assert not hot.current and hot.page(PRINCIPALS[0]) is None  # behind: lists go to fusion
        # Changed while the gateway could not hear.
        missed = [await changed(store, js, "reported", {"status": "accepted"}),
                  await changed(store, js, "accepted", {"status": "escalated", "level": "community"})]
        relay.mend()
        await until(lambda: hot.current, timeout=30)
        assert hot.loads == 1 and hub.breaks == 0
        for doc in missed:  # as the store holds it now
            stored = await store.cases.find_one({"_id": doc["_id"]})
            assert hot.cases.by_id[doc["_id"]].version == stored["version"] >= doc["version"]
        served, _ = await compare(hot, fusion)
        assert served > 150
    await relay.close()


async def test_a_killed_nats_server_loses_no_change_and_loads_nothing_again(mongodb_uri, own_nats) -> None:
    admin = await bus.connect(own_nats.url, name="tests-hotlist")
    await bus.ensure_streams(admin.jetstream())
    await admin.close()
    async with opened_world(mongodb_uri, own_nats.url) as (store, fusion, hub, hot), kept(hub, hot, fusion):
        own_nats.kill()
        await until(lambda: not hub.connected)
        own_nats.start()  # the consumer died with the server: nats-py makes it again where it was
        admin = await bus.connect(own_nats.url, name="tests-hotlist")
        try:
            doc = await changed(store, admin.jetstream(), "reported", {"status": "accepted"})
        finally:
            await admin.close()
        await until(lambda: hot.current and hot.cases.by_id[doc["_id"]].version == doc["version"], timeout=30)
        assert hot.loads == 1 and hub.breaks == 0


async def test_changes_the_stream_no_longer_holds_load_the_model_again(mongodb_uri, own_nats) -> None:
    relay = Relay(own_nats.port)
    await relay.start()
    admin = await bus.connect(own_nats.url, name="tests-hotlist")
    js = admin.jetstream()
    await bus.ensure_streams(js)
    try:
        async with opened_world(mongodb_uri, relay.url()) as (store, fusion, hub, hot), kept(hub, hot, fusion):
            relay.cut()
            await until(lambda: not hub.connected)
            lost = await changed(store, js, "reported", {"status": "accepted"})
            await js.purge_stream(bus.CASES.name)  # gone before the gateway could read it
            kept_one = await changed(store, js, "reported", {"status": "escalated", "level": "community"})
            relay.mend()
            await until(lambda: hot.loads == 2 and hot.current, timeout=30)
            assert hub.breaks == 1
            for doc in (lost, kept_one):
                stored = await store.cases.find_one({"_id": doc["_id"]})
                assert hot.cases.by_id[doc["_id"]].version == stored["version"] >= doc["version"]
    finally:
        await admin.close()
        await relay.close()
