"""The county as a department service sees it: fusion's current reference version.

Fusion owns the reference data, as versions (``gridfusion.reference.v1.ReferenceService``). A
department that places events on grids or keeps records per grid or community
(``Department.uses_reference``) follows fusion's *current* version, so the department and fusion
always agree on the grid of an event, whichever grids are in force:

* at start :class:`ReferenceFollower` fetches the current version (``GetSnapshot``); while fusion
  is unreachable or has no reference data it keeps trying, with backoff, and the service is not
  ready — :func:`why_not_ready` says why, and the reason is logged;
* it switches when fusion announces another version on ``gridfusion.reference.activated``
  (body ``reference.v1.ReferenceVersion``), and asks ``GetCurrent`` every
  ``DEPARTMENT_REFERENCE_POLL_SECONDS`` in case an announcement was missed;
* before a switch it runs the department's seeders against the new version (advisers,
  assistants, grid workers), then swaps one :class:`View` — the county and its resolver —
  whole. A request pins the view it started with (:func:`pinned`) and finishes with it,
  whatever is swapped in meanwhile.

:func:`county`, :func:`locate`, :func:`community_of` and :func:`locator` answer from the view
pinned by the request in hand, else the current one; with none loaded they raise
:class:`NotLoaded`, which the service answers as UNAVAILABLE.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

import grpc
from google.protobuf.message import DecodeError
from gridfusion.events.v1 import events_pb2
from gridfusion.reference.v1 import reference_pb2 as rpb
from gridfusion.reference.v1 import reference_pb2_grpc as rpb_grpc

from services.platform import periodic
from services.reference import County
from services.reference.resolver import GridResolver, Resolution
from services.reference.snapshot import from_snapshots

log = logging.getLogger(__name__)

SUBJECT = "gridfusion.reference.activated"
NOT_LOADED = "no reference version loaded yet"
# Seconds between attempts while fusion cannot give a version (the last one repeats).
BACKOFF = (1.0, 2.0, 5.0, 10.0)
# Results derived from one version that are kept with it (e.g. the legal-aid circle's gaps).
MEMO_SIZE = 8

T = TypeVar("T")


class NotLoaded(RuntimeError):
    """No reference version is loaded yet; the message says why."""


@dataclass(eq=False)
class View:
    """One reference version as a department uses it: the county and the resolver over it."""

    version: rpb.ReferenceVersion
    county: County
    locator: GridResolver
    _memo: dict[Hashable, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, version: rpb.ReferenceVersion, county: County) -> View:
        """The view of a version (builds the resolver: about a second for the synthetic county)."""
        return cls(version, county, GridResolver.from_county(county))

    @property
    def name(self) -> str:
        return self.version.version

    @property
    def summary(self) -> str:
        return f"{self.name} ({len(self.county.grids)} grids, {len(self.county.households)} households)"

    def locate(self, location: events_pb2.Location) -> Resolution | None:
        """The grid of an event's location in this version, or None outside every grid."""
        return self.locator.locate(location)

    def community_of(self, grid_id: str) -> str:
        return self.county.grid(grid_id).community_id

    def remember(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` once per ``key`` for this version; kept as long as the version is."""
        if key not in self._memo:
            if len(self._memo) >= MEMO_SIZE:
                self._memo.pop(next(iter(self._memo)))
            self._memo[key] = compute()
        return self._memo[key]


class Holder:
    """The version in use, swapped whole; and, while there is none, why."""

    def __init__(self) -> None:
        self.view: View | None = None
        self.reason = NOT_LOADED

    def current(self) -> View:
        view = _PINNED.get() or self.view
        if view is None:
            raise NotLoaded(f"reference data not loaded: {self.reason}")
        return view

    def install(self, view: View) -> None:
        self.view = view

    def clear(self, reason: str = NOT_LOADED) -> None:
        self.view = None
        self.reason = reason

    def why_not_ready(self) -> str | None:
        return None if self.view is not None else f"reference data not loaded: {self.reason}"


HOLDER = Holder()
_PINNED: ContextVar[View | None] = ContextVar("reference_view", default=None)


def current() -> View:
    """The view pinned by the request in hand, else the current one; :class:`NotLoaded` if none."""
    return HOLDER.current()


def why_not_ready() -> str | None:
    """Why the service cannot serve yet (no version loaded), or None."""
    return HOLDER.why_not_ready()


@contextmanager
def pinned(view: View | None = None) -> Iterator[View | None]:
    """Use one view for everything inside (the one given, the one already pinned, or the current
    one), so a request that started on a version finishes on it."""
    view = view or _PINNED.get() or HOLDER.view
    token = _PINNED.set(view)
    try:
        yield view
    finally:
        _PINNED.reset(token)


def county() -> County:
    return current().county


def locator() -> GridResolver:
    return current().locator


def locate(location: events_pb2.Location) -> Resolution | None:
    """The grid of an event's location, or None when it lies outside every grid."""
    return current().locate(location)


def community_of(grid_id: str) -> str:
    return current().community_of(grid_id)


SwitchHook = Callable[[View], Awaitable[None]]


def reason_of(exc: BaseException, target: str) -> str:
    """Why fusion could not give a reference version, in one line."""
    if isinstance(exc, grpc.aio.AioRpcError):
        code, details = exc.code(), exc.details() or ""
        if code == grpc.StatusCode.FAILED_PRECONDITION:
            return f"fusion at {target} has no reference data: {details or code.name.lower()}"
        if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
            return f"fusion at {target} is unreachable ({code.name.lower()}): {details}".rstrip(": ")
        if code == grpc.StatusCode.UNIMPLEMENTED:
            return f"fusion at {target} does not serve gridfusion.reference.v1.ReferenceService"
        return f"fusion at {target} answered {code.name}: {details}"
    return f"the reference version could not be loaded: {type(exc).__name__}: {exc}"


class ReferenceFollower:
    """Keeps :data:`HOLDER` on fusion's current reference version (see the module doc)."""

    def __init__(
        self,
        target: str,
        *,
        poll_seconds: float = 30.0,
        on_switch: Sequence[SwitchHook] = (),
        holder: Holder = HOLDER,
        backoff: Sequence[float] = BACKOFF,
        rpc_timeout: float = 5.0,
        snapshot_timeout: float = 120.0,
    ) -> None:
        self.target = target
        self.poll_seconds = poll_seconds
        self.on_switch = tuple(on_switch)
        self.holder = holder
        self.backoff = tuple(backoff)
        self.rpc_timeout = rpc_timeout
        self.snapshot_timeout = snapshot_timeout
        self.channel = grpc.aio.insecure_channel(
            target, options=[("grpc.max_receive_message_length", 16 * 1024 * 1024)]
        )
        self.stub = rpb_grpc.ReferenceServiceStub(self.channel)
        self._announced: str | None = None
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()

    @property
    def loaded(self) -> str | None:
        return self.holder.view.name if self.holder.view is not None else None

    async def fetch(self, version: str = "") -> View:
        """A version in full (the current one unless named), as a view."""
        call = self.stub.GetSnapshot(rpb.GetSnapshotRequest(version=version), timeout=self.snapshot_timeout)
        messages = [message async for message in call]
        got, county = from_snapshots(messages)
        if not got.version:
            raise ValueError("fusion's snapshot did not name its version")
        return await asyncio.to_thread(View.build, got, county)

    async def switch(self, version: str = "") -> View:
        """Fetch a version, seed the department's records from it, then make it the one in use."""
        view = await self.fetch(version)
        with pinned(view):
            for hook in self.on_switch:
                await hook(view)
        self.holder.install(view)
        log.info(f"reference data switched to {view.summary}",
                 extra={"version": view.name, "source": view.version.source, "fusion": self.target})
        return view

    async def sync(self) -> bool:
        """Bring the view in line with fusion's current version; whether it switched."""
        async with self._lock:
            announced, self._announced = self._announced, None
            loaded = self.loaded
            if loaded is None:
                await self.switch()
                return True
            if announced and announced != loaded:
                await self.switch(announced)
                return True
            current = await self.stub.GetCurrent(rpb.GetCurrentRequest(), timeout=self.rpc_timeout)
            if not current.version or current.version == loaded:
                return False
            await self.switch(current.version)
            return True

    async def heard(self, msg) -> None:
        """An announcement on :data:`SUBJECT`: switch soon when it names another version."""
        try:
            announced = rpb.ReferenceVersion.FromString(msg.data)
        except DecodeError as exc:
            log.warning("malformed reference announcement ignored", extra={"error": str(exc)})
            return
        if announced.version and announced.version != self.loaded:
            self._announced = announced.version
            self._wake.set()

    async def run(self, stop: asyncio.Event, nc=None) -> None:
        """Follow fusion until ``stop``: announcements on ``nc`` (core NATS), polling otherwise."""
        subscription = None
        if nc is not None:
            subscription = await nc.subscribe(SUBJECT, cb=self.heard)
        try:
            # A failure is logged and kept as the reason; the next try comes after the backoff.
            await periodic.repeat(self.sync, every=self.poll_seconds, failed=self._failed, stop=stop,
                                  wake=self._wake, backoff=self.backoff)
        finally:
            if subscription is not None:
                with suppress(Exception):
                    await subscription.unsubscribe()
            await self.channel.close()

    def _failed(self, exc: BaseException, failures: int) -> None:
        reason = reason_of(exc, self.target)
        if self.holder.view is None:
            self.holder.reason = reason
            log.warning("reference data not loaded; retrying",
                        extra={"reason": reason, "attempts": failures, "fusion": self.target})
        else:
            log.warning(f"reference data not refreshed; still on {self.holder.view.name}",
                        extra={"reason": reason, "attempts": failures, "fusion": self.target})
