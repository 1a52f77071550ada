"""Power: how many trials a comparison needs before it runs.

:func:`trials_needed` answers "how many trials per arm (or pairs) would detect an
effect of this size, given how much trials vary?" with the exact noncentral-t
power of a two-sided t-test (Cohen 1988, *Statistical Power Analysis for the
Behavioral Sciences*, 2nd ed., ch. 2; the same computation as statsmodels'
``TTestIndPower`` and ``TTestPower``). Cohen's tables: an effect of half a
standard deviation needs 64 trials per arm, or 34 pairs when the arms are
paired and ``spread`` is the standard deviation of the paired differences.
"""

from __future__ import annotations

import math

from scipy import special

from assay.errors import InputError
from assay.stats.validation import check_confidence, check_positive, check_probability

__all__ = ["achieved_power", "trials_needed"]

_MAX_TRIALS = 10**9


def achieved_power(
    n: int, effect: float, spread: float, *, paired: bool = False, confidence: float = 0.95
) -> float:
    """Power of a two-sided t-test with ``n`` trials per arm (or ``n`` pairs).

    Unpaired: pooled two-sample t with ``2n - 2`` degrees of freedom and
    noncentrality ``d * sqrt(n / 2)``; paired: one-sample t on the differences
    with ``n - 1`` degrees of freedom and noncentrality ``d * sqrt(n)``, where
    ``d = effect / spread``. Both rejection tails count, as in statsmodels.
    """
    if n < 2:
        raise InputError(f"n={n} must be at least 2; a t-test needs a spread")
    d = abs(effect) / spread
    df = n - 1 if paired else 2 * n - 2
    ncp = d * math.sqrt(n if paired else n / 2)
    alpha = 1.0 - confidence
    critical = float(special.stdtrit(df, 1 - alpha / 2))
    upper = 1.0 - float(special.nctdtr(df, ncp, critical))
    # P(T < -c | ncp) = P(T > c | -ncp); the direct left tail can come back NaN.
    lower = 1.0 - float(special.nctdtr(df, -ncp, critical))
    return upper + (lower if math.isfinite(lower) else 0.0)


def trials_needed(
    effect: float,
    spread: float,
    *,
    paired: bool = False,
    confidence: float = 0.95,
    power: float = 0.8,
) -> int:
    """Trials per arm (pairs when ``paired``) to detect ``effect`` with the given power.

    ``effect`` and ``spread`` are in the same units: a 5% change with a 10%
    coefficient of variation is ``trials_needed(0.05, 0.10)``. When paired,
    ``spread`` is the standard deviation of the per-pair differences (smaller
    than the per-arm spread when the arms share seeds). The answer is the
    smallest whole number ``n >= 2`` whose exact noncentral-t power (see
    :func:`achieved_power`) reaches ``power``: the statsmodels
    ``solve_power`` answer rounded up.
    """
    if not isinstance(effect, int | float) or not math.isfinite(effect) or effect == 0:
        raise InputError(
            f"effect={effect!r} must be a non-zero number: the smallest change worth detecting"
        )
    spread = check_positive(spread, name="spread")
    confidence = check_confidence(confidence)
    power = check_probability(power, name="power")
    if power <= 1.0 - confidence:
        raise InputError(
            f"power={power} must exceed the false-verdict rate {1 - confidence:.3g}; "
            "0.8 is customary"
        )

    def enough(n: int) -> bool:
        return achieved_power(n, effect, spread, paired=paired, confidence=confidence) >= power

    z = float(special.ndtri(1 - (1 - confidence) / 2) + special.ndtri(power))
    guess = (z * spread / abs(effect)) ** 2 * (1 if paired else 2)
    if guess > _MAX_TRIALS:
        raise InputError(
            f"an effect of {effect:g} against a spread of {spread:g} needs more than "
            f"{_MAX_TRIALS:,} trials per arm; reduce the noise or look for a larger effect"
        )
    # The normal approximation is a close lower bound; step from it.
    n = max(2, math.floor(guess))
    if enough(n):
        while n > 2 and enough(n - 1):
            n -= 1
        return n
    while not enough(n):
        n += 1
    return n
