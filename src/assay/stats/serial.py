"""Pairs that form a time series: a paired t-test widened for serial correlation.

A load test's A/B cuts one run into consecutive windows and pairs the two endpoints'
percentiles window by window (:func:`assay.load.run.ab`). Pairing removes what the
windows share (the arrivals, the machine's slow moments), but the differences of
adjacent windows are not independent: a slow stretch of one server, a collection
pause, a warm-up, spans several. A plain paired t-test then treats n correlated
differences as n independent ones and claims too much: with lag-1 correlation 0.5
among 20 windows, it calls a no-change A/B WORSE or BETTER about 25% of the time at
a nominal 5% (``tests/quality/test_serial_correlation.py``).

The correction (``serial=True`` in :func:`assay.stats.compare`), for the mean of the
differences ``d`` (log ratios when every value is positive):

- ``r``, the lag-1 autocorrelation of ``d`` (``sum(e[1:] e[:-1]) / sum(e e)`` about
  the mean: statsmodels' ``acf``), corrected for its downward bias in short series,
  ``r + (1 + 3 r) / n`` (Marriott & Pope 1954, *Biometrika* 41:390-402), then held to
  ``[0, 0.9]``: a negative correlation never narrows the interval;
- the variance of the mean is the plain one times ``(1 + r) / (1 - r)``, the AR(1)
  factor, and the t distribution has ``n (1 - r) / (1 + r) - 1`` degrees of freedom
  (the effective number of independent pairs, Bretherton et al. 1999, *J. Climate*
  12:1990-2009).

When the corrected ``r`` is 0 it is exactly the paired t-test
(``scipy.stats.ttest_rel``); the degrees of freedom are never fewer than 1. The rule
is simple on purpose: Newey-West's kernel estimate with its usual bandwidth (2 lags
for 20 windows) still gave 16% false verdicts at correlation 0.5 in a simulation,
where this gives 8% (and 4% without correlation, 10% at 0.7; the plain test 26% and
41%: ``tests/quality/test_serial_correlation.py``). Zwiers & von Storch
(1995, *J. Climate* 8:336-351) describe the residual liberality for short series.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from assay.stats.validation import FloatArray

__all__ = ["MOST_CORRELATION", "WARN_INFLATION", "Serial", "lag1", "serial_correction"]

MOST_CORRELATION = 0.9
"""The corrected lag-1 correlation is held at or below this (a factor of 19)."""

WARN_INFLATION = 2.0
"""A variance factor from which a warning says so (the interval 1.4x as wide; a
corrected correlation of 1/3). Below it the widening is within what 20 windows'
estimate of the correlation varies by, and saying it every time would be noise."""


@dataclass(frozen=True)
class Serial:
    """How correlated adjacent pairs were, and what that did to the test."""

    lag1: float  # the raw lag-1 autocorrelation of the differences
    corrected: float  # bias-corrected and held to [0, MOST_CORRELATION]
    inflation: float  # variance factor (1 + r) / (1 - r), at least 1
    effective_n: float  # n / inflation: independent pairs the series is worth

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "lag1": self.lag1,
            "lag1_corrected": self.corrected,
            "variance_inflation": self.inflation,
            "effective_pairs": self.effective_n,
        }


def lag1(values: FloatArray) -> float:
    """The lag-1 autocorrelation about the mean (0 for a constant series)."""
    centred = values - float(np.mean(values))
    total = float(centred @ centred)
    if values.size < 3 or total == 0.0:
        return 0.0
    return float(centred[1:] @ centred[:-1]) / total


def serial_correction(differences: FloatArray) -> Serial:
    """The correction for a series of paired differences (module docstring)."""
    n = differences.size
    raw = lag1(differences)
    corrected = raw + (1.0 + 3.0 * raw) / n if n >= 3 else 0.0
    corrected = min(max(corrected, 0.0), MOST_CORRELATION)
    inflation = (1.0 + corrected) / (1.0 - corrected)
    if not math.isfinite(raw):  # values near the float limit: no correction claimed
        raw, corrected, inflation = 0.0, 0.0, 1.0
    return Serial(raw, corrected, inflation, n / inflation)
