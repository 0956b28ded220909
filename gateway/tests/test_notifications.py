"""Which webhook events and notifications a case change makes, and how a delivery is signed."""

from __future__ import annotations

import asyncio
import hashlib
import hmac

import pytest
from gridfusion.fusion.v1 import fusion_pb2 as fpb

from gateway.api.routes.webhooks import WebhookIn, scope_query
from gateway.auth import Principal
from gateway.notifications import changes, signing
from gateway.notifications.intake import payload_of

CASE = {
    "case_id": "C1",
    "grid_id": "G1",
    "community_id": "M1",
    "street_id": "S1",
    "category": "dispute.neighbor",
    "version": 3,
}


def case(**fields) -> fpb.Case:
    return fpb.Case(**{**CASE, **fields})


def test_every_change_is_case_changed_and_the_named_ones_their_own_event() -> None:
    assert changes.webhook_events("accepted", automatic=False) == ["case.changed"]
    assert changes.webhook_events("handed_over", automatic=False) == [
        "case.changed",
        "case.handed_over",
    ]
    assert changes.webhook_events("escalated", automatic=False) == [
        "case.changed",
        "case.escalated",
    ]
    assert changes.webhook_events("overdue", automatic=False) == ["case.changed", "case.overdue"]


def test_an_escalation_the_deadline_made_is_also_overdue() -> None:
    assert changes.webhook_events("escalated", automatic=True) == [
        "case.changed",
        "case.escalated",
        "case.overdue",
    ]


def test_a_case_reaching_a_level_is_for_those_who_hold_it_there() -> None:
    opened = changes.notices_of("opened", case(level="grid", status="reported"))
    assert opened == [("arrived", changes.Audience(("secretary", "worker"), "grid_id:G1"))]
    up = changes.notices_of("escalated", case(level="street", status="escalated"))
    assert up == [("arrived", changes.Audience(("street",), "street_id:S1"))]
    handed = changes.notices_of(
        "handed_over", case(level="department", status="handed_over", handed_to="petition")
    )
    assert handed == [("arrived", changes.Audience(("department",), "department:petition"))]
    back = changes.notices_of(
        "result_reported", case(level="street", status="result_reported", handed_to="petition")
    )
    assert back == [("arrived", changes.Audience(("street",), "street_id:S1"))]
    assert changes.notices_of("accepted", case(level="grid", status="accepted")) == []
    # A resident's unsatisfied rating reopens the case at the level that closed it.
    unsatisfied = changes.notices_of("reopened", case(level="street", status="reopened"))
    assert unsatisfied == [("arrived", changes.Audience(("street",), "street_id:S1"))]
    assert changes.notices_of("rated", case(level="grid", status="closed")) == []


def test_an_automatic_escalation_tells_the_level_that_missed_it_and_the_one_it_reached() -> None:
    notes = changes.notices_of(
        "escalated", case(level="community", status="escalated"), automatic=True, from_level="grid"
    )
    assert notes == [
        ("arrived", changes.Audience(("community",), "community_id:M1")),
        ("overdue", changes.Audience(("secretary", "worker"), "grid_id:G1")),
    ]


def test_overdue_at_the_top_tells_its_holder_the_street_that_handed_it_and_the_county() -> None:
    notes = changes.notices_of(
        "overdue", case(level="department", status="handed_over", handed_to="legal_aid")
    )
    assert notes == [
        ("overdue", changes.Audience(("department",), "department:legal_aid")),
        ("overdue", changes.Audience(("street",), "street_id:S1")),
        ("overdue", changes.COUNTY),
    ]


def test_an_accounts_place_is_the_field_that_places_its_role() -> None:
    assert changes.key_of(Principal("admin", "county")) == "county"
    assert changes.key_of(Principal("w", "worker", "S1", "M1", "G1")) == "grid_id:G1"
    assert changes.key_of(Principal("c", "community", "S1", "M1")) == "community_id:M1"
    assert (
        changes.key_of(Principal("d", "department", department="petition")) == "department:petition"
    )
    assert (
        changes.key_of(Principal("w", "worker")) == ""
    )  # unplaced: no notifications, never everyone's


def test_the_signature_is_hmac_sha256_of_the_exact_body() -> None:
    body = signing.body_of(payload_of("case.opened", case(level="grid", status="reported"), "d1"))
    header = signing.headers_of("s" * 16, body, event="case.opened", delivery_id="d1", timestamp=1)
    assert (
        header[signing.SIGNATURE]
        == "sha256=" + hmac.new(b"s" * 16, body, hashlib.sha256).hexdigest()
    )
    assert signing.verify("s" * 16, body, header[signing.SIGNATURE])
    assert not signing.verify("t" * 16, body, header[signing.SIGNATURE])
    assert header[signing.EVENT] == "case.opened" and header[signing.DELIVERY] == "d1"


def test_a_payload_carries_no_personal_data() -> None:
    payload = payload_of(
        "case.changed", case(summary="张三 13800138000", subject_id="H1", level="grid"), "d1"
    )
    assert "summary" not in payload and "subject_id" not in payload
    assert (
        payload["case_id"] == "C1"
        and payload["event"] == "case.changed"
        and payload["delivery_id"] == "d1"
    )


def test_backoff_doubles_up_to_its_cap() -> None:
    assert [signing.backoff(n, 10) for n in (1, 2, 3)] == [10, 20, 40]
    assert signing.backoff(30, 10) == signing.BACKOFF_CAP


@pytest.mark.parametrize(
    "url, problem",
    [
        ("ftp://example.org/x", "http:// or https://"),
        ("https:///path", "must name a host"),
        ("https://user:pw@example.org/", "user or password"),
        ("https://example.org:notaport/", "not a URL"),
    ],
)
def test_a_webhook_url_must_be_plain_http(url: str, problem: str) -> None:
    with pytest.raises(signing.BadTarget, match=problem):
        signing.check_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/",
        "http://10.1.2.3/",
        "http://[::1]/",
        "http://localhost/",
        "http://169.254.169.254/latest",
        "http://[::ffff:192.168.0.1]/",
    ],
)
def test_private_and_loopback_addresses_are_refused(url: str) -> None:
    with pytest.raises(signing.BadTarget, match="private or loopback|this machine"):
        asyncio.run(signing.check_public(url))


def test_a_public_address_is_allowed() -> None:
    asyncio.run(signing.check_public("https://8.8.8.8/hook"))


def test_unknown_events_and_short_secrets_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown event.*case.moved"):
        WebhookIn(url="https://example.org/", events=["case.moved"], secret="x" * 16)
    with pytest.raises(ValueError, match="at least 16"):
        WebhookIn(url="https://example.org/", events=["case.changed"], secret="short")


def test_an_account_manages_the_subscriptions_of_its_scope() -> None:
    assert scope_query(Principal("admin", "county")) == {}
    assert scope_query(Principal("s", "street", "S1")) == {"scope.street_id": "S1"}
    assert scope_query(Principal("d", "department", department="petition")) == {
        "scope.department": "petition"
    }
