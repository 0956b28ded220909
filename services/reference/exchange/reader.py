"""Reading a hand-over: which files it has, and their rows, before any value is judged.

A hand-over arrives as
- a folder, or a ``.zip`` of it (path or bytes) — the files at its root or all in one
  sub-folder (``__MACOSX/`` and hidden files are ignored);
- a mapping of file names to bytes, as an HTTP multipart upload gives it (a mapping holding
  just one ``.zip`` is that zip).
File names are matched ignoring case. ``grids.geojson`` and one of ``households.csv`` /
``households.xlsx`` must be there, ``party_members.csv`` / ``.xlsx`` may be. Text is UTF-8, with
or without a byte-order mark; a file that is not (Excel's "CSV" is often GBK) is refused with a
hint. A workbook is read in read-only mode: its first sheet, the first row being the headers.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first record row 2
(a CSV record spanning lines by a quoted line break still counts as one row). Blank rows are
skipped but keep their number. Problems found here (layout, encoding, headers) go into the same
report as the checks of :mod:`services.reference.exchange.validate`.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path, PurePosixPath
from typing import Any

from services.reference.exchange.columns import (
    GRIDS_FILE,
    HOUSEHOLD_COLUMNS,
    HOUSEHOLDS,
    MEMBER_COLUMNS,
    PARTY_MEMBERS,
    TABLE_SUFFIXES,
    Column,
    header_index,
    normalise_header,
)
from services.reference.exchange.report import Problems

# One file of a hand-over may not exceed this (a county's households are a few MB).
MAX_FILE_BYTES = 256 * 1024 * 1024
KNOWN_FILES = {GRIDS_FILE} | {
    f"{stem}{suffix}" for stem in (HOUSEHOLDS, PARTY_MEMBERS) for suffix in TABLE_SUFFIXES
}

Source = str | Path | bytes | bytearray | memoryview | Mapping[str, bytes]


@dataclass
class Table:
    """A table file's records: (row number, column name → trimmed text) for known columns."""

    file: str
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


@dataclass
class Handover:
    """The parsed files of a hand-over; None where a file is missing or unreadable."""

    grids: Any = None  # the decoded GeoJSON
    grids_file: str = GRIDS_FILE
    households: Table | None = None
    members: Table | None = None


def read_handover(source: Source, problems: Problems) -> Handover:
    """Find the files of ``source``, decode them and map their headers; report what is wrong."""
    files = collect_files(source, problems)
    handover = Handover()
    if files is None:
        return handover
    by_name = {name.lower(): name for name in files}
    for lower, name in sorted(by_name.items()):
        if lower not in KNOWN_FILES:
            problems.warning(
                "unknown_file",
                f"{name}: not a file of the exchange format; ignored",
                file=name,
            )

    if GRIDS_FILE in by_name:
        name = by_name[GRIDS_FILE]
        handover.grids_file = name
        text = _decode(files[name], name, problems)
        if text is not None:
            try:
                handover.grids = json.loads(text)
            except json.JSONDecodeError as exc:
                problems.error(
                    "unreadable_file",
                    f"{name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
                    file=name,
                )
    else:
        problems.error(
            "missing_file", f"{GRIDS_FILE} is missing from the hand-over", file=GRIDS_FILE
        )

    handover.households = _read_table(files, by_name, HOUSEHOLDS, HOUSEHOLD_COLUMNS, problems, True)
    handover.members = _read_table(files, by_name, PARTY_MEMBERS, MEMBER_COLUMNS, problems, False)
    return handover


def collect_files(source: Source, problems: Problems) -> dict[str, bytes] | None:
    """The files of the hand-over by base name; None when the source cannot be read at all."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _from_zip(bytes(source), "the uploaded zip", problems)
    if isinstance(source, Mapping):
        entries = {
            PurePosixPath(str(name).replace("\\", "/")).name: bytes(data)
            for name, data in source.items()
        }
        zips = [name for name in entries if name.lower().endswith(".zip")]
        if len(zips) == 1 and not any(name.lower() in KNOWN_FILES for name in entries):
            return _from_zip(entries[zips[0]], zips[0], problems)
        return _oversized(entries, problems)
    path = Path(source)
    if path.is_dir():
        return _from_folder(path, problems)
    if path.is_file() and path.suffix.lower() == ".zip":
        return _from_zip(path.read_bytes(), path.name, problems)
    problems.error("unreadable_source", f"{path}: neither a folder nor a .zip file", file=str(path))
    return None


def _oversized(entries: dict[str, bytes], problems: Problems) -> dict[str, bytes]:
    kept = {}
    for name, data in entries.items():
        if len(data) > MAX_FILE_BYTES:
            problems.error(
                "file_too_large",
                f"{name}: {len(data)} bytes, more than the {MAX_FILE_BYTES} a file may have",
                file=name,
            )
        else:
            kept[name] = data
    return kept


def _choose_folder(
    paths: list[PurePosixPath], where: str, problems: Problems
) -> PurePosixPath | None:
    """The one folder (root or a sub-folder) holding the format's files."""
    folders = sorted({p.parent for p in paths if p.name.lower() in KNOWN_FILES}, key=str)
    if not folders:
        return PurePosixPath(".")
    if len(folders) > 1:
        listed = ", ".join(str(f) if str(f) != "." else "(root)" for f in folders)
        problems.error(
            "ambiguous_layout",
            f"{where}: the exchange files are in more than one folder ({listed}); "
            "put them at the root or in one folder",
        )
        return None
    return folders[0]


def _from_zip(data: bytes, where: str, problems: Problems) -> dict[str, bytes] | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        problems.error("unreadable_source", f"{where}: not a zip file", file=where)
        return None
    with archive:
        infos = [
            info
            for info in archive.infolist()
            if not info.is_dir()
            and "__MACOSX" not in PurePosixPath(info.filename).parts
            and not PurePosixPath(info.filename).name.startswith(".")
        ]
        folder = _choose_folder([PurePosixPath(info.filename) for info in infos], where, problems)
        if folder is None:
            return None
        files: dict[str, bytes] = {}
        for info in infos:
            path = PurePosixPath(info.filename)
            if path.parent != folder:
                continue
            if info.file_size > MAX_FILE_BYTES:
                problems.error(
                    "file_too_large",
                    f"{path.name}: {info.file_size} bytes, more than the {MAX_FILE_BYTES} a file may have",
                    file=path.name,
                )
                continue
            try:
                files[path.name] = archive.read(info)
            # zipfile's own ways of refusing a member: corrupt (BadZipFile, OSError), encrypted
            # (RuntimeError), a compression method it does not support (NotImplementedError).
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
                problems.error(
                    "unreadable_file", f"{path.name}: cannot be extracted ({exc})", file=path.name
                )
        return files


def _from_folder(root: Path, problems: Problems) -> dict[str, bytes] | None:
    candidates = [p for p in root.iterdir() if p.is_file()]
    for sub in root.iterdir():
        if sub.is_dir() and not sub.name.startswith(".") and sub.name != "__MACOSX":
            candidates.extend(p for p in sub.iterdir() if p.is_file())
    candidates = [p for p in candidates if not p.name.startswith(".")]
    relative = [PurePosixPath(p.relative_to(root).as_posix()) for p in candidates]
    folder = _choose_folder(relative, str(root), problems)
    if folder is None:
        return None
    chosen = [p for p, rel in zip(candidates, relative, strict=True) if rel.parent == folder]
    files: dict[str, bytes] = {}
    for path in chosen:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            problems.error(
                "file_too_large",
                f"{path.name}: {size} bytes, more than the {MAX_FILE_BYTES} a file may have",
                file=path.name,
            )
            continue
        files[path.name] = path.read_bytes()
    return files


def _decode(data: bytes, name: str, problems: Problems) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        hint = ""
        try:
            data.decode("gb18030")
            hint = "; it reads as GBK/GB 18030 — save it as UTF-8 (Excel: 'CSV UTF-8')"
        except UnicodeDecodeError:
            pass
        problems.error(
            "encoding",
            f"{name}: not UTF-8 (byte {exc.start}){hint}",
            file=name,
        )
        return None


def _read_table(
    files: dict[str, bytes],
    by_name: dict[str, str],
    stem: str,
    columns: tuple[Column, ...],
    problems: Problems,
    required: bool,
) -> Table | None:
    present = [
        by_name[f"{stem}{suffix}"] for suffix in TABLE_SUFFIXES if f"{stem}{suffix}" in by_name
    ]
    if not present:
        if required:
            problems.error(
                "missing_file",
                f"{stem}.csv (or {stem}.xlsx) is missing from the hand-over",
                file=f"{stem}.csv",
            )
        return None
    if len(present) > 1:
        problems.error(
            "ambiguous_file",
            f"both {present[0]} and {present[1]} are there; keep one of them",
            file=present[0],
        )
        return None
    name = present[0]
    if name.lower().endswith(".xlsx"):
        raw = _xlsx_rows(files[name], name, problems)
    else:
        text = _decode(files[name], name, problems)
        raw = None if text is None else _csv_rows(text)
    if raw is None:
        return None
    return _map_rows(raw, name, columns, problems)


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def cell_text(value: Any) -> str:
    """A workbook cell as the text a CSV would hold (integral numbers without ``.0``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def _xlsx_rows(data: bytes, name: str, problems: Problems) -> list[list[str]] | None:
    # Imported when a workbook comes: openpyxl takes a while to load.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (
        InvalidFileException,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        TypeError,
        OSError,
    ) as exc:
        problems.error(
            "unreadable_file", f"{name}: not a readable .xlsx workbook ({exc})", file=name
        )
        return None
    try:
        if not workbook.worksheets:
            problems.error("unreadable_file", f"{name}: the workbook has no sheet", file=name)
            return None
        sheet = workbook.worksheets[0]
        return [[cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _map_rows(
    raw: list[list[str]], name: str, columns: tuple[Column, ...], problems: Problems
) -> Table | None:
    if not raw or not any(cell.strip() for cell in raw[0]):
        problems.error(
            "missing_header",
            f"{name}: the first row must hold the headers; it is empty",
            file=name,
            row=1,
        )
        return None
    index = header_index(columns)
    positions: dict[str, int] = {}
    for position, cell in enumerate(raw[0]):
        key = normalise_header(cell)
        if not key:
            if any(position < len(row) and row[position].strip() for row in raw[1:]):
                problems.warning(
                    "unknown_header",
                    f"{name}: column {position + 1} has values but no header; ignored",
                    file=name,
                    row=1,
                )
            continue
        column = index.get(key)
        if column is None:
            problems.warning(
                "unknown_header",
                f"{name}: header '{cell.strip()}' (column {position + 1}) is not part of the format; ignored",
                file=name,
                row=1,
            )
            continue
        if column.name in positions:
            problems.error(
                "duplicate_header",
                f"{name}: columns {positions[column.name] + 1} and {position + 1} are both {column.label}",
                file=name,
                row=1,
            )
            continue
        positions[column.name] = position
    missing = [column for column in columns if column.required and column.name not in positions]
    for column in missing:
        problems.error(
            "missing_header",
            f"{name}: required header '{column.name}' (Chinese '{column.aliases[0]}') is missing",
            file=name,
            row=1,
        )
    if missing:
        return None
    table = Table(file=name)
    items = list(positions.items())
    for number, row in enumerate(raw[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        width = len(row)
        table.rows.append(
            (number, {key: row[at].strip() if at < width else "" for key, at in items})
        )
    return table
