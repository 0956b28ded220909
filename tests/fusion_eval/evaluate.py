"""Fusion quality on the labelled set ``incidents.yaml``: pairwise precision and recall.

Every pair of reports of the set is a *true* pair when both report the same incident. A pair is
*fused* when fusion put both reports in one case, *suggested* when their cases name each other as
possible duplicates. Over all pairs:

* auto precision = true fused pairs / fused pairs (the target is at least 0.98: a wrong merge
  costs more than a missed one);
* auto recall = true fused pairs / true pairs;
* fused-or-suggested recall = true pairs fused or suggested / true pairs (target at least 0.9),
  and its precision, for how much noise the suggestions bring.

Two measurements: :func:`rule_pairs` asks the rule (:func:`services.fusion.correlation.assess`)
of every pair of a scene directly; the store's figures (``tests/integration/test_fusion_quality.py``)
come from fusing every report through :class:`services.fusion.cases.CaseStore` against a real
database and reading the cases, where joining is transitive and suggestions are per case.

Scenes are placed far apart in time (10 days), so reports of different scenes are never compared
and count as false pairs that were correctly left apart.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from services.fusion.correlation import EARTH_RADIUS_M, Sighting, assess

SET = Path(__file__).with_name("incidents.yaml")
HOLDOUT = Path(__file__).with_name("holdout.yaml")
GRID_ID = "370921001001001"
ANCHOR = (116.7819946, 35.7471771)  # the middle of that grid in the demo county
T0 = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
SCENE_APART = timedelta(days=10)
TARGET_AUTO_PRECISION = 0.98
TARGET_RECALL = 0.9


@dataclass(frozen=True)
class Report:
    key: str  # <department>:<id>, as fusion keys events
    scene: str
    incident: str
    department: str
    category: str
    summary: str
    point: tuple[float, float]
    time: datetime
    subject_id: str

    @property
    def family(self) -> str:
        return self.category.split(".", 1)[0]

    def sighting(self) -> Sighting:
        return Sighting(self.key, GRID_ID, self.family, self.subject_id, self.time, self.point, self.summary)


def _offset(point: tuple[float, float], east_m: float, north_m: float) -> tuple[float, float]:
    lon, lat = point
    lat2 = lat + math.degrees(north_m / EARTH_RADIUS_M)
    lon2 = lon + math.degrees(east_m / (EARTH_RADIUS_M * math.cos(math.radians(lat))))
    return round(lon2, 7), round(lat2, 7)


def load(path: Path = SET) -> list[Report]:
    """The reports of the set, in time order, each scene at its own time (see the module)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: list[Report] = []
    for s, scene in enumerate(data["scenes"]):
        start = T0 + s * SCENE_APART
        for incident in scene["incidents"]:
            for r, report in enumerate(incident["reports"]):
                out.append(Report(
                    key=f"{report['department']}:{incident['incident']}-{r}",
                    scene=scene["scene"], incident=incident["incident"], department=report["department"],
                    category=report["category"], summary=report["summary"],
                    point=_offset(ANCHOR, report.get("east_m", 0), report.get("north_m", 0)),
                    time=start + timedelta(minutes=report.get("minutes", 0)),
                    subject_id=str(report.get("subject_id") or ""),
                ))
    out.sort(key=lambda r: (r.time, r.key))
    return out


@dataclass(frozen=True)
class Figures:
    reports: int
    true_pairs: int
    fused: int
    fused_true: int
    flagged: int  # fused or suggested
    flagged_true: int

    @property
    def auto_precision(self) -> float:
        return self.fused_true / self.fused if self.fused else 1.0

    @property
    def auto_recall(self) -> float:
        return self.fused_true / self.true_pairs if self.true_pairs else 1.0

    @property
    def flagged_precision(self) -> float:
        return self.flagged_true / self.flagged if self.flagged else 1.0

    @property
    def flagged_recall(self) -> float:
        return self.flagged_true / self.true_pairs if self.true_pairs else 1.0

    def table(self, title: str) -> str:
        return "\n".join([
            f"{title}: {self.reports} reports, {self.true_pairs} same-incident pairs",
            (f"  auto-fusion         precision {self.auto_precision:.3f}  recall {self.auto_recall:.3f}"
            f"  ({self.fused_true} of {self.fused} fused pairs true)"),
            (f"  fused or suggested  precision {self.flagged_precision:.3f}  recall {self.flagged_recall:.3f}"
            f"  ({self.flagged_true} of {self.flagged} flagged pairs true)"),
        ])


def figures(reports: list[Report], fused: Iterable[frozenset[str]], suggested: Iterable[frozenset[str]]) -> Figures:
    """The pairwise figures of what fusion did: the pairs (of report keys) it fused and suggested."""
    incident = {r.key: r.incident for r in reports}
    true_pairs = sum(1 for a, b in itertools.combinations(reports, 2) if a.incident == b.incident)
    fused = set(fused)
    flagged = fused | set(suggested)

    def true(pair: frozenset[str]) -> bool:
        a, b = tuple(pair)
        return incident[a] == incident[b]

    return Figures(len(reports), true_pairs, len(fused), sum(map(true, fused)), len(flagged), sum(map(true, flagged)))


def rule_pairs(reports: list[Report], decide: Callable = assess) -> tuple[set[frozenset[str]], set[frozenset[str]]]:
    """The pairs the rule fuses and suggests, asked of every pair of reports of a scene."""
    fused: set[frozenset[str]] = set()
    suggested: set[frozenset[str]] = set()
    by_scene: dict[str, list[Report]] = {}
    for r in reports:
        by_scene.setdefault(r.scene, []).append(r)
    for scene in by_scene.values():
        for a, b in itertools.combinations(scene, 2):
            verdict = decide(a.sighting(), b.sighting())
            if verdict is not None and verdict.fuse:
                fused.add(frozenset((a.key, b.key)))
            elif verdict is not None and verdict.suggest:
                suggested.add(frozenset((a.key, b.key)))
    return fused, suggested


def case_pairs(cases: list[dict]) -> tuple[set[frozenset[str]], set[frozenset[str]]]:
    """The pairs fused (in one case) and suggested (in cases naming each other as possible
    duplicates) by the stored cases."""
    members = {c["_id"]: list(c.get("event_ids") or ()) for c in cases}
    fused = {frozenset(p) for keys in members.values() for p in itertools.combinations(keys, 2)}
    suggested: set[frozenset[str]] = set()
    for c in cases:
        for other in c.get("possible_duplicates") or ():
            for a in members[c["_id"]]:
                for b in members.get(other["case_id"], ()):
                    suggested.add(frozenset((a, b)))
    return fused, suggested - fused


def misses(reports: list[Report], fused: set[frozenset[str]], suggested: set[frozenset[str]]) -> list[str]:
    """Lines naming each wrong fusion and each true pair neither fused nor suggested."""
    by_key = {r.key: r for r in reports}
    lines = []
    for pair in sorted(fused, key=sorted):
        a, b = (by_key[k] for k in sorted(pair))
        if a.incident != b.incident:
            lines.append(f"wrongly fused: {a.summary} | {b.summary}  ({_why(a, b)})")
    for a, b in itertools.combinations(reports, 2):
        pair = frozenset((a.key, b.key))
        if a.incident == b.incident and pair not in fused and pair not in suggested:
            lines.append(f"missed: {a.summary} | {b.summary}  ({_why(a, b)})")
    return lines


def _why(a: Report, b: Report) -> str:
    verdict = assess(a.sighting(), b.sighting())
    return "not compared" if verdict is None else f"{verdict.score:.2f}: {'; '.join(verdict.reasons)}"
