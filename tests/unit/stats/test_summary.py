"""Summaries and their distribution-free quantile intervals."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import scipy.stats as sps

from assay.errors import InputError
from assay.stats import summarize
from assay.stats.summary import order_statistic_ci


def test_moments_and_quantiles_match_numpy() -> None:
    values = np.random.default_rng(0).lognormal(size=20_000)
    summary = summarize(values)
    assert summary.n == 20_000
    assert summary.mean == pytest.approx(values.mean())
    assert summary.std == pytest.approx(values.std(ddof=1))
    assert summary.median == pytest.approx(np.median(values))
    assert summary.mad == pytest.approx(sps.median_abs_deviation(values))
    assert (summary.min, summary.max) == (values.min(), values.max())
    for label, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99.9", 0.999)):
        estimate = summary.quantile(label)
        assert estimate.value == pytest.approx(np.quantile(values, q))
        assert estimate.low is not None
        assert estimate.high is not None
        assert estimate.low <= estimate.value <= estimate.high
    assert summary.warnings == ()
    assert summary.p99 == summary.quantile("p99")
    assert summary.p999.q == 0.999


def test_order_statistic_interval_has_its_coverage() -> None:
    # Coverage of [x_(l), x_(u)] is P(l <= B < u) for B ~ Binomial(n, q), exactly.
    n, q, confidence = 200, 0.9, 0.95
    ranks = np.arange(1.0, n + 1.0)
    low, high = order_statistic_ci(ranks, q, confidence)
    assert low is not None
    assert high is not None
    coverage = sps.binom.cdf(high - 1, n, q) - sps.binom.cdf(low - 1, n, q)
    assert coverage >= confidence
    # and it is the tightest such choice on each side
    assert sps.binom.cdf(low, n, q) > (1 - confidence) / 2
    assert 1 - sps.binom.cdf(high - 2, n, q) > (1 - confidence) / 2


def test_small_samples_warn_and_leave_ends_open() -> None:
    summary = summarize(np.arange(1.0, 51.0))
    assert summary.quantile("p99").high is None
    assert any("P99 (needs 1,000)" in w for w in summary.warnings)
    assert "P50" not in summary.warnings[0]
    json.dumps(summary.to_dict(), allow_nan=False)


def test_one_value_is_allowed_but_warned() -> None:
    summary = summarize([3.0])
    assert math.isnan(summary.std)
    assert any("single value" in w for w in summary.warnings)
    assert summary.to_dict()["std"] is None


@pytest.mark.parametrize(
    ("values", "kwargs", "message"),
    [
        ([], {}, "at least 1"),
        ([1.0, math.inf], {}, "finite"),
        ([[1.0, 2.0]], {}, "one-dimensional"),
        ([1.0, 2.0], {"quantiles": (1.5,)}, "quantile"),
        ([1.0, 2.0], {"confidence": 0}, "between 0 and 1"),
    ],
)
def test_bad_input(values: object, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        summarize(values, **kwargs)  # type: ignore[arg-type]
