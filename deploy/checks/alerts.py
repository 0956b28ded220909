#!/usr/bin/env python3
"""Check the alert rules of deploy/k8s/components/monitoring with promtool and against the code.

- the PrometheusRule's groups pass `promtool check rules`;
- its tests (alerts.test.yaml) pass `promtool test rules`, and every alert has a test in which
  it fires, and one in which it does not (yet);
- every alert has `severity` (critical | warning) and `audience` (operators | county-centre |
  security) labels, and `summary`, `description` and `runbook` annotations; the runbook names
  a section of deploy/README.md (`deploy/README.md#<alert in lower case>`) that exists;
- every expression selects only series the platform exports, or that every scrape or
  kube-state-metrics has, by labels they carry (services/platform/metric_catalog.py).

promtool comes with Prometheus (Debian: `apt-get install prometheus`).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO_ROOT, CheckFailed, main_wrapper, run
from dashboard import catalog_series, expression_problems

MONITORING = Path("deploy/k8s/components/monitoring")
RULES = MONITORING / "prometheus-rules.yaml"
TESTS = MONITORING / "alerts.test.yaml"
SEVERITIES = ("critical", "warning")
AUDIENCES = ("operators", "county-centre", "security")
ANNOTATIONS = ("summary", "description", "runbook")


def promtool() -> str:
    found = shutil.which("promtool")
    if not found:
        raise CheckFailed("promtool not found: it comes with Prometheus "
                          "(Debian: `apt-get install --no-install-recommends prometheus`)")
    return found


def anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown text."""
    out = set()
    for line in markdown.splitlines():
        m = re.match(r"#{1,6}\s+(.*)", line)
        if m:
            text = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower())
            out.add(text.replace(" ", "-"))
    return out


def check_rules(root: Path, rules: list[dict], errors: list[str]) -> None:
    known = catalog_series(root)
    sections = anchors((root / "deploy" / "README.md").read_text())
    for rule in rules:
        name = rule.get("alert") or rule.get("record")
        if "alert" not in rule:
            continue
        labels, notes = rule.get("labels") or {}, rule.get("annotations") or {}
        if labels.get("severity") not in SEVERITIES:
            errors.append(f"{name}: severity {labels.get('severity')!r} is not one of {', '.join(SEVERITIES)}")
        if labels.get("audience") not in AUDIENCES:
            errors.append(f"{name}: audience {labels.get('audience')!r} is not one of {', '.join(AUDIENCES)}")
        for key in ANNOTATIONS:
            if not notes.get(key):
                errors.append(f"{name}: no {key} annotation")
        wanted = f"deploy/README.md#{name.lower()}"
        if notes.get("runbook") and notes["runbook"] != wanted:
            errors.append(f"{name}: runbook {notes['runbook']!r} should be {wanted!r}")
        if name.lower() not in sections:
            errors.append(f"{name}: deploy/README.md has no section {name} (the runbook)")
        errors += [f"{name}: {p}" for p in expression_problems(rule["expr"], known)]


def check_tests(alerts: list[str], tests: dict, errors: list[str]) -> None:
    fires, quiet = set(), set()
    for case in tests.get("tests") or []:
        for expect in case.get("alert_rule_test") or []:
            (fires if expect.get("exp_alerts") else quiet).add(expect.get("alertname"))
    for name in alerts:
        if name not in fires:
            errors.append(f"{name}: no test in {TESTS.name} in which it fires")
        if name not in quiet:
            errors.append(f"{name}: no test in {TESTS.name} in which it does not fire (yet)")
    for name in sorted((fires | quiet) - set(alerts)):
        errors.append(f"{TESTS.name} tests {name}, which is no alert")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=REPO_ROOT)
    args = ap.parse_args()
    rule_object = yaml.safe_load((args.root / RULES).read_text())
    if rule_object.get("kind") != "PrometheusRule":
        raise CheckFailed(f"{RULES} is no PrometheusRule")
    groups = rule_object["spec"]["groups"]
    rules = [rule for group in groups for rule in group.get("rules") or []]
    alerts = [rule["alert"] for rule in rules if "alert" in rule]
    errors: list[str] = []
    tool = promtool()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "rules.yaml").write_text(yaml.safe_dump({"groups": groups}, allow_unicode=True))
        shutil.copy(args.root / TESTS, work / TESTS.name)
        checked = run([tool, "check", "rules", "rules.yaml"], cwd=work, check=False)
        if checked.returncode != 0:
            errors.append(f"promtool check rules:\n{(checked.stdout + checked.stderr).strip()}")
        tested = run([tool, "test", "rules", TESTS.name], cwd=work, check=False)
        if tested.returncode != 0:
            errors.append(f"promtool test rules:\n{(tested.stdout + tested.stderr).strip()}")
    check_rules(args.root, rules, errors)
    check_tests(alerts, yaml.safe_load((args.root / TESTS).read_text()), errors)
    if errors:
        raise CheckFailed("\n" + "\n".join(errors))
    print(f"alerts: {len(alerts)} alerts in {len(groups)} groups; promtool checked them and "
          f"passed their tests; each has a runbook section in deploy/README.md")


if __name__ == "__main__":
    main_wrapper(main)
