"""The address format of the reference data, and house numbering along roads.

A household address is always, with no spaces or punctuation::

    宁阳县{街道}{路/街}{门牌号}号{小区/家属院}{楼号}号楼{单元}单元{室号}室
    宁阳县文庙街道府前街99号金鼎小区3号楼2单元301室

- 街道 is ``文庙街道`` or ``八仙桥街道`` (the grid's street);
- the road is one of the roads bounding the grid, its name ending in 路 or 街;
- the house number is odd on the north side of an east-west road and on the west side of a
  north-south road, even on the other side, rising from west to east / south to north;
- the compound name ends in 小区 or 家属院 and contains no digits;
- the room is ``floor * 100 + door`` (101, 102, 201, …).
A compound's own address (and a landmark's) is the first part, up to and including 号.
Address strings are unique per household; :func:`parse_address` reads both forms back.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from services.reference.labels import COUNTY_NAME

ADDRESS_PATTERN = re.compile(
    r"^宁阳县(?P<street>\D+?街道)(?P<road>\D+?[路街])(?P<number>\d+)号"
    r"(?:(?P<compound>\D+?(?:小区|家属院))"
    r"(?:(?P<building>\d+)号楼(?P<unit>\d+)单元(?P<room>\d+)室)?)?$"
)


@dataclass(frozen=True, slots=True)
class AddressParts:
    """An address taken apart; the compound and flat fields are None for a site address."""

    street: str
    road: str
    number: int
    compound: str | None = None
    building: int | None = None
    unit: int | None = None
    room: int | None = None


def site_address(street_name: str, road: str, number: int) -> str:
    """The address of a site on a road: ``宁阳县文庙街道府前街99号``."""
    return f"{COUNTY_NAME}{street_name}{road}{number}号"


def household_address(site: str, compound: str, building: int, unit: int, room: int) -> str:
    """A flat's full address: site + compound + ``3号楼2单元301室``."""
    return f"{site}{compound}{building}号楼{unit}单元{room}室"


def parse_address(text: str) -> AddressParts | None:
    """Split a reference address (site, site + compound, or full flat) into its parts."""
    match = ADDRESS_PATTERN.match(text.strip())
    if match is None:
        return None

    def number(name: str) -> int | None:
        value = match.group(name)
        return None if value is None else int(value)

    return AddressParts(
        street=match.group("street"),
        road=match.group("road"),
        number=int(match.group("number")),
        compound=match.group("compound"),
        building=number("building"),
        unit=number("unit"),
        room=number("room"),
    )


def house_numbers(
    rng: random.Random, count: int, odd: bool, anchor: tuple[int, int] | None = None
) -> list[int]:
    """``count`` rising house numbers of one parity for the sites along one side of a road.

    ``anchor`` = (index, number) pins the site at ``index`` to ``number`` (same parity);
    the numbers before it are spaced so they stay positive.
    """
    first = 1 if odd else 2
    if anchor is None:
        numbers = [first + 2 * rng.randint(0, 3)]
        while len(numbers) < count:
            numbers.append(numbers[-1] + 2 * rng.randint(1, 5))
        return numbers[:count]
    index, value = anchor
    if value % 2 != first % 2 or (value - first) // 2 < index:
        raise ValueError(f"cannot place {index} sites below number {value}")
    below: list[int] = []
    current = value
    for remaining in range(index, 0, -1):
        room = (current - first) // 2 // remaining
        current -= 2 * rng.randint(1, max(1, min(5, room)))
        below.append(current)
    numbers = below[::-1] + [value]
    while len(numbers) < count:
        numbers.append(numbers[-1] + 2 * rng.randint(1, 5))
    return numbers
