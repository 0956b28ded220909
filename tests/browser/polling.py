"""Waiting for the dashboard under its content security policy.

Playwright's ``wait_for_function`` compiles its predicate with ``eval`` inside the page, which
the dashboard's policy (``script-src 'self'``, no ``'unsafe-eval'``) refuses, as it should.
``page.evaluate`` goes through the debugging protocol, which the policy does not govern, so the
browser tier polls with it and the dashboard runs under the very policy it is served with."""

from __future__ import annotations

import time
from typing import Any


def wait_until(page: Any, expression: str, timeout: float = 30.0, interval: float = 0.1) -> None:
    """Until the JavaScript ``expression`` is truthy in ``page`` (an error, e.g. an element not
    there yet, counts as not yet); AssertionError after ``timeout`` seconds."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout
    while True:
        try:
            if page.evaluate(expression):
                return
        except Error:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout:g} s: {expression}")
        page.wait_for_timeout(interval * 1000)
