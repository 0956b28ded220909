"""The platform's figures at a glance, for ``gridfusion status``: consumer lag, outbox backlog,
dead letters and overdue cases, scraped from the processes' metrics endpoints
(:mod:`services.platform.metrics`) as Prometheus scrapes them.

How several processes' samples combine into one figure:

=============================  =================  =========================================
metric                         one line per       several processes report it
=============================  =================  =========================================
``consumer_pending``,          stream, consumer   the largest: replicas read the same
``consumer_ack_pending``                          consumer's lag from the server
``outbox_backlog``             service            the largest: replicas share one outbox
``dead_letters_waiting``       department         the largest: every fusion replica reads
                                                  the same store
``cases_overdue``              level              the largest, as above
``dead_letters_total``         stream, stage      the sum: a counter of each process since
                                                  it started
=============================  =================  =========================================

A gauge no process reports (not read yet, or nothing to count: a label set with no cases or
events is left out) is shown as ``-``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families

TIMEOUT = 5.0  # seconds an endpoint has to answer

# Every sample of one scrape: (name, sorted labels) → value.
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@dataclass(frozen=True)
class Figures:
    """What the endpoints that answered report, combined as the module's table says."""

    pending: dict[tuple[str, str], float]  # (stream, consumer) → messages not given yet: its lag
    ack_pending: dict[tuple[str, str], float]  # (stream, consumer) → given and not yet settled
    outbox: dict[str, float]  # service → messages committed and not yet published
    waiting: dict[str, float]  # department → dead-lettered events not yet re-processed
    dead_letters: dict[tuple[str, str], float]  # (stream, stage) → dead-lettered since start
    overdue: dict[str, float]  # level → open cases past their deadline
    answered: tuple[str, ...]  # the URLs that answered
    unreachable: dict[str, str]  # URL → why it did not answer


def scrape(url: str, client: httpx.Client | None = None) -> Samples:
    """Every sample at ``url``. Raises :class:`httpx.HTTPError` (or :class:`httpx.InvalidURL`)
    when it does not answer 200, :class:`ValueError` when the answer is not the Prometheus text
    format."""
    if client is None:
        with httpx.Client(timeout=TIMEOUT) as own:
            return scrape(url, own)
    reply = client.get(url)
    reply.raise_for_status()
    content_type = reply.headers.get("content-type", "")
    if not content_type.startswith("text/plain"):
        raise ValueError(f"answered {content_type or 'no content type'}, not Prometheus metrics")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(reply.text) for sample in family.samples}


def gather(urls: Sequence[str], transport: httpx.BaseTransport | None = None) -> Figures:
    """Scrape every URL at once and combine what answered; one that does not is noted, not raised."""
    with (httpx.Client(timeout=TIMEOUT, transport=transport) as client,
          ThreadPoolExecutor(max_workers=max(len(urls), 1)) as pool):
        outcomes = dict(zip(urls, pool.map(lambda url: _attempt(url, client), urls), strict=True))
    return combine({url: o for url, o in outcomes.items() if not isinstance(o, str)},
                   unreachable={url: o for url, o in outcomes.items() if isinstance(o, str)})


def combine(scrapes: Mapping[str, Samples], unreachable: Mapping[str, str] | None = None) -> Figures:
    """The figures of several scrapes (URL → samples), as the module's table says."""
    every = list(scrapes.values())
    return Figures(
        pending=_pick(every, "gridfusion_consumer_pending", ("stream", "consumer"), max),
        ack_pending=_pick(every, "gridfusion_consumer_ack_pending", ("stream", "consumer"), max),
        outbox={s: v for (s,), v in _pick(every, "gridfusion_outbox_backlog", ("service",), max).items()},
        waiting={d: v for (d,), v in _pick(every, "gridfusion_dead_letters_waiting", ("department",), max).items()},
        dead_letters=_pick(every, "gridfusion_dead_letters_total", ("stream", "stage"), operator.add),
        overdue={lv: v for (lv,), v in _pick(every, "gridfusion_cases_overdue", ("level",), max).items()},
        answered=tuple(scrapes),
        unreachable=dict(unreachable or {}),
    )


WIDTH = 28  # the first column: the longest department's name, indented


def lines(figures: Figures) -> list[str]:
    """The figures as short aligned lines, each endpoint that did not answer as one line."""
    tried = len(figures.answered) + len(figures.unreachable)
    if not figures.answered:
        first, why = next(iter(figures.unreachable.items()), ("", "none given"))
        return [f"metrics: no endpoint answered ({tried} tried; {first}: {why})"]
    out = [f"metrics from {len(figures.answered)} of {tried} endpoints ('-': not reported):"]
    out.append(_row("consumer lag", "pending", "ack-pending"))
    for stream, consumer in sorted(figures.pending.keys() | figures.ack_pending.keys()):
        out.append(_row(f"  {stream}/{consumer}", _count(figures.pending.get((stream, consumer))),
                        _count(figures.ack_pending.get((stream, consumer)))))
    out.append(_row("outbox backlog", "messages"))
    out += [_row(f"  {service}", _count(n)) for service, n in sorted(figures.outbox.items())]
    out.append(_row("dead letters waiting", "events"))
    out += [_row(f"  {department}", _count(n)) for department, n in sorted(figures.waiting.items())]
    out.append(_row("  total", _count(sum(figures.waiting.values()) if figures.waiting else None)))
    out.append(_row("dead letters since start", "messages"))
    out += [_row(f"  {stream} at {stage}", _count(n)) for (stream, stage), n in sorted(figures.dead_letters.items())]
    out.append(_row("  total", _count(sum(figures.dead_letters.values()))))
    by_level = ", ".join(f"{level} {_count(n)}" for level, n in sorted(figures.overdue.items()))
    out.append(_row("overdue cases", _count(sum(figures.overdue.values()) if figures.overdue else None))
               + (f"  ({by_level})" if by_level else ""))
    out += [f"  {url}: unreachable ({why})" for url, why in figures.unreachable.items()]
    return out


def _pick(scrapes: Iterable[Samples], name: str, keys: tuple[str, ...],
          merge: Callable[[float, float], float]) -> dict[tuple[str, ...], float]:
    """``name``'s samples by the values of ``keys``, several merged with ``merge``."""
    out: dict[tuple[str, ...], float] = {}
    for samples in scrapes:
        for (sample, labels), value in samples.items():
            if sample == name:
                key = tuple(dict(labels).get(k, "") for k in keys)
                out[key] = merge(out[key], value) if key in out else value
    return out


def _row(name: str, *columns: str) -> str:
    return f"  {name:<{WIDTH}}" + "".join(f" {c:>11}" for c in columns)


def _count(n: float | None) -> str:
    return "-" if n is None else f"{n:.0f}"


def _attempt(url: str, client: httpx.Client) -> Samples | str:
    """The samples at ``url``, or why there are none."""
    try:
        return scrape(url, client)
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
        return _why(exc)


def _why(exc: Exception) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    return " ".join(str(exc).split())[:100] or type(exc).__name__
