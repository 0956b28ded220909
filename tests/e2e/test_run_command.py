"""README command 1 as a newcomer runs it: ready, prints the gateway and accounts, starts again a
service that dies (and `gridfusion status` shows it), Ctrl-C stops all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from services.local import Ports, read_status

pytestmark = pytest.mark.e2e


def test_gridfusion_run_serves_restarts_a_killed_service_then_stops_every_process_on_ctrl_c(tmp_path) -> None:
    ports = Ports.free()
    env = dict(os.environ)
    env.update({f"GRIDFUSION_{name.upper()}_PORT": str(port) for name, (port, _) in
                {"nats": (ports.nats, ""), "mongo": (ports.mongo, ""), "fusion": (ports.fusion, ""),
                 "gateway": (ports.gateway, "")}.items()})
    env.update({f"GRIDFUSION_{d.upper()}_PORT": str(p) for d, p in ports.departments.items()})
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "run", "--home", str(tmp_path / "var"), "--timeout", "150"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip())
            if "Ctrl-C stops every process" in line:
                break
        output = "\n".join(lines)
        assert "Gridfusion is ready" in output, output
        assert f"http://127.0.0.1:{ports.gateway}" in output
        assert "admin" in output and "dept-petition" in output and "sec-370921" in output
        # Where a department system finds its gRPC token.
        assert f"{tmp_path / 'var' / 'grpc'}/<department>.token" in output
        assert (tmp_path / "var" / "grpc" / "petition.token").stat().st_mode & 0o777 == 0o600
        ready_after = time.monotonic() - started
        assert httpx.get(f"http://127.0.0.1:{ports.gateway}/readyz", timeout=5).status_code == 200
        children = subprocess.run(["pgrep", "-f", str(tmp_path)], check=False, capture_output=True, text=True).stdout.split()
        assert len(children) >= 2  # nats-server and secantusd-py carry the home folder in their arguments

        # A service killed: the supervisor says so, starts it again, and status shows the restart.
        home = tmp_path / "var"
        victim = read_status(home)["processes"]["petition"]["pid"]
        os.kill(victim, signal.SIGKILL)
        for line in proc.stdout:
            lines.append(line.rstrip())
            if "petition restarted (restart 1)" in line:
                break
        output = "\n".join(lines)
        assert "petition killed by SIGKILL; restarting it in 1 s" in output, output
        deadline = time.monotonic() + 90
        while httpx.get(f"http://127.0.0.1:{ports.gateway}/readyz", timeout=5).status_code != 200:
            assert time.monotonic() < deadline, "the platform was not ready again within 90 s"
            time.sleep(0.5)
        shown = subprocess.run([sys.executable, "-m", "services.cli", "status", "--home", str(home)], env=env
                               | {"GRIDFUSION_GATEWAY_URL": f"http://127.0.0.1:{ports.gateway}"},
                               check=False, capture_output=True, text=True, timeout=60)
        assert shown.returncode == 0, shown.stdout + shown.stderr
        petition = next(line for line in shown.stdout.splitlines() if line.strip().startswith("petition "))
        assert petition.split()[1:2] == ["running"] and " 1  killed by SIGKILL" in petition, shown.stdout
        assert read_status(home)["processes"]["petition"]["pid"] != victim
    finally:
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, rest
    assert "Stopped" in rest
    assert read_status(tmp_path / "var") is None  # a stopped platform leaves no status behind
    leftovers = subprocess.run(["pgrep", "-f", str(tmp_path)], check=False, capture_output=True, text=True).stdout.split()
    assert leftovers == []
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{ports.gateway}/readyz", timeout=2)
    print(f"ready after {ready_after:.1f} s")


def test_ctrl_c_while_starting_stops_what_was_started(tmp_path) -> None:
    ports = Ports.free()
    env = dict(os.environ, GRIDFUSION_NATS_PORT=str(ports.nats), GRIDFUSION_MONGO_PORT=str(ports.mongo),
               GRIDFUSION_FUSION_PORT=str(ports.fusion), GRIDFUSION_GATEWAY_PORT=str(ports.gateway))
    env.update({f"GRIDFUSION_{d.upper()}_PORT": str(p) for d, p in ports.departments.items()})
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "run", "--home", str(tmp_path / "var")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "secantusd-py" in line:  # the servers are up, the services are starting
            break
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=60)
    assert "Stopped" in rest
    leftovers = subprocess.run(["pgrep", "-f", str(tmp_path)], check=False, capture_output=True, text=True).stdout.split()
    assert leftovers == []
