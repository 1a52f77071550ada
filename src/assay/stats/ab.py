"""Fixed-horizon analysis of a production A/B test: arm A is the control, B the treatment.

- :func:`srm_check` — the sample-ratio-mismatch check: Pearson's χ² goodness
  of fit of the units per arm to the planned split (the same p-value as
  ``scipy.stats.chisquare``). A mismatch means the assignment or the logging is
  broken, so no effect should be read (Fabijan et al. 2019, *KDD*, "Diagnosing
  sample ratio mismatch in online controlled experiments").
- :func:`proportion_effect` — a conversion rate: the difference with the Wald
  (unpooled) interval and test, and the relative lift ``p_B / p_A − 1`` by the
  delta method on the log of the ratio of proportions (Katz et al. 1978,
  *Biometrics* 34:469-474), the same as statsmodels'
  ``confint_proportions_2indep(compare="ratio", method="log")``.
- :func:`mean_effect` — a per-unit mean: Welch's difference (the same p-value and
  interval as ``scipy.stats.ttest_ind(b, a, equal_var=False)``) and the relative
  lift by the delta method on the ratio of means, optionally CUPED-adjusted.
- :func:`ratio_metric_effect` — a ratio of sums with the user as the unit
  (revenue per session): the delta method for the variance of each arm's ratio
  (Deng, Knoblich & Lu 2018, *KDD*, "Applying the delta method in metric
  analytics", §3).
- :func:`cuped` — variance reduction with a pre-period covariate (Deng, Xu,
  Kohavi & Walker 2013, *WSDM*): ``y − θ (x − x̄)`` with ``θ = cov(y, x) / var(x)``
  pooled over both arms.

Relative lifts and their intervals for means and ratio metrics use the
first-order delta method on ``mean_B / mean_A`` (Deng et al. 2018, §3.3):
``Var ≈ Var(ȳB)/ȳA² + ȳB² Var(ȳA)/ȳA⁴``, normal quantiles (these are large-sample
methods; an A/B test has thousands of units per arm).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special
from scipy import stats as sps

from assay.errors import InputError
from assay.stats.intervals import t_interval
from assay.stats.significance import welch_parts
from assay.stats.validation import FloatArray, check_confidence, check_probability, sample

__all__ = [
    "ABEffect",
    "CupedResult",
    "SRMResult",
    "cuped",
    "mean_effect",
    "one_sided_p",
    "proportion_effect",
    "ratio_metric_effect",
    "srm_check",
]


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class SRMResult:
    """The sample-ratio-mismatch check: ``mismatch`` when ``p_value < alpha``."""

    counts: tuple[int, ...]
    expected: tuple[float, ...]
    statistic: float
    p_value: float
    alpha: float

    @property
    def mismatch(self) -> bool:
        """Whether the split differs from the plan beyond chance (the result is then INVALID)."""
        return self.p_value < self.alpha

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "counts": list(self.counts),
            "expected": list(self.expected),
            "statistic": self.statistic,
            "p_value": self.p_value,
            "alpha": self.alpha,
            "mismatch": self.mismatch,
            "method": "chi-square goodness of fit",
        }


def _counts(counts: Any) -> tuple[int, ...]:
    values = tuple(counts) if isinstance(counts, list | tuple | np.ndarray) else None
    if (
        values is None
        or len(values) < 2
        or not all(isinstance(c, int | np.integer) and not isinstance(c, bool) for c in values)
        or any(c < 0 for c in values)
        or sum(values) == 0
    ):
        raise InputError(
            f"counts={counts!r} must list the units in each arm as whole numbers "
            "(at least two arms, not all empty), e.g. (50123, 49877)"
        )
    return tuple(int(c) for c in values)


def _shares(expected: Any, arms: int) -> tuple[float, ...]:
    try:
        shares = np.asarray(expected, dtype=np.float64)
    except (TypeError, ValueError):
        shares = np.asarray([], dtype=np.float64)
    if shares.shape != (arms,) or not np.all(np.isfinite(shares)) or np.any(shares <= 0):
        raise InputError(
            f"expected={expected!r} must give a positive planned share for each of the "
            f"{arms} arms, e.g. (0.5, 0.5) or (50, 50)"
        )
    return tuple(float(s) for s in shares / shares.sum())


def srm_check(counts: Any, expected: Any = (0.5, 0.5), alpha: float = 0.001) -> SRMResult:
    """Pearson's χ² test that ``counts`` follow the planned split ``expected``.

    ``χ² = Σ (n_i − N s_i)² / (N s_i)`` with ``k − 1`` degrees of freedom; the
    same statistic and p-value as ``scipy.stats.chisquare(counts, N * shares)``.
    ``expected`` may be shares or weights (``(50, 50)``); ``alpha=0.001`` is the
    usual SRM threshold (Kohavi, Tang & Xu 2020, *Trustworthy Online Controlled
    Experiments*, ch. 21), strict because the check runs on every experiment.
    """
    observed = _counts(counts)
    shares = _shares(expected, len(observed))
    alpha = check_probability(alpha, name="alpha")
    total = sum(observed)
    planned = np.asarray(shares) * total
    statistic = float(np.sum((np.asarray(observed) - planned) ** 2 / planned))
    p_value = float(special.chdtrc(len(observed) - 1, statistic))
    return SRMResult(observed, shares, statistic, p_value, alpha)


@dataclass(frozen=True)
class ABEffect:
    """The effect of B (treatment) against A (control) on one metric.

    ``difference`` is ``B − A`` in the metric's unit and ``relative`` is
    ``B / A − 1``, each with its interval at ``confidence``; ``p_value`` tests
    no difference. ``relative_se`` is the standard error of the relative lift
    on ``relative_scale`` ("log": of ``log(B / A)``; "linear": of ``B / A``), for
    one-sided tests against a margin. ``variance_reduction`` is set by CUPED:
    ``1 − Var(adjusted) / Var(raw)`` of the estimated difference.
    """

    kind: str
    method: str
    baseline: float
    candidate: float
    difference: float
    difference_ci: tuple[float, float]
    relative: float
    relative_ci: tuple[float, float]
    p_value: float
    confidence: float
    n_baseline: int
    n_candidate: int
    relative_se: float
    relative_scale: str
    variance_reduction: float | None = None
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; unbounded interval ends are ``None``."""
        return {
            "kind": self.kind,
            "method": self.method,
            "baseline": self.baseline,
            "candidate": self.candidate,
            "difference": {
                "estimate": self.difference,
                "ci": [_finite(v) for v in self.difference_ci],
            },
            "relative": {
                "estimate": _finite(self.relative),
                "ci": [_finite(v) for v in self.relative_ci],
            },
            "p_value": self.p_value,
            "confidence": self.confidence,
            "n_baseline": self.n_baseline,
            "n_candidate": self.n_candidate,
            "variance_reduction": self.variance_reduction,
            "warnings": list(self.warnings),
        }


def _z(confidence: float) -> float:
    return float(special.ndtri(0.5 + confidence / 2))


def _two_sided(z: float) -> float:
    return float(2.0 * special.ndtr(-abs(z))) if math.isfinite(z) else 0.0


def _check_count(successes: Any, n: Any, arm: str) -> tuple[int, int]:
    if not (isinstance(n, int | np.integer) and not isinstance(n, bool) and n >= 1):
        raise InputError(f"n_{arm}={n!r} must be a whole number of units, at least 1")
    if not (isinstance(successes, int | np.integer) and 0 <= successes <= n):
        raise InputError(
            f"successes_{arm}={successes!r} must be a whole number from 0 to n_{arm}={n}"
        )
    return int(successes), int(n)


def ratio_delta(
    mean_a: float, var_a: float, mean_b: float, var_b: float, confidence: float
) -> tuple[float, tuple[float, float], float]:
    """``mean_b / mean_a − 1``, its delta-method interval and the ratio's standard error
    (shared by the per-unit, ratio-metric and per-arm-summary analyses)."""
    if mean_a == 0.0:
        return math.nan, (-math.inf, math.inf), math.inf
    ratio = mean_b / mean_a
    se = math.hypot(math.sqrt(var_b), ratio * math.sqrt(var_a)) / abs(mean_a)
    if not (math.isfinite(ratio) and math.isfinite(se)):
        return ratio - 1.0, (-math.inf, math.inf), math.inf  # a control mean next to 0
    half = _z(confidence) * se
    return ratio - 1.0, (ratio - 1.0 - half, ratio - 1.0 + half), se


def _log_ratio(
    s_a: int, n_a: int, s_b: int, n_b: int, z: float
) -> tuple[float, tuple[float, float], float]:
    """``p_B / p_A − 1`` with Katz's log interval and the standard error of the log ratio."""
    if s_a == 0 or s_b == 0:
        lift = -1.0 if s_a else (math.nan if s_b == 0 else math.inf)
        return lift, (-1.0, math.inf), math.inf
    p_a, p_b = s_a / n_a, s_b / n_b
    log_se = math.sqrt((1 - p_a) / s_a + (1 - p_b) / s_b)
    log_ratio = math.log(p_b / p_a)
    ci = (math.expm1(log_ratio - z * log_se), math.expm1(log_ratio + z * log_se))
    return p_b / p_a - 1.0, ci, log_se


def proportion_effect(
    successes_a: int,
    n_a: int,
    successes_b: int,
    n_b: int,
    *,
    confidence: float = 0.95,
) -> ABEffect:
    """A conversion rate in B against A: difference and relative lift with intervals.

    Difference ``p_B − p_A ± z √(p_A(1−p_A)/n_A + p_B(1−p_B)/n_B)`` and its Wald
    z-test (statsmodels ``confint_proportions_2indep`` / ``test_proportions_2indep``
    with ``method="wald", compare="diff"``). Relative lift ``p_B / p_A − 1`` with
    the delta method on ``log(p_B / p_A)``: ``se² = (1−p_A)/(n_A p_A) +
    (1−p_B)/(n_B p_B)`` (Katz 1978; statsmodels ``compare="ratio", method="log"``).
    """
    confidence = check_confidence(confidence)
    s_a, n_a = _check_count(successes_a, n_a, "a")
    s_b, n_b = _check_count(successes_b, n_b, "b")
    p_a, p_b = s_a / n_a, s_b / n_b
    difference = p_b - p_a
    se = math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    z = _z(confidence)
    p_value = _two_sided(difference / se) if se > 0 else (1.0 if difference == 0 else 0.0)
    relative, rel_ci, log_se = _log_ratio(s_a, n_a, s_b, n_b, z)
    warnings: tuple[str, ...] = ()
    if s_a == 0 or s_b == 0:
        warnings = (
            "an arm has no successes, so the relative lift cannot be bounded; "
            "read the difference, or run the test longer",
        )
    return ABEffect(
        "proportion",
        "Wald z on the difference; delta method on log(p_B / p_A)",
        p_a,
        p_b,
        difference,
        (difference - z * se, difference + z * se),
        relative,
        rel_ci,
        p_value,
        confidence,
        n_a,
        n_b,
        log_se,
        "log",
        warnings=warnings,
    )


@dataclass(frozen=True)
class CupedResult:
    """CUPED-adjusted values: ``adjusted = y − theta (x − mean(x))``."""

    adjusted: FloatArray
    theta: float
    variance_reduction: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (without the adjusted values)."""
        return {"theta": self.theta, "variance_reduction": self.variance_reduction}


def cuped(y: Any, x_pre: Any) -> CupedResult:
    """CUPED (Deng, Xu, Kohavi & Walker 2013): ``y − θ (x − x̄)``, ``θ = cov(y, x) / var(x)``.

    ``y`` and ``x_pre`` hold every unit of both arms (the covariate is measured
    before assignment, so pooling keeps the estimate unbiased). The variance
    falls by ``ρ²``, the squared correlation of ``y`` and ``x``;
    ``variance_reduction`` reports ``1 − var(adjusted) / var(y)`` as achieved.
    """
    values = sample(y, name="y")
    pre = sample(x_pre, name="x_pre")
    if values.size != pre.size:
        raise InputError(
            f"y holds {values.size} units and x_pre {pre.size}; give the pre-period "
            "covariate of every unit, in the same order"
        )
    var_x = float(np.var(pre, ddof=1))
    if var_x == 0.0:
        raise InputError("x_pre does not vary, so it cannot reduce variance; drop the covariate")
    theta = float(np.cov(values, pre, ddof=1)[0, 1]) / var_x
    adjusted = values - theta * (pre - float(np.mean(pre)))
    var_y = float(np.var(values, ddof=1))
    reduction = 1.0 - float(np.var(adjusted, ddof=1)) / var_y if var_y > 0 else 0.0
    return CupedResult(adjusted, theta, reduction)


def _covariate_adjusted(
    a: FloatArray, b: FloatArray, covariate: Any
) -> tuple[FloatArray, FloatArray]:
    try:
        pre_a, pre_b = covariate
    except (TypeError, ValueError):
        raise InputError(
            "covariate must be a pair (pre_a, pre_b): the pre-period values of each arm's units"
        ) from None
    pre_a, pre_b = sample(pre_a, name="covariate[0]"), sample(pre_b, name="covariate[1]")
    if pre_a.size != a.size or pre_b.size != b.size:
        raise InputError(
            f"the covariate holds {pre_a.size} and {pre_b.size} units but the arms "
            f"{a.size} and {b.size}; give one pre-period value per unit"
        )
    adjusted = cuped(np.concatenate([a, b]), np.concatenate([pre_a, pre_b])).adjusted
    return adjusted[: a.size], adjusted[a.size :]


def mean_effect(x_a: Any, x_b: Any, *, confidence: float = 0.95, covariate: Any = None) -> ABEffect:
    """A per-unit mean in B against A: Welch difference and delta-method relative lift.

    The difference, its t-interval and p-value are Welch's (Welch 1947; equal to
    ``scipy.stats.ttest_ind(x_b, x_a, equal_var=False)``). With
    ``covariate=(pre_a, pre_b)`` both arms are CUPED-adjusted first (:func:`cuped`)
    and ``variance_reduction`` reports ``1 − se²(adjusted) / se²(raw)`` of the
    difference.
    """
    confidence = check_confidence(confidence)
    a, b = sample(x_a, name="x_a"), sample(x_b, name="x_b")
    reduction: float | None = None
    method = "Welch t on the difference; delta method on mean_B / mean_A"
    if covariate is not None:
        raw_se = welch_parts(a, b)[1]
        a, b = _covariate_adjusted(a, b, covariate)
        se_adj = welch_parts(a, b)[1]
        reduction = 1.0 - (se_adj / raw_se) ** 2 if raw_se > 0 else 0.0
        method = "CUPED, then " + method
    difference, se, df = welch_parts(a, b)
    _, low, high = t_interval(difference, se, df, confidence)
    if se > 0:
        p_value = float(2.0 * special.stdtr(df, -abs(difference / se)))
    else:
        p_value = 1.0 if difference == 0 else 0.0
    mean_a, mean_b = float(np.mean(a)), float(np.mean(b))
    var_a, var_b = float(np.var(a, ddof=1)) / a.size, float(np.var(b, ddof=1)) / b.size
    relative, rel_ci, rel_se = ratio_delta(mean_a, var_a, mean_b, var_b, confidence)
    return ABEffect(
        "mean",
        method,
        mean_a,
        mean_b,
        difference,
        (low, high),
        relative,
        rel_ci,
        p_value,
        confidence,
        int(a.size),
        int(b.size),
        rel_se,
        "linear",
        variance_reduction=reduction,
        warnings=_zero_baseline(mean_a),
    )


def _zero_baseline(mean_a: float) -> tuple[str, ...]:
    if mean_a != 0.0:
        return ()
    return ("the control's mean is 0, so the relative lift is undefined; read the difference",)


def _ratio_arm(num: Any, den: Any, arm: str) -> tuple[float, float, int]:
    """An arm's ratio ``Σ num / Σ den`` and its delta-method variance (Deng et al. 2018, eq. 4)."""
    numer, denom = sample(num, name=f"num_{arm}"), sample(den, name=f"den_{arm}")
    if numer.size != denom.size:
        raise InputError(
            f"num_{arm} holds {numer.size} units and den_{arm} {denom.size}; "
            "give one numerator and one denominator per unit"
        )
    mean_d = float(np.mean(denom))
    if mean_d <= 0:
        raise InputError(
            f"den_{arm} sums to {float(np.sum(denom))}; the denominator (sessions, "
            "page views) must be positive in total"
        )
    ratio = float(np.mean(numer)) / mean_d
    # σ²_y − 2R σ_xy + R² σ²_x is the variance of the linearised values y − R x
    spread = float(np.var(numer - ratio * denom, ddof=1)) / mean_d
    return ratio, spread / (numer.size * mean_d), int(numer.size)


def ratio_metric_effect(
    num_a: Any, den_a: Any, num_b: Any, den_b: Any, *, confidence: float = 0.95
) -> ABEffect:
    """A ratio metric (``Σ num / Σ den`` per arm, units randomised) in B against A.

    Each arm's ratio ``R = ȳ / x̄`` has the delta-method variance
    ``(σ²_y − 2R σ_xy + R² σ²_x) / (n x̄²)`` (Deng, Knoblich & Lu 2018, *KDD*),
    which accounts for the correlation of sessions within a user that a naive
    per-session t-test ignores. Difference and relative lift use normal
    quantiles; the p-value is the z-test of the difference.
    """
    confidence = check_confidence(confidence)
    r_a, v_a, n_a = _ratio_arm(num_a, den_a, "a")
    r_b, v_b, n_b = _ratio_arm(num_b, den_b, "b")
    difference = r_b - r_a
    se = math.sqrt(v_a + v_b)
    half = _z(confidence) * se
    p_value = _two_sided(difference / se) if se > 0 else (1.0 if difference == 0 else 0.0)
    relative, rel_ci, rel_se = ratio_delta(r_a, v_a, r_b, v_b, confidence)
    return ABEffect(
        "ratio",
        "delta method (Deng et al. 2018) on each arm's ratio of sums",
        r_a,
        r_b,
        difference,
        (difference - half, difference + half),
        relative,
        rel_ci,
        p_value,
        confidence,
        n_a,
        n_b,
        rel_se,
        "linear",
        warnings=_zero_baseline(r_a),
    )


def one_sided_p(effect: ABEffect, bound: float, *, above: bool) -> float:
    """P-value of the one-sided test that the relative lift is beyond ``bound``.

    ``above=True`` tests H0: ``relative <= bound`` against ``relative > bound``
    (for a higher-is-better metric's non-inferiority, ``bound = −margin``); on the
    log scale for proportions, on the ratio scale otherwise.
    """
    if not math.isfinite(effect.relative_se):
        return 1.0  # the data cannot bound the lift, so they show nothing
    if effect.relative_se == 0.0:
        return 0.0 if (effect.relative > bound) == above else 1.0
    if effect.relative_scale == "log":
        if bound <= -1.0:
            return 0.0 if above else 1.0
        z = (math.log1p(effect.relative) - math.log1p(bound)) / effect.relative_se
    else:
        z = (effect.relative - bound) / effect.relative_se
    return float(sps.norm.sf(z if above else -z))
