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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO_ROOT, CheckFailed, free_port, main_wrapper, nats_and_mongo, run, timed
from image_build import DEFAULT_IMAGE, RUNTIME, ulimit_args

SERVICE = "petition"
HEALTH_TIMEOUT = 120.0

# `podman run` options that run a container the way its Kubernetes pod runs (host networking
# aside): read-only root, an empty /tmp, uid 10001, no capabilities, no privilege escalation.
POD_ARGS = ("--network", "host", "--read-only", "--read-only-tmpfs=false",
            "--tmpfs", "/tmp:rw,size=64m,mode=1777", "--cap-drop", "ALL",
            "--security-opt", "no-new-privileges", "--user", "10001:10001")


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


def image_arguments(description: str, timeout: float) -> argparse.Namespace:
    """``--root``, ``--image`` and ``--timeout`` of a check that runs the built image, which
    must exist."""
    ap = argparse.ArgumentParser(description=description.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=REPO_ROOT)
    ap.add_argument("--image", default=os.environ.get("IMAGE", DEFAULT_IMAGE))
    ap.add_argument("--timeout", type=float, default=timeout)
    args = ap.parse_args()
    if podman("image", "exists", args.image, check=False).returncode != 0:
        raise CheckFailed(f"image {args.image} not found: run `make image` first")
    return args


def main() -> None:
    args = image_arguments(__doc__, HEALTH_TIMEOUT)
    auth = (args.root / "deploy" / "k8s" / "base" / "nats" / "auth.conf").read_text()
    # Every NATS user of auth.conf gets a throwaway password.
    users = [line.split(":", 1)[1].strip() for line in auth.splitlines()
             if line.strip().startswith("user:")]
    pw_env = {f"NATS_PASSWORD_{u.upper()}": f"smoke-{u}" for u in users}
    name = f"gridfusion-smoke-{os.getpid()}"
    with (tempfile.TemporaryDirectory(prefix="gridfusion-smoke-") as tmp,
          nats_and_mongo(Path(tmp), auth, pw_env, "start nats-server and secantusd-py")
          as (nats_port, mongo_port)):
        grpc_port = free_port()
        try:
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
                podman("run", "--detach", "--name", name, *ulimit_args(), *POD_ARGS,
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


if __name__ == "__main__":
    main_wrapper(main)
