"""Arbitrary JSON at every department's validator (EventIn → to_proto → check_event): the only
outcomes are a clean acceptance or clean field errors — never an exception of another kind."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from services.departments.definitions import DEFINITIONS
from services.departments.validation import check_event
from services.platform.events import EventIn

pytestmark = pytest.mark.unit

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)

TYPES = sorted({"incident.reported", *(t for d in DEFINITIONS.values() for t in d.event_types), "x.unknown"})
CATEGORIES = sorted({c for d in DEFINITIONS.values() for c in d.categories} | {"dispute.unknown", "nofamily", ""})
DETAIL_KEYS = sorted(
    {name for d in DEFINITIONS.values() for t in d.event_types.values() for name in t.details.model_fields}
    | {"household_id", "risk_kind", "people_count"}
)


def mostly(valid: st.SearchStrategy, junk: st.SearchStrategy = JSON) -> st.SearchStrategy:
    """``valid`` nine times in ten, ``junk`` otherwise."""
    return st.integers(0, 9).flatmap(lambda n: junk if n == 0 else valid)


def plausible_event() -> st.SearchStrategy[dict[str, Any]]:
    """Mostly well-formed events with arbitrary values in places, so checks past the schema run."""
    location = mostly(st.one_of(
        st.fixed_dictionaries({"lon": mostly(st.floats(-180, 180)), "lat": mostly(st.floats(-90, 90))}),
        st.fixed_dictionaries({"address": mostly(st.text(min_size=1, max_size=40))}),
        st.fixed_dictionaries({"household_id": mostly(st.sampled_from(["H0010010010001", " ", "x"]))}),
    ))
    details = st.dictionaries(st.sampled_from(DETAIL_KEYS), mostly(st.text(max_size=8) | st.integers(0, 20) | st.booleans()), max_size=4)
    return st.fixed_dictionaries(
        {
            "id": mostly(st.text(min_size=1, max_size=140)),
            "type": mostly(st.sampled_from(TYPES)),
            "time": mostly(st.sampled_from(["2026-11-27T09:30:00+08:00", "2026-11-27T01:30:00Z", "2026-11-27T09:30:00"])),
            "category": mostly(st.sampled_from(CATEGORIES)),
            "summary": mostly(st.text(min_size=1, max_size=50)),
            "location": location,
        },
        optional={
            "severity": mostly(st.sampled_from(["low", "medium", "high", "critical", "extreme"])),
            "subject_id": mostly(st.text(max_size=140)),
            "details": mostly(details),
        },
    )


def check(department: str, raw: Any) -> None:
    try:
        event = EventIn.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            assert isinstance(error["loc"], tuple) and isinstance(error["msg"], str) and error["msg"]
        return
    errors = check_event(event.to_proto(department), DEFINITIONS[department])
    assert isinstance(errors, list)
    for field, message in errors:
        assert isinstance(field, str) and field
        assert field.split(".")[0] in {"id", "type", "time", "category", "summary", "severity", "subject_id",
                                       "location", "details", "department"}
        assert isinstance(message, str) and message


@pytest.mark.parametrize("department", sorted(DEFINITIONS))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=JSON)
def test_arbitrary_json_gives_clean_answers(department: str, raw: Any) -> None:
    check(department, raw)


@pytest.mark.parametrize("department", sorted(DEFINITIONS))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=plausible_event())
def test_nearly_valid_events_give_clean_answers(department: str, raw: dict[str, Any]) -> None:
    check(department, raw)
