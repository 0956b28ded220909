"""Open311 GeoReport v2 under ``/open311/v2/``, in JSON and XML.

- ``discovery.{json,xml}``: where the endpoint is and what it speaks;
- ``services.{json,xml}``: the shared taxonomy, one service per ``family.subtype``;
- ``services/{service_code}.{json,xml}``: a service definition; a category 综治 has a native
  event type for (a dispute, a safety hazard, public order) lists that type's details as
  attributes (``gateway/api/open311_attributes.py``), and its service has ``metadata: true``;
- ``POST requests.{json,xml}``: a service request becomes one event of comprehensive governance
  (综治) — of the service's native type with its ``attribute[code]`` values as details, else
  ``incident.reported`` — submitted through that department's service so every delivery
  guarantee holds; its ``service_request_id`` is the event id (``o311-…``).
  The requester's name, email and phone are not forwarded: the event needs none of them;
- ``GET requests/{service_request_id}.{json,xml}``: the request mapped onto its event and case:
  ``agency_responsible`` = the department handling it, ``expected_datetime`` = the case's
  ``due_at``, ``status`` = ``open`` | ``closed``.

Authentication: send the access token from ``POST /v1/auth/token`` as ``Authorization: Bearer``
(preferred: a header is not written into access logs or browser histories); GeoReport's own
``api_key`` (form field or query string) is accepted when no header is sent, and is never
logged. Residents, the county and comprehensive governance submit; any account looks up
requests submitted here. With ``GATEWAY_OPEN311_PUBLIC_READ`` (on in local mode, off by default)
anyone may read requests without a key, as GeoReport's public feeds are read: every request of the
county, descriptions masked, no contact fields. Bad input answers 422 naming each bad field. A description's phone
and ID numbers are masked unless the grid's own staff reads it (audited); characters XML 1.0
cannot carry are dropped from the XML form.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal
from xml.etree import ElementTree as ET

import grpc
from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile, status
from fastapi.responses import JSONResponse, Response
from google.protobuf.timestamp_pb2 import Timestamp
from gridfusion.departments.v1 import departments_pb2 as dpb
from gridfusion.field.v1 import attachments_pb2 as apb
from gridfusion.fusion.v1 import fusion_pb2 as fpb
from pydantic import BaseModel, ValidationError

from services.platform.events import EventIn, details_of
from services.platform.scope import sees_place
from services.platform.vocabulary import CATEGORY_LABELS, DEPARTMENT_LABELS, FAMILIES, SUBTYPES

from ...auth import Principal
from ...errors import field_errors
from ...privacy import grid_staff, mask_name, mask_phone, mask_text, personal_data_in, record_read
from ..deps import GatewayState, State, authenticate
from ..open311_attributes import DEFINITIONS, details_from, form_attributes
from ..problems import SIGNED_IN, answers, link, links
from .attachments import event_media_url, read_upload

router = APIRouter(prefix="/open311/v2", tags=["Open311 GeoReport v2"], responses=answers(*SIGNED_IN, 404, 413))


class Service(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: str
    keywords: str
    group: str


class RequestCreated(BaseModel):
    service_request_id: str
    service_notice: str
    account_id: str | None


class ServiceRequest(BaseModel):
    jurisdiction_id: str
    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str
    service_name: str
    service_code: str
    description: str
    agency_responsible: str
    service_notice: str
    requested_datetime: str | None
    updated_datetime: str | None
    expected_datetime: str | None
    address: str
    address_id: str
    zipcode: str
    lat: float | None
    long: float | None
    media_url: str
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None


def _doc(model, description: str) -> dict:
    """JSON schema of the .json form; the .xml form carries the same fields as elements."""
    return {200: {"model": model, "description": description, "content": {"text/xml": {}}}}

Format = Literal["json", "xml"]
DEPARTMENT = "comprehensive_governance"
# The reporter's contact: kept with the request, masked for all but the grid's own staff.
CONTACT_MAX = 100
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9][0-9 \-]{4,19}$")
CONTACT_RULES = {"first_name": "a name", "last_name": "a name", "email": "an e-mail address",
                 "phone": "a phone number (digits, spaces, hyphens, a leading +)"}
# The jurisdiction this endpoint serves: Ningyang's administrative code, and its name.
JURISDICTIONS = ("370921", "ningyang")
REQUEST_PREFIX = "o311-"
SUBMITTERS = ("resident", "county", "department")
CHANGESET = "2026-11-27T00:00:00+08:00"


def services_list(with_attributes: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """The services; ``with_attributes``: the codes whose definitions list attributes."""
    out = []
    for family, subtypes in SUBTYPES.items():
        for subtype in subtypes:
            code = f"{family}.{subtype}"
            out.append({
                "service_code": code,
                "service_name": f"{FAMILIES[family]}·{CATEGORY_LABELS[code]}",
                "description": f"{FAMILIES[family]} ({family}): {subtype.replace('_', ' ')}",
                "metadata": code in with_attributes,
                "type": "realtime",
                "keywords": f"{family},{subtype}",
                "group": family,
            })
    return out


SERVICE_CODES = {Service(**s).service_code for s in services_list()}


# Characters XML 1.0 cannot carry at all, not even escaped: C0 controls but tab, LF and CR,
# lone surrogates, U+FFFE and U+FFFF. ElementTree escapes & < > but writes these through.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: object) -> str:
    """A value as XML character data: characters XML cannot carry are dropped (the JSON form
    keeps them, escaped)."""
    return XML_INVALID.sub("", str(value))


def to_xml(root: str, item: str, items: list[dict[str, Any]]) -> str:
    """GeoReport's XML: a root element of repeated items, one child element per field."""
    top = ET.Element(root)
    for entry in items:
        node = ET.SubElement(top, item)
        for key, value in entry.items():
            child = ET.SubElement(node, key)
            if isinstance(value, list):
                for v in value:
                    ET.SubElement(child, "format" if key == "formats" else "item").text = xml_text(v)
            elif isinstance(value, bool):
                child.text = "true" if value else "false"
            elif value is not None:
                child.text = xml_text(value)
    return '<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="unicode")


def answer(fmt: Format, root: str, item: str, items: list[dict[str, Any]], code: int = 200) -> Response:
    if fmt == "xml":
        return Response(to_xml(root, item, items), media_type="text/xml; charset=utf-8", status_code=code)
    return JSONResponse(items, status_code=code)


# Who reads requests without a key when GATEWAY_OPEN311_PUBLIC_READ is on: sees no one's contact,
# and descriptions masked.
PUBLIC = Principal(username="open311:public", role="public")


async def reader_of(state: GatewayState, request: Request, api_key: str | None) -> Principal:
    """The caller of a read: a signed-in account, or :data:`PUBLIC` when no key is sent and the
    county publishes its requests."""
    if state.settings.open311_public_read and not api_key and not request.headers.get("authorization"):
        return PUBLIC
    return await caller_of(state, request, api_key)


async def caller_of(state: GatewayState, request: Request, api_key: str | None) -> Principal:
    """The caller, by ``Authorization: Bearer`` first; ``api_key`` (GeoReport's own form) when no
    header is sent. A key in a query string is never logged (see ``gateway.redaction``)."""
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else api_key
    if not token:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "api_key (an access token) is required",
                            headers={"WWW-Authenticate": "Bearer"})
    return await authenticate(state, token, path=request.url.path)


@router.get("/discovery.{fmt}", responses={200: {"description": "The endpoint and its formats", "content": {"text/xml": {}}}},
             summary="GeoReport v2 discovery")
async def discovery(fmt: Format, request: Request) -> Response:
    base = str(request.base_url).rstrip("/") + "/open311/v2"
    doc = {
        "changeset": CHANGESET,
        "contact": "宁阳县网格化服务管理中心 Ningyang county grid service-management centre",
        "key_service": "POST /v1/auth/token issues the api_key",
        "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": base, "changeset": CHANGESET,
                       "type": "production", "formats": ["application/json", "text/xml"]}],
    }
    if fmt == "xml":
        top = ET.Element("discovery")
        for key in ("changeset", "contact", "key_service"):
            ET.SubElement(top, key).text = doc[key]
        endpoints = ET.SubElement(top, "endpoints")
        for e in doc["endpoints"]:
            node = ET.SubElement(endpoints, "endpoint")
            for key in ("specification", "url", "changeset", "type"):
                ET.SubElement(node, key).text = e[key]
            formats = ET.SubElement(node, "formats")
            for f in e["formats"]:
                ET.SubElement(formats, "format").text = f
        return Response('<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="unicode"),
                        media_type="text/xml; charset=utf-8")
    return JSONResponse(doc)


@router.get("/services.{fmt}", responses=_doc(list[Service], "The services"), summary="Service list: the shared taxonomy, one service per family.subtype")
async def services(fmt: Format, state: State) -> Response:
    typed = await DEFINITIONS.get(state)
    return answer(fmt, "services", "service", services_list(frozenset(typed)))


@router.get("/services/{service_code}.{fmt}",
            summary="Service definition: the attributes a request to this service takes (the details of 综治's "
                    "native event type for the category; none when it has none)")
async def service_definition(service_code: str, fmt: Format, state: State) -> Response:
    if service_code not in SERVICE_CODES:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no service {service_code!r}; see services.{fmt}")
    service = (await DEFINITIONS.get(state)).get(service_code)
    attributes = [a.as_dict(i) for i, a in enumerate(service.attributes if service else (), start=1)]
    if fmt == "xml":
        top = ET.Element("service_definition")
        ET.SubElement(top, "service_code").text = service_code
        listed = ET.SubElement(top, "attributes")
        for attribute in attributes:
            node = ET.SubElement(listed, "attribute")
            for key in ("variable", "code", "datatype", "required", "datatype_description", "order", "description"):
                value = attribute[key]
                ET.SubElement(node, key).text = str(value).lower() if isinstance(value, bool) else xml_text(value)
            values = ET.SubElement(node, "values")
            for v in attribute["values"]:
                item = ET.SubElement(values, "value")
                ET.SubElement(item, "key").text = v["key"]
                ET.SubElement(item, "name").text = v["name"]
        return Response('<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="unicode"),
                        media_type="text/xml; charset=utf-8")
    return JSONResponse({"service_code": service_code, "attributes": attributes})


def field_error(name: str, msg: str) -> dict[str, Any]:
    return {"loc": ["body", name], "msg": msg, "type": "value_error"}


@router.post("/requests.{fmt}", status_code=201,
             responses={201: {"model": list[RequestCreated], "description": "The request's id", "content": {"text/xml": {}},
                              **links(Request=link("get_request_open311_v2_requests__service_request_id___fmt__get",
                                                   "The request with its status, in the same format",
                                                   service_request_id="$response.body#/0/service_request_id",
                                                   fmt="$request.path.fmt"))}},
             summary="Submit a service request (an incident.reported event of 综治), with a photo (`media`, at most 10 MB with a bearer token) or a `media_url`",
             form_limits={"max_files": 1, "max_fields": 50, "max_part_size": 64 * 1024})
async def submit_request(
    fmt: Format,
    request: Request,
    state: State,
    service_code: Annotated[str, Form()],
    description: Annotated[str, Form()] = "",
    lat: Annotated[str | None, Form()] = None,
    long: Annotated[str | None, Form()] = None,
    address_string: Annotated[str | None, Form()] = None,
    api_key: Annotated[str | None, Form()] = None,
    first_name: Annotated[str | None, Form()] = None,
    last_name: Annotated[str | None, Form()] = None,
    email: Annotated[str | None, Form()] = None,
    phone: Annotated[str | None, Form()] = None,
    media_url: Annotated[str | None, Form()] = None,
    jurisdiction_id: Annotated[str | None, Form()] = None,
    media: Annotated[UploadFile | None, File(description="a photo (JPEG, PNG, WebP) or a PDF: kept with the "
                                                         "request's event and shown on its case")] = None,
) -> Response:
    check_jurisdiction(jurisdiction_id)
    caller = await caller_of(state, request, api_key)
    if caller.role not in SUBMITTERS or (caller.role == "department" and caller.department != DEPARTMENT):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"role '{caller.role}' may not submit service requests")
    errors = []
    if service_code not in SERVICE_CODES:
        errors.append(field_error("service_code", f"unknown service_code {service_code!r}; see services.{fmt}"))
    location: dict[str, Any] | None = None
    if lat is not None or long is not None:
        try:
            location = {"lon": float(long or ""), "lat": float(lat or "")}
        except ValueError:
            errors.append(field_error("lat", "lat and long must both be numbers"))
    elif address_string:
        location = {"address": address_string}
    else:
        errors.append(field_error("lat", "a location is required: lat and long, or address_string"))
    if not description.strip():
        errors.append(field_error("description", "description is required"))
    reporter = {k: v.strip() for k, v in (("first_name", first_name), ("last_name", last_name), ("email", email),
                                          ("phone", phone)) if v and v.strip()}
    for name, value in reporter.items():
        if len(value) > CONTACT_MAX or (name == "email" and not EMAIL.match(value)) or (
                name == "phone" and not PHONE.match(value)):
            errors.append(field_error(name, f"{CONTACT_RULES[name]}, at most {CONTACT_MAX} characters"))
    if media_url and (len(media_url) > 2000 or not media_url.startswith(("https://", "http://"))):
        errors.append(field_error("media_url", "an http(s) URL of at most 2,000 characters"))
    given, malformed = form_attributes(await request.form())
    errors.extend(field_error(key, "an attribute is sent as attribute[code]") for key in malformed)
    service = (await DEFINITIONS.get(state)).get(service_code) if service_code in SERVICE_CODES else None
    details, problems = details_from(service, given)
    errors.extend(field_error(name, message) for name, message in problems)
    if errors:
        raise HTTPException(422, errors)
    event_id = f"{REQUEST_PREFIX}{uuid.uuid4().hex[:20]}"
    raw = {"id": event_id, "type": service.event_type if service else "incident.reported",
           "time": datetime.now(UTC).astimezone(state.tz).isoformat(),
           "category": service_code, "summary": description.strip(), "severity": "medium", "location": location}
    if caller.role == "resident":  # the account that may rate the closure (POST /v1/cases/{id}/rating)
        reporter["account"] = caller.username
    if reporter or media_url or details:  # kept with the event; contacts shown masked but to the grid's own staff
        raw["details"] = {**details, **({"reporter": reporter} if reporter else {}),
                          **({"media_url": media_url} if media_url else {})}
    try:
        event = EventIn.model_validate(raw)
    except ValidationError as exc:
        names = {"summary": "description", "location": "lat"}
        raise HTTPException(422, [field_error(names.get(str(e["loc"][0]), str(e["loc"][0])), e["msg"])
                                  for e in exc.errors(include_url=False)]) from exc
    if media is not None and media.filename:  # kept first, under the event's key: a refused file leaves no request
        await keep_media(state, caller, event_id, media)
    result = await state.peers.departments[DEPARTMENT].SubmitEvent(
        dpb.SubmitEventRequest(event=event.to_proto(DEPARTMENT)), timeout=state.settings.rpc_timeout_seconds
    )
    notice = "已受理，转网格处理 accepted: handed to the grid through 综治 comprehensive governance"
    return answer(fmt, "service_requests", "request",
                  [{"service_request_id": result.event_id, "service_notice": notice, "account_id": None}], code=201)


async def keep_media(state: GatewayState, caller: Principal, event_id: str, media: UploadFile) -> None:
    """The request's photo, checked (413, 415, 422 naming ``media``) and kept with its event."""
    data = await read_upload(media, state.settings.attachment_max_bytes, "media")
    try:
        await state.peers.attachments.AddAttachment(apb.AddAttachmentRequest(
            actor=caller.actor(), department=DEPARTMENT, event_id=event_id, data=data, filename=media.filename or "",
            declared_type=media.content_type or "", purpose="evidence"), timeout=max(state.settings.rpc_timeout_seconds, 30))
    except grpc.aio.AioRpcError as exc:
        if exc.code() != grpc.StatusCode.INVALID_ARGUMENT:
            raise
        raise HTTPException(422, [field_error("media", e["msg"]) for e in field_errors(exc) or [{"msg": exc.details()}]]) \
            from exc


async def request_record(state: GatewayState, request_id: str, caller: Principal, *,
                         scoped: bool = False, base_url: str = "") -> dict[str, Any] | None:
    """The request as GeoReport shows it. Its description is masked (phone and ID numbers) unless
    the grid's own staff asks, and that read is audited. ``scoped``: None unless the caller sees
    the request's grid (a list shows its own area's only)."""
    timeout = state.settings.rpc_timeout_seconds
    try:
        fused = await state.peers.fusion.GetEvent(fpb.GetEventRequest(event_id=request_id, department=DEPARTMENT),
                                                  timeout=timeout)
    except grpc.aio.AioRpcError as exc:
        if exc.code() != grpc.StatusCode.NOT_FOUND:
            raise
        fused = None
    if fused is None:
        try:
            record = await state.peers.departments[DEPARTMENT].GetEvent(dpb.GetEventRequest(event_id=request_id),
                                                                        timeout=timeout)
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"no service request {request_id!r}") from exc
            raise
        event, case = record.event, None
        notes = "已受理，待融合 accepted, being placed on its grid"
    else:
        event, case = fused.event, None
        notes = "无法定位，已转人工 could not be placed on a grid: " + fused.reason if fused.status == "dead_lettered" else ""
        if fused.case_id:
            # Every account may follow a request it knows the id of, but sees only the case's status,
            # level, due time and agency here: read with the county's scope, nothing more leaves.
            case = (await state.peers.fusion.GetCase(
                fpb.GetCaseRequest(case_id=fused.case_id, scope=fpb.Scope(role="county")), timeout=timeout)).case
            notes = f"case {case.case_id}: {case.status} at {case.level} level"
    grid_id = fused.grid_id if fused is not None else ""
    details = details_of(event)
    if scoped and caller.role != "department" and not sees_place(caller, (await state.grids()).get(grid_id, fpb.Grid())):
        return None
    unmasked = grid_staff(caller, grid_id)
    contact = {} if caller is PUBLIC else details.get("reporter") or {}
    if unmasked and contact:
        await record_read(state, caller, what=f"Open311 request {request_id} (the reporter's contact)", why=None,
                          grid_id=grid_id, records=1)
    if unmasked and personal_data_in(event.summary):
        await record_read(state, caller, what=f"Open311 request {request_id} (phone and ID numbers in its description)",
                          why=None, grid_id=grid_id, records=1)
    point = event.location.point if event.location.WhichOneof("kind") == "point" else None
    closed = case is not None and case.status in ("resolved", "closed")
    agency = (case.handed_to if case is not None and case.handed_to else event.department) or DEPARTMENT
    return {
        "jurisdiction_id": JURISDICTIONS[0],
        "service_request_id": request_id,
        "status": "closed" if closed else "open",
        "status_notes": notes,
        "service_name": next((s["service_name"] for s in services_list() if s["service_code"] == event.category), ""),
        "service_code": event.category,
        "description": event.summary if unmasked else mask_text(event.summary)[0],
        "agency_responsible": f"{DEPARTMENT_LABELS.get(agency, agency)} {agency}",
        "service_notice": "",
        "requested_datetime": state.iso(event.time),
        "updated_datetime": state.iso(case.updated_at) if case is not None else state.iso(event.accepted_at),
        "expected_datetime": state.iso(case.due_at) if case is not None else None,
        "address": event.location.address if event.location.WhichOneof("kind") == "address" else "",
        "address_id": "",
        "zipcode": "271400",
        "lat": point.lat if point else None,
        "long": point.lon if point else None,
        "media_url": await event_media_url(state, DEPARTMENT, request_id, base_url) or details.get("media_url", ""),
        "first_name": _shown(contact.get("first_name"), unmasked, mask_name),
        "last_name": _shown(contact.get("last_name"), unmasked, mask_name),
        "email": _shown(contact.get("email"), unmasked, mask_email),
        "phone": _shown(contact.get("phone"), unmasked, mask_phone),
    }


def _shown(value: str | None, unmasked: bool, mask) -> str | None:
    if not value:
        return None
    return value if unmasked else mask(value)


def mask_email(email: str) -> str:
    """``lixiulan@example.cn`` → ``l*******@example.cn``."""
    user, _, domain = email.partition("@")
    return f"{user[:1]}{'*' * max(len(user) - 1, 1)}@{domain}"


LIST_DEFAULT_DAYS = 90
LIST_MAX = 200
# Who may list requests: the staff of an area (each sees its own grids'), and the department
# that takes them in; a resident follows its own by id.
LISTERS = ("county", "street", "community", "secretary", "worker", "department")


def _when(value: str | None, name: str, tz) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)  # Python 3.11 reads a trailing Z too
    except ValueError as exc:
        raise HTTPException(422, [field_error(name, "a date and time in ISO 8601, e.g. 2026-12-01T00:00:00+08:00")]) \
            from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


@router.get("/requests.{fmt}", responses=_doc(list[ServiceRequest], "The requests"),
            summary="Service requests: those named (service_request_id, comma-separated), else those requested "
                    "between start_date and end_date (default: the last 90 days), newest first, at most 200; "
                    "status and service_code narrow them. Staff see their own area's")
async def list_requests(
    fmt: Format, request: Request, state: State, api_key: str | None = None,
    service_request_id: Annotated[str | None, Query(max_length=5000)] = None,
    service_code: str | None = None, start_date: str | None = None, end_date: str | None = None,
    status_: Annotated[Literal["open", "closed"] | None, Query(alias="status")] = None,
    jurisdiction_id: str | None = None,
) -> Response:
    check_jurisdiction(jurisdiction_id)
    caller = await reader_of(state, request, api_key)
    if caller is not PUBLIC and caller.role not in LISTERS or (caller.role == "department" and caller.department != DEPARTMENT):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"role '{caller.role}' may not list service requests; "
                                                       "follow one by its id")
    ids = [i.strip() for i in (service_request_id or "").split(",") if i.strip()]
    if len(ids) > LIST_MAX:
        raise HTTPException(422, [field_error("service_request_id", f"at most {LIST_MAX} ids")])
    end = _when(end_date, "end_date", state.tz)
    start = _when(start_date, "start_date", state.tz)
    if not ids and start is None:
        start = (end or datetime.now(state.tz)) - timedelta(days=LIST_DEFAULT_DAYS)
    since, until = Timestamp(), Timestamp()
    if start is not None:
        since.FromDatetime(start)
    if end is not None:
        until.FromDatetime(end)
    listed = await state.peers.departments[DEPARTMENT].ListEvents(
        dpb.ListEventsRequest(id_prefix=REQUEST_PREFIX, event_ids=ids, limit=LIST_MAX,
                              since=since if start is not None else None, until=until if end is not None else None),
        timeout=state.settings.rpc_timeout_seconds)
    wanted = [r.event.id for r in listed.items if not service_code or r.event.category == service_code]
    gate = asyncio.Semaphore(16)

    async def one(request_id: str) -> dict[str, Any]:
        async with gate:
            return await request_record(state, request_id, caller, scoped=caller is not PUBLIC,
                                        base_url=str(request.base_url))

    records = [r for r in await asyncio.gather(*(one(i) for i in wanted))
               if r is not None and (not status_ or r["status"] == status_)]
    return answer(fmt, "service_requests", "request", [ServiceRequest(**r).model_dump() for r in records])


def check_jurisdiction(jurisdiction_id: str | None) -> None:
    """GeoReport's optional ``jurisdiction_id``: this endpoint serves one, Ningyang's."""
    if jurisdiction_id and jurisdiction_id not in JURISDICTIONS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no jurisdiction {jurisdiction_id!r} here: this endpoint "
                                                       f"serves {JURISDICTIONS[0]} ({JURISDICTIONS[1]})")


@router.get("/requests/{service_request_id}.{fmt}", responses=_doc(list[ServiceRequest], "The request"), summary="A service request with its status, agency and expected time")
async def get_request(service_request_id: str, fmt: Format, request: Request, state: State,
                      api_key: str | None = None, jurisdiction_id: str | None = None) -> Response:
    check_jurisdiction(jurisdiction_id)
    caller = await reader_of(state, request, api_key)
    if not service_request_id.startswith(REQUEST_PREFIX):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no service request {service_request_id!r}")
    record = ServiceRequest(**await request_record(state, service_request_id, caller, base_url=str(request.base_url)))  # the documented shape, checked
    return answer(fmt, "service_requests", "request", [record.model_dump()])
