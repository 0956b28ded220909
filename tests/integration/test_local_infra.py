"""The local platform's servers: clear refusals for busy ports, data kept across restarts."""

from __future__ import annotations

import socket

import pytest

from services.local import LocalPlatform, PlatformError, Ports
from services.platform import bus
from services.platform.mongo import connect

pytestmark = pytest.mark.integration


def test_a_busy_port_is_named_with_the_variable_that_moves_it(tmp_path) -> None:
    ports = Ports.free()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", ports.gateway))
        holder.listen()
        platform = LocalPlatform(home=tmp_path, ports=ports, say=lambda _: None)
        with pytest.raises(PlatformError) as refused:
            platform.start(timeout=5)
    message = str(refused.value)
    assert f"gateway port {ports.gateway}" in message
    assert "GRIDFUSION_GATEWAY_PORT" in message
    assert not platform.procs  # nothing was left running


async def test_data_survives_a_restart_of_the_servers(tmp_path) -> None:
    home = tmp_path / "home"
    first = LocalPlatform(home=home, ports=Ports.free(), say=lambda _: None)
    first.start_infra()
    try:
        client = connect(first.mongodb_uri, app_name="tests")
        await client.keep.things.insert_one({"_id": "case-1", "status": "reported"})
        await client.close()
        nc = await bus.connect(first.nats_url, name="tests")
        js = nc.jetstream()
        await bus.ensure_streams(js, [bus.EVENTS])
        await js.publish("gridfusion.events.petition.dispute", b"kept", headers={"Nats-Msg-Id": "m-1"})
        await nc.close()
    finally:
        first.stop()

    second = LocalPlatform(home=home, ports=Ports.free(), say=lambda _: None)
    second.start_infra()
    try:
        client = connect(second.mongodb_uri, app_name="tests")
        assert await client.keep.things.find_one({"_id": "case-1"}) == {"_id": "case-1", "status": "reported"}
        await client.close()
        nc = await bus.connect(second.nats_url, name="tests")
        info = await nc.jetstream().stream_info(bus.EVENTS.name)
        assert info.state.messages == 1
        await nc.close()
    finally:
        second.stop()
