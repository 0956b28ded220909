"""Open311 attributes from a department's description: the mapping of details fields, and the
parsing of a request's ``attribute[code]`` values."""

from __future__ import annotations

import pytest
from gridfusion.departments.v1 import departments_pb2 as dpb
from starlette.datastructures import FormData

from gateway.api.open311_attributes import details_from, form_attributes, service_types

pytestmark = pytest.mark.unit

DESCRIPTION = dpb.DepartmentDescription(event_types=[
    dpb.EventType(type="incident.reported", categories=["dispute.neighbor", "environment.garbage"]),
    dpb.EventType(type="governance.dispute", label="矛盾纠纷", categories=["dispute.neighbor"], details=[
        dpb.DetailsField(name="parties", type="integer", description="当事人数"),
        dpb.DetailsField(name="mediated_on_site", type="boolean", description="是否已当场调解")]),
    dpb.EventType(type="governance.hazard", label="安全隐患", categories=["safety_hazard.fire"], details=[
        dpb.DetailsField(name="hazard_level", type="string", allowed=["general", "major"],
                         description="隐患等级: general 一般, major 重大"),
        dpb.DetailsField(name="extra", type="object")]),
    dpb.EventType(type="governance.risk_screening", categories=["safety_hazard.fire", "special_population.drug_rehab"],
                  details=[dpb.DetailsField(name="risk_kind", type="string", required=True, allowed=["public_safety"],
                                            description="四类风险")]),
])


def test_each_category_takes_the_first_native_type_with_details() -> None:
    types = service_types(DESCRIPTION)
    assert sorted(types) == ["dispute.neighbor", "safety_hazard.fire", "special_population.drug_rehab"]
    assert types["safety_hazard.fire"].event_type == "governance.hazard"
    assert [a.code for a in types["safety_hazard.fire"].attributes] == ["hazard_level"]  # an object has no form
    level = types["safety_hazard.fire"].attributes[0].as_dict(1)
    assert (level["datatype"], level["values"]) == ("singlevaluelist", [{"key": "general", "name": "一般 general"},
                                                                         {"key": "major", "name": "重大 major"}])
    dispute = {a.code: a.as_dict(1) for a in types["dispute.neighbor"].attributes}
    assert dispute["parties"]["datatype"] == "number"
    assert [v["key"] for v in dispute["mediated_on_site"]["values"]] == ["true", "false"]


def test_values_are_parsed_by_the_fields_type_and_each_problem_is_named() -> None:
    types = service_types(DESCRIPTION)
    details, problems = details_from(types["dispute.neighbor"], {"parties": "3", "mediated_on_site": "是"})
    assert (details, problems) == ({"parties": 3, "mediated_on_site": True}, [])
    _, problems = details_from(types["dispute.neighbor"], {"parties": "2.5", "mediated_on_site": "maybe", "x": "1"})
    assert dict(problems) == {"attribute[parties]": "a whole number", "attribute[mediated_on_site]": "true or false",
                              "attribute[x]": "unknown attribute; this service's are parties, mediated_on_site"}
    _, problems = details_from(types["special_population.drug_rehab"], {})
    assert [name for name, _ in problems] == ["attribute[risk_kind]"] and "required" in problems[0][1]
    _, problems = details_from(None, {"hazard_level": "major"})
    assert problems == [("attribute[hazard_level]", "this service takes no attributes")]


def test_only_well_formed_attribute_keys_are_read() -> None:
    form = FormData([("attribute[hazard_level]", "major"), ("attribute[bad", "x"), ("service_code", "a.b"),
                     ("attribute[tags][]", "t")])
    given, bad = form_attributes(form)
    assert given == {"hazard_level": "major", "tags": "t"} and bad == ["attribute[bad"]
