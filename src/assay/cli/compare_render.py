"""How ``assay compare BASE HEAD`` shows two suites: a terminal table, a Markdown
table for a pull-request comment, and the ``--json`` document.

Every form says the same things: per benchmark BASE's and HEAD's compared location
(geometric mean of the trials on the log scale), the change with its interval, and
the verdict after control across the suite (rows without a claim marked ``~``);
then the summary line, the method (test, adjustment, what a trial is) and the
benchmarks found on one side only.
"""

from __future__ import annotations

import math
from typing import Any

from assay.stats.magnitude import effect_short, interval_short
from assay.stats.suite_compare import MIN_GROUPS, BenchmarkComparison, SuiteComparison
from assay.stats.verdict import Verdict

__all__ = ["document", "markdown", "print_table", "quantity", "summary_line"]

_STYLES = {
    Verdict.BETTER: "bold green",
    Verdict.WORSE: "bold red",
    Verdict.EQUIVALENT: "bold blue",
    Verdict.INCONCLUSIVE: "dim",
}
_WARNINGS_SHOWN = 8


def quantity(value: float | None, unit: str) -> str:
    """A location in its unit: ``1.23 ms``, ``512 MiB``, ``3.2e+04 op/s``."""
    if value is None or not math.isfinite(value):
        return "—"
    if unit == "second":
        for name, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
            if abs(value) >= scale:
                return f"{value / scale:.3g} {name}"
        return f"{value / 1e-9:.3g} ns"
    if unit == "byte":
        for name, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
            if abs(value) >= scale:
                return f"{value / scale:.3g} {name}"
        return f"{value:.0f} B"
    return f"{value:.4g} {unit}".strip()


def _metric(unit: str) -> str | None:
    """The magnitude words for a unit: time gets faster/slower, memory more/less."""
    return {"second": "time", "byte": "memory"}.get(unit)


def change(row: BenchmarkComparison) -> tuple[str, str]:
    """The change and its interval, as two short texts (``+3.2%``, ``+1.0% to +5.4%``)."""
    if row.effect is None or row.ci is None:
        return "—", ""
    metric = _metric(row.unit)
    low, high = row.ci
    if not (math.isfinite(low) or math.isfinite(high)):
        return effect_short(row.effect, metric), "unbounded"
    return effect_short(row.effect, metric), interval_short(row.effect, low, high, metric)


def verdict_text(row: BenchmarkComparison) -> str:
    """``WORSE``, ``BETTER``, ``EQUIVALENT``; ``~`` for a benchmark without a claim."""
    if row.p_value is None:
        return "~ not compared"
    return row.verdict.name if row.significant else "~"


def _words(result: SuiteComparison) -> tuple[str, str]:
    """What WORSE and BETTER are called in the summary: slower/faster for times."""
    units = {b.unit for b in result.benchmarks}
    if units == {"second"} and result.lower_is_better:
        return "slower", "faster"
    return "worse", "better"


def summary_line(result: SuiteComparison) -> str:
    """``3 slower, 1 faster, 12 equivalent, 2 inconclusive of 18 benchmarks; 1 only
    in BASE``."""
    worse, better = _words(result)
    parts = [f"{result.count(Verdict.WORSE)} {worse}", f"{result.count(Verdict.BETTER)} {better}"]
    if result.margin is not None:
        parts.append(f"{result.count(Verdict.EQUIVALENT)} equivalent")
    skipped = len(result.benchmarks) - result.family
    parts.append(f"{result.count(Verdict.INCONCLUSIVE) - skipped} inconclusive")
    if skipped:
        parts.append(f"{skipped} not compared")
    total = len(result.benchmarks)
    text = f"{', '.join(parts)} of {total} benchmark{'s' if total != 1 else ''}"
    alone = [f"{len(result.only_base)} only in BASE"] if result.only_base else []
    alone += [f"{len(result.only_head)} only in HEAD"] if result.only_head else []
    return text + ("; " + ", ".join(alone) if alone else "")


def trials_line(result: SuiteComparison) -> str:
    """What a trial is, per benchmark, in one sentence."""
    pooled = [b.name for b in result.benchmarks if b.units == "values"]
    grouped = len(result.benchmarks) - len(pooled)
    text = (
        f"A trial is one repetition (its mean) in {grouped} benchmark{'s' if grouped != 1 else ''}"
    )
    if pooled:
        shown = ", ".join(pooled[:3]) + (f" and {len(pooled) - 3} more" if len(pooled) > 3 else "")
        text += (
            f"; one value in {len(pooled)} ({shown}), which have fewer than {MIN_GROUPS} "
            "repetitions on a side"
        )
    return text + "."


def _notes(result: SuiteComparison) -> list[str]:
    """What a reader must know, ``name: text``: why a benchmark was not compared, the
    suite's notes, and the test's warnings where a claim stands (``--json`` has all)."""
    notes = [f"{b.name}: {b.reason}" for b in result.benchmarks if b.reason]
    notes += [f"{b.name}: {n}" for b in result.benchmarks for n in b.notes]
    notes += [f"{b.name}: {w}" for b in result.benchmarks if b.significant for w in b.warnings]
    return notes


def _only(result: SuiteComparison) -> list[str]:
    lines = []
    for side, names in (("BASE", result.only_base), ("HEAD", result.only_head)):
        if names:
            lines.append(f"Only in {side}: {', '.join(names)}")
    return lines


def print_table(result: SuiteComparison, base_label: str, head_label: str) -> None:
    """The terminal form: the table, the summary, the method and the notes."""
    from rich.text import Text

    from assay.cli import output
    from assay.cli.output import Column, Kind

    sheet = output.table(
        Column("Benchmark", Kind.TEXT),
        Column("BASE", Kind.NUMBER, justify="right"),
        Column("HEAD", Kind.NUMBER, justify="right"),
        Column(f"Change ({result.confidence:.0%} CI)", Kind.NUMBER),
        Column("Verdict", Kind.LABEL),
        title=f"{base_label} → {head_label}",
    )
    for row in result.benchmarks:
        figure, interval = change(row)
        cell = Text(figure)
        if interval:
            cell.append(f"\n{interval}", style="dim")
        verdict = Text(verdict_text(row), style=_STYLES[row.verdict])
        sheet.add_row(
            Text(row.name),
            quantity(row.base, row.unit),
            quantity(row.head, row.unit),
            cell,
            verdict,
        )
    output.console.print(sheet, soft_wrap=False)
    output.prose(Text(summary_line(result), style="bold"))
    output.prose(Text(result.method() + ". " + trials_line(result), style="dim"))
    for line in _only(result):
        output.prose(Text(line))
    notes = _notes(result)
    for note in notes[:_WARNINGS_SHOWN]:
        output.prose(Text(note, style="yellow"), bullet="! ")
    if len(notes) > _WARNINGS_SHOWN:
        output.prose(Text(f"and {len(notes) - _WARNINGS_SHOWN} more notes (see --json)"))


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_name(name: str) -> str:
    if "`" in name:
        return _md_cell(name)
    return f"`{_md_cell(name)}`"


def markdown(result: SuiteComparison, base_label: str, head_label: str) -> str:
    """A Markdown table fit for a pull-request comment, with its summary and method."""
    lines = [
        f"**{_md_cell(summary_line(result))}** ({_md_cell(base_label)} → {_md_cell(head_label)})",
        "",
        f"| Benchmark | BASE | HEAD | Change ({result.confidence:.0%} CI) | Verdict |",
        "|---|---:|---:|---|---|",
    ]
    for row in result.benchmarks:
        figure, interval = change(row)
        shown = f"{figure} ({interval})" if interval else figure
        verdict = verdict_text(row)
        verdict = f"**{verdict}**" if row.significant else verdict
        lines.append(
            f"| {_md_name(row.name)} | {quantity(row.base, row.unit)} | "
            f"{quantity(row.head, row.unit)} | {_md_cell(shown)} | {verdict} |"
        )
    lines += ["", _md_cell(f"{result.method()}. {trials_line(result)}") + " `~`: no claim."]
    lines += [_md_cell(line) for line in _only(result)]
    notes = _notes(result)
    if notes:
        lines += ["", *(f"- {_md_cell(note)}" for note in notes)]
    return "\n".join(lines) + "\n"


def document(result: SuiteComparison, base: dict[str, Any], head: dict[str, Any]) -> dict[str, Any]:
    """The ``--json`` document: the sides, the statistics, the summary and the method."""
    return {
        "base": base,
        "head": head,
        **result.to_dict(),
        "summary": summary_line(result),
        "method": result.method(),
    }
