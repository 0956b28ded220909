# Gridfusion — the front door. `make help` lists every target.
SHELL := /bin/bash
PY ?= .venv/bin/python
PROTO_FILES := $(shell find proto -name '*.proto' | sort)

.DEFAULT_GOAL := help

help: ## List every target with one line each
	@grep -hE '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | sort | \
	  awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'

install: .venv/.installed ## Create .venv and install Gridfusion with its test tools

.venv/.installed: pyproject.toml
	@test -x $(PY) || python3.11 -m venv .venv || python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

run: install ## Start the whole platform on this machine (NATS, database, services, gateway)
	.venv/bin/gridfusion run

test: install ## Run every test tier (unit, integration, e2e) against real servers
	$(PY) -m pytest -q

test-unit: install ## Run only the unit tests (no network)
	$(PY) -m pytest -q -m unit

proto: install ## Regenerate the Python code of the contracts in proto/
	$(PY) -m grpc_tools.protoc -Iproto --python_out=proto --pyi_out=proto \
	  --grpc_python_out=proto $(PROTO_FILES)

proto-check: install ## Fail when the committed generated code differs from the contracts
	@tmp=$$(mktemp -d) && cp -r proto $$tmp/ && \
	  $(PY) -m grpc_tools.protoc -I$$tmp/proto --python_out=$$tmp/proto --pyi_out=$$tmp/proto \
	    --grpc_python_out=$$tmp/proto $(addprefix $$tmp/,$(PROTO_FILES)) && \
	  diff -r -x '__pycache__' proto $$tmp/proto && echo "generated code matches proto/" ; \
	  rc=$$?; rm -rf $$tmp; exit $$rc

nats-auth: install ## Write the cluster's NATS users (deploy/k8s/base/nats/auth.conf) from the permission table
	$(PY) -m services.platform.permissions --write deploy/k8s/base/nats/auth.conf

lint: install ## Lint the code with ruff
	$(PY) -m ruff check services gateway tests

clean: ## Remove local data and caches (keeps .venv)
	rm -rf var .pytest_cache test-output

.PHONY: help install run test test-unit proto proto-check nats-auth lint clean

-include deploy/Makefile.mk
