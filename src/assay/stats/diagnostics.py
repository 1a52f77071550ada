"""Warnings about weak evidence, each with a next step.

A verdict is only as good as its trials. These checks look for the ways a
comparison most often misleads, and say what to do about each:

- too few trials for the test to reach its level or to be trusted;
- a value far out in the tail (robust z-score above 6, using the median and
  the normal-consistent MAD; Iglewicz & Hoaglin 1993, *How to Detect and Handle
  Outliers*, ch. 3, use 3.5 as the usual cut-off for flagging one point);
- a sample that looks bimodal (Sarle's bimodality coefficient above 5/9, the
  value of a uniform distribution, Pfister et al. 2013, *Front. Psychol.*
  4:700, without the high kurtosis of a merely skewed, long-tailed sample);
- a baseline that varies between trials by more than the effect or margin the
  comparison is meant to detect;
- samples without any spread, which usually means the metric is not measured.

The checks run on the scale the test uses (log values for positive data), so
a lognormal latency sample does not trip the tail check by being skewed.
"""

from __future__ import annotations

import math

import numpy as np

from assay.stats.validation import FloatArray

__all__ = [
    "bimodal_warning",
    "no_spread_warning",
    "spread_warning",
    "tail_warning",
    "too_few_warning",
]

_ROBUST_Z = 6.0
_MAD_TO_SD = 1.4826
_BIMODAL_MIN_N = 20
_BIMODAL_COEFFICIENT = 5.0 / 9.0
_BIMODAL_MAX_KURTOSIS = 1.0
_FEW_TRIALS = 5


def too_few_warning(n_baseline: int, n_candidate: int, test: str, confidence: float) -> str | None:
    """Too few trials for an honest verdict, or for the chosen rank test to ever reject."""
    smallest = min(n_baseline, n_candidate)
    alpha = 1.0 - confidence
    if test == "mann-whitney":
        best_p = min(1.0, 2.0 / math.comb(n_baseline + n_candidate, smallest))
        if best_p > alpha:
            return (
                f"Mann-Whitney with {n_baseline} vs {n_candidate} trials cannot reach "
                f"p < {alpha:g} (the smallest possible p is {best_p:.3g}); run more trials "
                "or use test='welch'"
            )
    if test == "wilcoxon" and 2.0 / 2.0**smallest > alpha:
        return (
            f"the Wilcoxon test with {smallest} pairs cannot reach p < {alpha:g} "
            f"(the smallest possible p is {2.0 / 2.0**smallest:.3g}); run more pairs "
            "or use test='paired-t'"
        )
    if smallest < _FEW_TRIALS:
        return (
            f"only {smallest} trial{'s' if smallest != 1 else ''} in the smaller arm: the "
            "interval rests on a rough guess of the spread and a single odd trial can swing "
            f"it; run at least {_FEW_TRIALS} trials per arm, and more if needed_trials says so"
        )
    return None


def tail_warning(values: FloatArray, arm: str) -> str | None:
    """Values more than 5 robust standard deviations from the median."""
    if values.size < 10:
        return None
    median = float(np.median(values))
    spread = _MAD_TO_SD * float(np.median(np.abs(values - median)))
    if spread == 0.0:
        far = int(np.count_nonzero(values != median))
        if far == 0 or far > values.size // 4:
            return None
    else:
        far = int(np.count_nonzero(np.abs(values - median) > _ROBUST_Z * spread))
    if far == 0:
        return None
    return (
        f"{far} of {values.size} {arm} trials lie far out in the tail (more than "
        f"{_ROBUST_Z:g} robust standard deviations from the median): a heavy tail or an "
        "interfering process; look at those trials, quieten the machine, or confirm "
        "with test='mann-whitney', which is not swayed by a few extreme trials"
    )


def _shape(values: FloatArray) -> tuple[float, float]:
    """Bias-corrected skewness G1 and excess kurtosis G2 (Joanes & Gill 1998)."""
    n = values.size
    centred = values - values.mean()
    m2 = float(np.mean(centred**2))
    g1 = float(np.mean(centred**3)) / m2**1.5
    g2 = float(np.mean(centred**4)) / m2**2 - 3.0
    skew = g1 * math.sqrt(n * (n - 1)) / (n - 2)
    kurtosis = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * g2 + 6)
    return skew, kurtosis


def _bimodality_coefficient(values: FloatArray) -> float:
    """Sarle's coefficient ``(G1² + 1) / (G2 + 3 (n−1)² / ((n−2)(n−3)))``."""
    n = values.size
    skew, kurtosis = _shape(values)
    return float((skew**2 + 1.0) / (kurtosis + 3.0 * (n - 1) ** 2 / ((n - 2) * (n - 3))))


def bimodal_warning(values: FloatArray, arm: str) -> str | None:
    """Sarle's bimodality coefficient above the cut-off, with enough trials to tell."""
    if values.size < _BIMODAL_MIN_N or np.ptp(values) == 0:
        return None
    coefficient = _bimodality_coefficient(values)
    # A long one-sided tail also raises the coefficient; two humps do not raise kurtosis.
    if coefficient <= _BIMODAL_COEFFICIENT or _shape(values)[1] >= _BIMODAL_MAX_KURTOSIS:
        return None
    return (
        f"the {arm} trials look bimodal (bimodality coefficient {coefficient:.2f}): two "
        "regimes such as a cold and a warm cache, or two CPU frequencies, are mixed; "
        "find what separates them and compare like with like"
    )


def spread_warning(relative_spread: float, target: float, what: str) -> str | None:
    """The baseline varies between trials by more than the effect to be detected."""
    if target <= 0 or relative_spread <= target:
        return None
    return (
        f"the baseline varies by {relative_spread:.1%} between trials, more than the "
        f"{target:.1%} {what}: such a small change needs many trials to pin down; "
        "reduce the noise (pin CPUs, fix clocks, pair by seed) or run more trials"
    )


def no_spread_warning(base: FloatArray, cand: FloatArray) -> str | None:
    """Neither arm varies at all."""
    if np.ptp(base) == 0 and np.ptp(cand) == 0:
        return (
            "neither arm varies between trials, which real measurements almost never do: "
            "check that the metric is measured rather than fixed or cached"
        )
    return None
