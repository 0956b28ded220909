# Deployment targets (included by the main Makefile). deploy/README.md says
# what each check proves; deploy/checks/*.py are the checks themselves.
DEPLOY_TOOLS ?= build/deploy-tools
DEPLOY_PY := $(DEPLOY_TOOLS)/bin/python
IMAGE ?= localhost/gridfusion:dev
PY ?= .venv/bin/python

deploy-tools: ## Install the pinned tools of the deploy checks into build/deploy-tools
	@GRIDFUSION_DEPLOY_TOOLS=$(DEPLOY_TOOLS) python3 deploy/checks/tools.py >/dev/null

deploy-check: deploy-tools ## Render and strictly validate every overlay, check skaffold.yaml statically, scan with checkov
	$(DEPLOY_PY) deploy/checks/manifests.py
	$(DEPLOY_PY) deploy/checks/skaffold_static.py
	$(DEPLOY_PY) deploy/checks/security_scan.py

deploy-test: deploy-tools ## Run the tests that show each deploy check passes here and fails on broken copies
	GRIDFUSION_DEPLOY_TOOLS=$(DEPLOY_TOOLS) $(PY) -m pytest -q -m deploy tests/deploy

image: ## Build the service image with buildah on an mmdebstrap base (root; see .ci/deploy)
	python3 deploy/checks/image_build.py --image $(IMAGE)

image-smoke: image ## Run the image under podman (runc) and check the petition service's gRPC health
	@GRIDFUSION_DEPLOY_TOOLS=$(DEPLOY_TOOLS) python3 deploy/checks/tools.py --image >/dev/null
	$(DEPLOY_PY) deploy/checks/image_smoke.py --image $(IMAGE)

.PHONY: deploy-tools deploy-check deploy-test image image-smoke
