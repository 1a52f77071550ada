"""Effect sizes: how big the change is, not only whether there is one.

- :func:`relative_change` — the change of the location as a fraction of the
  baseline, with its interval. On the log scale (every value positive: times,
  throughputs, accuracies) it is the ratio of geometric means minus one, from a
  Welch or paired t-interval on the logs; the natural scale for latency, where
  effects multiply (Limpert, Stahel & Abbt 2001, *BioScience* 51:341-352). On
  the raw scale it is the ratio of means minus one with Fieller's interval
  (Fieller 1954, *JRSS B* 16:175-185), which accounts for the uncertainty of the
  baseline mean and excludes zero exactly when Welch's (or the paired) t-test
  rejects.
- :func:`hedges_g` — the standardised mean difference with Hedges' small-sample
  correction (Hedges 1981, *J. Educ. Statist.* 6:107-128) and the normal
  interval of Hedges & Olkin (1985, *Statistical Methods for Meta-Analysis*, §5).
- :func:`cliffs_delta` — P(C > B) − P(C < B) (Cliff 1993, *Psychol. Bull.* 114:494-509).
- :func:`prob_superiority` — the probability that a random candidate trial beats
  a random baseline trial, ties counting half (McGraw & Wong 1992, *Psychol.
  Bull.* 111:361-365; Vargha & Delaney 2000, *J. Educ. Behav. Statist.* 25:101-132).

Signs: a positive effect means the candidate is larger.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special
from scipy import stats as sps

from assay.errors import InputError
from assay.stats.intervals import t_interval
from assay.stats.significance import welch_parts
from assay.stats.validation import (
    FloatArray,
    check_choice,
    check_confidence,
    rescaled,
    sample_pair,
)

__all__ = [
    "Estimate",
    "cliffs_delta",
    "hedges_g",
    "prob_superiority",
    "ratio_interval",
    "relative_change",
]

SCALES = ("auto", "log", "raw")


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its interval; infinite ends mean the data cannot bound it."""

    estimate: float
    low: float
    high: float
    confidence: float
    method: str

    @property
    def ci(self) -> tuple[float, float]:
        return (self.low, self.high)

    def to_dict(self) -> dict[str, Any]:
        def finite(value: float) -> float | None:
            return value if math.isfinite(value) else None

        return {
            "estimate": self.estimate,
            "ci": [finite(self.low), finite(self.high)],
            "confidence": self.confidence,
            "method": self.method,
        }


def _expm1(value: float) -> float:
    """``exp(value) - 1``, infinite instead of raising when it overflows."""
    try:
        return math.expm1(value)
    except OverflowError:
        return math.inf


def _log_change(base: FloatArray, cand: FloatArray, paired: bool, confidence: float) -> Estimate:
    log_b, log_c = np.log(base), np.log(cand)
    if paired:
        differences = log_c - log_b
        estimate = float(np.mean(differences))
        se = float(np.std(differences, ddof=1)) / math.sqrt(differences.size)
        df = differences.size - 1.0
    else:
        estimate, se, df = welch_parts(log_b, log_c)
    _, low, high = t_interval(estimate, se, df, confidence)
    method = "paired t on log values" if paired else "Welch t on log values"
    return Estimate(_expm1(estimate), _expm1(low), _expm1(high), confidence, method)


def ratio_interval(
    base: FloatArray, cand: FloatArray, paired: bool, confidence: float
) -> tuple[float, float, float]:
    """Fieller's interval for ``mean(cand) / mean(base)``: ``(ratio, low, high)``.

    Solves ``(x̄c − ρ x̄b)² <= t² Var(x̄c − ρ x̄b)`` for ρ, with Welch
    degrees of freedom (unpaired) or ``n − 1`` (paired). Ends are infinite when
    the baseline mean is not clearly different from zero. Works on values
    rescaled by a common power of two, so values near the float limit do not
    overflow (the ratio is scale-free).
    """
    base, cand = rescaled(base, cand)
    mean_b, mean_c = float(np.mean(base)), float(np.mean(cand))
    if paired:
        cov = np.cov(np.stack([base, cand]), ddof=1) / base.size
        v_b, v_c, v_bc = float(cov[0, 0]), float(cov[1, 1]), float(cov[0, 1])
        df = base.size - 1.0
    else:
        v_b = float(np.var(base, ddof=1)) / base.size
        v_c = float(np.var(cand, ddof=1)) / cand.size
        v_bc = 0.0
        df = welch_parts(base, cand)[2]
    ratio = mean_c / mean_b
    t2 = float(special.stdtrit(df, 0.5 + confidence / 2)) ** 2
    # a ρ² − 2 b ρ + c <= 0
    a = mean_b**2 - t2 * v_b
    b = mean_b * mean_c - t2 * v_bc
    c = mean_c**2 - t2 * v_c
    discriminant = b * b - a * c
    if a <= 0 or discriminant < 0:
        return ratio, -math.inf, math.inf
    root = math.sqrt(discriminant)
    return ratio, (b - root) / a, (b + root) / a


def _raw_change(base: FloatArray, cand: FloatArray, paired: bool, confidence: float) -> Estimate:
    if float(np.mean(base)) == 0.0:
        raise InputError(
            "the baseline mean is 0, so a relative change is undefined; "
            "compare differences instead, or shift the metric so that it is positive"
        )
    ratio, low, high = ratio_interval(base, cand, paired, confidence)
    if np.mean(base) < 0:
        # A ratio of two negative means is "larger" when the candidate is more negative.
        ratio, low, high = 2.0 - ratio, 2.0 - high, 2.0 - low
    method = "Fieller interval for the ratio of means" + (" (paired)" if paired else "")
    return Estimate(ratio - 1.0, low - 1.0, high - 1.0, confidence, method)


def relative_change(
    baseline: Any,
    candidate: Any,
    *,
    paired: bool = False,
    confidence: float = 0.95,
    scale: str = "auto",
) -> Estimate:
    """Relative change of the location, candidate over baseline, with its interval.

    ``scale="auto"`` works on the log scale when every value is positive and on
    the raw scale otherwise (see the module docstring). A result of ``0.12``
    means the candidate is 12% larger.
    """
    base, cand = sample_pair(baseline, candidate, paired=paired)
    confidence = check_confidence(confidence)
    check_choice(scale, SCALES, name="scale")
    positive = bool(np.all(base > 0) and np.all(cand > 0))
    if scale == "log" and not positive:
        raise InputError(
            "scale='log' needs every value to be positive; use scale='raw' for metrics "
            "that can be zero or negative"
        )
    base, cand = rescaled(base, cand)
    if scale == "log" or (scale == "auto" and positive):
        estimate = _log_change(base, cand, paired, confidence)
    else:
        estimate = _raw_change(base, cand, paired, confidence)
    if not math.isfinite(estimate.estimate):
        raise InputError(
            "the candidate's location is more than 1e308 times the baseline's, so the "
            "relative change overflows; expected both arms in the same unit"
        )
    return estimate


def _correction(df: float) -> float:
    """Hedges' exact small-sample factor J(df) = Γ(df/2) / (√(df/2) Γ((df−1)/2))."""
    return math.exp(
        special.gammaln(df / 2) - 0.5 * math.log(df / 2) - special.gammaln((df - 1) / 2)
    )


def hedges_g(
    baseline: Any, candidate: Any, *, paired: bool = False, confidence: float = 0.95
) -> Estimate:
    """Hedges' g: (mean(c) − mean(b)) / pooled sd, bias-corrected, with a normal interval.

    Paired, the standardiser is the sd of the differences (Cohen's d_z) and the
    correction uses ``n − 1`` degrees of freedom. The interval uses the
    large-sample variance ``(n1 + n2)/(n1 n2) + g²/(2 (n1 + n2))`` (paired:
    ``1/n + g²/(2n)``).
    """
    base, cand = sample_pair(baseline, candidate, paired=paired)
    confidence = check_confidence(confidence)
    base, cand = rescaled(base, cand)
    if paired:
        differences = cand - base
        n = differences.size
        spread, df = float(np.std(differences, ddof=1)), n - 1.0
        raw = float(np.mean(differences))
        variance_terms = (1.0 / n, 2.0 * n)
    else:
        n1, n2 = base.size, cand.size
        df = n1 + n2 - 2.0
        pooled = ((n1 - 1) * np.var(base, ddof=1) + (n2 - 1) * np.var(cand, ddof=1)) / df
        spread, raw = math.sqrt(float(pooled)), float(np.mean(cand) - np.mean(base))
        variance_terms = ((n1 + n2) / (n1 * n2), 2.0 * (n1 + n2))
    if spread == 0.0:
        raise InputError(
            "neither arm varies, so a standardised effect is undefined; "
            "report the difference itself"
        )
    g = _correction(df) * raw / spread if df > 1 else raw / spread
    se = math.sqrt(variance_terms[0] + g * g / variance_terms[1])
    z = float(sps.norm.ppf(0.5 + confidence / 2))
    method = "Hedges' g_z (paired)" if paired else "Hedges' g"
    return Estimate(g, g - z * se, g + z * se, confidence, method)


def _candidate_u_share(base: FloatArray, cand: FloatArray) -> float:
    """P(C > B) + ½ P(C = B), from average ranks of the pooled sample."""
    ranks = sps.rankdata(np.concatenate([base, cand]))
    u_candidate = float(np.sum(ranks[base.size :])) - cand.size * (cand.size + 1) / 2
    return u_candidate / (base.size * cand.size)


def cliffs_delta(baseline: Any, candidate: Any) -> float:
    """Cliff's delta, P(C > B) − P(C < B), between −1 and 1 (positive: candidate larger)."""
    base, cand = sample_pair(baseline, candidate, paired=False, min_n=1)
    return 2.0 * _candidate_u_share(base, cand) - 1.0


def prob_superiority(baseline: Any, candidate: Any, *, lower_is_better: bool = False) -> float:
    """Probability that a random candidate trial beats a random baseline trial.

    "Beats" means larger, or smaller when ``lower_is_better``; ties count half
    (the common-language effect size; Vargha and Delaney's A). 0.5 means no
    tendency either way.
    """
    base, cand = sample_pair(baseline, candidate, paired=False, min_n=1)
    share = _candidate_u_share(base, cand)
    return 1.0 - share if lower_is_better else share
