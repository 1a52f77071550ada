"""``assay bench show`` of an imported suite (``bench import`` without ``--baseline``):
each benchmark on its own, with its runs, values, median and interval; no verdict."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.text import Text

from assay.cli import output
from assay.cli.compare_render import quantity

__all__ = ["suite_line", "suite_table"]

_UNITS = {"time": "second", "peak_rss": "byte"}


def suite_line(spec: dict[str, Any], runs: int) -> str:
    """``3 benchmarks imported from pyperf, 60 runs in all`` (Rich markup)."""
    count = len(spec.get("benchmarks", []))
    tool = spec.get("source", {}).get("kind", "another tool")
    return f"{count} benchmarks imported from {escape(str(tool))}, {runs} runs in all"


_SUITE_CAPTION = (
    "An imported suite: each benchmark measured on its own, no verdict between them. "
    "Runs: the tool's independent repetitions (processes, repetitions); Median: of their "
    "medians; Geo. mean: their geometric mean (their mean when one is not positive), with "
    "its 95% interval from two runs on."
)


def suite_table(summaries: list[dict[str, Any]]) -> output.Sheet:
    """An imported suite's benchmarks, each on its own: runs, values, median and the
    geometric mean's 95% interval, in the benchmark's unit."""
    number = output.Kind.NUMBER
    table = output.table(
        output.Column("Benchmark", output.Kind.ID),
        output.Column("Runs", number, justify="right"),
        output.Column("Values", number, justify="right"),
        output.Column("Median", number, justify="right"),
        output.Column("Geo. mean (95% interval)", output.Kind.NAMES, ratio=2),
        title="Benchmarks",
        caption=_SUITE_CAPTION,
    )
    for s in summaries:
        for metric, figures in sorted(s["metrics"].items()):
            unit = _UNITS.get(metric, "")
            low, high = figures.get("ci_low"), figures.get("ci_high")
            interval = "" if low is None or high is None else (
                f" ({quantity(low, unit)} to {quantity(high, unit)})"
            )  # fmt: skip
            name = s["method"] + ("" if unit else f" ({metric})")
            table.add_row(
                Text(name),
                str(s["trials"]),
                f"{figures.get('values', figures.get('n', 0)):.0f}",
                quantity(figures.get("median"), unit),
                quantity(figures.get("compared"), unit) + interval,
            )
    return table
