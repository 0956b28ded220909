"""`gridfusion simulate` against the whole platform: a county's event mix through the gateway's
batch API, every event accepted and fused, an incident that several departments reported one
case, a petitioner's return joined to the first visit's case; sending the same seed again
doubles nothing. Figures in test-output/e2e/simulate.json."""

from __future__ import annotations

import itertools
import json
import re
import time
from collections import defaultdict
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from services.cli import app
from services.local import LocalPlatform
from services.reference import build_county
from services.simulation import mix

pytestmark = pytest.mark.e2e

SEED = 16
COUNT = 200
WHEN = re.compile(r"^\d+时\d+分许，")
RETURN = re.compile(r"^(再次|第\d+次)反映：")


def simulate(platform: LocalPlatform, *args: str):
    return CliRunner().invoke(app, ["simulate", "--gateway", platform.gateway_url, *args])


def sent_events() -> list[tuple[str, dict]]:
    """What the command sent: the same seed gives the same events (only the times differ)."""
    return list(itertools.islice(mix.events(build_county(), seed=SEED), COUNT))


def joint_incidents(events: list[tuple[str, dict]]) -> list[list[tuple[str, dict]]]:
    """Reports of one place, category and timed summary by more than one department."""
    reporters = dict(mix.JOINT_INCIDENTS)
    groups = defaultdict(list)
    for department, event in events:
        loc = event["location"]
        if "lon" in loc and WHEN.match(event["summary"]) and department in reporters.get(event["category"], ()):
            groups[(loc["lon"], loc["lat"], event["category"], event["summary"])].append((department, event))
    return [g for g in groups.values() if len({d for d, _ in g}) > 1]


def wait_fused(client: httpx.Client, headers: dict, events: list[tuple[str, dict]], timeout: float = 180):
    """department, id → the event's status answer, once none is pending."""
    answers: dict[tuple[str, str], dict] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for department, event in events:
            key = (department, event["id"])
            if key in answers:
                continue
            reply = client.get(f"/v1/departments/{department}/events/{event['id']}", headers=headers)
            if reply.status_code == 200 and reply.json()["status"] != "pending":
                answers[key] = reply.json()
        if len(answers) == len(events):
            return answers
        time.sleep(0.5)
    missing = [k for d, e in events if (k := (d, e["id"])) not in answers]
    raise AssertionError(f"{len(missing)} events not fused within {timeout} s, e.g. {missing[:5]}")


def test_a_simulated_county_load_is_accepted_fused_and_one_incident_is_one_case(
    platform: LocalPlatform, output_dir: Path
) -> None:
    started = time.monotonic()
    answer = simulate(platform, "--count", str(COUNT), "--seed", str(SEED), "--batch", "40")
    sent_in = time.monotonic() - started
    assert answer.exit_code == 0, answer.output
    assert "accepted/s" in answer.stdout
    for department in mix.DEPARTMENT_WEIGHTS:
        assert department in answer.stdout

    events = sent_events()
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        token = client.post("/v1/auth/token", data={"username": "admin", "password": platform.demo_password})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        status = wait_fused(client, headers, events)
        fused_in = time.monotonic() - started

        assert {s["status"] for s in status.values()} == {"fused"}, \
            [s for s in status.values() if s["status"] != "fused"][:3]

        incidents = joint_incidents(events)
        assert incidents, "the mix of this seed has incidents several departments report"
        for reports in incidents:
            cases = {status[(d, e["id"])]["case_id"] for d, e in reports}
            assert len(cases) == 1, reports
            case = client.get(f"/v1/cases/{cases.pop()}", headers=headers).json()
            assert {d for d, _ in reports} <= set(case["departments"])

        returns = 0
        petitions = defaultdict(list)
        for department, event in events:
            if department == "petition":
                petitions[(event["subject_id"], event["category"])].append(event)
        for visits in petitions.values():
            for event in visits[1:]:
                if RETURN.match(event["summary"]):
                    returns += 1
                    assert status[("petition", event["id"])]["case_id"] == \
                        status[("petition", visits[0]["id"])]["case_id"]
        assert returns > 0

    again = simulate(platform, "--count", str(COUNT), "--seed", str(SEED))
    assert again.exit_code == 0, again.output
    assert re.search(rf"all\W+{COUNT}\W+0\W+{COUNT}\W+0\W+0", again.stdout), again.stdout

    (output_dir / "simulate.json").write_text(json.dumps({
        "events": COUNT, "seed": SEED, "seconds_to_send": round(sent_in, 2),
        "seconds_until_all_fused": round(fused_in, 2), "joint_incidents": len(incidents),
        "petition_returns": returns,
    }, indent=2))


def test_the_command_wants_either_a_count_or_a_duration(platform: LocalPlatform) -> None:
    assert simulate(platform).exit_code == 2
    assert simulate(platform, "--count", "5", "--duration", "3").exit_code == 2
