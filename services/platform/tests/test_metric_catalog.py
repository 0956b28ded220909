"""The metric catalog says what a scrape finds: every metric under its Prometheus name, with
exactly the labels the catalog gives it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from prometheus_client.parser import text_string_to_metric_families

from services.platform import metric_catalog, metrics

pytestmark = pytest.mark.unit


def exposition_of_every_metric() -> str:
    """A process's scrape after each of Gridfusion's own instruments recorded once, with the
    catalog's labels (a process of its own: the meter provider is global)."""
    program = textwrap.dedent("""
        import json, sys
        from opentelemetry.sdk.resources import Resource
        from services.platform import metric_catalog, metrics

        metrics.setup_metrics(Resource.create({"service.name": "catalog-test"}))
        for name, instrument in metrics.INSTRUMENTS.items():
            labels = {label: "x" for label in metric_catalog.BY_NAME[name].labels}
            if isinstance(instrument, metrics.Gauge):
                instrument.set(1, **labels)
            elif hasattr(instrument, "add"):
                instrument.add(1, labels)
            else:
                instrument.record(0.2, labels)
        sys.stdout.write(metrics.exposition()[0].decode())
    """)
    done = subprocess.run([sys.executable, "-c", program], check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_metric_is_scraped_under_its_catalog_name_with_its_catalog_labels() -> None:
    scraped: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(exposition_of_every_metric()):
        for sample in family.samples:
            scraped.setdefault(sample.name, set()).update(sample.labels)
    known = metric_catalog.series_labels()
    for m in metric_catalog.METRICS:
        if m.by_library:
            continue
        for name in m.series:
            assert name in scraped, f"{m.name}: {name} not scraped (scraped: {sorted(scraped)})"
            assert scraped[name] <= known[name], f"{name}: labels {sorted(scraped[name] - known[name])} not in the catalog"
            assert set(m.labels) <= scraped[name], f"{name}: labels {sorted(set(m.labels) - scraped[name])} missing"


def test_the_prometheus_names_follow_the_exporters_rules() -> None:
    by_name = {m.name: m for m in metric_catalog.METRICS}
    assert by_name["gridfusion.events.accepted"].prometheus == "gridfusion_events_accepted_total"
    assert by_name["gridfusion.fuse.latency"].series == (
        "gridfusion_fuse_latency_seconds_bucket", "gridfusion_fuse_latency_seconds_count",
        "gridfusion_fuse_latency_seconds_sum")
    assert by_name["gridfusion.consumer.pending"].prometheus == "gridfusion_consumer_pending"
    assert "le" in metric_catalog.series_labels()["rpc_server_duration_seconds_bucket"]
    assert "le" not in metric_catalog.series_labels()["rpc_server_duration_seconds_count"]


def test_the_code_makes_an_instrument_of_every_metric_of_its_own() -> None:
    own = {m.name for m in metric_catalog.METRICS if not m.by_library}
    assert set(metrics.INSTRUMENTS) == own
