"""The five department services against a real nats-server and a real secantusd-py: each
department's rules, reliable publishing, hand-overs and results, patrol hours, the legal-aid
circle. Each test runs the department framework's gRPC service in this process, on its own
fresh database, with the synthetic county as its reference version — fetched, as a department
does, from a ReferenceService peer serving it the way fusion does in local mode."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import grpc
import pytest
from google.protobuf.json_format import MessageToDict
from google.rpc import error_details_pb2
from gridfusion.departments.v1 import departments_pb2 as pb
from gridfusion.departments.v1 import departments_pb2_grpc as pb_grpc
from gridfusion.events.v1 import events_pb2
from grpc_status import rpc_status
from nats.js.api import DeliverPolicy

from services.departments.definitions import DEFINITIONS
from services.departments.intake import DepartmentIntake
from services.departments.main import prepare
from services.departments.publisher import Publisher
from services.departments.reference import Holder, ReferenceFollower, View, county
from services.departments.servicer import DepartmentServicer
from services.departments.store import DepartmentStore
from services.departments.tests.counties import in_use, synthetic
from services.departments.tests.reference_service import ReferencePeer
from services.platform import bus
from services.platform.clock import ManualClock
from services.platform.events import EventIn

pytestmark = pytest.mark.integration

TZ = ZoneInfo("Asia/Shanghai")


@dataclass
class Running:
    stub: pb_grpc.DepartmentServiceStub
    store: DepartmentStore
    publisher: Publisher
    servicer: DepartmentServicer


Start = Callable[..., Awaitable[Running]]


@pytest.fixture(scope="module")
async def synthetic_reference() -> AsyncIterator[View]:
    """The synthetic county as a department receives it from fusion (fetched once)."""
    peer = ReferencePeer()
    peer.add(synthetic(), "v0001")
    follower = ReferenceFollower(await peer.start(), holder=Holder())
    try:
        yield await follower.fetch()
    finally:
        await follower.channel.close()
        await peer.stop()


@pytest.fixture
async def department(mongo, js, synthetic_reference: View) -> AsyncIterator[Start]:
    """Start a department's gRPC service on a free port with a database of its own, the synthetic
    county in use as its reference version."""
    started: list[tuple[grpc.aio.Server, grpc.aio.Channel]] = []

    async def start(name: str, *, jetstream=None, clock=None) -> Running:
        definition = DEFINITIONS[name]
        store = DepartmentStore(mongo[f"test_{name}_{uuid.uuid4().hex[:10]}"])
        await store.ensure_indexes()
        await prepare(definition, store)
        publisher = Publisher(definition, store, jetstream or js, timeout=2.0)
        servicer = DepartmentServicer(DepartmentIntake(definition, store, publisher), clock=clock)
        server = grpc.aio.server()
        pb_grpc.add_DepartmentServiceServicer_to_server(servicer, server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
        started.append((server, channel))
        return Running(pb_grpc.DepartmentServiceStub(channel), store, publisher, servicer)

    with in_use(synthetic_reference):
        yield start
    for server, channel in started:
        await channel.close()
        await server.stop(0)


def event(department: str, **fields) -> events_pb2.DepartmentEvent:
    body = {
        "id": f"{department}-{uuid.uuid4().hex}",
        "type": "incident.reported",
        "time": "2026-11-27T09:30:00+08:00",
        "category": "dispute.neighbor",
        "summary": "邻里纠纷",
        "location": {"lon": 116.8052, "lat": 35.7598},
    }
    body.update(fields)
    return EventIn.model_validate(body).to_proto(department)


async def submit(stub, ev: events_pb2.DepartmentEvent) -> pb.SubmitResult:
    return await stub.SubmitEvent(pb.SubmitEventRequest(event=ev))


async def details_of(stub, event_id: str) -> tuple[dict, events_pb2.DepartmentEvent, bool]:
    record = await stub.GetEvent(pb.GetEventRequest(event_id=event_id))
    return MessageToDict(record.event.details), record.event, record.published


def bad_fields(exc: grpc.aio.AioRpcError) -> list[str]:
    status = rpc_status.from_call(exc)
    assert status is not None
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            return [v.field for v in bad.field_violations]
    raise AssertionError("no BadRequest in the status")


async def copies_on_stream(js, subject: str, event_id: str) -> int:
    """How many messages on ``subject`` carry ``event_id`` (every message, from the start)."""
    msg_id = bus.event_key(subject.split(".")[2], event_id)
    sub = await js.subscribe(subject, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL)
    count = 0
    try:
        while True:
            try:
                msg = await sub.next_msg(timeout=0.5)
            except TimeoutError:
                return count
            if (msg.headers or {}).get("Nats-Msg-Id") == msg_id:
                assert msg.headers["ce-id"] == event_id
                count += 1
    finally:
        await sub.unsubscribe()


# --- petition -----------------------------------------------------------------------------


async def test_petition_repeat_visits_are_counted_and_raise_severity(department: Start) -> None:
    petition = await department("petition")
    subject = f"P-{uuid.uuid4().hex[:8]}"
    visits = [event("petition", type="petition.visit", subject_id=subject, severity="medium") for _ in range(3)]
    for ev in visits:
        assert (await submit(petition.stub, ev)).status == pb.SUBMIT_STATUS_ACCEPTED
    seen = [await details_of(petition.stub, ev.id) for ev in visits]
    assert [d["repeat_visits"] for d, _, _ in seen] == [0, 1, 2]
    assert [d["visit_number"] for d, _, _ in seen] == [1, 2, 3]
    assert [e.severity for _, e, _ in seen] == [events_pb2.SEVERITY_MEDIUM, events_pb2.SEVERITY_HIGH, events_pb2.SEVERITY_CRITICAL]
    assert all(published for _, _, published in seen)

    # The same event again is one event: a duplicate, and the count does not move.
    assert (await submit(petition.stub, visits[1])).status == pb.SUBMIT_STATUS_DUPLICATE
    later = event("petition", type="petition.visit", subject_id=subject, severity="medium")
    await submit(petition.stub, later)
    assert (await details_of(petition.stub, later.id))[0]["repeat_visits"] == 3

    # Another matter of the same petitioner is a first visit; a group visit is at least high.
    other = event("petition", type="petition.letter", category="livelihood.medical", subject_id=subject,
                  severity="low", details={"channel": "letter", "people_count": 6})
    await submit(petition.stub, other)
    details, stored, _ = await details_of(petition.stub, other.id)
    assert details["repeat_visits"] == 0 and stored.severity == events_pb2.SEVERITY_HIGH


async def test_concurrent_petitions_of_one_petitioner_get_distinct_counts(department: Start) -> None:
    petition = await department("petition")
    subject = f"P-{uuid.uuid4().hex[:8]}"
    visits = [event("petition", type="petition.online", subject_id=subject) for _ in range(6)]
    results = await asyncio.gather(*(submit(petition.stub, ev) for ev in visits))
    assert {r.status for r in results} == {pb.SUBMIT_STATUS_ACCEPTED}
    counts = sorted([(await details_of(petition.stub, ev.id))[0]["repeat_visits"] for ev in visits])
    assert counts == [0, 1, 2, 3, 4, 5]


async def test_a_batch_counts_one_petitioners_visits_in_batch_order(department: Start) -> None:
    petition = await department("petition")
    subjects = [f"P-{uuid.uuid4().hex[:8]}" for _ in range(3)]
    batch = [event("petition", type="petition.visit", subject_id=subjects[i % 3]) for i in range(12)]
    batch.append(batch[4])  # the same event twice in one batch is one event
    reply = await petition.stub.SubmitEvents(pb.SubmitEventsRequest(events=batch))
    statuses = [r.status for r in reply.results]
    assert statuses == [pb.SUBMIT_STATUS_ACCEPTED] * 12 + [pb.SUBMIT_STATUS_DUPLICATE]
    assert [r.event_id for r in reply.results] == [e.id for e in batch]
    for i, ev in enumerate(batch[:12]):
        assert (await details_of(petition.stub, ev.id))[0]["repeat_visits"] == i // 3


# --- legal aid ----------------------------------------------------------------------------


async def test_legal_aid_consultation_goes_to_the_community_adviser(department: Start) -> None:
    legal = await department("legal_aid")
    c = county()
    assert await legal.store.db["advisers"].count_documents({}) == len(c.communities)  # one community, one adviser
    for community in c.communities[:4]:
        household = next(h for h in c.households if c.grid(h.grid_id).community_id == community.community_id)
        ev = event("legal_aid", type="legal_aid.consultation", category="legal_service.consultation",
                   location={"household_id": household.household_id}, details={"topic": "labour"})
        assert (await submit(legal.stub, ev)).status == pb.SUBMIT_STATUS_ACCEPTED
        assigned = (await details_of(legal.stub, ev.id))[0]["assigned_to"]
        assert assigned == {"role": "legal_adviser", "status": "assigned", "person_id": community.legal_adviser.person_id,
                            "community_id": community.community_id, "grid_id": household.grid_id}

    # The adviser is the department's own record: reassigning it changes the next assignment.
    first = c.communities[0]
    await legal.store.db["advisers"].update_one({"_id": first.community_id}, {"$set": {"person_id": "S-NEW"}})
    household = next(h for h in c.households if c.grid(h.grid_id).community_id == first.community_id)
    ev = event("legal_aid", type="legal_aid.application", category="legal_service.aid_application",
               location={"household_id": household.household_id})
    await submit(legal.stub, ev)
    assert (await details_of(legal.stub, ev.id))[0]["assigned_to"]["person_id"] == "S-NEW"

    outside = event("legal_aid", type="legal_aid.consultation", category="legal_service.consultation",
                    location={"lon": 100.0, "lat": 30.0})
    await submit(legal.stub, outside)
    assert (await details_of(legal.stub, outside.id))[0]["assigned_to"]["status"] == "unassigned"


async def test_households_beyond_half_an_hour_are_listed_as_gaps(department: Start) -> None:
    legal = await department("legal_aid")
    full = await legal.stub.ListLegalAidGaps(pb.ListLegalAidGapsRequest())
    assert full.total == 0 and full.households_checked == 40861 and full.limit_minutes == 30
    assert "5 km/h" in full.travel_model

    # Only the first community keeps an adviser: the far side of the seat falls out of the circle.
    c = county()
    keep = c.communities[0].community_id
    await legal.store.db["advisers"].delete_many({"_id": {"$ne": keep}})
    gaps = await legal.stub.ListLegalAidGaps(pb.ListLegalAidGapsRequest(page_size=50))
    assert 0 < gaps.total < 40861 and len(gaps.gaps) == 50
    assert all(g.travel_minutes >= 30 and g.nearest_adviser_community_id == keep for g in gaps.gaps)
    # The page after the first one's cursor is page 2; a cursor of no list of this kind is refused.
    after = await legal.stub.ListLegalAidGaps(pb.ListLegalAidGapsRequest(page_size=50, cursor=gaps.next_cursor))
    second = await legal.stub.ListLegalAidGaps(pb.ListLegalAidGapsRequest(page=2, page_size=50))
    assert gaps.next_cursor and [g.household_id for g in after.gaps] == [g.household_id for g in second.gaps]
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await legal.stub.ListLegalAidGaps(pb.ListLegalAidGapsRequest(cursor="not-a-cursor"))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    far = c.communities[-1].community_id
    theirs = await legal.stub.ListLegalAidGaps(pb.ListLegalAidGapsRequest(community_id=far, page_size=1000))
    assert theirs.total > 0 and {g.community_id for g in theirs.gaps} == {far}
    # Several communities in one request (a street's): the gaps of those, paged together.
    near_far = [c.communities[-2].community_id, far]
    several = await legal.stub.ListLegalAidGaps(pb.ListLegalAidGapsRequest(community_ids=near_far, page_size=1000))
    alone = await legal.stub.ListLegalAidGaps(pb.ListLegalAidGapsRequest(community_id=near_far[0], page_size=1000))
    assert several.total == theirs.total + alone.total
    assert {g.community_id for g in several.gaps} <= set(near_far)
    nowhere = await legal.stub.ListLegalAidGaps(pb.ListLegalAidGapsRequest(community_ids=[""]))
    assert nowhere.total == 0

    petition = await department("petition")
    assert (await petition.stub.ListLegalAidGaps(pb.ListLegalAidGapsRequest())).total == 0


# --- police assistant ---------------------------------------------------------------------


async def test_police_incident_goes_to_the_assistant_of_its_grid(department: Start) -> None:
    police = await department("police_assistant")
    c = county()
    assert await police.store.db["assistants"].count_documents({}) == len(c.grids) == 53
    for grid in c.grids[::10]:
        point = c.grid_polygons[grid.grid_id].representative_point()
        ev = event("police_assistant", type="police.incident", category="public_order.theft",
                   location={"lon": point.x, "lat": point.y}, details={"source": "110"})
        assert (await submit(police.stub, ev)).status == pb.SUBMIT_STATUS_ACCEPTED
        assigned = (await details_of(police.stub, ev.id))[0]["assigned_to"]
        assert assigned["person_id"] == grid.police_assistant.person_id
        assert assigned["grid_id"] == grid.grid_id


# --- civil affairs ------------------------------------------------------------------------


async def test_civil_affairs_refuses_livelihood_events_without_a_household(department: Start) -> None:
    civil = await department("civil_affairs")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await submit(civil.stub, event("civil_affairs", type="civil.assistance", category="livelihood.subsistence_allowance"))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_fields(refused.value) == ["details.household_id"]

    household = county().households[42].household_id
    good = event("civil_affairs", type="civil.assistance", category="livelihood.elderly_care",
                 details={"household_id": household, "monthly_amount_yuan": 300})
    bad = event("civil_affairs", type="civil.assistance", category="livelihood.disability")
    reply = await civil.stub.SubmitEvents(pb.SubmitEventsRequest(events=[good, bad]))
    assert [r.status for r in reply.results] == [pb.SUBMIT_STATUS_ACCEPTED, pb.SUBMIT_STATUS_INVALID]
    assert [e.field for e in reply.results[1].errors] == ["details.household_id"]
    _, stored, _ = await details_of(civil.stub, good.id)
    assert stored.subject_id == household  # the household is the subject: its events correlate
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await civil.stub.GetEvent(pb.GetEventRequest(event_id=bad.id))
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND


async def test_every_bad_field_is_named_in_invalid_argument(department: Start) -> None:
    governance = await department("comprehensive_governance")
    ev = events_pb2.DepartmentEvent(id="", type="governance.nothing", category="weather.rain", summary="",
                                    severity=9)
    ev.location.point.lon = 181
    ev.location.point.lat = -91
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await submit(governance.stub, ev)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(bad_fields(refused.value)) == {"id", "type", "time", "category", "summary", "severity",
                                              "location.lon", "location.lat"}


# --- comprehensive governance: patrol logs ------------------------------------------------


def patrol_log(worker_id: str, start: datetime, legs: list[tuple[int, tuple[float, float]]]) -> pb.PatrolLog:
    """A fix every 5 minutes: ``legs`` are (minutes, spot) walked one after the other."""
    log = pb.PatrolLog(log_id=f"log-{uuid.uuid4().hex}", worker_id=worker_id)
    at = start
    for minutes, (lon, lat) in legs:
        for _ in range(minutes // 5):
            point = log.points.add(lon=lon, lat=lat)
            point.time.FromDatetime(at)
            at += timedelta(minutes=5)
    point = log.points.add(lon=legs[-1][1][0], lat=legs[-1][1][1])
    point.time.FromDatetime(at)
    return log


async def test_patrol_hours_inside_the_own_grid_and_days_under_four_hours(department: Start) -> None:
    clock = ManualClock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    governance = await department("comprehensive_governance", clock=clock)
    c = county()
    grid = c.grids[3]
    worker = grid.grid_workers[0].person_id
    inside = c.grid_polygons[grid.grid_id].representative_point()
    other = c.grid_polygons[c.grids[20].grid_id].representative_point()
    monday = datetime(2026, 11, 23, 8, 0, tzinfo=TZ)
    # Monday: 3 h inside, then 1 h in another grid. The 5 minutes between the last fix inside
    # and the first outside are not inside, so 2 h 55 count of 4 h logged.
    log = patrol_log(worker, monday, [(180, (inside.x, inside.y)), (60, (other.x, other.y))])
    answer = await governance.stub.RecordPatrol(log)
    assert (answer.status, answer.grid_id) == (pb.SUBMIT_STATUS_ACCEPTED, grid.grid_id)
    assert (await governance.stub.RecordPatrol(log)).status == pb.SUBMIT_STATUS_DUPLICATE
    # Tuesday: two logs, 2 h 30 in the morning and 2 h in the afternoon.
    tuesday = monday + timedelta(days=1)
    await governance.stub.RecordPatrol(patrol_log(worker, tuesday, [(150, (inside.x, inside.y))]))
    await governance.stub.RecordPatrol(patrol_log(worker, tuesday + timedelta(hours=6), [(120, (inside.x, inside.y))]))

    summary = await governance.stub.PatrolSummary(
        pb.PatrolSummaryRequest(from_date="2026-11-23", to_date="2026-11-25", grid_ids=[grid.grid_id])
    )
    assert summary.minimum_hours == 4
    mine = {d.date: d for d in summary.days if d.worker_id == worker}
    assert {d.grid_id for d in summary.days} == {grid.grid_id}
    assert len(summary.days) == 3 * len(grid.grid_workers)
    assert (mine["2026-11-23"].hours_in_grid, mine["2026-11-23"].hours_logged, mine["2026-11-23"].under_minimum) == (round(175 / 60, 2), 4.0, True)
    assert (mine["2026-11-24"].hours_in_grid, mine["2026-11-24"].under_minimum) == (4.5, False)
    assert (mine["2026-11-25"].hours_in_grid, mine["2026-11-25"].under_minimum) == (0.0, True)
    stored = await governance.store.db["patrol_logs"].find_one({"_id": log.log_id})
    assert stored["recorded_at"] == clock.now()

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await governance.stub.RecordPatrol(patrol_log("S-NOBODY", monday, [(30, (inside.x, inside.y))]))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT and bad_fields(refused.value) == ["worker_id"]
    not_theirs = patrol_log(worker, monday, [(30, (inside.x, inside.y))])
    not_theirs.grid_id = c.grids[20].grid_id  # an account of another grid uploading this worker's log
    with pytest.raises(grpc.aio.AioRpcError) as scoped:
        await governance.stub.RecordPatrol(not_theirs)
    assert bad_fields(scoped.value) == ["worker_id"]
    with pytest.raises(grpc.aio.AioRpcError) as bad_range:
        await governance.stub.PatrolSummary(pb.PatrolSummaryRequest(from_date="2026-11-25", to_date="23.11.2026"))
    assert bad_fields(bad_range.value) == ["to_date"]

    petition = await department("petition")
    empty = await petition.stub.PatrolSummary(pb.PatrolSummaryRequest(from_date="2026-11-23", to_date="2026-11-25"))
    assert list(empty.days) == [] and empty.minimum_hours == 4
    with pytest.raises(grpc.aio.AioRpcError) as elsewhere:
        await petition.stub.RecordPatrol(log)
    assert elsewhere.value.code() == grpc.StatusCode.FAILED_PRECONDITION


# --- reliable publishing ------------------------------------------------------------------


async def test_accepted_while_nats_is_away_then_relayed_once(department: Start, nats_url: str, js) -> None:
    gone = await bus.connect(nats_url, name="gone")
    await gone.close()
    civil = await department("civil_affairs", jetstream=gone.jetstream())
    ev = event("civil_affairs", category="other.general")
    assert (await submit(civil.stub, ev)).status == pb.SUBMIT_STATUS_ACCEPTED  # safe in the outbox
    assert (await details_of(civil.stub, ev.id))[2] is False

    relay = Publisher(DEFINITIONS["civil_affairs"], civil.store, js, timeout=2.0)
    stop = asyncio.Event()
    task = asyncio.create_task(relay.relay(stop, every=0.1, older_than=0.0))
    try:
        async with asyncio.timeout(20):
            while not (await details_of(civil.stub, ev.id))[2]:
                await asyncio.sleep(0.1)
    finally:
        stop.set()
        await task
    # A relay that crashed after JetStream acknowledged but before marking: publishing again
    # is dropped by JetStream's duplicate window (Nats-Msg-Id = <department>:<event id>).
    assert await relay.publish(ev)
    subject = bus.event_subject("civil_affairs", ev.category)
    assert await copies_on_stream(js, subject, ev.id) == 1


async def test_a_crash_after_the_commit_loses_nothing(department: Start, js) -> None:
    police = await department("police_assistant")
    ev = event("police_assistant", type="police.check", category="public_order.fraud")
    ev.accepted_at.FromDatetime(datetime.now(UTC))
    # What a crash right after the commit leaves: the record, unpublished.
    assert await police.store.insert(ev)
    # The reporting system retries: it is told "duplicate" and the event goes out.
    assert (await submit(police.stub, ev)).status == pb.SUBMIT_STATUS_DUPLICATE
    assert (await details_of(police.stub, ev.id))[2] is True
    assert await copies_on_stream(js, bus.event_subject("police_assistant", ev.category), ev.id) == 1


async def test_a_crash_between_the_publish_and_the_record_loses_and_doubles_nothing(department: Start, js) -> None:
    police = await department("police_assistant")
    ev = event("police_assistant", type="police.check", category="public_order.theft")
    ev.accepted_at.FromDatetime(datetime.now(UTC))
    # What a crash after JetStream's acknowledgement and before the record leaves: the event on
    # the bus, no record, and a caller that heard nothing.
    assert await police.publisher.send_many([ev]) == [True]
    assert await police.store.get(ev.id) is None
    # The reporting system retries: the event is accepted, recorded as published, and the bus
    # still holds one copy (the same Nats-Msg-Id).
    assert (await submit(police.stub, ev)).status == pb.SUBMIT_STATUS_ACCEPTED
    assert (await details_of(police.stub, ev.id))[2] is True
    assert await copies_on_stream(js, bus.event_subject("police_assistant", ev.category), ev.id) == 1


# --- hand-overs and handling results ------------------------------------------------------


async def test_hand_overs_stream_to_the_department_and_results_go_back(department: Start, js) -> None:
    legal = await department("legal_aid")
    case_id = f"C-{uuid.uuid4().hex[:10]}"
    handover = pb.HandOver(case_id=case_id, grid_id=county().grids[0].grid_id, category="legal_service.consultation",
                           summary="劳动争议需法律援助", risk_level="medium", event_ids=["e-1"], note="请社区顾问跟进")
    handover.handed_over_at.FromDatetime(datetime.now(UTC))
    await bus.publish(js, bus.handover_subject("legal_aid", handover.grid_id), handover, event_id=f"{case_id}.handover",
                      ce_type="gridfusion.case.handed_over.v1", source="tests", ce_subject=case_id)
    call = legal.stub.StreamHandOvers(pb.StreamHandOversRequest())
    ours = asyncio.get_running_loop().create_future()

    async def read() -> None:  # the department system reads on, as it would: hand-overs of other tests too
        async for item in call:
            if item.case_id == case_id and not ours.done():
                ours.set_result(item)

    reading = asyncio.create_task(read())
    try:
        assert await asyncio.wait_for(ours, 20) == handover
        # Acknowledged once written: with the system still reading, the durable consumer comes to
        # hold nothing given and unacknowledged (cancelling the call at once could leave the rest of
        # a fetched batch pending until its ack wait, whoever's hand-overs they are).
        async with asyncio.timeout(20):
            while True:
                info = await js.consumer_info(bus.HANDOVERS.name, "handover-legal_aid")
                if not info.num_ack_pending and not info.num_pending:
                    break
                await asyncio.sleep(0.1)
    finally:
        call.cancel()
        reading.cancel()
        with contextlib.suppress(asyncio.CancelledError, grpc.aio.AioRpcError):
            await reading

    report = pb.ReportResultRequest(case_id=case_id, result="resolved", note="已提供法律援助", actor="S000446")
    assert (await legal.stub.ReportResult(report)).accepted
    assert (await legal.stub.ReportResult(report)).accepted  # a retry: still one report
    sub = await js.subscribe(bus.results_subject("legal_aid"), ordered_consumer=True, deliver_policy=DeliverPolicy.ALL)
    results = []
    try:
        while True:
            try:
                msg = await sub.next_msg(timeout=0.5)
            except TimeoutError:
                break
            result = pb.HandlingResult.FromString(msg.data)
            if result.case_id == case_id:
                results.append((msg.headers, result))
    finally:
        await sub.unsubscribe()
    assert len(results) == 1
    headers, result = results[0]
    assert (result.department, result.result, result.note, result.actor) == ("legal_aid", "resolved", "已提供法律援助", "S000446")
    assert headers["Nats-Msg-Id"] == result.result_id and headers["ce-subject"] == case_id

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await legal.stub.ReportResult(pb.ReportResultRequest(result=""))
    assert set(bad_fields(refused.value)) == {"case_id", "result"}
