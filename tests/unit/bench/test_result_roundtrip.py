"""A stored analysis reads back whole: ``BenchmarkResult.from_dict(r.to_dict(), r.trials)``."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest

from assay.bench import BenchOptions, Runner
from assay.bench.executor import InProcessExecutor
from assay.bench.result import FORMAT_VERSION, BenchmarkResult, ComparisonRow, ScalingFit
from assay.bench.sink import RunHeader
from assay.bench.spec import BenchmarkSpec
from assay.errors import InputError
from assay.measure.timer import TimerSettings
from assay.stats import Verdict

SOURCE = """
import random
import assay.bench as assay
from assay.measure.clock import FakeClock

CLOCK = FakeClock()

@assay.workload(params={"n": [100, 200, 400]})
def data(seed, n):
    rng = random.Random(seed)
    return n, rng.uniform(0.9, 1.1), rng.uniform(0.995, 1.005), seed

@assay.baseline
def base(data):
    n, drift, jitter, seed = data
    CLOCK.advance(int(n * n * drift))
    return n

@assay.candidate(components=("tiling",))
def fast(data, tiling=True):
    n, drift, jitter, seed = data
    CLOCK.advance(int(30 * n**1.5 * drift * jitter * (0.5 if tiling else 1.0)))
    return n

@assay.candidate
def flaky(data):
    n, drift, jitter, seed = data
    if seed % 3 == 0:
        raise RuntimeError("flaky fails on some seeds")
    CLOCK.advance(int(n * n * drift * jitter))
    return n

@assay.metric(higher_is_better=True, margin=0.01)
def accuracy(output):
    return 0.9
"""

SLOW = """
import random
import assay.bench as assay
from assay.measure.clock import FakeClock

CLOCK = FakeClock()

@assay.workload
def data(seed):
    rng = random.Random(seed)
    return rng.uniform(0.9, 1.1), rng.uniform(0.995, 1.005)

@assay.baseline
def base(data):
    CLOCK.advance(int(100_000 * data[0]))

@assay.candidate
def cand(data):
    CLOCK.advance(int(150_000 * data[0] * data[1]))
"""

TIMER = TimerSettings(warmup_time=0.0, sample_time=0.0, trial_time=0.0, min_samples=3)
ENV = {"cpu": {"usable": 2}, "load_average": [0.0, 0.0, 0.0]}
DATA = Path(__file__).parent / "data"


def run(spec: BenchmarkSpec, **options: object) -> BenchmarkResult:
    module = sys.modules[spec.baseline.target.__module__]  # type: ignore[union-attr]
    values: dict[str, object] = {"plan_seed": 5, "timer": TIMER, "isolation": "in-process"}
    values.update(options)
    return Runner(
        spec,
        BenchOptions(**values),  # type: ignore[arg-type]
        None,
        executor=InProcessExecutor(spec, clock=module.CLOCK),
        environment=ENV,
    ).run()


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, BenchmarkResult]:
    from assay.bench.spec import load_benchmark

    folder = tmp_path_factory.mktemp("roundtrip")
    (folder / "sweep_bench.py").write_text(SOURCE)
    (folder / "slow_bench.py").write_text(SLOW)
    sweep = load_benchmark(folder / "sweep_bench.py")
    slow = load_benchmark(folder / "slow_bench.py")
    return {
        "sweep, ablation and failures": run(sweep, trials=4),
        "fixed": run(slow, trials=4),
        "until decided": run(slow, until_decided=True, trials=3, max_trials=40),
        "precision": run(slow, precision=0.02, trials=2, max_trials=50),
    }


def through_json(data: dict[str, Any]) -> dict[str, Any]:
    """What a store or a file gives back: JSON text, read again."""
    loaded: dict[str, Any] = json.loads(json.dumps(data))
    return loaded


CASES = ["sweep, ablation and failures", "fixed", "until decided", "precision"]


@pytest.mark.parametrize("case", CASES)
def test_a_result_reads_back_as_it_was_written(
    results: dict[str, BenchmarkResult], case: str
) -> None:
    result = results[case]
    data = result.to_dict()
    back = BenchmarkResult.from_dict(through_json(data), result.trials)
    assert back.to_dict() == data
    assert back.comparisons == result.comparisons
    assert back.summaries == result.summaries
    assert back.ablation == result.ablation
    assert back.crossovers == result.crossovers
    assert back.stopped == result.stopped
    assert back.header == result.header
    assert back.trials == result.trials
    for row in back.comparisons:
        assert row.verdict is None or type(row.verdict) is Verdict


@pytest.mark.parametrize("case", CASES)
def test_without_its_trials_a_result_still_knows_counts_and_failures(
    results: dict[str, BenchmarkResult], case: str
) -> None:
    result = results[case]
    back = BenchmarkResult.from_dict(through_json(result.to_dict()))
    assert back.trials == []
    assert back.to_dict() == result.to_dict()
    assert (back.completed, back.failed, back.planned) == (
        result.completed,
        result.failed,
        result.planned,
    )
    assert back.failures() == result.failures()
    assert back.failure_rates() == result.failure_rates()


def test_the_rich_run_has_every_part(results: dict[str, BenchmarkResult]) -> None:
    """The round trip above is only worth something if the run filled every part."""
    result = results["sweep, ablation and failures"]
    data = result.to_dict()
    assert data["format_version"] == FORMAT_VERSION
    assert result.failed > 0 and result.failures()["flaky"]
    assert result.ablation and result.scaling and result.summaries and result.crossovers
    assert {r.metric for r in result.comparisons} >= {"time", "accuracy"}
    assert any(r.needed_trials is not None or r.warnings for r in result.comparisons)
    sequential = results["until decided"].comparison("cand", "time")
    assert sequential.test is not None and sequential.test.startswith("group-sequential")
    assert results["until decided"].stopped


def test_an_unbounded_interval_reads_back_unbounded() -> None:
    fit = ScalingFit("base", "time", "n", (), 2.0, (-math.inf, math.inf), 2)
    assert fit.to_dict()["ci"] == [None, None]
    assert ScalingFit.from_dict(fit.to_dict()) == fit
    row = ComparisonRow(
        "c", "time", (("n", 1),), Verdict.INCONCLUSIVE, 0.1, (-math.inf, 0.3), None, None,
        True, False, 2, 2,
    )  # fmt: skip
    assert ComparisonRow.from_dict(through_json(row.to_dict())) == row


def test_an_unknown_verdict_word_is_refused() -> None:
    row = ComparisonRow(
        "c", "time", (), None, None, None, None, None, True, False, 1, 1, warnings=("too few",)
    )
    assert row.to_dict()["verdict"] == "not compared"
    assert ComparisonRow.from_dict(row.to_dict()) == row
    with pytest.raises(InputError, match="'great' is not one of better, worse"):
        ComparisonRow.from_dict({**row.to_dict(), "verdict": "great"})


def test_a_result_of_assay_0_1_reads_back() -> None:
    """``result-format-1.json`` is what assay 0.1's ``bench run --json`` wrote."""
    old = json.loads((DATA / "result-format-1.json").read_text())
    assert "format_version" not in old
    back = BenchmarkResult.from_dict(old)
    assert back.header.spec["baseline"] == "base"
    assert back.header.spec["candidates"] == ["fast", "fast-without-tiling", "flaky"]
    assert back.header.spec["name"] == old["benchmark"]
    again = back.to_dict()
    assert again["format_version"] == FORMAT_VERSION
    for row in again["comparisons"]:  # written now beside the relative effect: its ratio
        ratio = {k: row["effect"].pop(k) for k in ("ratio", "ratio_low", "ratio_high")}
        relative = row["effect"]["relative"]
        assert ratio["ratio"] == (None if relative is None else pytest.approx(1 + relative))
    for key, value in old.items():
        assert again[key] == value, key
    header = RunHeader({"name": "x", "baseline": "b", "candidates": []}, {}, {})
    assert BenchmarkResult.from_dict(old, header=header).header is header


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"format_version": 99}, "format 99 is newer"),
        ({"comparisons": ["not a row"]}, "must be a JSON object"),
    ],
)
def test_a_result_assay_cannot_read_is_refused(data: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        BenchmarkResult.from_dict(data)
