"""compare_suites: one verdict per benchmark, the same numbers as compare and SciPy,
and Holm's adjustment across the suite."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from assay.errors import InputError
from assay.stats import compare
from assay.stats.suite_compare import (
    MIN_GROUPS,
    analysis_units,
    claim_pvalues,
    compare_suites,
)
from assay.stats.verdict import Verdict


@dataclass(frozen=True)
class Bench:
    name: str
    unit: str
    groups: tuple[tuple[float, ...], ...]


def _bench(
    name: str,
    rng: np.random.Generator,
    *,
    scale: float = 1e-3,
    reps: int = 5,
    per: int = 3,
    unit: str = "second",
) -> Bench:
    values = scale * np.exp(rng.normal(0.0, 0.03, size=(reps, per)))
    return Bench(name, unit, tuple(tuple(float(v) for v in row) for row in values))


def _holm(p: list[float]) -> list[float]:
    """Holm by hand: step down from the smallest, running maximum, capped at 1."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    out, running = [0.0] * m, 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


def test_each_benchmark_gets_the_numbers_of_compare_and_scipy() -> None:
    rng = np.random.default_rng(1)
    base = [_bench(f"b{i}", rng) for i in range(6)]
    head = [_bench(f"b{i}", rng, scale=1e-3 * (1.1 if i == 0 else 1.0)) for i in range(6)]
    result = compare_suites(base, head)
    for row, b, h in zip(result.benchmarks, base, head, strict=True):
        mb, mh, units = analysis_units(b.groups, h.groups)
        assert units == "repetitions" and row.n_base == 5  # group means, not 15 values
        alone = compare(mb, mh)
        assert row.effect == pytest.approx(alone.effect, rel=1e-12)
        assert row.ci == pytest.approx(alone.ci, rel=1e-12)
        scipy = sps.ttest_ind(np.log(mh), np.log(mb), equal_var=False)
        assert row.p_value == pytest.approx(scipy.pvalue, rel=1e-9)
        low, high = scipy.confidence_interval(0.95)
        assert row.ci == pytest.approx((np.expm1(low), np.expm1(high)), rel=1e-9)
        assert row.verdict_alone is alone.verdict
    assert [r.p_adjusted for r in result.benchmarks] == pytest.approx(
        _holm([r.p_value for r in result.benchmarks if r.p_value is not None]), rel=1e-12
    )
    assert result.benchmarks[0].verdict is Verdict.WORSE  # 10% slower, clear
    assert result.count(Verdict.WORSE) == 1


def test_bh_matches_scipy_false_discovery_control() -> None:
    rng = np.random.default_rng(2)
    base = [_bench(f"b{i}", rng) for i in range(12)]
    head = [_bench(f"b{i}", rng, scale=1e-3 * (1 + 0.01 * i)) for i in range(12)]
    result = compare_suites(base, head, adjustment="bh")
    raw = [r.p_value for r in result.benchmarks]
    assert [r.p_adjusted for r in result.benchmarks] == pytest.approx(
        list(sps.false_discovery_control(raw)), rel=1e-12
    )


def test_a_claim_that_passes_alone_but_not_after_holm_is_inconclusive() -> None:
    rng = np.random.default_rng(3)
    base = [_bench(f"b{i}", rng) for i in range(20)]
    head = [_bench(f"b{i}", rng) for i in range(20)]
    # b0: a modest slow-down, significant on its own, not across twenty benchmarks
    shifted = 1.035
    while True:
        head[0] = _bench("b0", rng, scale=1e-3 * shifted)
        result = compare_suites(base, head)
        row = result.benchmarks[0]
        if row.p_value is not None and 0.005 < row.p_value < 0.04:
            break
    assert row.verdict_alone is Verdict.WORSE
    assert row.verdict is Verdict.INCONCLUSIVE
    assert row.p_adjusted is not None and row.p_adjusted > 0.05
    assert "WORSE on its own" in row.notes[0] and "Holm" in row.notes[0]


def test_claims_match_compare_with_a_margin() -> None:
    rng = np.random.default_rng(4)
    for trial in range(200):
        factor = float(rng.choice([0.9, 0.97, 1.0, 1.03, 1.1]))
        b = np.exp(rng.normal(0, 0.03, size=int(rng.integers(3, 12))))
        h = factor * np.exp(rng.normal(0, 0.03, size=int(rng.integers(3, 12))))
        expected = compare(b, h, margin=0.05)
        p = claim_pvalues(b, h, "log", 0.05)
        claim = min(p, key=lambda k: p[k])
        got = claim if p[claim] <= 0.05 else Verdict.INCONCLUSIVE
        assert got is expected.verdict, (trial, p, expected.ci)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    factor=st.floats(0.8, 1.25),
    shift=st.floats(1e-6, 1e3),
)
def test_swapping_sides_flips_the_verdict_and_scaling_changes_nothing(
    seed: int, factor: float, shift: float
) -> None:
    rng = np.random.default_rng(seed)
    base = [_bench(f"b{i}", rng) for i in range(4)]
    head = [_bench(f"b{i}", rng, scale=1e-3 * factor) for i in range(4)]
    forward = compare_suites(base, head)  # a margin is relative to BASE: not symmetric
    backward = compare_suites(head, base)
    flip = {Verdict.BETTER: Verdict.WORSE, Verdict.WORSE: Verdict.BETTER}
    for f, b in zip(forward.benchmarks, backward.benchmarks, strict=True):
        assert b.verdict is flip.get(f.verdict, f.verdict)
        assert b.p_value == pytest.approx(f.p_value, rel=1e-9, abs=1e-300)
    scaled = [
        [Bench(x.name, x.unit, tuple(tuple(v * shift for v in g) for g in x.groups)) for x in s]
        for s in (base, head)
    ]
    with_margin = compare_suites(base, head, margin=0.02)
    again = compare_suites(*scaled, margin=0.02)
    for f, s in zip(with_margin.benchmarks, again.benchmarks, strict=True):
        assert s.verdict is f.verdict
        assert s.effect == pytest.approx(f.effect, rel=1e-6, abs=1e-12)


def test_higher_is_better_turns_the_verdict_around() -> None:
    rng = np.random.default_rng(5)
    base = [_bench("ops", rng, unit="op/s")]
    head = [_bench("ops", rng, scale=2e-3, unit="op/s")]
    assert compare_suites(base, head).benchmarks[0].verdict is Verdict.WORSE
    assert compare_suites(base, head, lower_is_better=False).benchmarks[0].verdict is (
        Verdict.BETTER
    )


def test_equivalent_within_the_margin() -> None:
    rng = np.random.default_rng(6)
    base = [_bench("b", rng, reps=20)]
    head = [Bench("b", "second", base[0].groups[::-1])]  # the same repetitions: no change
    row = compare_suites(base, head, margin=0.05).benchmarks[0]
    assert row.verdict is Verdict.EQUIVALENT
    assert compare_suites(base, head).benchmarks[0].verdict is Verdict.INCONCLUSIVE


def test_few_repetitions_use_the_values_and_say_so() -> None:
    rng = np.random.default_rng(7)
    base = [_bench("b", rng, reps=1, per=30)]
    head = [_bench("b", rng, reps=MIN_GROUPS, per=30)]
    row = compare_suites(base, head).benchmarks[0]
    assert row.units == "values"
    assert (row.n_base, row.n_head) == (30, 90)
    assert any("BASE holds 1 repetition of 30 values" in w for w in row.notes)
    # one value per repetition (Google Benchmark repetitions, hyperfine runs): trials
    single = [Bench("b", "second", tuple((1.0 + 0.01 * i,) for i in range(2)))]
    row = compare_suites(single, single).benchmarks[0]
    assert row.units == "repetitions"
    assert not row.notes


def test_names_on_one_side_are_listed_and_a_benchmark_too_small_is_not_compared() -> None:
    rng = np.random.default_rng(8)
    base = [_bench("a", rng), _bench("b", rng), _bench("tiny", rng)]
    head = [_bench("b", rng), _bench("c", rng), Bench("tiny", "second", ((1.0,),))]
    result = compare_suites(base, head)
    assert result.only_base == ("a",)
    assert result.only_head == ("c",)
    tiny = result.benchmarks[1]
    assert tiny.name == "tiny" and tiny.p_value is None and tiny.verdict is Verdict.INCONCLUSIVE
    assert "HEAD holds 1 value" in tiny.reason
    assert result.family == 1
    data = result.to_dict()
    assert data["counts"]["inconclusive"] == 2
    assert data["benchmarks"][1]["reason"] == tiny.reason


@pytest.mark.parametrize(
    ("head", "message"),
    [
        ([Bench("other", "second", ((1.0,), (2.0,)))], "no benchmark in common"),
        ([Bench("a", "byte", ((1.0,), (2.0,)))], "'second' in BASE but 'byte' in HEAD"),
        ([Bench("a", "second", ((1.0,), (2.0,)))] * 2, "HEAD holds benchmark 'a' twice"),
    ],
)
def test_bad_suites_are_one_input_error(head: list[Bench], message: str) -> None:
    base = [Bench("a", "second", ((1.0,), (2.0,)))]
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        compare_suites(base, head)


@pytest.mark.parametrize(
    ("option", "value"), [("margin", 2.0), ("confidence", 95), ("adjustment", "fdr")]
)
def test_bad_options_are_input_errors(option: str, value: object) -> None:
    suite = [Bench("a", "second", ((1.0,), (2.0,)))]
    with pytest.raises(InputError):
        compare_suites(suite, suite, **{option: value})  # type: ignore[arg-type]
