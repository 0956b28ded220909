"""``gridfusion reference``: bring a county's grids, households and party members in, see the
versions, roll back, and write a version out — through fusion's ``ReferenceService``.

Fusion validates and stores (one code path with the API's upload); this command packs the
folder, sends it, and prints the report: one line per problem, then what was done.
"""

from __future__ import annotations

import asyncio
import getpass
import io
import socket
import zipfile
from pathlib import Path
from typing import Annotated

import grpc
import typer
from gridfusion.reference.v1 import reference_pb2 as rpb
from gridfusion.reference.v1 import reference_pb2_grpc as rpb_grpc

from services.platform.transfer import import_chunks

app = typer.Typer(help="Reference data: import a county's grids, households and members; versions; rollback.",
                  no_args_is_help=True)

FusionTarget = Annotated[str, typer.Option("--fusion", envvar="GRIDFUSION_FUSION_TARGET",
                                           help="fusion's gRPC address")]
DEFAULT_TARGET = "127.0.0.1:50050"
FILES = ("grids.geojson", "households.csv", "households.xlsx", "party_members.csv", "party_members.xlsx")


def actor() -> str:
    return f"cli:{getpass.getuser()}@{socket.gethostname()}"


def pack(path: Path) -> bytes:
    """The hand-over as zip bytes: a .zip as it is, a folder's exchange files zipped."""
    if path.is_file():
        if not zipfile.is_zipfile(path):
            raise typer.BadParameter(f"{path} is neither a folder nor a .zip", param_hint="PATH")
        return path.read_bytes()
    if not path.is_dir():
        raise typer.BadParameter(f"{path} does not exist", param_hint="PATH")
    present = [name for name in FILES if (path / name).is_file()]
    if not present:
        raise typer.BadParameter(f"{path} holds none of {', '.join(FILES)}", param_hint="PATH")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in present:
            archive.write(path / name, name)
    return buffer.getvalue()


def _call(fusion: str, fn):
    async def go():
        async with grpc.aio.insecure_channel(fusion, options=[("grpc.max_receive_message_length", 64 << 20)]) as ch:
            return await fn(rpb_grpc.ReferenceServiceStub(ch))

    try:
        return asyncio.run(go())
    except grpc.aio.AioRpcError as exc:
        typer.echo(f"error: {exc.details() or exc.code().name} (fusion at {fusion})", err=True)
        raise typer.Exit(1 if exc.code() != grpc.StatusCode.UNAVAILABLE else 3) from None


def counts_line(c: rpb.Counts) -> str:
    return (f"{c.streets} streets, {c.communities} communities, {c.grids} grids, {c.compounds} compounds, "
            f"{c.households} households, {c.residents} residents, {c.party_members} party members")


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="the folder (or .zip) of grids.geojson, households.csv|xlsx, "
                                              "party_members.csv|xlsx")],
    crs: Annotated[str, typer.Option(help="datum of the coordinates in the files: wgs84, gcj02 or bd09")] = "wgs84",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="validate only; change nothing")] = False,
    accept_warnings: Annotated[bool, typer.Option("--accept-warnings", help="apply despite warnings")] = False,
    fusion: FusionTarget = DEFAULT_TARGET,
) -> None:
    """Validate a county's reference data and make it the current version (exit 0), or list every
    problem, one per line, and change nothing (exit 1)."""
    data = pack(path)
    typer.echo(f"sending {path} ({len(data) / 1e6:.1f} MB, {crs}) to fusion at {fusion} to validate …", err=True)
    options = rpb.ImportOptions(crs=crs, dry_run=dry_run, accept_warnings=accept_warnings, actor=actor(),
                                source=path.name)
    report: rpb.ImportReport = _call(fusion, lambda stub: stub.ImportReference(import_chunks(data, options), timeout=600))
    for p in report.problems:
        where = f"{p.file}:{p.row}" if p.row else (p.file or "-")
        typer.echo(f"{p.severity:<7} {p.code:<28} {where:<24} {p.message}")
    typer.echo(f"{report.errors} error(s), {report.warnings} warning(s); the import holds {counts_line(report.counts)}")
    if report.applied:
        typer.echo(f"applied: version {report.version} is current; every service switches to it now")
        return
    if report.errors:
        typer.echo("refused: nothing was changed", err=True)
        raise typer.Exit(1)
    if report.warnings and not accept_warnings:
        typer.echo("not applied: warnings need --accept-warnings; nothing was changed", err=True)
        raise typer.Exit(1)
    typer.echo("dry run: valid; nothing was changed")


@app.command()
def versions(fusion: FusionTarget = DEFAULT_TARGET) -> None:
    """Every reference version, newest first; * marks the current one."""
    reply: rpb.ListVersionsResponse = _call(fusion, lambda stub: stub.ListVersions(rpb.ListVersionsRequest(),
                                                                                  timeout=30))
    if not reply.versions:
        typer.echo("no reference data imported")
    for v in reply.versions:
        mark = "*" if v.current else " "
        typer.echo(f"{mark} {v.version}  {v.created_at.ToDatetime().isoformat(timespec='seconds')}Z  "
                   f"{v.created_by:<24} {counts_line(v.counts)}  ({v.source})")


@app.command()
def activate(
    version: Annotated[str, typer.Argument(help="a version from `gridfusion reference versions`")],
    fusion: FusionTarget = DEFAULT_TARGET,
) -> None:
    """Make a stored version current again (a rollback); every service switches to it."""
    v: rpb.ReferenceVersion = _call(fusion, lambda stub: stub.ActivateVersion(
        rpb.ActivateVersionRequest(version=version, actor=actor()), timeout=120))
    typer.echo(f"version {v.version} is current: {counts_line(v.counts)}")


@app.command()
def export(
    folder: Annotated[Path, typer.Argument(help="where to write grids.geojson, households.csv, party_members.csv")],
    version: Annotated[str, typer.Option(help="a stored version; the current one when not given")] = "",
    fusion: FusionTarget = DEFAULT_TARGET,
) -> None:
    """Write a version in the exchange format (WGS84), as an import takes it."""
    async def fetch(stub) -> bytes:
        return b"".join([c.data async for c in stub.ExportReference(rpb.ExportRequest(version=version), timeout=300)])

    data = _call(fusion, fetch)
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(folder)
        names = archive.namelist()
    typer.echo(f"wrote {', '.join(names)} to {folder}")
