"""Fusion's view of the current reference version, switched without a restart.

One :class:`ReferenceHolder` per fusion process holds the current version as the reference
model, the grid documents the case and community stores name grids by, and the resolver that
places events. :meth:`ReferenceHolder.refresh` reads which version is current and, when it
changed, loads it and swaps every view at once; a batch being fused finishes with the view it
started with. A version is announced on ``gridfusion.reference.activated`` (body
``reference.v1.ReferenceVersion``) by the replica that activated it; every fusion replica, the
department services and the gateway hear it and reload, and each also checks every
``FUSION_REFERENCE_POLL_SECONDS`` in case an announcement was missed.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from typing import Any

from google.protobuf.message import DecodeError
from gridfusion.reference.v1 import reference_pb2 as rpb
from pymongo.asynchronous.database import AsyncDatabase

from services.platform import periodic
from services.reference import County
from services.reference.resolver import GridResolver

from . import reference_store

log = logging.getLogger(__name__)

SUBJECT = "gridfusion.reference.activated"


def version_to_proto(record: dict[str, Any], *, current: str | None) -> rpb.ReferenceVersion:
    out = rpb.ReferenceVersion(
        version=record["_id"], source=record.get("source", ""), created_by=record.get("created_by", ""),
        counts=rpb.Counts(**record.get("counts", {})), current=record["_id"] == current,
        crs=record.get("crs", "wgs84"), warnings=record.get("warnings", 0),
    )
    out.created_at.FromDatetime(record["created_at"])
    if record.get("activations"):
        last = record["activations"][-1]
        out.activated_at.FromDatetime(last["at"])
        out.activated_by = last["by"]
    return out


class ReferenceHolder:
    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db
        self.version: str | None = None
        self.record: dict[str, Any] | None = None
        self.county: County | None = None
        self.grid_docs: dict[str, dict[str, Any]] = {}
        self.resolver = GridResolver({}, {}, {}, ())
        # Called with the holder after every switch (the stores re-read their grids).
        self.listeners: list[Any] = []
        self._lock = asyncio.Lock()

    @property
    def ready(self) -> bool:
        return self.county is not None

    def why_not_ready(self) -> str | None:
        return None if self.ready else reference_store.NO_DATA

    async def refresh(self) -> bool:
        """Load the current version if it is not the one held; whether the view switched."""
        async with self._lock:
            pointer = await reference_store.current(self.db)
            if pointer is None or pointer["version"] == self.version:
                return False
            version = pointer["version"]
            county = await reference_store.load_county(self.db, version)
            resolver = await asyncio.to_thread(GridResolver.from_county, county)
            docs = {g.grid_id: reference_store.grid_doc(g, county) for g in county.grids}
            self.county, self.grid_docs, self.version = county, docs, version
            self.record = await reference_store.version_record(self.db, version)
            # In place, so whoever holds the resolver sees the new grids at once.
            self.resolver.__dict__.update(resolver.__dict__)
            for listener in self.listeners:
                listener(self)
            log.info("reference data switched", extra={"version": version, "grids": len(county.grids),
                                                        "households": len(county.households)})
            return True

    def proto(self) -> rpb.ReferenceVersion | None:
        return None if self.record is None else version_to_proto(self.record, current=self.version)

    async def announce(self, nc, version: rpb.ReferenceVersion) -> None:
        """Tell every service a version is current (at most once per activation; a missed one
        is caught by their polling)."""
        if nc is None:
            return
        try:
            await nc.publish(SUBJECT, version.SerializeToString())
            await nc.flush(timeout=2)
        except Exception as exc:  # noqa: BLE001 - the others poll; the switch stands
            log.warning("reference version not announced", extra={"version": version.version, "error": str(exc)})

    async def watch(self, nc, stop: asyncio.Event, poll_seconds: float) -> None:
        """Reload on every announcement, and every ``poll_seconds`` regardless."""
        wake = asyncio.Event()

        async def heard(msg) -> None:
            try:
                announced = rpb.ReferenceVersion.FromString(msg.data)
            except DecodeError:
                return
            if announced.version != self.version:
                wake.set()

        subscription = await nc.subscribe(SUBJECT, cb=heard) if nc is not None else None
        try:
            # Keep serving the version held when a reload fails; the next wake or poll retries.
            await periodic.repeat(
                self.refresh, every=poll_seconds, stop=stop, wake=wake, wait_first=True,
                failed=lambda exc, failures: log.warning("reference data not reloaded", extra={"error": str(exc)}),
            )
        finally:
            if subscription is not None:
                with suppress(Exception):
                    await subscription.unsubscribe()

