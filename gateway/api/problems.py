"""The gateway's error answers as its OpenAPI documents them. Every error is ``{"detail": ...}``:
a 4xx naming the problem for bad input, a 503 (with ``Retry-After``) only while a service it
needs is busy or away. Each router lists the codes its operations can answer with
(:func:`answers`), so a client (and the fuzzing in ``tests/e2e/test_fuzz_gateway.py``) can rely
on the documented codes and bodies. Answers that name something a client reads or acts on next
carry OpenAPI ``links`` to that operation (:func:`link`), which a client — and the stateful
part of the fuzzing — follows."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class FieldProblem(BaseModel):
    """One bad field, in FastAPI's shape: where it is (``["body", "location", "lon"]``) and why."""

    model_config = ConfigDict(extra="allow")
    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """An error: a sentence naming the problem, or (422) each bad field."""

    detail: str | list[FieldProblem]


MEANING = {
    400: "the body cannot be parsed (not UTF-8 JSON, or a broken form)",
    401: "no bearer token, or one that is invalid, expired or of an ended session",
    403: "the caller's role or scope may not do this (or must first change its one-time password)",
    404: "no such resource in the caller's scope",
    409: "the resource's state does not allow this, or it exists already",
    413: "the body is larger than this operation takes",
    422: "invalid input: each bad field named (or a sentence naming the problem)",
    503: "a service the gateway needs is busy or unavailable: try again after `Retry-After` seconds",
}


def answers(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of these error codes, each a :class:`Problem`."""
    return {code: {"model": Problem, "description": MEANING[code]} for code in codes}


def json_answers(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The same for an operation whose success is not JSON (an HTML page, a stream): its errors
    still are (FastAPI would document them in the success's media type)."""
    schema = {"$ref": "#/components/schemas/Problem"}
    return {code: {"description": MEANING[code], "content": {"application/json": {"schema": schema}}} for code in codes}


# What every operation behind a sign-in can answer besides its own codes.
SIGNED_IN = (400, 401, 403, 422, 503)


def link(operation_id: str, description: str, **parameters: str) -> dict[str, Any]:
    """An OpenAPI link of an answer: the operation a client calls next with what the answer (or
    its request) carries, each of the operation's ``parameters`` a runtime expression such as
    ``$response.body#/event_id`` or ``$request.path.department`` (a JSON Pointer may index an
    array: ``#/items/0/case_id``, the first item)."""
    return {"operationId": operation_id, "description": description, "parameters": parameters}


def links(**named: dict[str, Any]) -> dict[str, Any]:
    """The ``links`` of one documented answer, by name (merged into its ``responses`` entry)."""
    return {"links": named}
