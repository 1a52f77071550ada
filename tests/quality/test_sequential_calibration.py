"""The sequential design holds its level when the runner looks after every trial.

The harness plays the runner: it feeds a design one trial per arm at a time
through ``look()`` and records the verdict it stops with. The last tests give
the same harness designs that are known to be wrong (a t-test after every
trial; a known-variance mixture SPRT with the sample variance plugged in) and
check that it catches them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from scipy import special

from assay.stats import SequentialDesign, Verdict


class _Design(Protocol):
    def look(self, baseline: Any, candidate: Any) -> Any: ...


@dataclass(frozen=True)
class Outcome:
    false_or_right: float  # share of runs stopping with BETTER/WORSE
    mean_trials: float


def _slack(rate: float, runs: int) -> float:
    return 3.0 * math.sqrt(rate * (1 - rate) / runs)


def run_every_trial(
    make: Callable[[], _Design], base: np.ndarray, cand: np.ndarray, lower_is_better: bool = True
) -> Outcome:
    """Feed each run to a fresh design one trial at a time; stop when it says so."""
    decided, sizes = 0, []
    for b, c in zip(base, cand, strict=True):
        design, decision = make(), None
        for n in range(1, b.size + 1):
            decision = design.look(b[:n], c[:n])
            if decision.stop:
                break
        assert decision is not None
        decided += decision.verdict in (Verdict.BETTER, Verdict.WORSE)
        sizes.append(n)
    return Outcome(decided / len(base), float(np.mean(sizes)))


def test_paired_design_holds_alpha_when_checked_after_every_trial() -> None:
    runs = 3000
    design = SequentialDesign(0.5, 1.0, paired=True)
    rng = np.random.default_rng(10)
    base = rng.normal(50.0, 3.0, (runs, design.max_trials + 5))
    cand = base + rng.normal(0.0, 1.0, base.shape)
    outcome = run_every_trial(lambda: SequentialDesign(0.5, 1.0, paired=True), base, cand)
    print(f"paired A/A, every trial: {outcome.false_or_right:.4f} false verdicts")
    assert outcome.false_or_right <= 0.05 + _slack(0.05, runs)


def test_unpaired_design_holds_alpha_on_the_log_scale() -> None:
    runs = 2000
    make = lambda: SequentialDesign(0.10, 0.10, scale="log")  # noqa: E731
    rng = np.random.default_rng(11)
    size = make().max_trials + 5
    base = rng.lognormal(np.log(20.0), 0.1, (runs, size))
    cand = rng.lognormal(np.log(20.0), 0.1, (runs, size))
    outcome = run_every_trial(make, base, cand)
    print(f"unpaired log-scale A/A, every trial: {outcome.false_or_right:.4f}")
    assert outcome.false_or_right <= 0.05 + _slack(0.05, runs)


def test_design_effect_is_found_with_fewer_trials() -> None:
    runs = 1500
    design = SequentialDesign(0.5, 1.0, paired=True, lower_is_better=False)
    rng = np.random.default_rng(12)
    base = rng.normal(0.0, 1.0, (runs, design.max_trials))
    cand = base + rng.normal(0.5, 1.0, base.shape)
    outcome = run_every_trial(
        lambda: SequentialDesign(0.5, 1.0, paired=True, lower_is_better=False), base, cand
    )
    print(
        f"paired, design effect: power {outcome.false_or_right:.3f}, "
        f"{outcome.mean_trials:.1f} pairs on average against {design.fixed_trials} fixed"
    )
    assert outcome.false_or_right >= 0.80 - _slack(0.8, runs)
    assert outcome.mean_trials < 0.9 * design.fixed_trials


@dataclass(frozen=True)
class _Stop:
    stop: bool
    verdict: Verdict | None


class _TTestEveryTrial:
    """The mistake: a fixed-size t-test repeated after every trial."""

    def look(self, baseline: Any, candidate: Any) -> _Stop:
        d = np.asarray(candidate) - np.asarray(baseline)
        if d.size < 3:
            return _Stop(False, None)
        t = d.mean() / (d.std(ddof=1) / math.sqrt(d.size))
        if 2 * special.stdtr(d.size - 1, -abs(t)) < 0.05:
            return _Stop(True, Verdict.BETTER)
        return _Stop(d.size >= 36, Verdict.INCONCLUSIVE)


class _PlugInMixtureSPRT:
    """The other mistake: a known-variance mSPRT (Johari et al. 2017) fed the sample sd."""

    def __init__(self, sigma: float | None = None, tau: float = 0.5) -> None:
        self.sigma, self.tau = sigma, tau

    def look(self, baseline: Any, candidate: Any) -> _Stop:
        d = np.asarray(candidate) - np.asarray(baseline)
        n = d.size
        if n < 3:
            return _Stop(False, None)
        variance = self.sigma**2 if self.sigma else float(d.var(ddof=1))
        shrink = variance + n * self.tau**2
        log_ratio = 0.5 * math.log(variance / shrink) + (
            n * n * self.tau**2 * d.mean() ** 2 / (2 * variance * shrink)
        )
        if log_ratio >= math.log(1 / 0.05):
            return _Stop(True, Verdict.BETTER)
        return _Stop(n >= 36, Verdict.INCONCLUSIVE)


def test_harness_catches_known_mistakes() -> None:
    runs = 3000
    rng = np.random.default_rng(13)
    base = rng.normal(0.0, 1.0, (runs, 36))
    cand = base + rng.normal(0.0, 1.0, (runs, 36))
    naive = run_every_trial(_TTestEveryTrial, base, cand).false_or_right
    plug_in = run_every_trial(_PlugInMixtureSPRT, base, cand).false_or_right
    known = run_every_trial(lambda: _PlugInMixtureSPRT(sigma=math.sqrt(2.0)), base, cand)
    print(
        f"t-test every trial: {naive:.3f}; mSPRT with plug-in sd: {plug_in:.3f}; "
        f"with the true sd: {known.false_or_right:.3f}"
    )
    bound = 0.05 + _slack(0.05, runs)
    assert naive > bound
    assert plug_in > bound
    assert known.false_or_right <= bound
