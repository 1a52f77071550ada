"""An A/B analysis as a run result, and what the criteria read from it: the lift's
interval from its rows, the absolute difference from its A/B document, the treatment
arm standing for the prototype's candidate, INVALID giving no effect; the result
round-trips through its JSON."""

from __future__ import annotations

import numpy as np
import pytest

from assay.bench.result import BenchmarkResult
from assay.criteria import parse
from assay.stats.ab_analysis import ABTable, analyse_table
from assay.stats.ab_options import ABOptions
from assay.workspace.ab import ab_result
from assay.workspace.ab_evidence import is_ab, stored_difference
from assay.workspace.evidence import RunEvidence, RunSlice


def _result(counts: tuple[int, int] = (50_000, 50_000), **options: object) -> BenchmarkResult:
    rng = np.random.default_rng(5)
    arms = np.repeat([0, 1], counts)
    conversion = (rng.random(arms.size) < np.where(arms == 1, 0.31, 0.30)).astype(float)
    latency = rng.gamma(25, 8, arms.size)
    table = ABTable(
        "ab.csv", "0" * 64, ("arm", "conversion", "latency"), ("control", "treatment"),
        arms, {"conversion": conversion, "latency": latency},
    )  # fmt: skip
    chosen = ABOptions(arm="arm", metrics=("conversion",), guardrails={"latency": 0.05},
                       lower_is_better=frozenset({"latency"}), **options)  # type: ignore[arg-type]  # fmt: skip
    analysis = analyse_table(table, chosen)
    result = ab_result(analysis, "checkout")
    return BenchmarkResult.from_dict(result.to_dict())  # as stored and read back


def _evidence(result: BenchmarkResult) -> RunEvidence:
    # the prototype's candidate and sweep point are a benchmark's; the A/B run ignores them
    piece = RunSlice.of("r1", result, candidate="heap_sort", point={"n": 10_000})
    assert piece.candidate == "treatment" and piece.params == ()
    return RunEvidence([piece])


def test_the_rows_and_the_document_answer_the_criteria() -> None:
    result = _result()
    spec = result.header.spec
    assert is_ab(spec) and spec["baseline"] == "control"
    assert [r.metric for r in result.comparisons] == ["conversion", "latency"]
    evidence = _evidence(result)
    effect = evidence.effect("conversion")
    document = spec["ab"]["metrics"][0]["effect"]
    assert effect is not None and effect.difference is not None
    assert effect.relative.value == pytest.approx(document["relative"]["estimate"])
    assert (effect.relative.low, effect.relative.high) == pytest.approx(document["relative"]["ci"])
    assert effect.difference.value == pytest.approx(document["difference"]["estimate"])
    assert effect.difference.low == pytest.approx(document["difference"]["ci"][0])
    latency = evidence.effect("latency")
    assert latency is not None and latency.lower_is_better
    assert parse("not_worse(latency, margin=5%)").evaluate(evidence).outcome.value == "PASS"
    assert parse("not_worse(conversion, margin=0.5pt)").evaluate(evidence).outcome.value == "PASS"
    assert parse("effect(conversion) >= +10%").evaluate(evidence).outcome.value == "FAIL"
    assert evidence.verdict("conversion") is not None


def test_an_invalid_analysis_gives_no_effect() -> None:
    result = _result(counts=(49_000, 51_000))
    assert all(r.verdict is None and r.effect is None for r in result.comparisons)
    assert result.comparisons[0].warnings[0].startswith("sample-ratio mismatch")
    evidence = _evidence(result)
    assert evidence.effect("conversion") is None
    assert stored_difference(result.header.spec, "conversion") is None
    outcome = parse("effect(conversion) >= +1%").evaluate(evidence).outcome.value
    assert outcome == "UNDETERMINED"


def test_a_sequential_analysis_gives_its_always_valid_intervals() -> None:
    result = _result(sequential=True, mde=0.05)
    row = result.comparisons[0]
    look = result.header.spec["ab"]["metrics"][0]["sequential"]
    assert row.ci == pytest.approx(tuple(look["relative_ci"]))
    assert row.test is not None and row.test.startswith("mSPRT")
    difference = stored_difference(result.header.spec, "conversion")
    assert difference is not None and (difference.low, difference.high) == pytest.approx(
        tuple(look["ci"])
    )


def test_a_benchmark_run_is_not_read_as_ab() -> None:
    assert not is_ab({"kind": "suite", "candidates": ["a"]})
    assert not is_ab({"kind": "ab", "candidates": ["a", "b"]})
    assert stored_difference({"baseline": "a", "candidates": ["b"]}, "x") is None
