"""Who sent an event is its subject, not its body (the check fusion makes before fusing)."""

from __future__ import annotations

import pytest
from gridfusion.events.v1 import events_pb2

from services.fusion.consumer import check_sender, sender_of
from services.platform import bus

pytestmark = pytest.mark.unit


def event(department: str, category: str = "dispute.neighbor") -> events_pb2.DepartmentEvent:
    return events_pb2.DepartmentEvent(id="xf-1", department=department, category=category)


def test_the_subject_names_the_department_and_the_family() -> None:
    assert sender_of("gridfusion.events.petition.dispute") == ("petition", "dispute")
    assert sender_of(bus.event_subject("civil_affairs", "livelihood.elderly_care")) == ("civil_affairs", "livelihood")
    for other in ("gridfusion.results.petition", "gridfusion.events.petition", "gridfusion.events.petition.dispute.x"):
        assert sender_of(other) == ("", "")


def test_an_event_agreeing_with_its_subject_passes() -> None:
    e = event("petition")
    assert check_sender("gridfusion.events.petition.dispute", e) == ""
    assert e.department == "petition"


def test_an_event_without_a_department_becomes_the_subjects() -> None:
    e = event("")
    assert check_sender("gridfusion.events.legal_aid.dispute", e) == ""
    assert e.department == "legal_aid"


def test_a_body_claiming_another_department_is_refused_with_the_reason() -> None:
    e = event("legal_aid")
    assert check_sender("gridfusion.events.petition.dispute", e) == (
        "department_mismatch: subject says petition, event says legal_aid")
    assert e.department == "legal_aid"  # left as it came, for the dead letter


def test_a_category_of_another_family_is_refused_with_the_reason() -> None:
    reason = check_sender("gridfusion.events.petition.dispute", event("petition", "livelihood.elderly_care"))
    assert reason.startswith("family_mismatch: subject says dispute") and "livelihood" in reason


def test_a_subject_naming_no_department_is_refused() -> None:
    assert check_sender("gridfusion.events.nobody.dispute", event("nobody")).startswith("unknown_department:")


def test_an_event_key_is_the_department_and_the_id() -> None:
    assert bus.event_key("petition", "xf-1") == "petition:xf-1"
    headers = bus.ce_headers(event_id="xf-1", msg_id=bus.event_key("petition", "xf-1"), ce_type="t", source="s")
    assert (headers["Nats-Msg-Id"], headers["ce-id"]) == ("petition:xf-1", "xf-1")
