"""Production A/B effects agree with SciPy, statsmodels and a published SRM example."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import stats as sps
from statsmodels.stats import proportion as sm_proportion

from assay.errors import InputError
from assay.stats.ab import (
    cuped,
    mean_effect,
    one_sided_p,
    proportion_effect,
    ratio_metric_effect,
    srm_check,
)


def test_srm_reproduces_kohavi_tang_xu_worked_example() -> None:
    # Kohavi, Tang & Xu (2020), Trustworthy Online Controlled Experiments, ch. 3:
    # 821,588 control and 815,482 treatment users on a 50/50 design, p-value 1.8e-6.
    result = srm_check((821_588, 815_482))
    assert result.p_value == pytest.approx(1.8e-6, rel=0.02)
    assert result.mismatch
    assert result.to_dict()["mismatch"] is True


@pytest.mark.parametrize(
    ("counts", "expected"),
    [((5050, 4950), (0.5, 0.5)), ((2100, 7900), (20, 80)), ((310, 330, 360), (1, 1, 1))],
)
def test_srm_matches_scipy_chisquare(counts: tuple[int, ...], expected: tuple[float, ...]) -> None:
    shares = np.asarray(expected) / np.sum(expected)
    reference = sps.chisquare(counts, np.sum(counts) * shares)
    result = srm_check(counts, expected)
    assert result.statistic == pytest.approx(reference.statistic, rel=1e-12)
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    assert not result.mismatch


@pytest.mark.parametrize(
    ("counts", "expected", "alpha"),
    [
        ((10,), (0.5, 0.5), 0.001),
        ((10, -1), (0.5, 0.5), 0.001),
        ((0, 0), (0.5, 0.5), 0.001),
        ((10.5, 3), (0.5, 0.5), 0.001),
        ((10, 10), (0.5,), 0.001),
        ((10, 10), (0.5, 0.0), 0.001),
        ((10, 10), (0.5, 0.5), 1.5),
        ("10,10", (0.5, 0.5), 0.001),
    ],
)
def test_srm_refuses_bad_input(counts: object, expected: object, alpha: float) -> None:
    with pytest.raises(InputError):
        srm_check(counts, expected, alpha)


@pytest.mark.parametrize(
    ("s_a", "n_a", "s_b", "n_b"), [(1000, 20000, 1100, 20000), (37, 412, 21, 389)]
)
def test_proportion_effect_matches_statsmodels(s_a: int, n_a: int, s_b: int, n_b: int) -> None:
    effect = proportion_effect(s_a, n_a, s_b, n_b, confidence=0.9)
    diff = sm_proportion.confint_proportions_2indep(
        s_b, n_b, s_a, n_a, method="wald", compare="diff", alpha=0.1
    )
    ratio = sm_proportion.confint_proportions_2indep(
        s_b, n_b, s_a, n_a, method="log", compare="ratio", alpha=0.1
    )
    test = sm_proportion.test_proportions_2indep(s_b, n_b, s_a, n_a, method="wald", compare="diff")
    assert effect.difference == pytest.approx(s_b / n_b - s_a / n_a)
    assert effect.difference_ci == pytest.approx(diff, rel=1e-9)
    assert effect.relative_ci == pytest.approx((ratio[0] - 1, ratio[1] - 1), rel=1e-9)
    assert effect.p_value == pytest.approx(test.pvalue, rel=1e-9)
    assert effect.relative_ci[0] < effect.relative < effect.relative_ci[1]


def test_proportion_effect_with_no_successes_is_unbounded_and_warns() -> None:
    effect = proportion_effect(0, 500, 4, 500)
    assert effect.relative_ci == (-1.0, math.inf)
    assert effect.warnings
    assert effect.to_dict()["relative"]["ci"] == [-1.0, None]
    assert effect.relative == math.inf
    assert math.isnan(proportion_effect(0, 500, 0, 500).relative)
    assert proportion_effect(3, 500, 0, 500).relative == -1.0


@pytest.mark.parametrize("bad", [(5, 0, 1, 10), (11, 10, 1, 10), (1, 10, -1, 10), (1, 10, 1, 10.0)])
def test_proportion_effect_refuses_bad_counts(bad: tuple[int, int, int, int]) -> None:
    with pytest.raises(InputError):
        proportion_effect(*bad)


def test_mean_effect_matches_scipy_welch() -> None:
    rng = np.random.default_rng(7)
    a, b = rng.normal(10, 2, 500), rng.normal(10.3, 3, 400)
    effect = mean_effect(a, b, confidence=0.9)
    reference = sps.ttest_ind(b, a, equal_var=False)
    assert effect.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    ci = reference.confidence_interval(0.9)
    assert effect.difference_ci == pytest.approx((ci.low, ci.high), rel=1e-9)
    # the delta-method lift: Var(b̄)/ā² + b̄² Var(ā)/ā⁴
    ma, mb = a.mean(), b.mean()
    se = math.sqrt(b.var(ddof=1) / b.size / ma**2 + mb**2 * a.var(ddof=1) / a.size / ma**4)
    z = sps.norm.ppf(0.95)
    assert effect.relative == pytest.approx(mb / ma - 1)
    assert effect.relative_ci == pytest.approx((mb / ma - 1 - z * se, mb / ma - 1 + z * se))
    assert effect.variance_reduction is None


def test_cuped_theta_and_reduction() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(0, 1, 4000)
    y = 0.7 * x + math.sqrt(1 - 0.49) * rng.normal(0, 1, 4000)
    result = cuped(y, x)
    assert result.theta == pytest.approx(np.cov(y, x)[0, 1] / np.var(x, ddof=1))
    assert result.variance_reduction == pytest.approx(np.corrcoef(x, y)[0, 1] ** 2, rel=1e-9)
    assert float(np.mean(result.adjusted)) == pytest.approx(float(np.mean(y)))


def test_mean_effect_with_covariate_reports_the_variance_reduction() -> None:
    rng = np.random.default_rng(11)
    pre_a, pre_b = rng.normal(5, 1, 3000), rng.normal(5, 1, 3000)
    a = pre_a + rng.normal(0, 0.5, 3000)
    b = pre_b + 0.05 + rng.normal(0, 0.5, 3000)
    raw = mean_effect(a, b)
    adjusted = mean_effect(a, b, covariate=(pre_a, pre_b))
    assert adjusted.variance_reduction is not None and adjusted.variance_reduction > 0.7
    raw_width = raw.difference_ci[1] - raw.difference_ci[0]
    adjusted_width = adjusted.difference_ci[1] - adjusted.difference_ci[0]
    assert adjusted_width < 0.6 * raw_width
    assert adjusted.method.startswith("CUPED")


@pytest.mark.parametrize(
    "covariate", [(np.ones(3),), (np.arange(5.0), np.arange(4.0)), (np.ones(5), np.ones(5))]
)
def test_mean_effect_refuses_a_bad_covariate(covariate: object) -> None:
    a, b = np.arange(5.0), np.arange(5.0) + 1
    with pytest.raises(InputError):
        mean_effect(a, b, covariate=covariate)


def test_cuped_refuses_mismatched_or_constant_covariate() -> None:
    with pytest.raises(InputError, match="same order"):
        cuped([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(InputError, match="does not vary"):
        cuped([1.0, 2.0, 3.0], [1.0, 1.0, 1.0])


def _ratio_variance(num: np.ndarray, den: np.ndarray) -> float:
    """Deng et al. (2018) eq. for Var(Σnum/Σden), written out independently."""
    mx, my = den.mean(), num.mean()
    vx, vy = den.var(ddof=1), num.var(ddof=1)
    cxy = np.cov(num, den, ddof=1)[0, 1]
    return float((vy / mx**2 - 2 * my * cxy / mx**3 + my**2 * vx / mx**4) / num.size)


def test_ratio_metric_effect_uses_the_delta_method_variance() -> None:
    rng = np.random.default_rng(5)
    den_a, den_b = rng.poisson(4, 800) + 1.0, rng.poisson(4, 900) + 1.0
    num_a, num_b = den_a * rng.gamma(2, 1, 800), den_b * rng.gamma(2, 1.1, 900)
    effect = ratio_metric_effect(num_a, den_a, num_b, den_b)
    se = math.sqrt(_ratio_variance(num_a, den_a) + _ratio_variance(num_b, den_b))
    assert effect.baseline == pytest.approx(num_a.sum() / den_a.sum())
    half = effect.difference_ci[1] - effect.difference
    assert half == pytest.approx(sps.norm.ppf(0.975) * se)
    assert effect.p_value == pytest.approx(2 * sps.norm.sf(abs(effect.difference) / se))


def test_ratio_metric_refuses_mismatched_or_empty_denominators() -> None:
    with pytest.raises(InputError, match="one numerator"):
        ratio_metric_effect([1.0, 2.0], [1.0, 1.0, 1.0], [1.0, 2.0], [1.0, 1.0])
    with pytest.raises(InputError, match="positive"):
        ratio_metric_effect([1.0, 2.0], [0.0, 0.0], [1.0, 2.0], [1.0, 1.0])


def test_one_sided_p_on_both_scales() -> None:
    effect = proportion_effect(1000, 20000, 1000, 20000)
    assert one_sided_p(effect, -0.1, above=True) == pytest.approx(
        sps.norm.sf(-math.log(0.9) / effect.relative_se)
    )
    assert one_sided_p(effect, 0.0, above=True) == pytest.approx(0.5)
    rng = np.random.default_rng(2)
    means = mean_effect(rng.normal(10, 1, 200), rng.normal(10, 1, 200))
    low = one_sided_p(means, -0.05, above=True)
    high = one_sided_p(means, 0.05, above=False)
    assert low < 0.01 and high < 0.01
    assert one_sided_p(means, 0.05, above=True) > 0.99


@given(
    st.integers(1, 5000),
    st.integers(1, 5000),
    st.floats(0.0, 1.0),
    st.floats(0.0, 1.0),
)
def test_proportion_effect_properties(n_a: int, n_b: int, share_a: float, share_b: float) -> None:
    s_a, s_b = round(share_a * n_a), round(share_b * n_b)
    effect = proportion_effect(s_a, n_a, s_b, n_b)
    swapped = proportion_effect(s_b, n_b, s_a, n_a)
    low, high = effect.difference_ci
    assert low <= effect.difference <= high
    assert swapped.difference == pytest.approx(-effect.difference)
    assert swapped.p_value == pytest.approx(effect.p_value)
    if s_a > 0 and s_b > 0:
        assert effect.relative_ci[0] <= effect.relative <= effect.relative_ci[1]


@given(
    st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=30),
    st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=30),
    st.floats(-1e3, 1e3),
)
def test_mean_effect_difference_is_shift_invariant_and_antisymmetric(
    a: list[float], b: list[float], shift: float
) -> None:
    assume(min(np.std(a), np.std(b)) > 1e-3)  # no spread: p is 0 or 1 by rounding alone
    effect = mean_effect(a, b)
    moved = mean_effect(np.asarray(a) + shift, np.asarray(b) + shift)
    swapped = mean_effect(b, a)
    assert moved.difference == pytest.approx(effect.difference, abs=1e-6)
    assert moved.p_value == pytest.approx(effect.p_value, abs=1e-6)
    assert swapped.difference == pytest.approx(-effect.difference)
    assert effect.difference_ci[0] <= effect.difference <= effect.difference_ci[1]


def test_a_control_mean_of_zero_leaves_the_lift_undefined_but_the_difference_defined() -> None:
    effect = mean_effect([-1.0, 1.0, 0.0], [1.0, 2.0, 3.0])
    assert math.isnan(effect.relative)
    assert effect.relative_ci == (-math.inf, math.inf)
    assert effect.warnings and "relative lift is undefined" in effect.warnings[0]
    assert effect.difference == pytest.approx(2.0)
    tiny = mean_effect([-1e-300, 2e-300, 0.0], [1.0, 2.0, 3.0])  # mean² underflows to 0
    assert tiny.relative_ci[0] <= tiny.relative <= tiny.relative_ci[1]
