"""``compare(serial=True)``: the paired t-test widened for correlated pairs
(:mod:`assay.stats.serial`), checked against statsmodels' autocorrelation and SciPy's
t distribution; without correlation it is SciPy's paired t-test exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.tsa.stattools import acf

from assay.errors import InputError
from assay.stats import compare
from assay.stats.serial import MOST_CORRELATION, lag1, serial_correction


def _correlated(seed: int, phi: float, n: int = 20) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    d = np.zeros(n + 30)
    for t in range(1, d.size):
        d[t] = phi * d[t - 1] + rng.normal(0.0, 0.05)
    base = np.exp(rng.normal(3.0, 0.2, n))
    return base, base * np.exp(0.01 + d[30:])


@pytest.mark.parametrize("seed", range(5))
def test_lag1_is_statsmodels_acf(seed: int) -> None:
    values = np.random.default_rng(seed).normal(size=25).cumsum()
    assert lag1(values) == pytest.approx(acf(values, nlags=1, fft=False)[1], rel=1e-12)


def test_a_constant_or_short_series_has_no_correlation() -> None:
    assert lag1(np.full(10, 3.0)) == 0.0
    assert serial_correction(np.array([1.0, 2.0])).inflation == 1.0


def test_the_widened_test_by_hand() -> None:
    base, cand = _correlated(7, 0.6)
    found = compare(base, cand, paired=True, serial=True)
    d = np.log(cand) - np.log(base)
    n = d.size
    r = acf(d, nlags=1, fft=False)[1]
    corrected = min(max(r + (1 + 3 * r) / n, 0.0), MOST_CORRELATION)
    factor = (1 + corrected) / (1 - corrected)
    se = d.std(ddof=1) / math.sqrt(n) * math.sqrt(factor)
    df = n / factor - 1
    t = d.mean() / se
    assert found.test == "paired-t-serial" and found.scale == "log"
    assert found.p_value == pytest.approx(2 * sps.t.sf(abs(t), df), rel=1e-9)
    half = sps.t.ppf(0.975, df) * se
    assert found.ci == pytest.approx((math.expm1(d.mean() - half), math.expm1(d.mean() + half)))
    assert found.effect == pytest.approx(math.expm1(d.mean()))
    serial = found.to_dict()["serial"]
    assert serial["lag1"] == pytest.approx(r) and serial["variance_inflation"] == pytest.approx(
        factor
    )
    assert serial["effective_pairs"] == pytest.approx(n / factor)
    # wider than the plain paired t-test, and the warning says by how much
    plain = compare(base, cand, paired=True)
    assert found.ci[1] - found.ci[0] > plain.ci[1] - plain.ci[0]
    assert factor >= 2 and any("adjacent pairs are correlated" in w for w in found.warnings)
    assert "serial" not in plain.to_dict()  # every other comparison's JSON is unchanged


def test_negative_correlation_never_narrows_it_is_scipys_paired_t() -> None:
    rng = np.random.default_rng(11)
    base = np.exp(rng.normal(3.0, 0.2, 20))
    wiggle = np.array([0.04 if i % 2 else -0.03 for i in range(20)])  # r close to -1
    cand = base * np.exp(wiggle + rng.normal(0.0, 0.005, 20))
    found = compare(base, cand, paired=True, serial=True)
    assert found.to_dict()["serial"]["variance_inflation"] == 1.0
    reference = sps.ttest_rel(np.log(cand), np.log(base))
    assert found.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    assert found.ci == pytest.approx(compare(base, cand, paired=True).ci, rel=1e-9)


def test_values_that_are_not_all_positive_use_the_raw_differences() -> None:
    base = np.linspace(-1.0, 5.0, 20) + 10.0
    base[0] = -2.0
    cand = base + 0.5 + np.sin(np.arange(20)) * 0.1
    found = compare(base, cand, paired=True, serial=True)
    assert found.scale == "raw"
    assert found.effect == pytest.approx(0.5 / abs(base.mean()), rel=0.05)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [({"paired": False}, "paired=True"), ({"paired": True, "test": "wilcoxon"}, "test='auto'")],
)
def test_serial_needs_a_paired_auto_test(kwargs: dict[str, object], words: str) -> None:
    base, cand = _correlated(1, 0.5)
    with pytest.raises(InputError, match=words):
        compare(base, cand, serial=True, **kwargs)  # type: ignore[arg-type]


def test_a_log_ratio_past_the_float_range_is_an_unbounded_end_not_an_error() -> None:
    found = compare([1e-320, 1.0, 2.0], [1.0, 2.0, 3.0], paired=True, serial=True)
    assert found.ci[1] == math.inf and found.verdict.value == "inconclusive"
    assert compare([1e-320, 1.0, 2.0], [1.0, 2.0, 3.0], paired=True).ci[1] == math.inf
