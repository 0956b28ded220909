"""The gateway's read model of the hot case lists against fusion's real ``ListCases`` on a real
secantusd-py, fed by case changes over a real NATS: every page it answers is the page fusion
answers for the same request, and what it cannot answer exactly it leaves to fusion."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

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


@pytest.fixture
async def world(mongodb_uri: str, nats_url: str) -> AsyncIterator[tuple]:
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
    hot = HotList(30, feed=hub)
    hub.on_case.append(hot.take)
    yield store, fusion, hub, hot
    await hub.close()
    await channel.close()
    await server.stop(0)
    await client.drop_database(db.name)
    await client.close()


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


async def test_a_second_load_after_a_dropped_connection_sees_what_was_missed(world) -> None:
    store, fusion, hub, hot = world
    await hot.load(fusion, timeout=10)
    # A case changed while the connection was down: its change never came.
    missed = await store.cases.find_one_and_update({"status": "reported"}, {"$set": {"status": "accepted"},
                                                                            "$inc": {"version": 1}},
                                                   return_document=True)
    hub.nc.stats["reconnects"] += 1  # what nats-py counts when the connection came back
    assert not hot.current and hot.page(PRINCIPALS[0]) is None
    stop = asyncio.Event()
    keeper = asyncio.create_task(hot.keep(fusion, timeout=10, stop=stop))
    try:
        await until(lambda: hot.current, timeout=30)
    finally:
        stop.set()
        await keeper
    assert hot.cases.by_id[missed["_id"]].status == "accepted"
    served, _ = await compare(hot, fusion)
    assert served > 150
