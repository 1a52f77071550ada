"""The interval that goes with a permutation test: every shift it would not reject.

Shifting the candidate by ``δ`` changes each relabelling's mean difference
linearly, ``T_π(δ) = T_π(0) - δ c_π``, where ``c_π`` depends only on how many
candidate trials the relabelling keeps in the candidate group (or, paired, on
the signs it flips). So one set of relabellings gives the p-value at every
shift, and the interval ``{δ : p(δ) > α}`` is found by bisection on each side of
the estimate (Lehmann 1975, *Nonparametrics*, §2.6; Ernst 2004, *Statist. Sci.*
19:676-685, §3.3). Relabellings are enumerated when there are at most
``n_resamples`` of them and drawn at random otherwise.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from assay.stats.validation import FloatArray

__all__ = ["permutation_shift"]

_CHUNK = 2_000_000


def _independent_draws(
    base: FloatArray, cand: FloatArray, n_resamples: int, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray, bool]:
    """``T_π(0)`` and ``c_π`` for relabellings of two independent samples."""
    n1, n2 = base.size, cand.size
    pooled = np.concatenate([base, cand])
    total = pooled.sum()
    exact = math.comb(n1 + n2, n2) <= n_resamples
    if exact:
        groups = np.array(list(itertools.combinations(range(n1 + n2), n2)), dtype=np.intp)
    else:
        rows = max(1, _CHUNK // (n1 + n2))
        parts = []
        for start in range(0, n_resamples, rows):
            count = min(rows, n_resamples - start)
            keys = rng.random((count, n1 + n2))
            parts.append(np.argpartition(keys, n2 - 1, axis=1)[:, :n2])
        groups = np.concatenate(parts)
    sums = pooled[groups].sum(axis=1)
    kept = (groups >= n1).sum(axis=1).astype(np.float64)
    t0 = sums / n2 - (total - sums) / n1
    slope = kept / n2 - (n2 - kept) / n1
    return t0, slope, exact


def _paired_draws(
    differences: FloatArray, n_resamples: int, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray, bool]:
    """``T_s(0)`` and ``c_s`` for sign flips of paired differences."""
    n = differences.size
    exact = 2**n <= n_resamples
    if exact:
        signs = np.array(list(itertools.product((1.0, -1.0), repeat=n)))
    else:
        signs = rng.choice(np.array([1.0, -1.0]), size=(n_resamples, n))
    return signs @ differences / n, signs.mean(axis=1), exact


def _p_value(
    t0: FloatArray, slope: FloatArray, observed: float, exact: bool, delta: float
) -> float:
    statistic = abs(observed - delta)
    tolerance = 1e-12 * max(abs(observed), abs(delta), 1e-300)
    hits = int(np.count_nonzero(np.abs(t0 - delta * slope) >= statistic - tolerance))
    if exact:
        return hits / t0.size
    return (hits + 1) / (t0.size + 1)


def _edge(
    t0: FloatArray,
    slope: FloatArray,
    observed: float,
    exact: bool,
    alpha: float,
    direction: float,
    scale: float,
) -> float:
    """The farthest shift on one side of the estimate that the test does not reject."""
    inside, step = observed, scale
    for _ in range(60):
        outside = observed + direction * step
        if _p_value(t0, slope, observed, exact, outside) <= alpha:
            break
        inside, step = outside, step * 2
    else:
        return direction * math.inf
    for _ in range(100):
        middle = (inside + outside) / 2
        if middle in (inside, outside):
            break
        if _p_value(t0, slope, observed, exact, middle) <= alpha:
            outside = middle
        else:
            inside = middle
    return inside


def permutation_shift(
    base: FloatArray,
    cand: FloatArray,
    paired: bool,
    confidence: float,
    n_resamples: int,
    rng: np.random.Generator,
) -> tuple[float, float]:
    """Interval for the mean shift (candidate − baseline) by inverting the permutation test.

    An end the data cannot bound (too few relabellings to reach the level)
    is infinite.
    """
    if paired:
        differences = cand - base
        t0, slope, exact = _paired_draws(differences, n_resamples, rng)
        observed = float(differences.mean())
        spread = float(np.ptp(differences))
    else:
        t0, slope, exact = _independent_draws(base, cand, n_resamples, rng)
        observed = float(cand.mean() - base.mean())
        spread = float(np.ptp(np.concatenate([base, cand])))
    alpha = 1.0 - confidence
    scale = max(spread, abs(observed), 1e-12) / 4
    low = _edge(t0, slope, observed, exact, alpha, -1.0, scale)
    high = _edge(t0, slope, observed, exact, alpha, 1.0, scale)
    return low, high
