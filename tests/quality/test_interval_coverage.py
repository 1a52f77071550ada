"""Quantile intervals cover the true quantile about as often as they claim."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from assay.stats import bootstrap_ci, summarize

RUNS = 1000


@pytest.mark.parametrize("method", ["percentile", "bca"])
def test_p99_bootstrap_of_latency_samples(method: str) -> None:
    rng = np.random.default_rng(20)
    truth = math.exp(sps.norm.ppf(0.99))  # P99 of a standard lognormal
    hits = 0
    for run in range(RUNS):
        x = rng.lognormal(0.0, 1.0, 5000)
        low, high = bootstrap_ci(x, "p99", method=method, rng=run, n_resamples=2000)
        hits += low <= truth <= high
    coverage = hits / RUNS
    print(f"P99 {method} bootstrap, n=5000: coverage {coverage:.3f}")
    assert 0.93 <= coverage <= 0.97


def test_order_statistic_interval_is_at_least_nominal() -> None:
    rng = np.random.default_rng(21)
    truth = math.exp(sps.norm.ppf(0.9))
    hits = 0
    for _ in range(RUNS):
        estimate = summarize(rng.lognormal(0.0, 1.0, 300)).quantile("p90")
        assert estimate.low is not None
        assert estimate.high is not None
        hits += estimate.low <= truth <= estimate.high
    coverage = hits / RUNS
    print(f"P90 order-statistic interval, n=300: coverage {coverage:.3f}")
    # distribution-free and conservative: at least 95%, and not wildly more
    assert 0.95 - 3 * math.sqrt(0.05 * 0.95 / RUNS) <= coverage <= 0.985
