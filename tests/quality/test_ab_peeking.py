"""Always-valid A/B inference stays honest when the experimenter looks every day.

Each simulated experiment runs 30 days; after every day the harness reads the
verdict of :class:`~assay.stats.ab_sequential.SequentialAB` and counts the
experiment as a false verdict if any day's verdict is BETTER or WORSE. The
same harness fed a fixed-sample Welch t-test read every day, and a sequence
that trusts a plug-in variance from a handful of units, must fail: that shows
the harness can tell an honest method from a dishonest one.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from assay.stats.ab_sequential import SequentialAB
from assay.stats.verdict import Verdict

DAYS = 30
DECIDED = (Verdict.BETTER, Verdict.WORSE)


def _slack(rate: float, runs: int) -> float:
    return 3.0 * math.sqrt(rate * (1 - rate) / runs)


def _peek(a: np.ndarray, b: np.ndarray, truth: float = 0.0, **options: float) -> tuple[float, ...]:
    """Shares of runs (rows) with any decided verdict, and with the truth covered at every look."""
    decided = covered = 0
    verdicts = []
    for run_a, run_b in zip(a, b, strict=True):
        test, any_decided, all_covered = SequentialAB(**options), False, True  # type: ignore[arg-type]
        for day_a, day_b in zip(run_a, run_b, strict=True):
            look = test.update(day_a, day_b)
            any_decided |= look.verdict in DECIDED
            all_covered &= look.ci[0] <= truth <= look.ci[1]
        decided += any_decided
        covered += all_covered
        verdicts.append(look.verdict)
    runs = len(a)
    better = sum(v is Verdict.BETTER for v in verdicts) / runs
    return decided / runs, covered / runs, better


def _naive_t_tests(a: np.ndarray, b: np.ndarray) -> float:
    """Share of runs where a Welch t-test on all data so far gives p < 0.05 on some day."""
    n = np.arange(1, DAYS + 1) * a.shape[2]
    means, sq = [], []
    for arm in (a, b):
        means.append(np.cumsum(arm.sum(axis=2), axis=1) / n)
        sq.append(np.cumsum((arm**2).sum(axis=2), axis=1))
    var_a, var_b = ((s - n * m**2) / (n - 1) for s, m in zip(sq, means, strict=True))
    se2a, se2b = var_a / n, var_b / n
    t = (means[1] - means[0]) / np.sqrt(se2a + se2b)
    df = (se2a + se2b) ** 2 / (se2a**2 / (n - 1) + se2b**2 / (n - 1))
    p = 2 * special.stdtr(df, -np.abs(t))
    return float(np.mean((p < 0.05).any(axis=1)))


def test_a_a_with_daily_peeking_holds_five_percent_and_naive_t_tests_do_not() -> None:
    runs, daily = 800, 200
    rng = np.random.default_rng(140)
    a = rng.normal(10.0, 2.0, (runs, DAYS, daily))
    b = rng.normal(10.0, 2.0, (runs, DAYS, daily))
    false_rate, covered, _ = _peek(a, b, mde=0.2)
    naive = _naive_t_tests(a, b)
    print(f"A/A, 30 daily looks: mSPRT {false_rate:.3f} false, naive t-tests {naive:.3f}")
    assert false_rate <= 0.05
    assert covered >= 0.95
    assert naive > 0.05 + _slack(0.05, runs)  # the harness catches the usual mistake


def test_a_a_conversions_hold_five_percent() -> None:
    runs, daily, rate = 1500, 1000, 0.05
    rng = np.random.default_rng(141)
    conv_a, conv_b = rng.binomial(daily, rate, (2, runs, DAYS))
    false = 0
    for run_a, run_b in zip(conv_a, conv_b, strict=True):
        test, decided = SequentialAB(mde=0.01), False
        for day_a, day_b in zip(run_a, run_b, strict=True):
            decided |= test.update_counts(int(day_a), daily, int(day_b), daily).verdict in DECIDED
        false += decided
    print(f"A/A conversions at 5%, 30 daily looks: {false / runs:.3f} false verdicts")
    assert false / runs <= 0.05


def test_the_sequence_covers_a_real_effect_at_every_look_and_detects_it() -> None:
    runs, daily, effect = 600, 200, 0.2
    rng = np.random.default_rng(142)
    a = rng.normal(10.0, 2.0, (runs, DAYS, daily))
    b = rng.normal(10.0 + effect, 2.0, (runs, DAYS, daily))
    decided, covered, better = _peek(a, b, truth=effect, mde=0.2)
    print(f"effect 0.1 sd: coverage at all looks {covered:.3f}, detected {better:.3f}")
    assert covered >= 0.95
    assert better >= 0.90 and decided == better  # found, and never on the wrong side


def test_the_harness_catches_a_plug_in_variance_from_a_handful_of_units() -> None:
    runs, daily = 1500, 2
    rng = np.random.default_rng(143)
    a, b = rng.normal(0.0, 1.0, (2, runs, DAYS, daily))
    trusting, _, _ = _peek(a, b, tau=1.0, min_units=2)
    guarded, _, _ = _peek(a, b, tau=1.0)  # min_units=100: never enough units in 60
    print(f"2 units a day: {trusting:.3f} false verdicts with min_units=2, {guarded:.3f} guarded")
    assert trusting > 0.05 + _slack(0.05, runs)
    assert guarded == 0.0
