"""The tests agree with SciPy to 1e-9 and their intervals invert the tests."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as sps
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.weightstats import ttost_ind, ttost_paired

from assay.errors import InputError
from assay.stats import (
    mann_whitney_test,
    paired_t_test,
    permutation_test,
    tost,
    welch_test,
    wilcoxon_test,
)


def _arms(
    seed: int, n_b: int = 9, n_c: int = 7, shift: float = 0.8
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(10.0, 1.0, n_b), rng.normal(10.0 + shift, 1.5, n_c)


@pytest.mark.parametrize("seed", range(5))
def test_welch_equals_scipy(seed: int) -> None:
    base, cand = _arms(seed)
    ours = welch_test(base, cand)
    theirs = sps.ttest_ind(cand, base, equal_var=False)
    assert ours.p_value == pytest.approx(theirs.pvalue, abs=1e-9)
    assert ours.statistic == pytest.approx(theirs.statistic, abs=1e-9)
    assert ours.df == pytest.approx(theirs.df, abs=1e-9)
    low, high = theirs.confidence_interval(0.95)
    assert ours.ci == pytest.approx((low, high), abs=1e-9)


@pytest.mark.parametrize("seed", range(5))
def test_paired_t_equals_scipy(seed: int) -> None:
    base, _ = _arms(seed, 8, 8)
    cand = base + np.random.default_rng(seed + 100).normal(0.3, 0.5, 8)
    ours = paired_t_test(base, cand)
    theirs = sps.ttest_rel(cand, base)
    assert ours.p_value == pytest.approx(theirs.pvalue, abs=1e-9)
    assert ours.ci == pytest.approx(tuple(theirs.confidence_interval(0.95)), abs=1e-9)


@pytest.mark.parametrize(("n_b", "n_c", "rounding"), [(5, 5, None), (9, 7, None), (30, 25, 1)])
def test_mann_whitney_equals_scipy(n_b: int, n_c: int, rounding: int | None) -> None:
    base, cand = _arms(n_b, n_b, n_c)
    if rounding is not None:  # ties switch SciPy to the normal approximation
        base, cand = np.round(base, rounding), np.round(cand, rounding)
    ours = mann_whitney_test(base, cand)
    theirs = sps.mannwhitneyu(cand, base, alternative="two-sided")
    assert ours.p_value == pytest.approx(theirs.pvalue, abs=1e-9)
    assert ours.statistic == theirs.statistic


@pytest.mark.parametrize("zero_method", ["wilcox", "pratt", "zsplit"])
def test_wilcoxon_equals_scipy(zero_method: str) -> None:
    base = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0])
    cand = base + np.array([0.5, -0.2, 0.0, 1.1, 0.7, 0.3, -0.4, 0.9, 0.0, 1.4])
    ours = wilcoxon_test(base, cand, zero_method=zero_method)
    theirs = sps.wilcoxon(cand, base, zero_method=zero_method)
    assert ours.p_value == pytest.approx(theirs.pvalue, abs=1e-9)


@pytest.mark.parametrize(("paired", "n"), [(False, 6), (False, 12), (True, 8), (True, 16)])
def test_permutation_equals_scipy_with_same_rng(paired: bool, n: int) -> None:
    base, cand = _arms(n, n, n)
    ours = permutation_test(base, cand, paired=paired, rng=7)

    def statistic(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.mean(y, axis=axis) - np.mean(x, axis=axis)

    theirs = sps.permutation_test(
        (base, cand),
        statistic,
        vectorized=True,
        permutation_type="samples" if paired else "independent",
        rng=np.random.default_rng(7),
    )
    assert ours.p_value == pytest.approx(theirs.pvalue, abs=1e-9)


def test_tost_equals_statsmodels() -> None:
    base, cand = _arms(3, 12, 10, shift=0.2)
    ours = tost(base, cand, 1.5)
    assert ours.p_value == pytest.approx(
        ttost_ind(cand, base, -1.5, 1.5, usevar="unequal")[0], abs=1e-9
    )
    pairs = base[:10]
    ours_paired = tost(pairs, cand, 1.5, paired=True)
    assert ours_paired.p_value == pytest.approx(ttost_paired(cand, pairs, -1.5, 1.5)[0], abs=1e-9)
    assert ours.confidence == pytest.approx(0.90)


def test_tost_far_outside_margin_is_not_equivalent() -> None:
    base, cand = _arms(4, 10, 10, shift=3.0)
    assert tost(base, cand, 0.5).p_value > 0.5


def test_rank_intervals_invert_the_exact_tests() -> None:
    base, cand = _arms(11, 8, 7, shift=1.0)
    result = mann_whitney_test(base, cand)
    low, high = result.ci
    inside = [
        sps.mannwhitneyu(cand - d, base, method="exact").pvalue for d in (low + 1e-9, high - 1e-9)
    ]
    outside = [
        sps.mannwhitneyu(cand - d, base, method="exact").pvalue for d in (low - 1e-9, high + 1e-9)
    ]
    assert min(inside) > 0.05 >= max(outside)
    differences = np.random.default_rng(2).normal(0.5, 1.0, 9)
    paired = wilcoxon_test(np.zeros(9), differences)
    low, high = paired.ci
    inside = [
        sps.wilcoxon(differences - d, method="exact").pvalue for d in (low + 1e-9, high - 1e-9)
    ]
    outside = [
        sps.wilcoxon(differences - d, method="exact").pvalue for d in (low - 1e-9, high + 1e-9)
    ]
    assert min(inside) > 0.05 >= max(outside)


def test_permutation_interval_inverts_the_test() -> None:
    base, cand = _arms(5, 7, 7, shift=1.2)
    result = permutation_test(base, cand, rng=1)
    low, high = result.ci
    assert low < result.estimate < high

    def p_at(delta: float) -> float:
        return permutation_test(base, cand - delta, rng=1).p_value

    assert p_at(low + 1e-6 * abs(low)) > 0.05
    assert p_at(low - 0.05) <= 0.05
    assert p_at(high + 0.05) <= 0.05


def test_samples_without_spread_give_a_defined_answer() -> None:
    same = welch_test([1.0, 1.0, 1.0], [1.0, 1.0, 1.0])
    assert same.p_value == 1.0
    assert same.ci == (0.0, 0.0)
    apart = welch_test([1.0, 1.0, 1.0], [2.0, 2.0, 2.0])
    assert apart.p_value == 0.0
    assert math.isinf(apart.statistic)
    zero = wilcoxon_test([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert zero.p_value == 1.0


def test_small_rank_samples_have_unbounded_intervals() -> None:
    result = mann_whitney_test([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    assert result.ci == (-math.inf, math.inf)
    assert result.to_dict()["ci"] == [None, None]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: welch_test([1.0], [1.0, 2.0]), "at least 2"),
        (lambda: welch_test([1.0, float("nan")], [1.0, 2.0]), "finite"),
        (lambda: paired_t_test([1.0, 2.0], [1.0, 2.0, 3.0]), "paired"),
        (lambda: welch_test([1.0, 2.0], [1.0, 2.0], confidence=95), "0.95, not 95"),
        (lambda: tost([1.0, 2.0], [1.0, 2.0], -1.0), "margin"),
        (lambda: wilcoxon_test([1.0, 2.0], [1.0, 3.0], zero_method="x"), "zero_method"),
        (lambda: welch_test("abc", [1.0, 2.0]), "numbers"),
    ],
)
def test_bad_input_is_an_input_error(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=message):
        call()


finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
samples = st.lists(finite, min_size=3, max_size=12)
# Values on a 0.001 grid: a shift cannot absorb a difference (1e-280 + 1.0 == 1.0 in
# floating point would turn a tiny spread into none, which no test can be invariant to).
grid = st.integers(-(10**6), 10**6).map(lambda i: i / 1000)
grid_samples = st.lists(grid, min_size=3, max_size=12)


@settings(max_examples=60, deadline=None)
@given(grid_samples, grid_samples, st.integers(-(10**5), 10**5).map(lambda i: i / 1000))
def test_welch_is_symmetric_and_shift_invariant(
    base: list[float], cand: list[float], shift: float
) -> None:
    b, c = np.array(base), np.array(cand)
    forward, backward = welch_test(b, c), welch_test(c, b)
    assert forward.p_value == pytest.approx(backward.p_value, abs=1e-9)
    assert forward.estimate == pytest.approx(-backward.estimate, abs=1e-9)
    shifted = welch_test(b + shift, c + shift)
    assert shifted.p_value == pytest.approx(forward.p_value, abs=1e-6)
    low, high = forward.ci
    assert low <= forward.estimate <= high


@settings(max_examples=40, deadline=None)
@given(samples, samples)
def test_rank_interval_contains_estimate(base: list[float], cand: list[float]) -> None:
    result = mann_whitney_test(base, cand)
    low, high = result.ci
    assert low <= result.estimate <= high
