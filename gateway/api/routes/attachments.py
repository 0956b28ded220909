"""Attachments (附件): photos and documents on cases — evidence of a hazard, proof of rectification
before closing, a document — kept by fusion (GridFS) and served here.

- ``POST /v1/cases/{case_id}/attachments`` (multipart ``file``, optional ``purpose`` and ``note``)
  → 201 with the attachment; whoever may act on the case may add one (its scope: a grid's staff
  their own grid's, the centres their subtree's, a department a case handed to it);
- ``GET /v1/cases/{case_id}/attachments`` → the case's attachments, oldest first (also in
  ``GET /v1/cases/{case_id}``, and each upload in its timeline);
- ``GET /v1/attachments/{attachment_id}`` → the bytes with their content type;
  ``GET /v1/attachments/{attachment_id}/thumbnail`` → a JPEG of at most 320 px (images).

A file is taken by its content, not by its name or declared type: JPEG, PNG and WebP images
(decoded and re-encoded without their metadata, so no EXIF position is ever served) and PDF
documents; anything else is 415 naming what it is. At most ``GATEWAY_ATTACHMENT_MAX_BYTES``
(10 MB): larger is 413 before the body is read past the limit (``gateway/limits.py``). An
empty file is 422 naming ``file``. Whoever may not see the case gets 404 for its attachments.

A photo's EXIF position and time are kept apart and shown only to the county, street and
community centres and the grid's own staff (who see a case's location detail); a department
gets ``location_withheld: true`` instead. Reads of positions are audited as personal data, and
a note's phone and ID numbers are masked but for the grid's own staff, as a case's text is.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

import grpc
from fastapi import APIRouter, File, Form, HTTPException, Query, UploadFile, status
from fastapi.responses import Response
from gridfusion.field.v1 import attachments_pb2 as apb
from gridfusion.fusion.v1 import fusion_pb2 as fpb

from services.platform import media

from ...auth import Principal
from ...privacy import grid_staff, mask_text, record_read
from ..deps import Caller, GatewayState, State
from ..models import Attachment, TimelineEntry
from ..problems import SIGNED_IN, Problem, answers, json_answers

router = APIRouter(tags=["attachments"], responses=answers(*SIGNED_IN, 404))

PURPOSE_LABELS = {"evidence": "现场照片", "rectification": "整改照片", "document": "材料"}
NOTE_MAX = 500
UNSUPPORTED = {
    415: {
        "model": Problem,
        "description": "the file is not a JPEG, PNG or WebP image nor a PDF "
        "(the detail names what it is)",
    }
}
TOO_LARGE = {
    413: {
        "model": Problem,
        "description": "the file is larger than GATEWAY_ATTACHMENT_MAX_BYTES (10 MB by default)",
    }
}


def size_of(limit: int) -> str:
    return f"{limit / 2**20:g} MB" if limit >= 2**20 else f"{limit / 1024:g} KB"


def attachment_json(
    a: apb.Attachment, state: GatewayState, caller: Principal, grid_id: str = ""
) -> dict[str, Any]:
    """An attachment as the API shows it: its note's phone and ID numbers masked unless the
    grid's own staff reads it; the position as fusion gave it (only to those who may see it)."""
    note = a.note if grid_staff(caller, grid_id) else mask_text(a.note)[0]
    return {
        "attachment_id": a.attachment_id,
        "case_id": a.case_id or None,
        "department": a.department or None,
        "event_id": a.event_id or None,
        "filename": a.filename,
        "content_type": a.content_type,
        "size": a.size,
        "purpose": a.purpose,
        "note": note or None,
        "uploaded_by": a.uploaded_by,
        "role": a.role,
        "uploaded_at": state.iso(a.uploaded_at),
        "width": a.width or None,
        "height": a.height or None,
        "url": f"/v1/attachments/{a.attachment_id}",
        "thumbnail_url": f"/v1/attachments/{a.attachment_id}/thumbnail"
        if a.has_thumbnail
        else None,
        "position": {"lon": a.position.lon, "lat": a.position.lat}
        if a.HasField("position")
        else None,
        "taken_at": state.iso(a.taken_at),
        "location_withheld": a.location_withheld,
        "sha256": a.sha256,
    }


async def shown_attachments(
    items: list[apb.Attachment],
    state: GatewayState,
    caller: Principal,
    *,
    grid_id: str,
    what: str,
    why: str | None = None,
) -> list[Attachment]:
    """Attachments as the caller sees them; a read of photos' positions is audited (one record)."""
    located = sum(1 for a in items if a.HasField("position"))
    if located:
        await record_read(
            state,
            caller,
            what=f"{what} (where {located} photos were taken, from their EXIF)",
            why=why,
            grid_id=grid_id,
            records=located,
        )
    return [Attachment(**attachment_json(a, state, caller, grid_id)) for a in items]


async def listed(state: GatewayState, request: apb.ListAttachmentsRequest) -> list[apb.Attachment]:
    """The attachments fusion lists; none while a fusion that predates them answers (a rolling
    upgrade), so a case's detail and an Open311 request still read."""
    try:
        reply = await state.peers.attachments.ListAttachments(
            request, timeout=state.settings.rpc_timeout_seconds
        )
    except grpc.aio.AioRpcError as exc:
        if exc.code() != grpc.StatusCode.UNIMPLEMENTED:
            raise
        return []
    return list(reply.items)


async def of_case(state: GatewayState, caller: Principal, case_id: str) -> list[apb.Attachment]:
    return await listed(state, apb.ListAttachmentsRequest(actor=caller.actor(), case_id=case_id))


async def event_media_url(
    state: GatewayState, department: str, event_id: str, base_url: str
) -> str:
    """Where the first photo sent with an event is served (Open311's ``media_url``), or ``""``.
    Read as the county (only the address leaves; the bytes need the reader's own sight)."""
    county = fpb.Actor(username="open311", role="county", scope=fpb.Scope(role="county"))
    items = await listed(
        state, apb.ListAttachmentsRequest(actor=county, department=department, event_id=event_id)
    )
    first = next((a for a in items if a.content_type.startswith("image/")), None) or next(
        iter(items), None
    )
    return (
        f"{base_url.rstrip('/')}/v1/attachments/{first.attachment_id}" if first is not None else ""
    )


async def require_rectification(state: GatewayState, caller: Principal, case_id: str) -> None:
    """With ``GATEWAY_CLOSE_REQUIRES_RECTIFICATION`` on (off by default): a case closes only with a
    rectification photo (整改照片) on it — 409 naming what is missing otherwise."""
    if not any(
        a.purpose == "rectification" and a.content_type.startswith("image/")
        for a in await of_case(state, caller, case_id)
    ):
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            (
                f"case {case_id} closes only with a rectification photo (整改照片): add one with POST "
                f"/v1/cases/{case_id}/attachments, purpose=rectification"
            ),
        )


def upload_entries(
    items: list[apb.Attachment], state: GatewayState, caller: Principal, grid_id: str
) -> list[TimelineEntry]:
    """Each upload as a timeline entry (``attach``): who sent which file, why, when."""
    out = []
    for a in items:
        label = PURPOSE_LABELS.get(a.purpose, a.purpose)
        note = a.note if grid_staff(caller, grid_id) else mask_text(a.note)[0]
        text = f"{label}: {a.filename}" + (f" — {note}" if note else "")
        out.append(
            TimelineEntry(
                at=state.iso(a.uploaded_at),
                action="attach",
                actor=a.uploaded_by,
                role=a.role,
                from_status=None,
                to_status=None,
                level=None,
                note=text,
                event_id=a.event_id or None,
                department=a.department or None,
            )
        )
    return out


def with_uploads(
    timeline: list[TimelineEntry], uploads: list[TimelineEntry]
) -> list[TimelineEntry]:
    """The case's timeline with its uploads placed by time (the loop's own order kept)."""
    out = list(timeline)
    for entry in sorted(uploads, key=lambda e: e.at or ""):
        at = next((i for i, t in enumerate(out) if (t.at or "") > (entry.at or "")), len(out))
        out.insert(at, entry)
    return out


@router.post(
    "/v1/cases/{case_id}/attachments",
    status_code=status.HTTP_201_CREATED,
    response_model=Attachment,
    summary="Add a photo or document to a case (JPEG, PNG, WebP, PDF; 10 MB by default): "
    "whoever may act on it",
    responses={
        **UNSUPPORTED,
        **TOO_LARGE,
        404: {"description": "no such case in the caller's scope"},
    },
    form_limits={"max_files": 1, "max_fields": 3, "max_part_size": 64 * 1024},
)
async def add_attachment(
    case_id: str,
    state: State,
    caller: Caller,
    file: Annotated[UploadFile, File(description="the photo or document")],
    purpose: Annotated[
        Literal["evidence", "rectification", "document"],
        Form(description="evidence (现场照片), rectification (整改照片), document (材料)"),
    ] = "evidence",
    note: Annotated[str, Form(max_length=NOTE_MAX, description="what it shows")] = "",
) -> Attachment:
    data = await read_upload(file, state.settings.attachment_max_bytes)
    attachment = await state.peers.attachments.AddAttachment(
        apb.AddAttachmentRequest(
            actor=caller.actor(),
            case_id=case_id,
            data=data,
            filename=file.filename or "",
            declared_type=file.content_type or "",
            purpose=purpose,
            note=note,
        ),
        timeout=max(state.settings.rpc_timeout_seconds, 30),
    )
    return Attachment(**attachment_json(attachment, state, caller, caller.grid_id))


async def read_upload(file: UploadFile, limit: int, field: str = "file") -> bytes:
    """The uploaded file's bytes (at most ``limit``), its type checked by its first bytes: 413, 422
    (empty) or 415 (not an allowed type) naming the problem."""
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(
            413, f"{field}: the file is larger than {size_of(limit)}, the most an attachment may be"
        )
    try:
        media.check_type(data[:64], file.content_type or "")
    except media.Refused as refused:
        if refused.kind == "unsupported":
            raise HTTPException(
                status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, f"{field}: {refused.message}"
            ) from refused
        raise HTTPException(
            422, [{"loc": ["body", field], "msg": refused.message, "type": "value_error"}]
        ) from refused
    return data


@router.get(
    "/v1/cases/{case_id}/attachments",
    response_model=list[Attachment],
    summary="A case's photos and documents (and its events'), oldest first",
)
async def list_attachments(
    case_id: str,
    state: State,
    caller: Caller,
    purpose: Annotated[
        str | None, Query(max_length=500, description="Why photos' positions are read (audited)")
    ] = None,
) -> list[Attachment]:
    items = await of_case(state, caller, case_id)
    case = (
        await state.peers.fusion.GetCase(
            fpb.GetCaseRequest(case_id=case_id, scope=caller.scope()),
            timeout=state.settings.rpc_timeout_seconds,
        )
        if items
        else None
    )
    grid_id = case.case.grid_id if case is not None else ""
    return await shown_attachments(
        items, state, caller, grid_id=grid_id, what=f"attachments of case {case_id}", why=purpose
    )


def _served(content: apb.AttachmentContent, name: str) -> Response:
    disposition = "inline" if content.content_type.startswith("image/") else "attachment"
    return Response(
        content.data,
        media_type=content.content_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "private, max-age=300",
        },
    )


BYTES = {200: {"content": {t: {} for t in media.ALLOWED}, "description": "the file"}}


@router.get(
    "/v1/attachments/{attachment_id}",
    response_class=Response,
    responses={**BYTES, **json_answers(404)},
    summary="An attachment's bytes with their content type (images without their metadata)",
)
async def get_attachment(attachment_id: str, state: State, caller: Caller) -> Response:
    content = await state.peers.attachments.GetAttachment(
        apb.GetAttachmentRequest(actor=caller.actor(), attachment_id=attachment_id),
        timeout=max(state.settings.rpc_timeout_seconds, 30),
    )
    return _served(content, content.attachment.filename)


@router.get(
    "/v1/attachments/{attachment_id}/thumbnail",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}}, "description": "a JPEG of at most 320 px"},
        **json_answers(404),
    },
    summary="An image attachment's thumbnail (JPEG, at most 320 px); 404 for a PDF",
)
async def get_thumbnail(attachment_id: str, state: State, caller: Caller) -> Response:
    content = await state.peers.attachments.GetAttachment(
        apb.GetAttachmentRequest(actor=caller.actor(), attachment_id=attachment_id, thumbnail=True),
        timeout=state.settings.rpc_timeout_seconds,
    )
    return _served(content, f"thumb-{content.attachment.filename}.jpg")
