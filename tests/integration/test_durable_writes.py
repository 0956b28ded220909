"""What a service was told is written survives the database server's crash: every client of
:func:`services.platform.mongo.connect` writes with the journal (``j``) and a majority, and a
fusion transaction commits so too. Found by ``make chaos`` (db_restart): SecantusDB acknowledges a
plain majority write before its journal has it, and a SIGKILL then loses it."""

from __future__ import annotations

import subprocess

import pytest
from gridfusion.events.v1 import events_pb2

from services.fusion.cases import TXN, CaseStore
from services.local import free_port, tool, wait_for_port
from services.platform.mongo import WRITE_CONCERN, connect, journal
from services.reference.resolver import Resolution

pytestmark = pytest.mark.integration


def start(port: int, path) -> subprocess.Popen:
    proc = subprocess.Popen([tool("secantusd-py"), "--host", "127.0.0.1", "--port", str(port), "--storage-path",
                             str(path), "--log-level", "WARNING"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, 60, proc, "secantusd-py")
    return proc


async def test_acknowledged_writes_survive_a_sigkill_of_the_database_server(tmp_path) -> None:
    assert WRITE_CONCERN.document == {"w": "majority", "j": True} and TXN["write_concern"] is WRITE_CONCERN
    port = free_port()
    server = start(port, tmp_path)
    uri = f"mongodb://127.0.0.1:{port}/?directConnection=true"
    try:
        client = connect(uri, app_name="tests-durable")
        assert client.write_concern.document == {"w": "majority", "j": True}
        for i in range(50):
            await client.durable.writes.insert_one({"_id": i})
        async with client.start_session() as session, await session.start_transaction(**TXN):
            await client.durable.writes.insert_one({"_id": "in-a-transaction"}, session=session)
        await journal(client.durable)  # as CaseStore does after every transaction
        await client.close()
        server.kill()
        server.wait()
        server = start(port, tmp_path)
        client = connect(uri, app_name="tests-durable")
        assert await client.durable.writes.count_documents({}) == 51
        await client.close()
    finally:
        server.kill()
        server.wait()


async def test_a_fused_event_survives_a_sigkill_of_the_database_server(tmp_path) -> None:
    port = free_port()
    server = start(port, tmp_path)
    uri = f"mongodb://127.0.0.1:{port}/?directConnection=true"
    try:
        client = connect(uri, app_name="tests-durable")
        store = CaseStore(client, client["fusion_durable"])
        await store.ensure_indexes()
        event = events_pb2.DepartmentEvent(id="d1", department="petition", type="incident.reported",
                                           category="dispute.neighbor", summary="楼道堆放杂物", severity=events_pb2.SEVERITY_LOW)
        event.time.GetCurrentTime()
        fused = await store.fuse(event, Resolution("370921001001001", "point", 1.0, (116.78, 35.747)), event.time.ToDatetime())
        await client.close()  # fusion would ack the message now
        server.kill()
        server.wait()
        server = start(port, tmp_path)
        client = connect(uri, app_name="tests-durable")
        record = await client["fusion_durable"]["events"].find_one({"_id": "petition:d1"})
        assert record is not None and record["case_id"] == fused.case_id
        assert await client["fusion_durable"]["cases"].count_documents({"_id": fused.case_id}) == 1
        await client.close()
    finally:
        server.kill()
        server.wait()
