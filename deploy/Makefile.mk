# Deployment targets (included by the main Makefile). deploy/README.md says
# what each check proves; deploy/checks/*.py are the checks themselves.
# The tools venv lives outside the work tree (deploy/checks/tools.py --where).
DEPLOY_PY := $(shell python3 deploy/checks/tools.py --where)
IMAGE ?= localhost/gridfusion:dev
PY ?= .venv/bin/python

deploy-tools: ## Install the pinned tools of the deploy checks (a venv in ~/.cache/gridfusion)
	@python3 deploy/checks/tools.py >/dev/null

deploy-check: deploy-tools ## Render and strictly validate every overlay, test the alerts (promtool), check the dashboard and skaffold.yaml, scan with checkov
	$(DEPLOY_PY) deploy/checks/manifests.py
	$(DEPLOY_PY) deploy/checks/alerts.py
	$(DEPLOY_PY) deploy/checks/dashboard.py
	$(DEPLOY_PY) deploy/checks/skaffold_static.py
	$(DEPLOY_PY) deploy/checks/security_scan.py

deploy-test: deploy-tools ## Run the tests that show each deploy check passes here and fails on broken copies
	$(PY) -m pytest -q -m deploy tests/deploy

image: ## Build the service image with buildah on an mmdebstrap base (root; see .ci/deploy)
	python3 deploy/checks/image_build.py --image $(IMAGE)

image-smoke: image ## Run the image under podman (runc): petition's gRPC health, then all seven services with the dev config
	@python3 deploy/checks/tools.py --image >/dev/null
	$(DEPLOY_PY) deploy/checks/image_smoke.py --image $(IMAGE)
	$(DEPLOY_PY) deploy/checks/platform_smoke.py --image $(IMAGE)

.PHONY: deploy-tools deploy-check deploy-test image image-smoke
