"""Ports for test platforms: distinct, bindable, and outside the range the kernel gives the local
ends of outgoing connections (a port from there can be taken by any client before the server
binds it, which made a whole platform fail to start)."""

from __future__ import annotations

import socket

import pytest

from services.local import Ports, _ephemeral_range, free_port

pytestmark = pytest.mark.unit


def test_free_ports_are_distinct_bindable_and_below_the_ephemeral_range():
    low, _ = _ephemeral_range()
    ports = [free_port() for _ in range(300)]
    assert len(set(ports)) == len(ports)
    if low > 21000:
        assert all(port < low for port in ports)
    for port in ports[:20]:
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))


def test_a_platform_on_free_ports_has_no_port_twice():
    ports = Ports.free()
    numbers = [port for port, _ in ports.named().values()]
    assert len(set(numbers)) == len(numbers) == 4 + 5 + 6
