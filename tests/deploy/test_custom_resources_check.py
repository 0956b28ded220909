"""deploy/checks/manifests.py on the custom resources kubernetes-validate cannot check: KEDA's
ScaledObject for fusion (prod) and the monitoring component's PodMonitors and PrometheusRule."""

from __future__ import annotations

import pytest

from .conftest import ROOT, edit

pytestmark = pytest.mark.deploy

SCALING = "deploy/k8s/overlays/prod/fusion-scaling.yaml"
MONITORING = "deploy/k8s/components/monitoring"


def test_passes_and_says_what_scales_fusion_and_what_is_scraped(check):
    proc = check("manifests", ROOT, "prod")
    assert proc.returncode == 0
    assert ("prod: 1 custom resources checked against their schemas; KEDA scales fusion on the lag of "
            "EVENTS/fusion, the lag of HANDOVERS/fusion-results, cpu") in proc.output
    assert "prod+monitoring: 4 custom resources checked against their schemas; KEDA scales fusion" in proc.output
    assert "2 PodMonitors scrape 7 workloads, 16 rules" in proc.output


def test_fails_on_a_field_keda_does_not_have(check, repo):
    edit(repo / SCALING, "  minReplicaCount: 2\n", "  minReplicas: 2\n")
    proc = check("manifests", repo, "prod")
    assert proc.returncode == 1
    assert "ScaledObject/fusion.spec.minReplicas: unknown field of ScaledObjectSpec" in proc.output


def test_fails_when_a_threshold_is_a_number_not_a_string(check, repo):
    edit(repo / SCALING, 'lagThreshold: "1000"', "lagThreshold: 1000")
    proc = check("manifests", repo, "prod")
    assert proc.returncode == 1
    assert "triggers[0].metadata.lagThreshold: expected a string, got int 1000" in proc.output


def test_fails_when_keda_would_read_a_consumer_fusion_does_not_have(check, repo):
    edit(repo / SCALING, "consumer: fusion\n", "consumer: fusion-events\n")
    proc = check("manifests", repo, "prod")
    assert proc.returncode == 1
    assert "EVENTS/fusion-events is not a durable consumer of fusion" in proc.output


def test_fails_when_keda_asks_the_client_service_instead_of_the_headless_one(check, repo):
    edit(repo / SCALING, "natsServerMonitoringEndpoint: nats-headless.", "natsServerMonitoringEndpoint: nats.")
    proc = check("manifests", repo, "prod")
    assert proc.returncode == 1
    assert "names no rendered headless Service" in proc.output


def test_fails_when_keda_may_not_reach_the_nats_monitoring_port(check, repo):
    edit(repo / "deploy/k8s/overlays/prod/kustomization.yaml", "  - nats-monitor-autoscaler.yaml\n", "")
    proc = check("manifests", repo, "prod")
    assert proc.returncode == 1
    assert "no NetworkPolicy lets namespaces labelled {'gridfusion.io/role': 'autoscaling'} in" in proc.output


def test_fails_when_a_cpu_autoscaler_and_keda_both_scale_fusion(check, repo):
    path = repo / "deploy/k8s/overlays/prod/autoscaling.yaml"
    path.write_text(path.read_text() + (ROOT / "deploy/k8s/overlays/prod/autoscaling.yaml").read_text()
                    .split("---")[0].replace("name: gateway", "name: fusion").join(["---\n", ""]))
    proc = check("manifests", repo, "prod")
    assert proc.returncode == 1
    assert "ScaledObject/fusion: a HorizontalPodAutoscaler scales fusion too" in proc.output


def test_fails_when_a_pod_monitor_names_a_port_the_pods_do_not_have(check, repo):
    edit(repo / MONITORING / "pod-monitors.yaml", "    - port: metrics\n", "    - port: prometheus\n")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert "PodMonitor/gridfusion-services: Deployment/fusion has no port named 'prometheus'" in proc.output


def test_fails_when_prometheus_may_not_reach_what_a_pod_monitor_scrapes(check, repo):
    edit(repo / "deploy/k8s/base/network-policies.yaml", "        values: [fusion, department]\n  policyTypes: [Ingress]\n  ingress:\n    - from:\n        - namespaceSelector:\n            matchLabels:\n              gridfusion.io/role: monitoring",
         "        values: [fusion, department]\n  policyTypes: [Ingress]\n  ingress:\n    - from:\n        - namespaceSelector:\n            matchLabels:\n              gridfusion.io/role: observability")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert ("PodMonitor/gridfusion-services: no NetworkPolicy lets namespaces labelled "
            "{'gridfusion.io/role': 'monitoring'} in to Deployment/fusion's port 9464") in proc.output


def test_fails_on_a_kind_without_a_schema(check, repo):
    path = repo / MONITORING / "pod-monitors.yaml"
    path.write_text(path.read_text() + "---\napiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\n"
                    "metadata:\n  name: extra\nspec:\n  selector: {}\n  endpoints: []\n")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert "ServiceMonitor/extra (monitoring.coreos.com/v1): no schema for this kind" in proc.output
