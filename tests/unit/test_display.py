"""assay.display: short reprs, HTML tables and DataFrames for the results users hold."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assay.bench import BenchOptions, Runner
from assay.bench.executor import InProcessExecutor
from assay.bench.result import BenchmarkResult
from assay.bench.spec import load_benchmark
from assay.display import REPR_LIMIT, Displayable, cell_value, flatten, table
from assay.errors import MissingDependencyError
from assay.measure.timer import TimerSettings
from assay.pipeline.predictions import Forecast, Outcome, Prediction, score, score_by_person
from assay.pipeline.radar import RingMove, Technique
from assay.stats import compare
from assay.store.predictions import ScoreReport
from assay.types import Ring

SWEEP = """
import random
import assay.bench as assay
from assay.measure.clock import FakeClock

CLOCK = FakeClock()

@assay.workload(params={"n": [100, 400]})
def data(seed, n):
    return n, random.Random(seed).uniform(0.9, 1.1)

@assay.baseline
def base(data):
    n, drift = data
    CLOCK.advance(int(n * n * drift))

@assay.candidate
def fast(data):
    n, drift = data
    CLOCK.advance(int(30 * n**1.5 * drift))

@assay.candidate
def flaky(data):
    n, drift = data
    if int(drift * 1000) % 3 == 0:
        raise RuntimeError("flaky fails on some seeds")
    CLOCK.advance(int(n * n * drift))
"""

HOSTILE = "<script>alert('x')</script>"
UTC = dt.UTC


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> BenchmarkResult:
    path = tmp_path_factory.mktemp("display") / "sweep_bench.py"
    path.write_text(SWEEP)
    spec = load_benchmark(path)
    module = sys.modules[spec.baseline.target.__module__]  # type: ignore[union-attr]
    timer = TimerSettings(warmup_time=0.0, sample_time=0.0, trial_time=0.0, min_samples=3)
    options = BenchOptions(plan_seed=5, timer=timer, isolation="in-process", trials=4)  # type: ignore[arg-type]
    executor = InProcessExecutor(spec, clock=module.CLOCK)
    return Runner(spec, options, None, executor=executor, environment={}).run()


def technique(name: str = "Heap sort", ring: Ring = Ring.ASSESS) -> Technique:
    move = RingMove(None, ring, dt.datetime(2026, 11, 1, tzinfo=UTC), "priya", "first look")
    return Technique(name, "algorithms", ring, "priya", "sort with a heap", "bench it",
                     dt.date(2027, 1, 15), (move,))  # fmt: skip


def prediction(question: str, p: float, outcome: Outcome | None = None) -> Prediction:
    at = dt.datetime(2026, 1, 1, tzinfo=UTC)
    made = Prediction(question, dt.date(2026, 6, 1), (Forecast(p, "ann", at),), at, tags=("perf",))
    return (
        made
        if outcome is None
        else made.resolve(outcome, "bob", dt.datetime(2026, 6, 2, tzinfo=UTC))
    )


# -- BenchmarkResult ----------------------------------------------------------------------


def test_a_result_repr_names_the_benchmark_the_trials_and_each_verdict(
    result: BenchmarkResult,
) -> None:
    text = repr(result)
    first, *rows = text.splitlines()
    assert first.startswith("BenchmarkResult(benchmark='sweep_bench.py'")
    planned, completed, failed = result.planned, result.completed, result.failed
    assert f"trials=(planned={planned}, completed={completed}, failed={failed})" in first
    assert f"{len(result.comparisons)} comparisons" in first
    assert len(rows) == len(result.comparisons)  # few enough to show every one
    for line, row in zip(rows, result.comparisons, strict=True):
        data = row.to_dict()
        assert line.split()[:4] == [
            row.candidate,
            f"n={data['params']['n']}",
            row.metric,
            data["verdict"],
        ]


def test_a_ten_thousand_trial_result_has_a_short_repr(result: BenchmarkResult) -> None:
    trials = [dataclasses.replace(t, block=i) for i, t in enumerate(result.trials * 500)][:10_000]
    big = dataclasses.replace(result, trials=trials, comparisons=result.comparisons * 200)
    assert big.completed == 10_000
    text = repr(big)
    assert len(text) <= REPR_LIMIT
    assert "completed=10000" in text
    assert f"… and {len(big.comparisons) - (len(text.splitlines()) - 2)} more comparisons" in text
    # what the dataclass repr was: every trial spelled out, 100 of them alone over 50 KB
    assert len(repr(big.trials[:100])) > 50_000


def test_the_html_table_has_one_row_per_comparison_and_escapes_names(
    result: BenchmarkResult,
) -> None:
    html = result._repr_html_()
    assert html.count("<table>") == 1
    assert html.count("<tr>") == len(result.comparisons) + 1  # and the header
    assert "<th>verdict</th>" in html and "<th>params</th>" in html
    header = dataclasses.replace(result.header, spec={**result.header.spec, "name": HOSTILE})
    hostile = dataclasses.replace(result, header=header)
    assert "<script>" not in hostile._repr_html_()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in hostile._repr_html_()


def test_to_pandas_gives_one_row_per_comparison_with_every_field(
    result: BenchmarkResult,
) -> None:
    frame = result.to_pandas()
    assert len(frame) == len(result.comparisons)
    assert list(frame.columns[:4]) == ["candidate", "params.n", "metric", "verdict"]
    assert {"p_value", "effect.ci", "warnings", "paired"} <= set(frame.columns)
    assert sorted(set(frame["params.n"])) == [100, 400]
    first = result.comparisons[0].to_dict()
    assert frame.loc[0, "verdict"] == first["verdict"]


def test_a_comparison_row_is_one_line(result: BenchmarkResult) -> None:
    row = result.comparisons[0]
    text = repr(row)
    assert "\n" not in text and text.startswith("ComparisonRow(candidate=")
    assert f"metric='{row.metric}'" in text
    assert len(row.to_pandas()) == 1


# -- statistics, radar, predictions -------------------------------------------------------


def test_a_statistics_comparison_keeps_its_verdict_card_and_adds_a_table() -> None:
    rng = np.random.default_rng(6)
    result = compare(rng.lognormal(0, 0.1, 8), rng.lognormal(0.02, 0.1, 8), margin=0.01)
    text = repr(result)
    assert text.startswith(f"Comparison(verdict='{result.verdict.value}'") and "\n" not in text
    html = result._repr_html_()
    assert result.verdict.name in html and "<table>" in html
    frame = result.to_pandas()
    assert frame.loc[0, "test.name"] == result.test and len(frame) == 1


def test_a_technique_and_the_radar_as_a_table() -> None:
    one = technique()
    assert repr(one).startswith("Technique(name='Heap sort', ring='ASSESS', area='algorithms'")
    radar = table([one, technique("FlashAttention", Ring.TRIAL), technique(HOSTILE, Ring.HOLD)])
    assert len(radar) == 3 and radar[0] is one and list(radar)[1].ring is Ring.TRIAL
    text = repr(radar)
    assert text.splitlines()[0] == "Technique table(3 rows)"
    assert "FlashAttention  TRIAL  algorithms" in text
    html = radar._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<th>name</th><th>ring</th>" in html
    frame = radar.to_pandas()
    assert list(frame["ring"]) == ["ASSESS", "TRIAL", "HOLD"]
    assert list(frame["due"]) == ["2027-01-15"] * 3


def test_predictions_and_scores() -> None:
    made = [prediction("Heap sort wins", 0.8, Outcome.NO), prediction("Ships in Q2", 0.6)]
    assert repr(made[0]).startswith("Prediction(question='Heap sort wins', resolve_by='2026-06-01'")
    listed = table(made).to_pandas()
    assert list(listed["question"]) == ["Heap sort wins", "Ships in Q2"]
    as_of = dt.date(2026, 7, 1)
    overall = score(made, as_of)
    report = ScoreReport(as_of, overall, score_by_person(made, as_of), {}, ())
    text = repr(report)
    assert text.splitlines()[0] == "ScoreReport(as_of='2026-07-01', 2 rows)"
    frame = report.to_pandas()
    assert list(frame["person"].isna()) == [True, False] and frame.loc[1, "person"] == "ann"
    assert frame.loc[0, "brier"] == pytest.approx(0.64)
    assert len(overall.to_pandas()) == 10  # one row per calibration bucket


# -- the machinery ------------------------------------------------------------------------


def test_control_characters_are_shown_not_obeyed() -> None:
    text = repr(technique("red\x1b[31m\nname"))
    assert "\x1b" not in text and "\n" not in text
    assert "red\\x1b[31m\\nname" in text


def test_flatten_and_cell_value() -> None:
    row = flatten({"a": 1, "effect": {"relative": 0.5, "ci": [0, 1]}, "params": {}, "b": None})
    assert row == {"a": 1, "effect.relative": 0.5, "effect.ci": [0, 1], "params": {}, "b": None}
    assert cell_value(row, "effect") == {"relative": 0.5, "ci": [0, 1]}
    assert cell_value(row, "missing") is None


def test_an_empty_table_and_a_list_of_plain_records() -> None:
    assert repr(table([])) == "Table(0 rows)"
    assert "<tbody></tbody>" in table([])._repr_html_()
    plain = table([{"x": 1.23456789, "y": {"z": None}}, 7], name="mixed")
    assert repr(plain).splitlines() == ["mixed(2 rows)", "  x=1.235", "  value=7"]


class Custom(Displayable):
    _display_facts = ("name",)
    _display_rows = "items"

    def __init__(self, items: list[Any]) -> None:
        self.items = items

    def to_dict(self) -> dict[str, Any]:
        return {"name": "custom", "items": self.items}


def test_a_repr_stays_short_whatever_the_rows_hold() -> None:
    wide = Custom([{"text": "w" * 10_000, "n": i} for i in range(1000)])
    text = repr(wide)
    assert len(text) <= REPR_LIMIT
    assert all(len(line) <= 160 for line in text.splitlines())
    html = wide._repr_html_()
    assert html.count("<tr>") == 201 and "… and 800 more items" in html


def test_without_pandas_to_pandas_names_the_extra(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import sys
        sys.modules["pandas"] = None  # as if pandas were not installed
        from assay.display import table
        from assay.errors import MissingDependencyError
        try:
            table([{"a": 1}]).to_pandas()
        except MissingDependencyError as error:
            print(error)
        else:
            raise SystemExit("to_pandas() worked without pandas")
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'assay[pandas]'" in done.stdout
    assert issubclass(MissingDependencyError, ImportError)


class Broken(Displayable):
    def to_dict(self) -> dict[str, Any]:
        raise RuntimeError("half-built")


def test_a_repr_never_raises() -> None:
    assert repr(Broken()) == "<Broken (no summary: RuntimeError: half-built)>"
    with pytest.raises(RuntimeError, match="half-built"):
        Broken().to_pandas()
