"""Real places through the running platform, as a county's data team brings them in: a county
that is not the synthetic one (irregular Voronoi grids around 肥城, in GCJ-02, households with
Chinese headers as CSV and as XLSX) is validated, imported and made current with no restart;
events, some in GCJ-02, then land in its grids in fusion and in the department rules; an import
with one overlap is refused naming both grids while the previous version still serves; a
rollback brings the previous grids back.

The module restores the version that was current before it, whatever happens, so the other
end-to-end tests keep the synthetic county.
"""

from __future__ import annotations

import io
import subprocess
import time
import uuid
import zipfile
from pathlib import Path

import grpc
import httpx
import pytest
from gridfusion.departments.v1 import departments_pb2 as dpb
from gridfusion.departments.v1 import departments_pb2_grpc as dpb_grpc

from services.local import LocalPlatform, tool
from tests.reference_sample import Sample, make_sample, with_overlap, write_sample

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def client(platform: LocalPlatform):
    with httpx.Client(base_url=platform.gateway_url, timeout=120) as c:
        yield c


@pytest.fixture(scope="module")
def admin(client: httpx.Client) -> dict[str, str]:
    reply = client.post("/v1/auth/token", data={"username": "admin", "password": "demo"})
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


@pytest.fixture(scope="module")
def sample() -> Sample:
    return make_sample(seed=3)


@pytest.fixture(scope="module")
def before(client: httpx.Client, admin: dict):
    """The version current before this module; made current again at its end."""
    current = next(v for v in client.get("/v1/reference/versions", headers=admin).json()["items"] if v["current"])
    yield current
    reply = client.post(f"/v1/reference/versions/{current['version']}:activate", headers=admin)
    assert reply.status_code == 200, reply.text
    wait_for_version(client, current["version"])


def wait_for_version(client: httpx.Client, version: str, timeout: float = 30) -> dict:
    """Until ``version`` is current and every department service that places events has loaded
    it (``/readyz`` says which version each holds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reply = client.get("/readyz")
        body = reply.json()
        reference = body.get("reference", {})
        loaded = reference.get("loaded", {})
        if (reply.status_code == 200 and reference.get("version") == version
                and {"comprehensive_governance", "legal_aid", "police_assistant"} <= set(loaded)
                and set(loaded.values()) == {version}):
            return body
        time.sleep(0.3)
    raise AssertionError(f"the platform did not switch to {version}: {body}")


def upload(folder: Path) -> list[tuple[str, tuple[str, bytes]]]:
    return [("files", (p.name, p.read_bytes())) for p in sorted(folder.iterdir())]


def test_an_import_with_one_overlap_is_refused_naming_both_grids_and_the_current_version_still_serves(
        client: httpx.Client, admin: dict, sample: Sample, before: dict, tmp_path: Path) -> None:
    broken, (first, second) = with_overlap(sample)
    write_sample(broken, tmp_path, crs="gcj02")
    reply = client.post("/v1/reference/imports", params={"crs": "gcj02"}, headers=admin, files=upload(tmp_path))
    assert reply.status_code == 422, reply.text
    report = reply.json()
    assert not report["applied"] and report["errors"] == 1
    [problem] = report["problems"]
    assert problem["code"] == "grid_overlap" and {first, second} <= set(problem["ids"])
    assert first in problem["message"] and second in problem["message"] and "m²" in problem["message"]
    versions = client.get("/v1/reference/versions", headers=admin).json()["items"]
    assert next(v for v in versions if v["current"])["version"] == before["version"]
    grids = client.get("/v1/grids", headers=admin).json()
    assert grids["reference_version"] == before["version"] and len(grids["features"]) == before["counts"]["grids"]


def test_only_the_county_imports_or_rolls_back(client: httpx.Client, sample: Sample, tmp_path: Path) -> None:
    street = client.post("/v1/auth/token", data={"username": "street-370921001", "password": "demo"}).json()
    headers = {"Authorization": f"Bearer {street['access_token']}"}
    write_sample(sample, tmp_path)
    assert client.post("/v1/reference/imports", headers=headers, files=upload(tmp_path)).status_code == 403
    assert client.post("/v1/reference/versions/v0001:activate", headers=headers).status_code == 403


def test_a_real_county_in_gcj02_is_imported_and_events_land_in_its_grids_in_fusion_and_the_departments(
        client: httpx.Client, admin: dict, sample: Sample, before: dict, platform: LocalPlatform,
        tmp_path: Path) -> None:
    csv_folder, xlsx_folder = tmp_path / "csv", tmp_path / "xlsx"
    write_sample(sample, csv_folder, crs="gcj02", households_format="csv")
    write_sample(sample, xlsx_folder, crs="gcj02", households_format="xlsx")
    assert (csv_folder / "households.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert "户号" in (csv_folder / "households.csv").read_text(encoding="utf-8-sig").splitlines()[0]

    # The data team's dry run with the command (CSV, Chinese headers), then the upload (XLSX).
    dry = subprocess.run(
        [tool("gridfusion"), "reference", "import", str(csv_folder), "--crs", "gcj02", "--dry-run",
         "--fusion", f"127.0.0.1:{platform.ports.fusion}"], capture_output=True, text=True, timeout=300, check=False)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "0 error(s)" in dry.stdout and f"{len(sample.grids)} grids" in dry.stdout
    assert client.get("/readyz").json()["reference"]["version"] == before["version"]  # a dry run changes nothing

    reply = client.post("/v1/reference/imports", params={"crs": "gcj02"}, headers=admin, files=upload(xlsx_folder))
    assert reply.status_code == 201, reply.text
    report = reply.json()
    assert report["applied"] and report["counts"]["grids"] == len(sample.grids)
    assert report["counts"]["households"] == len(sample.households)
    version = report["version"]
    wait_for_version(client, version)  # fusion, the departments and the gateway: no restart

    grids = client.get("/v1/grids", headers=admin).json()
    assert grids["reference_version"] == version
    # Every part of fusion follows the new version: the party-member register lists the import's members.
    register = client.get("/v1/party-members/register", headers=admin, params={"page_size": 500}).json()
    assert register["total"] == len(sample.members)
    assert {e["member_id"] for e in register["items"]} <= {m.member_id for m in sample.members}
    assert sorted(f["properties"]["grid_id"] for f in grids["features"]) == sorted(g.grid_id for g in sample.grids)
    # Events: half given in GCJ-02 as a map SDK reports them, half in WGS84.
    placed = {}
    for i, grid in enumerate(sample.grids):
        event_id = f"ref-{uuid.uuid4().hex[:8]}"
        if i % 2:
            lon, lat = grid.test_points_gcj02[0]
            location = {"lon": lon, "lat": lat, "crs": "gcj02"}
        else:
            lon, lat = grid.test_points[0]
            location = {"lon": lon, "lat": lat}
        body = {"id": event_id, "type": "police.incident", "time": "2026-12-01T09:00:00+08:00",
                "category": "public_order.theft", "summary": f"电动车被盗 {event_id}", "location": location}
        sent = client.post("/v1/departments/police_assistant/events", headers=admin, json=body)
        assert sent.status_code == 202, sent.text
        placed[event_id] = grid.grid_id
    for event_id, grid_id in placed.items():
        assert fused_grid(client, admin, event_id) == grid_id, event_id

    # The department rule placed each event in the same grid (its own records, over gRPC).
    target = f"127.0.0.1:{platform.ports.departments['police_assistant']}"
    with grpc.insecure_channel(target) as channel:
        stub = dpb_grpc.DepartmentServiceStub(channel)
        for event_id, grid_id in placed.items():
            record = stub.GetEvent(dpb.GetEventRequest(event_id=event_id), timeout=10,
                                   metadata=platform.grpc_metadata("police_assistant"))
            assigned = record.event.details["assigned_to"]
            assert assigned["grid_id"] == grid_id, (event_id, dict(assigned))
            # The import names no police assistants: the post is vacant, and the event says so.
            assert assigned["status"] == "unassigned" and grid_id in assigned["reason"]
            if "reported_location" in record.event.details:
                assert record.event.details["reported_location"]["crs"] == "gcj02"

    # Legal aid's half-hour circle now counts the imported households.
    lawyer = client.post("/v1/auth/token", data={"username": "dept-legal_aid", "password": "demo"}).json()
    circle = client.get("/v1/departments/legal_aid/circle-gaps",
                        headers={"Authorization": f"Bearer {lawyer['access_token']}"}).json()
    assert circle["households_checked"] == len(sample.households)

    # The export gives back what was imported, and it validates as it is.
    exported = client.get("/v1/reference/export", headers=admin)
    assert exported.status_code == 200 and exported.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(exported.content)).namelist()
    assert {"grids.geojson", "households.csv", "party_members.csv"} <= set(names)
    again = client.post("/v1/reference/imports", params={"dry_run": "true"}, headers=admin,
                        files=[("files", ("export.zip", exported.content))])
    assert again.status_code == 200 and again.json()["errors"] == 0, again.text

    # Rollback: one call, and the previous grids serve again.
    rolled = client.post(f"/v1/reference/versions/{before['version']}:activate", headers=admin)
    assert rolled.status_code == 200 and rolled.json()["current"]
    wait_for_version(client, before["version"])
    grids = client.get("/v1/grids", headers=admin).json()
    assert len(grids["features"]) == before["counts"]["grids"]
    inside = client.get("/v1/locate", params={"lon": sample.grids[0].test_points[0][0],
                                              "lat": sample.grids[0].test_points[0][1]}, headers=admin)
    assert inside.status_code == 404  # Feicheng is not in the synthetic county
    ningyang = client.get("/v1/locate", params={"lon": 116.8052, "lat": 35.7598}, headers=admin)
    assert ningyang.status_code == 200 and ningyang.json()["grid_id"].startswith("370921")


def fused_grid(client: httpx.Client, headers: dict, event_id: str, timeout: float = 30) -> str | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = client.get(f"/v1/events/{event_id}", headers=headers)
        if got.status_code == 200 and got.json()["status"] != "pending":
            body = got.json()
            assert body["status"] == "fused", body
            return body["grid_id"]
        time.sleep(0.3)
    raise AssertionError(f"{event_id} was not fused in {timeout} s")
