"""Hodges-Lehmann shift estimates and the rank-test intervals that go with them.

The rank tests (Mann-Whitney U, Wilcoxon signed-rank) give a p-value; to give a
verdict they also need an interval for the size of the shift. The
Hodges-Lehmann estimate (Hodges & Lehmann 1963, *Ann. Math. Statist.* 34:598-611)
is the median of all pairwise differences ``c_j - b_i`` (two samples) or of the
Walsh averages ``(d_i + d_j) / 2, i <= j`` (paired differences). Inverting the
rank test gives a distribution-free interval between two order statistics of
that same set (Lehmann 1975, *Nonparametrics*, §2.6 and §4.3; Bauer 1972,
*JASA* 67:687-690): the set of shifts the test would not reject.

Ranks for the interval come from the exact null distribution when there are no
ties and the samples are small (the Gaussian-binomial and ``∏(1 + q^i)``
generating functions), and from the tie-corrected normal approximation with a
continuity correction otherwise.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np
from scipy import stats as sps

from assay.stats.validation import FloatArray

__all__ = ["paired_shift", "two_sample_shift"]

_EXPLICIT_LIMIT = 4_000_000
_EXACT_LIMIT = 10_000


def _mann_whitney_counts(m: int, n: int) -> FloatArray:
    """Null frequencies of U for sizes (m, n): coefficients of the Gaussian binomial."""
    size = m * n + 1
    poly = np.zeros(size)
    poly[0] = 1.0
    for i in range(1, m + 1):
        shift = n + i
        if shift < size:
            poly[shift:] -= poly[: size - shift].copy()
        for r in range(i):
            poly[r::i] = np.cumsum(poly[r::i])
    return poly


def _signed_rank_counts(n: int) -> FloatArray:
    """Null frequencies of the signed-rank sum T+ for n differences: ``∏(1 + q^i)``."""
    size = n * (n + 1) // 2 + 1
    poly = np.zeros(size)
    poly[0] = 1.0
    for i in range(1, n + 1):
        poly[i:] += poly[: size - i].copy()
    return poly


def _exact_rank(counts: FloatArray, alpha: float) -> int:
    """The largest k with P(U <= k - 1) <= alpha / 2."""
    cdf = np.cumsum(counts) / counts.sum()
    return int(np.searchsorted(cdf, alpha / 2 * (1 + 1e-9), side="right"))


@functools.lru_cache(maxsize=512)
def _mann_whitney_rank(m: int, n: int, alpha: float) -> int:
    return _exact_rank(_mann_whitney_counts(min(m, n), max(m, n)), alpha)


@functools.lru_cache(maxsize=512)
def _signed_rank_rank(n: int, alpha: float) -> int:
    return _exact_rank(_signed_rank_counts(n), alpha)


def _normal_rank(mean: float, variance: float, alpha: float) -> int:
    """k from the normal approximation with a continuity correction."""
    z = float(sps.norm.ppf(1 - alpha / 2))
    return math.floor(mean - z * math.sqrt(max(variance, 0.0)) + 0.5)


def _tie_term(values: FloatArray) -> float:
    _, counts = np.unique(values, return_counts=True)
    return float(np.sum(counts.astype(np.float64) ** 3 - counts))


def _kth_by_bisection(count_le: Callable[[float], int], k: int, low: float, high: float) -> float:
    """The k-th smallest member (1-based) of a set known only by a counting function."""
    for _ in range(200):
        middle = (low + high) / 2
        if middle in (low, high):
            break
        if count_le(middle) >= k:
            high = middle
        else:
            low = middle
    return high


def _select(
    values: FloatArray | None,
    count_le: Callable[[float], int],
    ranks: tuple[int, ...],
    bounds: tuple[float, float],
) -> list[float]:
    if values is not None:
        part = np.partition(values, [r - 1 for r in ranks])
        return [float(part[r - 1]) for r in ranks]
    low = bounds[0] - (abs(bounds[0]) + 1.0)
    return [_kth_by_bisection(count_le, r, low, bounds[1]) for r in ranks]


def _median_and_interval(
    values: FloatArray | None,
    count_le: Callable[[float], int],
    total: int,
    k: int,
    bounds: tuple[float, float],
) -> tuple[float, float, float]:
    middle = ((total + 1) // 2, total // 2 + 1)
    inner = _select(values, count_le, middle, bounds)
    estimate = (inner[0] + inner[1]) / 2
    if k < 1:
        return estimate, -math.inf, math.inf
    low, high = _select(values, count_le, (k, total + 1 - k), bounds)
    return estimate, low, high


def two_sample_shift(
    baseline: FloatArray, candidate: FloatArray, confidence: float
) -> tuple[float, float, float]:
    """Hodges-Lehmann shift of candidate over baseline with its Mann-Whitney interval.

    Returns ``(estimate, low, high)``; an interval the sample sizes cannot bound
    (3 vs 3 at 95%) is ``(-inf, inf)``.
    """
    m, n = baseline.size, candidate.size
    total = m * n
    alpha = 1.0 - confidence
    pooled = np.concatenate([baseline, candidate])
    ties = _tie_term(pooled)
    if ties == 0 and total <= _EXACT_LIMIT:
        k = _mann_whitney_rank(m, n, alpha)
    else:
        big_n = m + n
        variance = m * n / 12.0 * ((big_n + 1) - ties / (big_n * (big_n - 1)))
        k = _normal_rank(total / 2, variance, alpha)
    b_sorted = np.sort(baseline)
    differences = None
    if total <= _EXPLICIT_LIMIT:
        differences = (candidate[:, None] - baseline[None, :]).ravel()

    def count_le(delta: float) -> int:
        # pairs with c - b <= delta, i.e. b >= c - delta
        return int(np.sum(m - np.searchsorted(b_sorted, candidate - delta, side="left")))

    span = (float(candidate.min() - baseline.max()), float(candidate.max() - baseline.min()))
    return _median_and_interval(differences, count_le, total, k, span)


def paired_shift(differences: FloatArray, confidence: float) -> tuple[float, float, float]:
    """Hodges-Lehmann pseudo-median of paired differences with its signed-rank interval."""
    n = differences.size
    total = n * (n + 1) // 2
    alpha = 1.0 - confidence
    magnitudes = np.abs(differences)
    ties = _tie_term(magnitudes)
    if ties == 0 and not np.any(differences == 0) and total <= _EXACT_LIMIT:
        k = _signed_rank_rank(n, alpha)
    else:
        variance = n * (n + 1) * (2 * n + 1) / 24.0 - ties / 48.0
        k = _normal_rank(total / 2, variance, alpha)
    ordered = np.sort(differences)
    walsh = None
    if total <= _EXPLICIT_LIMIT:
        upper = np.triu_indices(n)
        walsh = (ordered[upper[0]] + ordered[upper[1]]) / 2

    def count_le(delta: float) -> int:
        # pairs i <= j with d_i + d_j <= 2 delta
        limits = np.searchsorted(ordered, 2 * delta - ordered, side="right")
        return int(np.sum(np.maximum(limits - np.arange(n), 0)))

    span = (float(ordered[0]), float(ordered[-1]))
    return _median_and_interval(walsh, count_le, total, k, span)
