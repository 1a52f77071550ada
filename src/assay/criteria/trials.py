"""How many trials would likely settle an UNDETERMINED criterion.

An interval of half-width ``w`` from ``n`` trials per arm has a standard error
``se = w / z``, with ``z`` the two-sided normal quantile of its confidence level;
the spread of one trial is then ``s = se * sqrt(n)`` in the units of the
interval. If the point estimate sits at a distance ``d`` from the threshold and
stays there, the interval excludes the threshold once a t-test of the estimate
against the threshold would reject, so the trials needed are those of a one-sample
t-test of effect ``d`` and spread ``s`` at the interval's confidence and 80% power:
``assay.stats.trials_needed(d, s, paired=True, ...)``, the exact noncentral-t
calculation (statsmodels' ``TTestPower``).

Why one-sample for every design: rescaling the engine's own interval needs no
knowledge of the design. For a statistic of one arm the one-sample test is the
design; for a paired effect it is exactly the paired test; for an unpaired
two-arm effect with equal arms, ``se = sd * sqrt(2 / n)``, so ``s = sd * sqrt(2)``
gives the same noncentrality ``d / sd * sqrt(n' / 2)`` as the two-sample test,
with fewer degrees of freedom (slightly more trials: the safe side).

The normal approximation ``n' = n * ((z + z_power) * w / (z * d)) ** 2`` is used
above :data:`_EXACT_UP_TO` trials, where the t correction no longer matters and
the exact search would only cost time; and at ten spreads or more (``d / s >=
10``) the answer is at most 3, which is used without a search. The answer is rounded up, at least
``n + 1``, capped at a billion, and ``None`` when it cannot be said: the
estimate on the threshold (``d = 0``), a one-sided interval, or ``n`` unknown.
Where the engine itself says how many trials an inconclusive verdict needs
(``VerdictEstimate.needed_trials``), the evaluator uses the engine's figure.
"""

from __future__ import annotations

import math
from statistics import NormalDist

__all__ = ["trials_to_settle"]

_MAX_TRIALS = 10**9
_EXACT_UP_TO = 100_000
_CLEAR = 10.0  # an effect of 10 spreads or more: 3 trials are enough (2 from 20 up)


def trials_to_settle(
    half_width: float,
    distance: float,
    n: int | None,
    *,
    confidence: float = 0.95,
    power: float = 0.8,
) -> int | None:
    """Trials per arm likely to move an interval of ``half_width`` from ``n`` trials
    clear of a threshold ``distance`` away from the estimate (see the module
    docstring); ``None`` when it cannot be said."""
    if n is None or not math.isfinite(half_width) or not math.isfinite(distance):
        return None
    distance = abs(distance)
    if distance == 0 or half_width <= 0:
        return None
    normal = NormalDist()
    z = normal.inv_cdf(1 - (1 - confidence) / 2)
    ratio = (z + normal.inv_cdf(power)) * half_width / (z * distance)
    approximate = n * ratio * ratio
    if not math.isfinite(approximate) or approximate > _MAX_TRIALS:
        return _MAX_TRIALS
    if approximate > _EXACT_UP_TO:
        return max(n + 1, math.ceil(approximate))
    from assay.stats import trials_needed  # SciPy is imported only when needed

    spread = half_width / z * math.sqrt(n)
    if spread == 0 or distance / spread >= _CLEAR:
        return max(n + 1, 3)
    exact = trials_needed(distance, spread, paired=True, confidence=confidence, power=power)
    return max(n + 1, exact)
