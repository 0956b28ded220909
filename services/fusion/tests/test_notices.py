"""What a grid's 包管 cadre is told of an overdue case, and the log messenger that stands in for
an SMS gateway: a template and its parameters, the whole text, the phone masked."""

from __future__ import annotations

import logging

import pytest

from services.fusion.notices import (
    CASE_OVERDUE,
    LogMessenger,
    Message,
    message_of,
    render,
    text_of,
)

pytestmark = pytest.mark.unit


def test_the_text_names_the_grid_the_case_the_level_and_what_happened():
    notice = {"case_id": "C1", "category": "safety_hazard.fire", "level": "community", "change": "escalated"}
    text = text_of(notice, "文华")
    assert "文华网格" in text and "C1" in text and "社区层级" in text and "已自动上报上一级" in text
    assert "已列入督办" in text_of({**notice, "change": "overdue", "level": "street"}, "文华")


def test_a_message_is_a_template_and_its_parameters_as_sms_and_wechat_take_them():
    notice = {"case_id": "C1", "category": "safety_hazard.fire", "level": "street", "change": "overdue"}
    message = message_of(notice, "文华")
    assert message.template_id == CASE_OVERDUE
    assert set(message.params) == {"grid", "case_id", "category", "level", "what"}
    assert render(message) == text_of(notice, "文华")
    with pytest.raises(ValueError, match="no message template"):
        render(Message("no_such_template", {}))
    with pytest.raises(ValueError, match="needs the parameter 'what'"):
        render(Message(CASE_OVERDUE, {k: v for k, v in message.params.items() if k != "what"}))


async def test_the_log_messenger_writes_the_template_its_parameters_and_text_phone_masked(caplog):
    caplog.set_level(logging.INFO, logger="services.fusion.notices")
    notice = {"case_id": "C1", "category": "dispute.neighbor", "level": "grid", "change": "escalated"}
    message = message_of(notice, "文华")
    message_id = await LogMessenger().send("13809218888", message)
    record = next(r for r in caplog.records if r.getMessage() == "notice sent")
    assert record.to == "138****8888" and record.message_id == message_id
    assert record.template_id == CASE_OVERDUE and record.params["case_id"] == "C1"
    assert record.text == render(message) and "请督促办理" in record.text
    assert "13809218888" not in caplog.text
