"""Enrichers a definition configures instead of writing (see :data:`.definition.Enricher`), the
form of an enricher that takes a whole batch at once, and :func:`enrich`, which runs a
department's enrichers over the events a call accepts."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from gridfusion.events.v1 import events_pb2

from services.platform.mongo import find_by_ids

from . import reference
from .definition import Enricher
from .posts import ASSIGNED, VACANT, filled

if TYPE_CHECKING:
    from .store import DepartmentStore

EnrichMany = Callable[[Sequence[events_pb2.DepartmentEvent], "DepartmentStore"], Awaitable[None]]


@dataclass(frozen=True)
class BatchEnricher:
    """An enricher written for a batch: ``many`` enriches a sequence of events with a few rounds
    to the store for all of them, giving each event what it would get had the events arrived one
    after the other in that order. Called with one event, it is an ordinary
    :data:`.definition.Enricher` (a batch of one)."""

    many: EnrichMany

    async def __call__(self, event: events_pb2.DepartmentEvent, store: DepartmentStore) -> None:
        await self.many([event], store)


def batch_enricher(many: EnrichMany) -> BatchEnricher:
    """Decorate an enricher that takes a sequence of events (see :class:`BatchEnricher`)."""
    return BatchEnricher(many)


async def enrich(
    enrichers: Sequence[Enricher], events: Sequence[events_pb2.DepartmentEvent], store: DepartmentStore,
    *, concurrency: int = 16,
) -> None:
    """Run a department's enrichers over the events a call accepts, in the order given.

    Each enricher runs over all the events before the next one starts, so every event meets the
    enrichers in the definition's order. A :class:`BatchEnricher` takes them all at once. Any
    other enricher runs per event: the events of one subject (``subject_id``; without one, each
    event alone) one after another in the order given, different subjects side by side, at most
    ``concurrency`` at a time. The events are recorded only after every enricher has run, so an
    enricher that must see the earlier events of the same subject in one call is written as a
    :class:`BatchEnricher`, which has the whole batch in hand.
    """
    for enricher in enrichers:
        if isinstance(enricher, BatchEnricher):
            await enricher.many(events, store)
        else:
            await _per_subject(enricher, events, store, concurrency)


async def _per_subject(
    enricher: Enricher, events: Sequence[events_pb2.DepartmentEvent], store: DepartmentStore, concurrency: int
) -> None:
    groups: dict[str | int, list[events_pb2.DepartmentEvent]] = {}
    for i, event in enumerate(events):
        groups.setdefault(event.subject_id or i, []).append(event)
    gate = asyncio.Semaphore(concurrency)

    async def run(group: list[events_pb2.DepartmentEvent]) -> None:
        async with gate:
            for event in group:
                await enricher(event, store)

    await asyncio.gather(*(run(group) for group in groups.values()))


def assign_post_holder(role: str, collection: str, *, per: Literal["community", "grid"], title: str) -> Enricher:
    """Assign each event to the holder of a post — one per community or one per grid, kept in the
    department's ``collection`` (:mod:`services.departments.posts`) — of the place the event's
    location falls in.

    The event carries it as ``details.assigned_to``: ``role``, ``status`` (``assigned`` or
    ``unassigned``), ``person_id`` when assigned, the ``grid_id`` (and ``community_id`` for a
    post per community), and the ``reason`` when unassigned: the location lies in no grid, or
    the post is vacant ("community C1 has no adviser on record", with ``title`` "adviser").
    The posts of a whole batch are read in one query.
    """

    @batch_enricher
    async def assign(events: Sequence[events_pb2.DepartmentEvent], store) -> None:
        places: list[dict[str, str] | None] = []
        for event in events:
            found = reference.locate(event.location)
            if found is None:
                places.append(None)
                continue
            place = {"grid_id": found.grid_id}
            if per == "community":
                place = {"community_id": reference.community_of(found.grid_id), **place}
            places.append(place)
        keys = sorted({place[f"{per}_id"] for place in places if place is not None})
        holders = {doc["_id"]: doc for doc in await find_by_ids(store.db[collection], keys)}
        for event, place in zip(events, places, strict=True):
            if place is None:
                _assigned_to(event, role, VACANT, reason="the location lies in no grid of the county")
                continue
            key = place[f"{per}_id"]
            holder = holders.get(key)
            if not filled(holder):
                _assigned_to(event, role, VACANT, reason=f"{per} {key} has no {title} on record", **place)
                continue
            _assigned_to(event, role, ASSIGNED, person_id=holder["person_id"], **place)

    return assign


def _assigned_to(event: events_pb2.DepartmentEvent, role: str, status: str, **fields: str) -> None:
    event.details.update({"assigned_to": {"role": role, "status": status, **fields}})
