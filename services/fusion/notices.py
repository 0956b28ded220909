"""The grid's assigned cadres (包管: the deputy-section-level leader and the agency cadre) are told
of the grid's overdue cases.

When a case's deadline passes — fusion escalates it a level, or at the street or a department
marks it overdue (督办) — the same transaction keeps a notice in ``cadre_notices``, pending.
:class:`NoticeSender` sends each pending notice to the cadres the grid has then (its
:class:`~services.fusion.contacts.ContactStore` contacts, with a phone) through a
:class:`Messenger`, and keeps who it went to and the messenger's message ids. Sending is at least
once: a crash between sending and noting it sends again.

A message is an approved template's id and its parameters (:class:`Message`), as Chinese SMS
gateways and WeChat template messages take them: the provider renders the text from the template
it approved, so the platform never sends free text. :data:`TEMPLATES` holds each template's text as
it was filed with the provider, which :func:`render` fills in for the log, the notice's record and
the tests.

Messengers: :class:`LogMessenger` (local mode and any deployment without an SMS gateway) writes
each message to the log — template id, parameters and the rendered text — phone masked. An SMS
or WeChat adapter implements :class:`Messenger` the same way (a WeChat one maps the phone to the
cadre's openid).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from services.platform import periodic

from .contacts import ContactStore
from .refused import Refused

log = logging.getLogger(__name__)

COLLECTION = "cadre_notices"
INDEXES = [IndexModel([("status", ASCENDING), ("created_at", ASCENDING)], name="pending"),
           IndexModel([("grid_id", ASCENDING), ("created_at", DESCENDING)], name="grid_time")]
LEVEL_LABELS = {"grid": "网格", "community": "社区", "street": "街道", "department": "部门"}
BATCH = 100


# Each template's id with its text as filed with the SMS provider (and WeChat's template library):
# ``{name}`` is a parameter. A template is approved once; its text changes only with a new id.
CASE_OVERDUE = "gridfusion_case_overdue"
TEMPLATES: Mapping[str, str] = {
    CASE_OVERDUE: "【宁阳县网格化服务管理】您包管的{grid}网格案件{case_id}（{category}）"
                  "在{level}层级超过办理时限，{what}，请督促办理。",
}


@dataclass(frozen=True)
class Message:
    """One message: the template's id and the value of each of its parameters."""

    template_id: str
    params: Mapping[str, str]


def render(message: Message) -> str:
    """The text a recipient reads; ValueError for an unknown template or a parameter missing."""
    template = TEMPLATES.get(message.template_id)
    if template is None:
        raise ValueError(f"no message template {message.template_id!r}")
    try:
        return template.format_map(message.params)
    except KeyError as exc:
        raise ValueError(
            f"template {message.template_id!r} needs the parameter {exc.args[0]!r}") from exc


class Messenger(Protocol):
    async def send(self, phone: str, message: Message) -> str:
        """Send the template message to ``phone``; the provider's id of the message."""
        ...


class LogMessenger:
    """Writes each message to the log (phone masked), as an SMS gateway would send it."""

    async def send(self, phone: str, message: Message) -> str:
        text = render(message)
        message_id = f"log-{uuid.uuid4().hex[:12]}"
        log.info("notice sent", extra={
            "message_id": message_id, "to": f"{phone[:3]}****{phone[-4:]}",
            "template_id": message.template_id, "params": dict(message.params), "text": text})
        return message_id


async def keep(notices: AsyncCollection, case: dict[str, Any], change: str, note: str, now: datetime, *,
               session: AsyncClientSession) -> None:
    """Keep a pending notice of the case's passed deadline, in the escalation's transaction; once
    per case version, however often the transaction is retried."""
    version = case["version"] + 1
    await notices.update_one(
        {"_id": f"{case['_id']}.v{version}"},
        {"$setOnInsert": {"case_id": case["_id"], "version": version, "grid_id": case["grid_id"], "change": change,
                          "level": case.get("level", ""), "category": case.get("category", ""), "note": note,
                          "status": "pending", "created_at": now, "recipients": []}},
        upsert=True, session=session)


def message_of(notice: dict[str, Any], grid_name: str) -> Message:
    """The message a cadre gets: the overdue case's template and its parameters."""
    return Message(CASE_OVERDUE, {
        "grid": grid_name, "case_id": notice["case_id"], "category": notice["category"],
        "level": LEVEL_LABELS.get(notice["level"], notice["level"]),
        "what": "已自动上报上一级" if notice["change"] == "escalated" else "已列入督办",
    })


def text_of(notice: dict[str, Any], grid_name: str) -> str:
    """The text a cadre reads."""
    return render(message_of(notice, grid_name))


class NoticeSender:
    def __init__(self, notices: AsyncCollection, contacts: ContactStore, messenger: Messenger) -> None:
        self.notices = notices
        self.contacts = contacts
        self.messenger = messenger
        self.grid_names: dict[str, str] = {}

    async def tick(self, now: datetime) -> int:
        """Send the pending notices (up to a batch); how many were settled."""
        pending = await self.notices.find({"status": "pending"}).sort("created_at", ASCENDING).limit(BATCH).to_list()
        for notice in pending:
            try:
                cadres = [c for c in (await self.contacts.get(notice["grid_id"])).cadres if c.phone]
            except Refused:
                cadres = []  # a grid the reference data no longer has
            message = message_of(notice, self.grid_names.get(notice["grid_id"], notice["grid_id"]))
            sent = [{"role": c.role, "name": c.name, "phone": c.phone,
                     "message_id": await self.messenger.send(c.phone, message)} for c in cadres]
            await self.notices.update_one({"_id": notice["_id"], "status": "pending"}, {"$set": {
                "status": "sent" if sent else "no_recipient", "recipients": sent,
                "text": render(message), "template_id": message.template_id,
                "params": dict(message.params), "sent_at": now}})
        return len(pending)

    async def run(self, stop: asyncio.Event, clock, interval: float = 10.0) -> None:
        await periodic.repeat(lambda: self.tick(clock.now()), every=interval, stop=stop,
                              failed=lambda exc, failures: log.exception("sending notices failed; next pass retries"))

    async def listed(self, grid_ids: list[str], limit: int = 100) -> list[dict[str, Any]]:
        """The notices of these grids, newest first."""
        return await (self.notices.find({"grid_id": {"$in": grid_ids}}).sort("created_at", DESCENDING)
                      .limit(limit).to_list())
