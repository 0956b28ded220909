"""Enrichers a definition configures instead of writing (see :data:`.definition.Enricher`)."""

from __future__ import annotations

from typing import Literal

from gridfusion.events.v1 import events_pb2

from . import reference
from .definition import Enricher
from .posts import ASSIGNED, VACANT, filled


def assign_post_holder(role: str, collection: str, *, per: Literal["community", "grid"], title: str) -> Enricher:
    """Assign each event to the holder of a post — one per community or one per grid, kept in the
    department's ``collection`` (:mod:`services.departments.posts`) — of the place the event's
    location falls in.

    The event carries it as ``details.assigned_to``: ``role``, ``status`` (``assigned`` or
    ``unassigned``), ``person_id`` when assigned, the ``grid_id`` (and ``community_id`` for a
    post per community), and the ``reason`` when unassigned: the location lies in no grid, or
    the post is vacant ("community C1 has no adviser on record", with ``title`` "adviser").
    """

    async def assign(event: events_pb2.DepartmentEvent, store) -> None:
        found = reference.locate(event.location)
        if found is None:
            _assigned_to(event, role, VACANT, reason="the location lies in no grid of the county")
            return
        place = {"grid_id": found.grid_id}
        if per == "community":
            place = {"community_id": reference.community_of(found.grid_id), **place}
        key = place[f"{per}_id"]
        holder = await store.db[collection].find_one({"_id": key})
        if not filled(holder):
            _assigned_to(event, role, VACANT, reason=f"{per} {key} has no {title} on record", **place)
            return
        _assigned_to(event, role, ASSIGNED, person_id=holder["person_id"], **place)

    return assign


def _assigned_to(event: events_pb2.DepartmentEvent, role: str, status: str, **fields: str) -> None:
    event.details.update({"assigned_to": {"role": role, "status": status, **fields}})
