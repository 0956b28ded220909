"""The value rules of the exchange: coordinates, resident counts, phone numbers, id numbers.

Each parser returns the value or None; the caller reports the row. Phone numbers are checked,
not rewritten: the platform keeps what the county typed.

Phone numbers (after Unicode NFKC, so full-width digits count, and without spaces, dots and
parentheses; ``+86``, ``0086`` or ``86`` in front is allowed):
- a mainland mobile: ``1[3-9]`` and 9 more digits, hyphens anywhere (``138-0538-1234``);
- a landline with its area code: ``0`` + 2 or 3 digits, an optional hyphen, 7 or 8 digits not
  starting with 0 or 1, and an optional extension (``-801``, ``转801``, ``ext 801``, ``#801``);
  after ``+86`` the area code may drop its 0 (``+86 538 5621234``).
"""

from __future__ import annotations

import math
import re
import unicodedata

from services.reference.people import is_valid_id_number

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?[2-9]\d{6,7}(?:-\d{1,6})?$")
_COUNTRY = re.compile(r"^(?:\+86|0086|86(?=-?1[3-9]))-?")
_EXTENSION = re.compile(r"(?:转|分机|ext\.?|x|#)(\d{1,6})$", re.IGNORECASE)
_DROPPED = re.compile(r"[\s().]")


def parse_float(text: str) -> float | None:
    """A finite decimal number, or None."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def parse_positive_int(text: str) -> int | None:
    """A whole number ≥ 1 (``3`` or ``3.0``), or None."""
    if text.isdigit() and text.isascii():
        number = int(text)
        return number if number >= 1 else None
    value = parse_float(text)
    if value is None or not value.is_integer() or value < 1:
        return None
    return int(value)


def is_valid_phone(text: str) -> bool:
    """Whether ``text`` is a mainland mobile or a landline with its area code (see above)."""
    if _MOBILE.match(text):
        return True
    phone = _DROPPED.sub("", unicodedata.normalize("NFKC", text))
    match = _COUNTRY.match(phone)
    international = match is not None
    if match:
        phone = phone[match.end() :]
    extension = _EXTENSION.search(phone)
    if extension:
        phone = phone[: extension.start()].rstrip("-")
    if not extension and _MOBILE.match(phone.replace("-", "")):
        return True
    if international and phone[:1].isdigit() and phone[:1] != "0":
        phone = "0" + phone
    if extension:
        phone = f"{phone}-{extension.group(1)}"
    return bool(_LANDLINE.match(phone))


def normalise_id_number(text: str) -> str:
    """An id number as stored: trimmed, with a lower-case check character ``x`` upper-cased."""
    if text.isascii():
        return text.strip().upper()
    return unicodedata.normalize("NFKC", text).strip().upper()


def id_number_fault(id_number: str) -> str | None:
    """What is wrong with a resident id number under GB 11643, or None when it is valid."""
    if is_valid_id_number(id_number):
        return None
    if len(id_number) != 18:
        return f"has {len(id_number)} characters, not the 18 of GB 11643"
    if not id_number[:17].isdigit():
        return "has a non-digit among its first 17 characters"
    return "fails the GB 11643 check digit"
