"""deploy/checks/security_scan.py: checkov on the rendered overlays, waivers justified."""

from __future__ import annotations

import pytest

from .conftest import ROOT, edit

pytestmark = pytest.mark.deploy

SKIPS = "deploy/checks/checkov-skips.yaml"


def test_passes_on_the_repository(check):
    proc = check("security_scan", ROOT)
    assert proc.returncode == 0
    assert "PASS security_scan" in proc.output


def test_fails_on_a_privileged_container(check, repo):
    gateway = repo / "deploy/k8s/base/gateway.yaml"
    edit(gateway, "allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true")
    edit(gateway, "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false")
    proc = check("security_scan", repo, "prod")
    assert proc.returncode == 1
    assert "CKV_K8S_20" in proc.output  # privilege escalation
    assert "CKV_K8S_22" in proc.output  # writable root filesystem
    assert "Deployment.gridfusion.gateway" in proc.output


def test_fails_on_a_waiver_without_a_reason(check, repo):
    path = repo / SKIPS
    text = path.read_text()
    start = text.index("  - id: CKV_K8S_35")
    reason = text.index("reason: >-", start)
    end = text.index("\n\n", reason)
    path.write_text(text[:reason] + "reason: because" + text[end:])
    proc = check("security_scan", repo, "dev")
    assert proc.returncode == 1
    assert "needs a reason" in proc.output


def test_fails_on_a_waiver_that_waives_nothing(check, repo):
    with (repo / SKIPS).open("a") as fh:
        fh.write("""
  - id: CKV_K8S_16
    name: Container should not be privileged
    overlays: [dev]
    reason: >-
      A waiver nobody needs: no container here is privileged, so the check
      must report this entry as stale.
""")
    proc = check("security_scan", repo, "dev")
    assert proc.returncode == 1
    assert "CKV_K8S_16 waives nothing" in proc.output


def test_fails_when_a_waiver_is_scoped_to_other_resources(check, repo):
    edit(repo / SKIPS, r"resources: ['^Deployment\.gridfusion-dev\.']",
         r"resources: ['^Deployment\.gridfusion-dev\.gateway$']")
    proc = check("security_scan", repo, "dev")
    assert proc.returncode == 1
    assert "CKV_K8S_15" in proc.output and "Deployment.gridfusion-dev.fusion" in proc.output


def test_scans_the_hand_applied_bootstrap_admin_job(check, repo):
    edit(repo / "deploy/k8s/jobs/bootstrap-admin.yaml", "allowPrivilegeEscalation: false",
         "allowPrivilegeEscalation: true")
    proc = check("security_scan", repo, "prod")
    assert proc.returncode == 1
    assert "[prod] CKV_K8S_20" in proc.output
    assert "Job.gridfusion.bootstrap-admin" in proc.output
