"""Sequential testing: look after every block of trials, stop as soon as it is clear.

A runner that checks a t-test after every trial and stops at the first p < 0.05
declares a false winner about 28% of the time. :class:`SequentialDesign` is a
group-sequential t-test with alpha spending (Lan & DeMets 1983, *Biometrika*
70:659-663) that keeps the false-verdict rate at the nominal level however
often the runner looks, and stops early when the effect is clear.

How it works:

1. The design is sized for the smallest effect worth detecting. A fixed-size
   t-test would need ``fixed_trials`` per arm (:func:`assay.stats.trials_needed`);
   the sequential design allows up to ``max_trials`` (a few percent more) and
   plans ``looks`` analyses, evenly spread.
2. The runner calls :meth:`SequentialDesign.look` after every block with all the
   trials so far. Between planned analyses it answers "continue" without
   testing; at an analysis it computes the t-statistic (paired, or Welch's
   form for independent arms) and compares it with a boundary.
3. Boundaries spend the false-verdict rate with the O'Brien-Fleming-type
   function of Lan & DeMets by default (little early, so the last analysis is
   nearly the fixed test), or the Hwang-Shih-DeCani (γ = −2) or Pocock-type
   functions, at the information actually reached (see
   :mod:`assay.stats.boundary`). Because the variance is *estimated*, they are
   fitted to the exact null distribution of the sequence of t-statistics (see
   :mod:`assay.stats.t_boundaries`); plugging the sample standard deviation
   into known-variance boundaries gives 5-16% false verdicts instead of 5%.
4. ``max_trials`` is the smallest size whose simulated power reaches
   ``power`` at the design effect.

The runner-facing API::

    design = SequentialDesign(effect=0.05, spread=0.10, paired=True, scale="log",
                              lower_is_better=True)
    while True:
        run_block()                      # adds trials to both arms
        decision = design.look(baseline_values, candidate_values)
        if decision.stop:
            break
    decision.verdict                    # Verdict.BETTER / WORSE / INCONCLUSIVE

``look`` takes every trial so far (not just the new block), never fewer than
the previous call. ``Decision.next_analysis`` says how many trials per arm the
next analysis needs, so a runner may size its blocks. The interval in a
decision is a repeated confidence interval (Jennison & Turnbull 2000, ch. 9):
valid at whichever analysis the design stops.

Reference: Jennison & Turnbull (2000), *Group Sequential Methods with
Applications to Clinical Trials*, chs. 2, 7, 9 and 11.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from assay.errors import InputError
from assay.stats.boundary import SPENDING, inflation_factor
from assay.stats.power import trials_needed
from assay.stats.t_boundaries import PLANNING_PATHS, Schedule, crossing_rate, t_boundaries
from assay.stats.validation import (
    FloatArray,
    check_choice,
    check_confidence,
    check_positive,
    check_probability,
)
from assay.stats.verdict import Verdict

__all__ = ["Decision", "SequentialDesign"]

SCALES = ("raw", "log")


@dataclass(frozen=True)
class Decision:
    """What :meth:`SequentialDesign.look` says after a block.

    ``stop`` is True when the runner should stop; ``verdict`` is then BETTER,
    WORSE or INCONCLUSIVE (reached the maximum without a clear answer), and
    ``None`` while running. ``analysis`` is the 1-based number of the analysis
    made at this look, ``None`` when the look fell between analyses.
    ``effect`` and ``ci`` are relative changes on the log scale, differences in
    the data's units on the raw scale.
    """

    stop: bool
    verdict: Verdict | None
    n_baseline: int
    n_candidate: int
    analysis: int | None = None
    statistic: float | None = None
    boundary: float | None = None
    effect: float | None = None
    ci: tuple[float, float] | None = None
    next_analysis: int | None = None
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "stop": self.stop,
            "verdict": self.verdict.value if self.verdict else None,
            "n_baseline": self.n_baseline,
            "n_candidate": self.n_candidate,
            "analysis": self.analysis,
            "statistic": self.statistic,
            "boundary": self.boundary
            if self.boundary is None or math.isfinite(self.boundary)
            else None,
            "effect": self.effect,
            "ci": list(self.ci) if self.ci else None,
            "next_analysis": self.next_analysis,
            "reason": self.reason,
        }

    def __str__(self) -> str:
        head = self.verdict.name if self.verdict else ("STOP" if self.stop else "CONTINUE")
        return f"{head}: {self.reason}"


def _planned(max_trials: int, looks: int) -> tuple[int, ...]:
    points = sorted({max(2, math.ceil(k * max_trials / looks)) for k in range(1, looks + 1)})
    return tuple(points)


def _fraction(n_b: int, n_c: int, paired: bool, max_trials: int) -> float:
    information = n_b if paired else 1.0 / (1.0 / n_b + 1.0 / n_c)
    full = max_trials if paired else max_trials / 2.0
    return min(1.0, information / full)


@functools.lru_cache(maxsize=256)
def _max_trials(
    n_fixed: int,
    drift: float,
    paired: bool,
    looks: int,
    alpha: float,
    power: float,
    spending: str,
) -> int:
    """Smallest maximum size whose simulated power reaches ``power``."""
    n = max(n_fixed, math.ceil(inflation_factor(looks, alpha, power, spending) * n_fixed))
    for _ in range(200):
        points = _planned(n, looks)
        schedule = tuple((p, p) for p in points)
        fractions = tuple(_fraction(p, p, paired, n) for p in points)
        bounds = t_boundaries(schedule, fractions, paired, alpha, spending, PLANNING_PATHS)
        if crossing_rate(schedule, bounds, paired, drift)[0] >= power:
            return n
        n += 1
    return n


@dataclass
class SequentialDesign:
    """A group-sequential t-test a runner feeds block by block (see the module docstring).

    ``effect`` is the smallest change worth detecting and ``spread`` the
    trial-to-trial standard deviation, in the same units: data units on the
    raw scale; on ``scale="log"`` a relative change (0.05) and a coefficient
    of variation (0.10). When ``paired``, ``spread`` is that of the per-pair
    differences.
    """

    effect: float
    spread: float
    paired: bool = False
    confidence: float = 0.95
    power: float = 0.8
    looks: int = 10
    spending: str = "obrien-fleming"
    lower_is_better: bool = True
    scale: str = "raw"
    fixed_trials: int = field(init=False)
    max_trials: int = field(init=False)
    planned: tuple[int, ...] = field(init=False)
    _schedule: Schedule = field(init=False, default=(), repr=False)
    _fractions: tuple[float, ...] = field(init=False, default=(), repr=False)
    _final: Decision | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        check_choice(self.scale, SCALES, name="scale")
        check_choice(self.spending, tuple(SPENDING), name="spending function")
        self.confidence = check_confidence(self.confidence)
        self.power = check_probability(self.power, name="power")
        if not isinstance(self.looks, int) or not 1 <= self.looks <= 50:
            raise InputError(f"looks={self.looks!r} must be a whole number from 1 to 50")
        effect, spread = self._design_units()
        self.fixed_trials = trials_needed(
            effect, spread, paired=self.paired, confidence=self.confidence, power=self.power
        )
        drift = abs(effect) / spread
        self.max_trials = _max_trials(
            self.fixed_trials,
            drift,
            self.paired,
            self.looks,
            1 - self.confidence,
            self.power,
            self.spending,
        )
        self.planned = _planned(self.max_trials, self.looks)

    def _design_units(self) -> tuple[float, float]:
        if not isinstance(self.effect, int | float) or self.effect == 0:
            raise InputError(f"effect={self.effect!r} must be a non-zero number")
        spread = check_positive(self.spread, name="spread")
        if self.scale == "raw":
            return float(self.effect), spread
        if self.effect <= -1:
            raise InputError(f"effect={self.effect!r} must be above -1 (-100%) on the log scale")
        return math.log1p(abs(self.effect)), math.sqrt(math.log1p(spread**2))

    def _values(self, values: Any, arm: str) -> FloatArray:
        array = np.asarray(values, dtype=np.float64).ravel()
        if not np.all(np.isfinite(array)):
            raise InputError(f"{arm} holds NaN or infinite values; drop failed trials instead")
        if self.scale == "log":
            if np.any(array <= 0):
                raise InputError(f"{arm} holds values <= 0, which scale='log' cannot take")
            return np.log(array)
        return array

    def _next_point(self, n: int) -> int | None:
        later = [p for p in self.planned if p > n]
        return later[0] if later else None

    def look(self, baseline: Any, candidate: Any) -> Decision:
        """Decide after a block: all trials so far in, stop or continue out.

        Values are checked (finite; positive on the log scale) at each analysis;
        between analyses only the counts matter.
        """
        if self._final is not None:
            return self._final
        n_b, n_c = len(baseline), len(candidate)
        if self.paired and n_b != n_c:
            raise InputError(
                f"a paired design needs as many candidate as baseline trials; got {n_b} and {n_c}"
            )
        previous = self._schedule[-1] if self._schedule else (0, 0)
        if n_b < previous[0] or n_c < previous[1]:
            raise InputError(
                "look() takes every trial so far; this call has fewer than the last analysis"
            )
        due = self._next_point(previous[0] if self.paired else min(previous))
        if due is None or min(n_b, n_c) < due:
            reason = f"next analysis at {due} trials per arm"
            return Decision(False, None, n_b, n_c, next_analysis=due, reason=reason)
        base, cand = self._values(baseline, "baseline"), self._values(candidate, "candidate")
        return self._analyse(base, cand)

    def _analyse(self, base: FloatArray, cand: FloatArray) -> Decision:
        n_b, n_c = base.size, cand.size
        fraction = _fraction(n_b, n_c, self.paired, self.max_trials)
        self._schedule += ((n_b, n_c),)
        self._fractions += (fraction,)
        bounds = t_boundaries(
            self._schedule, self._fractions, self.paired, 1 - self.confidence, self.spending
        )
        boundary = bounds[-1]
        estimate, se = _estimate(base, cand, self.paired)
        if se > 0:
            statistic = estimate / se
        else:
            statistic = 0.0 if estimate == 0 else math.copysign(math.inf, estimate)
        half = boundary * se if math.isfinite(boundary) else math.inf
        effect, ci = self._report(estimate, half)
        analysis = len(self._schedule)
        made = Decision(
            False,
            None,
            n_b,
            n_c,
            analysis,
            statistic,
            boundary,
            effect,
            ci,
            reason=f"|t| = {abs(statistic):.2f} below the boundary {boundary:.2f}; continue",
        )
        if math.isfinite(boundary) and abs(statistic) >= boundary:
            larger = statistic > 0
            verdict = Verdict.WORSE if larger == self.lower_is_better else Verdict.BETTER
            reason = (
                f"|t| = {abs(statistic):.2f} crossed the boundary {boundary:.2f} "
                f"at analysis {analysis}"
            )
            self._final = replace(made, stop=True, verdict=verdict, reason=reason)
        elif fraction >= 1.0:
            reason = (
                f"reached the maximum of {self.max_trials} trials per arm without a clear answer"
            )
            self._final = replace(made, stop=True, verdict=Verdict.INCONCLUSIVE, reason=reason)
        else:
            due = self._next_point(n_b if self.paired else min(n_b, n_c))
            return replace(made, next_analysis=due)
        return self._final

    def _report(self, estimate: float, half: float) -> tuple[float, tuple[float, float]]:
        if self.scale == "log":
            low = _expm1(estimate - half) if math.isfinite(half) else -1.0
            high = _expm1(estimate + half) if math.isfinite(half) else math.inf
            return _expm1(estimate), (low, high)
        return estimate, (estimate - half, estimate + half)


def _expm1(x: float) -> float:
    """``exp(x) - 1`` that gives ``inf`` instead of raising ``OverflowError`` for a huge
    ``x``: with two trials the boundary's half-width can be enormous."""
    return math.inf if x > _LOG_MAX else math.expm1(x)


_LOG_MAX = math.log(1.7976931348623157e308)


def _estimate(base: FloatArray, cand: FloatArray, paired: bool) -> tuple[float, float]:
    """Mean shift (candidate − baseline) and its standard error."""
    if paired:
        differences = cand - base
        if differences.size < 2:
            return float(differences.mean()), math.inf
        return float(differences.mean()), float(np.std(differences, ddof=1)) / math.sqrt(
            differences.size
        )
    if base.size < 2 or cand.size < 2:
        return float(cand.mean() - base.mean()), math.inf
    variance = np.var(base, ddof=1) / base.size + np.var(cand, ddof=1) / cand.size
    return float(cand.mean() - base.mean()), math.sqrt(float(variance))
