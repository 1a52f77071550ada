"""``compare(serial=True)`` keeps its false verdicts near the nominal rate when
consecutive pairs are correlated, as a load A/B's windows are.

The model: 20 windows (the A/B's default), each pair's log ratio B/A an AR(1) series
``d_t = phi d_(t-1) + e_t`` with no change (mean 0), so every WORSE or BETTER without a
margin is false. The plain paired t-test is run beside it: the check that the
correction matters is that the plain test fails the bound the correction meets.

Measured here (2,000 series each): at phi = 0 the corrected test says WORSE or BETTER
3.9% of the time (the plain one 5.4%); at phi = 0.3, 6.9% (15%); at phi = 0.5, 8.1%
(26%); at phi = 0.7, 9.7% (41%). The bounds below carry three binomial standard errors
of slack. The 95% interval covers a real 5% change 92% of the time at phi = 0.5.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from assay.stats import Verdict, compare

SERIES = 2000
WINDOWS = 20
SPREAD = 0.05  # innovations of the log ratio: a few percent from window to window


def _series(rng: np.random.Generator, phi: float, effect: float = 0.0) -> np.ndarray:
    """One run's windows: base latencies and B's, with log(B/A) an AR(1) series."""
    shocks = rng.normal(0.0, SPREAD, WINDOWS + 50)
    d = np.zeros_like(shocks)
    for t in range(1, shocks.size):
        d[t] = phi * d[t - 1] + shocks[t]
    return math.log1p(effect) + d[50:]  # a burn-in of 50: the series is stationary


def _rates(phi: float, *, seed: int) -> tuple[float, float]:
    """Share of false WORSE/BETTER verdicts: (corrected, plain paired t)."""
    rng = np.random.default_rng(seed)
    wrong = [0, 0]
    for _ in range(SERIES):
        base = np.exp(rng.normal(math.log(20.0), 0.3, WINDOWS))  # windows differ in load
        cand = base * np.exp(_series(rng, phi))
        for i, serial in enumerate((True, False)):
            verdict = compare(base, cand, paired=True, serial=serial).verdict
            wrong[i] += verdict in (Verdict.WORSE, Verdict.BETTER)
    return wrong[0] / SERIES, wrong[1] / SERIES


def _slack(rate: float) -> float:
    return 3 * math.sqrt(rate * (1 - rate) / SERIES)


def test_without_correlation_the_correction_costs_little() -> None:
    corrected, plain = _rates(0.0, seed=1)
    assert corrected <= 0.05 + _slack(0.05)
    assert corrected >= 0.02  # not so wide that it never decides
    assert abs(plain - 0.05) <= _slack(0.05)  # the plain test is right here


@pytest.mark.parametrize(("phi", "bound"), [(0.5, 0.10), (0.7, 0.13)])
def test_with_correlated_windows_false_verdicts_stay_bounded(phi: float, bound: float) -> None:
    corrected, plain = _rates(phi, seed=2)
    assert corrected <= bound + _slack(bound)
    assert plain > bound + _slack(bound)  # the guard: uncorrected, the bound is broken


def test_the_interval_covers_a_real_change_under_correlation() -> None:
    rng = np.random.default_rng(3)
    covered = 0
    for _ in range(SERIES):
        base = np.exp(rng.normal(math.log(20.0), 0.3, WINDOWS))
        cand = base * np.exp(_series(rng, 0.5, effect=0.05))
        low, high = compare(base, cand, paired=True, serial=True).ci
        covered += low <= 0.05 <= high
    assert covered / SERIES >= 0.90 - _slack(0.10)
