"""The figures as one table and one JSON document, and this step's targets, met or missed."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

Entry = dict[str, Any]


def median(values: Iterable[float]) -> float:
    return float(statistics.median(list(values)))


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile (0 < q ≤ 100)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return float(ordered[rank - 1])


def ratio(figure: float, baseline: float) -> float:
    return figure / baseline if baseline else math.nan


@dataclass(frozen=True)
class Row:
    name: str
    figure: float | None
    baseline: float | None = None
    ratio: float | None = None
    unit: str = ""


def rows_of(name: str, entry: Entry) -> list[Row]:
    """The table's rows of one benchmark's entry."""
    if "error" in entry:
        return [Row(f"{name} (failed)", None, unit=entry["error"][:60])]
    get = entry.get
    if name in ("ingest", "fusion"):
        return [Row(name, get("rate"), get("baseline"), get("ratio"), "events/s")]
    if name == "e2e":
        return [Row("e2e p50", get("p50_ms"), unit="ms"), Row("e2e p99", get("p99_ms"), unit="ms"),
                Row("e2e rate", get("rate"), unit="events/s")]
    if name == "gateway_cases":
        return [
            Row("gateway_cases p50", get("p50_ms"), get("baseline_p50_ms"), _r(get("p50_ms"), get("baseline_p50_ms")), "ms"),
            Row("gateway_cases p99", get("p99_ms"), get("baseline_p99_ms"), _r(get("p99_ms"), get("baseline_p99_ms")), "ms"),
            Row("gateway_cases rps", get("rps"), get("baseline_rps"), _r(get("rps"), get("baseline_rps")), "req/s"),
            *(Row(f"loop query {name}", ms, unit="ms") for name, ms in sorted((entry.get("periodic_ms") or {}).items())),
        ]
    if name == "lookup":
        rate_53 = get("rate_53")
        return [Row("lookup 53 grids", rate_53, unit="points/s"),
                Row("lookup 5k grids", get("rate_5k"), rate_53, _r(get("rate_5k"), rate_53), "points/s"),
                Row("lookup 50k grids", get("rate_50k"), rate_53, get("ratio"), "points/s")]
    if name == "correlation":
        return [Row("correlation 1k open", get("ms_1k"), unit="ms/event"),
                Row("correlation 50k open", get("ms_50k"), get("ms_1k"), get("ratio"), "ms/event")]
    if name == "rss_mb":
        return [Row(f"rss_mb {process}", peak, unit="MB") for process, peak in sorted(entry.items())
                if isinstance(peak, int | float)]
    return []


def _r(figure: float | None, baseline: float | None) -> float | None:
    if figure is None or baseline is None:
        return None
    return ratio(figure, baseline)


@dataclass(frozen=True)
class Target:
    benchmark: str
    text: str
    check: Callable[[Entry], tuple[float | None, bool]]


def _at_least(key: str, bound: float) -> Callable[[Entry], tuple[float | None, bool]]:
    return lambda e: (e.get(key), e.get(key) is not None and e[key] >= bound)


def _cases_check(e: Entry) -> tuple[float | None, bool]:
    met = (e.get("p99_ms") is not None and e["p99_ms"] <= 300 and e.get("rps", 0) >= 150
           and e.get("errors", 1) == 0 and e.get("clients", 50) == 50)
    return e.get("p99_ms"), met


TARGETS: tuple[Target, ...] = (
    Target("ingest", "ingest ratio >= 0.5", _at_least("ratio", 0.5)),
    Target("fusion", "fusion ratio >= 0.5", _at_least("ratio", 0.5)),
    Target("correlation", "correlation ms_50k/ms_1k <= 1.5",
           lambda e: (e.get("ratio"), e.get("ratio") is not None and e["ratio"] <= 1.5)),
    Target("lookup", "lookup at 50k >= half the rate at 53", _at_least("ratio", 0.5)),
    Target("gateway_cases", "gateway_cases p99 <= 300 ms, >= 150 req/s, no error", _cases_check),
)


def targets_of(results: dict[str, Entry]) -> list[dict[str, Any]]:
    """Each target whose benchmark ran: its value and whether it was met."""
    out = []
    for target in TARGETS:
        entry = results.get(target.benchmark)
        if entry is None or "error" in entry:
            continue
        value, met = target.check(entry)
        out.append({"benchmark": target.benchmark, "target": target.text, "value": value, "met": bool(met)})
    return out


def _fmt(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def table(results: dict[str, Entry], targets: list[dict[str, Any]]) -> str:
    """The figures as a fixed-width table, then the targets met or missed."""
    rows = [row for name, entry in results.items() for row in rows_of(name, entry)]
    header = ("name", "figure", "baseline", "ratio", "unit")
    cells = [header] + [(r.name, _fmt(r.figure), _fmt(r.baseline), _fmt(r.ratio), r.unit) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    lines = []
    for i, c in enumerate(cells):
        lines.append("  ".join(
            c[k].ljust(widths[k]) if k in (0, 4) else c[k].rjust(widths[k]) for k in range(len(header))
        ).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    if targets:
        lines.append("")
        lines.append("targets:")
        for t in targets:
            lines.append(f"  {'met   ' if t['met'] else 'MISSED'}  {t['target']}  (value {_fmt(t['value'])})")
    return "\n".join(lines)
