"""The sequential design: boundary numerics and the runner-facing API."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from assay.errors import InputError
from assay.stats import SequentialDesign, Verdict
from assay.stats.boundary import (
    exit_probabilities,
    inflation_factor,
    spending_boundaries,
    z_boundaries_for_constant,
)
from assay.stats.t_boundaries import t_boundaries


@pytest.mark.parametrize(
    ("constant", "looks", "shape"),
    # Jennison & Turnbull (2000), Tables 2.1 and 2.3: two-sided 5% constants
    [(2.024, 4, "obrien-fleming"), (2.040, 5, "obrien-fleming"), (2.361, 4, "pocock")],
)
def test_integration_reproduces_classical_constants(
    constant: float, looks: int, shape: str
) -> None:
    fractions = tuple((k + 1) / looks for k in range(looks))
    uppers, lowers = exit_probabilities(
        fractions, z_boundaries_for_constant(constant, looks, shape), 0.0
    )
    assert sum(uppers) + sum(lowers) == pytest.approx(0.05, abs=2e-4)


@pytest.mark.parametrize("spending", ["obrien-fleming", "pocock", "hwang-shih-decani"])
@pytest.mark.parametrize("fractions", [(0.25, 0.5, 0.75, 1.0), (0.1, 0.45, 0.5, 0.93, 1.0)])
def test_spending_boundaries_spend_exactly_alpha(
    spending: str, fractions: tuple[float, ...]
) -> None:
    bounds = spending_boundaries(fractions, 0.05, spending)
    uppers, lowers = exit_probabilities(fractions, bounds, 0.0)
    assert sum(uppers) + sum(lowers) == pytest.approx(0.05, abs=1e-6)
    if spending == "obrien-fleming":
        assert bounds[0] == pytest.approx(1.959964 / math.sqrt(fractions[0]), rel=1e-4)


def test_inflation_factors_are_modest() -> None:
    assert 1.0 < inflation_factor(5, 0.05, 0.8, "obrien-fleming") < 1.06
    assert 1.15 < inflation_factor(5, 0.05, 0.8, "pocock") < 1.25


def test_t_boundaries_are_deterministic_and_wider_than_z() -> None:
    schedule = ((8, 8), (16, 16), (24, 24), (32, 32))
    fractions = (0.25, 0.5, 0.75, 1.0)
    first = t_boundaries(schedule, fractions, True, 0.05, "obrien-fleming")
    t_boundaries.cache_clear()
    again = t_boundaries(schedule, fractions, True, 0.05, "obrien-fleming")
    assert first == again
    z = spending_boundaries(fractions, 0.05, "obrien-fleming")
    assert all(t > zb for t, zb in zip(first, z, strict=True))


def test_design_sizes() -> None:
    design = SequentialDesign(0.5, 1.0, paired=True)
    assert design.fixed_trials == 34
    assert design.fixed_trials <= design.max_trials <= 1.25 * design.fixed_trials
    assert design.planned[-1] == design.max_trials
    assert len(design.planned) == design.looks == 10


def test_continues_between_analyses_and_stops_on_a_clear_effect() -> None:
    design = SequentialDesign(0.5, 1.0, paired=True, lower_is_better=False)
    rng = np.random.default_rng(0)
    base = rng.normal(10, 1, 200)
    cand = base + rng.normal(3.0, 1.0, 200)  # six times the design effect
    first = design.look(base[:2], cand[:2])
    assert not first.stop
    assert first.analysis is None
    assert first.next_analysis == design.planned[0]
    decisions = [design.look(base[:n], cand[:n]) for n in range(3, design.max_trials + 1)]
    stopped = next(d for d in decisions if d.stop)
    assert stopped.verdict is Verdict.BETTER
    assert stopped.n_baseline <= design.planned[2]
    assert stopped.ci is not None
    assert stopped.ci[0] > 0
    assert design.look(base, cand) is stopped  # later looks repeat the decision
    json.dumps(stopped.to_dict(), allow_nan=False)
    assert str(stopped).startswith("BETTER")


def test_reaches_the_maximum_without_an_effect() -> None:
    design = SequentialDesign(1.0, 1.0, paired=False)
    rng = np.random.default_rng(1)
    base, cand = rng.normal(0, 1, 100), rng.normal(0, 1, 100)
    decision = None
    for n in range(1, design.max_trials + 1):
        decision = design.look(base[:n], cand[:n])
        if decision.stop:
            break
    assert decision is not None
    assert decision.stop
    assert decision.verdict in (Verdict.INCONCLUSIVE, Verdict.BETTER, Verdict.WORSE)
    if decision.verdict is Verdict.INCONCLUSIVE:
        assert decision.n_baseline == design.max_trials


def test_big_blocks_that_skip_analyses_still_work() -> None:
    design = SequentialDesign(0.5, 1.0, paired=True)
    rng = np.random.default_rng(2)
    diffs = rng.normal(0.0, 1.0, design.max_trials + 7)
    decision = design.look(np.zeros(15), diffs[:15])
    assert decision.analysis == 1
    final = design.look(np.zeros(design.max_trials + 7), diffs)
    assert final.stop


def test_log_scale_reports_relative_changes() -> None:
    design = SequentialDesign(0.05, 0.10, paired=True, scale="log")
    rng = np.random.default_rng(3)
    base = rng.lognormal(np.log(100), 0.05, 200)
    cand = base * 0.8
    decision = None
    for n in range(2, 200):
        decision = design.look(base[:n], cand[:n])
        if decision.stop:
            break
    assert decision is not None
    assert decision.verdict is Verdict.BETTER
    assert decision.effect == pytest.approx(-0.2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"effect": 0.0, "spread": 1.0}, "non-zero"),
        ({"effect": 1.0, "spread": -1.0}, "spread"),
        ({"effect": 1.0, "spread": 1.0, "looks": 0}, "looks"),
        ({"effect": 1.0, "spread": 1.0, "spending": "linear"}, "spending"),
        ({"effect": 1.0, "spread": 1.0, "scale": "ln"}, "scale"),
        ({"effect": -1.5, "spread": 1.0, "scale": "log"}, "above -1"),
    ],
)
def test_bad_designs(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        SequentialDesign(**kwargs)  # type: ignore[arg-type]


def test_bad_looks() -> None:
    design = SequentialDesign(0.5, 1.0, paired=True)
    noise = np.random.default_rng(4).normal(size=40)
    assert design.look(np.zeros(design.planned[0]), noise[: design.planned[0]]).analysis == 1
    with pytest.raises(InputError, match="fewer than the last analysis"):
        design.look(np.zeros(2), np.ones(2))
    with pytest.raises(InputError, match="as many candidate"):
        design.look(np.zeros(20), noise[:19])
    with pytest.raises(InputError, match="NaN"):
        design.look(np.zeros(12), np.r_[noise[:11], math.nan])
    log_design = SequentialDesign(0.05, 0.1, scale="log")
    first = log_design.planned[0]
    with pytest.raises(InputError, match="<= 0"):
        log_design.look(np.r_[np.ones(first - 1), 0.0], np.ones(first))


def test_log_scale_interval_with_a_huge_half_width_is_unbounded_not_an_overflow() -> None:
    # With two trials per arm the boundary's half-width on the log scale can exceed
    # log(float max); exp() of it used to raise OverflowError and crash the run.
    design = SequentialDesign(0.05, 0.10, scale="log")
    effect, (low, high) = design._report(0.1, 5000.0)
    assert effect == pytest.approx(math.expm1(0.1))
    assert low == pytest.approx(-1.0)
    assert high == math.inf
