"""deploy/checks/skaffold_static.py: skaffold.yaml checked without skaffold."""

from __future__ import annotations

import pytest

from .conftest import ROOT, edit

pytestmark = pytest.mark.deploy

ARTIFACT = """    - image: gridfusion
      context: .
      docker:
        dockerfile: deploy/Containerfile
        target: service
  tagPolicy:"""


def test_passes_on_the_repository(check):
    proc = check("skaffold_static", ROOT)
    assert proc.returncode == 0
    for label in ("(default)", "profile dev", "profile prod"):
        assert f"{label}: checked" in proc.output


def test_fails_on_an_unused_image(check, repo):
    edit(repo / "skaffold.yaml", ARTIFACT, ARTIFACT.replace(
        "  tagPolicy:",
        "    - image: gridfusion-worker\n      context: .\n      docker:\n"
        "        dockerfile: deploy/Containerfile\n  tagPolicy:"))
    proc = check("skaffold_static", repo)
    assert proc.returncode == 1
    assert "'gridfusion-worker' is built but no manifest uses it" in proc.output


def test_fails_on_a_project_image_that_is_not_built(check, repo):
    edit(repo / "deploy/k8s/base/gateway.yaml", "image: gridfusion\n", "image: gridfusion-gateway\n")
    proc = check("skaffold_static", repo)
    assert proc.returncode == 1
    assert "project image 'gridfusion-gateway" in proc.output


def test_fails_on_a_missing_dockerfile(check, repo):
    (repo / "deploy" / "Containerfile").unlink()
    proc = check("skaffold_static", repo)
    assert proc.returncode == 1
    assert "Dockerfile 'deploy/Containerfile' does not exist" in proc.output


def test_fails_on_a_file_the_dockerfile_copies_but_the_context_lacks(check, repo):
    (repo / "deploy" / "image" / "install-deps.py").unlink()
    proc = check("skaffold_static", repo)
    assert proc.returncode == 1
    assert "copies 'deploy/image/install-deps.py'" in proc.output


def test_fails_on_an_unknown_field(check, repo):
    edit(repo / "skaffold.yaml", "        dockerfile: deploy/Containerfile\n        target: service",
         "        dockerFile: deploy/Containerfile\n        target: service")
    proc = check("skaffold_static", repo)
    assert proc.returncode == 1
    assert "dockerFile: unknown field of Docker" in proc.output


def test_fails_on_another_schema_version(check, repo):
    edit(repo / "skaffold.yaml", "apiVersion: skaffold/v4beta13", "apiVersion: skaffold/v2beta29")
    proc = check("skaffold_static", repo)
    assert proc.returncode == 1
    assert "expected 'skaffold/v4beta13'" in proc.output


def test_fails_on_a_target_the_dockerfile_lacks(check, repo):
    edit(repo / "skaffold.yaml", "target: dev", "target: develop")
    proc = check("skaffold_static", repo)
    assert proc.returncode == 1
    assert "target 'develop' is no stage" in proc.output


def test_fails_on_a_manifest_path_that_does_not_render(check, repo):
    (repo / "deploy/k8s/overlays/prod/autoscaling.yaml").unlink()
    proc = check("skaffold_static", repo)
    assert proc.returncode == 1
    assert "'deploy/k8s/overlays/prod' does not render" in proc.output
