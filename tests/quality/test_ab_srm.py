"""The sample-ratio-mismatch check: it catches a 49/51 split and rarely flags a fair one.

Seeded multinomial draws of the units per arm (two arms: a binomial), checked
by :func:`assay.stats.ab.srm_check` at its default α = 0.001.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as sps

from assay.stats.ab import srm_check

UNITS = 1_000_000


def _flag_rate(shares: tuple[float, float], draws: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(UNITS, shares, size=draws)
    flags = sum(srm_check((int(a), int(b))).mismatch for a, b in counts)
    return flags / draws


def test_srm_catches_a_49_51_split_at_one_million_units() -> None:
    # chi-square = N (0.02)^2 = 400 on average against a 10.8 threshold: power ~1
    assert _flag_rate((0.49, 0.51), 500, seed=14) == 1.0


def test_srm_flags_about_one_in_a_thousand_fair_splits() -> None:
    draws = 40_000
    rate = _flag_rate((0.5, 0.5), draws, seed=15)
    slack = 3 * math.sqrt(0.001 * 0.999 / draws)  # three standard errors of the rate
    assert rate <= 0.001 + slack
    assert rate >= 0.001 - slack  # calibrated, not merely conservative


def test_srm_power_matches_the_noncentral_chi_square_for_a_small_imbalance() -> None:
    # 49.8/50.2 at 1M units: noncentrality N * sum((p - s)^2 / s) = 16, power about 0.76
    draws = 1000
    power = float(sps.ncx2.sf(sps.chi2.isf(0.001, 1), 1, 16.0))
    rate = _flag_rate((0.498, 0.502), draws, seed=16)
    assert abs(rate - power) <= 3 * math.sqrt(power * (1 - power) / draws)
