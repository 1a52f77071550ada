"""How many trials would likely settle an UNDETERMINED criterion.

The estimate is a normal approximation, stated here so that nobody mistakes it
for more. An interval of half-width ``w`` from ``n`` trials per arm has a
standard error ``se = w / z`` with ``z`` the two-sided normal quantile of its
confidence level, and the standard error shrinks as ``1 / sqrt(n)``. Suppose
the point estimate is right and sits at a distance ``d`` from the threshold. The
interval then excludes the threshold with probability ``power`` once
``d >= (z + z_power) * se'``, so::

    n' = n * ((z + z_power) * w / (z * d)) ** 2

trials per arm (pairs when paired), rounded up and at least ``n + 1``. With the
default power of 0.8 this is the design rule of Cohen's tables applied to the
spread seen so far; like any plug-in estimate it is optimistic when ``n`` is
small (Student's t quantiles would ask a little more) and says nothing when the
estimate sits on the threshold (``d = 0``), when the interval is one-sided or
when ``n`` is unknown: the answer is then ``None``.

It needs no knowledge of the design (one arm, two arms, paired) because it only
rescales the interval the statistics engine produced for that design. Where the
engine itself says how many trials an inconclusive verdict needs
(``VerdictEstimate.needed_trials``), the evaluator uses the engine's figure.
"""

from __future__ import annotations

import math
from statistics import NormalDist

__all__ = ["trials_to_settle"]

_MAX_TRIALS = 10**9


def trials_to_settle(
    half_width: float,
    distance: float,
    n: int | None,
    *,
    confidence: float = 0.95,
    power: float = 0.8,
) -> int | None:
    """Trials per arm likely to move an interval of ``half_width`` clear of a threshold
    ``distance`` away from the estimate (see the module docstring); ``None`` when it
    cannot be said. Capped at a billion."""
    if n is None or not math.isfinite(half_width) or not math.isfinite(distance):
        return None
    distance = abs(distance)
    if distance == 0 or half_width <= 0:
        return None
    normal = NormalDist()
    z = normal.inv_cdf(1 - (1 - confidence) / 2)
    z_power = normal.inv_cdf(power)
    ratio = (z + z_power) * half_width / (z * distance)
    needed = n * ratio * ratio
    if not math.isfinite(needed) or needed > _MAX_TRIALS:
        return _MAX_TRIALS
    return max(n + 1, math.ceil(needed))
