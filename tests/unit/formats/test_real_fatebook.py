"""Fatebook's three exports (tests/data/fatebook, written as Fatebook's export code
writes them): every row, forecast and resolution accounted for, counted here on our own
with Python's csv module, and export then read then export gives the same file."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest

from assay.formats import fatebook

DATA = Path(__file__).parents[2] / "data" / "fatebook"
FILES = {
    "fatebook-export.csv": "Fatebook export",
    "fatebook-export-2024-03.csv": "Fatebook export (before 2024-09)",
    "fatebook-tournament.csv": "Fatebook tournament export",
}
UTC = dt.UTC


def _records(name: str) -> list[dict[str, str]]:
    text = (DATA / name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _counts(name: str) -> tuple[int, int, int, set[tuple[str, str, str]]]:
    """Rows, multiple-choice rows, yes/no forecasts, and the resolved yes/no questions
    (title, created, outcome), from the file's own cells."""
    rows = _records(name)
    yes_no = [r for r in rows if not r.get("Multiple choice option")]
    resolved = {
        (r["Question title"], r["Question created at"], outcome)
        for r in yes_no
        if (outcome := r.get("Resolution") or r.get("Question resolution") or "")
    }
    return len(rows), len(rows) - len(yes_no), len(yes_no), resolved


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_row_forecast_and_resolution_is_accounted_for(name: str) -> None:
    rows, choice_rows, forecasts, resolved = _counts(name)
    read = fatebook.load_fatebook_csv(DATA / name)
    assert read.kind == FILES[name]
    assert (read.rows, len(read.choices), read.problems) == (rows, choice_rows, ())
    assert read.rows == sum(e.rows for e in read.entries) + len(read.choices)
    assert sum(len(p.forecasts) for p in read.predictions) == forecasts
    got = {
        (p.question, p.created_at, p.resolution.outcome.value.upper())
        for p in read.predictions
        if p.resolution is not None
    }
    assert len(got) == len(resolved)
    times = {(t, fatebook._time(c, "created"), o) for t, c, o in resolved}
    assert got == times


def test_the_counts_of_each_file() -> None:
    assert {n: (*_counts(n)[:3], len(_counts(n)[3])) for n in FILES} == {
        "fatebook-export.csv": (14, 2, 12, 3),
        "fatebook-export-2024-03.csv": (7, 0, 7, 3),
        "fatebook-tournament.csv": (10, 2, 8, 2),
    }


def test_unpadded_times_are_read_to_the_second() -> None:
    read = fatebook.load_fatebook_csv(DATA / "fatebook-export.csv")
    fa3 = read.predictions[0]
    assert fa3.created_at == dt.datetime(2026, 1, 5, 9, 14, 7, tzinfo=UTC)  # "09:14:7"
    assert fa3.resolve_by == dt.date(2026, 6, 30)  # "2026-06-30 00:00:0"
    assert [(f.by, f.p, f.at.second) for f in fa3.forecasts] == [
        ("Ana Lima", 0.65, 7),
        ("Ben Okafor", 0.4, 3),
        ("Chen Wei", 0.333, 0),
        ("Ana Lima", 0.72, 45),
    ]
    assert fa3.tags == ("inference", "gpu")  # Fatebook joins tags with "; "
    kv = read.predictions[2]
    assert kv.notes == 'Eval set: "wmt-24" only.\nLonger context to follow.'
    assert [f.by for f in kv.forecasts] == ["Ana Lima", fatebook.UNNAMED]
    assert read.skipped == ("Which kernel wins at 8k tokens?",)


def test_the_older_resolution_columns_keep_their_resolutions() -> None:
    read = fatebook.load_fatebook_csv(DATA / "fatebook-export-2024-03.csv")
    outcomes = [p.resolution.outcome.value if p.resolution else None for p in read.predictions]
    assert outcomes == ["no", "yes", "ambiguous", None]
    first = read.predictions[0].resolution
    assert first is not None
    assert (first.by, first.at) == ("Sam Reyes", dt.datetime(2024, 4, 2, 9, 0, 4, tzinfo=UTC))


@pytest.mark.parametrize("name", sorted(FILES))
def test_export_read_export_gives_the_same_file(name: str) -> None:
    predictions = fatebook.load_fatebook_csv(DATA / name).predictions
    text = fatebook.write_fatebook_csv(predictions)
    again = fatebook.parse_fatebook_csv(text)
    assert again.predictions == predictions
    assert fatebook.write_fatebook_csv(again.predictions) == text
