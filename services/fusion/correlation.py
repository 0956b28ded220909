"""The correlation rule: when two events are one incident, and so one case, and when they may be.

Two events belong to the same case when they map to the same grid, share the category
family, and either

1. carry the same non-empty ``subject_id`` and occurred within :data:`SUBJECT_WINDOW` of
   each other; or
2. lack a common subject, lie within :data:`NEAR_METRES` of each other, occurred within
   :data:`NEAR_WINDOW`, and their reports speak of the same thing: the *score* of
   :func:`assess` is at least :data:`AUTO_FUSE`.

The score of two events within that place and time is the text similarity of their summaries
(:func:`.matching.similarity`: the matter's words weighed over the departments' boilerplate,
synonyms as data) times ``0.5 + 0.5 × closeness``, closeness being the mean of
``1 − distance / 100 m`` and ``1 − time apart / 24 h`` (no less than 0): the words must agree,
and nearness in place and time tells reports of one incident, which come within metres and hours
of each other, from a look-alike in the same compound the next day. Near-duplicate summaries
(text similarity at least :data:`NEAR_DUPLICATE`) score their text similarity wherever they are
in the 100 m and 48 hours. Between :data:`SUGGEST` and :data:`AUTO_FUSE`, or above it but of different
families (a fight the police file as public order and the grid as a neighbour dispute), the two
events' cases are each other's *possible duplicates*: someone who knows the grid decides, with
one click (merge). A wrong merge costs more than a missed one, so :data:`AUTO_FUSE` is set for
precision and :data:`SUGGEST` for recall; ``make eval-fusion`` measures both on the labelled set
in ``tests/fusion_eval/`` (the figures are in the README's fusion section).

:func:`assess` decides, with the reasons a timeline or a suggestion shows. The index keys below
only narrow down which stored sightings it has to look at: every sighting that can be the same
incident as a new one, or a possible duplicate of it, shares one of the new one's
:func:`candidate_keys` (see :func:`cells_near` and :func:`window_of` for why), so a lookup by those
keys finds all of them and, however many cases a grid holds, little else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .matching import similarity

SUBJECT_WINDOW = timedelta(days=7)
NEAR_WINDOW = timedelta(hours=48)
NEAR_METRES = 100.0
# The score at and above which two events of one family are fused, and at and above which their
# cases are suggested as possible duplicates (see the module's docstring).
AUTO_FUSE = 0.5
SUGGEST = 0.2
# How much nearness in place and time weighs against the words (see the module's docstring).
NEARNESS_SHARE = 0.5
# Reports of one incident mostly come within hours of each other: closeness in time falls to
# nothing over this span (the place rule still compares events up to NEAR_WINDOW apart).
CLOSE_IN_TIME = timedelta(hours=24)
# Summaries at least this alike are one report told twice (a resubmission, a copy): the text
# decides alone, anywhere in the place rule's 100 m and 48 hours.
NEAR_DUPLICATE = 0.85
# What a pair of events with a common subject scores.
SAME_SUBJECT = 1.0
EARTH_RADIUS_M = 6_371_008.8
# The height of a correlation cell in degrees of latitude: about 111 m, more than NEAR_METRES.
CELL_DEGREES = 0.001
ROWS = round(180 / CELL_DEGREES)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

@dataclass(frozen=True)
class Sighting:
    """What correlation needs to know of one event."""

    event_id: str
    grid_id: str
    family: str
    subject_id: str
    time: datetime
    point: tuple[float, float] | None
    summary: str

    def to_doc(self) -> dict:
        return {
            "event_id": self.event_id,
            "grid_id": self.grid_id,
            "family": self.family,
            "subject_id": self.subject_id,
            "time": self.time,
            "point": list(self.point) if self.point else None,
            "summary": self.summary,
        }

    @classmethod
    def from_doc(cls, doc: dict) -> Sighting:
        point = doc.get("point")
        return cls(
            doc["event_id"], doc["grid_id"], doc["family"], doc.get("subject_id") or "",
            doc["time"], tuple(point) if point else None, doc["summary"],
        )


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance of two (lon, lat) points (haversine)."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Verdict:
    """What the rule says of two events: their score, why, and whether they are one incident
    (``fuse``) or may be (``suggest``)."""

    score: float
    reasons: tuple[str, ...]
    fuse: bool
    suggest: bool


def _hours(apart: timedelta) -> str:
    return f"{apart.total_seconds() / 3600:.1f} h apart"


def _place(term: str) -> str:
    """A place term of :mod:`.matching` as people write it: 楼3 → 3号楼, 单元2 → 2单元."""
    for unit, written in (("单元", "{}单元"), ("楼", "{}号楼"), ("院", "{}号院"), ("室", "{}室")):
        if term.startswith(unit):
            return written.format(term[len(unit):])
    return term


def assess(a: Sighting, b: Sighting) -> Verdict | None:
    """Whether ``a`` and ``b`` are one incident (:attr:`Verdict.fuse`) or may be
    (:attr:`Verdict.suggest`), with the score and the reasons; None when the rule does not
    compare them at all (other grids, or too far apart in place or time)."""
    if a.grid_id != b.grid_id:
        return None
    apart = abs(a.time - b.time)
    same_family = a.family == b.family
    family = () if same_family else (f"families differ: {a.family} / {b.family}",)
    if a.subject_id and a.subject_id == b.subject_id and apart <= SUBJECT_WINDOW:
        reasons = ("same subject", _hours(apart), *family)
        return Verdict(SAME_SUBJECT, reasons, fuse=same_family, suggest=not same_family)
    if a.point is None or b.point is None or apart > NEAR_WINDOW:
        return None
    metres = metres_between(a.point, b.point)
    if metres > NEAR_METRES:
        return None
    likeness = similarity(a.summary, b.summary)
    closeness = ((1 - metres / NEAR_METRES) + max(0.0, 1 - apart / CLOSE_IN_TIME)) / 2
    score = likeness.score * (1 - NEARNESS_SHARE + NEARNESS_SHARE * closeness)
    if likeness.score >= NEAR_DUPLICATE:
        score = max(score, likeness.score)
    score = round(score, 3)
    reasons = [f"{metres:.0f} m apart", _hours(apart)]
    if likeness.matters:
        reasons.append(f"same matter: {', '.join(likeness.matters)}")
    if likeness.places:
        reasons.append(f"same place: {', '.join(_place(p) for p in likeness.places)}")
    if likeness.persons:
        reasons.append(f"same person: {', '.join(likeness.persons)}")
    if likeness.words:
        reasons.append(f"shared words: {', '.join(likeness.words[:5])}")
    if likeness.other_matter:
        reasons.append("different matters")
    if likeness.other_person:
        reasons.append("different people")
    reasons += family
    fuse = same_family and score >= AUTO_FUSE
    return Verdict(score, tuple(reasons), fuse=fuse, suggest=not fuse and score >= SUGGEST)


def same_incident(a: Sighting, b: Sighting) -> bool:
    """Whether the rule fuses ``a`` and ``b`` into one case."""
    verdict = assess(a, b)
    return verdict is not None and verdict.fuse


# -- index keys: where to look for the sightings an event may be the same incident as ----------

def window_of(time: datetime, width: timedelta) -> int:
    """The number of the time window of ``width`` that ``time`` falls in (windows from 1970).

    Two times at most ``width`` apart lie in the same window or in neighbouring ones: with
    ``a <= b <= a + width``, ``b / width <= a / width + 1``, so ``floor(b / width)`` is at most
    ``floor(a / width) + 1``. The windows ``w - 1``, ``w`` and ``w + 1`` around a time therefore
    hold every time within ``width`` of it (and some up to two windows more, which the rule
    itself then turns away).
    """
    return (time - EPOCH) // width


def _row(lat: float) -> int:
    return min(ROWS - 1, max(0, math.floor((lat + 90.0) / CELL_DEGREES)))


def columns_of(row: int) -> int:
    """How many cells the row ``row`` has round the globe (at least one)."""
    south = -90.0 + row * CELL_DEGREES
    poleward = max(abs(south), abs(south + CELL_DEGREES))
    widest = min(90.0, poleward + CELL_DEGREES)  # the highest latitude of the row or its neighbours
    return max(1, math.floor(360.0 * math.cos(math.radians(widest)) / CELL_DEGREES))


def _column(lon: float, columns: int) -> int:
    return math.floor((lon + 180.0) / 360.0 * columns) % columns


def cell_of(point: tuple[float, float]) -> tuple[int, int]:
    """The correlation cell (row, column) of a (lon, lat) point.

    Rows are bands :data:`CELL_DEGREES` of latitude high, numbered from the south pole. Each row
    is cut into equal columns round the whole globe, as many as fit with every column at least
    ``CELL_DEGREES / cos(φ)`` degrees of longitude wide, φ being the highest latitude of the row
    and of its two neighbours (so the rows near a pole are one cell each).
    """
    lon, lat = point
    row = _row(lat)
    return row, _column(lon, columns_of(row))


def cells_near(point: tuple[float, float]) -> list[tuple[int, int]]:
    """The cells that hold every point within :data:`NEAR_METRES` of ``point``: the 3×3 block
    of the row of ``point`` and its two neighbours, and in each of them the column ``point``'s
    longitude falls in and the two beside it (fewer near a pole, where rows have few columns).

    Why that block always covers 100 m, for a point Q at most 100 m from P:

    * Rows. The great-circle distance is at least ``R·|Δφ|`` (``R`` the earth's mean radius), so
      ``|Δφ| <= 100 m / R`` = 0.000899°, less than the row height :data:`CELL_DEGREES`: Q's row
      is P's or a neighbour of it.
    * Columns. Let Q lie in row r (one of those three). The haversine gives a distance of at
      least ``2R·sqrt(cos φP·cos φQ)·sin(|Δλ|/2)``, about ``R·cos φ·|Δλ|`` with φ the higher of
      the two latitudes, which is at most the highest latitude of row r and its neighbours
      (P's row is one of them). So ``|Δλ| <= 0.000899° / cos φ``, less than the column width of
      row r (at least ``0.001° / cos φ``): measured in row r's columns, P's and Q's longitudes
      are in the same column or neighbouring ones. The block takes, in each of the three rows,
      P's column of that row and the two beside it. Columns divide the full circle evenly, so
      "beside" wraps round the 180th meridian.

    The ~11 % margin (111 m cells for 100 m) absorbs the rounding of the approximations above.
    """
    lon, lat = point
    row = _row(lat)
    out: list[tuple[int, int]] = []
    for r in (row - 1, row, row + 1):
        if not 0 <= r < ROWS:
            continue
        columns = columns_of(r)
        column = _column(lon, columns)
        for c in (column - 1, column, column + 1):
            cell = (r, c % columns)
            if cell not in out:
                out.append(cell)
    return out


def cell_key(cell: tuple[int, int]) -> str:
    return f"{cell[0]}:{cell[1]}"


def place_key(grid_id: str, cell: tuple[int, int], window: int) -> str:
    """The key a sighting is found by for the place rule and for suggestions: its grid, its cell
    and its 48-hour window (``<grid>|<cell>|<window>``), of every family (suggestions cross
    families). The grid is part of the key, so one look-up by the keys of a whole batch's events
    (whatever their grids) is served by a single-field index."""
    return f"{grid_id}|{cell_key(cell)}|{window}"


def subject_key(grid_id: str, family: str, subject_id: str, window: int) -> str:
    """The key a sighting is found by for the subject rule: its grid, its family, its subject
    and its 7-day window (``<grid>|<family>|<subject>|<window>``)."""
    return f"{grid_id}|{family}|{subject_id}|{window}"


def sighting_keys(sighting: Sighting) -> dict[str, str]:
    """The index keys a stored sighting carries: its cell and place key when it has a point,
    its subject key when it has a subject."""
    keys: dict[str, str] = {}
    if sighting.point is not None:
        cell = cell_of(sighting.point)
        keys["cell"] = cell_key(cell)
        keys["place_key"] = place_key(sighting.grid_id, cell, window_of(sighting.time, NEAR_WINDOW))
    if sighting.subject_id:
        keys["subject_key"] = subject_key(sighting.grid_id, sighting.family, sighting.subject_id,
                                          window_of(sighting.time, SUBJECT_WINDOW))
    return keys


def candidate_keys(sighting: Sighting) -> tuple[list[str], list[str]]:
    """The place keys and the subject keys under which every stored sighting that can be the
    same incident as ``sighting`` (or a possible duplicate) is found: the 3×3 block of cells
    (:func:`cells_near`) in the 48-hour window of ``sighting`` and the two beside it (27 keys, of
    its grid, any family), and its subject in its 7-day window and the two beside it (3 keys;
    none without a subject; of its grid and family).

    A stored sighting with a common subject is found by the subject keys; one without is found
    by the place keys (the place rule needs both points and the same 48 hours).
    """
    grid_id, family = sighting.grid_id, sighting.family
    near: list[str] = []
    if sighting.point is not None:
        window = window_of(sighting.time, NEAR_WINDOW)
        near = [place_key(grid_id, cell, w) for w in (window - 1, window, window + 1)
                for cell in cells_near(sighting.point)]
    subject: list[str] = []
    if sighting.subject_id:
        window = window_of(sighting.time, SUBJECT_WINDOW)
        subject = [subject_key(grid_id, family, sighting.subject_id, w) for w in (window - 1, window, window + 1)]
    return near, subject
