"""The sequential design's plan (issue 10): early analyses, boundaries an early analysis
can cross, no analysis past ``limit`` or the budget's reach, the futility stop and the
final analysis when the run stops."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from assay.errors import InputError
from assay.stats import SequentialDesign, Verdict
from assay.stats.boundary import SPENDING
from assay.stats.sequential import conditional_power
from assay.stats.t_boundaries import cumulative_spend, t_boundaries


def test_the_first_analyses_are_at_5_and_10_and_the_worst_case_stays_within_1_06x() -> None:
    design = SequentialDesign(0.5, 1.0, paired=True)
    assert design.planned[:2] == (5, 10)
    assert len(design.planned) == design.looks
    assert design.planned[-1] == design.max_trials == design.full_trials
    assert design.fixed_trials == 34
    assert design.max_trials <= 1.06 * design.fixed_trials


def test_the_mixed_spending_function() -> None:
    obf = SPENDING["obrien-fleming"]
    for t in (0.05, 0.3, 0.9):
        expected = 0.99 * obf(t, 0.05) + 0.01 * 0.05 * t
        assert cumulative_spend(t, 0.05, "obrien-fleming", 0.01) == pytest.approx(expected)
    assert cumulative_spend(1.0, 0.05, "obrien-fleming", 0.01) == 0.05
    assert cumulative_spend(0.1, 0.05, "obrien-fleming", 0.01) > 100 * obf(0.1, 0.05)


def test_an_early_tiny_spend_is_cut_at_the_student_t_quantile() -> None:
    # O'Brien-Fleming spends about 1e-13 at t = 0.07: 300,000 simulated paths resolved
    # that to no path at all, an infinite boundary no effect could cross (the user's
    # 200x speed-up stayed INCONCLUSIVE).
    schedule, fractions = ((5, 5), (10, 10)), (0.07, 0.14)
    plain = t_boundaries(schedule, fractions, True, 0.05, "obrien-fleming")
    assert all(math.isfinite(b) for b in plain)
    bounds = t_boundaries(schedule, fractions, True, 0.05, "obrien-fleming", early=0.01)
    spend = cumulative_spend(0.07, 0.05, "obrien-fleming", 0.01)
    assert bounds[0] == pytest.approx(sps.t.ppf(1 - spend / 2, df=4), rel=1e-9)
    assert bounds[0] < 30 < plain[0]
    unpaired = t_boundaries(((5, 7),), (0.07,), False, 0.05, "obrien-fleming", early=0.01)
    assert unpaired[0] == pytest.approx(sps.t.ppf(1 - spend / 2, df=4), rel=1e-9)


def test_no_analysis_is_planned_past_the_limit() -> None:
    design = SequentialDesign(0.05, 0.5, paired=True, scale="log", limit=200)
    assert design.full_trials > 200
    assert design.max_trials == design.planned[-1] == 200
    assert max(design.planned) == 200
    unlimited = SequentialDesign(0.05, 0.5, paired=True, scale="log")
    assert unlimited.planned[-1] == unlimited.full_trials > 200


def test_reach_drops_and_respaces_the_analyses_past_the_budget() -> None:
    design = SequentialDesign(0.05, 0.2, paired=True, scale="log")
    assert design.max_trials > 60
    planned = design.reach(40)
    assert planned[-1] == 40
    assert all(p <= 40 for p in planned)
    assert planned[:2] == (5, 10)
    assert design.reach(10**6)[-1] == design.max_trials  # a faster machine: back to the plan
    rng = np.random.default_rng(5)
    base, cand = rng.lognormal(0, 0.1, 30), rng.lognormal(0, 0.1, 30)
    design.look(base[:12], cand[:12])  # analysis at 12 pairs
    assert design.reach(3)[-1] == 13  # never before the last analysis made


def _feed(design: SequentialDesign, base: np.ndarray, cand: np.ndarray) -> object:
    for n in range(2, base.size + 1):
        decision = design.look(base[:n], cand[:n])
        if decision.stop:
            return decision
    return decision


@pytest.mark.parametrize("futility", [0.10, 0.0])
def test_a_design_cut_short_stops_for_futility(futility: float) -> None:
    rng = np.random.default_rng(11)
    base = rng.lognormal(0.0, 0.1, 60)
    cand = base * rng.lognormal(0.0, 0.02, 60)  # no effect, and little noise
    design = SequentialDesign(0.01, 0.14, paired=True, scale="log", limit=60, futility=futility)
    assert design.horizon < design.full_trials
    decision = _feed(design, base, cand)
    assert decision.stop
    assert decision.verdict is Verdict.INCONCLUSIVE
    if futility:
        assert decision.cause == "futility"
        assert decision.n_baseline < 60
        assert "futility: at the last reachable analysis (60 trials per arm)" in decision.reason
    else:  # the guard switched off: the design runs to its last analysis
        assert decision.cause == "maximum"
        assert decision.n_baseline == 60


def test_a_design_with_its_full_size_reachable_never_stops_for_futility() -> None:
    rng = np.random.default_rng(12)
    base = rng.lognormal(0.0, 0.1, 200)
    design = SequentialDesign(0.05, 0.14, paired=True, scale="log")
    decision = _feed(design, base, base * rng.lognormal(0.0, 0.1, 200))
    assert decision.cause != "futility"


def test_between_analyses_the_last_interval_is_kept() -> None:
    design = SequentialDesign(0.05, 0.14, paired=True, scale="log")
    rng = np.random.default_rng(13)
    base, cand = rng.lognormal(0, 0.1, 20), rng.lognormal(0, 0.1, 20)
    analysed = design.look(base[:5], cand[:5])
    assert analysed.analysis == 1 and analysed.ci is not None
    between = design.look(base[:7], cand[:7])
    assert between.analysis is None
    assert (between.effect, between.ci) == (analysed.effect, analysed.ci)
    assert between.next_analysis == 10


def test_conclude_makes_the_final_analysis_at_every_trial_so_far() -> None:
    design = SequentialDesign(0.05, 0.14, paired=True, scale="log")
    rng = np.random.default_rng(14)
    base, cand = rng.lognormal(0, 0.1, 30), rng.lognormal(0, 0.1, 30)
    design.look(base[:10], cand[:10])
    final = design.conclude(base[:17], cand[:17], "the run stopped")
    assert final.stop
    assert final.n_baseline == 17 and final.analysis == 2
    assert final.cause == "ended"
    assert final.ci is not None
    assert final.verdict in (Verdict.INCONCLUSIVE, Verdict.BETTER, Verdict.WORSE)
    assert design.look(base, cand) is final
    # spending all that is left, the final boundary is below the planned final one's
    planned_last = SequentialDesign(0.05, 0.14, paired=True, scale="log")
    assert final.boundary is not None
    assert final.boundary < sps.t.ppf(1 - 0.0001 / 2, df=16)
    assert planned_last.planned[-1] > 17


def test_conditional_power_matches_a_simulated_brownian_motion() -> None:
    # B(t) = Z sqrt(t); under the trend theta = B(t)/t, B(1) = B(t) + theta (1-t) + W(1-t)
    rng = np.random.default_rng(15)
    z, t, c = 1.2, 0.4, 1.96
    b = z * math.sqrt(t)
    final = b + (b / t) * (1 - t) + rng.normal(0.0, math.sqrt(1 - t), 400_000)
    simulated = float(np.mean(np.abs(final) >= c))
    assert conditional_power(z, t, c) == pytest.approx(simulated, abs=0.003)
    assert conditional_power(z, t, c) == pytest.approx(
        sps.norm.sf((c - z / math.sqrt(t)) / math.sqrt(1 - t))
        + sps.norm.cdf((-c - z / math.sqrt(t)) / math.sqrt(1 - t))
    )
    assert conditional_power(3.0, 1.0, 1.96) == 1.0
    assert conditional_power(1.0, 1.0, 1.96) == 0.0
    assert conditional_power(math.inf, 0.5, 1.96) == 1.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"first_look": 1}, "first_look"),
        ({"limit": 1}, "limit"),
        ({"early": 1.0}, "early"),
        ({"futility": -0.1}, "futility"),
    ],
)
def test_bad_plans(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        SequentialDesign(0.5, 1.0, **kwargs)  # type: ignore[arg-type]
