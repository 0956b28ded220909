"""The correlation rule: when two events are one incident, and so one case.

Two events belong to the same case when they map to the same grid, share the category
family, and either

1. carry the same non-empty ``subject_id`` and occurred within :data:`SUBJECT_WINDOW` of
   each other; or
2. lack a common subject, lie within :data:`NEAR_METRES` of each other, occurred within
   :data:`NEAR_WINDOW`, and their summaries are near-duplicates: the RapidFuzz normalised
   Indel similarity (``fuzz.ratio``) of the normalised summaries (NFKC, no whitespace or
   punctuation) is at least :data:`SUMMARY_SIMILARITY` out of 100.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from rapidfuzz import fuzz

SUBJECT_WINDOW = timedelta(days=7)
NEAR_WINDOW = timedelta(hours=48)
NEAR_METRES = 100.0
SUMMARY_SIMILARITY = 80.0
EARTH_RADIUS_M = 6_371_008.8

_PUNCT = re.compile(r"[\W_]+", re.UNICODE)


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


def normalise_summary(text: str) -> str:
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text)).lower()


def summary_similarity(a: str, b: str) -> float:
    return fuzz.ratio(normalise_summary(a), normalise_summary(b))


def same_incident(a: Sighting, b: Sighting) -> bool:
    if a.grid_id != b.grid_id or a.family != b.family:
        return False
    apart = abs(a.time - b.time)
    if a.subject_id and a.subject_id == b.subject_id:
        return apart <= SUBJECT_WINDOW
    if a.point is None or b.point is None:
        return False
    return (
        apart <= NEAR_WINDOW
        and metres_between(a.point, b.point) <= NEAR_METRES
        and summary_similarity(a.summary, b.summary) >= SUMMARY_SIMILARITY
    )
