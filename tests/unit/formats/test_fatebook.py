"""Fatebook CSV: import from Fatebook's own export, export, and read back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assay.errors import InputError
from assay.formats import fatebook
from assay.pipeline.predictions import Forecast, Outcome, Prediction, Resolution

DATA = Path(__file__).parent / "data"
UTC = dt.UTC


def test_fatebooks_own_export_is_read() -> None:
    result = fatebook.load_fatebook_csv(DATA / "fatebook.csv")
    assert result.skipped == ("Which kernel wins?",)  # multiple choice: not a yes/no question
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
            Forecast(0.5, "Ben", dt.datetime(2025, 1, 3, 0, 0, tzinfo=UTC)),
        ),
        created_at=dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        tags=("inference", "memory"),
        notes="line one\nline two, with a comma",
        resolution=Resolution(Outcome.YES, "fatebook", dt.datetime(2025, 9, 1, tzinfo=UTC)),
    )


def test_export_then_import_round_trips() -> None:
    unresolved = Prediction(
        question="No forecasts yet",
        resolve_by=dt.date(2026, 1, 1),
        forecasts=(),
        created_at=dt.datetime(2025, 5, 5, tzinfo=UTC),
    )
    text = fatebook.write_fatebook_csv([_prediction(), unresolved])
    assert text.splitlines()[0] == ",".join(fatebook.FATEBOOK_COLUMNS)
    assert "2025-01-02 03:04:05" in text
    again = fatebook.parse_fatebook_csv(text)
    assert again.predictions == (_prediction(), unresolved)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ('"Q","Ana",1.5,2025-01-01,2025-01-01,2025-02-01,,,,', "line 2: forecast '1.5' is outside"),
        ('"Q","Ana",abc,2025-01-01,2025-01-01,2025-02-01,,,,', "line 2: forecast 'abc' is not"),
        ('"Q","Ana",0.5,2025-01-01,2025-01-01,soon,,,,', "line 2: 'Question resolve by' 'soon'"),
        ('"Q","Ana",0.5,2025-01-01,2025-01-01,2025-02-01,MAYBE,2025-03-01,,', "'MAYBE' is not"),
        ('"Q","Ana",0.5,2025-01-01,2025-01-01,2025-02-01,YES,,,', "has no 'Resolved at'"),
        ('"Q","",0.5,2025-01-01,2025-01-01,2025-02-01,,,,', "'Forecast created by' is empty"),
    ],
)
def test_bad_rows_name_their_line(row: str, message: str) -> None:
    header = ",".join(fatebook.FATEBOOK_COLUMNS)
    with pytest.raises(InputError, match=message):
        fatebook.parse_fatebook_csv(f"{header}\n{row}\n", source="f.csv")


def test_a_file_without_fatebook_columns() -> None:
    with pytest.raises(InputError, match=r"f\.csv, line 1: missing column\(s\) 'Question title'"):
        fatebook.parse_fatebook_csv("title,p\nx,0.5\n", source="f.csv")


def test_line_numbers_count_multiline_cells() -> None:
    header = ",".join(fatebook.FATEBOOK_COLUMNS)
    good = '"Q1","Ana",0.5,2025-01-01,2025-01-01,2025-02-01,,,"two\nlines",'
    bad = '"Q2","Ana",7,2025-01-01,2025-01-01,2025-02-01,,,,'
    with pytest.raises(InputError, match="line 4: forecast '7'"):
        fatebook.parse_fatebook_csv(f"{header}\n{good}\n{bad}\n", source="f.csv")
