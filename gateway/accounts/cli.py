"""``gridfusion accounts``: the operators' commands for accounts.

They work on the gateway's database directly (``MONGODB_URI``, ``GATEWAY_DATABASE``), so they
run wherever the gateway runs (``kubectl exec deploy/gateway -- gridfusion accounts …``) and
need no account to start with: ``bootstrap-admin`` makes the first one. Scopes are checked
against fusion's grids (``GATEWAY_FUSION_TARGET``). Every change goes to the audit log like a
change through the API, with ``cli:<user>@<host>`` as who made it. Sessions a command ends are
announced to every gateway replica on NATS (``NATS_URL``, ``NATS_USER``, ``NATS_PASSWORD``: the
gateway's own), as the gateway announces those it ends.
"""

from __future__ import annotations

import asyncio
import getpass
import socket
import sys
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import grpc
import typer
from gridfusion.community.v1 import community_pb2_grpc
from gridfusion.fusion.v1 import fusion_pb2, fusion_pb2_grpc

from services.platform import bus
from services.platform.mongo import connect
from services.platform.settings import CommonSettings

from .audit import relay_once
from .passwords import Hasher
from .policy import ROLES, Admin, PolicyError, Scope
from .service import Accounts
from .store import AccountStore

app = typer.Typer(help="Accounts: the first administrator, and accounts for operators.", no_args_is_help=True)

MongoUri = Annotated[str, typer.Option(envvar="MONGODB_URI", help="the gateway's MongoDB")]
Database = Annotated[str, typer.Option(envvar="GATEWAY_DATABASE", help="the gateway's database")]
FusionTarget = Annotated[str, typer.Option(envvar="GATEWAY_FUSION_TARGET",
                                           help="fusion's gRPC address, for the grids scopes are checked against")]
DEFAULT_URI = "mongodb://127.0.0.1:27017/?directConnection=true"


def operator() -> Admin:
    return Admin(f"cli:{getpass.getuser()}@{socket.gethostname()}", "county", Scope())


@dataclass
class Connection:
    mongodb_uri: str = DEFAULT_URI
    database: str = "gridfusion_gateway"
    fusion_target: str = "127.0.0.1:50050"


CONNECTION = Connection()


@app.callback()
def where(mongodb_uri: MongoUri = DEFAULT_URI, database: Database = "gridfusion_gateway",
          fusion_target: FusionTarget = "127.0.0.1:50050") -> None:
    """Where the gateway's database and fusion are (from the gateway's own environment)."""
    CONNECTION.mongodb_uri, CONNECTION.database, CONNECTION.fusion_target = mongodb_uri, database, fusion_target


@asynccontextmanager
async def opened(connection: Connection):
    """The account operations, on the gateway's database, with fusion's grids when asked for."""
    mongodb_uri, database, fusion_target = connection.mongodb_uri, connection.database, connection.fusion_target
    client = connect(mongodb_uri, app_name="gridfusion-accounts-cli")
    channel = grpc.aio.insecure_channel(fusion_target)

    async def grids():
        try:
            reply = await fusion_pb2_grpc.FusionServiceStub(channel).ListGrids(fusion_pb2.ListGridsRequest(), timeout=15)
        except grpc.aio.AioRpcError as exc:
            raise PolicyError(503, f"cannot read the grids from fusion at {fusion_target} to check the scope: "
                                   f"{exc.code().name.lower()}") from exc
        return {g.grid_id: g for g in reply.grids}

    store = AccountStore(client[database])
    ended: list[tuple[str, str | None]] = []

    async def sessions_ended(username: str, session_id: str | None) -> None:
        ended.append((username, session_id))

    try:
        await store.ensure_indexes()
        accounts = Accounts(store, Hasher(), jwt_key="", grids=grids)
        accounts.on_sessions_ended = sessions_ended
        yield accounts
        if ended:
            await announce(ended)
        try:  # hand the audit entries to fusion now; a gateway relays them later otherwise
            await relay_once(store, community_pb2_grpc.CommunityServiceStub(channel), timeout=5)
        except grpc.aio.AioRpcError:
            typer.echo("note: fusion is not reachable; the audit entries wait for the gateway to relay them", err=True)
    finally:
        await channel.close()
        await client.close()


async def announce(ended: list[tuple[str, str | None]]) -> None:
    """Tell every gateway replica the sessions ended here, so none keeps them open in its memory."""
    from ..feed import SESSIONS_SUBJECT, sessions_notice

    settings = CommonSettings()
    try:
        nc = await asyncio.wait_for(bus.connect(settings.nats_url, name="gridfusion-accounts-cli",
                                                user=settings.nats_user, password=settings.nats_password), 10)
        try:
            for username, session_id in ended:
                await nc.publish(SESSIONS_SUBJECT, sessions_notice(username, session_id))
            await nc.flush(timeout=5)
        finally:
            await nc.close()
    except Exception as exc:  # noqa: BLE001 - the sessions have ended in the database either way
        typer.echo(f"note: NATS is not reachable ({exc or type(exc).__name__}); gateway replicas may accept "
                   "the ended sessions' tokens for up to GATEWAY_SESSION_CACHE_SECONDS more", err=True)


def run(coro) -> None:
    try:
        asyncio.run(coro)
    except PolicyError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2 if exc.status in (403, 409, 422) else 1) from None  # 2: retrying will not help


def read_password(password_file: Path | None) -> str:
    if password_file is not None:
        try:
            return password_file.read_text().strip("\r\n")
        except OSError as exc:
            typer.echo(f"error: cannot read {password_file}: {exc.strerror}", err=True)
            raise typer.Exit(2) from None
    if sys.stdin.isatty():
        first = getpass.getpass("password for the county administrator: ")
        if getpass.getpass("again: ") != first:
            typer.echo("error: the two passwords differ", err=True)
            raise typer.Exit(2)
        return first
    return sys.stdin.readline().strip("\r\n")


@app.command("bootstrap-admin")
def bootstrap_admin(
    username: Annotated[str, typer.Option(help="the administrator's username")] = "admin",
    display_name: Annotated[str, typer.Option(help="shown in the dashboard")] = "县级管理员 county administrator",
    password_file: Annotated[Path | None, typer.Option(help="read the password from this file (e.g. a mounted "
                                                           "Secret) instead of stdin")] = None,
) -> None:
    """Create the first county administrator. Again is a no-op; a weak password is refused."""
    password = read_password(password_file)

    async def go() -> None:
        async with opened(CONNECTION) as accounts:
            existing = await accounts.store.get(username)
            if existing is not None:
                if existing["role"] != "county":
                    raise PolicyError(409, f"'{username}' exists with role {existing['role']}, not county; "
                                           "choose another --username")
                typer.echo(f"county administrator '{username}' already exists; nothing changed")
                return
            await accounts.create(operator(), username=username, role="county", scope=Scope(),
                                  display_name=display_name, password=password)
            typer.echo(f"county administrator '{username}' created; sign in at the dashboard or POST /v1/auth/token")

    run(go())


@app.command()
def create(
    username: Annotated[str, typer.Argument(help="lower-case letters, digits and . _ @ -")],
    role: Annotated[str, typer.Option(help="one of: " + ", ".join(ROLES))],
    street_id: Annotated[str, typer.Option(help="for a street account")] = "",
    community_id: Annotated[str, typer.Option(help="for a community account")] = "",
    grid_id: Annotated[str, typer.Option(help="for a secretary, worker, member or resident")] = "",
    department: Annotated[str, typer.Option(help="for a department system")] = "",
    display_name: Annotated[str, typer.Option(help="shown in the dashboard")] = "",
    worker_id: Annotated[str, typer.Option(help="for a worker: the grid worker it is (person id)")] = "",
) -> None:
    """Create an account; prints the one-time password to give its holder (changed at first sign-in)."""
    async def go() -> None:
        async with opened(CONNECTION) as accounts:
            doc, one_time = await accounts.create(
                operator(), username=username, role=role, display_name=display_name, worker_id=worker_id or None,
                scope=Scope(street_id=street_id, community_id=community_id, grid_id=grid_id, department=department))
            typer.echo(f"created {doc['_id']}: {_describe(doc)}")
            typer.echo(f"one-time password: {one_time}  (must be changed at first sign-in)")

    run(go())


@app.command("list")
def list_accounts(
    role: Annotated[str, typer.Option(help="only this role")] = "",
) -> None:
    """List accounts: username, role, scope, state, last sign-in."""
    async def go() -> None:
        async with opened(CONNECTION) as accounts:
            page, total = 1, None
            while total is None or (page - 1) * 500 < total:
                docs, total = await accounts.list(operator(), role=role or None, page=page, page_size=500)
                for doc in docs:
                    state = "disabled" if doc["disabled"] else ("must change password" if doc["must_change_password"]
                                                                else "active")
                    last = doc["last_login_at"].isoformat(timespec="seconds") if doc.get("last_login_at") else "never"
                    typer.echo(f"{doc['_id']:<36} {_describe(doc):<44} {state:<22} last sign-in {last}")
                page += 1
            typer.echo(f"{total} account(s)")

    run(go())


@app.command()
def disable(
    username: Annotated[str, typer.Argument()],
) -> None:
    """Disable an account: its tokens stop working at once and it can no longer sign in."""
    async def go() -> None:
        async with opened(CONNECTION) as accounts:
            await accounts.update(operator(), username, disabled=True)
            typer.echo(f"{username} disabled; its sessions have ended")

    run(go())


@app.command("reset-password")
def reset_password(
    username: Annotated[str, typer.Argument()],
) -> None:
    """Give an account a new one-time password (printed once); its sessions end."""
    async def go() -> None:
        async with opened(CONNECTION) as accounts:
            _, one_time = await accounts.reset_password(operator(), username)
            typer.echo(f"one-time password for {username}: {one_time}  (must be changed at first sign-in)")

    run(go())


def _describe(doc: dict) -> str:
    scope = doc["scope"]
    place = scope.get("grid_id") or scope.get("community_id") or scope.get("street_id") or scope.get("department")
    return f"{doc['role']} {place}" if place else doc["role"]
