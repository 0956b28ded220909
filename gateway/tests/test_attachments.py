"""The gateway's side of attachments: uploads placed in a case's timeline by time, a note's phone
numbers masked for all but the grid's own staff, the optional rectification rule before closing,
and the check of a file's first bytes that answers 415 before anything is sent on."""

from __future__ import annotations

import asyncio
import io
from types import SimpleNamespace

import pytest
from fastapi import HTTPException, UploadFile
from google.protobuf.timestamp_pb2 import Timestamp
from gridfusion.field.v1 import attachments_pb2 as apb

from gateway.api.models import TimelineEntry
from gateway.api.routes import attachments as routes
from gateway.auth import Principal

pytestmark = pytest.mark.unit


def entry(at: str, action: str) -> TimelineEntry:
    return TimelineEntry(
        at=at,
        action=action,
        actor="x",
        role="worker",
        from_status=None,
        to_status=None,
        level=None,
        note=None,
        event_id=None,
    )


class Attachments:
    """The attachment service as the gateway calls it, answering a fixed list."""

    def __init__(self, items: list[apb.Attachment]) -> None:
        self.items = items

    async def ListAttachments(self, request, timeout=None):
        return apb.ListAttachmentsResponse(items=self.items)


def state_with(items: list[apb.Attachment]) -> SimpleNamespace:
    return SimpleNamespace(
        peers=SimpleNamespace(attachments=Attachments(items)),
        settings=SimpleNamespace(rpc_timeout_seconds=5),
        iso=lambda ts, present=True: None,
    )


def test_uploads_go_into_the_timeline_by_time_and_the_loops_own_order_is_kept():
    loop = [
        entry("2026-12-01T09:00:00+08:00", "reported"),
        entry("2026-12-01T11:00:00+08:00", "accepted"),
        entry("2026-12-01T10:00:00+08:00", "correlated"),
    ]  # fusion's order, even where its times are not
    uploads = [
        entry("2026-12-01T12:00:00+08:00", "attach"),
        entry("2026-12-01T10:30:00+08:00", "attach"),
    ]
    merged = routes.with_uploads(loop, uploads)
    assert [e.action for e in merged] == ["reported", "attach", "accepted", "correlated", "attach"]
    assert [e.at for e in merged if e.action != "attach"] == [e.at for e in loop]


def test_a_notes_phone_number_is_masked_but_for_the_grids_own_staff():
    a = apb.Attachment(
        attachment_id="att-1",
        filename="a.jpg",
        content_type="image/jpeg",
        size=1,
        purpose="evidence",
        note="联系电话13800138000",
        uploaded_by="worker-G1",
        role="worker",
        has_thumbnail=True,
    )
    state = state_with([])
    own = routes.attachment_json(a, state, Principal("sec-G1", "secretary", grid_id="G1"), "G1")
    other = routes.attachment_json(a, state, Principal("admin", "county"), "G1")
    assert own["note"] == "联系电话13800138000" and other["note"] == "联系电话138****8000"
    assert other["thumbnail_url"] == "/v1/attachments/att-1/thumbnail" and other["position"] is None


def test_closing_may_require_a_rectification_photo():
    caller = Principal("sec-G1", "secretary", grid_id="G1")
    evidence = apb.Attachment(attachment_id="a", content_type="image/jpeg", purpose="evidence")
    document = apb.Attachment(
        attachment_id="b", content_type="application/pdf", purpose="rectification"
    )
    photo = apb.Attachment(
        attachment_id="c",
        content_type="image/webp",
        purpose="rectification",
        uploaded_at=Timestamp(seconds=1),
    )
    with pytest.raises(HTTPException) as refused:
        asyncio.run(routes.require_rectification(state_with([evidence, document]), caller, "C1"))
    assert (
        refused.value.status_code == 409
        and "rectification photo (整改照片)" in refused.value.detail
    )
    asyncio.run(
        routes.require_rectification(state_with([evidence, photo]), caller, "C1")
    )  # no refusal


@pytest.mark.parametrize(
    "data,code,named",
    [
        (b"", 422, "empty"),
        (b"GIF89a....", 415, "GIF image"),
        (b"x" * 2048, 413, "larger than 1 KB"),
    ],
)
def test_a_file_is_refused_by_its_first_bytes_and_its_size_naming_the_field(data, code, named):
    upload = UploadFile(io.BytesIO(data), filename="a.jpg")
    with pytest.raises(HTTPException) as refused:
        asyncio.run(routes.read_upload(upload, 1024, "media"))
    assert refused.value.status_code == code and named in str(refused.value.detail)
    assert "media" in str(refused.value.detail)
