"""Information collection (信息采集): ``/v1/register/proposals``, the records they change, and a
grid's residents and special-population records (``/v1/grids/{grid_id}/residents``).

A grid's secretary or worker proposes an addition or a correction of a household, a resident or
a special-population record (特殊人群) of its own grid; the grid's community accepts it or rejects
it with a reason. An accepted household change is in ``GET /v1/grids/{grid_id}/households`` and
in grid resolution at once (fusion makes it a new reference version; the department services
follow). The rules are fusion's (``services/fusion/proposals.py``).

Names, phones and ID numbers are shown in full to the grid's own staff only, and each such read
is audited; every other role sees them masked (``gateway/privacy.py``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, status
from gridfusion.community.v1 import community_pb2 as cpb
from gridfusion.field.v1 import proposals_pb2 as pb
from pydantic import BaseModel, ConfigDict, Field

from ...auth import Principal
from ...privacy import grid_staff, mask_id_number, mask_name, mask_phone, record_read
from ...scoping import AREA_ROLES
from ..deps import GatewayState, Page, PageSize, State, require_roles
from ..problems import SIGNED_IN, answers

router = APIRouter(
    prefix="/v1", tags=["information collection"], responses=answers(*SIGNED_IN, 404, 409)
)

Proposer = Annotated[Principal, Depends(require_roles("secretary", "worker"))]
Reviewer = Annotated[Principal, Depends(require_roles("community"))]
Viewer = Annotated[Principal, Depends(require_roles(*AREA_ROLES))]
Purpose = Annotated[
    str | None, Query(max_length=500, description="Why the personal data is read (audited)")
]

# The personal fields of each kind, and how each is masked.
MASKS = {
    "head_name": mask_name,
    "head_phone": mask_phone,
    "head_id_number": mask_id_number,
    "name": mask_name,
    "phone": mask_phone,
    "id_number": mask_id_number,
    "responsible_name": mask_name,
    "responsible_phone": mask_phone,
    "resident_name": mask_name,
}


class HouseholdFields(BaseModel):
    """A household (户): where it is (WGS84) and its head of household."""

    model_config = ConfigDict(extra="forbid")
    household_id: str = Field(
        "", max_length=64, description="An added household's id (户号); one is made if empty"
    )
    address: str = Field(max_length=500)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    residents: int = Field(ge=0, le=50, description="How many live there")
    compound_id: str = Field("", max_length=64)
    head_name: str = Field("", max_length=50)
    head_phone: str = Field("", max_length=20)
    head_id_number: str = Field("", max_length=18)


class ResidentFields(BaseModel):
    """A resident (居民) of a household of the grid."""

    model_config = ConfigDict(extra="forbid")
    household_id: str = Field(max_length=64)
    name: str = Field(max_length=50)
    id_number: str = Field(max_length=18)
    phone: str = Field("", max_length=20)


class SpecialPopulationFields(BaseModel):
    """A special-population record (特殊人群) of a resident on the register, and who is
    responsible."""

    model_config = ConfigDict(extra="forbid")
    resident_id: str = Field(max_length=64)
    kind: Literal["community_correction", "drug_rehab", "mental_health"]
    responsible_name: str = Field(max_length=50)
    responsible_phone: str = Field("", max_length=20)
    note: str = Field("", max_length=500)


class ProposalIn(BaseModel):
    """An addition (no ``record_id``) or a correction (the record's id and the version it was
    read at),
    with the record as it should be: exactly the part its ``kind`` names."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["add", "correct"]
    kind: Literal["household", "resident", "special_population"]
    record_id: str = Field("", max_length=64, description="The record to correct")
    base_version: int = Field(
        0, ge=0, le=1_000_000, description="The record's version the correction starts from"
    )
    household: HouseholdFields | None = None
    resident: ResidentFields | None = None
    special_population: SpecialPopulationFields | None = None
    note: str = Field("", max_length=500, description="Why: what the grid worker found")


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(
        min_length=1, max_length=500, description="What is wrong, so the grid can correct it"
    )


class RecordOut(BaseModel):
    kind: str
    record_id: str
    version: int
    grid_id: str
    community_id: str
    street_id: str
    data: dict[str, Any] = Field(
        description="The record's fields; names, phones and ID numbers masked unless the "
        "caller is the grid's own staff"
    )
    updated_at: str | None = None
    updated_by: str = ""


class ProposalOut(BaseModel):
    proposal_id: str
    action: str
    kind: str
    record_id: str
    base_version: int
    grid_id: str
    community_id: str
    street_id: str
    proposed: RecordOut
    before: RecordOut | None = None
    note: str
    status: Literal["pending", "accepted", "rejected"]
    reason: str
    proposed_by: str
    proposed_at: str | None
    reviewed_by: str
    reviewed_at: str | None
    reference_version: str = Field(
        "", description="An accepted household change: the reference version it made current"
    )


class ProposalPage(BaseModel):
    items: list[ProposalOut]
    total: int
    page: int
    page_size: int


class RecordPage(BaseModel):
    items: list[RecordOut]
    total: int
    page: int
    page_size: int


class Shown:
    """Records on their way out: masked unless the caller is the grid's staff, those counted for
    the audit."""

    def __init__(self, state: GatewayState, caller: Principal) -> None:
        self.state, self.caller, self.unmasked = state, caller, 0

    def record(self, r: pb.Record) -> RecordOut:
        message = getattr(r, r.kind)
        data = {f.name: getattr(message, f.name) for f in message.DESCRIPTOR.fields}
        if grid_staff(self.caller, r.grid_id):
            self.unmasked += any(data.get(k) for k in MASKS)
        else:
            data = {k: MASKS[k](v) if k in MASKS else v for k, v in data.items()}
        return RecordOut(
            kind=r.kind,
            record_id=r.record_id,
            version=r.version,
            grid_id=r.grid_id,
            community_id=r.community_id,
            street_id=r.street_id,
            data=data,
            updated_at=self.state.iso(r.updated_at),
            updated_by=r.updated_by,
        )

    def proposal(self, p: pb.Proposal) -> ProposalOut:
        return ProposalOut(
            proposal_id=p.proposal_id,
            action=p.action,
            kind=p.kind,
            record_id=p.record_id,
            base_version=p.base_version,
            grid_id=p.grid_id,
            community_id=p.community_id,
            street_id=p.street_id,
            proposed=self.record(p.proposed),
            before=self.record(p.before) if p.HasField("before") else None,
            note=p.note,
            status=p.status,
            reason=p.reason,
            proposed_by=p.proposed_by,
            proposed_at=self.state.iso(p.proposed_at),
            reviewed_by=p.reviewed_by,
            reviewed_at=self.state.iso(p.reviewed_at),
            reference_version=p.reference_version,
        )

    async def audit(self, what: str, why: str | None, grid_id: str) -> None:
        await record_read(
            self.state, self.caller, what=what, why=why, grid_id=grid_id, records=self.unmasked
        )


def _timeout(state: GatewayState) -> float:
    return state.settings.rpc_timeout_seconds


@router.post(
    "/register/proposals",
    response_model=ProposalOut,
    status_code=status.HTTP_201_CREATED,
    summary="A grid's secretary or worker proposes adding or correcting a household, resident or "
    "special-population record of its own grid (403 for another grid's; 409 when the record "
    "moved on since base_version)",
)
async def propose(body: ProposalIn, state: State, caller: Proposer) -> ProposalOut:
    request = pb.CreateProposalRequest(
        actor=caller.community_actor(),
        action=body.action,
        kind=body.kind,
        record_id=body.record_id,
        base_version=body.base_version,
        note=body.note,
    )
    part = getattr(body, body.kind)
    if part is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY,
            [
                {
                    "loc": ["body", body.kind],
                    "msg": f"is required for kind {body.kind}",
                    "type": "missing",
                }
            ],
        )
    others = [
        k
        for k in ("household", "resident", "special_population")
        if k != body.kind and getattr(body, k)
    ]
    if others:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY,
            [
                {"loc": ["body", k], "msg": f"does not belong to kind {body.kind}", "type": "extra"}
                for k in others
            ],
        )
    message = {
        "household": pb.Household,
        "resident": pb.Resident,
        "special_population": pb.SpecialPopulation,
    }[body.kind]
    getattr(request, body.kind).CopyFrom(message(**part.model_dump()))
    reply = await state.peers.proposals.CreateProposal(request, timeout=_timeout(state))
    shown = Shown(state, caller)
    out = shown.proposal(reply)
    await shown.audit(
        f"proposal {reply.proposal_id} (names, phones, id numbers)", None, reply.grid_id
    )
    return out


@router.get(
    "/register/proposals",
    response_model=ProposalPage,
    summary="Proposals of the caller's area, newest first (a grid its own, a community or "
    "street its "
    "subtree); filter by status, kind and area",
)
async def list_proposals(
    state: State,
    caller: Viewer,
    page: Page = 1,
    page_size: PageSize = 20,
    status_: Annotated[
        Literal["pending", "accepted", "rejected"] | None, Query(alias="status")
    ] = None,
    kind: Literal["household", "resident", "special_population"] | None = None,
    grid_id: Annotated[str | None, Query(max_length=64)] = None,
    community_id: Annotated[str | None, Query(max_length=64)] = None,
    street_id: Annotated[str | None, Query(max_length=64)] = None,
    purpose: Purpose = None,
) -> ProposalPage:
    reply = await state.peers.proposals.ListProposals(
        pb.ListProposalsRequest(
            actor=caller.community_actor(),
            status=status_ or "",
            kind=kind or "",
            page=page,
            page_size=page_size,
            area=cpb.Area(
                grid_id=grid_id or "", community_id=community_id or "", street_id=street_id or ""
            ),
        ),
        timeout=_timeout(state),
    )
    shown = Shown(state, caller)
    items = [shown.proposal(p) for p in reply.items]
    await shown.audit(
        f"proposals of grid {caller.grid_id} page {page} (names, phones, id numbers)",
        purpose,
        caller.grid_id,
    )
    return ProposalPage(items=items, total=reply.total, page=page, page_size=page_size)


@router.get(
    "/register/proposals/{proposal_id}",
    response_model=ProposalOut,
    summary="One proposal with the record before and as proposed; 404 outside the caller's area",
)
async def get_proposal(
    proposal_id: str, state: State, caller: Viewer, purpose: Purpose = None
) -> ProposalOut:
    reply = await state.peers.proposals.GetProposal(
        pb.GetProposalRequest(actor=caller.community_actor(), proposal_id=proposal_id),
        timeout=_timeout(state),
    )
    shown = Shown(state, caller)
    out = shown.proposal(reply)
    await shown.audit(f"proposal {proposal_id} (names, phones, id numbers)", purpose, reply.grid_id)
    return out


async def _review(
    state: GatewayState, caller: Principal, proposal_id: str, decision: str, reason: str = ""
) -> ProposalOut:
    reply = await state.peers.proposals.ReviewProposal(
        pb.ReviewProposalRequest(
            actor=caller.community_actor(),
            proposal_id=proposal_id,
            decision=decision,
            reason=reason,
        ),
        timeout=max(_timeout(state), 60.0),
    )
    return Shown(state, caller).proposal(reply)


@router.post(
    "/register/proposals/{proposal_id}:accept",
    response_model=ProposalOut,
    summary="The community accepts a pending proposal of its grids: the change is in the "
    "register (a "
    "household: in the reference data, households list and grid resolution) at once; 409 when "
    "reviewed already or the record moved on",
)
async def accept(proposal_id: str, state: State, caller: Reviewer) -> ProposalOut:
    return await _review(state, caller, proposal_id, "accept")


@router.post(
    "/register/proposals/{proposal_id}:reject",
    response_model=ProposalOut,
    summary="The community rejects a pending proposal of its grids, with the reason the grid "
    "reads; 409 "
    "when reviewed already",
)
async def reject(proposal_id: str, body: RejectIn, state: State, caller: Reviewer) -> ProposalOut:
    return await _review(state, caller, proposal_id, "reject", body.reason)


@router.get(
    "/register/records/{kind}/{record_id}",
    response_model=RecordOut,
    summary="One household, resident or special-population record as it stands, with its "
    "version (the "
    "base_version of a correction); masked unless the caller is the grid's staff",
)
async def get_record(
    kind: Literal["household", "resident", "special_population"],
    record_id: str,
    state: State,
    caller: Viewer,
    purpose: Purpose = None,
) -> RecordOut:
    reply = await state.peers.proposals.GetRecord(
        pb.GetRecordRequest(actor=caller.community_actor(), kind=kind, record_id=record_id),
        timeout=_timeout(state),
    )
    shown = Shown(state, caller)
    out = shown.record(reply)
    await shown.audit(f"{kind} {record_id} (names, phones, id numbers)", purpose, reply.grid_id)
    return out


@router.get(
    "/grids/{grid_id}/residents",
    response_model=RecordPage,
    summary="A grid's residents, or its special-population records (kind=special_population), from "
    "accepted proposals; names, phones and ID numbers masked unless the caller is the grid's staff",
)
async def list_residents(
    grid_id: str,
    state: State,
    caller: Viewer,
    page: Page = 1,
    page_size: PageSize = 50,
    kind: Literal["resident", "special_population"] = "resident",
    purpose: Purpose = None,
) -> RecordPage:
    reply = await state.peers.proposals.ListRecords(
        pb.ListRecordsRequest(
            actor=caller.community_actor(),
            grid_id=grid_id,
            kind=kind,
            page=page,
            page_size=page_size,
        ),
        timeout=_timeout(state),
    )
    shown = Shown(state, caller)
    items = [shown.record(r) for r in reply.items]
    await shown.audit(
        f"{kind} records of grid {grid_id} page {page} (names, phones, id numbers)",
        purpose,
        grid_id,
    )
    return RecordPage(items=items, total=reply.total, page=page, page_size=page_size)
