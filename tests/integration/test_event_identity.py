"""An event is identified by (department, id), and its department is the subject it arrived on.

The attacks, against a real nats-server (each department on its own NATS identity) and a real
secantusd-py: a department publishing another department's id, and a publisher whose message
body claims another department than its subject.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import grpc
import nats.errors
import pytest
from gridfusion.departments.v1 import departments_pb2 as pb
from gridfusion.events.v1 import events_pb2
from gridfusion.fusion.v1 import fusion_pb2 as fpb
from gridfusion.fusion.v1 import fusion_pb2_grpc
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from services.departments.definitions import DEFINITIONS
from services.departments.intake import DepartmentIntake
from services.departments.main import prepare
from services.departments.publisher import Publisher
from services.departments.store import DepartmentStore
from services.departments.tests.counties import in_use, synthetic_view
from services.fusion import reference_store
from services.fusion.cases import CaseStore
from services.fusion.consumer import FusionHandler
from services.fusion.outbox import Relay
from services.fusion.reference import ReferenceHolder
from services.fusion.server import FusionServicer
from services.local import LocalPlatform, free_port
from services.platform import bus
from services.platform.clock import ManualClock
from services.platform.events import EventIn
from services.platform.grpcserver import GrpcServer
from services.platform.mongo import connect
from services.reference import build_county
from services.reference.resolver import GridResolver

pytestmark = pytest.mark.integration

COUNTY = build_county()
GRIDS_ONLY = replace(COUNTY, compounds=(), households=(), landmarks=(), social_organisations=(), resident_units=())
SITE = COUNTY.compounds[0]
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
COUNTY_SCOPE = fpb.Scope(role="county")


@dataclass
class Fusion:
    """Fusion in this process: its store, a pull consumer on EVENTS, and its gRPC API."""

    store: CaseStore
    consumer: Callable[[], bus.PullConsumer]
    api: fusion_pb2_grpc.FusionServiceStub

    async def wait(self, check, timeout: float = 20.0) -> None:
        """Consume (as fusion's durable) until ``check`` holds."""
        stop = asyncio.Event()
        task = asyncio.create_task(self.consumer().run(stop))
        try:
            async with asyncio.timeout(timeout):
                while not await check():
                    await asyncio.sleep(0.1)
            await asyncio.sleep(0.3)  # whatever else was published is handled too
        finally:
            stop.set()
            await task


@pytest.fixture
async def fusion(mongodb_uri: str, js) -> AsyncIterator[Fusion]:
    client = connect(mongodb_uri, app_name="tests-event-identity")
    db = client[f"identity_{uuid.uuid4().hex[:10]}"]
    version = await reference_store.store_version(db, GRIDS_ONLY, source="tests", actor="tests")
    await reference_store.activate(db, version, actor="tests")
    store = CaseStore(client, db)
    await store.ensure_indexes()
    store.use_grids({g.grid_id: reference_store.grid_doc(g, COUNTY) for g in COUNTY.grids})
    resolver = GridResolver.from_docs([{"_id": g.grid_id, "polygon": [list(p) for p in g.polygon]} for g in COUNTY.grids], [], [])
    clock = ManualClock(NOW)
    relay = Relay(store.outbox, js, clock)
    handler = FusionHandler(store, resolver, relay, clock)
    durable = f"identity-{uuid.uuid4().hex[:8]}"
    # Only what the test publishes: the durable starts at the end of the stream.
    await js.add_consumer("EVENTS", ConsumerConfig(
        durable_name=durable, ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.NEW,
        filter_subject="gridfusion.events.>", max_deliver=6, ack_wait=30))

    def consumer() -> bus.PullConsumer:
        return bus.PullConsumer(js=js, stream="EVENTS", durable=durable, filter_subject="gridfusion.events.>",
                                handler=handler.handle, source="tests", on_dead_letter=handler.on_dead_letter,
                                fetch_timeout=0.5)

    holder = ReferenceHolder(db)
    await holder.refresh()
    servicer = FusionServicer(store, holder, None, clock)
    port = free_port()
    server = GrpcServer(port, [fpb.DESCRIPTOR.services_by_name["FusionService"].full_name], host="127.0.0.1")
    server.add(lambda s: fusion_pb2_grpc.add_FusionServiceServicer_to_server(servicer, s))
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield Fusion(store, consumer, fusion_pb2_grpc.FusionServiceStub(channel))
    finally:
        await channel.close()
        await server.stop(0)
        await js.delete_consumer("EVENTS", durable)
        await client.drop_database(db.name)
        await client.close()


@dataclass
class Department:
    name: str
    intake: DepartmentIntake
    publisher: Publisher


@pytest.fixture
async def departments(infra: LocalPlatform, mongo) -> AsyncIterator:
    """Start a department service's intake on its own database, publishing as its own NATS user."""
    connections = []

    async def start(name: str) -> Department:
        nc = await bus.connect(infra.nats_address, name=f"test-{name}", user=name, password=infra.nats_passwords[name])
        connections.append(nc)
        definition = DEFINITIONS[name]
        store = DepartmentStore(mongo[f"test_{name}_{uuid.uuid4().hex[:10]}"])
        await store.ensure_indexes()
        await prepare(definition, store)
        publisher = Publisher(definition, store, nc.jetstream(), timeout=3.0)
        return Department(name, DepartmentIntake(definition, store, publisher), publisher)

    with in_use(synthetic_view()):
        yield start
    for nc in connections:
        await nc.close()


def event(department: str, event_id: str, **fields) -> events_pb2.DepartmentEvent:
    body = {"id": event_id, "type": "incident.reported", "time": "2026-11-27T09:30:00+08:00",
            "category": "dispute.neighbor", "summary": "邻里因楼道堆放杂物发生纠纷",
            "location": {"lon": SITE.location[0], "lat": SITE.location[1]}}
    body.update(fields)
    return EventIn.model_validate(body).to_proto(department)


async def copies_on_stream(js, subject: str, msg_id: str) -> int:
    sub = await js.subscribe(subject, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL)
    count = 0
    try:
        while True:
            try:
                msg = await sub.next_msg(timeout=0.5)
            except (TimeoutError, nats.errors.TimeoutError):
                return count
            if (msg.headers or {}).get("Nats-Msg-Id") == msg_id:
                count += 1
    finally:
        await sub.unsubscribe()


async def test_finding_1_an_event_id_used_by_another_department_is_not_a_duplicate(departments, fusion, js) -> None:
    legal_aid, petition, police = await departments("legal_aid"), await departments("petition"), await departments("police_assistant")
    shared = f"2026-{uuid.uuid4().hex[:6]}"  # the same numbering, by chance or on purpose
    subject = f"P-{uuid.uuid4().hex[:6]}"
    # Legal aid uses the id first (petition's "future" id); then petition's real event comes, of
    # the same incident (same person); then the police's, of another incident in another family.
    first = event("legal_aid", shared, category="legal_service.consultation", type="legal_aid.consultation",
                  summary="咨询邻里纠纷如何起诉", subject_id=subject)
    real = event("petition", shared, type="petition.visit", category="legal_service.consultation", subject_id=subject)
    other = event("police_assistant", shared, category="public_order.theft", summary="电动车被盗")
    results = [(await d.intake.submit(e))[0] for d, e in ((legal_aid, first), (petition, real), (police, other))]
    assert [r.status for r in results] == [pb.SUBMIT_STATUS_ACCEPTED] * 3
    # The departments' own records keep their own (published) events.
    for d in (legal_aid, petition, police):
        stored, published = await d.intake.store.get(shared)
        assert stored.department == d.name and published
    # A republish of one department's event stays one message; the others' are theirs.
    assert await petition.publisher.publish(real)
    for d, e in ((legal_aid, first), (petition, real), (police, other)):
        assert await copies_on_stream(js, bus.event_subject(d.name, e.category), f"{d.name}:{shared}") == 1
    # The same id submitted again to petition is petition's duplicate, and only petition's.
    again = event("petition", shared, type="petition.visit", category="legal_service.consultation", subject_id=subject)
    assert (await petition.intake.submit(again))[0].status == pb.SUBMIT_STATUS_DUPLICATE

    keys = [f"legal_aid:{shared}", f"petition:{shared}", f"police_assistant:{shared}"]

    async def all_fused() -> bool:
        return await fusion.store.events.count_documents({"_id": {"$in": keys}, "status": "fused"}) == 3

    await fusion.wait(all_fused)
    records = {d["department"]: d async for d in fusion.store.events.find({"_id": {"$in": keys}})}
    assert set(records) == {"legal_aid", "petition", "police_assistant"}
    assert {d["event_id"] for d in records.values()} == {shared}
    # Legal aid's and petition's events are one incident, one case; the police's its own.
    case_id = records["petition"]["case_id"]
    assert records["legal_aid"]["case_id"] == case_id != records["police_assistant"]["case_id"]
    case = await fusion.store.get_case(case_id)
    assert case["event_ids"] == [f"legal_aid:{shared}", f"petition:{shared}"]
    assert case["departments"] == ["legal_aid", "petition"]
    assert [(t["action"], t["department"], t["event_id"]) for t in case["timeline"]] == [
        ("reported", "legal_aid", shared), ("correlated", "petition", shared)]
    assert await fusion.store.dead_letters.count_documents({"event_id": shared}) == 0

    api = fusion.api
    got = await api.GetEvent(fpb.GetEventRequest(event_id=shared, department="petition"))
    assert (got.event_id, got.department, got.status, got.case_id) == (shared, "petition", "fused", case_id)
    assert got.event.type == "petition.visit"
    # By the id alone it is ambiguous: refused, naming the departments.
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.GetEvent(fpb.GetEventRequest(event_id=shared))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "legal_aid, petition, police_assistant" in err.value.details()
    found = await api.FindEvents(fpb.FindEventsRequest(event_id=shared))
    assert [(e.department, e.event_id, e.status) for e in found.events] == [
        ("legal_aid", shared, "fused"), ("petition", shared, "fused"), ("police_assistant", shared, "fused")]
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.GetEvent(fpb.GetEventRequest(event_id=shared, department="civil_affairs"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    detail = await api.GetCase(fpb.GetCaseRequest(case_id=case_id, scope=COUNTY_SCOPE))
    assert list(detail.case.event_ids) == case["event_ids"]
    assert [(e.department, e.event_id, e.event.department) for e in detail.events] == [
        ("legal_aid", shared, "legal_aid"), ("petition", shared, "petition")]


async def test_finding_2_a_message_claiming_another_department_is_dead_lettered_with_the_reason(
        departments, fusion, js) -> None:
    forged_id = f"LA-{uuid.uuid4().hex[:8]}"
    # The admin credential may publish anywhere: on petition's subject, a body saying legal aid.
    forged = event("legal_aid", forged_id, category="dispute.wage_arrears", summary="拖欠农民工工资三个月")
    await bus.publish(js, "gridfusion.events.petition.dispute", forged, event_id=forged_id, ce_type="t", source="tests")
    # And on petition's dispute subject, a body of petition but of another family.
    astray_id = f"XF-{uuid.uuid4().hex[:8]}"
    astray = event("petition", astray_id, category="livelihood.elderly_care", summary="老人无人照护")
    await bus.publish(js, "gridfusion.events.petition.dispute", astray, event_id=astray_id, ce_type="t", source="tests")

    async def both_dead() -> bool:
        return await fusion.store.dead_letters.count_documents({"event_id": {"$in": [forged_id, astray_id]}}) == 2

    await fusion.wait(both_dead)
    store = fusion.store
    letter = await store.dead_letters.find_one({"event_id": forged_id})
    assert letter["_id"] == f"petition:{forged_id}" and letter["department"] == "petition"
    assert letter["reason"] == "department_mismatch: subject says petition, event says legal_aid"
    assert (letter["stage"], letter["reprocessable"]) == ("identity", False)
    astray_letter = await store.dead_letters.find_one({"event_id": astray_id})
    assert astray_letter["reason"].startswith("family_mismatch: subject says dispute")
    # Nothing was fused: no record under legal aid's key, no case; petition's key says why.
    assert await store.events.count_documents({"event_id": {"$in": [forged_id, astray_id]}, "status": "fused"}) == 0
    assert await store.get_event("legal_aid", forged_id) is None
    assert await store.cases.count_documents({"event_ids": {"$in": [
        f"legal_aid:{forged_id}", f"petition:{forged_id}", f"petition:{astray_id}"]}}) == 0
    got = await fusion.api.GetEvent(fpb.GetEventRequest(event_id=forged_id, department="petition"))
    assert (got.status, got.reason) == ("dead_lettered", letter["reason"])
    # The dead letter on the bus carries the reason too, and the list names the department.
    listed = await fusion.api.ListDeadLetters(fpb.ListDeadLettersRequest(pending_only=True))
    assert {(d.event_id, d.department, d.stage) for d in listed.items} == {
        (forged_id, "petition", "identity"), (astray_id, "petition", "identity")}
    # It cannot be re-processed into a fused event of anyone.
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await fusion.api.ReprocessDeadLetter(fpb.ReprocessDeadLetterRequest(event_id=forged_id, department="petition"))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION and "department_mismatch" in err.value.details()
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await fusion.api.ReprocessDeadLetter(fpb.ReprocessDeadLetterRequest(event_id=forged_id, department="legal_aid"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND

    # Legal aid's own event of that id, through its own service, is fused as legal aid's.
    legal_aid = await departments("legal_aid")
    own = event("legal_aid", forged_id, category="legal_service.consultation", type="legal_aid.consultation",
                summary="咨询工资拖欠如何维权")
    assert (await legal_aid.intake.submit(own))[0].status == pb.SUBMIT_STATUS_ACCEPTED

    async def fused() -> bool:
        doc = await store.get_event("legal_aid", forged_id)
        return doc is not None and doc["status"] == "fused"

    await fusion.wait(fused)
    assert (await store.get_event("petition", forged_id))["status"] == "dead_lettered"


async def test_a_dead_letter_is_reprocessed_by_department_and_id(fusion) -> None:
    """Two departments' unlocatable events of one id: re-processing names the department."""
    store, api = fusion.store, fusion.api
    shared = f"U-{uuid.uuid4().hex[:6]}"
    for department in ("petition", "civil_affairs"):
        e = event(department, shared, location={"household_id": "H9990010010001"},
                  **({"category": "livelihood.elderly_care", "summary": "老人无人照护"} if department == "civil_affairs" else {}))
        await store.record_unfused(e, shared, stage="locate", reason="unlocatable: household 'H9990010010001' is not in the register",
                                   origin_subject=bus.event_subject(department, e.category), now=NOW)
    listed = await api.ListDeadLetters(fpb.ListDeadLettersRequest(pending_only=True))
    assert sorted((d.department, d.event_id, d.reprocessable) for d in listed.items if d.event_id == shared) == [
        ("civil_affairs", shared, True), ("petition", shared, True)]
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.ReprocessDeadLetter(fpb.ReprocessDeadLetterRequest(event_id=shared))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "civil_affairs, petition" in err.value.details()
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.ReprocessDeadLetter(fpb.ReprocessDeadLetterRequest(event_id=shared, department="petition"))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION and "not in the register" in err.value.details()
    # An older record (keyed by the bare id) is not found, and breaks nothing.
    await store.events.insert_one({"_id": f"old-{shared}", "status": "fused", "case_id": "C-old", "department": "petition"})
    await store.dead_letters.insert_one({"_id": f"old-{shared}", "event_id": f"old-{shared}", "kind": "event",
                                         "department": "petition", "stage": "locate", "reason": "x",
                                         "dead_lettered_at": NOW - timedelta(days=1), "reprocessed": False})
    for request in (fpb.GetEventRequest(event_id=f"old-{shared}"), fpb.GetEventRequest(event_id=f"old-{shared}", department="petition")):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await api.GetEvent(request)
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
    assert (await api.FindEvents(fpb.FindEventsRequest(event_id=f"old-{shared}"))).events == []
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.ReprocessDeadLetter(fpb.ReprocessDeadLetterRequest(event_id=f"old-{shared}"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
