"""``/v1/reference``: the county's grids, households and party members as versions — import
(multipart upload, answered with the validation report), versions, rollback, export."""

from __future__ import annotations

import io
import zipfile
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, HTTPException, Query, UploadFile, status
from fastapi.responses import JSONResponse, Response
from gridfusion.reference.v1 import reference_pb2 as rpb

from services.platform.transfer import import_chunks

from ...auth import Principal
from ...limits import REFERENCE_UPLOAD
from ..deps import Caller, GatewayState, State, require_roles
from ..models import ImportReport, ReferenceVersion, ReferenceVersions
from ..problems import SIGNED_IN, answers

router = APIRouter(prefix="/v1/reference", tags=["reference data"], responses=answers(*SIGNED_IN, 404, 409, 413))

County = Annotated[Principal, Depends(require_roles("county"))]
EXCHANGE_FILES = ("grids.geojson", "households.csv", "households.xlsx", "party_members.csv", "party_members.xlsx")
MAX_UPLOAD = REFERENCE_UPLOAD  # the body limit of this route (gateway.limits) adds 1 MB for the form


def version_json(v: rpb.ReferenceVersion, state: GatewayState) -> ReferenceVersion:
    return ReferenceVersion(
        version=v.version, source=v.source, created_at=state.iso(v.created_at), created_by=v.created_by,
        counts={f.name: getattr(v.counts, f.name) for f in rpb.Counts.DESCRIPTOR.fields}, current=v.current,
        activated_at=state.iso(v.activated_at), activated_by=v.activated_by or None, crs=v.crs or "wgs84",
        warnings=v.warnings,
    )


async def _as_zip(files: list[UploadFile]) -> bytes:
    """One uploaded .zip as it is, or the exchange files (by their names) zipped together."""
    if len(files) == 1 and (files[0].filename or "").lower().endswith(".zip"):
        data = await files[0].read(MAX_UPLOAD + 1)
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise HTTPException(422, f"{files[0].filename} is not a zip archive")
        return data
    buffer = io.BytesIO()
    seen = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for upload in files:
            name = (upload.filename or "").rsplit("/", 1)[-1]
            if name not in EXCHANGE_FILES:
                raise HTTPException(422, f"unexpected file {name!r}: upload one .zip, or files named "
                                         f"{', '.join(EXCHANGE_FILES)}")
            if name in seen:
                raise HTTPException(422, f"{name} was uploaded twice")
            seen.add(name)
            archive.writestr(name, await upload.read(MAX_UPLOAD + 1))
    return buffer.getvalue()


@router.post(
    "/imports", response_model=ImportReport,
    responses={201: {"model": ImportReport, "description": "applied: the new version is current"},
               200: {"model": ImportReport, "description": "a dry run that found no error"},
               422: {"model": ImportReport, "description": "refused (errors, or warnings not accepted): nothing changed"}},
    summary="Import a county's grids, households and party members (the exchange format) as a new version",
    form_limits={"max_files": len(EXCHANGE_FILES), "max_fields": 0},
)
async def import_reference(
    state: State,
    caller: County,
    files: Annotated[list[UploadFile], File(description="one .zip of the folder, or grids.geojson, "
                                                        "households.csv|xlsx and party_members.csv|xlsx")],
    crs: Annotated[Literal["wgs84", "gcj02", "bd09"], Query(description="datum of the coordinates")] = "wgs84",
    dry_run: bool = False,
    accept_warnings: bool = False,
) -> JSONResponse:
    data = await _as_zip(files)
    if len(data) > MAX_UPLOAD:
        raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, "the upload is larger than 200 MB")
    source = ", ".join(f.filename or "upload" for f in files)[:200]
    options = rpb.ImportOptions(crs=crs, dry_run=dry_run, accept_warnings=accept_warnings, actor=caller.username,
                                source=source)
    report: rpb.ImportReport = await state.peers.reference.ImportReference(import_chunks(data, options), timeout=600)
    body = ImportReport(
        applied=report.applied, version=report.version or None, errors=report.errors, warnings=report.warnings,
        crs=report.crs, counts={f.name: getattr(report.counts, f.name) for f in rpb.Counts.DESCRIPTOR.fields},
        problems=[{"severity": p.severity, "code": p.code, "message": p.message, "file": p.file or None,
                   "row": p.row or None, "ids": list(p.ids)} for p in report.problems],
    )
    if report.applied:
        state.forget_grids(report.version)
        code = status.HTTP_201_CREATED
    else:
        code = status.HTTP_422_UNPROCESSABLE_ENTITY if report.errors or report.warnings and not accept_warnings \
            else status.HTTP_200_OK
    return JSONResponse(body.model_dump(), status_code=code)


@router.get("/versions", response_model=ReferenceVersions, summary="Every reference version, newest first")
async def list_versions(state: State, caller: Caller) -> ReferenceVersions:
    reply = await state.peers.reference.ListVersions(rpb.ListVersionsRequest(), timeout=state.settings.rpc_timeout_seconds)
    return ReferenceVersions(items=[version_json(v, state) for v in reply.versions])


@router.post("/versions/{version}:activate", response_model=ReferenceVersion,
             summary="Make a stored version current again (a rollback); every service switches to it")
async def activate(version: str, state: State, caller: County) -> ReferenceVersion:
    v = await state.peers.reference.ActivateVersion(rpb.ActivateVersionRequest(version=version, actor=caller.username),
                                                    timeout=120)
    state.forget_grids(v.version)
    return version_json(v, state)


@router.get("/export", response_class=Response,
            responses={200: {"content": {"application/zip": {}}, "description": "the exchange format, WGS84"}},
            summary="A version (the current one by default) in the exchange format, as a zip")
async def export(state: State, caller: County, version: str = "") -> Response:
    chunks = state.peers.reference.ExportReference(rpb.ExportRequest(version=version), timeout=300)
    data = b"".join([c.data async for c in chunks])
    name = f"gridfusion-reference-{version or 'current'}.zip"
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
