"""Confidence intervals that the rest of assay computes in one place.

- :func:`t_interval`: an estimate ± the Student-t quantile times its standard
  error, for any t statistic (a mean, a difference of means with Welch degrees
  of freedom, a regression slope, a linear contrast);
- :func:`mean_interval`: the Student-t interval for the mean of a sample;
- :func:`wilson_interval`: Wilson's score interval for a proportion.

Each returns an :class:`Interval` (``estimate, low, high``), which unpacks like a
tuple. SciPy is imported on the first call, not when this module is imported.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from assay.errors import InputError
from assay.stats.validation import check_confidence, sample

__all__ = ["Interval", "mean_interval", "t_interval", "wilson_interval"]


class Interval(NamedTuple):
    """A point estimate with the two ends of its confidence interval."""

    estimate: float
    low: float
    high: float


def t_interval(estimate: float, se: float, df: float, confidence: float = 0.95) -> Interval:
    """``estimate ± t(1 - α/2, df) · se``: the Student-t interval of a t statistic.

    Student (1908), "The probable error of a mean", *Biometrika* 6:1-25; the
    quantile is SciPy's ``special.stdtrit`` (``scipy.stats.t.ppf``), which takes
    fractional degrees of freedom (Welch-Satterthwaite). With no degrees of
    freedom left (``df`` not positive: two points fit a line exactly), or a
    non-finite ``se``, the interval is unbounded; otherwise with no spread
    (``se == 0``) it is the estimate itself.
    """
    confidence = check_confidence(confidence)
    if not (df > 0 and math.isfinite(se)):
        return Interval(estimate, -math.inf, math.inf)
    if se == 0.0:
        return Interval(estimate, estimate, estimate)
    from scipy import special  # SciPy loads on first use (start-up speed)

    half = float(special.stdtrit(df, 0.5 + confidence / 2)) * se
    return Interval(estimate, estimate - half, estimate + half)


def mean_interval(values: Any, confidence: float = 0.95) -> Interval:
    """The mean of ``values`` with its Student-t interval.

    ``mean ± t(1 - α/2, n - 1) · s / √n``, where ``s`` is the sample standard
    deviation (``ddof=1``): the one-sample t interval (Student 1908, *Biometrika*
    6:1-25; the same as ``scipy.stats.t.interval(confidence, n - 1, loc=mean,
    scale=sem)``). One value gives an unbounded interval (there is no spread to
    estimate); values that are all equal give the mean itself. Values are trials
    (one number per trial or seed), never correlated inner samples.
    """
    array = sample(values, name="values", min_n=1)
    mean = float(np.mean(array))
    if array.size < 2:
        check_confidence(confidence)
        return Interval(mean, -math.inf, math.inf)
    se = float(np.std(array, ddof=1)) / math.sqrt(array.size)
    return t_interval(mean, se, array.size - 1.0, confidence)


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> Interval:
    """The share ``successes / n`` with Wilson's score interval.

    Wilson (1927), "Probable inference, the law of succession, and statistical
    inference", *JASA* 22:209-212: the set of proportions ``p`` whose score test
    does not reject at ``1 - confidence``, ``(p̂ + z²/2n ± z·√(p̂(1-p̂)/n + z²/4n²))
    / (1 + z²/n)``. Unlike the Wald interval it stays inside [0, 1] and is not
    empty at 0 or ``n`` successes. Matches statsmodels
    ``proportion_confint(successes, n, alpha=1 - confidence, method="wilson")``.
    """
    confidence = check_confidence(confidence)
    if not (isinstance(n, int | np.integer) and n >= 1):
        raise InputError(f"n={n!r} must be a whole number of trials, at least 1")
    if not (isinstance(successes, int | np.integer) and 0 <= successes <= n):
        raise InputError(f"successes={successes!r} must be a whole number from 0 to n={n}")
    from scipy import special  # SciPy loads on first use (start-up speed)

    z = float(special.ndtri(0.5 + confidence / 2))
    share = successes / n
    scale = 1 + z * z / n
    centre = (share + z * z / (2 * n)) / scale
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / scale
    # exactly 0 (1) at 0 (n) successes, and never past the share, despite rounding
    low = 0.0 if successes == 0 else min(share, max(0.0, centre - half))
    high = 1.0 if successes == n else max(share, min(1.0, centre + half))
    return Interval(share, low, high)
