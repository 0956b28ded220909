"""Whatever arrives on NATS, the code that decodes it ends cleanly: random bytes and
well-formed protobuf carrying wrong values, on right and wrong subjects, given to fusion's
consumer of department events, to its consumer of handling results, to a department's feed of
hand-overs and to the dead-lettering of the platform's pull consumer. Each message comes out
fused, dead-lettered with a reason, or refused with one; never an exception."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from gridfusion.departments.v1 import departments_pb2
from gridfusion.events.v1 import events_pb2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nats.aio.msg import Msg

from services.departments.handovers import decode_handover
from services.fusion.consumer import FusionHandler, check_sender, decode
from services.fusion.results import decode_result
from services.platform import bus
from services.platform.bus import Verdict, envelope_of
from services.platform.vocabulary import DEPARTMENTS
from services.reference import build_county
from services.reference.resolver import GridResolver

pytestmark = pytest.mark.unit

FAMILIES = ("dispute", "safety_hazard", "livelihood", "other", "nofamily", "")
CATEGORIES = ("dispute.neighbor", "safety_hazard.fire", "livelihood.elderly_care", "other", "dispute", ".", "")
NAMES = st.sampled_from([*DEPARTMENTS, "nobody", "", "petition.x", "*", ">"])
TEXT = st.text(max_size=40) | st.sampled_from(["", " ", "\x00", "a" * 200, "370911001001001"])
NUMBER = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([116.8052, 35.7598, -180.0, 90.0, 1e308])
PROTO_INT = st.integers(min_value=-(2**31), max_value=2**31 - 1)
SECONDS = st.integers(min_value=-62135596800, max_value=253402300799)  # Timestamp's own range


def subjects(kind: str) -> st.SearchStrategy[str]:
    """Subjects of the right shape for ``kind`` with any names in them, and others of any shape."""
    shaped = {
        "events": st.builds(lambda d, f: f"gridfusion.events.{d}.{f}", NAMES, st.sampled_from(FAMILIES)),
        "results": st.builds(lambda d: f"gridfusion.results.{d}", NAMES),
        "handover": st.builds(lambda d, g: f"gridfusion.handover.{d}.{g}", NAMES, TEXT),
    }[kind]
    return shaped | st.text(max_size=60)


def timestamp() -> st.SearchStrategy:
    return st.builds(lambda s, n: {"seconds": s, "nanos": n}, SECONDS, st.integers(0, 999_999_999))


def location() -> st.SearchStrategy[events_pb2.Location]:
    point = st.builds(lambda lon, lat: events_pb2.Location(point=events_pb2.Point(lon=lon, lat=lat)), NUMBER, NUMBER)
    return st.one_of(
        st.just(events_pb2.Location()),
        point,
        st.builds(lambda a: events_pb2.Location(address=a), TEXT),
        st.builds(lambda h: events_pb2.Location(household_id=h), TEXT),
    )


def department_event() -> st.SearchStrategy[bytes]:
    """Well-formed ``DepartmentEvent`` bodies with wrong values anywhere (or none at all)."""
    def build(id_, type_, department, category, summary, severity, subject, loc, time, details):
        event = events_pb2.DepartmentEvent(id=id_, type=type_, department=department, category=category,
                                           summary=summary, severity=severity, subject_id=subject)
        if loc is not None:
            event.location.CopyFrom(loc)
        if time is not None:
            event.time.seconds, event.time.nanos = time["seconds"], time["nanos"]
        for key, value in details.items():
            event.details[key] = value
        return event.SerializeToString()

    return st.builds(
        build, TEXT, st.sampled_from(["incident.reported", "x.unknown", ""]), NAMES,
        st.sampled_from(CATEGORIES) | TEXT, TEXT, PROTO_INT, TEXT, st.none() | location(), st.none() | timestamp(),
        st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
    )


def handling_result() -> st.SearchStrategy[bytes]:
    return st.builds(
        lambda case, dept, result, note, actor, rid: departments_pb2.HandlingResult(
            case_id=case, department=dept, result=result, note=note, actor=actor, result_id=rid).SerializeToString(),
        TEXT, NAMES, TEXT, TEXT, TEXT, TEXT,
    )


def handover() -> st.SearchStrategy[bytes]:
    return st.builds(
        lambda case, grid, category, ids: departments_pb2.HandOver(
            case_id=case, grid_id=grid, category=category, event_ids=ids).SerializeToString(),
        TEXT, TEXT, st.sampled_from(CATEGORIES), st.lists(TEXT, max_size=3),
    )


def body(wellformed: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    """Random bytes, a well-formed message of the kind, or such a message cut or spoiled."""
    spoiled = st.builds(lambda b, cut, junk: b[:cut] + junk, wellformed, st.integers(0, 64), st.binary(max_size=8))
    return st.binary(max_size=200) | wellformed | spoiled


HEADERS = st.none() | st.dictionaries(
    st.sampled_from(["ce-id", "ce-time", "ce-source", "ce-type", "content-type", "traceparent", "Nats-Msg-Id"]),
    st.text(max_size=30) | st.sampled_from(["2026-11-27T09:30:00+08:00", "0001-01-01T00:00:00", "9999-12-31T23:59:59-23:59"]),
    max_size=4,
)


def message(subject: str, data: bytes, headers: dict[str, str] | None = None) -> Msg:
    return Msg(_client=None, subject=subject, data=data, headers=headers)


class Fused:
    """A case store that fuses whatever reaches it (the decoding is what is under test)."""

    def __init__(self) -> None:
        self.fused: list[events_pb2.DepartmentEvent] = []

    async def fuse_many(self, items, now):
        self.fused.extend(event for event, _ in items)
        return [SimpleNamespace(messages=[]) for _ in items]


class NoRelay:
    async def publish(self, messages) -> None:
        pass


@pytest.fixture(scope="module")
def resolver() -> GridResolver:
    county = build_county()
    grids = [{"_id": g.grid_id, "polygon": [list(p) for p in g.polygon]} for g in county.grids]
    households = [{"_id": h.household_id, "grid_id": h.grid_id, "address": h.address, "location": list(h.location)}
                  for h in county.households[:200]]
    return GridResolver.from_docs(grids, households, [])


FUZZ = settings(max_examples=300, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@FUZZ
@given(batch=st.lists(st.tuples(subjects("events"), body(department_event())), min_size=1, max_size=5))
def test_fusion_answers_every_department_event_with_a_clean_outcome(resolver: GridResolver, batch) -> None:
    store = Fused()
    clock = SimpleNamespace(now=lambda: datetime(2026, 11, 27, tzinfo=UTC))
    handler = FusionHandler(store, resolver, NoRelay(), clock)
    msgs = [message(subject, data) for subject, data in batch]
    outcomes = asyncio.run(handler.handle(msgs))
    assert len(outcomes) == len(msgs)
    for msg, outcome in zip(msgs, outcomes, strict=True):
        assert outcome.verdict in (Verdict.DONE, Verdict.DEAD), outcome
        if outcome.verdict is Verdict.DEAD:
            assert outcome.reason and outcome.stage in ("decode", "identity", "locate"), outcome
    for event in store.fused:  # what reaches the store is whole and the subject's department's
        assert event.id and event.department in DEPARTMENTS and event.HasField("location")


@FUZZ
@given(subject=subjects("events"), data=body(department_event()))
def test_a_department_event_decodes_or_says_why_not(subject: str, data: bytes) -> None:
    event, problem = decode(message(subject, data))
    if event is None:
        assert problem.startswith("malformed: body is not a DepartmentEvent")
    elif not problem:
        reason = check_sender(subject, event)
        assert reason == "" or reason.split(":", 1)[0] in ("unknown_department", "department_mismatch",
                                                           "family_mismatch")
    else:
        assert problem.startswith("malformed: ")


@FUZZ
@given(subject=subjects("results"), data=body(handling_result()))
def test_a_handling_result_decodes_or_says_why_not(subject: str, data: bytes) -> None:
    result, problem = decode_result(message(subject, data))
    if problem:
        assert problem.startswith("malformed: ")
    else:
        assert result.case_id and result.result.strip() and result.department in DEPARTMENTS
        assert subject == bus.results_subject(result.department)


@FUZZ
@given(department=st.sampled_from(DEPARTMENTS), subject=subjects("handover"), data=body(handover()))
def test_a_hand_over_decodes_or_is_refused_with_the_reason(department: str, subject: str, data: bytes) -> None:
    handed, problem = decode_handover(subject, data, department)
    if handed is None:
        assert problem.startswith("malformed: ")
    else:
        assert problem == "" and handed.case_id.strip()
        assert subject == bus.handover_subject(department, handed.grid_id)


@FUZZ
@given(subject=st.text(max_size=60), data=st.binary(max_size=200), headers=HEADERS)
def test_any_message_can_be_kept_whole_for_its_dead_letter(subject: str, data: bytes, headers) -> None:
    envelope = envelope_of(message(subject, data, headers))
    assert envelope.data == data
    record = events_pb2.DeadLetter(envelope=envelope, stage="decode", reason="malformed", origin_subject=subject)
    assert events_pb2.DeadLetter.FromString(record.SerializeToString()).envelope.data == data
