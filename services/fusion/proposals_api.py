"""``field.v1.ProposalService``: information collection (信息采集), answered from
:class:`~services.fusion.proposals.ProposalStore` (the rules are in its module docstring)."""

from __future__ import annotations

from typing import Any

import grpc
from gridfusion.community.v1 import community_pb2 as cpb
from gridfusion.field.v1 import proposals_pb2 as pb
from gridfusion.field.v1 import proposals_pb2_grpc as pb_grpc

from services.platform.grpcserver import abort_invalid_argument
from services.platform.paging import paging
from services.platform.scope import Principal

from .proposals import FIELDS, Invalid, ProposalStore
from .refused import Refused
from .timestamps import set_time

_CODES = {
    "role": grpc.StatusCode.PERMISSION_DENIED,
    "state": grpc.StatusCode.FAILED_PRECONDITION,
    "not_found": grpc.StatusCode.NOT_FOUND,
    "invalid": grpc.StatusCode.INVALID_ARGUMENT,
    "exists": grpc.StatusCode.ALREADY_EXISTS,
}
_MESSAGES = {
    "household": pb.Household,
    "resident": pb.Resident,
    "special_population": pb.SpecialPopulation,
}


def principal(actor: cpb.Actor) -> Principal:
    return Principal(actor.username, actor.role, actor.street_id, actor.community_id, actor.grid_id)


def data_of(request: pb.CreateProposalRequest) -> tuple[str, dict[str, Any]]:
    """The record a request carries, as a dict of its kind's fields (the kind its oneof names)."""
    which = request.WhichOneof("data") or ""
    if not which:
        return "", {}
    message = getattr(request, which)
    return which, {name: getattr(message, name) for name in FIELDS[which] if hasattr(message, name)}


def record_to_proto(doc: dict[str, Any]) -> pb.Record:
    kind = doc["kind"]
    out = pb.Record(
        kind=kind,
        record_id=doc["record_id"],
        version=doc.get("version", 1),
        grid_id=doc.get("grid_id", ""),
        community_id=doc.get("community_id", ""),
        street_id=doc.get("street_id", ""),
        updated_by=doc.get("updated_by", ""),
    )
    fields = _MESSAGES[kind].DESCRIPTOR.fields_by_name
    getattr(out, kind).CopyFrom(
        _MESSAGES[kind](**{k: v for k, v in doc["data"].items() if k in fields})
    )
    set_time(out.updated_at, doc.get("updated_at"))
    return out


def proposal_to_proto(doc: dict[str, Any]) -> pb.Proposal:
    place = {k: doc[k] for k in ("grid_id", "community_id", "street_id")}
    out = pb.Proposal(
        proposal_id=doc["_id"],
        action=doc["action"],
        kind=doc["kind"],
        record_id=doc["record_id"],
        base_version=doc["base_version"],
        **place,
        note=doc.get("note", ""),
        status=doc["status"],
        reason=doc.get("reason", ""),
        proposed_by=doc["proposed_by"],
        reviewed_by=doc.get("reviewed_by", ""),
        reference_version=doc.get("reference_version", ""),
        proposed=record_to_proto(
            {
                "kind": doc["kind"],
                "record_id": doc["record_id"],
                **place,
                "version": doc.get("proposed_version", doc["base_version"] + 1),
                "data": doc["proposed"],
            }
        ),
    )
    if doc.get("before"):
        out.before.CopyFrom(
            record_to_proto(
                {
                    "kind": doc["kind"],
                    "record_id": doc["record_id"],
                    **place,
                    "version": doc["base_version"],
                    "data": doc["before"],
                }
            )
        )
    set_time(out.proposed_at, doc.get("proposed_at"))
    set_time(out.reviewed_at, doc.get("reviewed_at"))
    return out


class ProposalServicer(pb_grpc.ProposalServiceServicer):
    def __init__(self, store: ProposalStore) -> None:
        self.store = store

    async def _run(self, context, coro):
        try:
            return await coro
        except Invalid as bad:
            await abort_invalid_argument(context, bad.errors)
        except Refused as exc:
            await context.abort(_CODES[exc.kind], str(exc))

    async def CreateProposal(self, request: pb.CreateProposalRequest, context) -> pb.Proposal:
        kind, data = data_of(request)
        if kind and request.kind and kind != request.kind:
            await abort_invalid_argument(context, [(kind, f"does not match kind {request.kind!r}")])
        doc = await self._run(
            context,
            self.store.propose(
                principal(request.actor),
                request.action,
                request.kind or kind,
                request.record_id,
                request.base_version,
                data if kind else {},
                request.note,
            ),
        )
        return proposal_to_proto(doc)

    async def ListProposals(
        self, request: pb.ListProposalsRequest, context
    ) -> pb.ListProposalsResponse:
        page, size = paging(request.page, request.page_size)
        area = {
            "street_id": request.area.street_id,
            "community_id": request.area.community_id,
            "grid_id": request.area.grid_id,
        }
        docs, total = await self._run(
            context,
            self.store.page(
                principal(request.actor), area, request.status, request.kind, page, size
            ),
        )
        return pb.ListProposalsResponse(items=[proposal_to_proto(d) for d in docs], total=total)

    async def GetProposal(self, request: pb.GetProposalRequest, context) -> pb.Proposal:
        return proposal_to_proto(
            await self._run(context, self.store.get(principal(request.actor), request.proposal_id))
        )

    async def ReviewProposal(self, request: pb.ReviewProposalRequest, context) -> pb.Proposal:
        doc = await self._run(
            context,
            self.store.review(
                principal(request.actor), request.proposal_id, request.decision, request.reason
            ),
        )
        return proposal_to_proto(doc)

    async def GetRecord(self, request: pb.GetRecordRequest, context) -> pb.Record:
        doc = await self._run(
            context,
            self.store.get_record(principal(request.actor), request.kind, request.record_id),
        )
        return record_to_proto(doc)

    async def ListRecords(self, request: pb.ListRecordsRequest, context) -> pb.ListRecordsResponse:
        page, size = paging(request.page, request.page_size)
        docs, total = await self._run(
            context,
            self.store.list_records(
                principal(request.actor), request.grid_id, request.kind, page, size
            ),
        )
        return pb.ListRecordsResponse(items=[record_to_proto(d) for d in docs], total=total)
