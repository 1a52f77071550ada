"""When an adaptive run may stop: every primary comparison decided, or precise.

A comparison is *primary* when its metric is (``time`` and metrics declared
``primary=True``, or the run's ``primary`` option), for every candidate and
sweep point.

**until_decided.** Looking after every block and stopping at the first clear
t-test declares false winners about 28% of the time. Each primary comparison
therefore gets a group-sequential design from the statistics engine
(:class:`assay.stats.SequentialDesign`: a t-test with O'Brien-Fleming-type
alpha spending over planned analyses, boundaries fitted for an estimated
variance). The design is sized when the comparison first has ``trials`` pairs
(an internal pilot): the smallest effect worth detecting is the metric's
margin (``time_margin``, ``memory_margin`` or the metric's own; 5% when there is
none), and the spread is the pilot's spread of per-pair log ratios (raw
differences for metrics that can be zero or negative). After every block the
design sees every complete pair so far. A comparison is decided when

- the design stops: BETTER or WORSE (its boundary was crossed) or
  INCONCLUSIVE (it reached its maximum size without a clear answer), or
- at an analysis, its repeated confidence interval — valid whenever the
  design stops — lies inside ± the margin: EQUIVALENT;
- pairs that are all exactly equal are EQUIVALENT at once; a constant non-zero
  difference (a deterministic memory peak, say) is BETTER or WORSE at once.

The design's first analyses come early (5 and 10 pairs, or the first look
after the pilot), so a large effect is decided after a handful of trials. No
analysis is planned beyond ``max_trials``; with a ``budget``, each look
estimates from the trials' wall times how many more rounds the budget allows
and moves the design's last analysis to that point
(:meth:`~assay.stats.SequentialDesign.reach`); a design cut short that way
stops INCONCLUSIVE for *futility* once its conditional power at that point
drops below 10%. When the run stops before a design has decided (budget
spent), :meth:`StoppingRule.conclude` makes its final analysis at every pair
so far, spending what is left of the false-verdict rate, so every primary
comparison ends with a verdict and a valid interval; :meth:`StoppingRule.summary`
says how they ended, for the run's stop reason.

The run stops when every primary comparison is decided (or its budget or
``max_trials`` runs out). :meth:`StoppingRule.replay` repeats the looks over
stored trials, block by block, so that re-analysing a run later reports the
same sequential verdicts; :func:`assay.bench.analysis.analyse` uses them for
the primary rows of until-decided runs instead of fixed-sample tests, whose
level the repeated looks would have spent.

**precision.** The run stops once every primary interval, at the run's own
confidence, is narrow enough (:meth:`StoppingRule.precise`): a rule on the
width of the interval, not on where it lies, which leaves the error rate alone.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from assay.bench.arms import MetricInfo, compare_arms, group_trials, metric_infos, paired_arms
from assay.bench.header import RunHeader
from assay.bench.registry import Params
from assay.bench.result import ComparisonRow
from assay.bench.trial import TrialResult
from assay.errors import AssayError
from assay.stats.verdict import Verdict

__all__ = ["SequentialOutcome", "StoppingRule"]

_DEFAULT_EFFECT = 0.05
_MIN_SPREAD = 1e-3
ENDED = "the run stopped"
"""What :meth:`StoppingRule.conclude` tells a design that had not decided."""
Key = tuple[str, str, Params]


@dataclass(frozen=True)
class SequentialOutcome:
    """Where one primary comparison's sequential design stands."""

    verdict: Verdict | None
    """The sequential verdict once decided, None while running."""
    effect: float | None
    ci: tuple[float, float] | None
    reason: str
    pairs: int
    scale: str
    cause: str | None = None
    """Why it stopped (:attr:`assay.stats.Decision.cause`); None while running."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "verdict": None if self.verdict is None else self.verdict.value,
            "effect": self.effect,
            "ci": list(self.ci) if self.ci else None,
            "reason": self.reason,
            "pairs": self.pairs,
            "scale": self.scale,
            "cause": self.cause,
        }


def _log_scale(b: npt.NDArray[np.float64], c: npt.NDArray[np.float64]) -> bool:
    return bool(np.all(b > 0) and np.all(c > 0))


class _Tracker:
    """One primary comparison's design and latest outcome."""

    def __init__(self, info: MetricInfo, confidence: float, limit: int | None = None) -> None:
        self.info = info
        self.confidence = confidence
        self.limit = limit
        self.design: Any = None
        self.outcome = SequentialOutcome(None, None, None, "waiting for the pilot", 0, "")

    @property
    def decided(self) -> bool:
        return self.outcome.verdict is not None

    def _margin(self) -> float:
        return self.info.margin if self.info.margin is not None else _DEFAULT_EFFECT

    def _direction(self, difference: float) -> Verdict:
        larger = difference > 0
        return Verdict.WORSE if larger == self.info.lower_is_better else Verdict.BETTER

    def _settle(self, b: npt.NDArray[np.float64], c: npt.NDArray[np.float64], scale: str) -> bool:
        """Decide degenerate pilots (no spread) outright; True when decided."""
        diffs = np.log(c) - np.log(b) if scale == "log" else c - b
        if np.ptp(diffs) > 0:
            return False
        shift = float(diffs[0])
        effect = math.expm1(shift) if scale == "log" else shift
        if shift == 0:
            verdict, reason = Verdict.EQUIVALENT, "every pair gave exactly the same value"
        else:
            verdict, reason = self._direction(shift), "every pair differs by the same amount"
        self.outcome = SequentialOutcome(
            verdict, effect, (effect, effect), reason, b.size, scale, "constant"
        )
        return True

    def _create(self, b: npt.NDArray[np.float64], c: npt.NDArray[np.float64], scale: str) -> None:
        from assay.stats import SequentialDesign  # SciPy loads on first use (start-up)

        margin = self._margin()
        if scale == "log":
            sd = float(np.std(np.log(c) - np.log(b), ddof=1))
            spread = max(math.sqrt(math.expm1(sd * sd)), _MIN_SPREAD)
            effect = margin
        else:
            location = abs(float(np.mean(b))) or 1.0
            spread = max(float(np.std(c - b, ddof=1)), _MIN_SPREAD * location)
            effect = margin * location
        self.design = SequentialDesign(
            effect=effect,
            spread=spread,
            paired=True,
            confidence=self.confidence,
            lower_is_better=self.info.lower_is_better,
            scale=scale,
            limit=self.limit,
        )

    def _inside_margin(
        self, ci: tuple[float, float], b: npt.NDArray[np.float64], scale: str
    ) -> bool:
        margin = self._margin() if scale == "log" else self._margin() * abs(float(np.mean(b)))
        return self.info.margin is not None and -margin < ci[0] and ci[1] < margin

    def _ready(self, b: npt.NDArray[np.float64], c: npt.NDArray[np.float64]) -> str | None:
        """The scale, with the design created (None when the pilot settled it)."""
        scale = self.outcome.scale or ("log" if _log_scale(b, c) else "raw")
        if self.design is None:
            if self._settle(b, c, scale):
                return None
            self._create(b, c, scale)
        return scale

    def look(
        self,
        b: npt.NDArray[np.float64],
        c: npt.NDArray[np.float64],
        reachable: int | None = None,
        *,
        final: bool = False,
    ) -> None:
        """Feed every complete pair so far; ``reachable``: the most pairs the budget
        allows; ``final``: the run has stopped, make the design's final analysis."""
        if self.decided:
            return
        if b.size < 2:
            if final:
                why = f"{ENDED} with {b.size} complete pair(s): too few to analyse"
                self.outcome = SequentialOutcome(None, None, None, why, int(b.size), "")
            return
        scale = self._ready(b, c)
        if scale is None:
            return
        try:
            if reachable is not None:
                self.design.reach(reachable)
            decision = self.design.conclude(b, c, ENDED) if final else self.design.look(b, c)
        except AssayError as exc:  # values the design cannot take (a zero on a log scale)
            outcome = SequentialOutcome(
                Verdict.INCONCLUSIVE, None, None, str(exc), b.size, scale, "error"
            )
            self.outcome = outcome
            return
        verdict = decision.verdict if decision.stop and decision.verdict else None
        reason, cause = decision.reason, decision.cause
        ci = decision.ci
        analysed = decision.analysis is not None and ci is not None
        if (
            verdict in (None, Verdict.INCONCLUSIVE)
            and analysed
            and self._inside_margin(ci, b, scale)
        ):
            verdict, cause = Verdict.EQUIVALENT, "equivalent"
            reason = f"the repeated {self.confidence:.0%} interval lies inside ± the margin"
        self.outcome = SequentialOutcome(
            verdict, decision.effect, ci, reason, b.size, scale, cause if verdict else None
        )


def _points(header: RunHeader) -> int:
    params: dict[str, Any] = header.spec.get("workload", {}).get("params", {})
    return math.prod(len(values) for values in params.values()) if params else 1


class StoppingRule:
    """Decides whether an adaptive run can stop; see the module docstring."""

    def __init__(self, header: RunHeader) -> None:
        self.header = header
        self.confidence = float(header.options.get("confidence", 0.95))
        self.primary = [i for i in metric_infos(header) if i.primary]
        self.trackers: dict[Key, _Tracker] = {}
        self.looks = 0
        limit = header.options.get("max_trials")
        self.limit = int(limit) if limit is not None else None

    def _pairs(self, trials: list[TrialResult]) -> dict[Key, tuple[Any, Any, bool, MetricInfo]]:
        grouped = group_trials(trials)
        baseline = self.header.spec["baseline"]
        out = {}
        for params, methods in grouped.items():
            for candidate in self.header.spec["candidates"]:
                for info in self.primary:
                    b, c, paired = paired_arms(
                        methods.get(baseline, {}), methods.get(candidate, {}), info.name
                    )
                    out[(candidate, info.name, params)] = (b, c, paired, info)
        return out

    def rounds_left(self, trials: list[TrialResult]) -> int | None:
        """Whole rounds the budget still allows at the trials' mean wall time (None
        without a budget): the runner stops once the trials' wall times reach it."""
        budget = self.header.options.get("budget")
        if budget is None or not trials:
            return None
        spent = sum(t.wall_time for t in trials)
        methods = 1 + len(self.header.spec["candidates"])
        per_round = spent / len(trials) * methods * _points(self.header)
        if per_round <= 0:
            return None
        return max(0, math.floor((float(budget) - spent) / per_round))

    def _tracker(self, key: Key, info: MetricInfo) -> _Tracker:
        return self.trackers.setdefault(key, _Tracker(info, self.confidence, self.limit))

    def decided(self, trials: list[TrialResult]) -> bool:
        """Feed the designs; True when every primary comparison is decided."""
        self.looks += 1
        left = self.rounds_left(trials)
        all_decided = True
        for key, (b, c, paired, info) in self._pairs(trials).items():
            tracker = self._tracker(key, info)
            if paired:
                tracker.look(b, c, None if left is None else int(b.size) + left)
            all_decided = all_decided and tracker.decided
        return all_decided and bool(self.trackers)

    def conclude(self, trials: list[TrialResult]) -> dict[Key, SequentialOutcome]:
        """The run has stopped: every design that has not decided makes its final
        analysis at every pair so far. Returns :meth:`outcomes`."""
        for key, (b, c, paired, info) in self._pairs(trials).items():
            if paired:
                self._tracker(key, info).look(b, c, final=True)
        return self.outcomes()

    def outcomes(self) -> dict[Key, SequentialOutcome]:
        """Each primary comparison's latest outcome."""
        return {key: tracker.outcome for key, tracker in self.trackers.items()}

    def summary(self) -> str:
        """How the primary comparisons ended, for the run's stop reason:
        ``"2 BETTER, 1 INCONCLUSIVE (futility: the budget cannot decide it)"``."""
        counts: Counter[str] = Counter()
        for outcome in self.outcomes().values():
            verdict = outcome.verdict.name if outcome.verdict else "UNDECIDED"
            counts[f"{verdict}{_CAUSES.get(outcome.cause or '', '')}"] += 1
        if not counts:
            return "no primary comparison had pairs to analyse"
        parts = [f"{n} {what}" for what, n in sorted(counts.items())]
        pairs = sorted({o.pairs for o in self.outcomes().values()})
        at = f"{pairs[0]}" if len(pairs) == 1 else f"{pairs[0]}-{pairs[-1]}"
        noun = "trial" if pairs[-1] == 1 else "trials"
        return f"{', '.join(parts)} (after {at} {noun} per arm)"

    def precise(self, trials: list[TrialResult], precision: float) -> bool:
        """True when every primary interval (at the run's confidence) is within ± precision.

        The width is measured on the ratio scale: ``(1 + high) / (1 + low)``
        must not exceed ``(1 + precision) / (1 - precision)``, which for small
        values is an interval of about ± precision around the estimate.
        """
        limit = (1 + precision) / (1 - precision)
        rows: list[ComparisonRow] = []
        for (candidate, _, params), (b, c, paired, info) in self._pairs(trials).items():
            rows.append(
                compare_arms(
                    b,
                    c,
                    info=info,
                    paired=paired,
                    confidence=self.confidence,
                    name=candidate,
                    params=params,
                )
            )
        for row in rows:
            if row.ci is None:
                return False
            low, high = row.ci
            if not (low > -1 and (1 + high) / (1 + low) <= limit):
                return False
        return bool(rows)

    @classmethod
    def replay(cls, header: RunHeader, trials: list[TrialResult]) -> dict[Key, SequentialOutcome]:
        """The looks of an until-decided run, repeated over its stored trials, and its
        final analyses when it stopped undecided (as the runner did)."""
        rule = cls(header)
        minimum = int(header.options.get("trials", 2))
        points = _points(header)
        by_block: dict[int, list[TrialResult]] = defaultdict(list)
        for trial in trials:
            by_block[trial.block].append(trial)
        seen: list[TrialResult] = []
        for block in sorted(by_block):
            seen.extend(by_block[block])
            if block // points + 1 >= minimum and rule.decided(seen):
                return rule.outcomes()
        return rule.conclude(seen)


_CAUSES = {
    "ended": " at the final analysis",
    "maximum": " at the design's maximum",
    "futility": " for futility (the budget left could not decide it)",
    "error": " (values the design cannot take)",
}
