"""Fatebook CSV: its exports read, every bad row listed, and an export that Fatebook's
own spreadsheet importer reads right (checked with a transcription of that importer)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assay.errors import InputError
from assay.formats import fatebook
from assay.pipeline.predictions import Forecast, Outcome, Prediction, Resolution

DATA = Path(__file__).parent / "data"
REAL = Path(__file__).parents[2] / "data" / "fatebook"
UTC = dt.UTC
OLD_HEADER = (
    "Question title,Forecast created by,Forecast (0-1),Forecast created at,Question created at,"
    "Question resolve by,Resolution,Resolved at,Question notes,Question tags"
)


def test_fatebooks_own_export_is_read() -> None:
    result = fatebook.load_fatebook_csv(DATA / "fatebook.csv")
    assert result.skipped == ("Which kernel wins?",)  # multiple choice: not a yes/no question
    assert (result.rows, len(result.choices), result.problems) == (5, 1, ())
    fa3, linear = result.predictions
    assert fa3.question == "FlashAttention-3 is in our serving stack by 2027-06"
    assert fa3.resolve_by == dt.date(2027, 6, 30)
    assert fa3.created_at == dt.datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
    assert fa3.forecasts == (
        Forecast(0.7, "Ana", dt.datetime(2026, 1, 10, 9, 0, tzinfo=UTC)),
        Forecast(0.4, "Ben", dt.datetime(2026, 1, 11, 10, 30, tzinfo=UTC)),
    )
    assert fa3.notes == "Needs Hopper GPUs"
    assert fa3.resolution is None
    assert [f.p for f in linear.forecasts] == [0.2, 0.1]
    assert linear.resolution == Resolution(
        Outcome.NO, "Ana", dt.datetime(2025, 7, 2, 8, 0, tzinfo=UTC)
    )


def _prediction() -> Prediction:
    return Prediction(
        question='Quantised KV cache ships, "int8", by Q3',
        resolve_by=dt.date(2025, 9, 30),
        forecasts=(
            Forecast(0.65, "Ana", dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)),
            Forecast(0.5, "Ben", dt.datetime(2025, 1, 3, 0, 0, 0, 250000, tzinfo=UTC)),
        ),
        created_at=dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        tags=("inference", "memory"),
        notes="line one\nline two, with a comma",
        resolution=Resolution(Outcome.YES, "Chen", dt.datetime(2025, 9, 1, tzinfo=UTC)),
    )


def _unforecast() -> Prediction:
    return Prediction(
        question="No forecasts yet",
        resolve_by=dt.date(2026, 1, 1),
        forecasts=(),
        created_at=dt.datetime(2025, 5, 5, tzinfo=UTC),
    )


def test_export_then_import_round_trips() -> None:
    text = fatebook.write_fatebook_csv([_prediction(), _unforecast()])
    assert next(csv.reader(io.StringIO(text))) == list(fatebook.FATEBOOK_COLUMNS)
    assert "2025-01-02T03:04:05Z,65%" not in text  # forecast and time in their own columns
    assert "2025-01-03T00:00:00.250Z" in text
    again = fatebook.parse_fatebook_csv(text)
    assert again.kind == "Fatebook import file"
    assert again.predictions == (_prediction(), _unforecast())
    assert fatebook.write_fatebook_csv(again.predictions) == text


def test_files_written_by_assay_before_are_read() -> None:
    row = '"Q","Ana",0.25,2025-01-01 10:00:00,2025-01-01 10:00:00,2025-02-01,YES,2025-02-02,,"a; b"'
    (p,) = fatebook.parse_fatebook_csv(f"{OLD_HEADER}\n{row}\n").predictions
    assert (p.forecasts[0].p, p.tags, p.resolution and p.resolution.by) == (
        0.25,
        ("a", "b"),
        "fatebook",
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            '"Q","Ana",1.5,2025-01-01,2025-01-01,2025-02-01,,,,',
            "line 2: Q: forecast '1.5' is outside",
        ),
        ('"Q","Ana",abc,2025-01-01,2025-01-01,2025-02-01,,,,', "line 2: Q: forecast 'abc' is not"),
        ('"Q","Ana",0.5,2025-01-01,2025-01-01,soon,,,,', "line 2: Q: 'Question resolve by' 'soon'"),
        ('"Q","Ana",0.5,2025-01-01,2025-01-01,2025-02-01,MAYBE,2025-03-01,,', "'MAYBE' is not"),
        ('"Q","Ana",0.5,2025-01-01,2025-01-01,2025-02-01,YES,,,', "has no 'Resolved at'"),
        ('"Q","Ana",0.5,,2025-01-01,2025-02-01,,,,', "'Forecast created at' is empty"),
        ('"","Ana",0.5,2025-01-01,2025-01-01,2025-02-01,,,,', "line 2: 'Question title' is empty"),
    ],
)
def test_bad_rows_name_their_line(row: str, message: str) -> None:
    read = fatebook.parse_fatebook_csv(f"{OLD_HEADER}\n{row}\n", source="f.csv")
    assert (read.rows, read.entries) == (1, ())
    assert message in str(read.problems[0])
    with pytest.raises(InputError, match=re.escape(message)):
        read.check()
    read.check(skip_invalid=True)  # skipping them is the caller's choice


def test_every_bad_row_is_listed_in_one_run() -> None:
    good = '"Q1","Ana",0.5,2025-01-01,2025-01-01,2025-02-01,,,"two\nlines",'
    rows = [
        good,
        '"Q2","Ana",7,2025-01-01,2025-01-01,2025-02-01,,,,',
        '"Q3","Ana",0.5,2025-01-01,2025-01-01,later,NOPE,,,',
        '"Q4","Ana",0.5,2025-01-01,2025-01-01,2025-02-01,,,,',
    ]
    read = fatebook.parse_fatebook_csv(OLD_HEADER + "\n" + "\n".join(rows) + "\n", source="f.csv")
    assert read.rows == 4 == sum(e.rows for e in read.entries) + len(read.problems)
    assert [(p.line, p.key) for p in read.problems] == [(4, "Q2"), (5, "Q3")]
    assert "'later' is not a time" in read.problems[1].message
    assert "'NOPE' is not an outcome" in read.problems[1].message  # both faults of the row
    with pytest.raises(InputError) as raised:
        read.check()
    message = str(raised.value)
    assert message.startswith("f.csv: 2 of 4 row(s) cannot be imported, so nothing was imported")
    assert "f.csv, line 4: Q2: forecast '7'" in message
    assert "f.csv, line 5: Q3:" in message
    assert "--skip-invalid to import the other 2" in message


def test_rows_that_do_not_add_up_are_a_bug_caught_at_once() -> None:
    entry = fatebook.Entry(_unforecast(), rows=1, first_line=2)
    assert fatebook.FatebookFile("f.csv", "Fatebook export", 1, (entry,)).rows == 1
    with pytest.raises(AssertionError, match=r"f\.csv: 3 rows but 1 accounted for"):
        fatebook.FatebookFile("f.csv", "Fatebook export", 3, (entry,))


def test_a_file_without_fatebook_columns() -> None:
    with pytest.raises(InputError, match=r"f\.csv, line 1: missing column\(s\) 'Question title'"):
        fatebook.parse_fatebook_csv("title,p\nx,0.5\n", source="f.csv")


def test_a_file_with_two_forecast_columns_is_refused() -> None:
    header = "Question title,Forecast (scale = 0-1),Your forecast (as a number between 0% and 100%)"
    with pytest.raises(InputError, match=r"line 1: both 'Forecast .scale = 0-1.' and"):
        fatebook.parse_fatebook_csv(f"{header},Question resolve by,Question created at\n")


def test_not_csv_names_its_line() -> None:
    text = f'{OLD_HEADER}\n"Q","Ana",0.5,2025-01-01,2025-01-01,"{"x" * 200_000}",,,,\n'
    with pytest.raises(InputError, match=r"f\.csv, line 2: not valid CSV"):
        fatebook.parse_fatebook_csv(text, source="f.csv")


def test_unpadded_seconds_are_read_as_fatebook_means_them() -> None:
    row = (
        '"Q","Ana",0.5,2026-06-29 23:59:7,2026-06-29 23:59:7,2026-06-30 00:00:0,'
        "NO,2026-07-01 01:02:0,,"
    )
    (p,) = fatebook.parse_fatebook_csv(f"{OLD_HEADER}\n{row}\n").predictions
    assert p.created_at == dt.datetime(2026, 6, 29, 23, 59, 7, tzinfo=UTC)
    assert p.resolve_by == dt.date(2026, 6, 30)
    assert p.resolution is not None
    assert p.resolution.at == dt.datetime(2026, 7, 1, 1, 2, 0, tzinfo=UTC)


def test_a_repeated_row_is_merged_with_a_note_and_counted() -> None:
    row = '"Q","Ana",0.5,2025-01-01,2025-01-01,2025-02-01,,,,'
    read = fatebook.parse_fatebook_csv(f"{OLD_HEADER}\n{row}\n{row}\n", source="f.csv")
    (entry,) = read.entries
    assert (read.rows, entry.rows, len(entry.prediction.forecasts)) == (2, 2, 1)
    assert read.notes == ("f.csv, line 3: repeats the forecast on line 2; merged",)


def test_rows_that_contradict_a_resolution_are_bad() -> None:
    yes = '"Q","Ana",0.5,2025-01-01,2025-01-01,2025-02-01,YES,2025-02-02,,'
    no = '"Q","Ben",0.4,2025-01-02,2025-01-01,2025-02-01,NO,2025-02-02,,'
    read = fatebook.parse_fatebook_csv(f"{OLD_HEADER}\n{yes}\n{no}\n", source="f.csv")
    assert [str(p) for p in read.problems] == [
        "f.csv, line 3: Q: resolution NO contradicts YES on line 2"
    ]


def test_a_forecast_without_its_author_is_kept_and_noted() -> None:
    row = '"Q",,0.5,2025-01-01,2025-01-01,2025-02-01,,,,'
    read = fatebook.parse_fatebook_csv(f"{OLD_HEADER}\n{row}\n", source="f.csv")
    assert read.predictions[0].forecasts[0].by == fatebook.UNNAMED
    assert "1 forecast(s) without 'Forecast created by'" in read.notes[0]


@pytest.mark.parametrize(
    ("cell", "p"), [("70%", 0.7), ("70", 0.7), (" 7 % ", 0.07), ("0.5%", 0.005), ("100%", 1.0)]
)
def test_percent_forecasts(cell: str, p: float) -> None:
    assert fatebook._percent(cell) == p


@pytest.mark.parametrize("cell", ["120%", "-1%", "seventy", "nan%", "Infinity"])
def test_bad_percent_forecasts(cell: str) -> None:
    with pytest.raises(InputError, match="forecast"):
        fatebook._percent(cell)


@given(st.floats(min_value=0.0, max_value=1.0))
def test_percentages_are_written_exactly(p: float) -> None:
    assert fatebook._percent(fatebook._percent_text(p)) == p


# -- Fatebook's spreadsheet importer, transcribed ------------------------------------------
#
# From Sage-Future/fatebook at commit 3eb5379f94e92317386e7f859c76e26cf9305fb1:
#   pages/import-from-spreadsheet.tsx: the importer's fields and their labels (`rows`).
#   lib/web/import_router.ts, importFromCsv: how each row becomes a question (upserted by
#   the id made of title + question-created text) and one forecast by the importing user.
# react-csv-importer 0.8.1 (beamworks/react-csv-importer, tag v0.8.1, commit 775a75c),
#   src/components/fields-step/FieldsStep.tsx: a field is assigned, unasked, the column
#   whose header (trimmed, lower-cased) equals its label (trimmed, lower-cased).
# `new Date(text)`: ECMAScript's Date Time String Format (ECMA-262, "Date Time String
#   Format"), the one form every engine must parse; anything else falls to an engine's
#   own parser, so the transcription refuses it and our export must not rely on it.

FATEBOOK_FIELDS = {  # name: (label, required)
    "questionTitle": ("Question title", True),
    "forecast": ("Your forecast (as a number between 0% and 100%)", True),
    "qCreatedAt": ("Question created date", True),
    "resolution": ("Resolution - must be either YES, NO, AMBIGUOUS or blank", True),
    "resolvedAt": (
        "[Optional] Resolved at date - when the question resolved (if blank and the "
        "question is resolved we use the question creation date + 24h)",
        False,
    ),
    "resolveBy": (
        "[Optional] Resolve by date - Fatebook will remind you to resolve on this day (if "
        "blank we use the question creation date + 24h)",
        False,
    ),
    "fCreatedAt": (
        "[Optional] Forecast created date (if blank we use the question creation date)",
        False,
    ),
    "tags": ("[Optional] Comma-separated list of tags", False),
    "notes": ("[Optional] Notes", False),
    "notesExtra": ("[Optional] Extra notes column", False),
}
_ES_DATE = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?"
    r"(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{3}))?)?(Z|[+-]\d{2}:\d{2})?)?"
)
_JS_FLOAT = re.compile(r"[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")
DAY_MS = 24 * 60 * 60 * 1000
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)


def js_date_ms(text: str) -> int:
    """``new Date(text).getTime()`` for ECMAScript's date-time string format."""
    m = _ES_DATE.fullmatch(text)
    if m is None:
        raise ValueError(f"{text!r} is not in ECMAScript's date-time format")
    hour, ms, zone = m.group(4), m.group(7), m.group(8)
    if hour is not None and zone is None:
        raise ValueError(f"{text!r} is a local time: it depends on the server's zone")
    at = dt.datetime(
        *(int(p or d) for p, d in zip(m.groups()[:6], (0, 1, 1, 0, 0, 0), strict=True)),
        int(ms or 0) * 1000,
        tzinfo=UTC,
    )
    if zone not in (None, "Z"):
        sign = 1 if zone[0] == "+" else -1
        at -= sign * dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    return _ms(at)


def js_parse_float(text: str) -> float:
    """JavaScript's ``parseFloat``: the longest decimal literal at the start, else NaN."""
    m = _JS_FLOAT.match(text.lstrip(" \t\n\r\v\f\ufeff\xa0"))
    return float(m.group(0).replace("Infinity", "inf")) if m else math.nan


def fatebook_assigns(header: list[str]) -> dict[str, int]:
    """Which column react-csv-importer assigns to each field without being asked."""
    stems = {h.strip().lower(): i for i, h in enumerate(header) if h.strip()}
    return {
        name: stems[label.strip().lower()]
        for name, (label, _) in FATEBOOK_FIELDS.items()
        if label.strip().lower() in stems
    }


def fatebook_import(text: str) -> tuple[dict[str, dict[str, Any]], list[dict[str, str]]]:
    """The questions Fatebook's importFromCsv makes of ``text``, and the rows it refuses."""
    records = [r for r in csv.reader(io.StringIO(text)) if r]
    assigned = fatebook_assigns(records[0])
    unassigned = [
        n for n, (_, required) in FATEBOOK_FIELDS.items() if required and n not in assigned
    ]
    assert not unassigned, f"the importer asks the user to assign {unassigned} by hand"
    questions: dict[str, dict[str, Any]] = {}
    errors = []
    for record in records[1:]:
        row = {name: record[i] for name, i in assigned.items()}
        try:
            created = js_date_ms(row["qCreatedAt"])
            plus24 = created + DAY_MS
            res = row["resolution"]
            outcome = res.lower().strip()
            forecast = js_parse_float(row["forecast"].replace("%", "", 1).strip()) / 100
            if math.isnan(forecast):
                raise ValueError("Prisma refuses NaN for the forecast")
            question = questions.setdefault(row["questionTitle"] + row["qCreatedAt"],
                                            {"forecasts": [], "tags": set()})  # fmt: skip
            question.update(
                title=row["questionTitle"],
                # `row.resolution !== null`: true for an empty cell too (react-csv-importer
                # passes "" for it), so Fatebook flags every imported question resolved.
                resolved=res is not None,
                createdAt=created,
                resolution=(outcome.upper() if outcome in ("yes", "no") else "AMBIGUOUS")
                if res
                else None,
                resolveBy=js_date_ms(row["resolveBy"]) if row.get("resolveBy") else plus24,
                resolvedAt=(
                    js_date_ms(row["resolvedAt"]) if row.get("resolvedAt", "").strip() else plus24
                )
                if res
                else None,
                notes=f"{row.get('notes') or ''}{row.get('notesExtra') or ''} Imported from ...",
            )
            at = js_date_ms(row.get("fCreatedAt") or row["qCreatedAt"])
            question["forecasts"].append((forecast, at))
            tags = (row.get("tags") or "").split(",")
            question["tags"] |= {t.strip() for t in tags if t and t.strip()}
        except ValueError:
            errors.append(row)
    return questions, errors


def _ms(at: dt.datetime) -> int:
    """Milliseconds since 1970 (what a JavaScript Date holds), the rest cut off."""
    return (at - EPOCH) // dt.timedelta(milliseconds=1)


def _predictions() -> list[Prediction]:
    real = fatebook.load_fatebook_csv(REAL / "fatebook-export.csv").predictions
    odd = Prediction(
        question="=HYPERLINK(x) ships; and, commas",
        resolve_by=dt.date(2027, 2, 28),
        forecasts=(
            Forecast(0.0125, "Ana", dt.datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)),
            Forecast(1.0, "Ben", dt.datetime(2026, 1, 2, 23, 59, 59, tzinfo=UTC)),
            Forecast(0.0, "Chen", dt.datetime(2026, 1, 3, tzinfo=UTC)),
            Forecast(0.007, "Dee", dt.datetime(2026, 1, 4, tzinfo=UTC)),
        ),
        created_at=dt.datetime(2025, 12, 31, 23, 0, tzinfo=UTC),
        tags=("a b", "c"),
        resolution=Resolution(Outcome.NO, "Ana", dt.datetime(2027, 3, 1, 12, 30, tzinfo=UTC)),
    )
    return [*real, _prediction(), odd]


def test_fatebook_assigns_every_column_of_our_export_itself() -> None:
    text = fatebook.write_fatebook_csv(_predictions())
    assigned = fatebook_assigns(next(csv.reader(io.StringIO(text))))
    assert set(assigned) == set(FATEBOOK_FIELDS) - {"notesExtra"}


def test_fatebooks_importer_reads_every_forecast_and_resolution() -> None:
    predictions = _predictions()
    questions, errors = fatebook_import(fatebook.write_fatebook_csv(predictions))
    assert errors == []
    assert len(questions) == len(predictions)
    for p, q in zip(predictions, questions.values(), strict=True):
        assert q["title"].removeprefix("'") == p.question  # a formula start is quoted
        assert q["createdAt"] == _ms(p.created_at)
        midnight = dt.datetime.combine(p.resolve_by, dt.time(), UTC)
        assert q["resolveBy"] == _ms(midnight)
        r = p.resolution
        assert q["resolution"] == (r.outcome.value.upper() if r else None)
        assert q["resolvedAt"] == (_ms(r.at) if r else None)
        assert q["tags"] == set(p.tags)
        assert q["notes"].startswith(p.notes + " Imported from")
        theirs = sorted(q["forecasts"], key=lambda f: f[1])
        ours = sorted(p.forecasts, key=lambda f: f.at)
        assert [at for _, at in theirs] == [_ms(f.at) for f in ours]
        for (value, _), f in zip(theirs, ours, strict=True):
            # Fatebook divides the parsed percentage by 100: exact for whole percentages,
            # within the last bit of the double otherwise (0.7 / 100 is not 0.007).
            assert abs(value - f.p) <= math.ulp(f.p), (value, f.p)
            if (f.p * 100).is_integer():
                assert value == f.p


def test_the_transcription_refuses_what_fatebook_misreads() -> None:
    """The checks above can fail: assay's old export is misread by Fatebook."""
    old = fatebook_assigns(OLD_HEADER.split(","))
    assert {"forecast", "qCreatedAt"} - set(old)  # asked of the user by hand
    with pytest.raises(ValueError, match="depends on the server's zone"):
        js_date_ms("2025-01-02T03:04:05")
    with pytest.raises(ValueError, match="not in ECMAScript's date-time format"):
        js_date_ms("2025-01-02 03:04:05")
    header = ",".join(f'"{label}"' for label, _ in FATEBOOK_FIELDS.values())
    row = '"Q","0.7","2025-01-02T03:04:05Z","","","","","","",""'
    ((_, q),) = fatebook_import(f"{header}\n{row}\n")[0].items()
    assert q["forecasts"][0][0] == pytest.approx(0.007)  # 0-1 read as a percentage
