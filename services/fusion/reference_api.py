"""``reference.v1.ReferenceService``: imports, versions, rollback, snapshots and exports.

An import arrives as a zip of the exchange format (``services.reference.exchange``), is read
and validated in a worker thread (tens of thousands of households take seconds of CPU), and —
unless it is a dry run, has errors, or has warnings not accepted — is stored as a new version,
made current and announced. The report always lists every problem.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict

import grpc
from gridfusion.reference.v1 import reference_pb2 as rpb
from gridfusion.reference.v1 import reference_pb2_grpc as rpb_grpc

from services.reference.snapshot import to_snapshots

from . import reference_store
from .reference import ReferenceHolder, version_to_proto

log = logging.getLogger(__name__)

CRS = ("wgs84", "gcj02", "bd09")
MAX_IMPORT_BYTES = 200 * 1024 * 1024
EXPORT_CHUNK = 512 * 1024
# Problems listed in one report; the rest are counted (one wrong column gives one per row).
MAX_PROBLEMS = 1000


def _validate(data: bytes, crs: str):
    from services.reference.exchange import load

    return load(data, crs=crs)


def _export(county) -> bytes:
    from services.reference.exchange import exchange_zip

    return exchange_zip(county)


def problem_to_proto(p) -> rpb.Problem:
    return rpb.Problem(severity=p.severity, code=p.code, message=p.message, file=p.file or "", row=p.row or 0,
                       ids=list(p.ids or ()))


class ReferenceServicer(rpb_grpc.ReferenceServiceServicer):
    def __init__(self, holder: ReferenceHolder, nc=None) -> None:
        self.holder = holder
        self.db = holder.db
        self.nc = nc
        # One import at a time per process: each takes a core for seconds.
        self._importing = asyncio.Lock()

    async def ImportReference(self, request_iterator, context) -> rpb.ImportReport:
        options = rpb.ImportOptions()
        chunks: list[bytes] = []
        size = 0
        async for chunk in request_iterator:
            if chunk.HasField("options"):
                options = chunk.options
            size += len(chunk.data)
            if size > MAX_IMPORT_BYTES:
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                                    f"the import is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB")
            chunks.append(chunk.data)
        crs = (options.crs or "wgs84").lower()
        if crs not in CRS:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"crs must be one of {', '.join(CRS)}, not {crs!r}")
        if not size:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "the import is empty")
        async with self._importing:
            result = await asyncio.to_thread(_validate, b"".join(chunks), crs)
            errors = sum(1 for p in result.problems if p.severity == "error")
            warnings = len(result.problems) - errors
            problems = [problem_to_proto(p) for p in result.problems[:MAX_PROBLEMS]]
            if len(result.problems) > MAX_PROBLEMS:
                problems.append(rpb.Problem(
                    severity="error" if errors else "warning", code="more_problems",
                    message=f"{len(result.problems) - MAX_PROBLEMS} more problems not listed: fix these first "
                            "(a whole file in the wrong datum, or with the wrong columns, gives one per row)"))
            report = rpb.ImportReport(problems=problems, errors=errors, warnings=warnings, crs=crs,
                                      counts=rpb.Counts(**asdict(result.counts)))
            if errors or result.county is None or options.dry_run or (warnings and not options.accept_warnings):
                return report
            version = await reference_store.store_version(
                self.db, result.county, source=options.source or "import", actor=options.actor or "unknown",
                crs=crs, warnings=warnings)
            record = await reference_store.activate(self.db, version, actor=options.actor or "unknown")
        await self.holder.refresh()
        await self.holder.announce(self.nc, version_to_proto(record, current=version))
        report.applied, report.version = True, version
        log.info("reference data imported", extra={"version": version, "actor": options.actor,
                                                   "warnings": warnings, **asdict(result.counts)})
        return report

    async def ListVersions(self, request, context) -> rpb.ListVersionsResponse:
        pointer = await reference_store.current(self.db)
        current = pointer["version"] if pointer else None
        return rpb.ListVersionsResponse(
            versions=[version_to_proto(r, current=current) for r in await reference_store.versions(self.db)])

    async def GetCurrent(self, request, context) -> rpb.ReferenceVersion:
        pointer = await reference_store.current(self.db)
        record = pointer and await reference_store.version_record(self.db, pointer["version"])
        if not record:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, reference_store.NO_DATA)
        return version_to_proto(record, current=pointer["version"])

    async def ActivateVersion(self, request, context) -> rpb.ReferenceVersion:
        try:
            record = await reference_store.activate(self.db, request.version, actor=request.actor or "unknown")
        except reference_store.UnknownVersion as exc:
            await context.abort(grpc.StatusCode.NOT_FOUND, str(exc))
        await self.holder.refresh()
        version = version_to_proto(record, current=request.version)
        await self.holder.announce(self.nc, version)
        return version

    async def _county(self, version: str, context):
        if not version or version == self.holder.version:
            if self.holder.county is None:
                await context.abort(grpc.StatusCode.FAILED_PRECONDITION, reference_store.NO_DATA)
            return self.holder.county, self.holder.proto()
        try:
            county = await reference_store.load_county(self.db, version)
        except reference_store.UnknownVersion as exc:
            await context.abort(grpc.StatusCode.NOT_FOUND, str(exc))
        record = await reference_store.version_record(self.db, version)
        return county, version_to_proto(record, current=self.holder.version)

    async def GetSnapshot(self, request, context):
        county, version = await self._county(request.version, context)
        for message in to_snapshots(county, version):
            yield message

    async def ExportReference(self, request, context):
        county, _ = await self._county(request.version, context)
        data = await asyncio.to_thread(_export, county)
        for start in range(0, len(data), EXPORT_CHUNK):
            yield rpb.ExportChunk(data=data[start:start + EXPORT_CHUNK])
