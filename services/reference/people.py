"""Synthetic people: names, phone numbers and resident id numbers.

These stand in for personal data, so they look real but are generated:
- names are a surname and a one- or two-character given name from the fixed lists in
  :mod:`services.reference.labels`;
- phones are ``<real mobile prefix>0921<4 digits>`` (11 digits, the ``0921`` mark in every one);
- id numbers follow GB 11643: region ``370921``, birth date ``YYYYMMDD``, a 3-digit sequence
  (odd for men, even for women) and the ISO 7064 MOD 11-2 check character.
All are unique within one county build.
"""

from __future__ import annotations

import random
from datetime import date
from operator import mul

from services.reference.labels import (
    ADMIN_CODE,
    GIVEN_FEMALE,
    GIVEN_MALE,
    PHONE_MARK,
    PHONE_PREFIXES,
    SURNAMES,
)
from services.reference.models import Person

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
REFERENCE_YEAR = 2025  # ages are counted from here, never from today's date


def id_check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of a resident id's first 17 digits."""
    if len(first17) != 17:
        raise ValueError("a resident id's check covers exactly 17 digits")
    total = sum(map(mul, map(int, first17), _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


def is_valid_id_number(id_number: str) -> bool:
    """Whether an 18-character resident id has 17 digits and the right check character."""
    if len(id_number) != 18 or not id_number[:17].isdigit():
        return False
    return id_number[17] == id_check_character(id_number[:17])


class PersonFactory:
    """Makes unique synthetic people from one seeded random stream.

    Factories made with :meth:`sibling` draw from their own stream but share the record of
    phones and id numbers already given out, so they stay unique across all of them.
    """

    def __init__(self, rng: random.Random, id_prefix: str = "P") -> None:
        self._rng = rng
        self._id_prefix = id_prefix
        self._serial = 0
        self._phones: set[str] = set()
        self._id_numbers: set[str] = set()

    @classmethod
    def beside(cls, rng: random.Random, id_prefix: str, people, phones=()) -> PersonFactory:
        """A factory that never repeats a phone or id number of ``people`` (made elsewhere), nor
        one of ``phones``."""
        factory = cls(rng, id_prefix)
        for person in people:
            factory._phones.add(person.phone)
            factory._id_numbers.add(person.id_number)
        factory._phones.update(phones)
        return factory

    def sibling(self, rng: random.Random, id_prefix: str) -> PersonFactory:
        """A factory with its own stream and id prefix that never repeats a phone or id."""
        other = PersonFactory(rng, id_prefix)
        other._phones = self._phones
        other._id_numbers = self._id_numbers
        return other

    def person(self, min_age: int = 22, max_age: int = 88) -> Person:
        """A new person aged between ``min_age`` and ``max_age`` in the reference year."""
        rng = self._rng
        self._serial += 1
        female = rng.random() < 0.5
        return Person(
            person_id=f"{self._id_prefix}{self._serial:06d}",
            name=self._name(female),
            phone=self._phone(),
            id_number=self._id_number(female, min_age, max_age),
        )

    def _name(self, female: bool) -> str:
        rng = self._rng
        pool = GIVEN_FEMALE if female else GIVEN_MALE
        given = rng.choice(pool)
        if rng.random() < 0.7:
            given += rng.choice(pool)
        return rng.choice(SURNAMES) + given

    def _phone(self) -> str:
        rng = self._rng
        while True:
            phone = f"{rng.choice(PHONE_PREFIXES)}{PHONE_MARK}{rng.randrange(10_000):04d}"
            if phone not in self._phones:
                self._phones.add(phone)
                return phone

    def _id_number(self, female: bool, min_age: int, max_age: int) -> str:
        rng = self._rng
        first = date(REFERENCE_YEAR - max_age, 1, 1).toordinal()
        last = date(REFERENCE_YEAR - min_age, 12, 31).toordinal()
        while True:
            born = date.fromordinal(rng.randint(first, last))
            sequence = 2 * rng.randrange(500) + (0 if female else 1)
            if sequence == 0:
                continue
            first17 = f"{ADMIN_CODE}{born.year:04d}{born.month:02d}{born.day:02d}{sequence:03d}"
            id_number = first17 + id_check_character(first17)
            if id_number not in self._id_numbers:
                self._id_numbers.add(id_number)
                return id_number
