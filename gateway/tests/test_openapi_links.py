"""The OpenAPI links of the gateway's answers lead somewhere: each names an operation the gateway
has, fills only parameters that operation takes, with runtime expressions a client can evaluate —
so a renamed route or parameter cannot leave a link pointing nowhere."""

from __future__ import annotations

import re
from typing import Any

import pytest

from gateway.main import create_app
from gateway.settings import GatewaySettings

pytestmark = pytest.mark.unit

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# OpenAPI runtime expressions: the request's path, query or header parameter, or its body or the
# answer's body at a JSON Pointer (RFC 6901: `/`-separated, `~0` and `~1` escaped).
EXPRESSION = re.compile(r"^\$(request\.(path|query|header)\.[A-Za-z0-9_.-]+"
                        r"|(request|response)\.body(#(/([^/~]|~[01])*)*)?)$")

# Producer → consumer pairs a client relies on: (source method, source path, status, link name, target operationId).
EXPECTED = [
    ("get", "/v1/departments", "200", "SubmitEvent", "submit_event_v1_departments__department__events_post"),
    ("get", "/v1/departments", "200", "SubmitBatch", "submit_batch_v1_departments__department__events_batch_post"),
    ("post", "/v1/departments/{department}/events", "202", "EventStatus",
     "get_department_event_v1_departments__department__events__event_id__get"),
    ("post", "/v1/departments/{department}/events", "202", "EventStatusById", "get_event_v1_events__event_id__get"),
    ("post", "/v1/departments/{department}/events", "200", "EventStatus",
     "get_department_event_v1_departments__department__events__event_id__get"),
    ("post", "/v1/departments/{department}/events:batch", "200", "FirstEventStatus",
     "get_department_event_v1_departments__department__events__event_id__get"),
    ("get", "/v1/departments/{department}/events/{event_id}", "200", "Case", "get_case_v1_cases__case_id__get"),
    ("get", "/v1/events/{event_id}", "200", "Case", "get_case_v1_cases__case_id__get"),
    ("post", "/v1/accounts", "201", "Account", "get_account_v1_accounts__username__get"),
    ("get", "/v1/accounts", "200", "FirstAccount", "get_account_v1_accounts__username__get"),
    ("get", "/v1/cases", "200", "FirstCase", "get_case_v1_cases__case_id__get"),
    ("get", "/v1/cases/{case_id}", "200", "Act", "act_on_case_v1_cases__case_id__actions_post"),
    ("post", "/v1/cases/{case_id}/actions", "200", "Case", "get_case_v1_cases__case_id__get"),
    ("post", "/v1/service-orders", "201", "Order", "get_order_v1_service_orders__order_id__get"),
    ("post", "/v1/service-orders", "201", "ActOnOrder", "act_on_order_v1_service_orders__order_id__actions_post"),
    ("get", "/v1/service-orders", "200", "FirstOrder", "get_order_v1_service_orders__order_id__get"),
    ("get", "/v1/service-orders/{order_id}", "200", "ActOnOrder", "act_on_order_v1_service_orders__order_id__actions_post"),
    ("post", "/v1/service-orders/{order_id}/actions", "200", "Order", "get_order_v1_service_orders__order_id__get"),
    ("post", "/v1/party-members", "201", "Registration", "my_registration_v1_party_members_me_get"),
    ("get", "/v1/grids", "200", "Grid", "get_grid_v1_grids__grid_id__get"),
    ("get", "/v1/grids/{grid_id}", "200", "Households", "list_households_v1_grids__grid_id__households_get"),
    ("get", "/v1/locate", "200", "Grid", "get_grid_v1_grids__grid_id__get"),
    ("get", "/v1/dead-letters", "200", "FirstEventStatus",
     "get_department_event_v1_departments__department__events__event_id__get"),
    ("post", "/open311/v2/requests.{fmt}", "201", "Request",
     "get_request_open311_v2_requests__service_request_id___fmt__get"),
]


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return create_app(GatewaySettings(local_mode=True, jwt_key="k" * 48)).openapi()


def operations(spec: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """Every operation by its operationId: (method, path, operation)."""
    found: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                assert operation["operationId"] not in found, f"operationId {operation['operationId']} twice"
                found[operation["operationId"]] = (method, path, operation)
    return found


def every_link(spec: dict[str, Any]) -> list[tuple[str, str, str, str, dict[str, Any]]]:
    """(method, path, status, name, link) of every link of every answer."""
    return [(method, path, code, name, link)
            for path, item in spec["paths"].items() for method, operation in item.items() if method in METHODS
            for code, answer in operation.get("responses", {}).items()
            for name, link in answer.get("links", {}).items()]


def pointer_fits(schema: dict[str, Any], pointer: list[str], spec: dict[str, Any]) -> bool:
    """Whether a JSON Pointer into a body of ``schema`` can resolve: each step a property the
    schema declares (or an index into an array, or any key of a free-form object)."""
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if not pointer:
        return True
    step, rest = pointer[0], pointer[1:]
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        return any(pointer_fits(option, pointer, spec) for option in options)
    if schema.get("type") == "array" or "items" in schema or "prefixItems" in schema:
        return step.isdigit() and pointer_fits(schema.get("items", {}), rest, spec)
    properties = schema.get("properties")
    if properties is not None:
        return step in properties and pointer_fits(properties[step], rest, spec)
    return schema.get("type") in (None, "object")  # free-form: nothing to check


def test_every_producer_links_to_its_consumers(spec: dict[str, Any]) -> None:
    found = {(method, path, code, name): link["operationId"] for method, path, code, name, link in every_link(spec)}
    for method, path, code, name, target in EXPECTED:
        assert found.get((method, path, code, name)) == target, (method, path, code, name)


def test_every_link_names_an_operation_and_only_parameters_it_takes(spec: dict[str, Any]) -> None:
    by_id = operations(spec)
    links = every_link(spec)
    assert len(links) >= len(EXPECTED)
    for method, path, code, name, link in links:
        where = f"{method.upper()} {path} {code} link {name}"
        assert "operationRef" not in link, f"{where}: links name operations by operationId"
        assert link.get("operationId") in by_id, f"{where}: no operation {link.get('operationId')!r}"
        _, target_path, target = by_id[link["operationId"]]
        takes = {p["name"]: p for p in target.get("parameters", [])}
        required = {n for n, p in takes.items() if p.get("required") and p["in"] == "path"}
        filled = {key.split(".", 1)[-1] if key.split(".", 1)[0] in ("path", "query", "header", "cookie") else key: value
                  for key, value in link.get("parameters", {}).items()}
        assert set(filled) <= set(takes), f"{where}: {sorted(set(filled) - set(takes))} not parameters of {target_path}"
        assert required <= set(filled), f"{where}: path parameters {sorted(required - set(filled))} left unfilled"
        for parameter, expression in filled.items():
            assert EXPRESSION.match(expression), f"{where}: {parameter} = {expression!r} is not a runtime expression"
            if expression.startswith("$request.path."):
                assert "{" + expression.removeprefix("$request.path.") + "}" in path, f"{where}: {expression}"
            if expression.startswith("$response.body#"):
                body = spec["paths"][path][method]["responses"][code].get("content", {}).get("application/json", {})
                pointer = [s.replace("~1", "/").replace("~0", "~") for s in expression.split("#", 1)[1].split("/")[1:]]
                assert pointer_fits(body.get("schema", {}), pointer, spec), f"{where}: {expression} not in the answer"


def test_the_links_need_no_more_than_openapi(spec: dict[str, Any]) -> None:
    """Standard OpenAPI only: a link's fields are those the specification defines."""
    allowed = {"operationId", "operationRef", "parameters", "requestBody", "description", "server"}
    for method, path, code, name, link in every_link(spec):
        assert set(link) <= allowed, f"{method.upper()} {path} {code} link {name}: {sorted(set(link) - allowed)}"
