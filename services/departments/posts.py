"""The posts a department keeps per community or grid — the legal adviser of a community, the
police assistant of a grid — as its own records: a person, or the post vacant.

A post is seeded from the reference version in use. Where the reference data names nobody (an
import carries no advisers or assistants), the post is recorded vacant: ``status``
``unassigned`` and no person, until the department fills it or a later version names someone.
"""

from __future__ import annotations

from typing import Any

from services.reference import Person

ASSIGNED = "assigned"
VACANT = "unassigned"


def post(person: Person | None) -> dict[str, str | None]:
    """The person fields of a post's record: the person named, or the post vacant."""
    if person is None:
        return {"status": VACANT, "person_id": None, "name": None, "phone": None}
    return {"status": ASSIGNED, "person_id": person.person_id, "name": person.name, "phone": person.phone}


def filled(record: dict[str, Any] | None) -> bool:
    """Whether a post's record names a person."""
    return bool(record and record.get("person_id"))


async def seed_post(collection, key: str, person: Person | None, reference_fields: dict[str, Any]) -> None:
    """Record the post ``key``: idempotent; the department's assignment is kept, a vacant post is
    filled when the reference names someone, ``reference_fields`` follow the reference."""
    await collection.update_one(
        {"_id": key}, {"$set": reference_fields, "$setOnInsert": post(person)}, upsert=True
    )
    if person is not None:
        await collection.update_one({"_id": key, "person_id": None}, {"$set": post(person)})
