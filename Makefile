# Gridfusion — the front door. `make help` lists every target.
SHELL := /bin/bash
# The virtualenv and the interpreter that creates it: `make test-unit VENV=.venv313
# PYTHON=python3.13` runs the unit tests on Python 3.13 in a venv of its own.
VENV ?= .venv
PYTHON ?= python3.11
PY ?= $(VENV)/bin/python
# Extra pytest options, e.g. `make test PYTEST_ARGS="-x -k cases"`.
PYTEST_ARGS ?=
PROTO_FILES := $(shell find proto -name '*.proto' | sort)

.DEFAULT_GOAL := help

help: ## List every target with one line each
	@grep -hE '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | sort | \
	  awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'

install: $(VENV)/.installed ## Create .venv; install Gridfusion from the lock with extras dev and local

# Exactly the versions of uv.lock (exported with hashes to requirements-dev.txt), then the
# project itself; pip alone does it, so a fresh machine needs only Python and PyPI.
$(VENV)/.installed: pyproject.toml requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

# The lock: uv.lock is resolved from pyproject.toml for Python 3.11-3.13 by the uv that the lock
# itself pins (extra dev). Two files are exported from it with hashes: requirements-dev.txt
# (extras dev and local, what `make install` installs) and deploy/image/requirements.txt (the
# runtime dependencies alone, what the production image installs).
UV := $(VENV)/bin/uv
# uv reads no pip.conf: let it trust the certificates of the system, as pip is told to here.
export UV_SYSTEM_CERTS ?= 1
export UV_PYTHON_DOWNLOADS ?= never
EXPORT = $(UV) export --frozen --no-emit-project --quiet

lock: install ## Re-resolve uv.lock from pyproject.toml and re-export the requirements files
	$(UV) lock --python $(PY) $(LOCK_ARGS)
	$(EXPORT) --extra dev --extra local > requirements-dev.txt
	$(EXPORT) > deploy/image/requirements.txt

lock-upgrade: LOCK_ARGS = --upgrade
lock-upgrade: lock ## Like lock, but move every dependency to its newest version pyproject.toml allows

lock-check: install ## Fail when pyproject.toml, uv.lock and the exported requirements files disagree
	@$(UV) lock --check --python $(PY) || { echo "uv.lock does not match pyproject.toml: run 'make lock'"; exit 1; }
	@tmp=$$(mktemp -d) && trap 'rm -rf $$tmp' EXIT && \
	  $(EXPORT) --extra dev --extra local > $$tmp/dev.txt && $(EXPORT) > $$tmp/image.txt && \
	  for pair in requirements-dev.txt:dev.txt deploy/image/requirements.txt:image.txt; do \
	    diff -u "$${pair%%:*}" "$$tmp/$${pair##*:}" >&2 || \
	      { echo "$${pair%%:*} is not what uv.lock exports: run 'make lock'"; exit 1; }; \
	  done
	@$(PY) deploy/image/install-deps.py --check deploy/image/requirements.txt pyproject.toml
	@echo "uv.lock, requirements-dev.txt and deploy/image/requirements.txt match pyproject.toml"

run: install ## Start the whole platform on this machine (NATS, database, services, gateway)
	$(VENV)/bin/gridfusion run

test: install ## Run every test tier (unit, integration, e2e) against real servers
	$(PY) -m pytest -q $(PYTEST_ARGS)

test-unit: install ## Run only the unit tests (no network)
	$(PY) -m pytest -q -m unit $(PYTEST_ARGS)

test-integration: install ## Run only the integration tests (real nats-server and secantusd-py)
	$(PY) -m pytest -q -m integration $(PYTEST_ARGS)

# The integration tests of the shared kit, the stores and the services' start-up: what another
# Python version (asyncio, the drivers, grpcio) could change. CI runs them on 3.13 besides 3.11's
# full run, which covers every tier.
COMPAT_TESTS = tests/integration/test_bus.py tests/integration/test_local_infra.py \
	tests/integration/test_grpc_health.py tests/integration/test_nats_inboxes.py \
	tests/integration/test_durable_writes.py tests/integration/test_fusion_batches.py \
	tests/integration/test_fusion_loop.py tests/integration/test_accounts_store.py \
	tests/integration/test_departments.py

test-compat: install ## The unit tier and the integration tests of the shared kit and the stores (CI: on Python 3.13 too)
	$(PY) -m pytest -q -m unit $(PYTEST_ARGS)
	$(PY) -m pytest -q -m integration $(COMPAT_TESTS) $(PYTEST_ARGS)

# Faults under load on the whole platform (chaos/): each scenario ends with a reconciliation;
# the table goes to the screen and test-output/chaos/chaos.json.
chaos: install ## Kill and stop parts of the platform under load; check nothing accepted is lost or doubled (20 min or more)
	$(PY) -m chaos $(CHAOS_ARGS)

chaos-quick: install ## The bounded chaos run for CI: every scenario with smaller loads, a few minutes
	$(PY) -m chaos --quick $(CHAOS_ARGS)

soak: install ## The platform under a steady load for 30 min, cases closed as grid staff would: memory and backlog sampled, flat or not (not in CI)
	$(PY) -m chaos.soak $(SOAK_ARGS)

# The labelled set of tests/fusion_eval/: the rule pair by pair (no servers), then fusion
# through the store against a real database; each prints its precision and recall.
eval-fusion: install ## Print fusion's precision and recall on the labelled set of incidents and look-alikes
	$(PY) -m pytest -q -s -p no:cacheprovider tests/fusion_eval tests/integration/test_fusion_quality.py $(PYTEST_ARGS)

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

lint: install ## Lint the code (ruff) and who may import whom (import-linter, .importlinter)
	$(PY) -m ruff check services gateway tests bench chaos
	$(VENV)/bin/lint-imports --no-cache

# The benchmarks (bench/): each figure beside a baseline measured in the same run on the same
# servers, one table, and test-output/bench/bench.json. BENCH_ARGS passes more, e.g.
# `make bench BENCH_ARGS="--only ingest fusion"`.
bench: install ## Benchmark the platform against raw baselines (table + test-output/bench/bench.json)
	$(PY) -m bench $(BENCH_ARGS)

bench-quick: install ## The bounded benchmark run for CI: fewer rounds and events, a few minutes
	$(PY) -m bench --quick $(BENCH_ARGS)

.PHONY: bench bench-quick chaos chaos-quick soak

clean: ## Remove local data and caches (keeps .venv)
	rm -rf var .pytest_cache test-output

.PHONY: help install lock lock-upgrade lock-check run test test-unit test-integration test-compat eval-fusion proto proto-check nats-auth lint clean

-include deploy/Makefile.mk
