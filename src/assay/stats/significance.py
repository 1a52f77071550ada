"""Two-sample and paired tests, each with an interval for the shift it tests.

Every function takes ``(baseline, candidate)`` and returns a
:class:`SignificanceResult` whose ``estimate`` and ``ci`` are the shift
*candidate minus baseline* in the units of the data, so a positive number means
the candidate is larger. The p-values are two-sided and equal SciPy's on the
same data.

=================  ===========================================  ==================
test               shift and interval                          reference
=================  ===========================================  ==================
``welch``          difference of means, Welch-Satterthwaite t   Welch 1947
``paired-t``       mean of paired differences, t                Student 1908
``mann-whitney``   Hodges-Lehmann shift, inverted U test        Mann & Whitney 1947
``wilcoxon``       Hodges-Lehmann pseudo-median, inverted test  Wilcoxon 1945
``permutation``    difference of means, inverted permutation    Pitman 1937
=================  ===========================================  ==================

:func:`tost` is the two one-sided tests procedure for equivalence within a
margin (Schuirmann 1987, *J. Pharmacokin. Biopharm.* 15:657-680).

The t-tests are computed here (rather than through ``scipy.stats.ttest_ind``) so
that samples without spread give a defined answer instead of a NumPy warning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special
from scipy import stats as sps

from assay.stats.intervals import t_interval
from assay.stats.permutation import permutation_shift
from assay.stats.shift import paired_shift, two_sample_shift
from assay.stats.validation import (
    FloatArray,
    check_choice,
    check_confidence,
    check_positive,
    sample_pair,
)

__all__ = [
    "TESTS",
    "SignificanceResult",
    "mann_whitney_test",
    "paired_t_test",
    "permutation_test",
    "t_result",
    "tost",
    "welch_test",
    "wilcoxon_test",
]

TESTS = ("welch", "paired-t", "mann-whitney", "wilcoxon", "permutation")


@dataclass(frozen=True)
class SignificanceResult:
    """A test's outcome: the shift (candidate − baseline), its interval and the p-value."""

    test: str
    statistic: float
    p_value: float
    estimate: float
    ci: tuple[float, float]
    confidence: float
    df: float | None = None

    def to_dict(self) -> dict[str, Any]:
        finite = [v if math.isfinite(v) else None for v in self.ci]
        return {
            "test": self.test,
            "statistic": self.statistic if math.isfinite(self.statistic) else None,
            "p_value": self.p_value,
            "estimate": self.estimate,
            "ci": finite,
            "confidence": self.confidence,
            "df": self.df,
        }


def t_result(
    test: str, estimate: float, se: float, df: float, confidence: float
) -> SignificanceResult:
    """p-value and interval of a t statistic; no spread gives p = 1 or 0, not NaN."""
    if se == 0.0:
        p_value = 1.0 if estimate == 0.0 else 0.0
        statistic = 0.0 if estimate == 0.0 else math.copysign(math.inf, estimate)
        return SignificanceResult(
            test, statistic, p_value, estimate, (estimate, estimate), confidence, df
        )
    statistic = estimate / se
    p_value = float(2.0 * special.stdtr(df, -abs(statistic)))
    _, low, high = t_interval(estimate, se, df, confidence)
    return SignificanceResult(test, statistic, p_value, estimate, (low, high), confidence, df)


def welch_parts(baseline: FloatArray, candidate: FloatArray) -> tuple[float, float, float]:
    """Difference of means, its standard error and the Welch-Satterthwaite df."""
    v_b = float(np.var(baseline, ddof=1)) / baseline.size
    v_c = float(np.var(candidate, ddof=1)) / candidate.size
    estimate = float(np.mean(candidate) - np.mean(baseline))
    variance = v_b + v_c
    if variance == 0.0:
        return estimate, 0.0, float(baseline.size + candidate.size - 2)
    share_b, share_c = v_b / variance, v_c / variance  # ratios: no underflow when tiny
    df = 1.0 / (share_b**2 / (baseline.size - 1) + share_c**2 / (candidate.size - 1))
    return estimate, math.sqrt(variance), df


def welch_test(baseline: Any, candidate: Any, *, confidence: float = 0.95) -> SignificanceResult:
    """Welch's unequal-variance t-test (Welch 1947, *Biometrika* 34:28-35).

    Equals ``scipy.stats.ttest_ind(candidate, baseline, equal_var=False)``; the
    interval is for the difference of means with Welch-Satterthwaite degrees
    of freedom. It holds its level with as few as 5 trials per arm when the
    trials are roughly normal, which percentile bootstraps do not.
    """
    base, cand = sample_pair(baseline, candidate, paired=False)
    confidence = check_confidence(confidence)
    estimate, se, df = welch_parts(base, cand)
    return t_result("welch", estimate, se, df, confidence)


def paired_t_test(baseline: Any, candidate: Any, *, confidence: float = 0.95) -> SignificanceResult:
    """Paired t-test on the per-pair differences (Student 1908, *Biometrika* 6:1-25).

    Equals ``scipy.stats.ttest_rel(candidate, baseline)``. Pairs are trials that
    share a seed, a machine slot or an interleaved block.
    """
    base, cand = sample_pair(baseline, candidate, paired=True)
    confidence = check_confidence(confidence)
    differences = cand - base
    n = differences.size
    se = float(np.std(differences, ddof=1)) / math.sqrt(n)
    return t_result("paired-t", float(np.mean(differences)), se, n - 1.0, confidence)


def mann_whitney_test(
    baseline: Any, candidate: Any, *, confidence: float = 0.95
) -> SignificanceResult:
    """Mann-Whitney U test (Mann & Whitney 1947, *Ann. Math. Statist.* 18:50-60).

    ``statistic`` is U of the candidate and the p-value equals
    ``scipy.stats.mannwhitneyu(candidate, baseline)`` (exact for small samples
    without ties, normal with continuity correction otherwise). The shift is
    the Hodges-Lehmann estimate with the interval from inverting the test (see
    :mod:`assay.stats.shift`). With 5 vs 5 trials the smallest possible
    p-value is 0.0079, and with 3 vs 3 it is 0.1: the test cannot say BETTER.
    """
    base, cand = sample_pair(baseline, candidate, paired=False)
    confidence = check_confidence(confidence)
    result = sps.mannwhitneyu(cand, base, alternative="two-sided")
    estimate, low, high = two_sample_shift(base, cand, confidence)
    return SignificanceResult(
        "mann-whitney",
        float(result.statistic),
        float(result.pvalue),
        estimate,
        (low, high),
        confidence,
    )


def wilcoxon_test(
    baseline: Any,
    candidate: Any,
    *,
    confidence: float = 0.95,
    zero_method: str = "wilcox",
) -> SignificanceResult:
    """Wilcoxon signed-rank test on paired differences (Wilcoxon 1945, *Biometrics* 1:80-83).

    Equals ``scipy.stats.wilcoxon(candidate, baseline, zero_method=...)``;
    ``zero_method="zsplit"`` splits zero differences between the signs as
    Demšar (2006) does. All-zero differences give p = 1. The shift is the
    Hodges-Lehmann pseudo-median of the differences (see :mod:`assay.stats.shift`).
    """
    base, cand = sample_pair(baseline, candidate, paired=True)
    confidence = check_confidence(confidence)
    check_choice(zero_method, ("wilcox", "pratt", "zsplit"), name="zero_method")
    differences = cand - base
    estimate, low, high = paired_shift(differences, confidence)
    if not np.any(differences != 0):
        return SignificanceResult("wilcoxon", 0.0, 1.0, 0.0, (low, high), confidence)
    result = sps.wilcoxon(cand, base, zero_method=zero_method)
    return SignificanceResult(
        "wilcoxon",
        float(result.statistic),
        float(result.pvalue),
        estimate,
        (low, high),
        confidence,
    )


def _mean_difference(x: FloatArray, y: FloatArray, axis: int = -1) -> Any:
    return np.mean(y, axis=axis) - np.mean(x, axis=axis)


def permutation_test(
    baseline: Any,
    candidate: Any,
    *,
    paired: bool = False,
    confidence: float = 0.95,
    n_resamples: int = 9999,
    rng: np.random.Generator | int | None = None,
) -> SignificanceResult:
    """Permutation test of the difference of means (Pitman 1937, *JRSS Suppl.* 4:119-130).

    Exact over all relabellings when there are at most ``n_resamples`` of them,
    Monte Carlo otherwise; the p-value equals ``scipy.stats.permutation_test``
    with the same ``rng``. Paired data permute signs within pairs. The interval
    inverts the test over shifts of the candidate (see
    :mod:`assay.stats.permutation`).
    """
    base, cand = sample_pair(baseline, candidate, paired=paired)
    confidence = check_confidence(confidence)
    generator = np.random.default_rng(rng)
    result = sps.permutation_test(
        (base, cand),
        _mean_difference,
        permutation_type="samples" if paired else "independent",
        vectorized=True,
        n_resamples=n_resamples,
        rng=generator,
    )
    low, high = permutation_shift(base, cand, paired, confidence, n_resamples, generator)
    return SignificanceResult(
        "permutation",
        float(result.statistic),
        float(result.pvalue),
        float(result.statistic),
        (low, high),
        confidence,
    )


def tost(
    baseline: Any,
    candidate: Any,
    margin: float,
    *,
    paired: bool = False,
    confidence: float = 0.95,
) -> SignificanceResult:
    """Two one-sided t-tests for equivalence within ``±margin`` (Schuirmann 1987).

    ``margin`` is in the units of the data. The p-value is the larger of the
    two one-sided p-values (Welch, or paired t when ``paired``); a p-value
    below α means the difference lies inside the margin. Equivalently, the
    ``1 - 2α`` interval (returned as ``ci``, e.g. 90% for α = 5%) lies inside
    ``±margin``. Matches statsmodels ``ttost_ind(..., usevar="unequal")`` and
    ``ttost_paired``.
    """
    margin = check_positive(margin, name="margin")
    base, cand = sample_pair(baseline, candidate, paired=paired)
    confidence = check_confidence(confidence)
    if paired:
        differences = cand - base
        estimate = float(np.mean(differences))
        se = float(np.std(differences, ddof=1)) / math.sqrt(differences.size)
        df = differences.size - 1.0
    else:
        estimate, se, df = welch_parts(base, cand)
    if se == 0.0:
        p_value = 0.0 if abs(estimate) < margin else 1.0
        return SignificanceResult("tost", 0.0, p_value, estimate, (estimate, estimate), 0.0, df)
    t_lower = (estimate + margin) / se
    t_upper = (estimate - margin) / se
    p_value = max(float(sps.t.sf(t_lower, df)), float(sps.t.cdf(t_upper, df)))
    interval_level = 1.0 - 2.0 * (1.0 - confidence)
    ci = (estimate, estimate)  # a 1 - 2α level of 0 or less is the estimate alone
    if interval_level > 0:
        ci = t_interval(estimate, se, df, interval_level)[1:]
    statistic = min(t_lower, -t_upper)
    return SignificanceResult("tost", statistic, p_value, estimate, ci, interval_level, df)
