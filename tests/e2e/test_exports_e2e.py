"""The case list and the weekly report as spreadsheets: the list's filters and scope, the text
masked as the list masks it, Chinese readable in the spreadsheet (CSV with a byte-order mark),
and nothing a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
import time
import uuid

import httpx
import pytest
from openpyxl import load_workbook

from services.local import LocalPlatform

pytestmark = pytest.mark.e2e

LON, LAT = 116.783711, 35.746942  # 文华新城小区


@pytest.fixture(scope="module")
def client(platform: LocalPlatform):
    with httpx.Client(base_url=platform.gateway_url, timeout=60) as c:
        yield c


def login(client: httpx.Client, username: str) -> dict[str, str]:
    reply = client.post("/v1/auth/token", data={"username": username, "password": "demo"})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def test_cases_export_as_csv_and_xlsx_with_filters_scope_and_masking(client: httpx.Client) -> None:
    admin = login(client, "admin")
    event_id = f"exp-{uuid.uuid4().hex[:10]}"
    summary = "=HYPERLINK(\"x\") 住户13809218888反映楼道堆物"
    sent = client.post("/v1/departments/comprehensive_governance/events", headers=admin, json={
        "id": event_id, "type": "incident.reported", "time": "2026-12-01T09:00:00+08:00",
        "category": "safety_hazard.fire", "summary": summary, "subject_id": f"S-{event_id}",
        "location": {"lon": LON, "lat": LAT}})
    assert sent.status_code == 202, sent.text
    deadline, status = time.monotonic() + 60, {}
    while time.monotonic() < deadline and not status.get("case_id"):
        status = client.get(f"/v1/departments/comprehensive_governance/events/{event_id}", headers=admin).json()
        time.sleep(0.3)
    case_id, grid = status["case_id"], status["grid_id"]

    exported = client.get("/v1/cases.csv", headers=admin, params={"grid_id": grid, "category": "safety_hazard.fire"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert exported.content.startswith("\ufeff".encode()) and "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert {r["网格 grid_id"] for r in rows} == {grid} and {r["类别 category"] for r in rows} == {"safety_hazard.fire"}
    ours = next(r for r in rows if r["案件编号 case_id"] == case_id)
    assert ours["摘要 summary"].startswith("'=") and "13809218888" not in ours["摘要 summary"]  # the county: masked
    assert ours["类别名称 category label"] and exported.headers["x-gridfusion-truncated"] == "false"

    secretary = login(client, f"sec-{grid}")
    book = client.get("/v1/cases.xlsx", headers=secretary, params={"purpose": "月度台账"})
    assert book.status_code == 200 and book.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(book.content), read_only=True).active
    values = list(sheet.values)
    assert values[0][0] == "案件编号 case_id" and len(values) > 1
    mine = next(v for v in values[1:] if v[0] == case_id)
    assert "13809218888" in mine[-1]  # the grid's own staff read it whole, audited
    audit = client.get("/v1/audit", headers=admin, params={"who": f"sec-{grid}"}).json()["items"]
    assert any("cases export" in e["what"] and e["why"] == "月度台账" for e in audit)
    assert {v[1] for v in values[1:]} == {grid}  # its own grid only

    resident = login(client, f"resident-{grid}")
    assert client.get("/v1/cases.csv", headers=resident).status_code == 403
    assert client.get("/v1/cases.pdf", headers=admin).status_code == 422


def test_the_weekly_report_exports_its_ranked_grids(client: httpx.Client) -> None:
    admin = login(client, "admin")
    exported = client.get("/v1/reports/weekly.csv", headers=admin, params={"scope": "county"})
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(rows) == 53 and int(rows[0]["排名 rank"]) == 1
    assert [int(r["排名 rank"]) for r in rows] == sorted(int(r["排名 rank"]) for r in rows)
    book = client.get("/v1/reports/weekly.xlsx", headers=admin, params={"scope": "county", "week": "2026-W48"})
    assert book.status_code == 200 and 'weekly-2026-W48.xlsx' in book.headers["content-disposition"]
    assert len(list(load_workbook(io.BytesIO(book.content), read_only=True).active.values)) == 54
    assert client.get("/v1/reports/weekly.html", headers=admin).status_code == 200  # the page still answers
