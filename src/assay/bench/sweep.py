"""Sweeps: how each method scales, and where a candidate starts or stops winning.

A sweep parameter is a workload parameter with at least two distinct positive
numbers (``n = 256, 1024, 4096``). For each such parameter, with the other
parameters held at each of their combinations:

- :func:`scaling_fits`: the **empirical scaling exponent** of each method, the
  least-squares slope of ``log(value)`` against ``log(parameter)`` over the
  successful trials, with its t-interval (``n - 2`` degrees of freedom). For
  time, 1 is linear and 2 quadratic. Computed for ``time`` and ``peak_heap``.
- :func:`crossovers`: the **crossover** where a candidate starts or stops
  winning on time: between two sweep points with opposite *verdicts* (BETTER on
  one, WORSE on the other; inconclusive points in between are skipped), the
  log-ratio of the candidate to the baseline is interpolated linearly in
  ``log(parameter)`` where its estimates change sign, and reported with a
  sentence ("tiled is faster than naive above n ≈ 3,000"). Sign changes of
  undecided estimates are noise and are not reported. Per-point verdicts, with
  false-discovery control across points, are the run's comparison rows.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from typing import Any

import numpy as np

from assay.bench.header import RunHeader
from assay.bench.registry import Params, ParamValue
from assay.bench.result import ComparisonRow, Crossover, ScalingFit
from assay.bench.trial import TrialResult
from assay.stats.intervals import t_interval
from assay.stats.verdict import Verdict

__all__ = ["crossovers", "fit_exponent", "scaling_fits", "sweep_parameters"]

_SCALED = ("time", "peak_heap")


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def sweep_parameters(header: RunHeader) -> list[str]:
    """Workload parameters with at least two distinct positive numbers."""
    grid: dict[str, list[Any]] = header.spec.get("workload", {}).get("params", {})
    return [
        name
        for name, values in grid.items()
        if len(set(values)) >= 2 and all(_numeric(v) for v in values)
    ]


def fit_exponent(x: list[float], y: list[float], confidence: float) -> tuple[float, float, float]:
    """Slope of log y on log x with its t-interval: ``(slope, low, high)``."""
    from scipy import stats as sps  # SciPy loads on first use (start-up speed)

    lx, ly = np.log(np.asarray(x, dtype=float)), np.log(np.asarray(y, dtype=float))
    fit = sps.linregress(lx, ly)
    slope, low, high = t_interval(float(fit.slope), float(fit.stderr), len(lx) - 2.0, confidence)
    return slope, low, high


def _others(params: Params, name: str) -> Params:
    return tuple((k, v) for k, v in params if k != name)


def _value(params: Params, name: str) -> ParamValue:
    return dict(params)[name]


MIN_SCALING_POINTS = 3
"""Distinct sweep values needed before a scaling exponent is reported."""


def scaling_fits(header: RunHeader, trials: list[TrialResult]) -> list[ScalingFit]:
    """Scaling exponents per method, metric and sweep parameter (module docstring)."""
    confidence = float(header.options.get("confidence", 0.95))
    fits = []
    for name in sweep_parameters(header):
        series: dict[tuple[str, str, Params], tuple[list[float], list[float]]] = defaultdict(
            lambda: ([], [])
        )
        for trial in trials:
            if not trial.ok:
                continue
            for metric in _SCALED:
                value = trial.values.get(metric)
                if value is not None and value > 0:
                    xs, ys = series[(trial.key.method, metric, _others(trial.key.params, name))]
                    xs.append(float(_value(trial.key.params, name)))
                    ys.append(value)
        for (method, metric, fixed), (xs, ys) in sorted(series.items()):
            # Two sizes always lie on some power law: the trials' spread would give a
            # tight interval that says nothing about the law itself. Fit from three.
            if len(set(xs)) < MIN_SCALING_POINTS:
                continue
            slope, low, high = fit_exponent(xs, ys, confidence)
            fits.append(ScalingFit(method, metric, name, fixed, slope, (low, high), len(set(xs))))
    return fits


def _interpolate(x1: float, y1: float, x2: float, y2: float) -> float:
    lx1, lx2 = math.log(x1), math.log(x2)
    return math.exp(lx1 + (0 - y1) * (lx2 - lx1) / (y2 - y1))


def _crossing(entries: list[tuple[float, float, ComparisonRow]]) -> list[tuple[float, bool]]:
    """Sign changes backed by verdicts: ``(x, wins_above)``.

    Only a change between two *decided* points (BETTER on one side, WORSE on the
    other) counts; between them, the crossing is where the log-ratio estimates
    change sign. Noise between inconclusive points is not a crossover.
    """
    decided = [i for i, e in enumerate(entries) if e[2].verdict in (Verdict.BETTER, Verdict.WORSE)]
    out = []
    for i, j in itertools.pairwise(decided):
        if entries[i][2].verdict == entries[j][2].verdict:
            continue
        for k in range(i, j):
            (x1, y1, _), (x2, y2, _) = entries[k], entries[k + 1]
            if y1 != 0 and y2 != 0 and (y1 > 0) != (y2 > 0):
                wins = entries[j][2].verdict is Verdict.BETTER
                out.append((_interpolate(x1, y1, x2, y2), wins))
                break
    return out


def _sentence(row: ComparisonRow, baseline: str, name: str, at: float, above: bool) -> str:
    better = "faster" if row.metric == "time" else f"better on {row.metric}"
    side = "above" if above else "below"
    return f"{row.candidate} is {better} than {baseline} {side} {name} ≈ {at:,.0f}"


def crossovers(header: RunHeader, rows: list[ComparisonRow]) -> list[Crossover]:
    """Crossover points of each candidate's time effect along each sweep parameter."""
    baseline = str(header.spec.get("baseline"))
    out = []
    for name in sweep_parameters(header):
        series: dict[tuple[str, str, Params], list[tuple[float, float, ComparisonRow]]] = (
            defaultdict(list)
        )
        for row in rows:
            if row.metric != "time" or row.effect is None or row.effect <= -1:
                continue
            key = (row.candidate, row.metric, _others(row.params, name))
            x = float(_value(row.params, name))
            series[key].append((x, math.log1p(row.effect), row))
        for (candidate, metric, fixed), entries in sorted(series.items(), key=lambda kv: kv[0][:2]):
            entries.sort(key=lambda e: e[0])
            for at, above in _crossing(entries):
                sentence = _sentence(entries[0][2], baseline, name, at, above)
                out.append(Crossover(candidate, metric, name, fixed, at, above, sentence))
    return out
