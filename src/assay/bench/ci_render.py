"""The Markdown comment of a CI job (:func:`render_markdown`).

A heading that says what fails the job, one line with the commits, the file
and the trials, one line about the environments, then a table with a row per
benchmark, sweep point and metric: base and head (the geometric mean of the
trial values, which is what the comparison compares), the change with its
interval (the confirmation's, for a confirmed regression), the noise floor
("can detect ≥ 2.1%") and the status: ``regression (confirmed)``,
``unconfirmed``, ``improvement``, or ``~`` when nothing significant beyond the
margin was found. Notes (failed trials, warnings) follow in a folded section.
"""

from __future__ import annotations

import math

from assay.bench.ci import CiRow, CiStatus
from assay.bench.ci_job import CiReport
from assay.bench.result import ComparisonRow
from assay.stats.magnitude import signed_percent

__all__ = ["format_change", "format_value", "render_markdown"]

_BOLD = {CiStatus.CONFIRMED, CiStatus.REGRESSION, CiStatus.FAILED}


def format_value(value: float | None, metric: str) -> str:
    """A trial value for the table: seconds with a unit for time, else 4 significant digits."""
    if value is None or not math.isfinite(value):
        return "–"
    if metric != "time":
        return f"{value:.4g}"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if abs(value) >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value / 1e-9:.3g} ns"


def format_change(row: ComparisonRow) -> str:
    """``+30% (+28% to +33%)``; ``–`` when nothing was compared."""
    if row.effect is None:
        return "–"
    text = signed_percent(row.effect)
    if row.ci is not None:
        text += f" ({signed_percent(row.ci[0])} to {signed_percent(row.ci[1])})"
    return text


def _benchmark(row: CiRow) -> str:
    point = ",".join(f"{k}={v}" for k, v in row.params.items())
    return f"`{row.method}`" + (f" [{point}]" if point else "")


def _floor(row: CiRow) -> str:
    return "–" if row.floor is None else f"≥ {signed_percent(row.floor).lstrip('+')}"


def _status(row: CiRow) -> str:
    text = row.status.value
    return f"**{text}**" if row.status in _BOLD else text


def _heading(report: CiReport) -> str:
    confirmed = sum(1 for r in report.rows if r.status is CiStatus.CONFIRMED)
    raw = sum(1 for r in report.rows if r.status is CiStatus.REGRESSION)
    failed = sum(1 for r in report.rows if r.status is CiStatus.FAILED)
    parts = []
    if confirmed:
        parts.append(f"{confirmed} confirmed regression{'s' * (confirmed != 1)}")
    if raw:
        parts.append(f"{raw} regression{'s' * (raw != 1)} (not confirmed: --no-confirm)")
    if failed:
        parts.append(f"{failed} benchmark{'s' * (failed != 1)} could not be compared")
    return "### assay ci: " + (", ".join(parts) if parts else "no regression")


def _run_line(report: CiReport) -> str:
    opts = report.options
    how = f" ({report.base_how})" if report.base_how else ""
    line = (
        f"Base `{report.base[:12]}`{how} → head `{report.head[:12]}`; "
        f"`{report.bench}` from {report.bench_from}; {opts.trials} blocks of "
        f"{opts.rounds} rounds per arm"
    )
    line += f" on CPU {opts.cpu}" if opts.cpu is not None else " (not pinned)"
    if opts.statistic == "min":
        line += " (time: the fastest call of each trial)"
    if report.trials.get("confirmation"):
        line += f", {opts.confirm_blocks} more blocks to confirm"
    total = report.seconds.get("total")
    return line + (f"; {total:.0f} s." if total is not None else ".")


def _environment_line(report: CiReport) -> str:
    check = report.fingerprint
    if check.refused:
        return "⚠ Environments differ (run with --allow-mismatch): " + "; ".join(check.refused)
    line = f"Environment: same on both sides ({check.summary})."
    if check.flagged:
        line += " ⚠ Flagged: " + "; ".join(check.flagged) + "."
    return line


def _table(rows: list[CiRow]) -> list[str]:
    lines = [
        "| benchmark | metric | base | head | change (95% CI) | can detect | status |",
        "|---|---|---:|---:|---|---:|---|",
    ]
    for row in rows:
        lines.append(
            f"| {_benchmark(row)} | {row.metric} | {format_value(row.base_value, row.metric)} | "
            f"{format_value(row.head_value, row.metric)} | {format_change(row.reported)} | "
            f"{_floor(row)} | {_status(row)} |"
        )
    return lines


def _notes(rows: list[CiRow]) -> list[str]:
    notes = []
    for row in rows:
        texts = [*row.notes, *row.first.warnings]
        if row.confirmation is not None:
            texts.append(
                f"first pass {format_change(row.first)}; the confirmation shown stands alone"
            )
        notes += [f"- {_benchmark(row)} {row.metric}: {t}" for t in dict.fromkeys(texts)]
    if not notes:
        return []
    return ["", "<details><summary>Notes</summary>", "", *notes, "", "</details>"]


def render_markdown(report: CiReport) -> str:
    """The comment for a pull request (module docstring)."""
    margins = sorted(
        {f"{r.metric} {signed_percent(r.margin).lstrip('+')}" for r in report.rows if r.margin}
    )
    floor_words = (
        "the noise floor (the smallest change the pass detects with 80% power, from a "
        "base-against-base pass)"
    )
    if report.options.confirm:
        rule = (
            "A row whose first pass looks worse beyond the margin (at 80% confidence) runs "
            f"again in a confirmation pass of {report.options.confirm_blocks} blocks with "
            "fresh trials; it alerts only when that pass alone has its whole interval beyond "
            f"the margin and is at least {floor_words} at that block count. "
        )
    else:
        rule = (
            "A regression alerts when its whole interval lies beyond the margin and it is at "
            f"least {floor_words}. "
        )
    legend = (
        "`~`: no change beyond the margin and the noise floor. "
        + rule
        + ("Margins: " + ", ".join(margins) + "." if margins else "")
    )
    lines = [
        _heading(report),
        "",
        _run_line(report),
        _environment_line(report),
        "",
        *_table(report.rows),
        "",
        legend.strip(),
        *_notes(report.rows),
    ]
    return "\n".join(lines) + "\n"
