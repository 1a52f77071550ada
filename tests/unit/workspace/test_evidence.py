"""Evidence for the criteria from benchmark results: metric names, which trials,
the estimates and their intervals, and which run answers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from scipy import stats as sps

from assay.bench import analyse
from assay.bench.plan import TrialKey
from assay.bench.result import BenchmarkResult
from assay.bench.sink import RunHeader
from assay.bench.trial import TrialResult, TrialStatus
from assay.criteria import Outcome, parse
from assay.errors import InputError
from assay.workspace.evidence import (
    RunEvidence,
    RunSlice,
    largest_scale,
    parse_point,
    resolve_metric,
)

SHAPE = np.array([0.9, 1.0, 1.0, 1.1, 1.5])


def result(
    base: Sequence[float],
    cand: Sequence[float],
    *,
    points: Sequence[int] = (64,),
    candidates: Sequence[str] = ("cand",),
    accuracy: dict[str, Sequence[float]] | None = None,
    crashed: int = 0,
) -> BenchmarkResult:
    """A result whose trials have the given per-trial times (times SHAPE per call)."""
    header = RunHeader(
        spec={
            "name": "b",
            "baseline": "base",
            "candidates": list(candidates),
            "metrics": [
                {"name": "accuracy", "higher_is_better": True, "margin": None, "primary": False}
            ],
        },
        options={"confidence": 0.95},
        environment={},
    )
    trials = []
    for n in points:
        for method, times in (("base", base), *((c, cand) for c in candidates)):
            for seed, t in enumerate(times):
                values: dict[str, float] = {"time": t * n / points[0]}
                if accuracy is not None:
                    values["accuracy"] = accuracy[method if method == "base" else "cand"][seed]
                trials.append(
                    TrialResult(
                        TrialKey(method, (("n", n),), seed),
                        TrialStatus.OK,
                        seed,
                        0,
                        values=values,
                        samples={"time": values["time"] * SHAPE},
                    )
                )
        for extra in range(crashed):
            key = TrialKey(candidates[0], (("n", n),), 50 + extra)
            trials.append(TrialResult(key, TrialStatus.CRASH, 50 + extra, 0, reason="segfault"))
    return analyse(header, trials)


def evidence_of(*results: BenchmarkResult, point: dict[str, Any] | None = None) -> RunEvidence:
    slices = [RunSlice.of(f"run{i}", r, candidate=None, point=point) for i, r in enumerate(results)]
    return RunEvidence(slices)


@pytest.mark.parametrize(
    ("metric", "kind", "name", "q", "stat", "unit"),
    [
        ("latency", "value", "time", None, "mean", "s"),
        ("latency.p50", "value", "time", None, "mean", "s"),
        ("time", "value", "time", None, "mean", "s"),
        ("latency.p99", "quantile", "time", 0.99, "mean", "s"),
        ("latency.p99.9", "quantile", "time", 0.999, "mean", "s"),
        ("latency.mean", "sample_mean", "time", None, "mean", "s"),
        ("memory", "value", "peak_rss", None, "mean", "B"),
        ("memory.peak_heap", "value", "peak_heap", None, "mean", "B"),
        ("gpu_memory", "value", "peak_cuda", None, "mean", "B"),
        ("peak_rss", "value", "peak_rss", None, "mean", "B"),
        ("throughput", "value", "throughput", None, "mean", None),
        ("cost", "value", "cost", None, "mean", "usd"),
        ("failure_rate", "failure_rate", "", None, "mean", None),
        ("accuracy", "value", "accuracy", None, "mean", None),
        ("accuracy.median", "value", "accuracy", None, "median", None),
    ],
)
def test_metric_names_resolve(
    metric: str, kind: str, name: str, q: float | None, stat: str, unit: str | None
) -> None:
    source = resolve_metric(metric)
    assert (source.kind, source.name, source.q, source.stat, source.unit) == (
        kind,
        name,
        q,
        stat,
        unit,
    )


def test_sweep_points_parse() -> None:
    assert parse_point("n=4096") == {"n": 4096}
    assert parse_point("n=4096, dtype=bf16, scale=0.5") == {
        "n": 4096,
        "dtype": "bf16",
        "scale": 0.5,
    }
    for bad in ("n", "=3", "n=", "n=1,,m=2"):
        with pytest.raises(InputError, match="PARAM=VALUE"):
            parse_point(bad)


def test_a_slice_picks_the_candidate_and_the_largest_point() -> None:
    r = result([0.1] * 3, [0.07] * 3, points=(64, 1024, 256))
    piece = RunSlice.of("r", r, candidate=None, point=None)
    assert piece.candidate == "cand" and piece.params == (("n", 1024),)
    assert RunSlice.of("r", r, candidate="cand", point={"n": 64}).params == (("n", 64),)
    with pytest.raises(InputError, match="has no sweep point n=5"):
        RunSlice.of("r", r, candidate=None, point={"n": 5})
    two = result([0.1] * 3, [0.07] * 3, candidates=("a", "b"))
    with pytest.raises(InputError, match="say which one"):
        RunSlice.of("r", two, candidate=None, point=None)
    with pytest.raises(InputError, match="no candidate 'c'"):
        RunSlice.of("r", two, candidate="c", point=None)
    assert largest_scale([piece], "n") == 1024.0


def test_arm_statistics_are_over_trials_with_t_intervals() -> None:
    times = [0.070, 0.072, 0.069, 0.075, 0.071]
    evidence = evidence_of(result([0.1] * 5, times))
    p99 = evidence.statistic("candidate", "latency.p99")
    assert p99 is not None and p99.unit == "s" and p99.n == 5
    per_trial = np.array(times) * np.quantile(SHAPE, 0.99)
    low, high = sps.t.interval(0.95, 4, loc=per_trial.mean(), scale=sps.sem(per_trial))
    assert p99.value == pytest.approx(per_trial.mean())
    assert (p99.low, p99.high) == (pytest.approx(low), pytest.approx(high))
    mean = evidence.statistic("candidate", "latency.mean")
    assert mean is not None and mean.value == pytest.approx(np.mean(np.array(times)) * SHAPE.mean())
    assert evidence.statistic("candidate", "nothing") is None


def test_failure_rate_has_a_wilson_interval() -> None:
    from statsmodels.stats.proportion import proportion_confint

    evidence = evidence_of(result([0.1] * 8, [0.07] * 8, crashed=2))
    rate = evidence.statistic("candidate", "failure_rate")
    assert rate is not None and rate.n == 10 and rate.value == pytest.approx(0.2)
    low, high = proportion_confint(2, 10, alpha=0.05, method="wilson")
    assert (rate.low, rate.high) == (pytest.approx(low), pytest.approx(high))
    base = evidence.statistic("baseline", "failure_rate")
    assert base is not None and base.value == 0.0 and base.low == 0.0


def test_effects_of_compared_metrics_are_the_benchmark_rows() -> None:
    r = result([0.1, 0.11, 0.1, 0.12, 0.1], [0.07, 0.08, 0.07, 0.09, 0.07])
    evidence = evidence_of(r)
    effect = evidence.effect("latency")
    row = r.comparison("cand", "time", (("n", 64),))
    assert effect is not None and effect.relative.value == row.effect
    assert (effect.relative.low, effect.relative.high) == row.ci
    assert effect.lower_is_better and effect.relative.n == 5
    assert effect.difference is not None and effect.difference.unit == "s"
    assert effect.difference.value == pytest.approx(-0.03)
    verdict = evidence.verdict("latency")
    assert verdict is not None and verdict.verdict == row.verdict
    assert evidence.sources["effect latency"] == "run run0: cand against base at n=64"


def test_percentile_effects_go_through_compare() -> None:
    evidence = evidence_of(result([0.1, 0.11, 0.1, 0.12, 0.1], [0.07, 0.08, 0.07, 0.09, 0.07]))
    effect = evidence.effect("latency.p99")
    assert effect is not None
    # Every trial's P99 is its median times the same factor, so the ratio is the same.
    same = evidence.effect("latency")
    assert same is not None and effect.relative.value == pytest.approx(same.relative.value)
    assert evidence.verdict("latency.p99") is not None


def test_identical_quality_is_an_exact_zero_change() -> None:
    accuracy = {"base": [0.8, 0.9, 0.85], "cand": [0.8, 0.9, 0.85]}
    evidence = evidence_of(result([0.1] * 3, [0.07] * 3, accuracy=accuracy))
    criterion = parse("not_worse(accuracy, margin=1pt) and verdict(accuracy) == equivalent")
    assert criterion.evaluate(evidence).outcome is Outcome.PASS


def test_the_newest_run_that_measured_a_metric_answers() -> None:
    newest = result([0.1] * 3, [0.1] * 3)
    older = result([0.1] * 3, [0.05] * 3, accuracy={"base": [0.8] * 3, "cand": [0.7] * 3})
    evidence = evidence_of(newest, older)
    latency = evidence.effect("latency")
    assert latency is not None and latency.relative.value == pytest.approx(0.0)
    accuracy = evidence.effect("accuracy")
    assert accuracy is not None and accuracy.relative.value == pytest.approx(-0.125)
    assert evidence.sources["effect latency"].startswith("run run0")
    assert evidence.sources["effect accuracy"].startswith("run run1")
    snapshot = evidence.snapshot().to_dict()
    assert set(snapshot["effects"]) == {"latency", "accuracy"}


def test_one_trial_gives_an_unbounded_interval_and_too_few_give_no_effect() -> None:
    evidence = evidence_of(result([0.1], [0.07]))
    one = evidence.statistic("candidate", "latency")
    assert one is not None and math.isinf(one.low) and math.isinf(one.high)
    assert evidence.effect("latency") is None
    assert parse("effect(latency) <= -20%").evaluate(evidence).outcome is Outcome.UNDETERMINED


def test_stored_evidence_answers_what_the_runs_answered_and_reads_back_from_json() -> None:
    import json

    from assay.criteria import InMemoryEvidence
    from assay.workspace.evidence import StoredEvidence

    accuracy = {"base": [0.9, 0.91, 0.9, 0.92, 0.9], "cand": [0.9, 0.9, 0.91, 0.9, 0.9]}
    slow = result(
        [0.1, 0.11, 0.1, 0.12, 0.1], [0.07, 0.08, 0.07, 0.07, 0.09], accuracy=accuracy, crashed=1
    )
    runs = evidence_of(slow)
    criteria = [
        "effect(latency) <= -20%",
        "candidate.latency.p99 < 1s",
        "not_worse(accuracy, margin=1pt)",
    ]
    criteria += ["candidate.failure_rate <= 5%", "verdict(time) == better"]
    outcomes = [parse(text).evaluate(runs) for text in criteria]
    document = json.loads(json.dumps(runs.snapshot().to_dict()))
    stored = StoredEvidence(InMemoryEvidence.from_dict(document), runs.sources)
    assert [parse(text).evaluate(stored) for text in criteria] == outcomes
    assert stored.sources == runs.sources and stored.snapshot() == runs.snapshot()
    assert stored.effect("memory.peak_heap") is None  # never asked, never stored
