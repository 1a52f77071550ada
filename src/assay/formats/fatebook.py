"""Fatebook's forecast CSV: import and export.

One row per forecast, with the question's fields repeated::

    Question title, Forecast created by, Forecast (0-1), Forecast created at,
    Question created at, Question resolve by, Resolution, Resolved at,
    Question notes, Question tags

Fatebook's own export names the forecast column ``Forecast (scale = 0-1)`` and adds
columns (scores, sharing, comments, ``Multiple choice option``); the reader accepts
both spellings and ignores the extra columns. Multiple-choice rows are skipped and
listed, since assay's predictions are yes/no questions. Times are written as
``YYYY-MM-DD HH:MM:SS`` in UTC, as Fatebook writes them; ISO 8601 is read too.
Resolutions are ``YES``, ``NO``, ``AMBIGUOUS`` or empty; tags are separated by
commas or semicolons.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from assay.errors import InputError
from assay.formats import csv_safe, files
from assay.pipeline.predictions import Forecast, Outcome, Prediction, Resolution

__all__ = [
    "FATEBOOK_COLUMNS",
    "FatebookImport",
    "load_fatebook_csv",
    "parse_fatebook_csv",
    "write_fatebook_csv",
]

FATEBOOK_COLUMNS = (
    "Question title",
    "Forecast created by",
    "Forecast (0-1)",
    "Forecast created at",
    "Question created at",
    "Question resolve by",
    "Resolution",
    "Resolved at",
    "Question notes",
    "Question tags",
)
_FORECAST_ALIASES = ("Forecast (0-1)", "Forecast (scale = 0-1)")
_REQUIRED = ("Question title", "Question resolve by")


@dataclasses.dataclass(frozen=True)
class FatebookImport:
    """The predictions read, and the multiple-choice questions skipped."""

    predictions: tuple[Prediction, ...]
    skipped: tuple[str, ...] = ()


def _time(text: str, field: str, where: str) -> dt.datetime:
    raw = text.strip()
    try:
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"{where}: {field} {raw!r} is not a time; expected YYYY-MM-DD HH:MM:SS (UTC)"
        ) from None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _forecast_value(text: str, where: str) -> float:
    try:
        p = float(text)
    except ValueError:
        raise InputError(
            f"{where}: forecast {text!r} is not a number; expected a probability from 0 to 1"
        ) from None
    if not 0.0 <= p <= 1.0:
        raise InputError(f"{where}: forecast {text!r} is outside 0 to 1")
    return p


def _tags(text: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in re.split(r"[;,]", text) if t.strip())


class _Question:
    def __init__(self, title: str, resolve_by: dt.date, created: dt.datetime) -> None:
        self.title = title
        self.resolve_by = resolve_by
        self.created = created
        self.forecasts: list[Forecast] = []
        self.resolution: Resolution | None = None
        self.notes = ""
        self.tags: tuple[str, ...] = ()


def _read_row(
    row: Mapping[str, str], where: str, questions: dict[tuple[str, ...], _Question]
) -> None:
    def cell(name: str) -> str:
        return csv_safe.uncell((row.get(name) or "").strip())

    title = cell("Question title")
    if not title:
        raise InputError(f"{where}: 'Question title' is empty")
    resolve_by = _time(cell("Question resolve by"), "'Question resolve by'", where).date()
    created_text = cell("Question created at") or cell("Forecast created at")
    if not created_text:
        raise InputError(f"{where}: neither 'Question created at' nor 'Forecast created at' is set")
    created = _time(created_text, "'Question created at'", where)
    key = (title, resolve_by.isoformat(), created.isoformat())
    question = questions.setdefault(key, _Question(title, resolve_by, created))
    question.notes = question.notes or cell("Question notes")
    question.tags = question.tags or _tags(cell("Question tags"))
    value = next((cell(a) for a in _FORECAST_ALIASES if cell(a)), "")
    if value:
        by = cell("Forecast created by")
        if not by:
            raise InputError(f"{where}: 'Forecast created by' is empty for a forecast")
        at = _time(cell("Forecast created at"), "'Forecast created at'", where)
        question.forecasts.append(Forecast(_forecast_value(value, where), by, at))
    resolution = cell("Resolution")
    if resolution and question.resolution is None:
        try:
            outcome = Outcome.parse(resolution)
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from None
        if not cell("Resolved at"):
            raise InputError(f"{where}: resolution {resolution!r} has no 'Resolved at' time")
        at = _time(cell("Resolved at"), "'Resolved at'", where)
        question.resolution = Resolution(outcome, cell("Question created by") or "fatebook", at)


def parse_fatebook_csv(text: str, *, source: str = "<Fatebook CSV>") -> FatebookImport:
    """Predictions from Fatebook CSV text: rows of one question become one prediction."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [c for c in _REQUIRED if c not in header]
    if not any(a in header for a in _FORECAST_ALIASES):
        missing.append("Forecast (0-1)")
    if missing:
        raise InputError(
            f"{source}, line 1: missing column(s) {', '.join(map(repr, missing))}; "
            f"expected Fatebook's columns: {', '.join(FATEBOOK_COLUMNS)}"
        )
    questions: dict[tuple[str, ...], _Question] = {}
    skipped: list[str] = []
    start = 2
    try:
        for row in reader:
            where = f"{source}, line {start}"
            start = reader.line_num + 1
            if (row.get("Multiple choice option") or "").strip():
                title = (row.get("Question title") or "").strip()
                if title not in skipped:
                    skipped.append(title)
                continue
            _read_row(row, where, questions)
    except csv.Error as exc:
        raise InputError(f"{source}, line {reader.line_num}: not valid CSV ({exc})") from None
    predictions = tuple(
        Prediction(
            question=q.title,
            resolve_by=q.resolve_by,
            forecasts=tuple(sorted(q.forecasts, key=lambda f: f.at)),
            created_at=q.created,
            tags=q.tags,
            notes=q.notes,
            resolution=q.resolution,
        )
        for q in questions.values()
        if q.title not in skipped
    )
    return FatebookImport(predictions, tuple(skipped))


def load_fatebook_csv(path: str | Path) -> FatebookImport:
    """Read a Fatebook CSV export."""
    text = files.read_text(path, "a Fatebook CSV export")
    return parse_fatebook_csv(text, source=str(path))


def _fmt(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def write_fatebook_csv(predictions: Iterable[Prediction]) -> str:
    """Fatebook CSV for ``predictions``: one row per forecast (or one bare row)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FATEBOOK_COLUMNS)
    for p in predictions:
        r = p.resolution
        question = [p.question]
        tail = [
            _fmt(p.created_at),
            p.resolve_by.isoformat(),
            r.outcome.value.upper() if r else "",
            _fmt(r.at) if r else "",
            p.notes,
            ", ".join(p.tags),
        ]
        if not p.forecasts:
            writer.writerow(csv_safe.row([*question, "", "", "", *tail]))
        for f in p.forecasts:
            writer.writerow(csv_safe.row([*question, f.by, repr(f.p), _fmt(f.at), *tail]))
    return out.getvalue()
