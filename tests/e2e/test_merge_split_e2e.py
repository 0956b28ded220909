"""Merge and split through the gateway: a secretary merges one case into another, splits an event
off into a case of its own, and splits the merged case back out; the case JSON shows each step."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.e2e import test_cases_e2e as cases
from tests.e2e.test_cases_e2e import LAT, LON, act, auth, ok, report, wait_status

client = cases.client  # the fixture: an HTTP client of the platform's gateway

pytestmark = pytest.mark.e2e

# A place of this test's own, some 400 m from where the other tests of the session report: their
# cases are neither joined nor suggested here.
HERE = {"lon": LON + 0.0041, "lat": LAT + 0.0023}


def test_merge_and_split_through_the_gateway(client: httpx.Client) -> None:
    tag = uuid.uuid4().hex[:8]
    report(client, "petition", f"m1-{tag}", subject=f"MA-{tag}", summary="夜间广场舞音响声音过大扰民",
           category="environment.noise", location=HERE)
    report(client, "petition", f"m2-{tag}", subject=f"MB-{tag}", summary="楼道被邻居堆放杂物堵塞",
           category="dispute.neighbor", location=HERE)
    report(client, "legal_aid", f"m3-{tag}", subject=f"MB-{tag}", summary="咨询邻居占用楼道如何维权",
           category="dispute.neighbor", location=HERE)
    a, b, b2 = (wait_status(client, i) for i in (f"m1-{tag}", f"m2-{tag}", f"m3-{tag}"))
    assert b["case_id"] == b2["case_id"] != a["case_id"], (a, b, b2)
    sid, xid, grid_id = a["case_id"], b["case_id"], a["grid_id"]
    sec = f"sec-{grid_id}"

    detail = ok(client.get(f"/v1/cases/{sid}", headers=auth(client, sec)))
    assert {"merge", "split"} & set(detail["allowed_actions"]) == {"merge"}  # one event: nothing to split
    assert detail["possible_duplicates"] == [] and detail["merged_into"] is None and detail["merged_from"] == []
    # Missing or bad fields are 422 naming them.
    for body, field in (({"action": "merge"}, "into"), ({"action": "merge", "into": sid}, "into"),
                        ({"action": "split", "event_ids": []}, "event_ids"),
                        ({"action": "split", "event_ids": ["x" * 301]}, "event_ids"),
                        ({"action": "split", "event_ids": [f"m1-{tag}"]}, "event_ids")):
        case_id = xid if body["action"] == "split" else sid
        refused = act(client, sec, case_id, **body)
        assert refused.status_code == 422, refused.text
        assert field in str(refused.json()["detail"]), refused.text
    assert act(client, sec, sid, action="merge", into="C-none").status_code == 404
    assert act(client, "dept-petition", sid, action="merge", into=xid).status_code == 404

    merged = ok(act(client, sec, sid, action="merge", into=xid, note="同一楼道"))
    assert (merged["status"], merged["merged_into"]) == ("merged", xid) and merged["due_at"] is None
    x = ok(client.get(f"/v1/cases/{xid}", headers=auth(client, sec)))
    assert x["merged_from"] == [sid] and f"petition:m1-{tag}" in x["event_ids"]
    assert sorted(x["departments"]) == ["legal_aid", "petition"]
    origins = [(t["action"], t["origin_case_id"]) for t in x["timeline"]]
    assert ("reported", sid) in origins and ("merge", sid) in origins and ("merge", None) in origins
    assert next(t for t in x["timeline"] if t["action"] == "merge" and t["origin_case_id"] is None)["other_case_id"] == sid
    # A finished case takes neither action.
    assert act(client, sec, sid, action="merge", into=xid).status_code == 409

    # Split the legal-aid report off into a case of its own.
    split = ok(act(client, sec, xid, action="split", event_ids=[f"legal_aid:m3-{tag}"], note="另一件事"))
    assert f"legal_aid:m3-{tag}" not in split["event_ids"]
    x = ok(client.get(f"/v1/cases/{xid}", headers=auth(client, sec)))
    entry = x["timeline"][-1]
    assert (entry["action"], entry["event_ids"]) == ("split", [f"legal_aid:m3-{tag}"])
    new = ok(client.get(f"/v1/cases/{entry['other_case_id']}", headers=auth(client, sec)))
    assert new["split_from"] == xid and new["event_ids"] == [f"legal_aid:m3-{tag}"]
    assert [t["action"] for t in new["timeline"]] == ["correlated", "split"]
    assert wait_status(client, f"m3-{tag}")["case_id"] == new["case_id"]

    # Splitting the merged case's events back out restores it.
    ok(act(client, sec, xid, action="split", event_ids=[f"m1-{tag}"]))
    s = ok(client.get(f"/v1/cases/{sid}", headers=auth(client, sec)))
    assert (s["status"], s["merged_into"]) == ("reported", None) and s["due_at"] is not None
    assert ok(client.get(f"/v1/cases/{xid}", headers=auth(client, sec)))["merged_from"] == []
