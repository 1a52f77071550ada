"""CSV injection: cells a spreadsheet would run as formulas are written as text."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assay.formats import csv_safe, fatebook
from assay.formats import radar_formats as rf
from assay.pipeline.predictions import Forecast, Prediction
from assay.pipeline.radar import RingMove, Technique
from assay.types import Ring

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 1, tzinfo=UTC)
FORMULAS = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1", "=HYPERLINK(x)"]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_starts_get_a_quote(text: str) -> None:
    assert csv_safe.cell(text) == "'" + text


@pytest.mark.parametrize("text", ["-0.5", "+3", "-1e-3", "12", "plain", "", "a=b", "'quoted"])
def test_numbers_and_plain_text_pass_unchanged(text: str) -> None:
    assert csv_safe.cell(text) == text


def test_non_text_values_pass_unchanged() -> None:
    assert csv_safe.row([1, -0.5, None, "=x"]) == [1, -0.5, None, "'=x"]


@given(st.text())
def test_uncell_undoes_cell(text: str) -> None:
    escaped = csv_safe.cell(text)
    assert isinstance(escaped, str)
    assert csv_safe.uncell(escaped) == text
    assert not escaped.startswith(csv_safe.FORMULA_STARTS) or csv_safe._is_number(escaped)


def _cells(text: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(text)) for c in row]


def test_byor_export_writes_no_formula_and_reads_it_back() -> None:
    move = RingMove(None, Ring.ASSESS, NOW, "ana", "entry")
    radar = [Technique("evil", "Tools", Ring.ASSESS, summary="=HYPERLINK(1)", history=(move,))]
    text = rf.write_byor_csv(radar, as_of=NOW)
    assert "'=HYPERLINK(1)" in _cells(text)
    assert not any(c.startswith(("=", "@")) for c in _cells(text))
    (back,) = rf.parse_byor_csv(text, at=NOW, by="ana")
    assert back.summary == "=HYPERLINK(1)"


def test_fatebook_export_writes_no_formula_and_reads_it_back() -> None:
    prediction = Prediction(
        question="@SUM(A1) ships",
        resolve_by=dt.date(2026, 6, 1),
        forecasts=(Forecast(0.5, "=ana", NOW),),
        created_at=NOW,
        notes="-2+3",
    )
    text = fatebook.write_fatebook_csv([prediction])
    cells = _cells(text)
    assert {"'@SUM(A1) ships", "'=ana", "'-2+3", "50%"} <= set(cells)
    assert fatebook.parse_fatebook_csv(text).predictions == (prediction,)
