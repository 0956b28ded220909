"""The gateway's OpenAPI fuzzed with Schemathesis against the running platform, as the county's
admin and as a grid's branch secretary: every operation, data that fits the schema and data that
does not, and each answer checked — never a 5xx, and its status code, content type and body as
the OpenAPI documents them (the contract: bad input is a 4xx naming the problem).

Then, as the county's admin, operations in sequence: scenarios that follow the OpenAPI
``links`` of the answers (``gateway/api/problems.py``), so the second call gets an id the first
answer gave rather than a random one — a department from the list, an event posted to it, its
status read at the canonical URL and by the id alone, its case and an action on that case; a
case list's first case and its actions; an account listed and read; a service-order list's first
order and its steps; a grid located and its households. The same operations are left out, the
same checks apply.

Time-bounded for CI: a fixed seed, derandomized, no deadline and few examples per operation
(``GRIDFUSION_FUZZ_EXAMPLES``, 10 by default) besides Schemathesis's examples and its boundary
cases of every parameter; about 90 s for both roles on two cores, within the 4 minutes CI
allows it; the linked scenarios (``GRIDFUSION_FUZZ_SCENARIOS``, 100 by default, of at most 6
steps) add about 20 s. ``GRIDFUSION_FUZZ_EXAMPLES=200`` runs it longer,
``GRIDFUSION_FUZZ_SEED`` with other data, and ``GRIDFUSION_FUZZ_URL`` fuzzes a platform that is
already running (``make run``) instead of starting one. Accounts the admin's fuzzing creates
(random names) stay; the linked scenarios may move a case they find round the loop (the tests
after this one read cases of their own); nothing else it sends changes what the other tests
read.

Left out, because they would break the platform the other end-to-end tests share:
- ``POST /v1/auth/token``: random failed sign-ins lock the address out (429) for every test
  signing in from it;
- ``POST /v1/auth/logout``: it ends the session whose token the fuzzing itself uses;
- ``POST /v1/auth/password``: it changes the admin's or the secretary's password and ends their
  other sessions, which the other tests hold;
- ``PATCH /v1/accounts/{username}`` and ``POST /v1/accounts/{username}:reset-password``: they
  disable accounts and reset passwords of the demo accounts the other tests sign in with;
- ``/v1/auth/oidc/*``: single sign-on redirects to a provider the platform does not configure
  (404), covered by the single sign-on tests with a provider of their own;
- ``POST /v1/reference/imports`` and ``POST /v1/reference/versions/{version}:activate``: a
  county's reference data replaced or rolled back under the other tests;
- ``GET /v1/feed/cases``: the live feed is a stream that does not end; its own tests read it.
"""

from __future__ import annotations

import os

import httpx
import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gateway.main import create_app
from gateway.settings import GatewaySettings

pytestmark = pytest.mark.e2e

MAX_EXAMPLES = int(os.environ.get("GRIDFUSION_FUZZ_EXAMPLES", "10"))
SEED = int(os.environ.get("GRIDFUSION_FUZZ_SEED", "20261127"))
# The stateful part: scenarios of linked calls, each at most this many steps.
SCENARIOS = int(os.environ.get("GRIDFUSION_FUZZ_SCENARIOS", "100"))
SCENARIO_STEPS = 6
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Readiness answers its documented 503 whenever a peer is briefly not ready (a database ping slower
# than its timeout on a busy machine): that is what it is for, not a server error.
READINESS = frozenset({"/readyz"})


def checks_of(case) -> list:
    return [c for c in CHECKS if c is not not_a_server_error] if case.path in READINESS else CHECKS

EXCLUDED = [
    ("POST", "/v1/auth/token"),
    ("POST", "/v1/auth/logout"),
    ("POST", "/v1/auth/password"),
    ("PATCH", "/v1/accounts/{username}"),
    ("POST", "/v1/accounts/{username}:reset-password"),
    ("POST", "/v1/reference/imports"),
    ("POST", "/v1/reference/versions/{version}:activate"),
    ("GET", "/v1/feed/cases"),
]


def the_gateways_openapi() -> dict:
    """The OpenAPI the gateway serves at ``/openapi.json``: the test is parametrized by its
    operations when it is collected, before any platform runs, so it is built here as the gateway
    builds it, and held equal to the running gateway's by the first test."""
    return create_app(GatewaySettings(local_mode=True, jwt_key="k" * 48)).openapi()


OPENAPI = the_gateways_openapi()
schema = schemathesis.openapi.from_dict(OPENAPI, config=schemathesis.Config.from_dict({
    "seed": SEED,
    "request-timeout": 30,
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    # Scenarios follow the links the OpenAPI documents, not links guessed from names.
    "phases": {"stateful": {"max-steps": SCENARIO_STEPS, "inference": {"algorithms": []}}},
}))
for _method, _path in EXCLUDED:
    schema = schema.exclude(method=_method, path=_path)
schema = schema.exclude(path_regex="^/v1/auth/oidc/")


@pytest.fixture(scope="module")
def gateway_url(request: pytest.FixtureRequest) -> str:
    return os.environ.get("GRIDFUSION_FUZZ_URL") or request.getfixturevalue("platform").gateway_url


def sign_in(url: str, username: str) -> dict[str, str]:
    password = os.environ.get("GRIDFUSION_DEMO_PASSWORD", "demo")
    reply = httpx.post(f"{url}/v1/auth/token", data={"username": username, "password": password}, timeout=30)
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


@pytest.fixture(scope="module")
def admin(gateway_url: str) -> dict[str, str]:
    return sign_in(gateway_url, "admin")


@pytest.fixture(scope="module")
def secretary(gateway_url: str, admin: dict[str, str]) -> dict[str, str]:
    """The branch secretary of a grid away from the point the other tests share (so the audit
    of its reads stays out of their counts)."""
    grids = httpx.get(f"{gateway_url}/v1/grids", headers=admin, timeout=30).json()["features"]
    shared = httpx.get(f"{gateway_url}/v1/locate", params={"lon": 116.8052, "lat": 35.7598}, headers=admin, timeout=30)
    grid_id = next(g["properties"]["grid_id"] for g in reversed(grids) if g["properties"]["grid_id"] != shared.json()["grid_id"])
    return sign_in(gateway_url, f"sec-{grid_id}")


def test_the_fuzzed_openapi_is_the_running_gateways(gateway_url: str) -> None:
    assert httpx.get(f"{gateway_url}/openapi.json", timeout=30).json() == OPENAPI


@schema.parametrize()
def test_as_the_county_admin_every_operation_answers_as_documented(case, gateway_url: str, admin: dict) -> None:
    case.call_and_validate(base_url=gateway_url, headers=admin, checks=checks_of(case))


@schema.parametrize()
def test_as_a_branch_secretary_every_operation_answers_as_documented(case, gateway_url: str, secretary: dict) -> None:
    case.call_and_validate(base_url=gateway_url, headers=secretary, checks=checks_of(case))


def test_as_the_county_admin_linked_operations_answer_as_documented(gateway_url: str, admin: dict) -> None:
    """Scenarios that follow the OpenAPI links: a department listed, an event posted to it, its
    status read by the id the answer gave, then its case and an action on it; a grid found, then
    its households — each answer held to the same checks."""
    class LinkedCalls(schema.as_state_machine()):  # type: ignore[misc]
        rule_order_seed = SEED

        def get_call_kwargs(self, case):
            return {"base_url": gateway_url, "headers": admin}

        def validate_response(self, response, case, additional_checks=None, **kwargs) -> None:
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs or None, recorder=self.recorder)

    hypothesis.seed(SEED)(LinkedCalls)
    LinkedCalls.run(settings=hypothesis.settings(
        max_examples=SCENARIOS, stateful_step_count=SCENARIO_STEPS, deadline=None, derandomize=True, database=None,
        phases=[hypothesis.Phase.generate], suppress_health_check=list(hypothesis.HealthCheck),
    ))
