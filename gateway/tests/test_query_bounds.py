"""Every numeric query parameter of the gateway (and every moment) is bounded, so a number too large for the
contracts (int32) or for its list is a 422 naming the parameter, never a 500."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from gateway.api.deps import current_principal, get_state
from gateway.auth import Principal
from gateway.main import create_app
from gateway.settings import GatewaySettings

pytestmark = pytest.mark.unit

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def app():
    return create_app(GatewaySettings(local_mode=True, jwt_key="k" * 48))


def numeric_query_parameters(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(operation, parameter, schema) of every integer or number query parameter in ``spec``."""
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") != "query":
                    continue
                schema = parameter.get("schema", {})
                # `int | None` is an anyOf of the number and null.
                for option in schema.get("anyOf", [schema]):
                    if option.get("type") in ("integer", "number"):
                        found.append((f"{method.upper()} {path}", parameter["name"], option))
    return found


def test_every_numeric_query_parameter_has_both_bounds_and_integers_fit_int32() -> None:
    found = numeric_query_parameters(app().openapi())
    assert {name for _, name, _ in found} >= {"page", "page_size", "lon", "lat"}
    unbounded, too_wide = [], []
    for operation, name, schema in found:
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        high = schema.get("maximum", schema.get("exclusiveMaximum"))
        if low is None or high is None:
            unbounded.append(f"{operation} {name}")
        elif schema["type"] == "integer" and not INT32_MIN <= low <= high <= INT32_MAX:
            too_wide.append(f"{operation} {name} [{low}, {high}]")
    assert not unbounded, f"numeric query parameters without both bounds: {unbounded}"
    assert not too_wide, f"integer query parameters whose bounds do not fit int32: {too_wide}"


def test_every_page_and_page_size_is_bounded_by_the_lists_maximum() -> None:
    for operation, name, schema in numeric_query_parameters(app().openapi()):
        if name == "page":
            assert (schema["minimum"], schema["maximum"]) == (1, 100000), operation
        if name == "page_size":
            assert schema["minimum"] == 1 and schema["maximum"] <= 1000, operation


class Unreachable:
    """The gateway's state for a request that must be refused before it reaches any peer."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the request reached the gateway's {name}")


@pytest.fixture
def client():
    gateway = app()
    gateway.dependency_overrides[get_state] = Unreachable
    gateway.dependency_overrides[current_principal] = lambda: Principal("admin", "county")
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gw")


@pytest.mark.parametrize("query,field", [
    ("page=2067945876218865&page_size=457", "page"),
    ("page=1&page_size=457000000000", "page_size"),
    ("page=1&page_size=1001", "page_size"),
    ("page=0", "page"),
])
async def test_circle_gaps_out_of_range_is_a_422_naming_the_parameter(client, query: str, field: str) -> None:
    async with client:
        reply = await client.get(f"/v1/departments/legal_aid/circle-gaps?{query}")
    assert reply.status_code == 422, reply.text
    assert [e["loc"] for e in reply.json()["detail"]] == [["query", field]]


@pytest.mark.parametrize("path", [
    "/v1/dead-letters", "/v1/departments/petition/dead-letters", "/v1/audit", "/v1/service-orders",
    "/v1/party-members", "/v1/grids/G1/households", "/v1/accounts",
])
async def test_every_list_refuses_a_page_beyond_int32(client, path: str) -> None:
    async with client:
        reply = await client.get(f"{path}?page=2067945876218865")
    assert reply.status_code == 422, reply.text
    assert ["query", "page"] in [e["loc"] for e in reply.json()["detail"]]


async def test_a_cursor_longer_than_any_list_writes_is_a_422(client) -> None:
    async with client:
        reply = await client.get("/v1/dead-letters?cursor=" + "A" * 600)
    assert reply.status_code == 422
    assert [e["loc"] for e in reply.json()["detail"]] == [["query", "cursor"]]


def out_of_range(schema: dict[str, Any]) -> list[str]:
    """Values just past each bound of a numeric parameter, and far past it."""
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    far = 2067945876218865 if schema["type"] == "integer" else 1e308
    below, above = (low - 1, high + 1) if schema["type"] == "integer" else (low - 0.5, high + 0.5)
    return [str(below), str(above), str(-far), str(far), "NaN"]


def every_numeric_parameter_out_of_range() -> list[tuple[str, str, str]]:
    """(method, path with its path parameters filled in, query) of every numeric query parameter
    of every operation, once per out-of-range value."""
    spec = app().openapi()
    cases = []
    for operation, name, schema in numeric_query_parameters(spec):
        method, path = operation.split(" ", 1)
        path = path.replace("{department}", "petition").replace("{fmt}", "json")
        path = re.sub(r"\{[^}]+\}", "x1", path)
        cases += [(method, path, f"{name}={value}") for value in out_of_range(schema)]
    return cases


@pytest.mark.parametrize("method,path,query", every_numeric_parameter_out_of_range())
async def test_every_numeric_parameter_out_of_range_is_a_422_naming_it(client, method: str, path: str, query: str) -> None:
    async with client:
        reply = await client.request(method, f"{path}?{query}")
    assert reply.status_code == 422, reply.text
    name = query.split("=", 1)[0]
    assert ["query", name] in [e["loc"] for e in reply.json()["detail"]], reply.text


@pytest.mark.parametrize("query", ["since=0001-01-01T00:00:00%2B01:00", "until=9999-12-31T23:59:59-01:00",
                                   "since=0001-01-01T00:00:00", "until=9999-12-31T23:00:00"])
async def test_a_moment_no_timestamp_carries_is_a_422_naming_it(client, query: str) -> None:
    async with client:
        reply = await client.get(f"/v1/audit?{query}")
    assert reply.status_code == 422, reply.text
    assert [e["loc"] for e in reply.json()["detail"]] == [["query", query.split("=", 1)[0]]]
