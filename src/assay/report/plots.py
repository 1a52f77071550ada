"""The engineering report's figures, drawn with matplotlib and returned as SVG text.

* :func:`distributions` -- every trial's value per method and sweep point, with
  the median marked: the spread the intervals come from.
* :func:`forest` -- each comparison's effect as a ratio to the baseline with its
  interval, on a log scale, coloured by verdict.
* :func:`sweep` -- the median per method along a sweep parameter (log-log), the
  trials' range as whiskers, and each crossover marked where it was found.
* :func:`ablation` -- each component's contribution with its interval.
* :func:`calibration` -- forecasters' calibration: each bucket's mean forecast
  against how often its predictions came true.

Matplotlib is imported inside the functions (``import assay.report`` stays
light) and used without pyplot: a bare ``Figure`` on the SVG canvas, so no
window, no global state and no backend switch in the caller's process. Text is
drawn as paths (``svg.fonttype = "path"``): the SVG needs no font and no
network to look the same everywhere. Ids are salted with a fixed string so the
same result gives the same SVG. Before saving, a figure grows until every text
lies inside it (:func:`_fit`): labels are never cut off at its edge.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from assay.bench.registry import Params
from assay.bench.result import AblationRow, BenchmarkResult, ComparisonRow
from assay.pipeline.predictions import Bucket
from assay.report.phrasing import metric_label, point_label
from assay.report.svgtools import standalone_svg

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["VERDICT_COLOURS", "ablation", "calibration", "distributions", "forest", "sweep"]

VERDICT_COLOURS = {
    "better": "#1a7f37",
    "worse": "#b42318",
    "equivalent": "#3b6fb6",
    "inconclusive": "#9a6700",
    "not compared": "#8c959f",
}
_METHOD_COLOURS = ("#57606a", "#0969da", "#bf3989", "#1a7f37", "#9a6700", "#8250df")
_RC: dict[str, Any] = {
    "svg.fonttype": "path",
    "svg.hashsalt": "assay-report",
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_CLIP = (1e-2, 1e2)
_MAX_PANELS = 4


@contextmanager
def _drawing() -> Iterator[None]:
    """Fixed style; a glyph missing from the font (an exotic character in a
    method's name) is drawn as a box rather than raised as a warning."""
    import matplotlib

    with matplotlib.rc_context(_RC), warnings.catch_warnings():  # type: ignore[arg-type]
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from", category=UserWarning)
        yield


def _new_figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasSVG(figure)  # text measured as the SVG draws it, for the layout and _fit
    return figure


def _svg(figure: Figure | None) -> str | None:
    return None if figure is None else _to_svg(figure)


_FIT_MARGIN = 3 / 72  # inches: what is left between any text and the figure's edge


def _fit(figure: Figure) -> None:
    """Grow ``figure`` until everything drawn on it, every text included, lies inside
    it: a label longer than the axes are wide (a long baseline name on the forest
    plot's axis) widens the figure instead of being cut off at its edge.

    Laid out at 72 dpi, the SVG's own, so the layout measured is the one saved.
    """
    figure.set_dpi(72)
    for _ in range(6):
        figure.draw_without_rendering()
        box = figure.get_tightbbox()
        if box is None:
            return
        width, height = figure.get_size_inches()
        wider = max(0.0, _FIT_MARGIN - box.x0) + max(0.0, box.x1 - width + _FIT_MARGIN)
        taller = max(0.0, _FIT_MARGIN - box.y0) + max(0.0, box.y1 - height + _FIT_MARGIN)
        if wider <= 1e-3 and taller <= 1e-3:
            return
        figure.set_size_inches(width + wider * 1.1, height + taller * 1.1)


def _to_svg(figure: Figure) -> str:
    _fit(figure)
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return standalone_svg(buffer.getvalue())


def _unit(metric: str, values: Sequence[float]) -> tuple[float, str]:
    """A display scale and unit for a metric's values (seconds, bytes)."""
    typical = sorted(abs(v) for v in values)[len(values) // 2] if values else 0.0
    if metric == "time":
        for factor, unit in ((1.0, "s"), (1e3, "ms"), (1e6, "µs")):
            if typical * factor >= 1:
                return factor, unit
        return 1e9, "ns"
    if metric.startswith("peak_"):
        return (2.0**-20, "MiB") if typical >= 2**20 else (2.0**-10, "KiB")
    return 1.0, ""


def _point_key(point: Params) -> tuple[Any, ...]:
    return tuple(
        (0, float(v), "")
        if isinstance(v, int | float) and not isinstance(v, bool)
        else (1, 0, str(v))
        for _, v in point
    )


def _methods(result: BenchmarkResult) -> list[str]:
    spec = result.header.spec
    return [str(spec.get("baseline", "baseline")), *(str(c) for c in spec.get("candidates", ()))]


def _panel_metrics(result: BenchmarkResult) -> list[str]:
    present = {name for t in result.trials if t.ok for name in t.values}
    user = [str(m["name"]) for m in result.header.spec.get("metrics", [])]
    order = ["time", "peak_heap", "peak_cuda", *user, "peak_rss"]
    return [m for m in dict.fromkeys(order) if m in present][:_MAX_PANELS]


def distributions(result: BenchmarkResult) -> str | None:
    """Every successful trial's value, per method and sweep point, one panel per
    metric (time, peak memory, the benchmark's own metrics; four at most)."""
    with _drawing():
        return _svg(_distributions_figure(result))


def _distributions_figure(result: BenchmarkResult) -> Figure | None:
    metrics = _panel_metrics(result)
    if not metrics:
        return None
    methods = _methods(result)
    points = sorted({t.key.params for t in result.trials}, key=_point_key)
    figure = _new_figure(7.5, 1.0 + 2.2 * len(metrics))
    axes = figure.subplots(len(metrics), 1, squeeze=False)[:, 0]
    for ax, metric in zip(axes, metrics, strict=True):
        _distribution_panel(ax, result, metric, methods, points)
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        figure.legend(handles, labels, loc="outside upper center", ncols=len(methods))
    return figure


def _distribution_panel(
    ax: Axes, result: BenchmarkResult, metric: str, methods: list[str], points: list[Params]
) -> None:
    every = [t.values[metric] for t in result.trials if t.ok and metric in t.values]
    factor, unit = _unit(metric, every)
    width = 0.7 / max(len(methods), 1)
    for j, method in enumerate(methods):
        colour = _METHOD_COLOURS[j % len(_METHOD_COLOURS)]
        for i, point in enumerate(points):
            values = sorted(
                t.values[metric] * factor
                for t in result.trials
                if t.ok and t.key.method == method and t.key.params == point and metric in t.values
            )
            if not values:
                continue
            centre = i + (j - (len(methods) - 1) / 2) * width
            spread = [
                centre + width * 0.3 * (k / max(len(values) - 1, 1) - 0.5)
                for k in range(len(values))
            ]
            ax.scatter(
                spread,
                values,
                s=14,
                color=colour,
                alpha=0.75,
                linewidths=0,
                label=method if i == 0 else None,
            )
            median = (
                values[len(values) // 2]
                if len(values) % 2
                else sum(values[len(values) // 2 - 1 : len(values) // 2 + 1]) / 2
            )
            ax.hlines(median, centre - width * 0.4, centre + width * 0.4, color=colour, linewidth=2)
    ax.set_xticks(range(len(points)), [point_label(p) or "all trials" for p in points])
    scaled = [v * factor for v in every]
    if scaled and min(scaled) > 0 and max(scaled) / min(scaled) > 20:
        ax.set_yscale("log")
    ax.set_ylabel(f"{metric_label(metric)}" + (f" ({unit})" if unit else ""))
    ax.grid(axis="y", alpha=0.3)


def forest(rows: Sequence[ComparisonRow], *, baseline: str) -> str | None:
    """Each comparison's ratio to the baseline with its interval (log scale); ends
    beyond x100 or /100 are clipped and marked with an arrow."""
    with _drawing():
        return _svg(_forest_figure(rows, baseline=baseline))


def _forest_figure(rows: Sequence[ComparisonRow], *, baseline: str) -> Figure | None:
    usable = [r for r in rows if r.effect is not None and r.ci is not None]
    if not usable:
        return None
    usable.sort(key=lambda r: (r.candidate, r.metric, _point_key(r.params)))
    several = len({r.candidate for r in usable}) > 1
    low_clip, high_clip = _CLIP
    figure = _new_figure(7.5, 1.3 + 0.26 * len(usable))
    ax = figure.subplots()
    labels = []
    for y, row in enumerate(reversed(usable)):
        assert row.effect is not None
        assert row.ci is not None
        colour = VERDICT_COLOURS[row.verdict_label]
        ends = [_ratio(row.ci[0]), _ratio(row.ci[1])]
        shown = [min(max(e, low_clip), high_clip) for e in ends]
        ax.hlines(y, shown[0], shown[1], color=colour, linewidth=2)
        ax.plot(min(max(_ratio(row.effect), low_clip), high_clip), y, "o", color=colour, ms=5)
        for end, clipped, marker in ((ends[0], shown[0], "<"), (ends[1], shown[1], ">")):
            if end != clipped:
                ax.plot(clipped, y, marker, color=colour, ms=6)
        point = point_label(row.params)
        label = metric_label(row.metric) + (f"  {point}" if point else "")
        labels.append(f"{row.candidate}: {label}" if several else label)
    ax.axvline(1.0, color="#57606a", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlim(low_clip / 1.3, high_clip * 1.3)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(-0.7, len(labels) - 0.3)
    ax.set_xlabel(f"candidate / {baseline} (log scale)\nleft of 1 is lower, right is higher")
    ax.grid(axis="x", alpha=0.3)
    _verdict_legend(ax, {r.verdict_label for r in usable})
    return figure


def _ratio(effect: float) -> float:
    if not math.isfinite(effect):
        return _CLIP[1] * 10 if effect > 0 else _CLIP[0] / 10
    return max(1 + effect, _CLIP[0] / 10)


def _verdict_legend(ax: Axes, verdicts: set[str]) -> None:
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], color=colour, marker="o", linewidth=2, label=verdict)
        for verdict, colour in VERDICT_COLOURS.items()
        if verdict in verdicts
    ]
    if handles:
        ax.legend(
            handles=handles,
            loc="lower left",
            bbox_to_anchor=(0, 1.0),
            ncols=len(handles),
            frameon=False,
            fontsize=8,
        )


def sweep(result: BenchmarkResult, parameter: str, *, metric: str = "time") -> str | None:
    """The median of ``metric`` per method along ``parameter`` (log-log), whiskers
    from the lowest to the highest trial, and the crossovers found on it."""
    with _drawing():
        return _svg(_sweep_figure(result, parameter, metric=metric))


def _sweep_figure(
    result: BenchmarkResult, parameter: str, *, metric: str = "time"
) -> Figure | None:
    series = _series(result, parameter, metric)
    if not series:
        return None
    every = [v for by_x in series.values() for vs in by_x.values() for v in vs]
    factor, unit = _unit(metric, every)
    methods = _methods(result)
    figure = _new_figure(7.5, 3.8)
    ax = figure.subplots()
    for (method, fixed), by_x in sorted(series.items(), key=lambda kv: str(kv[0])):
        xs = sorted(by_x)
        medians = [_median(by_x[x]) * factor for x in xs]
        lows = [m - min(by_x[x]) * factor for m, x in zip(medians, xs, strict=True)]
        highs = [max(by_x[x]) * factor - m for m, x in zip(medians, xs, strict=True)]
        index = methods.index(method) if method in methods else len(methods)
        label = method + (f" [{point_label(fixed)}]" if fixed else "")
        ax.errorbar(
            xs,
            medians,
            yerr=[lows, highs],
            marker="o",
            ms=4,
            capsize=3,
            color=_METHOD_COLOURS[index % len(_METHOD_COLOURS)],
            label=label,
        )
    for crossover in result.crossovers:
        if crossover.parameter == parameter and crossover.metric == metric:
            ax.axvline(crossover.at, color="#b42318", linestyle="--", linewidth=1)
            ax.annotate(
                f"crossover {parameter} ≈ {crossover.at:,.0f}",
                (crossover.at, 1),
                xycoords=("data", "axes fraction"),
                xytext=(4, -12),
                textcoords="offset points",
                color="#b42318",
                fontsize=8,
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ticks = sorted({x for by_x in series.values() for x in by_x})
    ax.set_xticks(ticks, [f"{x:g}" for x in ticks])
    ax.xaxis.set_minor_formatter("")
    ax.set_xlabel(f"{parameter} (log scale)")
    ax.set_ylabel(f"median {metric_label(metric)}" + (f" ({unit})" if unit else ""))
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, fontsize=8)
    return figure


def _series(
    result: BenchmarkResult, parameter: str, metric: str
) -> dict[tuple[str, Params], dict[float, list[float]]]:
    """Trial values by (method, other parameters), then by the parameter's value;
    only series with at least two values of the parameter."""
    series: dict[tuple[str, Params], dict[float, list[float]]] = {}
    for trial in result.trials:
        value = trial.values.get(metric) if trial.ok else None
        x = dict(trial.key.params).get(parameter)
        if value is None or value <= 0 or not isinstance(x, int | float) or isinstance(x, bool):
            continue
        fixed = tuple((k, v) for k, v in trial.key.params if k != parameter)
        series.setdefault((trial.key.method, fixed), {}).setdefault(float(x), []).append(value)
    return {key: by_x for key, by_x in series.items() if len(by_x) >= 2}


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def ablation(rows: Sequence[AblationRow]) -> str | None:
    """Each component's contribution (the change turning it on makes, in %) with
    its interval, coloured by verdict."""
    with _drawing():
        return _svg(_ablation_figure(rows))


def _ablation_figure(rows: Sequence[AblationRow]) -> Figure | None:
    usable = [r for r in rows if r.contribution is not None]
    if not usable:
        return None
    figure = _new_figure(7.5, 1.2 + 0.32 * len(usable))
    ax = figure.subplots()
    labels = []
    for y, row in enumerate(reversed(usable)):
        assert row.contribution is not None
        colour = VERDICT_COLOURS.get(row.verdict, VERDICT_COLOURS["not compared"])
        value = row.contribution * 100
        error = None
        if row.ci is not None and all(math.isfinite(e) for e in row.ci):
            error = [[value - row.ci[0] * 100], [row.ci[1] * 100 - value]]
        ax.barh(y, value, color=colour, alpha=0.8, xerr=error, capsize=3)
        point = point_label(row.params)
        labels.append(
            f"{row.family}: {row.component}, {metric_label(row.metric)}"
            + (f"  {point}" if point else "")
        )
    ax.axvline(0, color="#57606a", linewidth=1)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("change made by turning the component on (%)")
    ax.grid(axis="x", alpha=0.3)
    _verdict_legend(ax, {r.verdict for r in usable})
    return figure


def calibration(buckets: Sequence[Bucket], *, title: str) -> str | None:
    """Forecasters' calibration: each bucket's mean forecast against how often its
    predictions came true, sized by its count, beside the diagonal of perfect
    calibration; ``None`` when no bucket holds a forecast."""
    with _drawing():
        return _svg(_calibration_figure(buckets, title=title))


def _calibration_figure(buckets: Sequence[Bucket], *, title: str) -> Figure | None:
    shown = [
        (b.mean_forecast, b.observed, b.count)
        for b in buckets
        if b.mean_forecast is not None and b.observed is not None
    ]
    if not shown:
        return None
    figure = _new_figure(4.6, 4.4)
    ax = figure.subplots()
    ax.plot([0, 1], [0, 1], linestyle="--", color="#8c959f", linewidth=1, label="perfect")
    ax.scatter(
        [x for x, _, _ in shown],
        [y for _, y, _ in shown],
        s=[30 + 20 * n for _, _, n in shown],
        color=_METHOD_COLOURS[1],
        alpha=0.8,
        linewidths=0,
        label="buckets (size: forecasts)",
    )
    for x, y, count in shown:
        ax.annotate(
            str(count), (x, y), xytext=(6, -3), textcoords="offset points",
            fontsize=8, color="#57606a",
        )  # fmt: skip
    ticks = [i / 5 for i in range(6)]
    labels = [f"{t:.0%}" for t in ticks]
    ax.set(xlim=(-0.03, 1.03), ylim=(-0.03, 1.03))
    ax.set_xticks(ticks, labels)
    ax.set_yticks(ticks, labels)
    ax.set_xlabel("forecast (bucket mean)")
    ax.set_ylabel("came true")
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", frameon=False, fontsize=8)
    return figure
