"""Open311's service list and XML form: pure functions."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from gateway.api.routes.open311 import SERVICE_CODES, services_list, to_xml
from services.platform.vocabulary import SHARED_CATEGORIES

pytestmark = pytest.mark.unit


def test_every_shared_category_is_a_service() -> None:
    assert SERVICE_CODES == set(SHARED_CATEGORIES)
    neighbor = next(s for s in services_list() if s["service_code"] == "dispute.neighbor")
    assert neighbor["service_name"] == "矛盾纠纷·邻里纠纷" and neighbor["group"] == "dispute"
    assert neighbor["metadata"] is False and neighbor["type"] == "realtime"


def test_xml_has_one_element_per_field() -> None:
    root = ET.fromstring(to_xml("services", "service", services_list()[:2]))
    assert root.tag == "services" and len(root) == 2
    assert root[0].find("service_code").text == "dispute.neighbor"
    assert root[0].find("metadata").text == "false"
