"""Effects in the CLI in the unit a reader thinks in (issue 10, problem 2)."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from assay.bench.result import ComparisonRow
from assay.cli.bench import comparisons_table
from assay.stats.verdict import Verdict
from support import run_main


def _row(effect: float, low: float, high: float, metric: str = "time") -> ComparisonRow:
    return ComparisonRow(
        "argpartition", metric, (("n", 100000),), Verdict.BETTER, effect, (low, high),
        1e-9, 1e-9, True, False, 68, 68, test="welch",
    )  # fmt: skip


def _shown(rows: list[ComparisonRow]) -> str:
    console = Console(file=io.StringIO(), width=160, color_system=None)
    console.print(comparisons_table([row.to_dict() for row in rows]))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(text, str)
    return text


def test_a_200x_speed_up_in_the_bench_table_and_its_json() -> None:
    row = _row(-0.99503, -0.99556, -0.99444)
    text = _shown([row])
    assert "201x faster" in text
    assert "180x to 225x faster" in text
    assert "-100%" not in text
    effect = row.to_dict()["effect"]
    assert effect["relative"] == pytest.approx(-0.99503)
    assert effect["ratio"] == pytest.approx(0.00497)
    assert 1 / effect["ratio_low"] == pytest.approx(225, abs=1)
    assert 1 / effect["ratio_high"] == pytest.approx(180, abs=1)


def test_a_small_change_and_memory_in_the_bench_table() -> None:
    text = _shown([_row(-0.089, -0.12, -0.051), _row(2.2, 1.9, 2.6, "peak_rss")])
    assert "-8.9%" in text
    assert "-12% to -5.1%" in text
    assert "3.2x more" in text
    assert "2.9x to 3.6x more" in text


def test_compare_shows_a_200x_speed_up_as_a_ratio(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = tmp_path / "base.csv"
    cand = tmp_path / "cand.csv"
    base.write_text("\n".join(str(1.0 + 0.01 * i) for i in range(8)) + "\n")
    cand.write_text("\n".join(str(0.005 + 0.00005 * i) for i in range(8)) + "\n")
    code, out, err = run_main(["compare", str(base), str(cand), "--metric", "time"], capsys)
    assert code == 0, err
    assert "faster than the baseline" in out
    assert "x faster" in out
    assert "-100%" not in out
    code, out, err = run_main(
        ["compare", str(base), str(cand), "--metric", "time", "--json"], capsys
    )
    effect = json.loads(out)["effect"]
    assert 1 / effect["ratio"] == pytest.approx(201, rel=0.05)
    assert effect["ratio_low"] <= effect["ratio"] <= effect["ratio_high"]


def test_at_80_columns_no_point_effect_or_interval_is_split() -> None:
    # the user's table cut "n=100000" to "n=10000" / "0" when 80 columns were tight
    rows = [_row(-0.99503, -0.99556, -0.99444), _row(-0.089, -0.12, -0.051)]
    rows = [
        dataclasses.replace(
            r, candidate="argpartition-long", params=(("n", 100000), ("dtype", "f32"))
        )
        for r in rows
    ]
    console = Console(file=io.StringIO(), width=80, color_system=None)
    console.print(comparisons_table([row.to_dict() for row in rows]))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    words = text.replace("│", " ").split()
    for atom in ("n=100000,", "dtype=f32", "201x", "faster", "180x", "225x", "-8.9%", "-12%"):
        assert atom in words, f"{atom!r} split or missing in:\n{text}"
    assert max(len(line) for line in text.splitlines()) <= 80, text
