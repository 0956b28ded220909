"""The department services on fusion's reference versions, against a real nats-server, a real
secantusd-py and a ReferenceService peer on a real gRPC server: a department is not ready until
fusion has reference data, switches without a restart when fusion announces another version,
and keeps every point it places, stores and publishes in WGS84."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from google.protobuf.json_format import MessageToDict
from gridfusion.departments.v1 import departments_pb2 as pb
from gridfusion.departments.v1 import departments_pb2_grpc as pb_grpc
from gridfusion.events.v1 import events_pb2
from gridfusion.reference.v1 import reference_pb2_grpc as rpb_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from nats.js.api import DeliverPolicy
from shapely.geometry import LineString

from services.departments import reference
from services.departments.definitions import DEFINITIONS
from services.departments.intake import DepartmentIntake
from services.departments.main import prepare
from services.departments.publisher import Publisher
from services.departments.reference import ReferenceFollower
from services.departments.servicer import DepartmentServicer
from services.departments.store import DepartmentStore
from services.departments.tests import counties
from services.departments.tests.counties import in_use
from services.departments.tests.reference_service import NO_DATA, ReferencePeer
from services.fusion import reference_store
from services.fusion.reference import ReferenceHolder, version_to_proto
from services.fusion.reference_api import ReferenceServicer
from services.local import LocalPlatform, free_port
from services.platform import bus
from services.platform.events import EventIn
from services.platform.grpcserver import LIVENESS
from services.reference.exchange.crs import distance_m, from_wgs84

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


@dataclass
class Running:
    stub: pb_grpc.DepartmentServiceStub
    store: DepartmentStore


@pytest.fixture
async def services(mongo, js) -> AsyncIterator[Callable]:
    """Start departments' gRPC services in this process, each with a fresh database; seeding is
    left to the test (a follower's switch, or :func:`prepare` under the version in use)."""
    started: list[tuple[grpc.aio.Server, grpc.aio.Channel]] = []

    async def start(name: str) -> Running:
        definition = DEFINITIONS[name]
        store = DepartmentStore(mongo[f"test_{name}_{uuid.uuid4().hex[:10]}"])
        await store.ensure_indexes()
        servicer = DepartmentServicer(DepartmentIntake(definition, store, Publisher(definition, store, js, timeout=2.0)))
        server = grpc.aio.server()
        pb_grpc.add_DepartmentServiceServicer_to_server(servicer, server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
        started.append((server, channel))
        return Running(pb_grpc.DepartmentServiceStub(channel), store)

    yield start
    for server, channel in started:
        await channel.close()
        await server.stop(0)


def event(department: str, lon: float, lat: float, **fields) -> events_pb2.DepartmentEvent:
    body = {
        "id": f"{department}-{uuid.uuid4().hex}",
        "type": "incident.reported",
        "time": "2026-11-27T09:30:00+08:00",
        "category": "legal_service.consultation" if department == "legal_aid" else "public_order.theft",
        "summary": "测试事件",
        "location": {"lon": lon, "lat": lat, **fields.pop("location", {})},
    }
    body.update(fields)
    return EventIn.model_validate(body).to_proto(department)


async def assigned(running: Running, ev: events_pb2.DepartmentEvent) -> dict:
    result = await running.stub.SubmitEvent(pb.SubmitEventRequest(event=ev))
    assert result.status == pb.SUBMIT_STATUS_ACCEPTED
    record = await running.stub.GetEvent(pb.GetEventRequest(event_id=ev.id))
    return MessageToDict(record.event.details)["assigned_to"]


async def eventually(check: Callable[[], bool], timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.05)


def loaded() -> str | None:
    return reference.HOLDER.view.name if reference.HOLDER.view is not None else None


async def test_a_department_switches_to_the_version_fusion_announces_without_a_restart(services, nc, caplog) -> None:
    caplog.set_level(logging.INFO, logger="services.departments.reference")
    peer = ReferencePeer()
    peer.add(counties.first(), "v0001")
    target = await peer.start()
    running = {n: await services(n) for n in ("legal_aid", "police_assistant", "comprehensive_governance")}
    legal, police, governance = running.values()

    async def seed(view: reference.View) -> None:
        for name, r in running.items():
            await prepare(DEFINITIONS[name], r.store)

    # Polling an hour apart: only the announcement on NATS can make it switch within the test.
    follower = ReferenceFollower(target, poll_seconds=3600, on_switch=(seed,))
    stop = asyncio.Event()
    with in_use(None):
        task = asyncio.create_task(follower.run(stop, nc))
        try:
            await eventually(lambda: loaded() == "v0001")
            lon, lat = counties.MOVED_POINT
            assert (await assigned(legal, event("legal_aid", lon, lat)))["person_id"] == counties.ADVISER_2.person_id
            assert (await assigned(police, event("police_assistant", lon, lat)))["grid_id"] == counties.G2
            first_circle = await legal.stub.ListLegalAidGaps(pb.ListLegalAidGapsRequest())
            assert (first_circle.total, first_circle.households_checked) == (0, 2)
            walk = pb.PatrolLog(log_id=f"log-{uuid.uuid4().hex}", worker_id=counties.WORKER_1.person_id)
            for minute in (0, 5):
                fix = walk.points.add(lon=116.79, lat=35.75)
                fix.time.FromSeconds(1_795_000_000 + minute * 60)
            assert (await governance.stub.RecordPatrol(walk)).grid_id == counties.G1

            # Fusion makes an import current and announces it.
            peer.add(counties.second(), "v0002")
            await peer.announce(nc, "v0002")
            await eventually(lambda: loaded() == "v0002")
            assert "reference data switched to v0002 (2 grids, 3 households)" in caplog.messages
            assert peer.snapshots_served == ["v0001", "v0002"]

            # The same point now lies in the new grid G3, of community C1, whose adviser is on record.
            moved = await assigned(legal, event("legal_aid", lon, lat))
            assert moved == {"role": "legal_adviser", "status": "assigned", "person_id": counties.ADVISER_1.person_id,
                             "community_id": counties.C1, "grid_id": counties.G3}
            # The import names no police assistant: the post of G3 is vacant.
            vacant = await assigned(police, event("police_assistant", lon, lat))
            assert vacant == {"role": "police_assistant", "status": "unassigned", "grid_id": counties.G3,
                              "reason": f"grid {counties.G3} has no police assistant on record"}
            # A new community without an adviser, and a grid in two parts.
            for point in ((116.812, 35.750), counties.DETACHED_POINT):
                there = await assigned(legal, event("legal_aid", *point))
                assert (there["status"], there["grid_id"], there["reason"]) == (
                    "unassigned", counties.G4, f"community {counties.C3} has no adviser on record")

            # The records: kept where the version dropped the community or grid, vacant posts
            # recorded, the station following the reference.
            advisers = {d["_id"]: d async for d in legal.store.db["advisers"].find()}
            assert set(advisers) == {counties.C1, counties.C2, counties.C3}
            assert advisers[counties.C1]["person_id"] == counties.ADVISER_1.person_id
            assert advisers[counties.C1]["station"] == [116.785, 35.75]
            assert advisers[counties.C2]["person_id"] == counties.ADVISER_2.person_id
            assert (advisers[counties.C3]["status"], advisers[counties.C3]["person_id"]) == ("unassigned", None)
            assert advisers[counties.C3]["station"] == [116.815, 35.75]
            assistants = {d["_id"]: d.get("person_id") async for d in police.store.db["assistants"].find()}
            assert assistants == {counties.G1: counties.ASSISTANT_1.person_id, counties.G2: counties.ASSISTANT_2.person_id,
                                  counties.G3: None, counties.G4: None}

            # The half-hour circle: the new version's households against the station of C1 (moved
            # west); C3's post is vacant and C2 is no longer a community of the county.
            circle = await legal.stub.ListLegalAidGaps(pb.ListLegalAidGapsRequest())
            assert circle.households_checked == 3
            assert {g.household_id for g in circle.gaps} == {"T-H3", "T-H4"}
            assert {(g.grid_id, g.community_id, g.nearest_adviser_community_id) for g in circle.gaps} == {
                (counties.G4, counties.C3, counties.C1)}

            # The worker of G1 is still on record, but G1 is no grid of this version.
            assert await governance.store.db["grid_workers"].count_documents({"_id": counties.WORKER_1.person_id}) == 1
            walk.log_id = f"log-{uuid.uuid4().hex}"
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await governance.stub.RecordPatrol(walk)
            assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT

            # Seeding again changes nothing; the same version announced again fetches nothing.
            with reference.pinned():
                await seed(reference.current())
            assert {d["_id"]: d async for d in legal.store.db["advisers"].find()} == advisers
            await peer.announce(nc, "v0002")
            await asyncio.sleep(0.3)
            assert peer.snapshots_served == ["v0001", "v0002"]
        finally:
            stop.set()
            await task
            await peer.stop()


async def test_a_missed_announcement_is_caught_by_polling(nc) -> None:
    peer = ReferencePeer()
    peer.add(counties.first(), "v0001")
    follower = ReferenceFollower(await peer.start(), poll_seconds=0.2)
    stop = asyncio.Event()
    with in_use(None):
        task = asyncio.create_task(follower.run(stop, nc))
        try:
            await eventually(lambda: loaded() == "v0001")
            peer.add(counties.second(), "v0002")  # activated, never announced
            await eventually(lambda: loaded() == "v0002")
            peer.current = "v0001"  # a rollback: the earlier version is current again
            await eventually(lambda: loaded() == "v0001")
        finally:
            stop.set()
            await task
            await peer.stop()


async def test_a_department_follows_fusions_own_reference_service(mongo, nc) -> None:
    """Fusion's ReferenceService on a database of its own: no data, then an import, then another."""
    db = mongo[f"test_fusion_reference_{uuid.uuid4().hex[:8]}"]
    await reference_store.ensure_indexes(db)
    fusion = ReferenceHolder(db)
    server = grpc.aio.server()
    rpb_grpc.add_ReferenceServiceServicer_to_server(ReferenceServicer(fusion, nc), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    follower = ReferenceFollower(f"127.0.0.1:{port}", poll_seconds=3600)
    stop = asyncio.Event()

    async def make_current(county) -> None:
        version = await reference_store.store_version(db, county, source="tests", actor="tests")
        record = await reference_store.activate(db, version, actor="tests")
        await fusion.refresh()
        await fusion.announce(nc, version_to_proto(record, current=version))

    with in_use(None):
        task = asyncio.create_task(follower.run(stop, nc))
        try:
            await eventually(lambda: "no reference data imported" in (reference.why_not_ready() or ""))
            await make_current(counties.first())
            await eventually(lambda: loaded() == "v0001")
            assert reference.locate(events_pb2.Location(point=events_pb2.Point(lon=counties.MOVED_POINT[0],
                                                                                lat=counties.MOVED_POINT[1]))).grid_id == counties.G2
            await make_current(counties.second())
            await eventually(lambda: loaded() == "v0002")
            assert [g.grid_id for g in reference.county().grids] == [counties.G3, counties.G4]
            assert reference.county().grid(counties.G4).geometry.geom_type == "MultiPolygon"
        finally:
            stop.set()
            await task
            await server.stop(0)
            await mongo.drop_database(db.name)


def spawn(department: str, env: dict[str, str], log_path: Path) -> subprocess.Popen:
    """The department's own process, as ``gridfusion serve`` starts it, logging to ``log_path``."""
    with open(log_path, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-c", f"from services.departments.main import main; main({department!r})"],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
        )


async def test_without_reference_data_a_department_is_not_ready_and_says_why_until_fusion_has_some(
    infra: LocalPlatform, js, nc, tmp_path: Path
) -> None:
    """The real process, with its own NATS identity: NOT_SERVING (and UNAVAILABLE for events,
    with the reason) while fusion has no reference data; SERVING once fusion has a version."""
    peer = ReferencePeer()
    target = await peer.start()
    port = free_port()
    env = dict(
        os.environ, NATS_URL=infra.nats_address, NATS_USER="legal_aid", NATS_PASSWORD=infra.nats_passwords["legal_aid"],
        MONGODB_URI=infra.mongodb_uri, DEPARTMENT_GRPC_PORT=str(port),
        DEPARTMENT_DATABASE=f"test_legal_aid_{uuid.uuid4().hex[:10]}", DEPARTMENT_FUSION_TARGET=target,
        DEPARTMENT_REFERENCE_POLL_SECONDS="3600", PYTHONUNBUFFERED="1", **infra.grpc_callers_env(),
    )
    own = infra.grpc_metadata("legal_aid")  # the department system's credential
    log_path = tmp_path / "legal_aid.log"
    proc = spawn("legal_aid", env, log_path)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            health = health_pb2_grpc.HealthStub(channel)
            stub = pb_grpc.DepartmentServiceStub(channel)

            async def status(service: str = "") -> int | None:
                try:
                    return (await health.Check(health_pb2.HealthCheckRequest(service=service), timeout=1)).status
                except grpc.aio.AioRpcError:
                    return None

            async with asyncio.timeout(30):
                while "reference data not loaded; retrying" not in log_path.read_text():
                    assert proc.poll() is None, log_path.read_text()
                    await asyncio.sleep(0.1)
            assert NO_DATA in log_path.read_text()
            for _ in range(3):  # the health watcher looks every 2 s: still not ready
                assert (await status(), await status(LIVENESS)) == (NOT_SERVING, SERVING)
                await asyncio.sleep(1)
            with pytest.raises(grpc.aio.AioRpcError) as unavailable:
                await stub.SubmitEvent(pb.SubmitEventRequest(event=event("legal_aid", *counties.MOVED_POINT)), metadata=own)
            assert unavailable.value.code() == grpc.StatusCode.UNAVAILABLE
            assert NO_DATA in unavailable.value.details()

            peer.add(counties.first(), "v0001")
            await peer.announce(nc, "v0001")
            async with asyncio.timeout(30):
                while await status() != SERVING:
                    assert proc.poll() is None, log_path.read_text()
                    await asyncio.sleep(0.2)
            assert "reference data switched to v0001 (2 grids, 2 households)" in log_path.read_text()
            ok = await stub.SubmitEvent(pb.SubmitEventRequest(event=event("legal_aid", *counties.MOVED_POINT)), metadata=own)
            assert ok.status == pb.SUBMIT_STATUS_ACCEPTED
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        await peer.stop()


def just_inside_the_east_border(view: reference.View, metres: float = 20.0) -> tuple[str, tuple[float, float]]:
    """A grid and a WGS84 point ``metres`` inside its east border whose GCJ-02 coordinates, read
    as WGS84, would fall in another grid (the offset here is about 500 m east)."""
    county = view.county
    for grid in county.grids:
        polygon = county.grid_polygons[grid.grid_id]
        inner = polygon.representative_point()
        ray = LineString([(inner.x, inner.y), (inner.x + 0.05, inner.y)]).intersection(polygon.boundary)
        east = min(p.x for p in getattr(ray, "geoms", [ray]))
        point = (east - metres / 90_335.0, inner.y)
        shifted = from_wgs84(*point, "gcj02")
        elsewhere = view.locate(events_pb2.Location(point=events_pb2.Point(lon=shifted[0], lat=shifted[1])))
        if elsewhere is not None and elsewhere.grid_id != grid.grid_id:
            return grid.grid_id, point
    raise AssertionError("no grid with a neighbour east of it")


async def copy_on_the_bus(js, subject: str, event_id: str) -> events_pb2.DepartmentEvent:
    msg_id = bus.event_key(subject.split(".")[2], event_id)
    sub = await js.subscribe(subject, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL)
    try:
        while True:
            msg = await sub.next_msg(timeout=5)
            if (msg.headers or {}).get("Nats-Msg-Id") == msg_id:
                return events_pb2.DepartmentEvent.FromString(msg.data)
    finally:
        await sub.unsubscribe()


async def test_a_gcj02_point_near_a_grid_border_is_placed_in_its_grid_after_conversion(services, js) -> None:
    view = counties.synthetic_view()
    grid_id, point = just_inside_the_east_border(view)
    gcj = from_wgs84(*point, "gcj02")
    bd = from_wgs84(*point, "bd09")
    with in_use(view):
        police = await services("police_assistant")
        await prepare(DEFINITIONS["police_assistant"], police.store)

        # Read as WGS84, the GCJ-02 coordinates lie in another grid …
        as_if_wgs84 = await assigned(police, event("police_assistant", *gcj))
        assert as_if_wgs84["grid_id"] != grid_id
        # … converted, the point is in its own grid, whichever datum it was given in.
        ev = event("police_assistant", *gcj, location={"crs": "gcj02"})
        assert (await assigned(police, ev))["grid_id"] == grid_id
        assert (await assigned(police, event("police_assistant", *bd, location={"crs": "bd09"})))["grid_id"] == grid_id

    # Kept and published in WGS84 (no datum on the bus); the point as reported stays on the record.
    record = await police.stub.GetEvent(pb.GetEventRequest(event_id=ev.id))
    kept = record.event.location
    assert kept.crs == "" and distance_m(kept.point.lon, kept.point.lat, *point) < 0.01
    assert MessageToDict(record.event.details)["reported_location"] == {"crs": "gcj02", "lon": gcj[0], "lat": gcj[1]}
    published = await copy_on_the_bus(js, bus.event_subject("police_assistant", ev.category), ev.id)
    assert published.location == kept
