"""A ``gridfusion.reference.v1.ReferenceService`` on a real ``grpc.aio`` server, serving the
versions a test gives it: the peer the department services fetch their reference data from.
It answers as fusion's contract says — FAILED_PRECONDITION "no reference data imported" before
any version is current — and announces a version on NATS as fusion does."""

from __future__ import annotations

import grpc
from gridfusion.reference.v1 import reference_pb2 as rpb
from gridfusion.reference.v1 import reference_pb2_grpc as rpb_grpc

from services.departments.reference import SUBJECT
from services.reference import County
from services.reference.snapshot import to_snapshots

from .counties import version as version_of

NO_DATA = "no reference data imported"


class ReferencePeer(rpb_grpc.ReferenceServiceServicer):
    def __init__(self) -> None:
        self.versions: dict[str, tuple[rpb.ReferenceVersion, County]] = {}
        self.current: str | None = None
        self.snapshots_served: list[str] = []
        self.server: grpc.aio.Server | None = None
        self.target = ""

    def add(self, county: County, name: str | None = None, *, activate: bool = True) -> rpb.ReferenceVersion:
        """Store ``county`` as a version (``v0001``, ``v0002``, … unless named); current unless told."""
        name = name or f"v{len(self.versions) + 1:04d}"
        record = version_of(name, county)
        record.created_at.GetCurrentTime()
        self.versions[name] = (record, county)
        if activate:
            self.current = name
        return self.proto(name)

    def proto(self, name: str) -> rpb.ReferenceVersion:
        out = rpb.ReferenceVersion()
        out.CopyFrom(self.versions[name][0])
        out.current = name == self.current
        return out

    async def GetCurrent(self, request: rpb.GetCurrentRequest, context: grpc.aio.ServicerContext) -> rpb.ReferenceVersion:
        if self.current is None:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, NO_DATA)
        return self.proto(self.current)

    async def GetSnapshot(self, request: rpb.GetSnapshotRequest, context: grpc.aio.ServicerContext):
        name = request.version or self.current
        if name is None:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, NO_DATA)
        if name not in self.versions:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"no reference version {name!r}")
        self.snapshots_served.append(name)
        for message in to_snapshots(self.versions[name][1], self.proto(name)):
            yield message

    async def start(self) -> str:
        self.server = grpc.aio.server(options=[("grpc.max_send_message_length", 16 * 1024 * 1024)])
        rpb_grpc.add_ReferenceServiceServicer_to_server(self, self.server)
        port = self.server.add_insecure_port("127.0.0.1:0")
        await self.server.start()
        self.target = f"127.0.0.1:{port}"
        return self.target

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop(0)

    async def announce(self, nc, name: str) -> None:
        """What fusion does after activating a version: tell every service on NATS."""
        await nc.publish(SUBJECT, self.proto(name).SerializeToString())
        await nc.flush()
