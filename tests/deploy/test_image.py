"""The image build (deploy/checks/image_build.py) and its smoke test.

The fast tests here cover how the build reads this machine's apt sources and
pip settings. The heavy ones build images with buildah and run them under
podman; they need root, buildah, podman and a built base, and run only where
GRIDFUSION_DEPLOY_HEAVY=1 (.ci/deploy sets it).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from .conftest import CHECKS, ROOT, edit

pytestmark = pytest.mark.deploy

sys.path.insert(0, str(CHECKS))
import image_build

heavy = pytest.mark.skipif(os.environ.get("GRIDFUSION_DEPLOY_HEAVY") != "1",
                           reason="image build tests run in .ci/deploy (GRIDFUSION_DEPLOY_HEAVY=1)")


def test_apt_sources_keep_only_this_release_of_debian(tmp_path):
    etc = tmp_path / "apt"
    (etc / "sources.list.d").mkdir(parents=True)
    (etc / "sources.list").write_text(textwrap.dedent("""\
        # comment
        deb http://mirror.invalid/debian bookworm main
        deb-src http://mirror.invalid/debian bookworm main
        deb [arch=amd64] http://other.invalid/repo nodistro main
        """))
    (etc / "sources.list.d" / "debian.sources").write_text(textwrap.dedent("""\
        Types: deb
        URIs: http://mirror.invalid/debian
        Suites: bookworm bookworm-updates
        Components: main
        Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

        Types: deb
        URIs: http://mirror.invalid/debian-security
        Suites: bookworm-security
        Components: main

        Types: deb
        URIs: http://mirror.invalid/debian
        Suites: trixie
        Components: main

        Enabled: no
        Types: deb
        URIs: http://disabled.invalid/debian
        Suites: bookworm
        Components: main
        """))
    (etc / "sources.list.d" / "vendor.list.disabled").write_text(
        "deb http://vendor.invalid/apt bookworm main\n")
    deb822, oneline = image_build.machine_apt_sources("bookworm", etc)
    assert "Suites: bookworm bookworm-updates" in deb822
    assert "Suites: bookworm-security" in deb822
    assert "trixie" not in deb822 and "disabled.invalid" not in deb822
    assert oneline.strip() == "deb http://mirror.invalid/debian bookworm main"


def test_apt_sources_without_this_release_fail(tmp_path):
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list").write_text("deb http://mirror.invalid/debian trixie main\n")
    with pytest.raises(image_build.CheckFailed, match="no Debian bookworm entries"):
        image_build.machine_apt_sources("bookworm", tmp_path)


def test_pip_settings_become_a_pip_conf_and_mounts(tmp_path, monkeypatch):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    index = tmp_path / "pypi" / "simple"
    index.mkdir(parents=True)
    cert = tmp_path / "ca.crt"
    cert.write_text("cert")
    listing = "\n".join([
        f"global.cert='{cert}'",
        f"global.extra-index-url='file://{index} file://{tmp_path}/missing/simple'",
        "global.timeout='60'",
        f":env:.find-links='{wheels}'",
    ])

    def fake_run(cmd, **kw):
        return subprocess.CompletedProcess(cmd, 0, stdout=listing, stderr="")

    monkeypatch.setattr(image_build, "run", fake_run)
    text, paths = image_build.machine_pip_config()
    assert f"cert = {cert}" in text
    assert f"extra-index-url = file://{index}\n" in text  # the missing index is dropped
    assert f"find-links = {wheels}" in text
    assert "timeout = 60" in text
    # An index is mounted with its parent folder, where its files live.
    assert set(paths) == {cert, index.parent, wheels}


@heavy
def test_the_built_image_passes_verification():
    image = os.environ.get("IMAGE", image_build.DEFAULT_IMAGE)
    assert image_build.verify_image(image) == []


@heavy
def test_an_image_with_build_tools_in_its_final_stage_fails(check, repo):
    # The final stage built from the `build` stage keeps pip and the venv tooling.
    edit(repo / "deploy" / "Containerfile", "FROM runtime AS service", "FROM build AS service")
    image = "localhost/gridfusion:broken-test"
    try:
        proc = subprocess.run([sys.executable, str(CHECKS / "image_build.py"), "--root", str(repo),
                               "--image", image], capture_output=True, text=True, timeout=1800, check=False)
        out = proc.stdout + proc.stderr
        print(out[-5000:])
        assert proc.returncode == 1
        assert "build tool in the final image" in out
        assert "/opt/gridfusion/bin/pip" in out
    finally:
        subprocess.run(["buildah", "rmi", image], capture_output=True, check=False)


@heavy
def test_a_root_image_fails(check, repo):
    edit(repo / "deploy" / "Containerfile", "USER 10001:10001\nWORKDIR /tmp", "USER root\nWORKDIR /tmp")
    image = "localhost/gridfusion:root-test"
    try:
        proc = subprocess.run([sys.executable, str(CHECKS / "image_build.py"), "--root", str(repo),
                               "--image", image], capture_output=True, text=True, timeout=1800, check=False)
        out = proc.stdout + proc.stderr
        print(out[-5000:])
        assert proc.returncode == 1
        assert "must be a numeric non-root uid" in out
    finally:
        subprocess.run(["buildah", "rmi", image], capture_output=True, check=False)


@heavy
def test_the_smoke_test_fails_when_the_service_cannot_reach_nats(check, tmp_path):
    # A broken auth.conf: the petition user does not exist, so the service never connects.
    repo = tmp_path / "repo"
    auth = repo / "deploy" / "k8s" / "base" / "nats"
    auth.mkdir(parents=True)
    text = (ROOT / "deploy/k8s/base/nats/auth.conf").read_text()
    (auth / "auth.conf").write_text(text.replace("user: petition", "user: petition_renamed")
                                    .replace("$NATS_PASSWORD_PETITION", "$NATS_PASSWORD_PETITION_RENAMED"))
    proc = check("image_smoke", repo, "--timeout", "20")
    assert proc.returncode == 1
    assert "health is" in proc.output or "container stopped" in proc.output


@heavy
def test_the_platform_smoke_fails_when_a_variable_name_drifts(check, repo):
    # The department template sets NATS_USERNAME, which the services do not read:
    # they connect without a user, NATS refuses them, the gateway never gets ready.
    template = repo / "deploy/k8s/base/department/department.yaml"
    edit(template, "- name: NATS_USER\n", "- name: NATS_USERNAME\n")
    proc = check("platform_smoke", repo, "--timeout", "30")
    assert proc.returncode == 1
    assert "/readyz not ready" in proc.output or "stopped" in proc.output
