"""The simulated event mix, checked against the real department definitions and the county:
the same for a seed, valid for its department, placed in its household's grid, departments in
their weights, petitioners who come back, incidents that several departments report."""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest

from services.departments.definitions import DEFINITIONS
from services.departments.validation import check_event
from services.platform.events import EventIn
from services.platform.vocabulary import DEPARTMENTS, family_of
from services.reference import build_county
from services.reference.resolver import GridResolver
from services.simulation import mix

pytestmark = pytest.mark.unit

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 30, 8, 0, tzinfo=TZ)


@cache
def sample(seed: int = 11, n: int = 20_000, rate: float = 10.0) -> tuple[tuple[str, dict], ...]:
    return tuple(itertools.islice(mix.events(build_county(), seed=seed, start=START, rate=rate), n))


def at(event: dict) -> datetime:
    return datetime.fromisoformat(event["time"])


def point_of(event: dict) -> tuple[float, float] | None:
    loc = event["location"]
    return (loc["lon"], loc["lat"]) if "lon" in loc else None


DATED = ("rectification_deadline", "alarm_no")  # derived from the event's time


def without_time(stream) -> list[tuple[str, dict]]:
    return [
        (d, {**{k: v for k, v in e.items() if k != "time"},
             "details": {k: v for k, v in e["details"].items() if k not in DATED}})
        for d, e in stream
    ]


def test_the_same_seed_gives_the_same_events_whatever_the_start():
    county = build_county()
    first = list(itertools.islice(mix.events(county, seed=5, start=START), 3000))
    again = list(itertools.islice(mix.events(county, seed=5, start=START + timedelta(days=3)), 3000))
    other = list(itertools.islice(mix.events(county, seed=6, start=START), 3000))
    assert without_time(first) == without_time(again)
    assert without_time(first) != without_time(other)
    assert first[0][1]["time"] != again[0][1]["time"]


def test_events_come_in_time_order_one_every_one_over_rate_seconds():
    events = sample(n=2000, rate=4.0)
    times = [at(e) for _, e in events]
    assert times[0] == START
    assert all(b - a == timedelta(seconds=0.25) for a, b in itertools.pairwise(times))
    assert all(e["time"].endswith("+08:00") for _, e in events)


def test_the_default_start_is_now_in_shanghai_with_its_offset():
    department, event = next(mix.events(build_county()))
    assert department in DEPARTMENTS
    assert event["time"].endswith("+08:00")
    assert abs(at(event) - datetime.now(TZ)) < timedelta(minutes=1)


def test_a_start_without_offset_or_a_rate_that_is_not_positive_is_refused():
    with pytest.raises(ValueError, match="offset"):
        next(mix.events(build_county(), start=datetime(2026, 11, 30, 8, 0)))
    with pytest.raises(ValueError, match="rate"):
        next(mix.events(build_county(), rate=0))


def test_every_event_is_valid_for_its_department_as_the_gateway_and_the_service_check_it():
    for department, raw in sample()[:8000]:
        event = EventIn.model_validate(raw)  # the gateway's request model
        problems = check_event(event.to_proto(department), DEFINITIONS[department])
        assert problems == [], (department, raw, problems)


def test_every_event_lies_in_its_households_grid():
    county = build_county()
    resolver = GridResolver.from_county(county)
    grid_of_point = {h.location: h.grid_id for h in county.households}
    households = {h.household_id: h for h in county.households}
    located = 0
    for department, raw in sample()[:6000]:
        proto = EventIn.model_validate(raw).to_proto(department)
        found = resolver.locate(proto.location)
        assert found is not None, raw
        point = point_of(raw)
        if point is not None:
            assert grid_of_point[point] == found.grid_id, raw
        household_id = raw["location"].get("household_id") or raw["details"].get("household_id")
        if household_id:
            assert households[household_id].grid_id == found.grid_id
        located += 1
    assert located == 6000


def test_civil_affairs_livelihood_events_name_a_household_of_the_county():
    households = {h.household_id for h in build_county().households}
    forms = Counter()
    for department, raw in sample():
        if department == "civil_affairs" and raw["category"].startswith("livelihood."):
            as_location = raw["location"].get("household_id")
            named = as_location or raw["details"].get("household_id")
            assert named in households, raw
            forms["location" if as_location else "details"] += 1
    assert forms["location"] > 200 and forms["details"] > 200


def test_departments_come_in_their_weights_comprehensive_governance_most_legal_aid_least():
    counts = Counter(d for d, _ in sample())
    total = sum(mix.DEPARTMENT_WEIGHTS.values())
    for department, weight in mix.DEPARTMENT_WEIGHTS.items():
        assert abs(counts[department] / len(sample()) - weight / total) < 0.015, counts
    order = [d for d, _ in counts.most_common()]
    assert order == ["comprehensive_governance", "petition", "police_assistant", "civil_affairs", "legal_aid"]


def test_categories_follow_each_departments_table():
    for department, table in mix.CATEGORY_WEIGHTS.items():
        seen = Counter(e["category"] for d, e in sample() if d == department)
        listed = {category for _, category, _ in table}
        assert set(seen) <= listed | {c for c, reporters in mix.JOINT_INCIDENTS if department in reporters}
        top = max(table, key=lambda row: row[2])[1]
        assert seen[top] == max(seen.values()) or seen[top] > 0.8 * max(seen.values()), (department, seen)


def test_ids_are_unique_per_department_and_carry_the_department_and_seed():
    ids = defaultdict(set)
    for department, event in sample():
        assert event["id"].startswith(f"{mix.ID_PREFIXES[department]}-11-")
        assert event["id"] not in ids[department]
        ids[department].add(event["id"])
    assert sum(len(v) for v in ids.values()) == len(sample())


WHEN = re.compile(r"^\d+时\d+分许，")
RETURN = re.compile(r"^(再次|第\d+次)反映：")


def test_petitioners_come_back_on_the_same_matter_at_the_same_place_within_seven_days():
    visits = defaultdict(list)
    for department, event in sample():
        if department == "petition":
            visits[(event["subject_id"], event["category"])].append(event)
    returns = 0
    for matter in visits.values():
        for i, event in enumerate(matter):
            said = RETURN.match(event["summary"])
            if not said:
                continue
            returns += 1
            original = event["summary"][said.end():]
            first = next(e for e in matter[:i] if e["summary"] == original)
            assert first["location"] == event["location"]
            assert timedelta(0) < at(event) - at(first) <= timedelta(days=7)
    petitioners = sum(1 for matter in visits.values() for e in matter if not RETURN.match(e["summary"]))
    assert 0.2 < returns / petitioners < 0.6, (returns, petitioners)
    assert any(sum(1 for e in matter if e["summary"].startswith("第3次反映")) for matter in visits.values())


def test_at_a_county_like_rate_a_petitioner_comes_back_days_later():
    events = sample(seed=3, n=3000, rate=150 / 86400)  # about 150 events a day
    visits = defaultdict(list)
    for department, event in events:
        if department == "petition":
            visits[(event["subject_id"], event["category"])].append(at(event))
    gaps = [b - a for times in visits.values() for a, b in itertools.pairwise(times)]
    assert gaps and max(gaps) > timedelta(days=1)
    assert all(timedelta(0) < gap <= timedelta(days=7) for gap in gaps)


def joint_incidents(events, within: timedelta = timedelta(hours=1)) -> list[list[tuple[str, dict]]]:
    """Reports of one place, category and summary (which says when it happened) by more than one
    department, each within ``within`` of the one before (the same building may see the same
    matter again later)."""
    reporters = dict(mix.JOINT_INCIDENTS)
    groups = defaultdict(list)
    for department, event in events:
        point = point_of(event)
        timed = WHEN.match(event["summary"])
        if point is not None and timed and department in reporters.get(event["category"], ()):
            groups[(point, event["category"], event["summary"])].append((department, event))
    clusters = []
    for group in groups.values():
        current = [group[0]]
        for report in group[1:]:
            if at(report[1]) - at(current[-1][1]) <= within:
                current.append(report)
            else:
                clusters.append(current)
                current = [report]
        clusters.append(current)
    return [c for c in clusters if len({d for d, _ in c}) > 1]


def test_about_one_incident_in_twenty_is_reported_by_two_or_three_departments_within_minutes():
    incidents = joint_incidents(sample(), within=timedelta(minutes=10))
    reports = sum(len(g) for g in incidents)
    new_incidents = len(sample()) - reports + len(incidents)  # roughly: returns are few
    share = len(incidents) / new_incidents
    assert 0.03 < share < 0.07, share
    sizes = Counter(len({d for d, _ in g}) for g in incidents)
    assert sizes[2] > sizes[3] > 0
    for group in incidents:
        departments = [d for d, _ in group]
        assert len(departments) == len(set(departments)), group
        times = sorted(at(e) for _, e in group)
        assert times[-1] - times[0] <= timedelta(minutes=10)
        assert len({family_of(e["category"]) for _, e in group}) == 1


def test_at_a_low_rate_the_other_departments_report_minutes_later_not_seconds():
    incidents = joint_incidents(sample(seed=4, n=4000, rate=1 / 60))
    assert incidents
    for group in incidents:
        times = sorted(at(e) for _, e in group)
        assert timedelta(minutes=1) <= times[-1] - times[0] <= timedelta(hours=1)
