"""Finding 5: a department service answers only its own department system and the gateway.

The real legal-aid process (as ``gridfusion serve legal_aid`` starts it, with the credentials
local mode gives it) against a real nats-server and secantusd-py; its callers are the tokens
local mode generates. Another department's system may not report results as legal aid, drain
its hand-overs or read its events (PERMISSION_DENIED); a call without a known token is
UNAUTHENTICATED; health checks stay open; reflection is off unless switched on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from gridfusion.departments.v1 import departments_pb2 as pb
from gridfusion.departments.v1 import departments_pb2_grpc as pb_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from services.departments.tests.reference_service import ReferencePeer
from services.local import LocalPlatform, free_port, wait_for_port
from services.platform import bus
from services.platform.grpcserver import GrpcServer, TokenAuth, token_sha256

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
DEPARTMENT = "legal_aid"
SERVICE = "gridfusion.departments.v1.DepartmentService"
Metadata = tuple[tuple[str, str], ...]


@dataclass
class LegalAid:
    target: str
    log: Path


@pytest.fixture(scope="module")
async def reference_target() -> AsyncIterator[str]:
    """A fusion stand-in without reference data: none of the calls below needs any."""
    peer = ReferencePeer()
    yield await peer.start()
    await peer.stop()


def start(infra: LocalPlatform, reference: str, log: Path, **extra: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = dict(
        os.environ, NATS_URL=infra.nats_address, NATS_USER=DEPARTMENT, NATS_PASSWORD=infra.nats_passwords[DEPARTMENT],
        MONGODB_URI=infra.mongodb_uri, DEPARTMENT_GRPC_PORT=str(port),
        DEPARTMENT_DATABASE=f"test_{DEPARTMENT}_{uuid.uuid4().hex[:10]}", DEPARTMENT_FUSION_TARGET=reference,
        DEPARTMENT_REFERENCE_POLL_SECONDS="3600", PYTHONUNBUFFERED="1", **extra,
    )
    env.pop("GRPC_REFLECTION", None)
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "services.cli", "serve", DEPARTMENT],
                                stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    return proc, port


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def legal_aid(infra: LocalPlatform, reference_target: str, tmp_path_factory) -> Iterator[LegalAid]:
    """Legal aid's department service with the credentials local mode gives it (reflection unset)."""
    log = tmp_path_factory.mktemp("legal_aid") / "legal_aid.log"
    proc, port = start(infra, reference_target, log, **infra.grpc_callers_env())
    try:
        wait_for_port(port, 60, proc, f"{DEPARTMENT} ({log.read_text(errors='replace')})")
        yield LegalAid(f"127.0.0.1:{port}", log)
    finally:
        stop(proc)


@pytest.fixture
async def stub(legal_aid: LegalAid) -> AsyncIterator[pb_grpc.DepartmentServiceStub]:
    async with grpc.aio.insecure_channel(legal_aid.target) as channel:
        yield pb_grpc.DepartmentServiceStub(channel)


def report(case_id: str) -> pb.ReportResultRequest:
    return pb.ReportResultRequest(case_id=case_id, result="已办结", actor="tester", result_id=f"r-{uuid.uuid4().hex}")


async def refusal(call) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    return caught.value


async def first_hand_over(stub, metadata: Metadata, case_id: str | None = None) -> pb.HandOver:
    """The first hand-over streamed (of ``case_id``, when given) — or the error that ends the stream."""
    call = stub.StreamHandOvers(pb.StreamHandOversRequest(), metadata=metadata, timeout=30)
    try:
        async for handover in call:
            if case_id is None or handover.case_id == case_id:
                return handover
    finally:
        call.cancel()
    raise AssertionError("the stream ended without the hand-over")


async def test_finding_5_a_department_system_cannot_call_another_departments_service(
    infra: LocalPlatform, stub, js, legal_aid: LegalAid
) -> None:
    petition = infra.grpc_metadata("petition")
    for call in (
        stub.ReportResult(report("C-forged"), metadata=petition),
        stub.GetEvent(pb.GetEventRequest(event_id="any"), metadata=petition),
        first_hand_over(stub, petition),
        stub.SubmitEvent(pb.SubmitEventRequest(), metadata=petition),
    ):
        denied = await refusal(call)
        assert denied.code() == grpc.StatusCode.PERMISSION_DENIED, denied
        assert "petition's department system's" in denied.details() and "not legal_aid's" in denied.details()
    assert "grpc call refused" in legal_aid.log.read_text()

    # Legal aid's own system: its hand-overs stream to it, its results are taken.
    own = infra.grpc_metadata(DEPARTMENT)
    case_id = f"C-{uuid.uuid4().hex[:10]}"
    await bus.publish(js, f"gridfusion.handover.{DEPARTMENT}.G1", pb.HandOver(case_id=case_id, grid_id="G1"),
                      event_id=f"h-{case_id}", ce_type="gridfusion.handover.v1", source="tests")
    assert (await first_hand_over(stub, own, case_id)).grid_id == "G1"
    assert (await stub.ReportResult(report(case_id), metadata=own)).accepted
    missing = await refusal(stub.GetEvent(pb.GetEventRequest(event_id="never-sent"), metadata=own))
    assert missing.code() == grpc.StatusCode.NOT_FOUND  # past the door: the service itself answered

    # The gateway, calling on behalf of users it authorised itself.
    gateway = infra.grpc_metadata("gateway")
    assert (await stub.ReportResult(report(case_id), metadata=gateway)).accepted
    missing = await refusal(stub.GetEvent(pb.GetEventRequest(event_id="never-sent"), metadata=gateway))
    assert missing.code() == grpc.StatusCode.NOT_FOUND


async def test_finding_5_without_a_known_token_every_call_is_unauthenticated(infra: LocalPlatform, stub) -> None:
    stranger = "s" * 43
    for metadata, says in (
        ((), "no credential"),
        ((("authorization", f"Bearer {stranger}"),), "unknown credential"),
        ((("authorization", f"Basic {infra.grpc_tokens[DEPARTMENT]}"),), "must be 'Bearer <token>'"),
        # The digest is what the service holds; it is not a token.
        ((("authorization", f"Bearer {token_sha256(infra.grpc_tokens[DEPARTMENT])}"),), "unknown credential"),
    ):
        for call in (
            stub.ReportResult(report("C-forged"), metadata=metadata),
            stub.GetEvent(pb.GetEventRequest(event_id="any"), metadata=metadata),
            first_hand_over(stub, metadata),
        ):
            refused = await refusal(call)
            assert refused.code() == grpc.StatusCode.UNAUTHENTICATED, (metadata, refused)
            assert says in refused.details()


async def test_finding_5_health_checks_stay_open_and_reflection_is_off_unless_switched_on(
    infra: LocalPlatform, legal_aid: LegalAid
) -> None:
    async with grpc.aio.insecure_channel(legal_aid.target) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        reply = await health.Check(health_pb2.HealthCheckRequest(service="liveness"), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
        call = reflection.ServerReflectionInfo(iter(()), metadata=infra.grpc_metadata(DEPARTMENT), timeout=15)
        with pytest.raises(grpc.aio.AioRpcError) as off:
            async for _ in call:
                pass
        assert off.value.code() == grpc.StatusCode.UNIMPLEMENTED, off.value

    # Switched on (local mode), reflection answers a caller with a token, and no one else.
    port = free_port()
    digest = token_sha256(infra.grpc_tokens["gateway"])
    server = GrpcServer(port, [SERVICE], host="127.0.0.1", reflection=True,
                        auth=TokenAuth({"gateway": digest}, lambda caller, method: None))
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            reflection = reflection_pb2_grpc.ServerReflectionStub(channel)

            async def services(metadata: Metadata) -> list[str]:
                request = reflection_pb2.ServerReflectionRequest(list_services="")
                call = reflection.ServerReflectionInfo(iter([request]), metadata=metadata, timeout=5)
                async for answer in call:
                    return [s.name for s in answer.list_services_response.service]
                return []

            assert SERVICE in await services(infra.grpc_metadata("gateway"))
            with pytest.raises(grpc.aio.AioRpcError) as anonymous:
                await services(())
            assert anonymous.value.code() == grpc.StatusCode.UNAUTHENTICATED
    finally:
        await server.stop(0)


async def test_finding_5_a_department_service_without_its_callers_digests_does_not_start(
    infra: LocalPlatform, reference_target: str, tmp_path: Path
) -> None:
    log = tmp_path / "legal_aid.log"
    proc, _ = start(infra, reference_target, log,
                    DEPARTMENT_GATEWAY_TOKEN_SHA256=token_sha256(infra.grpc_tokens["gateway"]))
    try:
        assert proc.wait(60) != 0
    finally:
        stop(proc)
    assert "DEPARTMENT_SYSTEM_TOKEN_SHA256__LEGAL_AID" in log.read_text()
