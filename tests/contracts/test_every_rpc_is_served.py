"""Every RPC of every contract is implemented by the service that serves it.

protoc's generated base servicers answer UNIMPLEMENTED (and raise NotImplementedError) for a
method nobody overrides; this test fails the moment a contract gains an RPC its service lacks.
"""

from __future__ import annotations

import pytest
from gridfusion.community.v1 import community_pb2, community_pb2_grpc
from gridfusion.departments.v1 import departments_pb2, departments_pb2_grpc
from gridfusion.field.v1 import (
    attachments_pb2,
    attachments_pb2_grpc,
    proposals_pb2,
    proposals_pb2_grpc,
    tasks_pb2,
    tasks_pb2_grpc,
)
from gridfusion.fusion.v1 import fusion_pb2, fusion_pb2_grpc
from gridfusion.party.v1 import party_pb2, party_pb2_grpc
from gridfusion.reference.v1 import reference_pb2, reference_pb2_grpc

from services.departments.servicer import DepartmentServicer
from services.fusion.attachments import AttachmentServicer
from services.fusion.community_api import CommunityServicer
from services.fusion.party_api import PartyServicer
from services.fusion.proposals_api import ProposalServicer
from services.fusion.reference_api import ReferenceServicer
from services.fusion.server import FusionServicer
from services.fusion.tasks_api import TaskServicer

pytestmark = pytest.mark.unit

SERVED = [
    (fusion_pb2, "FusionService", fusion_pb2_grpc.FusionServiceServicer, FusionServicer),
    (departments_pb2, "DepartmentService", departments_pb2_grpc.DepartmentServiceServicer, DepartmentServicer),
    (community_pb2, "CommunityService", community_pb2_grpc.CommunityServiceServicer, CommunityServicer),
    (reference_pb2, "ReferenceService", reference_pb2_grpc.ReferenceServiceServicer, ReferenceServicer),
    (party_pb2, "PartyService", party_pb2_grpc.PartyServiceServicer, PartyServicer),
    (attachments_pb2, "AttachmentService", attachments_pb2_grpc.AttachmentServiceServicer, AttachmentServicer),
    (tasks_pb2, "TaskService", tasks_pb2_grpc.TaskServiceServicer, TaskServicer),
    (proposals_pb2, "ProposalService", proposals_pb2_grpc.ProposalServiceServicer, ProposalServicer),
]


@pytest.mark.parametrize(("module", "service", "base", "servicer"), SERVED, ids=[s[1] for s in SERVED])
def test_every_rpc_of_the_contract_is_overridden(module, service, base, servicer) -> None:
    methods = [m.name for m in module.DESCRIPTOR.services_by_name[service].methods]
    assert methods, service
    missing = [name for name in methods if getattr(servicer, name) is getattr(base, name)]
    assert missing == [], f"{servicer.__name__} leaves {missing} unimplemented"
