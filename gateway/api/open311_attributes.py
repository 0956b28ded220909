"""Open311 service definitions with attributes, from comprehensive governance's own event types.

A service request becomes an event of 综治 comprehensive governance. Where 综治 has a native event
type for the request's category (``governance.dispute`` for a dispute, ``governance.hazard`` for
a safety hazard, …), the service's definition lists that type's ``details`` fields as GeoReport
attributes, and a request to it is submitted as that type with the attributes as its details;
a category with no native type stays an ``incident.reported`` event with no attributes.

Each field becomes one attribute (GeoReport v2 ``service_definition``):

==========================  =================================================================
details field               attribute
==========================  =================================================================
boolean                     ``singlevaluelist`` with ``true`` 是 and ``false`` 否
integer, number             ``number``
string with allowed values  ``singlevaluelist``, each value named by the field's description
                            (``"隐患等级: general 一般, major 重大"`` names ``general`` 一般)
string                      ``string``
==========================  =================================================================

The definitions are read from the department service (``Describe``), so they follow its
definition module, and kept for ``TTL`` seconds.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from gridfusion.departments.v1 import departments_pb2 as dpb

DEPARTMENT = "comprehensive_governance"
TTL = 300.0
BOOLEAN_VALUES = (("true", "是 yes"), ("false", "否 no"))
FORM_KEY = re.compile(r"^attribute\[([A-Za-z0-9_]{1,64})\](\[\])?$")
VALUE_MAX = 500


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str  # string | number | singlevaluelist
    required: bool
    description: str
    values: tuple[tuple[str, str], ...]
    kind: str  # the details field's type: string | integer | number | boolean

    def as_dict(self, order: int) -> dict[str, Any]:
        return {"variable": True, "code": self.code, "datatype": self.datatype, "required": self.required,
                "datatype_description": DATATYPE_TEXT[self.kind], "order": order, "description": self.description,
                "values": [{"key": k, "name": n} for k, n in self.values]}

    def parse(self, raw: str) -> tuple[Any, str]:
        """The value for the event's details, or a problem (then the value is None)."""
        raw = raw.strip()
        if len(raw) > VALUE_MAX:
            return None, f"at most {VALUE_MAX} characters"
        if self.kind == "boolean":
            if raw.lower() in ("true", "1", "yes", "是"):
                return True, ""
            if raw.lower() in ("false", "0", "no", "否"):
                return False, ""
            return None, "true or false"
        if self.kind in ("integer", "number"):
            try:
                number = float(raw)
            except ValueError:
                return None, "a number"
            if self.kind == "integer":
                if not number.is_integer():
                    return None, "a whole number"
                return int(number), ""
            return number, ""
        if self.values and raw not in {k for k, _ in self.values}:
            return None, f"one of {', '.join(k for k, _ in self.values)}"
        return raw, ""


DATATYPE_TEXT = {"boolean": "true 是 / false 否", "integer": "a whole number", "number": "a number",
                 "string": "text"}


@dataclass(frozen=True)
class ServiceType:
    """The native event type a service's requests become, and its attributes in order."""

    event_type: str
    label: str
    attributes: tuple[Attribute, ...]


def _names(description: str, allowed: list[str]) -> tuple[tuple[str, str], ...]:
    out = []
    for key in allowed:
        found = re.search(rf"(?<![A-Za-z_]){re.escape(key)}\s+([^\s,，;；]+)", description)
        out.append((key, f"{found.group(1)} {key}" if found else key))
    return tuple(out)


def attribute_of(field: dpb.DetailsField) -> Attribute | None:
    kind = field.type
    if kind == "boolean":
        return Attribute(field.name, "singlevaluelist", field.required, field.description, BOOLEAN_VALUES, kind)
    if kind in ("integer", "number"):
        return Attribute(field.name, "number", field.required, field.description, (), kind)
    if kind == "string":
        values = _names(field.description, list(field.allowed)) if field.allowed else ()
        return Attribute(field.name, "singlevaluelist" if values else "string", field.required, field.description,
                         values, kind)
    return None  # objects and arrays have no GeoReport form


def service_types(description: dpb.DepartmentDescription) -> dict[str, ServiceType]:
    """Each category with a native event type: the first type (in the definition's order) that
    carries it and has details to ask for."""
    out: dict[str, ServiceType] = {}
    for event_type in description.event_types:
        attributes = tuple(a for a in map(attribute_of, event_type.details) if a is not None)
        if not attributes:
            continue
        for category in event_type.categories:
            out.setdefault(category, ServiceType(event_type.type, event_type.label, attributes))
    return out


class Definitions:
    """The services' native types, read from the department and kept ``TTL`` seconds."""

    def __init__(self) -> None:
        self._types: dict[str, ServiceType] | None = None
        self._read = 0.0

    async def get(self, state) -> dict[str, ServiceType]:
        if self._types is None or time.monotonic() - self._read > TTL:
            description = await state.peers.departments[DEPARTMENT].Describe(
                dpb.DescribeRequest(), timeout=state.settings.rpc_timeout_seconds)
            self._types, self._read = service_types(description), time.monotonic()
        return self._types


DEFINITIONS = Definitions()


def form_attributes(form: Any) -> tuple[dict[str, str], list[str]]:
    """``attribute[code]`` fields of a request's form, and the names of malformed keys."""
    given: dict[str, str] = {}
    bad: list[str] = []
    for key, value in form.multi_items():
        if not key.startswith("attribute"):
            continue
        match = FORM_KEY.match(key)
        if match is None or not isinstance(value, str):
            bad.append(key)
            continue
        given[match.group(1)] = value
    return given, bad


def details_from(service: ServiceType | None, given: dict[str, str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The event's details from the request's attributes, and each problem as (field, message)."""
    problems: list[tuple[str, str]] = []
    if service is None:
        problems.extend((f"attribute[{code}]", "this service takes no attributes") for code in given)
        return {}, problems
    known = {a.code: a for a in service.attributes}
    problems.extend((f"attribute[{code}]", f"unknown attribute; this service's are {', '.join(known)}")
                    for code in given if code not in known)
    details: dict[str, Any] = {}
    for code, attribute in known.items():
        raw = given.get(code, "")
        if not raw.strip():
            if attribute.required:
                problems.append((f"attribute[{code}]", f"required: {attribute.description}"))
            continue
        value, problem = attribute.parse(raw)
        if problem:
            problems.append((f"attribute[{code}]", problem))
        else:
            details[code] = value
    return details, problems
