"""Effect sizes: relative change with its interval, Hedges' g, Cliff's delta."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as sps
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.errors import InputError
from assay.stats import (
    cliffs_delta,
    compare,
    hedges_g,
    prob_superiority,
    relative_change,
    welch_test,
)


def test_log_scale_is_a_ratio_of_geometric_means() -> None:
    base = np.array([10.0, 11.0, 9.5, 10.4, 10.1])
    cand = base * 0.8
    estimate = relative_change(base, cand)
    assert estimate.estimate == pytest.approx(-0.2)
    assert estimate.method == "Welch t on log values"
    paired = relative_change(base, cand, paired=True)
    assert paired.ci == pytest.approx((-0.2, -0.2))


def test_log_interval_is_the_welch_interval_on_logs() -> None:
    rng = np.random.default_rng(0)
    base, cand = rng.lognormal(0, 0.2, 8), rng.lognormal(0.1, 0.2, 9)
    theirs = sps.ttest_ind(np.log(cand), np.log(base), equal_var=False).confidence_interval(0.9)
    ours = relative_change(base, cand, confidence=0.9)
    assert ours.ci == pytest.approx((math.expm1(theirs.low), math.expm1(theirs.high)))


@pytest.mark.parametrize("seed", range(20))
def test_fieller_interval_excludes_zero_exactly_when_welch_rejects(seed: int) -> None:
    rng = np.random.default_rng(seed)
    base = rng.normal(0.5, 1.0, 10)
    cand = rng.normal(0.5 + rng.uniform(-1, 1), 1.0, 10) - 1.0
    if base.mean() <= 0:
        base = base + 2.0
        cand = cand + 2.0
    estimate = relative_change(base, cand, scale="raw")
    rejects = welch_test(base, cand).p_value < 0.05
    assert estimate.estimate == pytest.approx(cand.mean() / base.mean() - 1)
    if math.isfinite(estimate.low):
        assert rejects == (not estimate.low <= 0.0 <= estimate.high)
    # compare() decides by the test either way, the interval being unbounded or not
    verdict = compare(base, cand, test="welch", lower_is_better=False).verdict
    assert (verdict.value in ("better", "worse")) == rejects


def test_raw_scale_with_negative_values_and_unbounded_ratio() -> None:
    base = np.array([-1.0, 2.0, 0.5, -0.5])
    cand = np.array([1.0, 3.0, 2.0, 1.5])
    estimate = relative_change(base, cand)
    assert estimate.method.startswith("Fieller")
    assert estimate.ci == (-math.inf, math.inf)
    assert estimate.to_dict()["ci"] == [None, None]
    negative = relative_change([-10.0, -10.5, -9.5], [-12.0, -12.5, -11.5])
    assert negative.estimate == pytest.approx(-0.2)  # more negative: smaller


def test_hedges_g_by_hand() -> None:
    base = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    cand = np.array([3.0, 4.0, 5.0, 6.0, 7.5])
    pooled = math.sqrt((np.var(base, ddof=1) * 4 + np.var(cand, ddof=1) * 4) / 8)
    d = (cand.mean() - base.mean()) / pooled
    j = math.gamma(4) / (math.sqrt(4) * math.gamma(3.5))
    g = hedges_g(base, cand)
    assert g.estimate == pytest.approx(j * d)
    assert j == pytest.approx(1 - 3 / (4 * 8 - 1), abs=0.005)  # Hedges' approximation
    se = math.sqrt(10 / 25 + g.estimate**2 / 20)
    assert g.ci == pytest.approx((g.estimate - 1.959964 * se, g.estimate + 1.959964 * se))
    paired = hedges_g(base, cand, paired=True)
    assert paired.method == "Hedges' g_z (paired)"


def test_cliffs_delta_and_superiority_by_brute_force() -> None:
    base = np.array([1.0, 2.0, 2.0, 5.0])
    cand = np.array([2.0, 3.0, 6.0])
    greater = sum(c > b for c in cand for b in base)
    less = sum(c < b for c in cand for b in base)
    ties = sum(c == b for c in cand for b in base)
    assert cliffs_delta(base, cand) == pytest.approx((greater - less) / 12)
    assert prob_superiority(base, cand) == pytest.approx((greater + ties / 2) / 12)
    assert prob_superiority(base, cand, lower_is_better=True) == pytest.approx(
        (less + ties / 2) / 12
    )


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(-50, 50), min_size=1, max_size=15),
    st.lists(st.floats(-50, 50), min_size=1, max_size=15),
)
def test_cliffs_delta_is_antisymmetric(base: list[float], cand: list[float]) -> None:
    assert cliffs_delta(base, cand) == pytest.approx(-cliffs_delta(cand, base), abs=1e-12)
    assert -1.0 <= cliffs_delta(base, cand) <= 1.0


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(0.5, 100), min_size=3, max_size=12),
    st.lists(st.floats(0.5, 100), min_size=3, max_size=12),
    st.floats(0.1, 10),
)
def test_relative_change_is_scale_free(base: list[float], cand: list[float], factor: float) -> None:
    one = relative_change(base, cand)
    scaled = relative_change(np.array(base) * factor, np.array(cand) * factor)
    assert scaled.estimate == pytest.approx(one.estimate, rel=1e-6, abs=1e-9)
    assert one.low <= one.estimate <= one.high


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: relative_change([0.0, 0.0], [1.0, 2.0]), "baseline mean is 0"),
        (lambda: relative_change([-1.0, 2.0], [1.0, 2.0], scale="log"), "positive"),
        (lambda: relative_change([1.0, 2.0], [1.0, 2.0], scale="ln"), "scale"),
        (lambda: hedges_g([1.0, 1.0], [2.0, 2.0]), "neither arm varies"),
    ],
)
def test_bad_input(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=message):
        call()


def test_ratio_interval_and_relative_change_survive_values_near_the_float_limit() -> None:
    import warnings

    base = np.array([-1e308, 1.7e308, -1.5e308])
    cand = np.array([1.7e308, 1.6e308, 1.5e308])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from assay.stats.effect import ratio_interval

        ratio = ratio_interval(base, cand, False, 0.95)[0]
        assert math.isfinite(ratio)
        assert relative_change(base, cand).estimate == pytest.approx(
            relative_change(base / 1e300, cand / 1e300).estimate
        )
        g = hedges_g(cand, cand[::-1] * 0.9)
        assert math.isfinite(g.estimate)


def test_summary_of_values_near_the_float_limit_is_finite() -> None:
    from assay.stats import summarize

    summary = summarize([1.7e308, 1.6e308, 1.5e308])
    assert summary.mean == pytest.approx(1.6e308)
    assert summary.median == pytest.approx(1.6e308)
    assert math.isfinite(summary.quantile("p99").value)
