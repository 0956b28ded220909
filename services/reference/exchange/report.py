"""What an import says about itself: its problems, its counts, and the county when it is valid.

The fields mirror ``gridfusion.reference.v1`` (``Problem``, ``Counts``, ``ImportReport``), so
the reference service copies them across one to one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from services.reference.models import County

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an import, in one line that names what and where."""

    severity: str  # error | warning
    code: str  # a stable name of the check, e.g. ``grid_overlap``
    message: str
    file: str = ""
    row: int = 0  # 1-based data row, the header being row 1 (a feature's number in GeoJSON)
    ids: tuple[str, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def line(self) -> str:
        """The problem as the command line prints it (the message names the file and row)."""
        return f"{self.severity}: {self.message} [{self.code}]"


@dataclass(frozen=True, slots=True)
class Counts:
    """What an import holds, also when it is refused."""

    streets: int = 0
    communities: int = 0
    grids: int = 0
    compounds: int = 0
    households: int = 0
    residents: int = 0
    party_members: int = 0


@dataclass(frozen=True)
class ImportResult:
    """The outcome of :func:`services.reference.exchange.load`: ``county`` is None when any
    problem is an error."""

    county: County | None
    problems: list[Problem]
    counts: Counts
    crs: str = "wgs84"

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def ok(self) -> bool:
        return self.county is not None

    def lines(self) -> list[str]:
        return [problem.line() for problem in self.problems]


@dataclass
class Problems:
    """Collects problems while the checks run."""

    items: list[Problem] = field(default_factory=list)

    def error(self, code: str, message: str, file: str = "", row: int = 0, ids=()) -> None:
        self.items.append(Problem(ERROR, code, message, file, row, tuple(ids)))

    def warning(self, code: str, message: str, file: str = "", row: int = 0, ids=()) -> None:
        self.items.append(Problem(WARNING, code, message, file, row, tuple(ids)))

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.items)
