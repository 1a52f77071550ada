"""What a finished (or re-read) run says: trials, summaries, comparisons, sweeps.

:class:`BenchmarkResult` is built by :func:`assay.bench.analysis.analyse` from a
run's header and trials alone — no benchmark module needed — so ``assay bench
show`` can rebuild it from the store. :meth:`BenchmarkResult.to_dict` gives the
JSON the CLI prints (``{"trials": {"planned", "completed", "failed"},
"comparisons": [...], "environment": {...}, ...}``; the CLI adds ``run_id``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from assay.bench.plan import format_params
from assay.bench.registry import Params
from assay.bench.sink import RunHeader
from assay.bench.trial import TrialResult

__all__ = [
    "AblationRow",
    "BenchmarkResult",
    "ComparisonRow",
    "Crossover",
    "MethodSummary",
    "ScalingFit",
]


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


@dataclass(frozen=True)
class ComparisonRow:
    """One candidate against the baseline on one metric at one sweep point.

    ``effect`` is the relative change of the candidate against the baseline
    (positive: the candidate is larger; for time, slower), ``ci`` its interval.
    ``verdict`` is ``better``/``worse``/``equivalent``/``inconclusive`` from
    :func:`assay.stats.compare`, downgraded to ``inconclusive`` when the
    p-value adjusted across the run's comparisons (Benjamini-Hochberg) does not
    pass; ``not compared`` when there were too few complete trials.
    """

    candidate: str
    metric: str
    params: Params
    verdict: str
    effect: float | None
    ci: tuple[float, float] | None
    p_value: float | None
    p_adjusted: float | None
    lower_is_better: bool
    paired: bool
    n_baseline: int
    n_candidate: int
    needed_trials: int | None = None
    test: str | None = None
    warnings: tuple[str, ...] = ()
    comparison: Any = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, as ``--json`` prints it."""
        ci = [_finite(self.ci[0]), _finite(self.ci[1])] if self.ci else None
        return {
            "candidate": self.candidate,
            "metric": self.metric,
            "params": dict(self.params),
            "verdict": self.verdict,
            "effect": {"relative": _finite(self.effect), "ci": ci},
            "p_value": _finite(self.p_value),
            "p_adjusted": _finite(self.p_adjusted),
            "lower_is_better": self.lower_is_better,
            "paired": self.paired,
            "n_baseline": self.n_baseline,
            "n_candidate": self.n_candidate,
            "needed_trials": self.needed_trials,
            "test": self.test,
            "warnings": list(self.warnings),
        }

    def label(self) -> str:
        """``candidate [n=256] time``."""
        point = f" [{format_params(self.params)}]" if self.params else ""
        return f"{self.candidate}{point} {self.metric}"


@dataclass(frozen=True)
class MethodSummary:
    """How one method did at one sweep point: trial counts and metric summaries.

    ``metrics[name]`` holds ``n`` (trials), ``median`` and ``mean`` of the trial
    values; for ``time`` also ``p50``..``p99_9`` of the pooled per-call samples.
    """

    method: str
    role: str
    params: Params
    trials: int
    failed: int
    metrics: dict[str, dict[str, float]]

    @property
    def failure_rate(self) -> float:
        """Failed trials over all trials (0 when none ran)."""
        return self.failed / self.trials if self.trials else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "method": self.method,
            "role": self.role,
            "params": dict(self.params),
            "trials": self.trials,
            "failed": self.failed,
            "failure_rate": self.failure_rate,
            "metrics": self.metrics,
        }


@dataclass(frozen=True)
class ScalingFit:
    """Empirical scaling: the slope of log(metric) against log(parameter).

    An exponent of 2 means time grows with the square of the size. ``ci`` is the
    t-interval of the least-squares slope over the trials' values.
    """

    method: str
    metric: str
    parameter: str
    fixed: Params
    exponent: float
    ci: tuple[float, float]
    points: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "method": self.method,
            "metric": self.metric,
            "parameter": self.parameter,
            "fixed": dict(self.fixed),
            "exponent": self.exponent,
            "ci": [_finite(self.ci[0]), _finite(self.ci[1])],
            "points": self.points,
        }


@dataclass(frozen=True)
class Crossover:
    """Where a candidate's effect changes sign along a sweep parameter."""

    candidate: str
    metric: str
    parameter: str
    fixed: Params
    at: float
    wins_above: bool
    sentence: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "candidate": self.candidate,
            "metric": self.metric,
            "parameter": self.parameter,
            "fixed": dict(self.fixed),
            "at": self.at,
            "wins_above": self.wins_above,
            "sentence": self.sentence,
        }


@dataclass(frozen=True)
class AblationRow:
    """A component's contribution: the full method against it with the component off."""

    family: str
    component: str
    metric: str
    params: Params
    contribution: float | None
    ci: tuple[float, float] | None
    verdict: str
    method: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "family": self.family,
            "component": self.component,
            "metric": self.metric,
            "params": dict(self.params),
            "contribution": _finite(self.contribution),
            "ci": [_finite(self.ci[0]), _finite(self.ci[1])] if self.ci else None,
            "verdict": self.verdict,
            "method": self.method,
        }


@dataclass
class BenchmarkResult:
    """A run's results; see the module docstring."""

    header: RunHeader
    trials: list[TrialResult]
    comparisons: list[ComparisonRow] = field(default_factory=list)
    summaries: list[MethodSummary] = field(default_factory=list)
    scaling: list[ScalingFit] = field(default_factory=list)
    crossovers: list[Crossover] = field(default_factory=list)
    ablation: list[AblationRow] = field(default_factory=list)
    stopped: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def completed(self) -> int:
        """Trials that ran to an end, successful or failed."""
        return len(self.trials)

    @property
    def failed(self) -> int:
        """Trials recorded as failed."""
        return sum(1 for t in self.trials if not t.ok)

    @property
    def planned(self) -> int | None:
        """Trials planned (None for an until-decided run)."""
        return self.header.planned

    def failure_rates(self) -> dict[str, float]:
        """Failed share of each method's trials."""
        counts: dict[str, list[int]] = {}
        for trial in self.trials:
            entry = counts.setdefault(trial.key.method, [0, 0])
            entry[0] += 1
            entry[1] += 0 if trial.ok else 1
        return {method: failed / total for method, (total, failed) in counts.items()}

    def failures(self) -> dict[str, list[dict[str, Any]]]:
        """Each method's failed trials: key, status and reason."""
        out: dict[str, list[dict[str, Any]]] = {}
        for trial in self.trials:
            if not trial.ok:
                out.setdefault(trial.key.method, []).append(
                    {
                        "key": trial.key.to_dict(),
                        "status": trial.status.value,
                        "reason": trial.reason,
                    }
                )
        return out

    def comparison(self, candidate: str, metric: str, params: Params = ()) -> ComparisonRow:
        """The row for ``candidate`` on ``metric`` at sweep point ``params``."""
        for row in self.comparisons:
            if (row.candidate, row.metric, row.params) == (candidate, metric, tuple(params)):
                return row
        raise KeyError((candidate, metric, params))

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` form (the CLI adds ``run_id``)."""
        return {
            "benchmark": self.header.spec.get("name"),
            "trials": {"planned": self.planned, "completed": self.completed, "failed": self.failed},
            "stopped": self.stopped,
            "comparisons": [row.to_dict() for row in self.comparisons],
            "failure_rates": self.failure_rates(),
            "failures": self.failures(),
            "summaries": [s.to_dict() for s in self.summaries],
            "scaling": [s.to_dict() for s in self.scaling],
            "crossovers": [c.to_dict() for c in self.crossovers],
            "ablation": [a.to_dict() for a in self.ablation],
            "warnings": list(self.warnings),
            "options": self.header.options,
            "environment": self.header.environment,
        }
