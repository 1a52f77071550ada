"""Numbers in words: relative changes, intervals, money, dates, sweep points.

Reports state a number only with what makes it defensible: its interval, and,
when the interval is too wide or straddles no change, a sentence that says so.
These helpers hold the wording so that the three audiences say the same thing.

A relative change ``e`` is ``candidate / baseline - 1``, shown by the one rule of
:mod:`assay.stats.magnitude` that the CLI, the MADR records and the gate review
share: ``-0.3`` reads "30% lower", ``0.25`` "25% higher", ``1.5`` "2.5x higher"
and, for time, ``-0.995`` "201x faster" (a ratio from 1.5x either way).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from assay.bench.registry import ParamValue
from assay.stats import magnitude

__all__ = [
    "WIDE_RATIO",
    "change",
    "change_interval",
    "compared",
    "date",
    "engine_metric",
    "is_wide",
    "metric_label",
    "money",
    "months",
    "number",
    "percent",
    "point_label",
    "signed_percent",
]

WIDE_RATIO = 2.0
"""An interval whose ends differ by more than this factor (as ratios to the
baseline) is called wide: its estimate is rough and the reports say so."""

_METRIC_NAMES = {
    "time": "time per call",
    "peak_heap": "peak heap memory",
    "peak_rss": "peak resident memory",
    "peak_cuda": "peak GPU memory",
    "throughput": "throughput",
    "cost": "cost per call",
    "failure_rate": "failure rate",
}


# Criteria name metrics in their own words (docs/criteria.md); the benchmark engine
# names what it compares. These are the names that differ.
_ENGINE_NAMES = {
    "latency": "time",
    "latency.p50": "time",
    "latency.median": "time",
    "memory": "peak_rss",
    "memory.peak_rss": "peak_rss",
    "memory.rss": "peak_rss",
    "memory.peak_heap": "peak_heap",
    "memory.heap": "peak_heap",
    "memory.peak_cuda": "peak_cuda",
    "memory.cuda": "peak_cuda",
    "memory.gpu": "peak_cuda",
    "gpu_memory": "peak_cuda",
}


def engine_metric(metric: str) -> str:
    """The benchmark engine's name for a metric a criterion names:
    ``memory.peak_heap`` -> ``peak_heap``, ``latency`` -> ``time``,
    ``accuracy.mean`` -> ``accuracy``."""
    if metric in _ENGINE_NAMES:
        return _ENGINE_NAMES[metric]
    for suffix in (".mean", ".median"):
        if metric.endswith(suffix) and not metric.startswith("latency."):
            return metric[: -len(suffix)]
    return metric


def metric_label(metric: str) -> str:
    """A metric's name for people: ``peak_heap`` and ``memory.peak_heap`` ->
    ``peak heap memory``; ``latency.p99`` -> ``P99 latency``."""
    if metric.startswith("latency.p") and engine_metric(metric) == metric:
        return f"{metric.split('.', 1)[1].upper().replace('_', '.')} latency"
    engine = engine_metric(metric)
    return _METRIC_NAMES.get(engine, engine.replace("_", " "))


def percent(fraction: float) -> str:
    """``0.3`` -> ``30%``; two significant figures below 10%, none above."""
    value = abs(fraction) * 100
    if not math.isfinite(value):
        return "an unbounded share"
    if value >= 10 or value == 0:
        return f"{value:,.0f}%"
    if value >= 1:
        return f"{value:.1f}%"
    return f"{value:.2g}%"


def signed_percent(fraction: float) -> str:
    """``-0.3`` -> ``-30%``, ``0.05`` -> ``+5.0%``; infinite ends are unbounded."""
    if not math.isfinite(fraction):
        return "-inf" if fraction < 0 else "+inf"
    if fraction == 0:
        return "0%"
    return ("-" if fraction < 0 else "+") + percent(fraction)


def change(effect: float, metric: str | None = None) -> str:
    """A relative change in words, by the rule of :mod:`assay.stats.magnitude`:
    ``30% lower``, ``8.9% faster`` (time), ``2.5x higher``, ``201x faster``."""
    if not math.isfinite(effect):
        return "unbounded"
    if effect == 0:
        return "unchanged"
    return magnitude.effect_words(effect, engine_metric(metric) if metric else None)


def compared(effect: float, baseline: str, metric: str | None = None) -> str:
    """A relative change against ``baseline``: ``30% lower than naive``, ``201x faster
    than naive``, ``3.2x more than naive``, ``the same as naive``."""
    if effect == 0:
        return f"the same as {baseline}"
    return f"{change(effect, metric)} than {baseline}"


def is_wide(low: float, high: float) -> bool:
    """Whether an interval of relative changes is too wide to quote as a figure:
    unbounded, or ends more than :data:`WIDE_RATIO` apart as ratios."""
    if not (math.isfinite(low) and math.isfinite(high)) or low <= -1:
        return True
    return (1 + high) / (1 + low) > WIDE_RATIO


def _middle(low: float, high: float) -> float:
    """A point inside the interval (its geometric middle as ratios) when no estimate
    is given: it picks the unit the ends are shown in."""
    if math.isfinite(low) and math.isfinite(high) and low > -1:
        return math.sqrt((1 + low) * (1 + high)) - 1
    return high if math.isfinite(high) else low


def change_interval(
    low: float,
    high: float,
    confidence: float = 0.95,
    *,
    effect: float | None = None,
    metric: str | None = None,
) -> str:
    """The interval of a relative change in words, with its confidence level, in the
    unit of its estimate ``effect`` (:mod:`assay.stats.magnitude`).

    ``(-0.35, -0.25)`` -> ``95% confidence interval: between 25% and 35% lower``;
    a 200x speed-up of time -> ``...: between 180x and 225x faster``; an interval
    across zero names both directions; a zero-width one says it did not vary.
    """
    level = f"{confidence:.0%} confidence interval"
    engine = engine_metric(metric) if metric else None
    if low == high:
        return f"{level}: {change(low, metric)} in every trial alike"
    point = _middle(low, high) if effect is None else effect
    return f"{level}: {magnitude.interval_words(point, low, high, engine)}"


def number(value: float, unit: str | None = None) -> str:
    """A measured number to four significant figures, with its unit."""
    if not math.isfinite(value):
        return "unbounded"
    text = f"{value:.4g}"
    return f"{text} {unit}" if unit and unit != "%" else f"{text}{unit or ''}"


def money(value: float) -> str:
    """US dollars, whole: ``$12,300``, ``-$400``."""
    if not math.isfinite(value):
        return "unbounded"
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.0f}"


def months(value: float) -> str:
    """A payback period: ``2.3 months``, or ``never`` when it is infinite."""
    if not math.isfinite(value):
        return "never"
    return f"{value:.1f} months"


def date(value: dt.date | dt.datetime) -> str:
    """``2026-05-04`` for a date; ``2026-05-04 09:30 UTC`` for a time."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
            return value.strftime("%Y-%m-%d %H:%M UTC")
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def point_label(point: Sequence[tuple[str, ParamValue]]) -> str:
    """``n=4096``, ``n=4096, batch=8``; ``""`` for no sweep point."""
    return ", ".join(f"{name}={_param(value)}" for name, value in point)


def _param(value: ParamValue) -> str:
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    return str(value)
