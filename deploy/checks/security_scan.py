#!/usr/bin/env python3
"""Security scan of every rendered overlay with checkov.

Runs all of checkov's Kubernetes checks (offline: --skip-download) on each
rendered overlay, on each overlay with each optional component
(deploy/k8s/components), and on the hand-applied Jobs (deploy/k8s/jobs) as
they are applied next to the prod overlay. A failure passes only when
deploy/checks/checkov-skips.yaml lists it with a reason for the overlay it
belongs to; an entry there that matches no failure is an error too (a stale
waiver hides the next real regression).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    JOBS_OVERLAY,
    OVERLAYS,
    REPO_ROOT,
    CheckFailed,
    dump_yaml,
    hand_applied_jobs,
    load_yaml_docs,
    main_wrapper,
    render_variant,
    run,
    timed,
    tool,
    variants,
)

SKIPS = Path("deploy/checks/checkov-skips.yaml")
MIN_REASON = 40


def load_skips(root: Path) -> list[dict]:
    path = root / SKIPS
    if not path.is_file():
        raise CheckFailed(f"{SKIPS} does not exist")
    doc = (load_yaml_docs(path.read_text()) or [{}])[0]
    skips = doc.get("skips") or []
    problems = []
    for i, s in enumerate(skips):
        where = f"{SKIPS} entry {i} ({s.get('id')})"
        if not re.fullmatch(r"CKV2?_K8S_\d+", str(s.get("id", ""))):
            problems.append(f"{where}: id must be a checkov Kubernetes check id")
        if len(str(s.get("reason") or "").strip()) < MIN_REASON:
            problems.append(f"{where}: needs a reason (at least {MIN_REASON} characters)")
        bad = set(s.get("overlays") or []) - set(OVERLAYS)
        if not s.get("overlays") or bad:
            problems.append(f"{where}: overlays must be a non-empty subset of {list(OVERLAYS)}")
        unknown = set(s) - {"id", "name", "overlays", "resources", "reason"}
        if unknown:
            problems.append(f"{where}: unknown keys {sorted(unknown)}")
        for rx in s.get("resources") or []:
            try:
                re.compile(rx)
            except re.error as exc:
                problems.append(f"{where}: bad resource pattern {rx!r}: {exc}")
    if problems:
        raise CheckFailed("\n".join(problems))
    return skips


def checkov(paths: list[Path]) -> list[dict]:
    """Failed checks of one checkov run over the given files (one process: it starts slowly)."""
    cmd = [tool("checkov"), "--framework", "kubernetes", "--skip-download", "-o", "json"]
    for p in paths:
        cmd += ["-f", str(p)]
    proc = run(cmd, check=False)
    if proc.returncode not in (0, 1):
        raise CheckFailed(f"checkov crashed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    text = proc.stdout.strip()
    if not text:
        raise CheckFailed(f"checkov printed nothing:\n{proc.stderr[-3000:]}")
    data = json.loads(text)
    reports = data if isinstance(data, list) else [data]
    failed = []
    for rep in reports:
        if "results" in rep:
            failed += rep["results"].get("failed_checks") or []
        elif rep.get("failed", 0):
            raise CheckFailed(f"unexpected checkov output: {text[:2000]}")
    passed = sum((r.get("summary") or {}).get("passed", 0) for r in reports)
    if passed == 0:
        raise CheckFailed("checkov ran no check on the rendered manifests")
    print(f"  checkov: {passed} passed, {len(failed)} failed before waivers")
    return failed


def waived(failure: dict, overlay: str, skip: dict) -> bool:
    if failure["check_id"] != skip["id"] or overlay not in skip["overlays"]:
        return False
    pats = skip.get("resources")
    return not pats or any(re.search(p, failure["resource"]) for p in pats)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=REPO_ROOT)
    ap.add_argument("overlays", nargs="*", default=list(OVERLAYS))
    args = ap.parse_args()
    skips = load_skips(args.root)
    used = [False] * len(skips)
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        paths: dict[str, Path] = {}
        by_file: dict[str, str] = {}  # file name -> the overlay whose waivers apply
        for label, overlay, component in variants(args.root, args.overlays):
            text = render_variant(args.root, overlay, component)
            paths[label] = Path(tmp) / f"{label}.yaml"
            paths[label].write_text(text)
            by_file[paths[label].name] = overlay
            if component is None and overlay == JOBS_OVERLAY:
                jobs = hand_applied_jobs(args.root, load_yaml_docs(text))
                if jobs:
                    label = f"{overlay}-jobs"
                    paths[label] = Path(tmp) / f"{label}.yaml"
                    paths[label].write_text(dump_yaml([d for _, d in jobs]))
                    by_file[paths[label].name] = overlay
        with timed(f"checkov on {', '.join(paths)}"):
            failures = checkov(list(paths.values()))
        for f in failures:
            overlay = by_file.get(Path(f["file_path"]).name)
            if overlay is None:
                raise CheckFailed(f"checkov reported a file it was not given: {f['file_path']}")
            hits = [i for i, s in enumerate(skips) if waived(f, overlay, s)]
            for i in hits:
                used[i] = True
            if not hits:
                problems.append(f"[{overlay}] {f['check_id']} {f['check_name']}: {f['resource']}")
    for i, s in enumerate(skips):
        relevant = set(s["overlays"]) & set(args.overlays)
        if relevant and not used[i]:
            problems.append(f"{SKIPS}: {s['id']} waives nothing in {sorted(relevant)}; remove it")
    if problems:
        raise CheckFailed("\n" + "\n".join(problems))


if __name__ == "__main__":
    main_wrapper(main)
