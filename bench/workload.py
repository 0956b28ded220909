"""The events the benchmarks send: ``(department, event_json)`` in the gateway's JSON form.

The stream is :func:`services.simulation.mix.events` (the realistic mix of the five
departments) when that module is there, else :func:`synthetic_events` below: a plain mix of
valid events over the county's compounds and households. Each round renames its events' ids
with a tag of its own, so no round's events are duplicates of another's.
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from gridfusion.events.v1 import events_pb2

from services.departments.store import record_of
from services.platform import bus
from services.platform.events import EventIn
from services.platform.vocabulary import DEPARTMENTS, ID_MAX, SUBTYPES

Event = tuple[str, dict[str, Any]]

MIX_MODULE = "services.simulation.mix"
# The mix's pace: events per second of event time (the times of a round end about now).
MIX_RATE = 10.0


def mix_available() -> bool:
    try:
        return importlib.util.find_spec(MIX_MODULE) is not None
    except ModuleNotFoundError:  # services.simulation itself is not there
        return False


def source_name() -> str:
    return f"{MIX_MODULE}.events" if mix_available() else "bench.workload.synthetic_events"


def stream(county, *, seed: int, count: int, span: timedelta | None = None,
           end: datetime | None = None) -> Iterator[Event]:
    """The event stream of one round, its event times ending about ``end`` (default now):
    :data:`MIX_RATE` events per second of event time, or ``count`` events spread over ``span``."""
    rate = count / span.total_seconds() if span else MIX_RATE
    start = (end or datetime.now(UTC)) - timedelta(seconds=count / rate + 60)
    if mix_available():
        mix = importlib.import_module(MIX_MODULE)
        return mix.events(county, seed=seed, start=start, rate=rate)
    return synthetic_events(county, seed=seed, start=start, rate=rate)


def take(county, *, seed: int, count: int, tag: str, span: timedelta | None = None,
         end: datetime | None = None) -> list[Event]:
    """``count`` events of the stream (spread over ``span`` of event time ending at ``end``, when
    given), each id prefixed with ``tag`` (a duplicate in the stream stays a duplicate)."""
    out = []
    for department, raw in itertools.islice(stream(county, seed=seed, count=count, span=span, end=end), count):
        event = dict(raw)
        if isinstance(event.get("id"), str):
            event["id"] = f"{tag}-{event['id']}"[:ID_MAX]
        out.append((department, event))
    return out


# -- a plain mix, for when the realistic one is not there ------------------------------------

_FAMILIES = {
    "comprehensive_governance": ("dispute", "safety_hazard", "public_order", "environment"),
    "petition": ("dispute", "property_management", "environment", "other"),
    "legal_aid": ("legal_service",),
    "police_assistant": ("public_order", "safety_hazard", "dispute", "special_population"),
    "civil_affairs": ("livelihood",),
}
_WEIGHTS = {"comprehensive_governance": 4, "petition": 3, "legal_aid": 1, "police_assistant": 3, "civil_affairs": 2}
_PLACES = ("楼道", "小区门口", "菜市场", "停车场", "沿街商铺", "河道", "学校周边", "广场", "老旧小区", "施工工地")
_MATTERS = ("堆放杂物", "噪音扰民", "拖欠工资", "漏水纠纷", "占用车位", "电线老化", "垃圾清运不及时", "物业服务差",
            "邻里口角", "宠物伤人", "违章搭建", "污水外溢", "燃气泄漏隐患", "消防通道堵塞", "低保申请", "赡养纠纷")
_SEVERITIES = ("low", "medium", "medium", "medium", "high", "critical")


def synthetic_events(county, *, seed: int = 0, start: datetime | None = None, rate: float = MIX_RATE) -> Iterator[Event]:
    """Valid events of the five departments, endlessly: points near the county's compounds,
    households for civil affairs, a subject on one event in five (drawn from a pool, so some
    repeat), summaries from a few hundred phrasings."""
    rng = random.Random(seed)
    start = start or datetime.now(UTC)
    compounds = list(county.compounds)
    households = list(county.households)
    departments = [d for d in DEPARTMENTS for _ in range(_WEIGHTS.get(d, 1))]
    for n in itertools.count():
        department = rng.choice(departments)
        family = rng.choice(_FAMILIES[department])
        category = f"{family}.{rng.choice(SUBTYPES[family])}"
        event: dict[str, Any] = {
            "id": f"s{seed}-{n}",
            "type": "incident.reported",
            "time": (start + timedelta(seconds=n / rate)).isoformat(),
            "category": category,
            "summary": f"{rng.choice(_PLACES)}{rng.choice(_MATTERS)}，第{rng.randrange(1, 40)}号反映",
            "severity": rng.choice(_SEVERITIES),
        }
        if department == "civil_affairs":
            event["location"] = {"household_id": rng.choice(households).household_id}
        else:
            lon, lat = rng.choice(compounds).location
            event["location"] = {"lon": round(lon + rng.uniform(-4e-4, 4e-4), 6),
                                 "lat": round(lat + rng.uniform(-4e-4, 4e-4), 6)}
            if rng.random() < 0.2:
                event["subject_id"] = f"P-{seed}-{rng.randrange(2000)}"
        yield department, event


# -- what a department makes of an event, for the ingest baseline -----------------------------

def department_record(department: str, raw: dict[str, Any], accepted_at: datetime) -> tuple[dict[str, Any], str, bytes, dict[str, str]] | None:
    """What a department keeps and publishes for a valid event: its record (the shape of
    :mod:`services.departments.store`), the subject, the body and the headers of the message;
    None for an event the contract refuses."""
    try:
        event = EventIn.model_validate(raw).to_proto(department)
    except ValueError:
        return None
    if event.severity == events_pb2.SEVERITY_UNSPECIFIED:
        event.severity = events_pb2.SEVERITY_MEDIUM
    event.accepted_at.FromDatetime(accepted_at)
    body = event.SerializeToString()
    record = record_of(event)
    headers = bus.ce_headers(
        event_id=event.id, ce_type="gridfusion.department_event.v1", source=f"gridfusion/departments/{department}",
        subject=event.subject_id or None, time=event.time.ToDatetime(tzinfo=UTC),
        msg_id=bus.event_key(department, event.id),
    )
    return record, bus.event_subject(department, event.category), body, headers
