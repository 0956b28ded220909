"""What a grid's 包管 cadre is told of an overdue case, and the log messenger that stands in for
an SMS gateway: the whole text, the phone masked."""

from __future__ import annotations

import logging

import pytest

from services.fusion.notices import LogMessenger, text_of

pytestmark = pytest.mark.unit


def test_the_text_names_the_grid_the_case_the_level_and_what_happened():
    notice = {"case_id": "C1", "category": "safety_hazard.fire", "level": "community", "change": "escalated"}
    text = text_of(notice, "文华")
    assert "文华网格" in text and "C1" in text and "社区层级" in text and "已自动上报上一级" in text
    assert "已列入督办" in text_of({**notice, "change": "overdue", "level": "street"}, "文华")


async def test_the_log_messenger_writes_the_message_with_the_phone_masked(caplog):
    caplog.set_level(logging.INFO, logger="services.fusion.notices")
    message_id = await LogMessenger().send("13809218888", "请督促办理")
    record = next(r for r in caplog.records if r.getMessage() == "notice sent")
    assert record.to == "138****8888" and record.text == "请督促办理" and record.message_id == message_id
    assert "13809218888" not in caplog.text
