#!/usr/bin/env python3
"""Check the Grafana dashboards (deploy/k8s/components/monitoring/dashboards/*.json).

For every dashboard:
- it is JSON with a `uid`, a `title` and a `schemaVersion`;
- its `datasource` variable picks a Prometheus data source, and every panel
  and every target uses it (`${datasource}`), so the dashboard works with any
  Prometheus an operator picks;
- panel ids are unique (panels inside rows too); every panel lies within the
  24 columns and no two overlap (a collapsed row's panels among themselves);
  every panel but a row or a text has targets and sets a unit;
- every target's `expr` parses as PromQL (promql-parser, with Grafana's
  variables replaced by placeholders) and selects only series of the metric
  catalog (services/platform/metric_catalog.py), matches and groups only on
  labels those series carry, and filters every selector on
  namespace="$namespace"; the variables it uses are defined;
- a `label_values(series, label)` variable query names a series and a label
  of the catalog.

`expression_problems()` is the expression analysis, for other checks to use
(the alert rules' check imports it).
"""

from __future__ import annotations

import argparse
import difflib
import itertools
import json
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import promql_parser as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO_ROOT, CheckFailed, main_wrapper, project_module

DASHBOARDS = Path("deploy", "k8s", "components", "monitoring", "dashboards")
CATALOG = Path("services", "platform", "metric_catalog.py")
COLUMNS = 24

# What every panel and target names as its data source: the dashboard's variable.
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
# Every selector of every dashboard expression matches this, so the dashboard shows one
# installation at a time.
NAMESPACE_FILTER = {"namespace": "$namespace"}

# Grafana's own variables, replaced by something of the same PromQL type before parsing.
# A dashboard's variables stay as written (`${x}` and `${x:format}` become `$x`): they belong
# inside label values, where PromQL takes them as text.
BUILTINS = {
    "__rate_interval": "5m", "__interval": "1m", "__range": "1h",
    "__rate_interval_ms": "300000", "__interval_ms": "60000",
    "__range_ms": "3600000", "__range_s": "3600",
}
VARIABLE = re.compile(r"\$(?:\{(?P<braced>\w+)(?::[^}]*)?\}|(?P<plain>[A-Za-z_]\w*))")

# Aggregations that pick series rather than merge them: their result keeps every label.
PICKING = {"topk", "bottomk", "limitk", "limit_ratio"}
COMPARISONS = {"==", "!=", ">", "<", ">=", "<="}
NO_LABELS = {"scalar", "vector", "time", "pi"}


def catalog_series(root: Path) -> dict[str, frozenset[str]]:
    """`series_labels()` of the repository's metric catalog: every series name a query may select
    → the labels it carries. The catalog is standard library only, so it loads here by path,
    without the services' packages."""
    path = root / CATALOG
    if not path.is_file():
        raise CheckFailed(f"{path} does not exist: the dashboards are checked against it")
    return project_module(path).series_labels()


def with_placeholders(expr: str) -> str:
    """A Grafana expression as PromQL: Grafana's interval variables become durations,
    `${x}` and `${x:format}` become `$x`."""
    def sub(m: re.Match) -> str:
        name = m.group("braced") or m.group("plain")
        return BUILTINS.get(name, f"${name}")

    return VARIABLE.sub(sub, expr)


def variables_in(expr: str) -> set[str]:
    """The dashboard variables an expression uses (Grafana's own left out)."""
    return {m.group("braced") or m.group("plain") for m in VARIABLE.finditer(expr)} - set(BUILTINS)


def expression_problems(expr: str, known: dict[str, frozenset[str]], *,
                        require: Mapping[str, str] | None = None) -> list[str]:
    """What is wrong with one PromQL expression, as one sentence per problem (empty: nothing).

    ``known`` is the metric catalog's ``series_labels()``: every series name a query may select
    → the labels it carries. The expression is checked for:

    - parsing as PromQL (promql-parser; Grafana's variables replaced first, see
      :func:`with_placeholders`, so a dashboard's expression and an alert rule's both fit);
    - every selector naming its series (by name or ``__name__="..."``), one of ``known``;
    - every label matcher on a label that series carries;
    - every ``by``/``without`` of an aggregation, and every ``on``/``ignoring``/``group_left``/
      ``group_right`` of a binary operation, on labels the series beneath may carry (``by`` over
      a ``by`` only on what that kept; ``on`` on labels both sides carry); the source labels of
      ``label_replace``/``label_join``; ``histogram_quantile`` over series that kept ``le``;
    - with ``require`` (label → value), every selector (each alternative of an ``or`` inside
      braces) matching each of those labels with ``=`` that value, e.g.
      ``{"namespace": "$namespace"}`` for the dashboard.
    """
    try:
        tree = pq.parse(with_placeholders(expr))
    except ValueError as exc:
        return [f"does not parse as PromQL: {exc}"]
    problems: list[str] = []
    _labels_of(tree, known, dict(require or {}), problems)
    return list(dict.fromkeys(problems))


def _labels_of(node: object, known: dict[str, frozenset[str]], require: dict[str, str],
               problems: list[str]) -> frozenset[str] | None:
    """The labels the result of ``node`` may carry (None: unknown, a problem already said so),
    adding to ``problems`` what is wrong beneath it."""
    def of(child: object) -> frozenset[str] | None:
        return _labels_of(child, known, require, problems)

    if isinstance(node, pq.VectorSelector):
        return _selector_labels(node, known, require, problems)
    if isinstance(node, pq.MatrixSelector):
        return of(node.vector_selector)
    if isinstance(node, (pq.ParenExpr, pq.UnaryExpr, pq.SubqueryExpr)):
        return of(node.expr)
    if isinstance(node, (pq.NumberLiteral, pq.StringLiteral)):
        return frozenset()
    if isinstance(node, pq.Call):
        return _call_labels(node, [of(a) for a in node.args], problems)
    if isinstance(node, pq.AggregateExpr):
        if node.param is not None:
            of(node.param)
        return _aggregate_labels(node, of(node.expr), problems)
    if isinstance(node, pq.BinaryExpr):
        return _binary_labels(node, of(node.lhs), of(node.rhs), problems)
    problems.append(f"{type(node).__name__} {node}: not a kind of expression this check knows")
    return None


def _selector_labels(node: pq.VectorSelector, known: dict[str, frozenset[str]],
                     require: dict[str, str], problems: list[str]) -> frozenset[str] | None:
    groups = node.matchers.or_matchers or [node.matchers.matchers]
    names = {m.value for g in groups for m in g if m.name == "__name__" and m.op == pq.MatchOp.Equal}
    name = node.name or (names.pop() if len(names) == 1 else None)
    if not name:
        problems.append(f"{node}: selects no series by name (only a name checks against the "
                        "metric catalog)")
        return None
    if name not in known:
        near = difflib.get_close_matches(name, known, n=1)
        problems.append(f"unknown series {name!r}: not in {CATALOG.as_posix()}"
                        + (f" (did you mean {near[0]!r}?)" if near else ""))
        return None
    carried = known[name]
    for m in itertools.chain.from_iterable(groups):
        if m.name != "__name__" and m.name not in carried:
            problems.append(f"{name} has no label {m.name!r} (it has: {', '.join(sorted(carried))})")
    for label, value in require.items():
        if not all(any(m.name == label and m.op == pq.MatchOp.Equal and m.value == value for m in g)
                   for g in groups):
            problems.append(f"{node}: does not filter on {label}={json.dumps(value)}")
    return carried


def _call_labels(node: pq.Call, args: list[frozenset[str] | None],
                 problems: list[str]) -> frozenset[str] | None:
    func = node.func.name
    if func in NO_LABELS:
        return frozenset()
    if func in ("absent", "absent_over_time"):
        arg = node.args[0]
        vs = arg.vector_selector if isinstance(arg, pq.MatrixSelector) else arg
        if isinstance(vs, pq.VectorSelector):
            return frozenset(m.name for m in vs.matchers.matchers
                             if m.op == pq.MatchOp.Equal and m.name != "__name__")
        return frozenset()
    if any(a is None for a in args):
        return None
    labels = frozenset().union(*args)
    if func == "histogram_quantile":
        if "le" not in args[1]:
            problems.append("histogram_quantile over series without 'le' "
                            f"(keep le in the aggregation beneath): {node.args[1]}")
        return labels - {"le"}
    if func in ("label_replace", "label_join"):
        strings = [a.val for a in node.args[1:] if isinstance(a, pq.StringLiteral)]
        sources = strings[2:] if func == "label_join" else strings[2:3]
        for src in sources:
            if src and src not in args[0]:
                problems.append(f"{func}: source label {src!r} is not carried by "
                                f"{node.args[0]} (it has: {', '.join(sorted(args[0]))})")
        return labels | {strings[0]} if strings else labels
    return labels


def _aggregate_labels(node: pq.AggregateExpr, inner: frozenset[str] | None,
                      problems: list[str]) -> frozenset[str] | None:
    if inner is None:
        return None
    op = str(node.op)
    grouping: list[str] = list(node.modifier.labels) if node.modifier else []
    for label in grouping:
        if label not in inner:
            problems.append(f"{op} {node.modifier}: {label!r} is no label of the series beneath "
                            f"(they have: {', '.join(sorted(inner)) or 'none'})")
    if op in PICKING:
        return inner
    if node.modifier is None:
        labels = frozenset()
    elif node.modifier.type == pq.AggModifierType.By:
        labels = frozenset(grouping)
    else:
        labels = inner - set(grouping)
    if op == "count_values" and isinstance(node.param, pq.StringLiteral):
        labels |= {node.param.val}
    return labels


def _binary_labels(node: pq.BinaryExpr, lhs: frozenset[str] | None, rhs: frozenset[str] | None,
                   problems: list[str]) -> frozenset[str] | None:
    if lhs is None or rhs is None:
        return None
    op = str(node.op)
    mod = node.modifier
    matching = mod.matching if mod else None
    on = matching is not None and matching.type == pq.LabelModifierType.Include
    listed = list(matching.labels) if matching else []
    for label in listed:
        if on and (label not in lhs or label not in rhs):
            side = "left" if label not in lhs else "right"
            problems.append(f"{op} on ({', '.join(listed)}): {label!r} is no label of the "
                            f"{side} side")
        elif not on and label not in lhs | rhs:
            problems.append(f"{op} ignoring ({', '.join(listed)}): {label!r} is no label of "
                            "either side")
    card = mod.card if mod else None
    included = list(mod.group_labels or []) if mod else []
    if card == pq.VectorMatchCardinality.ManyToOne:
        for label in included:
            if label not in rhs:
                problems.append(f"group_left ({', '.join(included)}): {label!r} is no label of "
                                "the right side")
        return lhs | set(included)
    if card == pq.VectorMatchCardinality.OneToMany:
        for label in included:
            if label not in lhs:
                problems.append(f"group_right ({', '.join(included)}): {label!r} is no label of "
                                "the left side")
        return rhs | set(included)
    if op in ("and", "unless"):
        return lhs
    if on and (op not in COMPARISONS or mod.return_bool):
        return frozenset(listed)  # one-to-one on (...): the result keeps only those
    # Otherwise the labels of the vector side(s): more than the result may carry at times (a
    # comparison keeps the left side's), never less, so no label is refused that exists.
    return lhs | rhs


# The dashboard JSON --------------------------------------------------------------------------

def all_panels(dashboard: dict) -> Iterator[tuple[dict, dict | None]]:
    """(panel, the collapsed row holding it or None) of every panel, rows included."""
    for panel in dashboard.get("panels") or []:
        yield panel, None
        for inner in panel.get("panels") or []:
            yield inner, panel


def named(panel: dict) -> str:
    return f"panel {panel.get('id')} {json.dumps(panel.get('title', ''), ensure_ascii=False)}"


def layout_problems(panels: list[dict]) -> list[str]:
    """Panels outside the 24 columns, and pairs of panels that overlap."""
    problems = []
    boxes = []
    for panel in panels:
        pos = panel.get("gridPos") or {}
        try:
            x, y, w, h = (int(pos[k]) for k in ("x", "y", "w", "h"))
        except (KeyError, TypeError, ValueError):
            problems.append(f"{named(panel)}: gridPos needs x, y, w and h, has {pos}")
            continue
        if x < 0 or y < 0 or w < 1 or h < 1 or x + w > COLUMNS:
            problems.append(f"{named(panel)}: gridPos {pos} is not within {COLUMNS} columns")
        boxes.append((panel, x, y, w, h))
    for (a, ax, ay, aw, ah), (b, bx, by, bw, bh) in itertools.combinations(boxes, 2):
        if ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah:
            problems.append(f"{named(a)} and {named(b)} overlap")
    return problems


def uses_datasource(value: object) -> bool:
    return isinstance(value, dict) and value.get("type") == DATASOURCE["type"] and \
        value.get("uid") in (DATASOURCE["uid"], "$datasource")


def dashboard_problems(dashboard: object, known: dict[str, frozenset[str]]) -> tuple[list[str], int]:
    """What is wrong with one dashboard, and how many expressions it has."""
    if not isinstance(dashboard, dict):
        return [f"is a JSON {type(dashboard).__name__}, not an object"], 0
    problems = []
    for key, typ in (("uid", str), ("title", str), ("schemaVersion", int)):
        if not isinstance(dashboard.get(key), typ) or not dashboard.get(key):
            problems.append(f"{key} missing or not a {typ.__name__}")

    variables = {v.get("name"): v for v in (dashboard.get("templating") or {}).get("list") or []}
    ds = variables.get("datasource")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        problems.append('no variable "datasource" of type datasource picking prometheus')
    for name, var in variables.items():
        if var.get("type") != "query":
            continue
        if not uses_datasource(var.get("datasource")):
            problems.append(f"variable {name!r}: datasource is not {DATASOURCE}")
        query = var.get("query")
        text = query.get("query") if isinstance(query, dict) else query
        m = re.fullmatch(r"\s*label_values\((?P<sel>.+),\s*(?P<label>\w+)\s*\)\s*", text or "")
        if m:
            problems += [f"variable {name!r}: {p}"
                         for p in expression_problems(m.group("sel"), known)]
            try:
                series = pq.parse(m.group("sel"))
            except ValueError:
                continue
            carried = known.get(getattr(series, "name", None) or "", frozenset())
            if carried and m.group("label") not in carried:
                problems.append(f"variable {name!r}: {series.name} has no label "
                                f"{m.group('label')!r}")

    for name, var in variables.items():
        if f"${name}" in NAMESPACE_FILTER.values() and (var.get("multi") or var.get("includeAll")):
            problems.append(f"variable {name!r}: must take one value (multi and includeAll off): "
                            "every expression matches it with =")

    panels = list(all_panels(dashboard))
    if not any(p.get("type") != "row" for p, _ in panels):
        problems.append("has no panels")
    seen: dict[object, dict] = {}
    for panel, _ in panels:
        pid = panel.get("id")
        if not isinstance(pid, int):
            problems.append(f"{named(panel)}: id is not a number")
        elif pid in seen:
            problems.append(f"{named(panel)}: id {pid} is also {named(seen[pid])}'s")
        else:
            seen[pid] = panel
    problems += layout_problems([p for p, row in panels if row is None])
    for row in dashboard.get("panels") or []:
        if row.get("panels"):
            problems += layout_problems([row, *row["panels"]])

    count = 0
    for panel, _ in panels:
        if panel.get("type") in ("row", "text"):
            continue
        where = named(panel)
        if not uses_datasource(panel.get("datasource")):
            problems.append(f"{where}: datasource is not {DATASOURCE}")
        if not ((panel.get("fieldConfig") or {}).get("defaults") or {}).get("unit"):
            problems.append(f"{where}: sets no unit (fieldConfig.defaults.unit)")
        targets = panel.get("targets") or []
        if not targets:
            problems.append(f"{where}: has no targets")
        refs = [t.get("refId") for t in targets]
        if len(refs) != len(set(refs)) or None in refs:
            problems.append(f"{where}: target refIds are missing or repeat: {refs}")
        for target in targets:
            at = f"{where} target {target.get('refId')}"
            if not uses_datasource(target.get("datasource")):
                problems.append(f"{at}: datasource is not {DATASOURCE}")
            expr = target.get("expr")
            if not isinstance(expr, str) or not expr.strip():
                problems.append(f"{at}: has no expr")
                continue
            count += 1
            problems += [f"{at}: {p}" for p in
                         expression_problems(expr, known, require=NAMESPACE_FILTER)]
            for var in sorted(variables_in(expr) - set(variables)):
                problems.append(f"{at}: uses ${var}, which is no variable of the dashboard")
    return problems, count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=REPO_ROOT)
    args = ap.parse_args()
    folder = args.root / DASHBOARDS
    files = sorted(folder.glob("*.json"))
    if not files:
        raise CheckFailed(f"no dashboard (*.json) in {folder}")
    known = catalog_series(args.root)
    errors: list[str] = []
    for path in files:
        try:
            dashboard = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            errors.append(f"{path.name}: not JSON: {exc}")
            continue
        problems, count = dashboard_problems(dashboard, known)
        errors += [f"{path.name}: {p}" for p in problems]
        panels = sum(1 for p, _ in all_panels(dashboard) if p.get("type") != "row") \
            if isinstance(dashboard, dict) else 0
        print(f"{path.name}: {panels} panels, {count} expressions checked"
              + (f", {len(problems)} problem{'s' * (len(problems) > 1)}" if problems else ""))
    if errors:
        raise CheckFailed("\n" + "\n".join(errors))


if __name__ == "__main__":
    main_wrapper(main)
