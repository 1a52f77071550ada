"""Change points in a metric's history: where did its level shift, and how sure is that?

The method is Apache Otava's (formerly Hunter, MongoDB's performance team):
Fleming, Kołaczkowski, Kumar, Das, Luo, Carbonaro & Ingo, "Hunter: Using Change
Point Detection to Hunt for Performance Regressions", *ICPE 2023*
(doi:10.1145/3578244.3583719). It builds on E-divisive means, Matteson & James,
"A Nonparametric Approach for Multiple Change Point Analysis of Multivariate
Data", *JASA* 109(505):334-345 (2014). assay implements it here rather than
depending on Otava (whose packages pin NumPy and SciPy versions assay cannot
use); ``tests/unit/stats/test_changepoint.py`` checks the answers against
Otava's own code.

Method, in three steps:

1. **Candidate.** For a stretch of the series ``z[a:b]``, every split ``τ`` and
   every end ``κ`` (``a < τ < κ ≤ b``) gives two pieces ``X = z[a:τ]`` (``n``
   points) and ``Y = z[τ:κ]`` (``m`` points) and their energy distance, scaled
   as Matteson & James do::

       Q(τ, κ) = 2/(n+m) Σ|Xᵢ-Yⱼ| - 2m/((n+m)(n-1)) Σᵢ<ₖ|Xᵢ-Xₖ| - 2n/((n+m)(m-1)) Σⱼ<ₖ|Yⱼ-Yₖ|

   (a within-sum term is 0 for a piece of one point). The split ``τ`` of the
   largest ``Q`` is the candidate. All the sums come from one 2-D prefix sum of
   the distance matrix, so every ``Q(τ, κ)`` of a stretch is one NumPy
   expression.
2. **Split** (E-divisive with a t-test, in sliding windows). The series is cut
   into windows of ``window`` points, each starting half a window after the
   previous one (or at the window's last change point, if that is later).
   Inside a window, the candidate of each stretch between the change points
   found so far is computed; the best one is kept if Student's two-sample
   t-test of the stretch's two pieces gives ``p ≤ 10 × max_pvalue`` (a relaxed
   first pass: ``2 ×`` from 0.05, none from 0.5), and the search goes on until
   a candidate fails. Otava replaces Matteson & James's permutation test with
   this t-test: it is deterministic and works on a handful of points.
3. **Merge.** The union of all windows' change points ("weak" change points)
   is re-tested on the whole series, each between its neighbours. While any
   has ``p ≥ max_pvalue``, the one with the largest p-value is dropped; then,
   while the smallest relative change is ``≤ min_magnitude``, that one is
   dropped. After each drop, the two neighbours of the dropped point are
   re-tested on their new, longer pieces.

Conventions kept from Otava, so that the answers agree: the standard deviations
are population ones (``ddof=0``) and go into the pooled-variance t-test as
they are; a relative change with a zero mean counts as 0 when a change is
judged by ``min_magnitude``. One departure: after a drop Otava re-tests the
point to the right of the dropped one and the one after it, and leaves the
point to the left with its old, shorter piece; assay re-tests both neighbours
(the review of apache/otava pull request 96 points at this code). The two agree
exactly whenever no dropped point has a change point to its left.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import special

from assay.errors import InputError

__all__ = ["ChangePoint", "change_points"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ChangePoint:
    """A shift in level: the series is different from ``index`` on.

    ``index`` is the first index of the new regime; the statistics compare the
    stretch since the previous change point (or the start) with the stretch up to
    the next one (or the end). ``pvalue`` is Student's two-sample t-test of the
    two; ``relative_change`` is ``(mean_after - mean_before) / mean_before``
    (``nan`` when ``mean_before`` is 0); the standard deviations are population
    ones (``ddof=0``).
    """

    index: int
    pvalue: float
    mean_before: float
    mean_after: float
    std_before: float
    std_after: float
    relative_change: float

    def to_dict(self) -> dict[str, int | float | None]:
        """The fields as a JSON-ready dict; a non-finite number becomes ``None``."""
        out: dict[str, int | float | None] = {"index": self.index}
        for name in (
            "pvalue",
            "mean_before",
            "mean_after",
            "std_before",
            "std_after",
            "relative_change",
        ):
            value = float(getattr(self, name))
            out[name] = value if math.isfinite(value) else None
        return out


@dataclass(frozen=True)
class _Test:
    """The t-test of two adjacent pieces, with what Otava's merge step weighs."""

    pvalue: float
    mean_1: float
    mean_2: float
    std_1: float
    std_2: float

    @property
    def magnitude(self) -> float:
        """The larger of the forward and backward relative changes (0 for a zero mean)."""
        forward = self.mean_2 / self.mean_1 - 1.0 if self.mean_1 != 0 else 0.0
        backward = self.mean_1 / self.mean_2 - 1.0 if self.mean_2 != 0 else 0.0
        return max(abs(forward), abs(backward))


def _mean_std(piece: FloatArray) -> tuple[float, float]:
    """Mean and population standard deviation; a constant piece gives its value and 0 exactly.

    (``np.mean`` of many equal values can round off the value, and the t-test would then
    see a spread of 1e-11 and a difference of 1e-11 where there is none.)
    """
    first = float(piece[0])
    if piece.size < 2 or bool(np.all(piece == first)):
        return first, 0.0
    return float(piece.mean()), float(piece.std())


def _t_test(left: FloatArray, right: FloatArray) -> _Test:
    """Student's pooled two-sample t-test, with population standard deviations.

    The p-value is ``nan`` when undefined (two constant pieces with the same
    mean): such a split is never significant and is the first to be dropped.
    """
    n1, n2 = left.size, right.size
    m1, s1 = _mean_std(left)
    m2, s2 = _mean_std(right)
    p = 1.0
    if n1 + n2 > 2:
        p = math.nan
        df = n1 + n2 - 2
        pooled = ((n1 - 1) * s1 * s1 + (n2 - 1) * s2 * s2) / df
        se = math.sqrt(pooled * (1.0 / n1 + 1.0 / n2))
        diff = m1 - m2
        if se > 0:
            p = float(2.0 * special.stdtr(df, -abs(diff / se)))
        elif diff != 0:
            p = 0.0
    return _Test(p, m1, m2, s1, s2)


def _candidate(z: FloatArray) -> tuple[float, int]:
    """The largest ``Q(τ, κ)`` over the stretch ``z`` and its split ``τ`` (1 ≤ τ < len)."""
    size = z.size
    dist = np.abs(z[:, None] - z[None, :])
    prefix = np.zeros((size + 1, size + 1))
    prefix[1:, 1:] = dist.cumsum(axis=0).cumsum(axis=1)
    diag = np.diagonal(prefix)  # diag[b] = Σ D[:b, :b] = 2 × within-sum of z[:b]
    tau = np.arange(1, size)[:, None]
    kappa = np.arange(2, size + 1)[None, :]
    valid = kappa > tau
    tk = prefix[tau, kappa]  # Σ D[:τ, :κ]
    cross = tk - diag[tau]
    within_x = diag[tau] / 2.0
    within_y = (diag[kappa] - 2.0 * tk + diag[tau]) / 2.0
    n = tau.astype(np.float64)
    m = (kappa - tau).astype(np.float64)
    total = n + m
    with np.errstate(divide="ignore", invalid="ignore"):
        q = (
            2.0 / total * cross
            - np.where(n > 1, 2.0 * m / (total * (n - 1)), 0.0) * within_x
            - np.where(m > 1, 2.0 * n / (total * (m - 1)), 0.0) * within_y
        )
    q = np.where(valid, q, -np.inf)
    flat = int(np.argmax(q))
    return float(q.flat[flat]), flat // q.shape[1] + 1


def _divide(z: FloatArray, threshold: float) -> list[int]:
    """E-divisive on one window with the t-test as the stopping rule: sorted split indices."""
    found: list[int] = []
    # Each stretch between found points, as (start, stop) → its best (Q, split).
    best: dict[tuple[int, int], tuple[float, int]] = {}
    while True:
        bounds = [0, *found, z.size]
        chosen: tuple[float, int, int, int] | None = None
        for a, b in itertools.pairwise(bounds):
            if b - a < 2:
                continue
            if (a, b) not in best:
                q, tau = _candidate(z[a:b])
                best[(a, b)] = (q, a + tau)
            q, at = best[(a, b)]
            if chosen is None or q > chosen[0]:
                chosen = (q, at, a, b)
        if chosen is None:
            return found
        _, at, a, b = chosen
        if not _t_test(z[a:at], z[at:b]).pvalue <= threshold:
            return found
        found = sorted([*found, at])


def _split(z: FloatArray, window: int, threshold: float) -> list[int]:
    """The weak change points: the union of every sliding window's, sorted."""
    step = window // 2
    start = 0
    weak: set[int] = set()
    while start < z.size:
        found = _divide(z[start : start + window], threshold)
        weak.update(start + i for i in found)
        start = max(start + found[-1] if found else 0, start + step)
    return sorted(weak)


def _pvalue_or_1(test: _Test) -> float:
    return 1.0 if math.isnan(test.pvalue) else test.pvalue


def _merge(
    z: FloatArray, points: list[int], max_pvalue: float, min_magnitude: float
) -> list[tuple[int, _Test]]:
    """Drop weak change points, weakest first, until the rest are significant and large enough."""

    def test(k: int) -> _Test:
        lo = points[k - 1] if k > 0 else 0
        hi = points[k + 1] if k + 1 < len(points) else z.size
        return _t_test(z[lo : points[k]], z[points[k] : hi])

    tests = [test(k) for k in range(len(points))]
    while points:
        weakest = max(range(len(tests)), key=lambda k: _pvalue_or_1(tests[k]))
        if tests[weakest].pvalue < max_pvalue:
            weakest = min(range(len(tests)), key=lambda k: tests[k].magnitude)
            if tests[weakest].magnitude > min_magnitude:
                break
        del points[weakest], tests[weakest]
        for k in (weakest - 1, weakest):
            if 0 <= k < len(points):
                tests[k] = test(k)
    return list(zip(points, tests, strict=True))


def _series(values: Sequence[float] | NDArray[np.floating]) -> FloatArray:
    try:
        z = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"values must be numbers in time order: {exc}") from None
    if z.ndim != 1:
        raise InputError(f"values must be one series (1-D), got an array of shape {z.shape}")
    bad = np.flatnonzero(~np.isfinite(z))
    if bad.size:
        raise InputError(
            f"values must be finite: value {float(z[bad[0]])!r} at index {int(bad[0])} "
            f"({bad.size} non-finite in all); drop or fill the missing points first"
        )
    return z


def change_points(
    values: Sequence[float] | NDArray[np.floating],
    *,
    max_pvalue: float = 0.001,
    min_magnitude: float = 0.0,
    window: int = 30,
) -> tuple[ChangePoint, ...]:
    """The change points of a series in time order, Otava's method (see the module).

    ``max_pvalue`` is the significance a change point must reach (t-test between
    its neighbours); ``min_magnitude`` the relative change it must exceed, the
    larger of the forward and the backward one (0.05 ignores a rise of 5% or
    less and a fall of 4.76% or less, however significant); ``window`` the length
    of the sliding windows of the first pass (each starts half a window after
    the previous one). Deterministic. Fewer than 3 points have no change points.
    Non-finite values are an :class:`~assay.errors.InputError`.
    """
    z = _series(values)
    if not (0.0 < max_pvalue <= 1.0):
        raise InputError(f"max_pvalue={max_pvalue!r} must be in (0, 1]")
    if not (math.isfinite(min_magnitude) and min_magnitude >= 0.0):
        raise InputError(f"min_magnitude={min_magnitude!r} must be a finite number ≥ 0")
    if isinstance(window, bool) or not isinstance(window, int | np.integer) or window < 2:
        raise InputError(f"window={window!r} must be an integer ≥ 2")
    if z.size < 3:
        return ()
    if max_pvalue < 0.05:
        first_pass = max_pvalue * 10
    elif max_pvalue < 0.5:
        first_pass = max_pvalue * 2
    else:
        first_pass = max_pvalue
    weak = _split(z, int(window), first_pass)
    return tuple(
        ChangePoint(
            index=index,
            pvalue=t.pvalue,
            mean_before=t.mean_1,
            mean_after=t.mean_2,
            std_before=t.std_1,
            std_after=t.std_2,
            relative_change=t.mean_2 / t.mean_1 - 1.0 if t.mean_1 != 0 else math.nan,
        )
        for index, t in _merge(z, weak, max_pvalue, min_magnitude)
    )
