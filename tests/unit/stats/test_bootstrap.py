"""Bootstrap intervals agree with SciPy; the quantile fast path is the same bootstrap."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as sps
from hypothesis import given, settings
from hypothesis import strategies as st

import assay.stats.bootstrap as bootstrap_module
from assay.errors import InputError
from assay.stats import bootstrap_change_ci, bootstrap_ci, cluster_bootstrap_ci
from assay.stats.quantile_bootstrap import quantile_draws


@pytest.mark.parametrize("method", ["percentile", "bca"])
@pytest.mark.parametrize(
    ("name", "function"),
    [
        ("mean", np.mean),
        ("std", lambda s, axis=-1: np.std(s, axis=axis, ddof=1)),
    ],
)
def test_equals_scipy_with_the_same_rng(method: str, name: str, function) -> None:  # type: ignore[no-untyped-def]
    x = np.random.default_rng(0).lognormal(size=40)
    ours = bootstrap_ci(x, name, method=method, rng=1, n_resamples=5000)
    theirs = sps.bootstrap(
        (x,), function, method=method, n_resamples=5000, rng=np.random.default_rng(1)
    ).confidence_interval
    assert ours == pytest.approx((theirs.low, theirs.high), rel=1e-9)


def test_callable_statistic_equals_scipy() -> None:
    x = np.random.default_rng(3).normal(size=25)

    def trimmed(values: np.ndarray) -> float:
        return float(sps.trim_mean(values, 0.1))

    ours = bootstrap_ci(x, trimmed, method="bca", rng=2, n_resamples=2000)
    theirs = sps.bootstrap(
        (x,), trimmed, vectorized=False, n_resamples=2000, rng=np.random.default_rng(2)
    ).confidence_interval
    assert ours == pytest.approx((theirs.low, theirs.high), rel=1e-9)


def test_quantile_fast_path_draws_the_ordinary_bootstrap_distribution() -> None:
    x = np.random.default_rng(4).lognormal(size=400)
    fast = quantile_draws(x, 0.9, 40_000, np.random.default_rng(5)).draws
    rng = np.random.default_rng(6)
    slow = np.quantile(x[rng.integers(0, x.size, (40_000, x.size))], 0.9, axis=1)
    # Both are samples of the same discrete distribution: compare them as such.
    for level in (0.025, 0.1, 0.5, 0.9, 0.975):
        assert np.quantile(fast, level) == pytest.approx(np.quantile(slow, level), rel=0.01)
    assert sps.ks_2samp(fast, slow).pvalue > 0.001


def test_quantile_jackknife_is_the_closed_form() -> None:
    x = np.random.default_rng(7).normal(size=101)
    result = quantile_draws(x, 0.73, 100, np.random.default_rng(0))
    brute = np.array([np.quantile(np.delete(x, i), 0.73) for i in range(x.size)])
    values, counts = np.unique(np.round(brute, 12), return_counts=True)
    ours = dict(zip(np.round(result.jackknife_values, 12), result.jackknife_weights, strict=True))
    assert {v: float(c) for v, c in zip(values, counts, strict=True)} == pytest.approx(ours)


@pytest.mark.parametrize("method", ["percentile", "bca"])
def test_fast_quantile_interval_agrees_with_scipy(method: str) -> None:
    x = np.random.default_rng(8).lognormal(size=1500)
    ours = bootstrap_ci(x, "p90", method=method, rng=1, n_resamples=10_000)
    theirs = sps.bootstrap(
        (x,),
        lambda s, axis: np.quantile(s, 0.9, axis=axis),
        method=method,
        n_resamples=10_000,
        rng=np.random.default_rng(1),
    ).confidence_interval
    assert ours == pytest.approx((theirs.low, theirs.high), rel=0.01)


def test_million_sample_p99_is_quick_and_sensible() -> None:
    x = np.random.default_rng(9).lognormal(size=1_000_000)
    low, high = bootstrap_ci(x, "p99", rng=1)
    estimate = np.quantile(x, 0.99)
    assert low < estimate < high
    assert (high - low) / estimate < 0.05


def test_fast_and_explicit_paths_give_the_same_interval() -> None:
    x = np.random.default_rng(10).exponential(size=200)
    fast = bootstrap_ci(x, "median", method="percentile", rng=3, n_resamples=50_000)
    original = bootstrap_module._FAST_QUANTILE_MIN_N
    bootstrap_module._FAST_QUANTILE_MIN_N = 10**9
    try:
        slow = bootstrap_ci(x, "median", method="percentile", rng=3, n_resamples=50_000)
    finally:
        bootstrap_module._FAST_QUANTILE_MIN_N = original
    assert fast == pytest.approx(slow, rel=0.02)


def test_change_interval_paired_and_unpaired() -> None:
    rng = np.random.default_rng(11)
    base = rng.lognormal(0.0, 0.3, 60)
    cand = base * 1.2 * rng.lognormal(0.0, 0.02, 60)
    low, high = bootstrap_change_ci(base, cand, "mean", paired=True, rng=1)
    assert 0.15 < low < 0.2 < high < 0.25
    wide = bootstrap_change_ci(base, cand, "mean", paired=False, rng=1)
    assert wide[1] - wide[0] > high - low  # pairing removes the shared spread
    big_b, big_c = rng.lognormal(0, 1, 200_000), rng.lognormal(0.1, 1, 200_000)
    low, high = bootstrap_change_ci(big_b, big_c, "p99", rng=2)
    observed = np.quantile(big_c, 0.99) / np.quantile(big_b, 0.99) - 1
    assert low < observed < high
    assert abs(observed - (np.exp(0.1) - 1)) < high - low


def test_cluster_bootstrap_is_wider_than_pretending_samples_are_independent() -> None:
    rng = np.random.default_rng(12)
    trials = [rng.normal(rng.normal(0, 1), 0.2, 500) for _ in range(8)]
    clustered = cluster_bootstrap_ci(trials, "mean", rng=1, n_resamples=2000)
    naive = bootstrap_ci(np.concatenate(trials), "mean", rng=1, n_resamples=2000)
    assert (clustered[1] - clustered[0]) > 5 * (naive[1] - naive[0])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: bootstrap_ci([1.0, 2.0, 3.0], "p999"), "unknown statistic"),
        (lambda: bootstrap_ci([1.0, 2.0, 3.0], "mean", method="bc"), "bootstrap method"),
        (lambda: bootstrap_ci([1.0, 2.0, 3.0], "mean", n_resamples=10), "n_resamples"),
        (lambda: bootstrap_ci([1.0], "mean"), "at least 2"),
        (lambda: bootstrap_ci([1.0, 2.0], 3), "statistic must be"),
        (lambda: cluster_bootstrap_ci([[1.0, 2.0]], "mean"), "at least 2 arrays"),
        (lambda: bootstrap_change_ci([0.0, 0.0], [1.0, 2.0], "mean", n_resamples=100), "is 0"),
        (lambda: bootstrap_ci(np.arange(30_000.0), np.median), "use method='percentile'"),
    ],
)
def test_bad_input(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=message):
        call()


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(0.1, 1e3), min_size=60, max_size=120),
    st.sampled_from(["median", "p90", "mean"]),
    st.sampled_from(["percentile", "bca"]),
)
def test_interval_brackets_the_estimate_or_is_degenerate(
    values: list[float], name: str, method: str
) -> None:
    x = np.array(values)
    low, high = bootstrap_ci(x, name, method=method, rng=0, n_resamples=500)
    assert low <= high
    assert x.min() <= low
    assert high <= x.max()
