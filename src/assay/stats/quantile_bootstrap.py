"""The bootstrap of a quantile without resampling the data.

Resampling ``n`` values from a sample and sorting them is the same as drawing
``n`` uniforms ``U_i`` and reading ``x_(⌈n U_i⌉)`` off the sorted sample; the
``k``-th smallest resampled value is therefore ``x_(⌈n U_(k)⌉)``, where the
uniform order statistic ``U_(k)`` has a Beta(k, n − k + 1) distribution, and
the next one is ``U_(k+1) = U_(k) + (1 − U_(k)) · Beta(1, n − k)`` (David &
Nagaraja 2003, *Order Statistics*, 3rd ed., §2.2-2.5). A linear-interpolation
quantile needs only those two order statistics, so each bootstrap replicate
costs two Beta draws instead of ``n`` random indices and a sort: the
distribution is exactly that of the ordinary bootstrap (Efron 1979), at
``O(n + B)`` cost instead of ``O(n B)``. Only the slice of the sample that the
draws can reach is sorted.

The BCa acceleration needs the jackknife; for a quantile the ``n``
leave-one-out values take only three distinct values, counted here in closed
form (Efron & Tibshirani 1993, *An Introduction to the Bootstrap*, §14.3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from assay.stats.validation import FloatArray

__all__ = ["QuantileDraws", "quantile_draws"]


@dataclass(frozen=True)
class QuantileDraws:
    """Bootstrap replicates of a quantile, the estimate, and its weighted jackknife."""

    draws: FloatArray
    estimate: float
    jackknife_values: FloatArray
    jackknife_weights: FloatArray


def _order_indices(
    n: int, k: int, size: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """0-based sorted-sample indices of the k-th and (k+1)-th resampled order statistics."""
    first = rng.beta(k, n - k + 1, size=size)
    second = first + (1.0 - first) * rng.beta(1, n - k, size=size) if k < n else first
    low = np.clip(np.ceil(n * first).astype(np.int64) - 1, 0, n - 1)
    high = np.clip(np.ceil(n * second).astype(np.int64) - 1, 0, n - 1)
    return low, high


def _sorted_slice(values: FloatArray, start: int, stop: int) -> FloatArray:
    """Sorted values at ranks ``start..stop`` (inclusive), without sorting the rest."""
    n = values.size
    if stop - start > n // 4:
        return np.sort(values)[start : stop + 1]
    part = np.partition(values, [start, stop]) if stop > start else np.partition(values, start)
    return np.sort(part[start : stop + 1])


def _jackknife(ranked: FloatArray, offset: int, n: int, q: float) -> tuple[FloatArray, FloatArray]:
    """The three distinct leave-one-out quantiles and how many deletions give each."""
    h = (n - 2) * q
    lo = math.floor(h)
    frac = h - lo

    def at(rank: int) -> float:
        return float(ranked[rank - offset])

    def interpolate(a: int, b: int) -> float:
        return at(a) + frac * (at(b) - at(a)) if frac else at(a)

    values = np.array(
        [interpolate(lo + 1, lo + 2), interpolate(lo, lo + 2), interpolate(lo, lo + 1)]
    )
    weights = np.array([lo + 1.0, 1.0, n - lo - 2.0])
    return values, weights


def quantile_draws(
    values: FloatArray, q: float, n_resamples: int, rng: np.random.Generator
) -> QuantileDraws:
    """Exact bootstrap replicates of ``np.quantile(values, q)`` (type 7), ``O(n + B)``.

    ``values`` needs at least 3 elements (for the jackknife).
    """
    n = values.size
    h = (n - 1) * q
    lo = math.floor(h)
    frac = h - lo
    first, second = _order_indices(n, lo + 1, n_resamples, rng)
    start = max(0, min(int(first.min()), lo - 1))
    stop = min(n - 1, max(int(second.max()), lo + 2))
    ranked = _sorted_slice(values, start, stop)
    draws = ranked[first - start] + frac * (ranked[second - start] - ranked[first - start])
    upper = ranked[min(lo + 1, n - 1) - start]
    estimate = float(ranked[lo - start] + frac * (upper - ranked[lo - start]))
    jack_values, jack_weights = _jackknife(ranked, start, n, q)
    return QuantileDraws(draws, estimate, jack_values, jack_weights)
