"""Attachments (附件) of cases and events: photos and documents kept in fusion's database.

The bytes go to GridFS (bucket ``attachments``: the clean file under the attachment's id, its
thumbnail under ``<id>.thumb``); one document per attachment in the collection ``attachments``
says what it is, whom it belongs to and who sent it. A file is taken only after
:func:`services.platform.media.prepare` recognised it by its content and, for an image,
re-encoded it without its metadata; the photo's EXIF position and time are kept as fields of the
document instead, and given only to :data:`LOCATION_ROLES`.

An attachment belongs to a case (``case_id``: sent to the case) or to an event (``department``,
``event_id``: sent with it, as an Open311 photo is, before fusion has placed the event). Who sees
it is who sees the case it belongs to now — the case itself, or the case its event joined —
by the one scope rule (:func:`services.platform.scope.sees_case`). An event's attachment whose
event has no case yet is seen by the county and by whoever sent it.

- adds to a case, and reads its attachments: whoever sees the case (its grid's staff, the
  centres above, a department while the case is handed to it);
- adds to an event (Open311's photo): a resident, the county, the event's own department;
- reads an event's attachment before the event has a case: the county and its sender.

The EXIF position and time go to the county, street and community centres and the grid's own
staff (the roles that see places, :data:`services.platform.scope.AREA_ROLES`), who see a case's
location detail; a department and a resident get ``location_withheld`` instead.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import uuid
from collections.abc import Mapping
from datetime import tzinfo
from typing import Any

import grpc
from gridfs import AsyncGridFSBucket
from gridfs.errors import NoFile
from gridfusion.field.v1 import attachments_pb2 as pb
from gridfusion.field.v1 import attachments_pb2_grpc as pb_grpc
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from services.platform import media
from services.platform.bus import event_key
from services.platform.clock import Clock, SystemClock
from services.platform.grpcserver import abort_invalid_argument
from services.platform.mongo import WRITE_CONCERN, ensure_indexes
from services.platform.scope import AREA_ROLES, Principal, sees_case

from .timestamps import set_time

COLLECTION = "attachments"
BUCKET = "attachments"
PURPOSES: tuple[str, ...] = ("evidence", "rectification", "document")
PURPOSE_LABELS = {"evidence": "现场照片", "rectification": "整改照片", "document": "材料"}
NOTE_MAX = 500
FILENAME_MAX = 200
# Who gets a photo's EXIF position and time: the roles that see places (and so a case's location).
LOCATION_ROLES: tuple[str, ...] = AREA_ROLES
# Who may send a file with an event (Open311's submitters), besides the event's own department.
EVENT_SENDERS = ("resident", "county")
# A file is at most this large here, whatever the gateway takes (gRPC carries 16 MB messages).
MAX_BYTES = 15 * 1024 * 1024
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


class Refused(Exception):
    """Why an attachment is not taken or not shown: ``code`` the gRPC status, ``field`` when a
    field is bad."""

    def __init__(self, code: grpc.StatusCode, message: str, field: str = "") -> None:
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


def clean_filename(name: str, content_type: str) -> str:
    """The file's own name without a path or control characters, bounded, with its type's
    extension."""
    base = (
        _UNSAFE.sub("", name.replace("\\", "/").rsplit("/", 1)[-1]).strip()[:FILENAME_MAX]
        or "attachment"
    )
    extension = media.EXTENSIONS[content_type]
    _stem, dot, given = base.rpartition(".")
    if dot and given.lower() in ({extension} | ({"jpeg"} if extension == "jpg" else set())):
        return base
    return f"{base}.{extension}"


def check_fields(purpose: str, note: str) -> tuple[str, list[tuple[str, str]]]:
    """The purpose (``evidence`` by default) and what is wrong with the fields, if anything."""
    errors = []
    purpose = purpose or "evidence"
    if purpose not in PURPOSES:
        errors.append(("purpose", f"one of {', '.join(PURPOSES)}"))
    if len(note) > NOTE_MAX:
        errors.append(("note", f"at most {NOTE_MAX} characters"))
    return purpose, errors


def to_proto(doc: Mapping[str, Any], reader: Principal) -> pb.Attachment:
    """An attachment as ``reader`` may see it: the EXIF position and time only for
    :data:`LOCATION_ROLES`."""
    out = pb.Attachment(
        attachment_id=doc["_id"],
        case_id=doc.get("case_id", ""),
        department=doc.get("department", ""),
        event_id=doc.get("event_id", ""),
        filename=doc["filename"],
        content_type=doc["content_type"],
        size=doc["size"],
        purpose=doc["purpose"],
        note=doc.get("note", ""),
        uploaded_by=doc["uploaded_by"],
        role=doc.get("role", ""),
        width=doc.get("width", 0),
        height=doc.get("height", 0),
        has_thumbnail=bool(doc.get("thumbnail_id")),
        sha256=doc.get("sha256", ""),
    )
    set_time(out.uploaded_at, doc["uploaded_at"])
    located = doc.get("position") is not None or doc.get("taken_at") is not None
    if located and reader.role in LOCATION_ROLES:
        if doc.get("position") is not None:
            out.position.lon, out.position.lat = doc["position"]["lon"], doc["position"]["lat"]
        set_time(out.taken_at, doc.get("taken_at"))
    elif located:
        out.location_withheld = True
    return out


class AttachmentStore:
    def __init__(self, db: AsyncDatabase, *, tz: tzinfo, clock: Clock | None = None) -> None:
        self.db = db
        self.attachments = db.get_collection(COLLECTION, write_concern=WRITE_CONCERN)
        self.cases = db["cases"]
        self.events = db["events"]
        self.files = AsyncGridFSBucket(db, bucket_name=BUCKET, write_concern=WRITE_CONCERN)
        self.tz = tz
        self.clock = clock or SystemClock()

    async def ensure_indexes(self) -> None:
        await ensure_indexes(
            self.db,
            {
                COLLECTION: [
                    IndexModel(
                        [("case_id", ASCENDING), ("uploaded_at", ASCENDING)], name="case_uploaded"
                    ),
                    IndexModel(
                        [("event_key", ASCENDING), ("uploaded_at", ASCENDING)],
                        name="event_uploaded",
                    ),
                ]
            },
        )

    async def case_in_sight(self, case_id: str, reader: Principal) -> dict[str, Any]:
        case = await self.cases.find_one({"_id": case_id}, {"timeline": 0})
        if case is None or not sees_case(reader, case):
            raise Refused(grpc.StatusCode.NOT_FOUND, f"no case {case_id!r} in your scope")
        return case

    async def add(self, sender: Principal, request: pb.AddAttachmentRequest) -> dict[str, Any]:
        """Check, clean and keep one file; the stored document (:class:`Refused` otherwise)."""
        owner: dict[str, Any]
        if request.case_id:
            case = await self.case_in_sight(request.case_id, sender)
            owner = {"case_id": case["_id"], "grid_id": case.get("grid_id", "")}
        elif request.department and request.event_id:
            if not (
                sender.role in EVENT_SENDERS
                or (sender.role == "department" and sender.department == request.department)
            ):
                raise Refused(
                    grpc.StatusCode.PERMISSION_DENIED,
                    f"role {sender.role!r} may not send a file with {request.department}'s event",
                )
            owner = {
                "department": request.department,
                "event_id": request.event_id,
                "event_key": event_key(request.department, request.event_id),
            }
        else:
            raise Refused(
                grpc.StatusCode.INVALID_ARGUMENT,
                "name the case, or the event's department and id",
                "case_id",
            )
        purpose, errors = check_fields(request.purpose, request.note)
        if errors:
            raise Refused(grpc.StatusCode.INVALID_ARGUMENT, errors[0][1], errors[0][0])
        if len(request.data) > MAX_BYTES:
            raise Refused(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"the file is larger than {MAX_BYTES // 2**20} MB",
                "file",
            )
        try:
            kept = await asyncio.to_thread(
                media.prepare, request.data, request.declared_type, tz=self.tz
            )
        except media.Refused as refused:
            raise Refused(grpc.StatusCode.INVALID_ARGUMENT, refused.message, "file") from refused
        attachment_id = f"att-{uuid.uuid4().hex}"
        filename = clean_filename(request.filename, kept.content_type)
        await self.files.upload_from_stream_with_id(
            attachment_id, filename, kept.data, metadata={"content_type": kept.content_type}
        )
        thumbnail_id = ""
        if kept.thumbnail is not None:
            thumbnail_id = f"{attachment_id}.thumb"
            await self.files.upload_from_stream_with_id(
                thumbnail_id,
                f"thumb-{filename}.jpg",
                kept.thumbnail,
                metadata={"content_type": media.JPEG},
            )
        doc = {
            "_id": attachment_id,
            **owner,
            "filename": filename,
            "content_type": kept.content_type,
            "size": len(kept.data),
            "sha256": hashlib.sha256(kept.data).hexdigest(),
            "purpose": purpose,
            "note": request.note.strip(),
            "uploaded_by": sender.username,
            "role": sender.role,
            "uploaded_at": self.clock.now(),
            "width": kept.width,
            "height": kept.height,
            "thumbnail_id": thumbnail_id,
            "position": {"lon": kept.position[0], "lat": kept.position[1]}
            if kept.position
            else None,
            "taken_at": kept.taken_at,
        }
        await self.attachments.insert_one(doc)
        return doc

    async def of_case(self, case: Mapping[str, Any]) -> list[dict[str, Any]]:
        """A case's attachments: its own, those of cases merged into it, and its events'."""
        ids = [case["_id"], *case.get("merged_from", [])]
        query = {
            "$or": [
                {"case_id": {"$in": ids}},
                {"event_key": {"$in": list(case.get("event_ids", []))}},
            ]
        }
        return [
            d
            async for d in self.attachments.find(query).sort(
                [("uploaded_at", ASCENDING), ("_id", ASCENDING)]
            )
        ]

    async def of_event(self, department: str, event_id: str) -> list[dict[str, Any]]:
        query = {"event_key": event_key(department, event_id)}
        return [
            d
            async for d in self.attachments.find(query).sort(
                [("uploaded_at", ASCENDING), ("_id", ASCENDING)]
            )
        ]

    async def owning_case(self, doc: Mapping[str, Any]) -> dict[str, Any] | None:
        """The case an attachment belongs to now: its own, or the one its event joined (None
        yet)."""
        case_id = doc.get("case_id")
        if not case_id and doc.get("event_key"):
            record = await self.events.find_one({"_id": doc["event_key"]}, {"case_id": 1})
            case_id = (record or {}).get("case_id")
        return await self.cases.find_one({"_id": case_id}, {"timeline": 0}) if case_id else None

    async def sees(self, reader: Principal, doc: Mapping[str, Any]) -> bool:
        case = await self.owning_case(doc)
        if case is not None:
            return sees_case(reader, case)
        return reader.role == "county" or (
            bool(reader.username) and reader.username == doc.get("uploaded_by")
        )

    async def get(self, attachment_id: str, reader: Principal) -> dict[str, Any]:
        doc = await self.attachments.find_one({"_id": attachment_id})
        if doc is None or not await self.sees(reader, doc):
            raise Refused(
                grpc.StatusCode.NOT_FOUND, f"no attachment {attachment_id!r} in your scope"
            )
        return doc

    async def read(self, doc: Mapping[str, Any], *, thumbnail: bool = False) -> tuple[bytes, str]:
        """The bytes of an attachment or of its thumbnail, with their type."""
        if thumbnail and not doc.get("thumbnail_id"):
            raise Refused(
                grpc.StatusCode.NOT_FOUND,
                f"attachment {doc['_id']} ({doc['content_type']}) has no thumbnail",
            )
        file_id = doc["thumbnail_id"] if thumbnail else doc["_id"]
        try:
            stream = await self.files.open_download_stream(file_id)
        except NoFile as exc:
            raise Refused(
                grpc.StatusCode.NOT_FOUND, f"the bytes of attachment {doc['_id']} are missing"
            ) from exc
        return await stream.read(), media.JPEG if thumbnail else doc["content_type"]


class AttachmentServicer(pb_grpc.AttachmentServiceServicer):
    def __init__(self, store: AttachmentStore) -> None:
        self.store = store

    @staticmethod
    async def _refuse(context, refused: Refused) -> None:
        if refused.code == grpc.StatusCode.INVALID_ARGUMENT and refused.field:
            await abort_invalid_argument(context, [(refused.field, refused.message)])
        await context.abort(refused.code, refused.message)

    async def AddAttachment(self, request: pb.AddAttachmentRequest, context) -> pb.Attachment:
        sender = Principal.of_actor(request.actor)
        try:
            doc = await self.store.add(sender, request)
        except Refused as refused:
            await self._refuse(context, refused)
        return to_proto(doc, sender)

    async def ListAttachments(
        self, request: pb.ListAttachmentsRequest, context
    ) -> pb.ListAttachmentsResponse:
        reader = Principal.of_actor(request.actor)
        try:
            if request.case_id:
                docs = await self.store.of_case(
                    await self.store.case_in_sight(request.case_id, reader)
                )
            elif request.department and request.event_id:
                docs = [
                    d
                    for d in await self.store.of_event(request.department, request.event_id)
                    if await self.store.sees(reader, d)
                ]
            else:
                raise Refused(
                    grpc.StatusCode.INVALID_ARGUMENT,
                    "name the case, or the event's department and id",
                    "case_id",
                )
        except Refused as refused:
            await self._refuse(context, refused)
        return pb.ListAttachmentsResponse(items=[to_proto(d, reader) for d in docs])

    async def GetAttachment(
        self, request: pb.GetAttachmentRequest, context
    ) -> pb.AttachmentContent:
        reader = Principal.of_actor(request.actor)
        try:
            doc = await self.store.get(request.attachment_id, reader)
            data, content_type = await self.store.read(doc, thumbnail=request.thumbnail)
        except Refused as refused:
            await self._refuse(context, refused)
        return pb.AttachmentContent(
            attachment=to_proto(doc, reader), data=data, content_type=content_type
        )
