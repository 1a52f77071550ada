"""Evidence for the criteria engine, built from stored benchmark runs.

:class:`RunEvidence` answers the three questions of :class:`assay.criteria.Evidence`
from the runs that judge a prototype, newest run first: the first run that
measured a metric answers for it, and :attr:`RunEvidence.sources` says which run,
candidate and sweep point gave each estimate.

**Which trials.** In each run the prototype's candidate (or the run's only
candidate) is compared with the run's baseline at one sweep point: the
prototype's ``point`` (``n=4096``), or the run's largest point. The trial is the
unit: every statistic is computed over trial values, never over the inner
samples pooled across trials.

**Metric names** (what a criterion writes, and what it reads from a trial):

===================================  ==========================================
``latency``, ``latency.p50``,         the trial's median per-call time (the
``latency.median``, ``time``          benchmark's ``time`` metric), in ``s``
``latency.p90``, ``latency.p99``,     that percentile of the trial's per-call
``latency.p99.9``                     times, in ``s``
``latency.mean``                      the mean of the trial's per-call times
``memory``, ``memory.peak_rss``       peak resident memory, in ``B``
``memory.peak_heap``                  peak Python heap (tracemalloc), in ``B``
``memory.peak_cuda``, ``gpu_memory``  peak CUDA memory, in ``B``
``throughput``                        items per second
``cost``                              ``usd`` per thousand items
``failure_rate``                      failed trials over all trials of the arm
any other name (``accuracy``)         the benchmark's metric of that name; a
                                      ``.mean`` or ``.median`` suffix picks the
                                      statistic of one arm
===================================  ==========================================

**Estimates.** ``statistic(arm, m)``: the mean of the arm's trial values with its
t-interval (a ``.median`` suffix: the median with its order-statistic interval);
``failure_rate``: the share of failed trials with its Wilson score interval.
``effect(m)`` and ``verdict(m)``: for metrics the benchmark engine compares
(time, memory peaks, the benchmark's own metrics) its comparison row is used, so
that a verdict here is the verdict ``assay bench show`` prints (after its
false-discovery control); other metrics (percentiles, throughput, cost) go
through :func:`assay.stats.compare` on the trial values, paired by seed. The
absolute difference (for margins such as ``1pt``) is the paired or Welch
t-interval of the difference of trial values.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from assay.criteria import EffectEstimate, InMemoryEvidence, MetricEstimate, VerdictEstimate
from assay.errors import AssayError, InputError
from assay.stats.verdict import Verdict
from assay.workspace.ab_evidence import is_ab, stored_difference

# NumPy and the benchmark engine are imported inside the functions that compute from
# trials, to keep start-up fast: a gate review reads StoredEvidence and needs neither.
if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from assay.bench.result import BenchmarkResult, ComparisonRow
    from assay.bench.trial import TrialResult

    FloatArray = npt.NDArray[np.float64]

__all__ = [
    "MetricSource",
    "RunEvidence",
    "RunSlice",
    "StoredEvidence",
    "largest_scale",
    "parse_point",
    "resolve_metric",
]

_PERCENTILE = re.compile(r"^p(\d{1,2}(?:[._]\d+)?)$")
_MEMORY = {
    "": "peak_rss",
    "peak_rss": "peak_rss",
    "rss": "peak_rss",
    "peak_heap": "peak_heap",
    "heap": "peak_heap",
    "peak_cuda": "peak_cuda",
    "cuda": "peak_cuda",
    "gpu": "peak_cuda",
}


@dataclasses.dataclass(frozen=True)
class MetricSource:
    """How a criterion's metric name is read from a trial.

    ``kind`` is ``value`` (a trial value named ``name``), ``quantile`` (quantile
    ``q`` of the per-call times), ``sample_mean`` (their mean) or ``failure_rate``.
    ``stat`` is the statistic of one arm (``mean`` or ``median``). ``compared`` is
    the benchmark metric whose comparison row gives the effect and verdict, when
    the benchmark engine compares it. ``lower_is_better`` is ``None`` when the
    run's header says it (the benchmark's own metrics).
    """

    kind: str
    name: str = ""
    q: float | None = None
    stat: str = "mean"
    unit: str | None = None
    lower_is_better: bool | None = None
    compared: str | None = None
    margin_option: str | None = None


def _timed(kind: str, *, q: float | None = None, compared: str | None = None) -> MetricSource:
    return MetricSource(
        kind,
        "time",
        q=q,
        unit="s",
        lower_is_better=True,
        compared=compared,
        margin_option="time_margin",
    )


def resolve_metric(metric: str) -> MetricSource:
    """The source of a metric name (see the module docstring's table)."""
    if metric == "failure_rate":
        return MetricSource("failure_rate", lower_is_better=True)
    family, _, rest = metric.partition(".")
    if family in ("latency", "time"):
        if rest in ("", "p50", "median"):
            return _timed("value", compared="time")
        if rest == "mean":
            return _timed("sample_mean")
        match = _PERCENTILE.match(rest)
        if match:
            level = Decimal(match.group(1).replace("_", ".")) / 100
            return _timed("quantile", q=float(level))
    if (family == "memory" and rest in _MEMORY) or metric in ("peak_rss", "peak_heap", "peak_cuda"):
        name = _MEMORY[rest] if family == "memory" else metric
        return MetricSource("value", name, unit="B", lower_is_better=True, compared=name)
    if metric == "gpu_memory":
        return MetricSource(
            "value", "peak_cuda", unit="B", lower_is_better=True, compared="peak_cuda"
        )
    if metric == "throughput":
        return MetricSource(
            "value", "throughput", lower_is_better=False, margin_option="time_margin"
        )
    if metric == "cost":
        return MetricSource(
            "value", "cost", unit="usd", lower_is_better=True, margin_option="time_margin"
        )
    base, dot, stat = metric.rpartition(".")
    if dot and stat in ("mean", "median"):
        return MetricSource("value", base, stat=stat, compared=base)
    return MetricSource("value", metric, compared=metric)


def parse_point(text: str) -> dict[str, Any]:
    """A sweep point from ``n=4096`` or ``n=4096,batch=8`` (numbers become numbers)."""
    point: dict[str, Any] = {}
    for part in text.split(","):
        key, eq, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not eq or not key or not value:
            raise InputError(
                f"sweep point {text!r} is not PARAM=VALUE[,PARAM=VALUE]; for example n=4096"
            )
        point[key] = _number(value)
    return point


def _number(value: str) -> Any:
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            continue
    return value


def _point_key(params: tuple[tuple[str, Any], ...]) -> tuple[Any, ...]:
    return tuple((0, v) if isinstance(v, int | float) else (1, str(v)) for _, v in params)


def _describe(params: tuple[tuple[str, Any], ...]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params)


@dataclasses.dataclass(frozen=True)
class RunSlice:
    """One run narrowed to a candidate and a sweep point: where a prototype's
    criteria are judged in that run. Build it with :meth:`of`."""

    run_id: str
    result: BenchmarkResult
    baseline: str
    candidate: str
    params: tuple[tuple[str, Any], ...]
    confidence: float

    @classmethod
    def of(
        cls,
        run_id: str,
        result: BenchmarkResult,
        *,
        candidate: str | None,
        point: Mapping[str, Any] | None,
    ) -> RunSlice:
        """The slice of ``result`` for ``candidate`` at ``point``; an
        :class:`InputError` saying why when the run has neither."""
        spec = result.header.spec
        baseline = str(spec.get("baseline", ""))
        candidates = [str(c) for c in spec.get("candidates", [])]
        if is_ab(spec):  # an online A/B: its treatment arm is the candidate, at no point
            confidence = float(result.header.options.get("confidence", 0.95))
            return cls(run_id, result, baseline, candidates[0], (), confidence)
        if candidate is None:
            if len(candidates) != 1:
                raise InputError(
                    f"run {run_id} has candidates {', '.join(candidates) or 'none'}; say which "
                    "one the prototype tests: assay prototype set PROTOTYPE --candidate NAME"
                )
            candidate = candidates[0]
        elif candidate not in candidates:
            raise InputError(
                f"run {run_id} has no candidate {candidate!r} (it has {', '.join(candidates)})"
            )
        points = sorted({t.key.params for t in result.trials}, key=_point_key)
        if point:
            wanted = {k: str(v) for k, v in point.items()}
            matching = [
                p for p in points if all(str(dict(p).get(k)) == v for k, v in wanted.items())
            ]
            if not matching:
                shown = "; ".join(_describe(p) for p in points) or "none"
                raise InputError(
                    f"run {run_id} has no sweep point {_describe(tuple(point.items()))} "
                    f"(its points: {shown})"
                )
            points = matching
        if not points:
            raise InputError(f"run {run_id} has no trials yet")
        confidence = float(result.header.options.get("confidence", 0.95))
        return cls(run_id, result, baseline, candidate, points[-1], confidence)

    @property
    def label(self) -> str:
        """``run 20261126-ab12cd: tiled against naive at n=4096``."""
        at = f" at {_describe(self.params)}" if self.params else ""
        return f"run {self.run_id}: {self.candidate} against {self.baseline}{at}"

    def trials(self, method: str) -> dict[int, TrialResult]:
        """The method's trials at this point, by seed."""
        return {
            t.key.seed: t
            for t in self.result.trials
            if t.key.method == method and t.key.params == self.params
        }

    def arm(self, arm: str) -> str:
        """The method name of ``arm`` (``candidate`` or ``baseline``)."""
        return self.candidate if arm == "candidate" else self.baseline

    def row(self, metric: str) -> ComparisonRow | None:
        """The benchmark engine's comparison row for ``metric`` here, if any."""
        for row in self.result.comparisons:
            if (row.candidate, row.metric, row.params) == (self.candidate, metric, self.params):
                return row
        return None

    def direction(self, source: MetricSource) -> bool:
        """Whether lower is better for ``source`` in this run."""
        if source.lower_is_better is not None:
            return source.lower_is_better
        for metric in self.result.header.spec.get("metrics", []):
            if metric.get("name") == source.name:
                return not bool(metric.get("higher_is_better"))
        return True

    def margin(self, source: MetricSource) -> float | None:
        """The practical margin the run declared for ``source``, if any."""
        options = self.result.header.options
        if source.margin_option is not None:
            value = options.get(source.margin_option)
        elif source.compared in ("peak_rss", "peak_heap", "peak_cuda"):
            value = options.get("memory_margin")
        else:
            value = next(
                (
                    m.get("margin")
                    for m in self.result.header.spec.get("metrics", [])
                    if m.get("name") == source.name
                ),
                None,
            )
        return None if value is None else float(value)


def _trial_value(trial: TrialResult, source: MetricSource) -> float | None:
    if not trial.ok:
        return None
    if source.kind == "value":
        value = trial.values.get(source.name)
        return None if value is None or not math.isfinite(value) else float(value)
    samples = trial.samples.get("time")
    if samples is None or samples.size == 0:
        return None
    import numpy as np  # lazily: keeps start-up fast (see the imports)

    if source.kind == "quantile":
        assert source.q is not None
        return float(np.quantile(samples, source.q))
    return float(np.mean(samples))


def _arm_values(piece: RunSlice, arm: str, source: MetricSource) -> FloatArray:
    import numpy as np  # lazily: keeps start-up fast (see the imports)

    values = [_trial_value(t, source) for t in piece.trials(piece.arm(arm)).values()]
    return np.array([v for v in values if v is not None], dtype=np.float64)


def _paired(piece: RunSlice, source: MetricSource) -> tuple[FloatArray, FloatArray, bool]:
    base, cand = piece.trials(piece.baseline), piece.trials(piece.candidate)
    pairs = []
    for seed in sorted(base.keys() & cand.keys()):
        b, c = _trial_value(base[seed], source), _trial_value(cand[seed], source)
        if b is not None and c is not None:
            pairs.append((b, c))
    if len(pairs) >= 2:
        import numpy as np  # lazily: keeps start-up fast (see the imports)

        array = np.array(pairs, dtype=np.float64)
        return array[:, 0], array[:, 1], True
    return _arm_values(piece, "baseline", source), _arm_values(piece, "candidate", source), False


def _t_interval(values: FloatArray, confidence: float) -> tuple[float, float, float]:
    from assay.stats.intervals import mean_interval

    return mean_interval(values, confidence)


def _median_interval(values: FloatArray, confidence: float) -> tuple[float, float, float]:
    import numpy as np  # lazily: keeps start-up fast (see the imports)

    from assay.stats.summary import order_statistic_ci

    ordered = np.sort(values)
    low, high = order_statistic_ci(ordered, 0.5, confidence)
    return (
        float(np.median(ordered)),
        -math.inf if low is None else low,
        math.inf if high is None else high,
    )


def _wilson(failed: int, total: int, confidence: float) -> tuple[float, float, float]:
    """Wilson's score interval for a proportion (Wilson 1927, JASA 22:209-212)."""
    from assay.stats.intervals import wilson_interval

    return wilson_interval(failed, total, confidence)


def _statistic(piece: RunSlice, arm: str, source: MetricSource) -> MetricEstimate | None:
    if source.kind == "failure_rate":
        trials = list(piece.trials(piece.arm(arm)).values())
        if not trials:
            return None
        failed = sum(1 for t in trials if not t.ok)
        value, low, high = _wilson(failed, len(trials), piece.confidence)
        return MetricEstimate(value, low, high, None, piece.confidence, len(trials))
    values = _arm_values(piece, arm, source)
    if values.size == 0:
        return None
    if source.stat == "median":
        value, low, high = _median_interval(values, piece.confidence)
    else:
        value, low, high = _t_interval(values, piece.confidence)
    return MetricEstimate(value, low, high, source.unit, piece.confidence, int(values.size))


def _difference(
    base: FloatArray, cand: FloatArray, paired: bool, unit: str | None, confidence: float
) -> MetricEstimate:
    from assay.stats import paired_t_test, welch_test

    test = paired_t_test if paired else welch_test
    result = test(base, cand, confidence=confidence)
    low, high = result.ci
    n = min(base.size, cand.size)
    return MetricEstimate(result.estimate, low, high, unit, confidence, n)


@dataclasses.dataclass(frozen=True)
class _Compared:
    effect: EffectEstimate
    verdict: VerdictEstimate | None


def _compare(piece: RunSlice, source: MetricSource) -> _Compared | None:
    import numpy as np  # lazily: keeps start-up fast (see the imports)

    if source.kind == "failure_rate":
        return None
    if is_ab(piece.result.header.spec):  # no trials: the stored rows are the evidence
        row = piece.row(source.compared) if source.compared is not None else None
        spec = piece.result.header.spec
        difference = stored_difference(spec, source.compared)
        return None if row is None else _from_row(row, difference, piece.confidence)
    base, cand, paired = _paired(piece, source)
    if base.size < 2 or cand.size < 2:
        return None
    lower = piece.direction(source)
    difference = _difference(base, cand, paired, source.unit, piece.confidence)
    row = piece.row(source.compared) if source.compared is not None else None
    if row is not None and row.ci is None and (row.test or "").startswith("group-sequential"):
        row = _replayed_row(piece, row)
    if row is not None:
        found = _from_row(row, difference, piece.confidence)
        if found is not None:
            return found
        # a row without an interval: the trials are still evidence (issue 10)
    if paired and np.array_equal(base, cand):
        relative = MetricEstimate(0.0, 0.0, 0.0, None, piece.confidence, int(base.size))
        equivalent = VerdictEstimate(Verdict.EQUIVALENT)
        return _Compared(EffectEstimate(relative, lower, difference), equivalent)
    from assay.stats import compare

    try:
        comparison = compare(
            base,
            cand,
            lower_is_better=lower,
            paired=paired,
            margin=piece.margin(source),
            confidence=piece.confidence,
        )
    except AssayError:
        return None
    return _Compared(
        EffectEstimate.from_comparison(comparison, difference=difference),
        VerdictEstimate.from_comparison(comparison),
    )


def _replayed_row(piece: RunSlice, row: ComparisonRow) -> ComparisonRow:
    """A sequential row stored without an interval (until-decided runs analysed before
    every design made a final analysis when the run stopped): the run's looks replayed
    by today's engine, which ends each design with a verdict and an interval."""
    from assay.bench.analysis import analyse  # lazily: keeps start-up fast

    if not piece.result.trials:
        return row
    fresh = analyse(piece.result.header, list(piece.result.trials))
    key = (row.candidate, row.metric, row.params)
    return next((r for r in fresh.comparisons if (r.candidate, r.metric, r.params) == key), row)


def _from_row(
    row: ComparisonRow, difference: MetricEstimate | None, confidence: float
) -> _Compared | None:
    if row.effect is None or row.ci is None:
        return None
    n = min(row.n_baseline, row.n_candidate)
    low, high = row.ci
    relative = MetricEstimate(row.effect, low, high, None, confidence, n)
    effect = EffectEstimate(relative, row.lower_is_better, difference)
    verdict = None
    if row.verdict is not None:
        verdict = VerdictEstimate(row.verdict, row.needed_trials, n)
    return _Compared(effect, verdict)


class RunEvidence:
    """Evidence from runs, newest first (see the module docstring).

    Implements :class:`assay.criteria.Evidence`. Every answer is remembered with
    its source; :meth:`snapshot` gives what was asked in JSON form.
    """

    def __init__(self, slices: Sequence[RunSlice]) -> None:
        self.slices = tuple(slices)
        self._statistics: dict[tuple[str, str], MetricEstimate | None] = {}
        self._compared: dict[str, _Compared | None] = {}
        self.sources: dict[str, str] = {}

    def statistic(self, arm: str, metric: str) -> MetricEstimate | None:
        """The statistic ``metric`` of ``arm`` from the newest run that measured it."""
        key = (arm, metric)
        if key not in self._statistics:
            self._statistics[key] = None
            source = resolve_metric(metric)
            for piece in self.slices:
                found = _statistic(piece, arm, source)
                if found is not None:
                    self._statistics[key] = found
                    self.sources[f"{arm} {metric}"] = piece.label
                    break
        return self._statistics[key]

    def _comparison(self, metric: str) -> _Compared | None:
        if metric not in self._compared:
            self._compared[metric] = None
            source = resolve_metric(metric)
            for piece in self.slices:
                if is_ab(piece.result.header.spec):  # an A/B run's metrics go by their names
                    found = _compare(piece, MetricSource("value", metric, compared=metric))
                else:
                    found = _compare(piece, source)
                if found is not None:
                    self._compared[metric] = found
                    self.sources[f"effect {metric}"] = piece.label
                    if found.verdict is not None:
                        self.sources[f"verdict {metric}"] = piece.label
                    break
        return self._compared[metric]

    def effect(self, metric: str) -> EffectEstimate | None:
        """The change of ``metric`` from the newest run that compared it."""
        found = self._comparison(metric)
        return None if found is None else found.effect

    def verdict(self, metric: str) -> VerdictEstimate | None:
        """The verdict on ``metric`` from the newest run that compared it."""
        found = self._comparison(metric)
        return None if found is None else found.verdict

    def snapshot(self) -> InMemoryEvidence:
        """What was asked so far and found, as :class:`InMemoryEvidence`."""
        statistics = {k: v for k, v in self._statistics.items() if v is not None}
        effects = {m: c.effect for m, c in self._compared.items() if c is not None}
        verdicts = {m: c.verdict for m, c in self._compared.items() if c is not None and c.verdict}
        return InMemoryEvidence(statistics, effects, verdicts)


class StoredEvidence(RunEvidence):
    """The evidence a prototype's stored snapshot holds: the answers found when it was
    computed, and where each came from (see :mod:`assay.workspace.analyses`).

    It answers as the :class:`RunEvidence` it was taken from did, for every question
    asked then (every criterion, the failure rates and the cost report's effects),
    without the runs' trials.
    """

    def __init__(self, evidence: InMemoryEvidence, sources: Mapping[str, str]) -> None:
        super().__init__(())
        self.stored = evidence
        self.sources = dict(sources)

    def statistic(self, arm: str, metric: str) -> MetricEstimate | None:
        """The stored statistic ``metric`` of ``arm``, if it was measured."""
        return self.stored.statistic(arm, metric)

    def effect(self, metric: str) -> EffectEstimate | None:
        """The stored change of ``metric``, if it was compared."""
        return self.stored.effect(metric)

    def verdict(self, metric: str) -> VerdictEstimate | None:
        """The stored verdict on ``metric``, if there was one."""
        return self.stored.verdict(metric)

    def snapshot(self) -> InMemoryEvidence:
        """Every stored answer."""
        return self.stored


def largest_scale(slices: Sequence[RunSlice], param: str) -> float | None:
    """The largest value of sweep parameter ``param`` at which a slice's candidate
    finished a trial successfully, across the slices' runs."""
    best: float | None = None
    for piece in slices:
        for trial in piece.result.trials:
            value = dict(trial.key.params).get(param)
            if trial.key.method != piece.candidate or not trial.ok:
                continue
            if isinstance(value, int | float) and (best is None or value > best):
                best = float(value)
    return best
