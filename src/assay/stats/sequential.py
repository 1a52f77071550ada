"""Sequential testing: look after every block of trials, stop as soon as it is clear.

A runner that checks a t-test after every trial and stops at the first p < 0.05
declares a false winner about 28% of the time. :class:`SequentialDesign` is a
group-sequential t-test with alpha spending (Lan & DeMets 1983, *Biometrika*
70:659-663) that keeps the false-verdict rate at the nominal level however
often the runner looks, and stops early when the effect is clear.

How it works:

1. The design is sized for the smallest effect worth detecting. A fixed-size
   t-test would need ``fixed_trials`` per arm (:func:`assay.stats.trials_needed`);
   the sequential design allows up to ``max_trials`` (a few percent more; never
   more than ``limit``, the runner's own cap) and plans ``looks`` analyses: the
   first two early, at ``first_look`` and twice it (5 and 10 trials per arm),
   the rest evenly spread up to ``max_trials``.
2. The runner calls :meth:`SequentialDesign.look` after every block with all the
   trials so far. Between planned analyses it answers "continue" without
   testing (repeating the last analysis's estimate and interval); at an
   analysis it computes the t-statistic (paired, or Welch's form for
   independent arms) and compares it with a boundary.
3. Boundaries spend the false-verdict rate with the O'Brien-Fleming-type
   function of Lan & DeMets by default (little early, so the last analysis is
   nearly the fixed test), or the Hwang-Shih-DeCani (γ = −2) or Pocock-type
   functions, at the information actually reached (see
   :mod:`assay.stats.boundary`), with 1% of the rate (``early``) spent
   linearly so that the early analyses can stop on a large effect: a 2x
   change with a 10% spread decides at 5 or 10 trials per arm instead of never.
   Because the variance is *estimated*, the boundaries are fitted to the exact
   null distribution of the sequence of t-statistics (see
   :mod:`assay.stats.t_boundaries`); plugging the sample standard deviation
   into known-variance boundaries gives 5-16% false verdicts instead of 5%.
4. ``max_trials`` is the smallest size whose simulated power reaches
   ``power`` at the design effect (``full_trials``; ``limit`` may cut it).
5. A run with a time budget calls :meth:`SequentialDesign.reach` with the
   most trials per arm the budget allows: analyses beyond are dropped and the
   last one moves there. A design so cut short stops INCONCLUSIVE for
   futility once its conditional power at that last analysis, under the
   current estimate, is below ``futility`` (10%); stopping early for futility
   never adds a false verdict. When the run stops before the design decides,
   :meth:`SequentialDesign.conclude` makes a final analysis at every trial so
   far that spends what is left of the rate. ``Decision.cause`` says which.

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
from scipy import special

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

__all__ = ["Decision", "SequentialDesign", "conditional_power"]

SCALES = ("raw", "log")
EARLY_SHARE = 0.01
"""Share of the false-verdict rate spent linearly in information, so that early
analyses can stop on large effects (see :mod:`assay.stats.t_boundaries`)."""
FUTILITY = 0.10
"""Conditional power below which a design cut short by its budget stops."""


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
    cause: str | None = None
    """Why it stopped: ``"crossed"`` (a boundary), ``"maximum"`` (the last
    analysis without a clear answer), ``"futility"`` (the reachable trials
    cannot decide) or ``"ended"`` (:meth:`SequentialDesign.conclude`: the run
    stopped first)."""

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
            "cause": self.cause,
        }

    def __str__(self) -> str:
        head = self.verdict.name if self.verdict else ("STOP" if self.stop else "CONTINUE")
        return f"{head}: {self.reason}"


def _planned(horizon: int, looks: int, first: int) -> tuple[int, ...]:
    """``looks`` analyses up to ``horizon``: ``first`` and ``2 * first`` (so that a
    large effect stops within ``2 * first`` trials per arm), then the rest evenly
    spread past them, the last at ``horizon``."""
    early = [p for p in (first, 2 * first) if 2 <= p < horizon][: max(looks - 1, 0)]
    start = early[-1] if early else 0
    rest = looks - len(early)
    later = {start + math.ceil(k * (horizon - start) / rest) for k in range(1, rest + 1)}
    return tuple(sorted(set(early) | {p for p in later if p >= 2} | {horizon}))


def _fraction(n_b: int, n_c: int, paired: bool, horizon: int) -> float:
    information = n_b if paired else 1.0 / (1.0 / n_b + 1.0 / n_c)
    full = horizon if paired else horizon / 2.0
    return min(1.0, information / full)


# looks, alpha, power, spending, first look, early share
_Setting = tuple[int, float, float, str, int, float]


@functools.lru_cache(maxsize=256)
def _max_trials(n_fixed: int, drift: float, paired: bool, setting: _Setting) -> int:
    """Smallest maximum size whose simulated power reaches ``power``."""
    looks, alpha, power, spending, first, early = setting
    n = max(n_fixed, math.ceil(inflation_factor(looks, alpha, power, spending) * n_fixed))
    for _ in range(200):
        points = _planned(n, looks, first)
        schedule = tuple((p, p) for p in points)
        fractions = tuple(_fraction(p, p, paired, n) for p in points)
        bounds = t_boundaries(schedule, fractions, paired, alpha, spending, PLANNING_PATHS, early)
        if crossing_rate(schedule, bounds, paired, drift)[0] >= power:
            return n
        n += 1
    return n


def conditional_power(statistic: float, fraction: float, critical: float) -> float:
    """Chance that the final analysis crosses ``critical``, given the statistic at
    information ``fraction``, if the effect stays at its current estimate.

    The B-value form of stochastic curtailment (Lan, Simon & Halperin 1982,
    *Commun. Statist. C* 1:207-219; Lan & Wittes 1988, *Biometrics* 44:579-585):
    ``B(t) = Z(t) sqrt(t)``; under the current trend ``θ = B(t) / t``,
    ``B(1) ~ N(B(t) + θ (1 − t), 1 − t)``. Both tails count (a two-sided test).
    """
    if not math.isfinite(statistic):
        return 1.0
    if fraction >= 1.0:
        return 1.0 if abs(statistic) >= critical else 0.0
    mean = abs(statistic) / math.sqrt(fraction)
    sd = math.sqrt(1.0 - fraction)
    return float(special.ndtr((mean - critical) / sd) + special.ndtr((-critical - mean) / sd))


@dataclass
class SequentialDesign:
    """A group-sequential t-test a runner feeds block by block (see the module docstring).

    ``effect`` is the smallest change worth detecting and ``spread`` the
    trial-to-trial standard deviation, in the same units: data units on the
    raw scale; on ``scale="log"`` a relative change (0.05) and a coefficient
    of variation (0.10). When ``paired``, ``spread`` is that of the per-pair
    differences. ``first_look`` is the first analysis (the second is at twice
    it); ``limit`` the most trials per arm the runner allows (no analysis is
    planned beyond it); ``early`` the linear share of the spending (see
    :mod:`assay.stats.t_boundaries`); ``futility`` the conditional power below
    which a design whose horizon was cut short (by ``limit`` or :meth:`reach`)
    stops INCONCLUSIVE.
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
    first_look: int = 5
    limit: int | None = None
    early: float = EARLY_SHARE
    futility: float = FUTILITY
    fixed_trials: int = field(init=False)
    full_trials: int = field(init=False)
    max_trials: int = field(init=False)
    horizon: int = field(init=False)
    planned: tuple[int, ...] = field(init=False)
    _schedule: Schedule = field(init=False, default=(), repr=False)
    _fractions: tuple[float, ...] = field(init=False, default=(), repr=False)
    _last: Decision | None = field(init=False, default=None, repr=False)
    _final: Decision | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        self._check()
        effect, spread = self._design_units()
        self.fixed_trials = trials_needed(
            effect, spread, paired=self.paired, confidence=self.confidence, power=self.power
        )
        setting = (
            self.looks,
            1 - self.confidence,
            self.power,
            self.spending,
            self.first_look,
            self.early,
        )
        self.full_trials = _max_trials(
            self.fixed_trials, abs(effect) / spread, self.paired, setting
        )
        self.max_trials = min(self.full_trials, self.limit or self.full_trials)
        self.horizon = self.max_trials
        self.planned = _planned(self.horizon, self.looks, self.first_look)

    def _check(self) -> None:
        check_choice(self.scale, SCALES, name="scale")
        check_choice(self.spending, tuple(SPENDING), name="spending function")
        self.confidence = check_confidence(self.confidence)
        self.power = check_probability(self.power, name="power")
        if not isinstance(self.looks, int) or not 1 <= self.looks <= 50:
            raise InputError(f"looks={self.looks!r} must be a whole number from 1 to 50")
        for name in ("first_look", "limit"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 2):
                raise InputError(f"{name}={value!r} must be a whole number of at least 2")
        if not 0.0 <= self.early < 1.0:
            raise InputError(f"early={self.early!r} must be a share from 0 to below 1")
        if not 0.0 <= self.futility < 1.0:
            raise InputError(f"futility={self.futility!r} must be a probability below 1")

    def _design_units(self) -> tuple[float, float]:
        if not isinstance(self.effect, int | float) or self.effect == 0:
            raise InputError(f"effect={self.effect!r} must be a non-zero number")
        spread = check_positive(self.spread, name="spread")
        if self.scale == "raw":
            return float(self.effect), spread
        if self.effect <= -1:
            raise InputError(f"effect={self.effect!r} must be above -1 (-100%) on the log scale")
        return math.log1p(abs(self.effect)), math.sqrt(math.log1p(spread**2))

    def reach(self, trials: int) -> tuple[int, ...]:
        """Say that the run can reach at most ``trials`` per arm (its budget at the
        observed trial time): analyses beyond it are dropped and the last one moves
        to it. A later call may move it again, never past :attr:`max_trials` nor
        before the last analysis made. Returns the planned analyses."""
        made = self._schedule[-1][0] if self._schedule else 0
        horizon = max(min(int(trials), self.max_trials), made + 1, 2)
        if horizon != self.horizon:
            self.horizon = horizon
            self.planned = _planned(horizon, self.looks, self.first_look)
        return self.planned

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

    def _counts(self, baseline: Any, candidate: Any) -> tuple[int, int]:
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
        return n_b, n_c

    def look(self, baseline: Any, candidate: Any) -> Decision:
        """Decide after a block: all trials so far in, stop or continue out.

        Values are checked (finite; positive on the log scale) at each analysis;
        between analyses only the counts matter, and the decision repeats the
        last analysis's estimate and interval.
        """
        if self._final is not None:
            return self._final
        n_b, n_c = self._counts(baseline, candidate)
        previous = self._schedule[-1] if self._schedule else (0, 0)
        due = self._next_point(previous[0] if self.paired else min(previous))
        if due is None or min(n_b, n_c) < due:
            reason = f"next analysis at {due} trials per arm"
            last = self._last
            return Decision(
                False,
                None,
                n_b,
                n_c,
                effect=last.effect if last else None,
                ci=last.ci if last else None,
                next_analysis=due,
                reason=reason,
            )
        base, cand = self._values(baseline, "baseline"), self._values(candidate, "candidate")
        return self._analyse(base, cand)

    def conclude(self, baseline: Any, candidate: Any, why: str = "the run stopped") -> Decision:
        """The final analysis when the run stops before the design has (budget spent,
        run ended): at every trial so far, spending whatever is left of the
        false-verdict rate, so the verdict and interval are valid there."""
        if self._final is not None:
            return self._final
        n_b, n_c = self._counts(baseline, candidate)
        made = self._schedule[-1] if self._schedule else (0, 0)
        if min(n_b, n_c) < 2 or (n_b, n_c) == made:
            # nothing new since the last analysis: its interval stands (what it left unspent
            # is simply not used, which is conservative)
            last = self._last or Decision(False, None, n_b, n_c)
            reason = f"{why} before the design decided: {last.reason or 'no analysis yet'}"
            return self._stop(last, Verdict.INCONCLUSIVE, reason, "ended")
        self.horizon = n_b if self.paired else min(n_b, n_c)
        base, cand = self._values(baseline, "baseline"), self._values(candidate, "candidate")
        return self._analyse(base, cand, why=why)

    def _fraction_now(self, n_b: int, n_c: int) -> float:
        fraction = _fraction(n_b, n_c, self.paired, self.horizon)
        return max(fraction, self._fractions[-1]) if self._fractions else fraction

    def _analyse(self, base: FloatArray, cand: FloatArray, why: str = "") -> Decision:
        n_b, n_c = base.size, cand.size
        fraction = self._fraction_now(n_b, n_c)
        self._schedule += ((n_b, n_c),)
        self._fractions += (fraction,)
        alpha = 1 - self.confidence
        bounds = t_boundaries(
            self._schedule, self._fractions, self.paired, alpha, self.spending, early=self.early
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
        made = Decision(False, None, n_b, n_c, analysis, statistic, boundary, effect, ci)
        made = replace(
            made, reason=f"|t| = {abs(statistic):.2f} below the boundary {boundary:.2f}; continue"
        )
        self._last = made
        if math.isfinite(boundary) and abs(statistic) >= boundary:
            larger = statistic > 0
            verdict = Verdict.WORSE if larger == self.lower_is_better else Verdict.BETTER
            reason = (
                f"|t| = {abs(statistic):.2f} crossed the boundary {boundary:.2f} "
                f"at analysis {analysis} ({n_b} trials per arm)"
            )
            return self._stop(made, verdict, reason, "crossed")
        if fraction >= 1.0:
            return self._stop(
                made,
                Verdict.INCONCLUSIVE,
                self._end_reason(why, boundary),
                "ended" if why else "maximum",
            )
        power = conditional_power(statistic, fraction, float(special.ndtri(1 - alpha / 2)))
        if self.horizon < self.full_trials and power < self.futility:
            reason = (
                f"futility: at the last reachable analysis ({self.horizon} trials per arm) a "
                f"verdict has a {power:.0%} chance if the effect stays at its estimate"
            )
            return self._stop(made, Verdict.INCONCLUSIVE, reason, "futility")
        due = self._next_point(n_b if self.paired else min(n_b, n_c))
        return replace(made, next_analysis=due)

    def _end_reason(self, why: str, boundary: float) -> str:
        if why:
            return f"{why}; the final analysis found no clear answer (boundary {boundary:.2f})"
        if self.horizon < self.full_trials:
            return (
                f"reached the last reachable analysis ({self.horizon} trials per arm; "
                f"{self.full_trials} would give {self.power:.0%} power) without a clear answer"
            )
        return f"reached the maximum of {self.max_trials} trials per arm without a clear answer"

    def _stop(self, made: Decision, verdict: Verdict, reason: str, cause: str) -> Decision:
        self._final = replace(made, stop=True, verdict=verdict, reason=reason, cause=cause)
        self._last = self._final
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
