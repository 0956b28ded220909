"""What a webhook delivery sends, how it is signed, when it is tried again, and which addresses
it may go to: pure functions (the resolving of a host name aside).

A delivery is one HTTP ``POST`` of a JSON body (:func:`body_of`: ``delivery_id``, ``event``,
``case_id``, ``grid_id``, ``community_id``, ``street_id``, ``status``, ``level``, ``category``,
``handed_to``, ``overdue``, ``due_at``, ``version``, ``time``) with the headers
(:func:`headers_of`):

- ``X-Gridfusion-Signature: sha256=<hex>``: HMAC-SHA256 of the exact body bytes with the
  subscription's secret;
- ``X-Gridfusion-Event``: the event (``case.handed_over``, …);
- ``X-Gridfusion-Delivery``: the delivery's id, the same on every attempt (the receiver's key to
  drop a repeat: delivery is at least once);
- ``X-Gridfusion-Timestamp``: the attempt's Unix time in seconds.

Any 2xx answer is delivered; anything else, or no answer within the time-out, is tried again
after :func:`backoff` until the attempts run out, then the delivery has ``failed``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import socket
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

SIGNATURE = "X-Gridfusion-Signature"
EVENT = "X-Gridfusion-Event"
DELIVERY = "X-Gridfusion-Delivery"
TIMESTAMP = "X-Gridfusion-Timestamp"
SECRET_MIN = 16
SECRET_MAX = 256
URL_MAX = 2048
# The longest wait between two attempts.
BACKOFF_CAP = 3600.0


def body_of(payload: Mapping[str, Any]) -> bytes:
    """The bytes sent (and signed): compact JSON, keys sorted, UTF-8."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of body with secret>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    """Whether ``header`` is the signature of ``body`` (what a receiver does; constant time)."""
    return hmac.compare_digest(signature(secret, body), header)


def headers_of(
    secret: str, body: bytes, *, event: str, delivery_id: str, timestamp: int
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "Gridfusion-Webhooks/1",
        SIGNATURE: signature(secret, body),
        EVENT: event,
        DELIVERY: delivery_id,
        TIMESTAMP: str(timestamp),
    }


def backoff(attempts: int, base: float, cap: float = BACKOFF_CAP) -> float:
    """Seconds to wait after ``attempts`` failed attempts: ``base``, doubling, at most ``cap``."""
    return min(base * 2 ** max(attempts - 1, 0), cap)


class BadTarget(ValueError):
    """A webhook URL the gateway will not post to; the message says why."""


def check_url(url: str) -> str:
    """The URL if it is an absolute http(s) URL with a host (no user and password in it)."""
    if len(url) > URL_MAX:
        raise BadTarget(f"url is longer than {URL_MAX} characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as exc:
        raise BadTarget(f"url is not a URL: {exc}") from exc
    if parts.scheme not in ("http", "https"):
        raise BadTarget("url must be an http:// or https:// URL")
    if not parts.hostname:
        raise BadTarget("url must name a host")
    if parts.username or parts.password:
        raise BadTarget("url must not carry a user or password: sign with the secret instead")
    return url


def private(address: str) -> bool:
    """Whether an IP address is not on the public internet (loopback, private, link-local, …)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


async def check_public(url: str) -> None:
    """Refuse a URL whose host is, or resolves to, a private or loopback address."""
    host = urlsplit(url).hostname or ""
    try:
        addresses = [ipaddress.ip_address(host).compressed]
    except ValueError:
        if host.lower() == "localhost" or host.lower().endswith(".localhost"):
            raise BadTarget(f"url's host {host!r} is this machine") from None
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, None, type=socket.SOCK_STREAM
            )
        except OSError as exc:
            raise BadTarget(
                f"url's host {host!r} cannot be resolved: {exc.strerror or exc}"
            ) from exc
        addresses = [info[4][0] for info in infos]
    for address in addresses:
        if private(address):
            raise BadTarget(
                f"url's host {host!r} is a private or loopback address ({address}); "
                "webhooks go to public addresses only"
            )
