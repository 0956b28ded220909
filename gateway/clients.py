"""gRPC channels to fusion and the department services, and their health."""

from __future__ import annotations

import asyncio

import grpc
from gridfusion.community.v1 import community_pb2_grpc
from gridfusion.departments.v1 import departments_pb2_grpc
from gridfusion.field.v1 import attachments_pb2_grpc, proposals_pb2_grpc, tasks_pb2_grpc
from gridfusion.fusion.v1 import fusion_pb2_grpc
from gridfusion.party.v1 import party_pb2_grpc
from gridfusion.reference.v1 import reference_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.platform.grpcserver import BearerToken

from .settings import GatewaySettings

FUSION_MESSAGE_BYTES = 16 * 1024 * 1024


class Peers:
    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        # Fusion takes and gives messages of up to 16 MB (an attachment's bytes).
        self.channels: dict[str, grpc.aio.Channel] = {"fusion": grpc.aio.insecure_channel(
            settings.fusion_target, options=[("grpc.max_receive_message_length", FUSION_MESSAGE_BYTES),
                                             ("grpc.max_send_message_length", FUSION_MESSAGE_BYTES)])}
        # The department services authenticate the gateway by its service token; fusion does
        # not ask for one, so it never sees it.
        token = [BearerToken(settings.service_token)] if settings.service_token else None
        for department, target in settings.department_targets.items():
            self.channels[department] = grpc.aio.insecure_channel(target, interceptors=token)
        self.fusion = fusion_pb2_grpc.FusionServiceStub(self.channels["fusion"])
        # Party members, service orders, the audit log and the weekly report: served by fusion.
        self.community = community_pb2_grpc.CommunityServiceStub(self.channels["fusion"])
        # The county's reference data (grids, households, members) as versions: served by fusion.
        self.reference = reference_pb2_grpc.ReferenceServiceStub(self.channels["fusion"])
        # The party organisation, four levels: served by fusion.
        self.party = party_pb2_grpc.PartyServiceStub(self.channels["fusion"])
        # Information collection (信息采集): proposals to the register and their review: served
        # by fusion.
        self.proposals = proposals_pb2_grpc.ProposalServiceStub(self.channels["fusion"])
        # Tasks from above (专项行动): served by fusion.
        self.tasks = tasks_pb2_grpc.TaskServiceStub(self.channels["fusion"])
        # Photos and documents of cases and events (GridFS): served by fusion.
        self.attachments = attachments_pb2_grpc.AttachmentServiceStub(self.channels["fusion"])
        self.departments = {
            d: departments_pb2_grpc.DepartmentServiceStub(self.channels[d]) for d in settings.department_targets
        }

    async def health(self, timeout: float = 1.5) -> dict[str, str]:
        """Each peer's grpc.health.v1 status ("SERVING" when its NATS and MongoDB answer)."""

        async def check(name: str, channel: grpc.aio.Channel) -> tuple[str, str]:
            try:
                reply = await health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(service=""), timeout=timeout
                )
            except grpc.aio.AioRpcError as exc:
                return name, exc.code().name
            return name, health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)

        results = await asyncio.gather(*(check(n, c) for n, c in self.channels.items()))
        return dict(results)

    async def close(self) -> None:
        await asyncio.gather(*(c.close() for c in self.channels.values()))
