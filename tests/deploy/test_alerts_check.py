"""deploy/checks/alerts.py: the alert rules pass promtool and their own unit tests, each has a
test, a runbook section and labels to route on, and selects only metrics that exist."""

from __future__ import annotations

import pytest

from .conftest import ROOT, edit

pytestmark = pytest.mark.deploy

RULES = "deploy/k8s/components/monitoring/prometheus-rules.yaml"
TESTS = "deploy/k8s/components/monitoring/alerts.test.yaml"


def test_passes_on_the_repository(check):
    proc = check("alerts", ROOT)
    assert proc.returncode == 0
    assert "alerts: 16 alerts in 5 groups; promtool checked them and passed their tests" in proc.output


def test_fails_when_a_threshold_no_longer_does_what_its_test_says(check, repo):
    edit(repo / RULES, "(gridfusion_consumer_pending) > 1000", "(gridfusion_consumer_pending) > 2000")
    proc = check("alerts", repo)
    assert proc.returncode == 1
    assert "promtool test rules" in proc.output
    assert "alertname: GridfusionConsumerLagging" in proc.output


def test_fails_when_an_alert_has_no_test_and_no_runbook(check, repo):
    edit(repo / RULES, "    - name: gridfusion.outbox\n      rules:\n",
         "    - name: gridfusion.outbox\n      rules:\n"
         "        - alert: GridfusionOutboxHuge\n"
         "          expr: max by (namespace, service) (gridfusion_outbox_backlog) > 100000\n"
         "          labels: {severity: critical, audience: operators}\n"
         "          annotations: {summary: s, description: d, runbook: deploy/README.md#gridfusionoutboxhuge}\n")
    proc = check("alerts", repo)
    assert proc.returncode == 1
    assert "GridfusionOutboxHuge: no test in alerts.test.yaml in which it fires" in proc.output
    assert "GridfusionOutboxHuge: deploy/README.md has no section GridfusionOutboxHuge" in proc.output


def test_fails_on_a_metric_the_services_do_not_export(check, repo):
    edit(repo / RULES, "max by (namespace, service) (gridfusion_outbox_backlog) > 100",
         "max by (namespace, service) (gridfusion_outbox_size) > 100")
    edit(repo / TESTS, "gridfusion_outbox_backlog{namespace=\"gf\", service=\"petition\"",
         "gridfusion_outbox_size{namespace=\"gf\", service=\"petition\"")
    proc = check("alerts", repo)
    assert proc.returncode == 1
    assert "GridfusionOutboxBacklog:" in proc.output and "gridfusion_outbox_size" in proc.output


def test_fails_when_an_alert_cannot_be_routed(check, repo):
    edit(repo / RULES, "labels: {severity: critical, audience: operators}\n          annotations:\n"
         "            summary: \"Fusion has fused nothing",
         "labels: {severity: page, audience: operators}\n          annotations:\n"
         "            summary: \"Fusion has fused nothing")
    proc = check("alerts", repo)
    assert proc.returncode == 1
    assert "GridfusionFusionStalled: severity 'page' is not one of critical, warning" in proc.output
