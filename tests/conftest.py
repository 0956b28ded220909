"""Real servers for the tests: ``nats-server`` and ``secantusd-py`` on free ports in temporary
folders, and for the end-to-end tier the whole platform started as ``make run`` starts it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from services.local import LocalPlatform, Ports
from services.platform import bus
from services.platform.mongo import connect
from tests import servers
from tests.otlp_receiver import OtlpReceiver


def _output_dir(name: str) -> Path:
    root = Path(os.environ.get("GRIDFUSION_TEST_OUTPUT", "test-output"))
    path = root / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    servers.tell_on_first_failure(report)


@pytest.fixture(scope="session")
def infra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    platform = servers.start_infra(tmp_path_factory.mktemp("infra"))
    yield platform
    servers.stop(platform)


@pytest.fixture(scope="session")
def nats_url(infra: LocalPlatform) -> str:
    return infra.nats_url


@pytest.fixture(scope="session")
def mongodb_uri(infra: LocalPlatform) -> str:
    return infra.mongodb_uri


@pytest.fixture
async def nc(nats_url: str) -> AsyncIterator:
    client = await bus.connect(nats_url, name="tests")
    yield client
    await client.close()


@pytest.fixture
async def js(nc):
    context = nc.jetstream()
    await bus.ensure_streams(context)
    return context


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[servers.OwnNats]:
    """A nats-server (JetStream on) of this test's own, which the test may stop, kill and start again."""
    server = servers.OwnNats(tmp_path / "own-nats")
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def mongo(mongodb_uri: str) -> AsyncIterator:
    client = connect(mongodb_uri, app_name="tests")
    yield client
    await client.close()


@pytest.fixture(scope="session")
def otlp() -> Iterator[OtlpReceiver]:
    """The OTLP receiver the end-to-end platform sends its traces to."""
    receiver = OtlpReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory, otlp: OtlpReceiver) -> Iterator[LocalPlatform]:
    """The whole platform — NATS, database, five departments, fusion, gateway — on free ports,
    sending its traces to :func:`otlp` as ``make run`` does to a collector when
    ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set. Only the traces a test asks for are kept and sent: a
    request with a sampled ``traceparent`` starts one; the rest of the tests' traffic starts none
    (the standard parent-based sampler, at ratio 0 for a trace that starts in the platform)."""
    home = tmp_path_factory.mktemp("platform")
    telemetry = {"OTEL_EXPORTER_OTLP_ENDPOINT": otlp.url, "OTEL_BSP_SCHEDULE_DELAY": "500",
                 "OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0"}
    platform = LocalPlatform(home=home, ports=Ports.free(), say=lambda _: None, extra_env=telemetry)
    try:
        platform.start(timeout=120)
    except Exception:
        for name in ("fusion", "gateway", "petition"):
            print(f"--- {name} log ---\n{platform.log_tail(name, 40)}")
        raise
    yield servers.track(platform)
    servers.stop(platform)


@pytest.fixture(scope="session")
def output_dir() -> Path:
    return _output_dir("e2e")
