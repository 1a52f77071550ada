"""Delta-method intervals for A/B effects cover at the nominal rate.

Seeded simulations with a known true effect. Ratio metrics (revenue per session,
users as units) have a correlated numerator and denominator: heavy users have
more sessions and more revenue, so a per-session analysis would be too narrow;
the delta method of Deng et al. (2018) must not be.
"""

from __future__ import annotations

import numpy as np

from assay.stats.ab import proportion_effect, ratio_metric_effect

SIMULATIONS = 1500
USERS = 1000  # per arm


def _users(rng: np.random.Generator, per_session: float) -> tuple[np.ndarray, np.ndarray]:
    activity = rng.gamma(2.0, 1.0, USERS)  # a user's propensity: drives both
    sessions = 1.0 + rng.poisson(3.0 * activity)
    revenue = rng.gamma(2.0, per_session / 2.0 * (0.5 + activity / 2.0), USERS) * sessions
    return revenue, sessions


def _true_ratio(per_session: float) -> float:
    """E[revenue] / E[sessions]: with activity a ~ Gamma(2, 1) (E a = 2, E a^2 = 6),
    E[revenue] = per_session E[(0.5 + a/2)(1 + 3a)] = 13.5 per_session, E[sessions] = 7."""
    return per_session * 13.5 / 7.0


def test_ratio_metric_intervals_cover_the_true_difference() -> None:
    rng = np.random.default_rng(2018)
    truth_a, truth_b = _true_ratio(1.0), _true_ratio(1.05)
    difference, relative = truth_b - truth_a, truth_b / truth_a - 1
    covered_difference = covered_relative = 0
    for _ in range(SIMULATIONS):
        effect = ratio_metric_effect(*_users(rng, 1.0), *_users(rng, 1.05))
        low, high = effect.difference_ci
        covered_difference += low <= difference <= high
        low, high = effect.relative_ci
        covered_relative += low <= relative <= high
    assert covered_difference / SIMULATIONS >= 0.93
    assert covered_relative / SIMULATIONS >= 0.93


def test_a_per_session_analysis_would_undercover_so_the_test_can_fail() -> None:
    # Treating sessions as independent units ignores the within-user correlation.
    rng = np.random.default_rng(2019)
    truth = _true_ratio(1.0)
    covered = 0
    for _ in range(300):
        revenue, sessions = _users(rng, 1.0)
        per_session = np.repeat(revenue / sessions, sessions.astype(int))
        se = per_session.std(ddof=1) / np.sqrt(per_session.size)
        covered += abs(per_session.mean() - truth) <= 1.96 * se
    assert covered / 300 < 0.93


def test_proportion_intervals_cover_the_true_lift() -> None:
    rng = np.random.default_rng(1978)
    covered_difference = covered_relative = 0
    for _ in range(4000):
        s_a, s_b = rng.binomial(5000, 0.04), rng.binomial(5000, 0.044)
        effect = proportion_effect(int(s_a), 5000, int(s_b), 5000)
        covered_difference += effect.difference_ci[0] <= 0.004 <= effect.difference_ci[1]
        covered_relative += effect.relative_ci[0] <= 0.1 <= effect.relative_ci[1]
    assert covered_difference / 4000 >= 0.94
    assert covered_relative / 4000 >= 0.94
