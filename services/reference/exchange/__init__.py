"""Reference data exchange (v1): a county's hand-over in, the platform's ``County`` out, and back.

A pure library — no network, no database — used by the import command and the reference
service:

- :func:`load` reads a folder, a ``.zip`` (path or bytes) or a mapping of file names to bytes,
  converts coordinates to WGS84 (:mod:`.crs`), checks everything (:mod:`.validate` documents
  each check, its code and tolerance) and answers an :class:`ImportResult`: the ``County``
  when there is no error, every ``Problem`` on its own line, and the ``Counts``;
- :func:`write_exchange` and :func:`exchange_zip` write a ``County`` in the same format
  (:mod:`.export`), so that loading the export gives back an equal county;
- :func:`to_wgs84` and :func:`from_wgs84` convert one point between WGS84, GCJ-02 and BD-09.

The files and their Chinese header aliases are listed in :mod:`.columns`.
"""

from __future__ import annotations

from services.reference.exchange.crs import CRS_NAMES, from_wgs84, normalise_crs, to_wgs84
from services.reference.exchange.export import exchange_files, exchange_zip, write_exchange
from services.reference.exchange.report import Counts, ImportResult, Problem
from services.reference.exchange.validate import GAP_TOLERANCE_M2, OVERLAP_TOLERANCE_M2, load

__all__ = [
    "CRS_NAMES",
    "GAP_TOLERANCE_M2",
    "OVERLAP_TOLERANCE_M2",
    "Counts",
    "ImportResult",
    "Problem",
    "exchange_files",
    "exchange_zip",
    "from_wgs84",
    "load",
    "normalise_crs",
    "to_wgs84",
    "write_exchange",
]
