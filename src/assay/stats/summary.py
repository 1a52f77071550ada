"""Descriptive summaries with distribution-free quantile intervals.

:func:`summarize` reports n, mean, standard deviation, median, MAD, min, max and
the percentiles P50/P90/P99/P99.9, each percentile with a confidence interval
made of two order statistics. The interval needs no assumption about the shape
of the distribution: the number of values below the true ``q``-quantile is
Binomial(n, q), so ``[x_(l), x_(u)]`` covers it with probability
``P(l <= B < u)`` (Conover 1999, *Practical Nonparametric Statistics*, 3rd ed.,
§3.2; Hahn & Meeker 1991, *Statistical Intervals*, §5.2).

A sample too small for a quantile (fewer than about ``10 / (1 - q)`` values: 100
for P90, 1,000 for P99) gets a warning, and an interval end that the sample
cannot reach is ``None`` rather than a number assay cannot defend.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats as sps

from assay.stats.statistic import quantile_label
from assay.stats.validation import FloatArray, check_confidence, check_probability, sample

__all__ = ["QuantileEstimate", "Summary", "order_statistic_ci", "summarize"]

DEFAULT_QUANTILES = (0.5, 0.9, 0.99, 0.999)


@dataclass(frozen=True)
class QuantileEstimate:
    """A quantile with its order-statistic interval; ``None`` ends are unbounded."""

    q: float
    value: float
    low: float | None
    high: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"q": self.q, "value": self.value, "low": self.low, "high": self.high}


@dataclass(frozen=True)
class Summary:
    """What :func:`summarize` returns; ``quantiles`` is keyed ``"p50"``, ``"p99"``..."""

    n: int
    mean: float
    std: float
    median: float
    mad: float
    min: float
    max: float
    confidence: float
    quantiles: dict[str, QuantileEstimate] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def quantile(self, label: str) -> QuantileEstimate:
        """The estimate for ``label`` (``"p99"``); ``KeyError`` if it was not asked for."""
        return self.quantiles[label]

    @property
    def p50(self) -> QuantileEstimate:
        return self.quantiles["p50"]

    @property
    def p90(self) -> QuantileEstimate:
        return self.quantiles["p90"]

    @property
    def p99(self) -> QuantileEstimate:
        return self.quantiles["p99"]

    @property
    def p999(self) -> QuantileEstimate:
        return self.quantiles["p99.9"]

    def to_dict(self) -> dict[str, Any]:
        """Plain numbers, JSON-ready: the moments, then one entry per percentile."""
        data: dict[str, Any] = {
            "n": self.n,
            "mean": self.mean,
            "std": self.std if math.isfinite(self.std) else None,
            "median": self.median,
            "mad": self.mad if math.isfinite(self.mad) else None,
            "min": self.min,
            "max": self.max,
        }
        for label, estimate in self.quantiles.items():
            data[label] = estimate.value
        data["quantile_ci"] = {label: [e.low, e.high] for label, e in self.quantiles.items()}
        data["confidence"] = self.confidence
        data["warnings"] = list(self.warnings)
        return data


def order_statistic_ci(
    sorted_values: FloatArray, q: float, confidence: float
) -> tuple[float | None, float | None]:
    """Distribution-free interval for the ``q``-quantile from a sorted sample.

    Picks ranks ``l`` and ``u`` with ``P(B < l) <= α/2`` and ``P(B >= u) <= α/2``
    for ``B ~ Binomial(n, q)`` (Conover 1999, §3.2); an end whose rank falls
    outside ``1..n`` is ``None``.
    """
    n = sorted_values.size
    alpha = 1.0 - confidence
    low_rank = int(sps.binom.ppf(alpha / 2, n, q))
    high_rank = int(sps.binom.ppf(1 - alpha / 2, n, q)) + 1
    low = float(sorted_values[low_rank - 1]) if low_rank >= 1 else None
    high = float(sorted_values[high_rank - 1]) if high_rank <= n else None
    return low, high


def _small_sample_warning(n: int, quantiles: Sequence[float]) -> str | None:
    short = [(q, math.ceil(10 / (1 - q) - 1e-9)) for q in quantiles if n < 10 / (1 - q) - 1e-9]
    if not short:
        return None
    labels = ", ".join(f"{quantile_label(q).upper()} (needs {need:,})" for q, need in short)
    return (
        f"{n} values are too few for {labels}: those estimates rest on the few most "
        "extreme values and their intervals may be open-ended; collect more samples "
        "before quoting them"
    )


def _power_of_two_scale(data: FloatArray) -> tuple[FloatArray, Callable[[Any], float]]:
    """``data`` divided by a power of two (exact), and the function that undoes it.

    Moments and interpolated quantiles are computed on the scaled values so that
    sums and differences near 1.7e308 do not overflow; a result that does not
    fit a float once scaled back is infinite.
    """
    top = float(np.max(np.abs(data)))
    exponent = math.frexp(top)[1] if top else 0

    def back(value: Any) -> float:
        try:
            return math.ldexp(float(value), exponent)
        except OverflowError:
            return math.copysign(math.inf, float(value))

    return np.ldexp(data, -exponent), back


def summarize(
    values: Any,
    *,
    confidence: float = 0.95,
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
) -> Summary:
    """Describe one sample: moments, robust spread, and percentiles with intervals.

    ``std`` is the sample standard deviation (``ddof=1``); ``mad`` is the raw
    median absolute deviation (multiply by 1.4826 for a normal-consistent scale,
    as ``scipy.stats.median_abs_deviation(scale="normal")`` does). Percentiles
    use linear interpolation (Hyndman & Fan 1996, type 7); their intervals are
    order statistics (see the module docstring). A sample of one value is
    allowed here: it has no spread (``std`` is NaN) and a warning says so.
    """
    data = np.sort(sample(values, name="values", min_n=1))
    confidence = check_confidence(confidence)
    levels = [check_probability(q, name="quantile") for q in quantiles]
    scaled, back = _power_of_two_scale(data)
    estimates: dict[str, QuantileEstimate] = {}
    for q in levels:
        low, high = order_statistic_ci(data, q, confidence)
        estimates[quantile_label(q)] = QuantileEstimate(
            q=q, value=back(np.quantile(scaled, q)), low=low, high=high
        )
    warnings = []
    if data.size < 2:
        warnings.append("a single value has no spread; run at least 2 trials")
    small = _small_sample_warning(data.size, levels)
    if small:
        warnings.append(small)
    median = float(np.median(scaled))
    return Summary(
        n=int(data.size),
        mean=back(np.mean(scaled)),
        std=back(np.std(scaled, ddof=1)) if data.size > 1 else math.nan,
        median=back(median),
        mad=back(np.median(np.abs(scaled - median))),
        min=float(data[0]),
        max=float(data[-1]),
        confidence=confidence,
        quantiles=estimates,
        warnings=tuple(warnings),
    )
