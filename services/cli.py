"""``gridfusion``: the operators' command line."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer

from gateway.accounts.cli import app as accounts_app
from services.platform.vocabulary import DEPARTMENTS
from services.reference.cli import app as reference_app

app = typer.Typer(help="Gridfusion: five departments' events on one party-branch grid.", no_args_is_help=True)
app.add_typer(accounts_app, name="accounts")
app.add_typer(reference_app, name="reference")

SERVICE_NAMES = ("gateway", "fusion", *DEPARTMENTS)


@app.command()
def serve(name: Annotated[str, typer.Argument(help="gateway, fusion, or a department: " + ", ".join(DEPARTMENTS))]) -> None:
    """Start one service in the foreground (what a container runs)."""
    if name == "gateway":
        from gateway.main import serve as serve_gateway

        serve_gateway()
    elif name == "fusion":
        from services.fusion.main import main

        main()
    elif name in DEPARTMENTS:
        from services.departments.main import main

        main(name)
    else:
        typer.echo(f"unknown service '{name}'; choose one of: {', '.join(SERVICE_NAMES)}", err=True)
        raise typer.Exit(2)


@app.command()
def run(
    home: Annotated[Path, typer.Option(envvar="GRIDFUSION_HOME", help="Where local data and logs live")] = Path("var"),
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the gateway to be ready")] = 120.0,
) -> None:
    """Start the whole platform on this machine: NATS, the database, every service, the gateway.

    Ports come from GRIDFUSION_{NATS,MONGO,FUSION,GATEWAY,<DEPARTMENT>}_PORT. A process that exits
    is started again after a pause (1 s, doubling up to a minute), as Kubernetes would, and why is
    printed; `gridfusion status` shows the restarts. Ctrl-C stops it all.
    """
    from services.local import (
        STATUS_FILE,
        LocalPlatform,
        PlatformError,
        Ports,
        Supervisor,
        require_local_servers,
    )

    try:
        require_local_servers()
    except PlatformError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None

    platform = LocalPlatform(home=home.resolve(), ports=Ports.from_env(),
                             demo_password=os.environ.get("GRIDFUSION_DEMO_PASSWORD", "demo"))
    started = time.monotonic()

    def interrupt(signum, frame):  # Ctrl-C and SIGTERM stop it at any moment
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)
    typer.echo(f"Starting Gridfusion in {platform.home} …")
    failed = False
    try:
        platform.start(timeout=timeout)
        typer.echo(f"\nGridfusion is ready in {time.monotonic() - started:.1f} s")
        typer.echo(f"  gateway     {platform.gateway_url}   (API docs {platform.gateway_url}/docs)")
        typer.echo(f"  logs        {platform.home / 'logs'}")
        typer.echo(f"  tokens      {platform.home / 'grpc'}/<department>.token: each department system's gRPC "
                   "credential (metadata authorization: Bearer <token>)")
        typer.echo(f"\nDemo accounts (password '{platform.demo_password}'):")
        for line in platform.demo_accounts():
            typer.echo(f"  {line}")
        typer.echo("\nCtrl-C stops every process; one that exits is started again.")
        supervisor = Supervisor(platform, say=lambda line: typer.echo(f"[{time.strftime('%H:%M:%S')}] {line}"))
        while True:
            supervisor.tick()
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    except PlatformError as exc:
        typer.echo(f"error: {exc}", err=True)
        failed = True
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        typer.echo("Stopping …")
        platform.stop()
        (platform.home / STATUS_FILE).unlink(missing_ok=True)
        typer.echo("Stopped; data kept in " + str(platform.home))
    if failed:
        raise typer.Exit(1)


@app.command()
def seed(
    mongodb_uri: Annotated[str, typer.Option(envvar="MONGODB_URI")] = "mongodb://127.0.0.1:27017/?directConnection=true",
    database: Annotated[str, typer.Option(envvar="FUSION_DATABASE")] = "gridfusion_fusion",
) -> None:
    """Store the synthetic Ningyang county as the first reference version (demo and tests only;
    a county imports its own with `gridfusion reference import`). A no-op once any version exists."""
    from services.fusion import reference_store
    from services.platform.mongo import connect

    async def go() -> str | None:
        client = connect(mongodb_uri, app_name="gridfusion-seed")
        try:
            await reference_store.ensure_indexes(client[database])
            return await reference_store.seed_synthetic(client[database])
        finally:
            await client.close()

    version = asyncio.run(go())
    typer.echo(f"the synthetic county is reference version {version}" if version
               else "reference data already present; nothing to do")


@app.command()
def status(
    gateway: Annotated[str, typer.Option(envvar="GRIDFUSION_GATEWAY_URL")] = "http://127.0.0.1:8080",
    home: Annotated[Path, typer.Option(envvar="GRIDFUSION_HOME", help="The folder of a `gridfusion run` on this machine")] = Path("var"),
    metrics: Annotated[list[str] | None, typer.Option(
        "--metrics", metavar="URL", envvar="GRIDFUSION_METRICS_URLS", show_default=False,
        help="A metrics endpoint to read, instead of the local platform's (again for more; the variable: "
             "comma-separated), e.g. a cluster's through kubectl port-forward")] = None,
) -> None:
    """Show whether the gateway and every service behind it are ready; for a platform that
    `gridfusion run` started on this machine, each process's restarts and why it last exited; and,
    from the metrics endpoints, consumer lag, outbox backlog, dead letters and overdue cases.
    Exit 1 when the gateway is not ready."""
    from services import figures
    from services.local import Ports, read_status

    processes = (read_status(home.resolve()) or {}).get("processes") or {}
    if processes:
        typer.echo(f"processes of {home} (started by gridfusion run):")
        typer.echo(f"  {'process':<26} {'state':<8} {'pid':>7} {'restarts':>8}  last exit")
        for name, p in processes.items():
            state = "running" if p.get("running") else "down"
            last = p.get("last_exit") or "-"
            if p.get("last_reason"):
                last += f": {p['last_reason'][:100]}"
            typer.echo(f"  {name:<26} {state:<8} {p.get('pid') or '-':>7} {p.get('restarts', 0):>8}  {last}")
    ready = False
    try:
        reply = httpx.get(f"{gateway}/readyz", timeout=5)
        body = reply.json()
    except httpx.HTTPError as exc:
        typer.echo(f"gateway {gateway}: unreachable ({exc})", err=True)
    except ValueError:
        typer.echo(f"gateway {gateway}: answered HTTP {reply.status_code}, not a readiness report", err=True)
    else:
        ready = reply.status_code == 200
        typer.echo(f"gateway {gateway}: {body.get('status')}")
        for name, state in sorted(body.get("checks", {}).items()):
            typer.echo(f"  {name:<26} {state}")
    given = [url.strip() for value in metrics or [] for url in value.split(",") if url.strip()]
    local = [f"{gateway.rstrip('/')}/metrics",
             *(f"http://127.0.0.1:{port}/metrics" for port in Ports.from_env().metrics.values())]
    for line in figures.lines(figures.gather(given or local)):
        typer.echo(line)
    raise typer.Exit(0 if ready else 1)


@app.command()
def simulate(
    gateway: Annotated[str, typer.Option(envvar="GRIDFUSION_GATEWAY_URL")] = "http://127.0.0.1:8080",
    rate: Annotated[float | None, typer.Option(min=0.001, help="Events a second to send (default: as fast "
                                                                "as the gateway takes them)")] = None,
    duration: Annotated[float | None, typer.Option(min=0, help="Send for this many seconds")] = None,
    count: Annotated[int | None, typer.Option(min=0, help="Send this many events")] = None,
    seed: Annotated[int, typer.Option(help="The mix's seed: the same seed sends the same events (ids too)")] = 0,
    batch: Annotated[int, typer.Option(min=1, max=500, help="Events per batch request")] = 500,
    password: Annotated[str, typer.Option(envvar="GRIDFUSION_DEMO_PASSWORD", show_default=False,
                                          help="Password of the dept-<department> accounts (default: demo)")] = "demo",
) -> None:
    """Send a realistic mix of the five departments' events for the synthetic Ningyang county
    through the gateway's batch API, signed in as dept-<department>; show the progress and, at
    the end, per department what was accepted, duplicate, refused or failed. Exit 1 when any
    event was refused or failed."""
    from rich.console import Console

    from services.simulation.console import print_summary, simulate_with_progress
    from services.simulation.run import SimulationError

    if (count is None) == (duration is None):
        typer.echo("give either --count or --duration", err=True)
        raise typer.Exit(2)
    try:
        summary = simulate_with_progress(console=Console(stderr=True), gateway=gateway, count=count,
                                         duration=duration, rate=rate, seed=seed, batch=batch, password=password)
    except SimulationError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    print_summary(Console(), summary)
    raise typer.Exit(0 if summary.ok else 1)


if __name__ == "__main__":
    app()
