"""The figures of ``gridfusion status``: read from the Prometheus text the processes expose
(copied from a local platform's scrape, one event dead-lettered), combined as replicas
require — the largest lag, not the sum — and an endpoint that does not answer said in one line.
The endpoints are served by httpx's in-process transport: no network."""

from __future__ import annotations

import httpx
import pytest

from services import figures

pytestmark = pytest.mark.unit

SCOPE = 'otel_scope_name="gridfusion",otel_scope_schema_url="",otel_scope_version=""'


def fusion(*, pending: int, ack_pending: int, waiting: int, dead_letters: int, overdue: int) -> str:
    """Fusion's exposition, as its metrics port answers it (cut to the figures' families)."""
    return f"""\
# HELP target_info Target metadata
# TYPE target_info gauge
target_info{{service_name="fusion",telemetry_sdk_language="python",telemetry_sdk_name="opentelemetry"}} 1.0
# HELP gridfusion_dead_letters_total Messages dead-lettered, by the stage that refused them
# TYPE gridfusion_dead_letters_total counter
gridfusion_dead_letters_total{{{SCOPE},stage="locate",stream="EVENTS"}} {dead_letters}.0
# HELP gridfusion_consumer_pending Messages the consumer has not been given yet
# TYPE gridfusion_consumer_pending gauge
gridfusion_consumer_pending{{consumer="fusion",{SCOPE},stream="EVENTS"}} {pending}.0
gridfusion_consumer_pending{{consumer="fusion-results",{SCOPE},stream="HANDOVERS"}} 0.0
# HELP gridfusion_consumer_ack_pending Messages given and not yet settled
# TYPE gridfusion_consumer_ack_pending gauge
gridfusion_consumer_ack_pending{{consumer="fusion",{SCOPE},stream="EVENTS"}} {ack_pending}.0
gridfusion_consumer_ack_pending{{consumer="fusion-results",{SCOPE},stream="HANDOVERS"}} 0.0
# HELP gridfusion_outbox_backlog Messages committed and not yet published
# TYPE gridfusion_outbox_backlog gauge
gridfusion_outbox_backlog{{{SCOPE},service="fusion"}} 0.0
# HELP gridfusion_cases_overdue Open cases past their deadline, by level
# TYPE gridfusion_cases_overdue gauge
gridfusion_cases_overdue{{level="street",{SCOPE}}} {overdue}.0
# HELP gridfusion_dead_letters_waiting Dead-lettered events not yet re-processed, by department
# TYPE gridfusion_dead_letters_waiting gauge
gridfusion_dead_letters_waiting{{department="petition",{SCOPE}}} {waiting}.0
"""


PETITION = f"""\
# HELP gridfusion_events_accepted_total Events a department service accepted
# TYPE gridfusion_events_accepted_total counter
gridfusion_events_accepted_total{{department="petition",{SCOPE}}} 1.0
# HELP gridfusion_outbox_backlog Messages committed and not yet published
# TYPE gridfusion_outbox_backlog gauge
gridfusion_outbox_backlog{{{SCOPE},service="petition"}} 2.0
"""

FUSION = "http://fusion:9464/metrics"
FUSION_2 = "http://fusion-2:9464/metrics"
PETITION_URL = "http://petition:9464/metrics"
GATEWAY = "http://gateway:8080/metrics"


def served(pages: dict[str, str | httpx.Response]) -> httpx.MockTransport:
    """Each URL's page as a metrics endpoint answers it; any other URL refuses the connection."""
    def answer(request: httpx.Request) -> httpx.Response:
        page = pages.get(str(request.url))
        if page is None:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if isinstance(page, httpx.Response):
            return page
        return httpx.Response(200, text=page, headers={"content-type": "text/plain; version=0.0.4; charset=utf-8"})

    return httpx.MockTransport(answer)


def test_the_figures_of_fusion_and_a_department_read_from_their_expositions() -> None:
    pages = {FUSION: fusion(pending=4, ack_pending=1, waiting=1, dead_letters=1, overdue=2), PETITION_URL: PETITION}
    got = figures.gather([FUSION, PETITION_URL], transport=served(pages))
    assert got.pending == {("EVENTS", "fusion"): 4, ("HANDOVERS", "fusion-results"): 0}
    assert got.ack_pending == {("EVENTS", "fusion"): 1, ("HANDOVERS", "fusion-results"): 0}
    assert got.outbox == {"fusion": 0, "petition": 2}
    assert got.waiting == {"petition": 1}
    assert got.dead_letters == {("EVENTS", "locate"): 1}
    assert got.overdue == {"street": 2}
    assert got.answered == (FUSION, PETITION_URL)
    assert got.unreachable == {}
    assert figures.lines(got) == [
        "metrics from 2 of 2 endpoints ('-': not reported):",
        "  consumer lag                     pending ack-pending",
        "    EVENTS/fusion                        4           1",
        "    HANDOVERS/fusion-results             0           0",
        "  outbox backlog                  messages",
        "    fusion                               0",
        "    petition                             2",
        "  dead letters waiting              events",
        "    petition                             1",
        "    total                                1",
        "  dead letters since start        messages",
        "    EVENTS at locate                     1",
        "    total                                1",
        "  overdue cases                          2  (street 2)",
    ]


def test_two_replicas_reading_one_consumer_show_its_largest_lag_not_the_sum() -> None:
    pages = {FUSION: fusion(pending=3, ack_pending=1, waiting=1, dead_letters=1, overdue=2),
             FUSION_2: fusion(pending=5, ack_pending=0, waiting=1, dead_letters=2, overdue=2)}
    got = figures.gather([FUSION, FUSION_2], transport=served(pages))
    assert got.pending[("EVENTS", "fusion")] == 5
    assert got.ack_pending[("EVENTS", "fusion")] == 1
    # Both read the one store: its figures once.
    assert got.waiting == {"petition": 1}
    assert got.outbox == {"fusion": 0}
    assert got.overdue == {"street": 2}
    # A counter of each process since it started: the county's is the sum.
    assert got.dead_letters == {("EVENTS", "locate"): 3}


def test_an_endpoint_that_does_not_answer_is_one_line_and_the_rest_still_shows() -> None:
    pages = {PETITION_URL: PETITION,
             GATEWAY: httpx.Response(404, text="not here"),
             FUSION_2: httpx.Response(200, text="<html>a login page</html>", headers={"content-type": "text/html"})}
    got = figures.gather([FUSION, PETITION_URL, GATEWAY, FUSION_2], transport=served(pages))
    assert got.answered == (PETITION_URL,)
    assert got.outbox == {"petition": 2}
    shown = figures.lines(got)
    assert shown[0] == "metrics from 1 of 4 endpoints ('-': not reported):"
    assert shown[-3:] == [
        f"  {FUSION}: unreachable ([Errno 111] Connection refused)",
        f"  {GATEWAY}: unreachable (HTTP 404)",
        f"  {FUSION_2}: unreachable (answered text/html, not Prometheus metrics)",
    ]


def test_a_figure_no_process_reports_yet_is_a_dash() -> None:
    shown = figures.lines(figures.gather([PETITION_URL], transport=served({PETITION_URL: PETITION})))
    assert "  consumer lag                     pending ack-pending" in shown
    assert not any("EVENTS/" in line for line in shown)
    assert "    total                                -" in shown  # dead letters waiting
    assert "    total                                0" in shown  # dead letters since start
    assert shown[-1] == "  overdue cases                          -"


def test_an_exposition_that_is_not_the_prometheus_format_is_unreachable_not_a_crash() -> None:
    pages = {FUSION: "gridfusion_consumer_pending{stream=EVENTS 3\n"}
    got = figures.gather([FUSION], transport=served(pages))
    assert got.answered == ()
    assert got.unreachable[FUSION]


def test_no_endpoint_answering_is_said_in_one_line() -> None:
    got = figures.gather([GATEWAY, FUSION], transport=served({}))
    assert figures.lines(got) == [
        f"metrics: no endpoint answered (2 tried; {GATEWAY}: [Errno 111] Connection refused)"]
