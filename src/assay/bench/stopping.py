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
from collections import defaultdict
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

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "verdict": None if self.verdict is None else self.verdict.value,
            "effect": self.effect,
            "ci": list(self.ci) if self.ci else None,
            "reason": self.reason,
            "pairs": self.pairs,
            "scale": self.scale,
        }


def _log_scale(b: npt.NDArray[np.float64], c: npt.NDArray[np.float64]) -> bool:
    return bool(np.all(b > 0) and np.all(c > 0))


class _Tracker:
    """One primary comparison's design and latest outcome."""

    def __init__(self, info: MetricInfo, confidence: float) -> None:
        self.info = info
        self.confidence = confidence
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
        self.outcome = SequentialOutcome(verdict, effect, (effect, effect), reason, b.size, scale)
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
        )

    def _inside_margin(
        self, ci: tuple[float, float], b: npt.NDArray[np.float64], scale: str
    ) -> bool:
        margin = self._margin() if scale == "log" else self._margin() * abs(float(np.mean(b)))
        return self.info.margin is not None and -margin < ci[0] and ci[1] < margin

    def look(self, b: npt.NDArray[np.float64], c: npt.NDArray[np.float64]) -> None:
        """Feed every complete pair so far."""
        if self.decided or b.size < 2:
            return
        scale = self.outcome.scale or ("log" if _log_scale(b, c) else "raw")
        if self.design is None:
            if self._settle(b, c, scale):
                return
            self._create(b, c, scale)
        try:
            decision = self.design.look(b, c)
        except AssayError as exc:  # values the design cannot take (a zero on a log scale)
            outcome = SequentialOutcome(Verdict.INCONCLUSIVE, None, None, str(exc), b.size, scale)
            self.outcome = outcome
            return
        verdict = decision.verdict if decision.stop and decision.verdict else None
        reason = decision.reason
        ci = decision.ci
        analysed = decision.analysis is not None and ci is not None
        if verdict is None and analysed and self._inside_margin(ci, b, scale):
            verdict = Verdict.EQUIVALENT
            reason = f"the repeated {self.confidence:.0%} interval lies inside ± the margin"
        self.outcome = SequentialOutcome(verdict, decision.effect, ci, reason, b.size, scale)


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

    def decided(self, trials: list[TrialResult]) -> bool:
        """Feed the designs; True when every primary comparison is decided."""
        self.looks += 1
        all_decided = True
        for key, (b, c, paired, info) in self._pairs(trials).items():
            tracker = self.trackers.setdefault(key, _Tracker(info, self.confidence))
            if paired:
                tracker.look(b, c)
            all_decided = all_decided and tracker.decided
        return all_decided and bool(self.trackers)

    def outcomes(self) -> dict[Key, SequentialOutcome]:
        """Each primary comparison's latest outcome."""
        return {key: tracker.outcome for key, tracker in self.trackers.items()}

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
        """The looks of an until-decided run, repeated over its stored trials."""
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
                break
        return rule.outcomes()
