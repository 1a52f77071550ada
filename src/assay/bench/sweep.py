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
  The crossover's **interval** (:func:`crossing_interval`) is where the
  comparisons' confidence band, its bounds interpolated the same way, holds a
  log-ratio of zero: the parameter values at which the data cannot tell the two
  methods apart. It lies between the two decided points, and narrows as trials
  or sweep points are added near the crossing.
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

__all__ = [
    "crossing_interval",
    "crossovers",
    "fit_exponent",
    "scaling_fits",
    "sweep_parameters",
]

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


def crossing_interval(band: list[tuple[float, float, float]]) -> tuple[float, float] | None:
    """Where a confidence band of log-ratios holds zero, between two decided points.

    ``band`` is ``(x, low, high)`` from one decided sweep point to the next of
    opposite verdict (inconclusive points between them included), sorted by
    ``x``; ``low``/``high`` bound the log-ratio. Each bound is interpolated
    linearly in ``log(x)`` like the estimate, and the interval runs from the
    first to the last place where either bound crosses zero: outside it the band
    excludes zero. None when fewer than two points or no bound crosses (the
    band does not separate the two ends: no interval to give).
    """
    if len(band) < 2:
        return None
    crossings = []
    for (x1, low1, high1), (x2, low2, high2) in itertools.pairwise(band):
        for y1, y2 in ((low1, low2), (high1, high2)):
            if not (math.isfinite(y1) and math.isfinite(y2)):
                return None
            if y1 == 0:
                crossings.append(x1)
            elif y2 == 0:
                crossings.append(x2)
            elif (y1 > 0) != (y2 > 0):
                crossings.append(_interpolate(x1, y1, x2, y2))
    if not crossings:
        return None
    return min(crossings), max(crossings)


def _band(entries: list[tuple[float, float, ComparisonRow]]) -> list[tuple[float, float, float]]:
    """``(x, low, high)`` log-ratio bounds of the rows' intervals; empty if any is missing."""
    band = []
    for x, _, row in entries:
        if row.ci is None or row.ci[0] <= -1:
            return []
        band.append((x, math.log1p(row.ci[0]), math.log1p(row.ci[1])))
    return band


def _crossing(
    entries: list[tuple[float, float, ComparisonRow]],
) -> list[tuple[float, bool, tuple[float, float] | None]]:
    """Sign changes backed by verdicts: ``(x, wins_above, interval)``.

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
                interval = crossing_interval(_band(entries[i : j + 1]))
                out.append((_interpolate(x1, y1, x2, y2), wins, interval))
                break
    return out


def _sentence(
    row: ComparisonRow,
    baseline: str,
    name: str,
    at: float,
    above: bool,
    interval: tuple[float, float] | None,
    confidence: float,
) -> str:
    better = "faster" if row.metric == "time" else f"better on {row.metric}"
    side = "above" if above else "below"
    text = f"{row.candidate} is {better} than {baseline} {side} {name} ≈ {at:,.0f}"
    if interval is not None:
        text += f" ({confidence:.0%} interval {interval[0]:,.0f}–{interval[1]:,.0f})"
    return text


def crossovers(header: RunHeader, rows: list[ComparisonRow]) -> list[Crossover]:
    """Crossover points of each candidate's time effect along each sweep parameter."""
    baseline = str(header.spec.get("baseline"))
    confidence = float(header.options.get("confidence", 0.95))
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
            for at, above, interval in _crossing(entries):
                sentence = _sentence(entries[0][2], baseline, name, at, above, interval, confidence)
                out.append(Crossover(candidate, metric, name, fixed, at, above, sentence, interval))
    return out
