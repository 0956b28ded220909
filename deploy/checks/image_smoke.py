#!/usr/bin/env python3
"""Start one service from the image under podman and check its gRPC health.

Starts nats-server (JetStream; users and permissions from the deploy's own
auth.conf) and secantusd-py on this machine's loopback, then runs
`gridfusion serve petition` from the image under `podman --runtime runc` the
way Kubernetes runs it: read-only root, an empty /tmp, non-root, no
capabilities, no privilege escalation, host networking. Passes when the
container's grpc.health.v1 answers SERVING (the service reports SERVING only
once NATS and MongoDB answer it).

Needs the tools of `python3 deploy/checks/tools.py --image` (nats-server,
secantusd-py, grpcio) and a built image (`make image`).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO_ROOT, CheckFailed, main_wrapper, run, timed, tool
from image_build import DEFAULT_IMAGE, RUNTIME, ulimit_args

SERVICE = "petition"
HEALTH_TIMEOUT = 120.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, name: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise CheckFailed(f"{name} exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise CheckFailed(f"{name} did not listen on {port} within {timeout:.0f}s")


def health(port: int, timeout: float) -> str:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        stub = health_pb2_grpc.HealthStub(ch)
        try:
            resp = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=timeout)
        except grpc.RpcError as exc:
            return f"unreachable ({exc.code().name})"
        return health_pb2.HealthCheckResponse.ServingStatus.Name(resp.status)


def podman(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return run(["podman", "--runtime", RUNTIME, *args], check=check)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=REPO_ROOT)
    ap.add_argument("--image", default=os.environ.get("IMAGE", DEFAULT_IMAGE))
    ap.add_argument("--timeout", type=float, default=HEALTH_TIMEOUT)
    args = ap.parse_args()
    auth = args.root / "deploy" / "k8s" / "base" / "nats" / "auth.conf"
    if podman("image", "exists", args.image, check=False).returncode != 0:
        raise CheckFailed(f"image {args.image} not found: run `make image` first")

    procs: list[subprocess.Popen] = []
    log_files = []
    name = f"gridfusion-smoke-{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="gridfusion-smoke-") as tmp:
        tmpdir = Path(tmp)
        logs = tmpdir / "logs"
        logs.mkdir()
        nats_port, mongo_port, grpc_port = free_port(), free_port(), free_port()
        # Every NATS user of auth.conf gets a throwaway password.
        users = [line.split(":", 1)[1].strip() for line in auth.read_text().splitlines()
                 if line.strip().startswith("user:")]
        pw_env = {f"NATS_PASSWORD_{u.upper()}": f"smoke-{u}" for u in users}
        (tmpdir / "auth.conf").write_text(auth.read_text())
        (tmpdir / "nats.conf").write_text(
            f"listen: 127.0.0.1:{nats_port}\n"
            f"jetstream {{ store_dir: {tmpdir / 'js'}\n sync_interval: always }}\n"
            "include ./auth.conf\n")
        try:
            with timed("start nats-server and secantusd-py"):
                log_files += [(logs / "nats.log").open("w"), (logs / "secantusd.log").open("w")]
                procs.append(subprocess.Popen(
                    [tool("nats-server"), "-c", str(tmpdir / "nats.conf")],
                    env={**os.environ, **pw_env},
                    stdout=log_files[0], stderr=subprocess.STDOUT))
                procs.append(subprocess.Popen(
                    [tool("secantusd-py"), "--host", "127.0.0.1", "--port", str(mongo_port),
                     "--storage-path", str(tmpdir / "db"), "--log-level", "WARNING"],
                    stdout=log_files[1], stderr=subprocess.STDOUT))
                wait_port(nats_port, procs[0], "nats-server", 30)
                wait_port(mongo_port, procs[1], "secantusd-py", 90)
            env = {
                "NATS_URL": f"nats://127.0.0.1:{nats_port}",
                "NATS_USER": SERVICE,
                "NATS_PASSWORD": f"smoke-{SERVICE}",
                "MONGODB_URI": f"mongodb://127.0.0.1:{mongo_port}/?directConnection=true",
                "DEPARTMENT_GRPC_PORT": str(grpc_port),
                "LOG_LEVEL": "INFO",
                "OTEL_SERVICE_NAME": SERVICE,
                # The digests of its callers' tokens (throwaway: only health is asked here).
                "DEPARTMENT_GATEWAY_TOKEN_SHA256": hashlib.sha256(b"smoke-gateway-token").hexdigest(),
                f"DEPARTMENT_SYSTEM_TOKEN_SHA256__{SERVICE.upper()}":
                    hashlib.sha256(f"smoke-{SERVICE}-token".encode()).hexdigest(),
            }
            env_args = [a for k, v in env.items() for a in ("--env", f"{k}={v}")]
            with timed(f"podman run {args.image} serve {SERVICE}"):
                podman("run", "--detach", "--name", name, *ulimit_args(),
                       "--network", "host", "--read-only", "--read-only-tmpfs=false",
                       "--tmpfs", "/tmp:rw,size=64m,mode=1777", "--cap-drop", "ALL",
                       "--security-opt", "no-new-privileges", "--user", "10001:10001",
                       *env_args, args.image, "serve", SERVICE)
            status = "not asked"
            with timed("wait for grpc.health.v1 SERVING"):
                deadline = time.monotonic() + args.timeout
                while time.monotonic() < deadline:
                    state = podman("inspect", "--format", "{{.State.Status}}", name,
                                   check=False).stdout.strip()
                    if state not in ("running", "created", "configured"):
                        raise CheckFailed(f"the container stopped ({state}):\n"
                                          + podman("logs", name, check=False).stderr[-4000:])
                    status = health(grpc_port, 2.0)
                    if status == "SERVING":
                        break
                    time.sleep(1)
            if status != "SERVING":
                out = podman("logs", name, check=False)
                raise CheckFailed(f"health is {status} after {args.timeout:.0f}s; container log:\n"
                                  + (out.stdout + out.stderr)[-4000:])
            print(f"{SERVICE} in {args.image}: grpc.health.v1 SERVING on port {grpc_port}")
        finally:
            podman("rm", "--force", "--time", "10", name, check=False)
            for p in procs:
                p.terminate()
            for p in procs:
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
            for f in log_files:
                f.close()


if __name__ == "__main__":
    main_wrapper(main)
