"""Every stored run is evidence for the gate, sequential ones too (issue 10).

``gate review`` said "no evidence for effect(time)" about an ``--until-decided`` run with
68 trials per arm: the run stopped on its budget between two planned analyses, so its
primary row carried the sequential verdict (INCONCLUSIVE) but no interval, and the
criteria evidence skipped a row without an interval. Runs analysed today end every
design with a final analysis; a run stored before that is replayed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pytest

from assay.bench import analyse
from assay.bench.plan import TrialKey
from assay.bench.result import BenchmarkResult
from assay.bench.sink import RunHeader
from assay.bench.trial import TrialResult, TrialStatus
from assay.criteria import Outcome, parse
from assay.stats.verdict import Verdict
from assay.workspace.evidence import RunEvidence, RunSlice

POINT = (("n", 100_000),)


def until_decided(pairs: int, ratio: float, *, budget: float | None = None) -> BenchmarkResult:
    """An until-decided run of ``pairs`` rounds: baseline about 200 ms, candidate
    ``ratio`` times it, 10% trial-to-trial spread, one block per round."""
    header = RunHeader(
        spec={"name": "topk", "baseline": "sorted", "candidates": ["argpartition"], "metrics": []},
        options={"confidence": 0.95, "until_decided": True, "trials": 10, "budget": budget},
        environment={},
    )
    rng = np.random.default_rng(68)
    trials = []
    for seed in range(pairs):
        for position, (method, scale) in enumerate(
            (("sorted", 0.2), ("argpartition", 0.2 * ratio))
        ):
            t = float(scale * rng.lognormal(0.0, 0.1))
            trials.append(
                TrialResult(
                    TrialKey(method, POINT, seed),
                    TrialStatus.OK,
                    seed,
                    position,
                    values={"time": t},
                    samples={"time": t * np.array([0.95, 1.0, 1.05])},
                    wall_time=1.0,
                )
            )
    return analyse(header, trials)


def stored_before_the_fix(result: BenchmarkResult) -> BenchmarkResult:
    """The result as analyses stored it before issue 10: the sequential row's interval
    lost because the run stopped between analyses."""
    rows = [
        dataclasses.replace(r, ci=None, verdict=Verdict.INCONCLUSIVE) if r.metric == "time" else r
        for r in result.comparisons
    ]
    return dataclasses.replace(result, comparisons=rows)


def evidence(*results: BenchmarkResult) -> RunEvidence:
    pieces: Sequence[RunSlice] = [
        RunSlice.of(f"run{i}", r, candidate="argpartition", point={"n": 100_000})
        for i, r in enumerate(results)
    ]
    return RunEvidence(pieces)


def test_a_run_that_stopped_undecided_ends_with_a_final_analysis_and_its_interval() -> None:
    result = until_decided(30, 1.01)  # 1% slower: 30 pairs cannot decide it
    row = result.comparison("argpartition", "time", POINT)
    assert row.verdict is Verdict.INCONCLUSIVE
    assert row.ci is not None
    assert row.ci[0] < 0.01 < row.ci[1]
    assert any("the run stopped; the final analysis" in w for w in row.warnings), row.warnings


def test_a_stored_sequential_row_without_an_interval_is_still_evidence() -> None:
    old = stored_before_the_fix(until_decided(68, 1 / 200))
    assert old.comparison("argpartition", "time", POINT).ci is None
    found = evidence(old)
    effect = found.effect("time")
    assert effect is not None
    assert effect.relative.high < -0.99
    assert found.sources["effect time"] == "run run0: argpartition against sorted at n=100000"
    criterion = parse("effect(time) <= -50%").evaluate(found)
    assert criterion.outcome is Outcome.PASS, criterion.reason
    verdict = found.verdict("time")
    assert verdict is not None and verdict.verdict is Verdict.BETTER


@pytest.mark.parametrize("ratio", [1 / 200, 1 / 20, 1 / 2])
def test_large_effects_decide_at_the_first_look_after_the_pilot(ratio: float) -> None:
    result = until_decided(40, ratio)
    row = result.comparison("argpartition", "time", POINT)
    assert row.verdict is Verdict.BETTER
    assert any("at analysis 1 (10 trials per arm)" in w for w in row.warnings), row.warnings
