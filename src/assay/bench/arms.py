"""Two arms of one comparison: which metrics are compared, and how.

The pieces that :mod:`assay.bench.analysis` (every comparison of a run),
:mod:`assay.bench.stopping` (the sequential looks of an until-decided run) and
:mod:`assay.bench.ablation` (component contributions) share: each metric's
direction and margin (:func:`metric_infos`), trials grouped by sweep point,
method and seed (:func:`group_trials`), both arms' values paired by seed
(:func:`paired_arms`) and one comparison row from them (:func:`compare_arms`).
They live below all three so that none imports another to get them.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from assay.bench.header import RunHeader
from assay.bench.registry import Params
from assay.bench.result import ComparisonRow
from assay.bench.spec import BUILTIN_METRICS
from assay.bench.trial import TrialResult
from assay.errors import AssayError
from assay.stats.verdict import Comparison, Verdict

__all__ = [
    "Grouped",
    "MetricInfo",
    "compare_arms",
    "group_trials",
    "has_metric",
    "metric_infos",
    "paired_arms",
]

_MEMORY = ("peak_heap", "peak_rss", "peak_cuda")
Grouped = dict[Params, dict[str, dict[int, TrialResult]]]


@dataclass(frozen=True)
class MetricInfo:
    """How a metric is compared."""

    name: str
    lower_is_better: bool
    margin: float | None
    primary: bool


def metric_infos(header: RunHeader) -> list[MetricInfo]:
    """The compared metrics of a run: time, memory peaks, then the user's."""
    options = header.options
    chosen = options.get("primary")
    infos = [MetricInfo("time", True, options.get("time_margin"), True)]
    infos += [MetricInfo(m, True, options.get("memory_margin"), False) for m in _MEMORY]
    for metric in header.spec.get("metrics", []):
        infos.append(
            MetricInfo(
                metric["name"],
                not metric["higher_is_better"],
                metric.get("margin"),
                bool(metric.get("primary")),
            )
        )
    if chosen is not None:
        infos = [dataclasses.replace(i, primary=i.name in chosen) for i in infos]
    return infos


def group_trials(trials: list[TrialResult]) -> Grouped:
    """Trials by sweep point, then method, then seed."""
    grouped: Grouped = defaultdict(lambda: defaultdict(dict))
    for trial in trials:
        grouped[trial.key.params][trial.key.method][trial.key.seed] = trial
    return grouped


def has_metric(trial: TrialResult, metric: str) -> bool:
    """True when ``trial`` succeeded and measured ``metric``."""
    return trial.ok and metric in trial.values


def paired_arms(
    base: dict[int, TrialResult],
    cand: dict[int, TrialResult],
    metric: str,
    *,
    pairing: bool = True,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], bool]:
    """Both arms' values on ``metric``: paired by seed (and example) when possible.

    ``samples["time"]`` holds per-call times, not examples: built-in metrics are
    always one value per trial.
    """
    shared = base.keys() & cand.keys()
    seeds = sorted(s for s in shared if has_metric(base[s], metric) and has_metric(cand[s], metric))
    if pairing and len(seeds) >= 2:
        per_example = metric not in BUILTIN_METRICS and all(
            metric in base[s].samples
            and metric in cand[s].samples
            and base[s].samples[metric].shape == cand[s].samples[metric].shape
            for s in seeds
        )
        if per_example:
            b = np.concatenate([base[s].samples[metric] for s in seeds])
            c = np.concatenate([cand[s].samples[metric] for s in seeds])
            return b, c, True
        b = np.array([base[s].values[metric] for s in seeds])
        c = np.array([cand[s].values[metric] for s in seeds])
        return b, c, True
    b = np.array([t.values[metric] for t in base.values() if has_metric(t, metric)])
    c = np.array([t.values[metric] for t in cand.values() if has_metric(t, metric)])
    return b, c, False


def compare_arms(
    baseline: npt.NDArray[np.float64],
    candidate: npt.NDArray[np.float64],
    *,
    info: MetricInfo,
    paired: bool,
    confidence: float,
    name: str,
    params: Params,
    test: str = "auto",
) -> ComparisonRow:
    """One comparison row from two arms' values (see the module docstring); ``test``
    as :func:`assay.stats.compare` takes it."""
    row = ComparisonRow(
        name, info.name, params, None, None, None, None, None,
        info.lower_is_better, paired, len(baseline), len(candidate),
    )  # fmt: skip
    if len(baseline) < 2 or len(candidate) < 2:
        return dataclasses.replace(
            row, warnings=("fewer than 2 completed trials in an arm: nothing to compare",)
        )
    if paired and np.array_equal(baseline, candidate):
        return dataclasses.replace(
            row, verdict=Verdict.EQUIVALENT, effect=0.0, ci=(0.0, 0.0), p_value=1.0,
            test="identical values",
            warnings=("every pair of trials gave exactly the same value",),
        )  # fmt: skip
    from assay.stats import compare  # SciPy loads on first use (start-up speed)

    try:
        result = compare(
            baseline,
            candidate,
            lower_is_better=info.lower_is_better,
            paired=paired,
            margin=info.margin,
            confidence=confidence,
            test=test,
        )
    except AssayError as exc:
        return dataclasses.replace(row, warnings=(str(exc),))
    return _row_from(row, result)


def _row_from(row: ComparisonRow, result: Comparison) -> ComparisonRow:
    ci = tuple(float(v) for v in result.ci)
    return dataclasses.replace(
        row,
        verdict=result.verdict,
        effect=float(result.effect),
        ci=(ci[0], ci[1]),
        p_value=None if result.p_value is None else float(result.p_value),
        n_baseline=int(result.n_baseline),
        n_candidate=int(result.n_candidate),
        needed_trials=result.needed_trials,
        test=result.test or None,
        warnings=tuple(result.warnings),
    )
