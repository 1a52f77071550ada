"""Fatebook's forecast CSV, both ways.

**Reading.** Fatebook (github.com/Sage-Future/fatebook) has written three exports,
all read here, one row per forecast with the question's fields repeated:

- the export of your questions (``lib/web/export.ts``, since 2024-09): ``Question
  title, Multiple choice option, Forecast created by, Forecast (scale = 0-1),
  Forecast created at, Question created by, Question created at, Question resolve
  by, Resolution, Resolved at``, two scores, ``Question notes``, sharing, comments
  and (since 2025-01) ``Question tags``;
- the same export before 2024-09, whose resolution columns are ``Question
  resolution`` and ``Question resolved at``;
- a tournament's export (``lib/web/tournament_router.ts``): ``Tournament name``
  first, then the question and forecast columns up to ``Question notes``.

Fatebook writes times in UTC as ``YYYY-MM-DD HH:MM:S`` with the seconds unpadded
(``2026-06-30 00:00:0`` is midnight); ISO 8601 is read too. Multiple-choice rows are
skipped and listed, since assay's predictions are yes/no questions. Files written by
:func:`write_fatebook_csv` (and by assay before, with ``Forecast (0-1)``) are read
as well. Column names are matched without regard to case.

The whole file is checked: every bad row is a :class:`Problem` (file, line, question,
what is wrong), and the counts always add up::

    file.rows == sum(e.rows for e in file.entries) + len(file.problems) + len(file.choices)

**Writing.** :func:`write_fatebook_csv` writes what Fatebook's own spreadsheet
importer (``pages/import-from-spreadsheet.tsx``, ``importFromCsv`` in
``lib/web/import_router.ts``) reads with no column to assign by hand: its field
labels as the header (its importer assigns a column whose header is a field's label),
forecasts as percentages (``70%``: it divides the number by 100), times in the
ECMAScript date-time format (``2026-01-10T09:00:00Z``, the one form JavaScript's
``new Date`` must parse) and resolve-by dates as ``2027-06-30``, tags separated by
commas. Two more columns, ``Forecast created by`` and ``Resolved by``, keep for assay
who forecast and who resolved (Fatebook's importer leaves them unassigned and credits
every forecast to whoever imports the file). Cells a spreadsheet would run as a
formula are written as text (:mod:`assay.formats.csv_safe`).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import decimal
import io
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from assay.errors import InputError
from assay.formats import csv_safe, files
from assay.formats.paper_records import Problem
from assay.pipeline.predictions import Forecast, Outcome, Prediction, Resolution

__all__ = [
    "FATEBOOK_COLUMNS",
    "Entry",
    "FatebookFile",
    "Problem",
    "load_fatebook_csv",
    "parse_fatebook_csv",
    "write_fatebook_csv",
]

# The labels of Fatebook's spreadsheet importer (pages/import-from-spreadsheet.tsx).
IMPORT_TITLE = "Question title"
IMPORT_FORECAST = "Your forecast (as a number between 0% and 100%)"
IMPORT_CREATED = "Question created date"
IMPORT_RESOLUTION = "Resolution - must be either YES, NO, AMBIGUOUS or blank"
IMPORT_RESOLVED_AT = (
    "[Optional] Resolved at date - when the question resolved (if blank and the question "
    "is resolved we use the question creation date + 24h)"
)
IMPORT_RESOLVE_BY = (
    "[Optional] Resolve by date - Fatebook will remind you to resolve on this day (if blank "
    "we use the question creation date + 24h)"
)
IMPORT_FORECAST_AT = "[Optional] Forecast created date (if blank we use the question creation date)"
IMPORT_TAGS = "[Optional] Comma-separated list of tags"
IMPORT_NOTES = "[Optional] Notes"

FATEBOOK_COLUMNS = (
    IMPORT_TITLE,
    IMPORT_FORECAST,
    IMPORT_CREATED,
    IMPORT_RESOLUTION,
    IMPORT_RESOLVED_AT,
    IMPORT_RESOLVE_BY,
    IMPORT_FORECAST_AT,
    IMPORT_TAGS,
    IMPORT_NOTES,
    "Forecast created by",
    "Resolved by",
)
"""The header :func:`write_fatebook_csv` writes: Fatebook's importer labels, then two
columns of assay's own."""

# Each field read, and the column names that hold it (first present wins).
_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("Question title",),
    "option": ("Multiple choice option",),
    "by": ("Forecast created by",),
    "fraction": ("Forecast (scale = 0-1)", "Forecast (0-1)"),
    "percent": (IMPORT_FORECAST,),
    "at": ("Forecast created at", IMPORT_FORECAST_AT),
    "creator": ("Question created by",),
    "created": ("Question created at", IMPORT_CREATED),
    "resolve_by": ("Question resolve by", IMPORT_RESOLVE_BY),
    "resolution": ("Resolution", "Question resolution", IMPORT_RESOLUTION),
    "resolved_at": ("Resolved at", "Question resolved at", IMPORT_RESOLVED_AT),
    "resolver": ("Resolved by",),
    "notes": ("Question notes", IMPORT_NOTES),
    "tags": ("Question tags", IMPORT_TAGS),
}
UNNAMED = "unnamed"
"""Who a forecast is by when its row does not say (Fatebook users may have no name)."""
_UNPADDED_SECONDS = re.compile(r"^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}):(\d)(?!\d)")


@dataclasses.dataclass(frozen=True)
class Entry:
    """One question read: its prediction, and how many good rows of the file it came
    from (its forecasts, rows repeating one of them, and rows without a forecast)."""

    prediction: Prediction
    rows: int
    first_line: int


@dataclasses.dataclass(frozen=True)
class FatebookFile:
    """A whole Fatebook CSV read: its questions, the bad rows and the skipped ones."""

    source: str
    kind: str
    rows: int
    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...] = ()
    choices: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        counted = sum(e.rows for e in self.entries) + len(self.problems) + len(self.choices)
        if counted != self.rows:  # a bug in the reader, never a fault of the file
            raise AssertionError(f"{self.source}: {self.rows} rows but {counted} accounted for")

    @property
    def predictions(self) -> tuple[Prediction, ...]:
        return tuple(e.prediction for e in self.entries)

    @property
    def skipped(self) -> tuple[str, ...]:
        """The multiple-choice questions left out, each once."""
        return tuple(dict.fromkeys(c.key for c in self.choices))

    def check(self, *, skip_invalid: bool = False) -> None:
        """Raise one :class:`InputError` listing every bad row, unless skipping them."""
        if not self.problems or skip_invalid:
            return
        n, good = len(self.problems), self.rows - len(self.problems)
        if n == 1:
            raise InputError(
                f"{self.problems[0]}; nothing was imported: fix it, or give --skip-invalid "
                f"to import the other {good} row(s)"
            )
        lines = "\n".join(f"  {p}" for p in self.problems)
        raise InputError(
            f"{self.source}: {n} of {self.rows} row(s) cannot be imported, so nothing was "
            f"imported; fix them, or give --skip-invalid to import the other {good}:\n{lines}"
        )


def _time(raw: str, field: str) -> dt.datetime:
    text = _UNPADDED_SECONDS.sub(r"\1:0\2", raw.strip())
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"{field} {raw!r} is not a time; expected YYYY-MM-DD HH:MM:SS (UTC)"
        ) from None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _fraction(text: str) -> float:
    try:
        p = float(text)
    except ValueError:
        raise InputError(f"forecast {text!r} is not a number; expected 0 to 1") from None
    if not 0.0 <= p <= 1.0:
        raise InputError(f"forecast {text!r} is outside 0 to 1")
    return p


def _percent(text: str) -> float:
    number = text.strip().removesuffix("%").strip()
    try:
        value = decimal.Decimal(number)
    except decimal.InvalidOperation:
        raise InputError(f"forecast {text!r} is not a percentage; expected 0% to 100%") from None
    if not value.is_finite() or not 0 <= value <= 100:
        raise InputError(f"forecast {text!r} is outside 0% to 100%")
    return float(value.scaleb(-2))


def _tags(text: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in re.split(r"[;,]", text) if t.strip())


@dataclasses.dataclass(frozen=True)
class _Row:
    """One good row: the question it belongs to and what it says."""

    key: tuple[str, str, str]
    title: str
    resolve_by: dt.date
    created: dt.datetime
    forecast: Forecast | None
    resolution: Resolution | None
    notes: str
    tags: tuple[str, ...]


def _forecast(get: Mapping[str, str], errors: list[str]) -> Forecast | None:
    fraction, percent = get["fraction"], get["percent"]
    if not fraction and not percent:
        return None
    try:
        p = _fraction(fraction) if fraction else _percent(percent)
        if not get["at"]:
            raise InputError("'Forecast created at' is empty for a forecast")
        return Forecast(p, get["by"] or UNNAMED, _time(get["at"], "'Forecast created at'"))
    except InputError as exc:
        errors.append(str(exc))
    return None


def _resolution(get: Mapping[str, str], errors: list[str]) -> Resolution | None:
    if not get["resolution"]:
        return None
    try:
        outcome = Outcome.parse(get["resolution"])
        if not get["resolved_at"]:
            raise InputError(f"resolution {get['resolution']!r} has no 'Resolved at' time")
        at = _time(get["resolved_at"], "'Resolved at'")
        return Resolution(outcome, get["resolver"] or get["creator"] or "fatebook", at)
    except InputError as exc:
        errors.append(str(exc))
    return None


def _row(get: Mapping[str, str]) -> _Row | list[str]:
    """What one row says, or everything wrong with it."""
    errors: list[str] = []
    title = " ".join(get["title"].split())
    if not title:
        errors.append("'Question title' is empty")
    resolve_by = created = None
    try:
        resolve_by = _time(get["resolve_by"], "'Question resolve by'").date()
    except InputError as exc:
        errors.append(str(exc))
    try:
        created = _time(get["created"] or get["at"], "'Question created at'")
    except InputError as exc:
        errors.append(str(exc))
    forecast = _forecast(get, errors)
    resolution = _resolution(get, errors)
    if errors or resolve_by is None or created is None:
        return errors
    key = (title, resolve_by.isoformat(), created.isoformat())
    return _Row(key, title, resolve_by, created, forecast, resolution, get["notes"],
                _tags(get["tags"]))  # fmt: skip


class _Question:
    """The rows of one question, gathered."""

    def __init__(self, row: _Row, line: int) -> None:
        self.first = row
        self.line = line
        self.rows = 0
        self.forecasts: dict[tuple[str, dt.datetime, float], int] = {}
        self.resolution: Resolution | None = None
        self.resolution_line = line

    def add(self, row: _Row, line: int, source: str) -> tuple[Problem | None, str | None]:
        """Take a row; a resolution that contradicts an earlier row's is a problem."""
        r = row.resolution
        if r is not None and self.resolution is not None and r.outcome != self.resolution.outcome:
            message = (
                f"resolution {r.outcome.value.upper()} contradicts "
                f"{self.resolution.outcome.value.upper()} on line {self.resolution_line}"
            )
            return Problem(source, line, row.title, message), None
        self.rows += 1
        if r is not None and self.resolution is None:
            self.resolution, self.resolution_line = r, line
        f = row.forecast
        if f is None:
            return None, None
        key = (f.by, f.at, f.p)
        if key in self.forecasts:
            note = f"{source}, line {line}: repeats the forecast on line {self.forecasts[key]}"
            return None, note + "; merged"
        self.forecasts[key] = line
        return None, None

    def prediction(self) -> Prediction:
        first = self.first
        forecasts = sorted((Forecast(p, by, at) for by, at, p in self.forecasts), key=_order)
        return Prediction(
            question=first.title, resolve_by=first.resolve_by, forecasts=tuple(forecasts),
            created_at=first.created, tags=first.tags, notes=first.notes,
            resolution=self.resolution,
        )  # fmt: skip


def _columns(header: list[str], source: str) -> tuple[dict[str, str | None], str]:
    """Which column holds each field, and what kind of file this is."""
    by_name = {h.strip().lower(): h for h in reversed(header)}
    columns = {
        field: next((by_name[n.lower()] for n in names if n.lower() in by_name), None)
        for field, names in _FIELDS.items()
    }
    missing = [name for name in ("title", "resolve_by") if columns[name] is None]
    if columns["fraction"] is None and columns["percent"] is None:
        missing.append("fraction")
    if columns["created"] is None and columns["at"] is None:
        missing.append("created")
    if missing:
        listed = ", ".join(repr(_FIELDS[m][0]) for m in missing)
        raise InputError(
            f"{source}, line 1: missing column(s) {listed}; expected a Fatebook export "
            "(Question title, Forecast (scale = 0-1), Question resolve by, ...)"
        )
    if columns["fraction"] is not None and columns["percent"] is not None:
        raise InputError(
            f"{source}, line 1: both {columns['fraction']!r} and {columns['percent']!r} hold "
            "the forecast; keep one of them"
        )
    names = {h.strip().lower() for h in header}
    if "tournament name" in names:
        kind = "Fatebook tournament export"
    elif "question resolution" in names:
        kind = "Fatebook export (before 2024-09)"
    elif columns["percent"] is not None:
        kind = "Fatebook import file"
    else:
        kind = "Fatebook export"
    return columns, kind


def parse_fatebook_csv(text: str, *, source: str = "<Fatebook CSV>") -> FatebookFile:
    """Every row of Fatebook CSV text checked; the rows of one question become one
    prediction. A file that is not CSV or lacks Fatebook's columns raises
    :class:`InputError`; bad rows are listed in :attr:`FatebookFile.problems`."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader, [])
        columns, kind = _columns(header, source)
        index = {f: header.index(c) if c is not None else None for f, c in columns.items()}
        questions: dict[tuple[str, str, str], _Question] = {}
        problems: list[Problem] = []
        choices: list[Problem] = []
        notes: list[str] = []
        rows, unnamed, line = 0, 0, reader.line_num + 1
        for record in reader:
            start, line = line, reader.line_num + 1
            if not record:
                continue
            rows += 1
            get = {f: _cell(record, i) for f, i in index.items()}
            if get["option"]:
                title = " ".join(get["title"].split())
                choices.append(Problem(source, start, title, "a multiple-choice question"))
                continue
            unnamed += bool(get["fraction"] or get["percent"]) and not get["by"]
            _gather(get["title"], _row(get), start, source, questions, problems, notes)
    except csv.Error as exc:
        raise InputError(f"{source}, line {reader.line_num}: not valid CSV ({exc})") from None
    if unnamed:
        notes.append(
            f"{source}: {unnamed} forecast(s) without 'Forecast created by' are recorded "
            f"as by {UNNAMED!r}"
        )
    entries = tuple(Entry(q.prediction(), q.rows, q.line) for q in questions.values())
    return FatebookFile(source, kind, rows, entries, tuple(problems), tuple(choices), tuple(notes))


def _cell(record: list[str], i: int | None) -> str:
    if i is None or i >= len(record):
        return ""
    return csv_safe.uncell(record[i].strip())


def _gather(
    get_title: str,
    row: _Row | list[str],
    line: int,
    source: str,
    questions: dict[tuple[str, str, str], _Question],
    problems: list[Problem],
    notes: list[str],
) -> None:
    if isinstance(row, list):
        title = " ".join(get_title.split())
        problems.append(Problem(source, line, title, "; ".join(row)))
        return
    question = questions.setdefault(row.key, _Question(row, line))
    problem, note = question.add(row, line, source)
    if problem is not None:
        problems.append(problem)
    if note is not None:
        notes.append(note)


def load_fatebook_csv(path: str | Path) -> FatebookFile:
    """Read a Fatebook CSV export (see :func:`parse_fatebook_csv`)."""
    text = files.read_text(path, "a Fatebook CSV export")
    return parse_fatebook_csv(text, source=str(path))


def _order(f: Forecast) -> tuple[dt.datetime, str, float]:
    return f.at, f.by, f.p


def _es_time(at: dt.datetime) -> str:
    """``at`` in ECMAScript's date-time string format, UTC, to the millisecond."""
    at = at.astimezone(dt.UTC)
    ms = f".{at.microsecond // 1000:03d}" if at.microsecond else ""
    return f"{at:%Y-%m-%dT%H:%M:%S}{ms}Z"


def _percent_text(p: float) -> str:
    """``p`` as a percentage written exactly: 0.07 is ``7%``, 0.0125 is ``1.25%``."""
    return format(decimal.Decimal(repr(p)).scaleb(2).normalize(), "f") + "%"


def write_fatebook_csv(predictions: Iterable[Prediction]) -> str:
    """CSV that Fatebook's spreadsheet importer reads: one row per forecast (or one row
    without a forecast, which Fatebook's importer refuses but assay reads back)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FATEBOOK_COLUMNS)
    for p in predictions:
        r = p.resolution
        created = _es_time(p.created_at)
        ordered: list[Forecast | None] = [*sorted(p.forecasts, key=_order)] or [None]
        for f in ordered:
            writer.writerow(
                csv_safe.row([
                    p.question,
                    _percent_text(f.p) if f else "",
                    created,
                    r.outcome.value.upper() if r else "",
                    _es_time(r.at) if r else "",
                    p.resolve_by.isoformat(),
                    _es_time(f.at) if f else "",
                    ", ".join(p.tags),
                    p.notes,
                    f.by if f else "",
                    r.by if r else "",
                ])
            )  # fmt: skip
    return out.getvalue()
