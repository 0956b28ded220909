"""The vocabulary read from the contract: the words DESIGN names, each with both labels."""

from __future__ import annotations

import pytest
from gridfusion.vocabulary.v1 import vocabulary_pb2 as vpb

from services.platform import vocabulary as v

pytestmark = pytest.mark.unit


def test_the_words_are_those_of_the_gateway_contract() -> None:
    assert v.DEPARTMENTS == ("comprehensive_governance", "petition", "legal_aid", "police_assistant", "civil_affairs")
    assert tuple(v.FAMILIES) == ("dispute", "safety_hazard", "public_order", "livelihood", "legal_service",
                                 "environment", "special_population", "property_management", "other")
    assert v.SUBTYPES["dispute"] == ("neighbor", "family", "property", "wage_arrears", "land")
    assert v.SUBTYPES["public_order"] == ("theft", "fraud", "fighting", "gang_lead")
    assert v.SEVERITIES == ("low", "medium", "high", "critical")
    assert v.ROLES == ("county", "street", "community", "secretary", "worker", "member", "resident", "department")
    assert v.LEVELS == ("grid", "community", "street", "department")
    assert v.ACTIONS == ("accept", "resolve_on_site", "escalate", "assess", "hand_over", "report_result", "close",
                         "feedback", "reopen", "merge", "split", "rate")
    assert v.RISK_LEVELS == v.SEVERITIES
    assert v.SATISFACTION == ("satisfied", "basically_satisfied", "unsatisfied")
    assert [v.SATISFACTION_LABELS[s] for s in v.SATISFACTION] == ["满意", "基本满意", "不满意"]


def test_severities_map_both_ways_onto_the_event_enum() -> None:
    from gridfusion.events.v1 import events_pb2

    assert v.SEVERITY_TO_PROTO["critical"] == events_pb2.SEVERITY_CRITICAL
    assert {v.SEVERITY_FROM_PROTO[n] for n in v.SEVERITY_TO_PROTO.values()} == set(v.SEVERITIES)
    assert events_pb2.SEVERITY_UNSPECIFIED not in v.SEVERITY_FROM_PROTO


@pytest.mark.parametrize("name", list(v.tables()))
def test_every_word_has_a_code_a_chinese_and_an_english_label(name: str) -> None:
    words = v.tables()[name]
    assert words, name
    codes = [w["code"] for w in words]
    assert len(set(codes)) == len(codes), f"{name}: a code twice"
    for word in words:
        assert word["code"] and word["label"] and word["label_en"], word
        assert word["code"] == word["code"].lower()


def test_a_category_code_names_a_family_and_follows_its_number() -> None:
    families = list(v.FAMILIES)
    for value in vpb.Category.DESCRIPTOR.values[1:]:
        code = value.GetOptions().Extensions[vpb.code]
        family, _, subtype = code.partition(".")
        assert family in v.FAMILIES and subtype, code
        assert value.number // 100 == families.index(family) + 1, f"{code} is numbered {value.number}"
        assert value.name == f"CATEGORY_{family}_{subtype}".upper()


def test_a_category_is_checked_against_the_shared_and_the_departments_own() -> None:
    assert v.category_error("dispute.neighbor") is None
    assert "family.subtype" in v.category_error("dispute")
    assert "unknown family 'weather'" in v.category_error("weather.rain")
    assert "unknown category" in v.category_error("livelihood.special_hardship")
    assert v.category_error("livelihood.special_hardship", frozenset({"livelihood.special_hardship"})) is None
