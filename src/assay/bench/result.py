"""What a finished (or re-read) run says: trials, summaries, comparisons, sweeps.

:class:`BenchmarkResult` is built by :func:`assay.bench.analysis.analyse` from a
run's header and trials alone — no benchmark module needed — so ``assay bench
show`` can rebuild it from the store. :meth:`BenchmarkResult.to_dict` gives the
JSON the CLI prints (``{"format_version": 2, "trials": {"planned", "completed",
"failed"}, "comparisons": [...], "environment": {...}, ...}``; the CLI adds
``run_id``). :meth:`BenchmarkResult.from_dict` reads that JSON back without
re-analysing: format 2 (which also writes the run's ``spec``) and format 1, the
JSON of assay 0.1 (no ``format_version``), whose spec is rebuilt from the
summaries (name, baseline, candidates) unless the caller passes the run header.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from assay.bench.header import RunHeader
from assay.bench.plan import format_params
from assay.bench.registry import Params
from assay.bench.trial import TrialResult
from assay.display import Displayable
from assay.errors import InputError
from assay.stats.magnitude import ratio_fields
from assay.stats.verdict import Verdict

__all__ = [
    "FORMAT_VERSION",
    "NOT_COMPARED",
    "AblationRow",
    "BenchmarkResult",
    "ComparisonRow",
    "Crossover",
    "MethodSummary",
    "ScalingFit",
    "TrialTally",
]

FORMAT_VERSION = 2
"""Version of :meth:`BenchmarkResult.to_dict`'s JSON; 1 is assay 0.1's (no key)."""

NOT_COMPARED = "not compared"
"""The JSON verdict of a comparison that could not be made (``verdict is None``)."""


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _params(data: Mapping[str, Any] | Sequence[Sequence[Any]] | None) -> Params:
    """Sweep-point parameters from their JSON object (or pairs), in order."""
    items = data.items() if isinstance(data, Mapping) else (data or ())
    return tuple((str(name), value) for name, value in items)


def _float(value: Any, missing: float = math.nan) -> float:
    """A JSON number, or ``missing`` where ``to_dict`` wrote null for a non-finite one."""
    return missing if value is None else float(value)


def _verdict(value: Any) -> Verdict | None:
    """A row's verdict from its JSON word; ``not compared`` is None."""
    if value == NOT_COMPARED:
        return None
    try:
        return Verdict(value)
    except ValueError:
        words = ", ".join([*(v.value for v in Verdict), NOT_COMPARED])
        raise InputError(f"verdict {value!r} is not one of {words}") from None


def _optional(value: Any) -> float | None:
    return None if value is None else float(value)


def _interval(data: Sequence[Any] | None) -> tuple[float, float] | None:
    """An interval from ``[low, high]``; a null bound was unbounded on its side."""
    if data is None:
        return None
    return (_float(data[0], -math.inf), _float(data[1], math.inf))


def _row(cls: type[Any], data: Mapping[str, Any]) -> Mapping[str, Any]:
    """``data`` after checking that it is a JSON object (one clear error if not)."""
    if not isinstance(data, Mapping):
        raise InputError(f"a stored {cls.__name__} must be a JSON object, got {data!r:.60}")
    return data


@dataclass(frozen=True, repr=False)  # repr, _repr_html_ and to_pandas() from Displayable
class ComparisonRow(Displayable):
    """One candidate against the baseline on one metric at one sweep point.

    ``effect`` is the relative change of the candidate against the baseline
    (positive: the candidate is larger; for time, slower), ``ci`` its interval.
    ``verdict`` is the :class:`~assay.stats.Verdict` of
    :func:`assay.stats.compare`, downgraded to ``INCONCLUSIVE`` when the
    p-value adjusted across the run's comparisons (Benjamini-Hochberg) does not
    pass; ``None`` when the arms could not be compared (too few complete
    trials, or values the test cannot take): ``warnings[0]`` says why, and the
    JSON says ``"not compared"`` (:attr:`verdict_label`).
    """

    candidate: str
    metric: str
    params: Params
    verdict: Verdict | None
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

    _display_columns = (
        *("candidate", "params", "metric", "verdict", "effect.relative", "effect.ci"),
        *("p_adjusted", "n_baseline", "n_candidate", "needed_trials"),
    )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, as ``--json`` prints it; ``effect`` holds the relative change,
        its ``ci`` and the ratio candidate / baseline (``ratio``, ``ratio_low``,
        ``ratio_high``)."""
        ci = [_finite(self.ci[0]), _finite(self.ci[1])] if self.ci else None
        return {
            "candidate": self.candidate,
            "metric": self.metric,
            "params": dict(self.params),
            "verdict": self.verdict_label,
            "effect": {
                "relative": _finite(self.effect),
                "ci": ci,
                **ratio_fields(_finite(self.effect), (ci[0], ci[1]) if ci else None),
            },
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

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ComparisonRow:
        """Inverse of :meth:`to_dict` (a null interval bound reads back unbounded)."""
        data = _row(cls, data)
        effect = data.get("effect") or {}
        return cls(
            candidate=str(data["candidate"]),
            metric=str(data["metric"]),
            params=_params(data.get("params")),
            verdict=_verdict(data["verdict"]),
            effect=_optional(effect.get("relative")),
            ci=_interval(effect.get("ci")),
            p_value=_optional(data.get("p_value")),
            p_adjusted=_optional(data.get("p_adjusted")),
            lower_is_better=bool(data["lower_is_better"]),
            paired=bool(data["paired"]),
            n_baseline=int(data["n_baseline"]),
            n_candidate=int(data["n_candidate"]),
            needed_trials=None if data.get("needed_trials") is None else int(data["needed_trials"]),
            test=None if data.get("test") is None else str(data["test"]),
            warnings=tuple(str(w) for w in data.get("warnings", ())),
        )

    @property
    def verdict_label(self) -> str:
        """The verdict's word, or ``not compared`` (what people and the JSON see)."""
        return NOT_COMPARED if self.verdict is None else self.verdict.value

    @property
    def not_compared_reason(self) -> str | None:
        """Why the arms were not compared (None when they were)."""
        if self.verdict is not None:
            return None
        return self.warnings[0] if self.warnings else "too few completed trials"

    def label(self) -> str:
        """``candidate [n=256] time``."""
        point = f" [{format_params(self.params)}]" if self.params else ""
        return f"{self.candidate}{point} {self.metric}"


@dataclass(frozen=True)
class MethodSummary:
    """How one method did at one sweep point: trial counts and metric summaries.

    ``metrics[name]`` holds ``n`` (trials), ``median`` and ``mean`` of the trial
    values and ``compared``, the arm's location its comparisons compare (the
    geometric mean of positive trial values, else the mean); for ``time`` also
    ``per_call_p50``..``per_call_p99_9`` of the pooled per-call samples.
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

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MethodSummary:
        """Inverse of :meth:`to_dict`."""
        data = _row(cls, data)
        return cls(
            method=str(data["method"]),
            role=str(data["role"]),
            params=_params(data.get("params")),
            trials=int(data["trials"]),
            failed=int(data["failed"]),
            metrics={
                str(name): {str(k): _float(v) for k, v in values.items()}
                for name, values in data.get("metrics", {}).items()
            },
        )


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

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScalingFit:
        """Inverse of :meth:`to_dict`."""
        data = _row(cls, data)
        ci = _interval(data.get("ci")) or (-math.inf, math.inf)
        return cls(
            method=str(data["method"]),
            metric=str(data["metric"]),
            parameter=str(data["parameter"]),
            fixed=_params(data.get("fixed")),
            exponent=_float(data["exponent"]),
            ci=ci,
            points=int(data["points"]),
        )


@dataclass(frozen=True)
class Crossover:
    """Where a candidate's effect changes sign along a sweep parameter.

    ``interval`` brackets ``at``: the stretch of the parameter where the
    comparisons' confidence band, interpolated between sweep points, holds no
    difference (None for runs stored before it was kept, or rows without an
    interval)."""

    candidate: str
    metric: str
    parameter: str
    fixed: Params
    at: float
    wins_above: bool
    sentence: str
    interval: tuple[float, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form; ``interval`` only where there is one (older results have none)."""
        data: dict[str, Any] = {
            "candidate": self.candidate,
            "metric": self.metric,
            "parameter": self.parameter,
            "fixed": dict(self.fixed),
            "at": self.at,
            "wins_above": self.wins_above,
            "sentence": self.sentence,
        }
        if self.interval is not None:
            data["interval"] = list(self.interval)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Crossover:
        """Inverse of :meth:`to_dict`."""
        data = _row(cls, data)
        return cls(
            candidate=str(data["candidate"]),
            metric=str(data["metric"]),
            parameter=str(data["parameter"]),
            fixed=_params(data.get("fixed")),
            at=_float(data["at"]),
            wins_above=bool(data["wins_above"]),
            sentence=str(data["sentence"]),
            interval=_interval(data.get("interval")),
        )


@dataclass(frozen=True)
class AblationRow:
    """A component's contribution: the full method against it with the component off."""

    family: str
    component: str
    metric: str
    params: Params
    contribution: float | None
    ci: tuple[float, float] | None
    verdict: Verdict
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
            "verdict": self.verdict.value,
            "method": self.method,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AblationRow:
        """Inverse of :meth:`to_dict`."""
        data = _row(cls, data)
        return cls(
            family=str(data["family"]),
            component=str(data["component"]),
            metric=str(data["metric"]),
            params=_params(data.get("params")),
            contribution=_optional(data.get("contribution")),
            ci=_interval(data.get("ci")),
            verdict=Verdict(data["verdict"]),
            method=str(data["method"]),
        )


@dataclass(frozen=True)
class TrialTally:
    """What a result read back without its trials knows about them.

    ``failures`` maps each method to its failed trials' key, status and reason,
    as :meth:`BenchmarkResult.failures` gives them.
    """

    completed: int
    failed: int
    failure_rates: dict[str, float]
    failures: dict[str, list[dict[str, Any]]]


@dataclass(repr=False)  # repr, _repr_html_ and to_pandas() come from Displayable
class BenchmarkResult(Displayable):
    """A run's results; see the module docstring."""

    _display_facts = ("benchmark", "trials", "stopped")
    _display_rows = "comparisons"
    _display_columns = ComparisonRow._display_columns

    header: RunHeader
    trials: list[TrialResult]
    comparisons: list[ComparisonRow] = field(default_factory=list)
    summaries: list[MethodSummary] = field(default_factory=list)
    scaling: list[ScalingFit] = field(default_factory=list)
    crossovers: list[Crossover] = field(default_factory=list)
    ablation: list[AblationRow] = field(default_factory=list)
    stopped: str = ""
    warnings: list[str] = field(default_factory=list)
    tally: TrialTally | None = field(default=None, repr=False)
    """Set by :meth:`from_dict`: the stored trial counts and failures, which
    the trials (when a caller loads them too) would otherwise give."""

    @property
    def completed(self) -> int:
        """Trials that ran to an end, successful or failed."""
        return self.tally.completed if self.tally is not None else len(self.trials)

    @property
    def failed(self) -> int:
        """Trials recorded as failed."""
        if self.tally is not None:
            return self.tally.failed
        return sum(1 for t in self.trials if not t.ok)

    @property
    def planned(self) -> int | None:
        """Trials planned (None for an until-decided run)."""
        return self.header.planned

    def failure_rates(self) -> dict[str, float]:
        """Failed share of each method's trials."""
        if self.tally is not None:
            return dict(self.tally.failure_rates)
        counts: dict[str, list[int]] = {}
        for trial in self.trials:
            entry = counts.setdefault(trial.key.method, [0, 0])
            entry[0] += 1
            entry[1] += 0 if trial.ok else 1
        return {method: failed / total for method, (total, failed) in counts.items()}

    def failures(self) -> dict[str, list[dict[str, Any]]]:
        """Each method's failed trials: key, status and reason."""
        if self.tally is not None:
            return {method: [dict(f) for f in rows] for method, rows in self.tally.failures.items()}
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
            "format_version": FORMAT_VERSION,
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
            "spec": self.header.spec,
            "run_warnings": list(self.header.warnings),
        }

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any],
        trials: Iterable[TrialResult] = (),
        *,
        header: RunHeader | None = None,
    ) -> BenchmarkResult:
        """Read back what :meth:`to_dict` wrote, without re-analysing.

        ``trials`` are the run's trials when the caller has them (they are not
        in the JSON); the counts and failures come from the JSON either way.
        ``header`` replaces the one rebuilt from the JSON (a format-1 result has
        no spec; the store keeps each run's header beside its result).
        """
        data = _row(cls, data)
        version = int(data.get("format_version", 1))
        if version not in (1, FORMAT_VERSION):
            raise InputError(
                f"stored result format {version} is newer than this assay reads "
                f"(1 to {FORMAT_VERSION}); upgrade assay"
            )
        counts = data.get("trials", {})
        return cls(
            header=header or _header(data),
            trials=list(trials),
            comparisons=[ComparisonRow.from_dict(r) for r in data.get("comparisons", ())],
            summaries=[MethodSummary.from_dict(r) for r in data.get("summaries", ())],
            scaling=[ScalingFit.from_dict(r) for r in data.get("scaling", ())],
            crossovers=[Crossover.from_dict(r) for r in data.get("crossovers", ())],
            ablation=[AblationRow.from_dict(r) for r in data.get("ablation", ())],
            stopped=str(data.get("stopped", "")),
            warnings=[str(w) for w in data.get("warnings", ())],
            tally=TrialTally(
                completed=int(counts.get("completed", 0)),
                failed=int(counts.get("failed", 0)),
                failure_rates={str(k): float(v) for k, v in data.get("failure_rates", {}).items()},
                failures={str(k): list(v) for k, v in data.get("failures", {}).items()},
            ),
        )


def _header(data: Mapping[str, Any]) -> RunHeader:
    """The run header in ``data``; format 1 has no spec: rebuilt from the summaries."""
    spec = data.get("spec")
    if spec is None:
        summaries = data.get("summaries", ())
        candidates = [s["method"] for s in summaries if s.get("role") == "candidate"]
        baseline = next((s["method"] for s in summaries if s.get("role") == "baseline"), None)
        spec = {
            "name": data.get("benchmark"),
            "baseline": baseline,
            "candidates": list(dict.fromkeys(candidates)),
        }
    return RunHeader(
        spec=dict(spec),
        options=dict(data.get("options", {})),
        environment=dict(data.get("environment", {})),
        warnings=[str(w) for w in data.get("run_warnings", ())],
        planned=data.get("trials", {}).get("planned"),
    )
