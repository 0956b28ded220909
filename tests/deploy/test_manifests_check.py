"""deploy/checks/manifests.py: every overlay renders, validates strictly and holds together."""

from __future__ import annotations

import pytest

from .conftest import ROOT, edit

pytestmark = pytest.mark.deploy

BASE = "deploy/k8s/base"


def test_passes_on_the_repository(check):
    proc = check("manifests", ROOT)
    assert proc.returncode == 0
    assert "dev:" in proc.output and "prod:" in proc.output
    assert "PASS manifests" in proc.output


def test_fails_on_an_unknown_field(check, repo):
    edit(repo / BASE / "gateway.yaml", "  revisionHistoryLimit: 5\n",
         "  revisionHistoryLimit: 5\n  replicaCount: 2\n")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert "kubernetes-validate --strict" in proc.output
    assert "replicaCount" in proc.output


def test_fails_on_a_value_of_the_wrong_type(check, repo):
    edit(repo / BASE / "fusion.yaml", "  revisionHistoryLimit: 5\n", "  revisionHistoryLimit: five\n")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert "five" in proc.output


def test_fails_on_a_missing_file(check, repo):
    (repo / BASE / "fusion.yaml").unlink()
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert "fusion.yaml" in proc.output


def test_fails_when_nats_reads_another_departments_secret(check, repo):
    edit(repo / BASE / "nats" / "nats.yaml",
         "secretKeyRef: {name: nats-user-petition, key: password}",
         "secretKeyRef: {name: nats-user-legal-aid, key: password}")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert "$NATS_PASSWORD_PETITION" in proc.output


def test_fails_when_a_department_may_use_the_whole_jetstream_api(check, repo):
    edit(repo / BASE / "nats" / "auth.conf", '"gridfusion.events.petition.>"',
         '"gridfusion.events.petition.>", "$JS.API.>"')
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert "'petition' may use the whole JetStream API" in proc.output


def test_fails_when_a_department_may_publish_as_another(check, repo):
    edit(repo / BASE / "nats" / "auth.conf", '"gridfusion.events.petition.>"',
         '"gridfusion.events.petition.>", "gridfusion.events.legal_aid.>"')
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert "outside its own department's subjects" in proc.output


def test_fails_when_nats_server_rejects_the_configuration(check, repo):
    edit(repo / "deploy/k8s/overlays/dev/nats.conf", "lame_duck_duration: 30s", "lame_duck_duration: 5s")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert "nats-server -t rejects" in proc.output


def test_fails_when_a_secret_the_dev_pods_read_is_not_generated(check, repo):
    edit(repo / "deploy/k8s/overlays/dev/kustomization.yaml",
         "  - name: nats-user-civil-affairs\n    literals: [username=civil_affairs, password=dev-nats-civil-affairs]\n",
         "")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert "reads Secret 'nats-user-civil-affairs'" in proc.output


def test_fails_when_gateway_targets_miss_a_department(check, repo):
    edit(repo / BASE / "kustomization.yaml", ', "civil_affairs": "civil-affairs:50051"', "")
    proc = check("manifests", repo, "dev")
    assert proc.returncode == 1
    assert "GATEWAY_DEPARTMENT_TARGETS" in proc.output


def test_fails_when_prod_acknowledges_before_fsync(check, repo):
    edit(repo / "deploy/k8s/overlays/prod/nats.conf", "  sync_interval: always\n", "")
    proc = check("manifests", repo, "prod")
    assert proc.returncode == 1
    assert "sync_interval: always" in proc.output


def test_fails_when_prod_mongodb_members_disagree_with_the_bootstrap(check, repo):
    edit(repo / "deploy/k8s/overlays/prod/kustomization.yaml",
         "{name: mongodb, count: 3}", "{name: mongodb, count: 2}")
    proc = check("manifests", repo, "prod")
    assert proc.returncode == 1
    assert "bootstrap Job sets up 3 members" in proc.output
    assert "MongoDB must run 3 members" in proc.output
