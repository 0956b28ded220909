"""Personal data (names, phone numbers, id numbers): masked unless the role needs them, and every
unmasked read written to the audit log that the county queries (who, what, when, why)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from gridfusion.community.v1 import community_pb2 as cpb

from services.platform.scope import GRID_STAFF

from .auth import Principal

# The purpose recorded when the caller gives none: the duty that lets the role see the data.
DUTY = {
    "secretary": "grid duty (网格服务): the grid's branch secretary",
    "worker": "grid duty (网格服务): the grid's worker",
    "member": "service order (党员接单): the member serving the order",
}


def grid_staff(caller: Principal, grid_id: str) -> bool:
    """The grid's own secretary and workers contact its people: the only roles that see their
    names, phone and ID numbers unmasked (and every such read is audited)."""
    return caller.role in GRID_STAFF and bool(grid_id) and caller.grid_id == grid_id


def mask_name(name: str) -> str:
    """张三丰 → 张**: the family name stays, so a worker can still greet the person."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def mask_digits(value: str, keep_head: int, keep_tail: int) -> str:
    """138****5678 for a phone (3, 4); 370921********1234 for an id number (6, 4)."""
    if not value:
        return ""
    if len(value) <= keep_head + keep_tail:
        return "*" * len(value)
    return value[:keep_head] + "*" * (len(value) - keep_head - keep_tail) + value[-keep_tail:]


def mask_phone(phone: str) -> str:
    return mask_digits(phone, 3, 4)


def kept_phone(given: str, held: Iterable[str]) -> str | None:
    """The phone a form sends back: as given, unless it is the masked form of one held (what a
    role that sees phones masked was shown), then the one held; None when it is masked and
    matches none."""
    if "*" not in given:
        return given
    return next((phone for phone in held if phone and mask_phone(phone) == given), None)


def kept_name(given: str, held: str) -> str:
    """A name from a form: the masked form of the one held (what the caller was shown) keeps it."""
    return held if "*" in given and held and mask_name(held) == given else given


def mask_id_number(id_number: str) -> str:
    return mask_digits(id_number, 6, 4)


# Personal data written into free text (a case's summary, notes and results, an Open311
# description, a service order's title and notes): mainland resident ID numbers (18 characters,
# GB 11643: region, birth date, sequence, check digit 0-9 or X), mobile numbers (11 digits from
# 13x to 19x, optionally +86 and spaced or dashed 3-4-4) and fixed lines with their area code
# (0538-1234567); full-width digits (１３８…) are read as digits. A number glued to other
# letters or digits (an order number, a longer code) is left alone. Names cannot be told from
# other words in free text and are not looked for there.
_HALF_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ＋－　", "0123456789Xx+- ")
_ID_NUMBER = r"[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]"
_MOBILE = r"(?:\+?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}"
_FIXED_LINE = r"0[0-9]{2,3}-[0-9]{7,8}"
PERSONAL_DATA = re.compile(
    rf"(?<![0-9A-Za-z+])(?:(?P<id>{_ID_NUMBER})|(?P<phone>{_MOBILE}|{_FIXED_LINE}))(?![0-9A-Za-z])", re.ASCII
)


def _masked(original: str, match: re.Match[str]) -> str:
    found = original[match.start():match.end()]
    if match["id"]:
        return mask_id_number(found)
    digits = "".join(c for c, plain in zip(found, match[0]) if plain.isdigit())
    if len(digits) == 13 and match[0].lstrip("+").startswith("86"):
        digits = digits[2:]
    return mask_phone(digits)


def mask_text(text: str) -> tuple[str, int]:
    """``text`` with every ID number and phone number in it masked, and how many there were."""
    if not text:
        return text, 0
    out, at, found = [], 0, 0
    for match in PERSONAL_DATA.finditer(text.translate(_HALF_WIDTH)):
        out += [text[at:match.start()], _masked(text, match)]
        at, found = match.end(), found + 1
    return "".join(out) + text[at:], found


def personal_data_in(text: str) -> int:
    """How many ID and phone numbers ``text`` holds."""
    return sum(1 for _ in PERSONAL_DATA.finditer(text.translate(_HALF_WIDTH))) if text else 0


def audit_entry(caller: Principal, *, what: str, why: str | None, grid_id: str, records: int) -> cpb.AuditEntry:
    return cpb.AuditEntry(
        who=caller.username, role=caller.role, what=what, why=(why or DUTY.get(caller.role, "not given"))[:500],
        grid_id=grid_id, records=records,
    )


async def record_read(state, caller: Principal, *, what: str, why: str | None, grid_id: str, records: int) -> None:
    """Write one unmasked read to the audit log before the data leaves the gateway."""
    if records <= 0:
        return
    await state.peers.community.RecordAudit(
        audit_entry(caller, what=what, why=why, grid_id=grid_id, records=records),
        timeout=state.settings.rpc_timeout_seconds,
    )
