"""``assay compare``: two samples in, a verdict out; or two whole suites, a verdict
per benchmark.

Two samples: a thin wrapper over :func:`assay.stats.compare`. Each side is read by
:func:`assay.formats.samples.read_sample`: a CSV or text file (``FILE:COLUMN`` for a
named column), a JSON list of numbers, or a pyperf or pytest-benchmark JSON file
(``FILE:BENCHMARK`` picks one benchmark).

Two suites: a thin wrapper over :func:`assay.stats.suite_compare.compare_suites`,
when both sides are suites — a benchmark results file or folder read by
:func:`assay.formats.suites.read_suite` (pyperf, pytest-benchmark, asv, Google
Benchmark, hyperfine), or a finished run of the workspace (its methods at each sweep
point are its benchmarks, one stored trial value each) — and either holds more than
one benchmark, or ``--suite`` or ``--format markdown`` asks for it. Shown by
:mod:`assay.cli.compare_render`.

Bad input is an :class:`~assay.errors.InputError` naming the file, line or
option; :func:`assay.cli.app.main` prints it on one line and exits with code 2.
"""

from __future__ import annotations

import math
import re
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from assay.cli import output
from assay.cli.common import DbOption
from assay.cli.options import StatTest, fraction
from assay.errors import InputError
from assay.formats.samples import Sample, read_sample
from assay.types import parse_fraction

if TYPE_CHECKING:
    from assay.formats.suites import Suite

RUN_ID = re.compile(r"\d{8}-[0-9a-f]{6}")
"""A workspace run's id (``assay bench list``), as ``assay.store.runs`` makes them."""
_MEMORY = ("peak_heap", "peak_rss", "peak_cuda")


class Format(StrEnum):
    """How two suites are shown."""

    TABLE = "table"
    MARKDOWN = "markdown"


class Adjustment(StrEnum):
    """How verdicts are controlled across a suite's benchmarks."""

    HOLM = "holm"
    BH = "bh"


def _finite(value: float) -> float | None:
    """JSON has no infinity: a moment that does not fit a float is ``null``."""
    return value if math.isfinite(value) else None


def _arm(summary: Any) -> dict[str, Any]:
    return {
        "n": summary.n,
        "mean": _finite(summary.mean),
        "median": _finite(summary.median),
        "std": _finite(summary.std),
        "p50": _finite(summary.quantile("p50").value),
        "p90": _finite(summary.quantile("p90").value),
        "p99": _finite(summary.quantile("p99").value),
    }


def report(metric: str | None, base: Sample, cand: Sample, result: Any) -> dict[str, Any]:
    """The ``--json`` document."""
    from assay.stats import summarize

    data = result.to_dict()
    return {
        "metric": metric,
        "lower_is_better": result.lower_is_better,
        "baseline": {"source": base.label, **_arm(summarize(base.values))},
        "candidate": {"source": cand.label, **_arm(summarize(cand.values))},
        "effect": data["effect"],
        "test": data["test"],
        "paired": result.paired,
        "margin": result.margin,
        "verdict": data["verdict"],
        "needed_trials": result.needed_trials,
        "warnings": _warnings(base, cand, result),
    }


def _warnings(base: Sample, cand: Sample, result: Any) -> list[str]:
    return list(dict.fromkeys((*base.warnings, *cand.warnings, *result.warnings)))


_STYLES = {"better": "bold green", "worse": "bold red", "equivalent": "bold blue"}


def _panel(metric: str | None, base: Sample, cand: Sample, result: Any) -> Any:
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    style = _STYLES.get(result.verdict.value, "bold yellow")
    lines: list[Any] = [
        Text(result.headline(), style=style),
        Text(result.effect_text(metric)),
        Text(result.detail_text(), style="dim"),
    ]
    for warning in _warnings(base, cand, result):
        lines.append(Text(f"! {warning}", style="yellow"))
    title = f"{metric or 'compare'}: {base.label} → {cand.label}"
    return Panel(Group(*lines), title=title, title_align="left", expand=False)


def _run_suite(run_id: str, metric: str, db: str | None) -> Suite:
    """A finished run as a suite: each method at each sweep point is a benchmark whose
    trials are its stored values of ``metric`` (nothing is re-analysed)."""
    from assay.bench.plan import format_params
    from assay.cli.common import open_workspace
    from assay.formats.suites import Suite, SuiteBenchmark

    with open_workspace(db) as ws:
        info = ws.runs.info(run_id)
        if info.state != "finished":
            raise InputError(
                f"run {run_id} is {info.state}; compare finished runs (resume it first: "
                f"assay bench resume {run_id})"
            )
        trials = ws.runs.report(run_id, trials=True).result.trials
    groups: dict[str, list[tuple[float, ...]]] = {}
    for trial in trials:
        point = f"[{format_params(trial.key.params)}]" if trial.key.params else ""
        values = groups.setdefault(f"{trial.key.method}{point}", [])
        if trial.ok and metric in trial.values:
            values.append((float(trial.values[metric]),))
    unit = "second" if metric == "time" else "byte" if metric in _MEMORY else metric
    benchmarks = tuple(
        SuiteBenchmark(name, unit, tuple(found)) for name, found in groups.items() if found
    )
    if not benchmarks:
        raise InputError(f"run {run_id} has no trial with a value of {metric!r}")
    return Suite(f"run {run_id}", "assay", benchmarks, {"run_id": run_id, "metric": metric})


def _suite_of(argument: str, metric: str | None, db: str | None) -> Suite | None:
    """The suite ``argument`` names (a results file or folder, or a run id), or None
    when it names a sample (a CSV, a JSON list, ``FILE:NAME``) or nothing."""
    from assay.formats.suites import read_suite

    path = Path(argument)
    if path.is_dir():
        return read_suite(path, metric=metric or "real")
    if path.is_file():
        try:
            return read_suite(path, metric=metric or "real")
        except InputError:
            return None
    if RUN_ID.fullmatch(argument):
        return _run_suite(argument, metric or "time", db)
    return None


def _suites(
    baseline: str, candidate: str, metric: str | None, db: str | None, force: bool
) -> tuple[Suite, Suite] | None:
    """Both sides as suites when they compare as suites (module docstring), else None."""
    base = _suite_of(baseline, metric, db)
    head = _suite_of(candidate, metric, db) if base is not None or force else None
    if base is not None and head is not None:
        several = max(len(base.benchmarks), len(head.benchmarks)) > 1
        if force or several or "assay" in (base.tool, head.tool):
            return base, head
        return None
    if force:
        bad = baseline if base is None else candidate
        raise InputError(
            f"{bad}: not a suite; --suite and --format markdown compare two benchmark "
            "results files (pyperf, pytest-benchmark, asv, Google Benchmark, hyperfine) "
            "or two run ids"
        )
    return None


def _side(suite: Suite) -> dict[str, Any]:
    return {"source": suite.source, "tool": suite.tool, "benchmarks": len(suite.benchmarks)}


def _compare_suites(
    sides: tuple[Suite, Suite],
    *,
    lower_is_better: bool,
    margin: float | None,
    confidence: float,
    adjust: str,
    shown: str,
) -> None:
    """Compare two suites and show the result as ``shown`` (table, markdown, json)."""
    from assay.cli import compare_render
    from assay.stats.suite_compare import compare_suites

    base, head = sides
    result = compare_suites(
        base.benchmarks, head.benchmarks, confidence=confidence, margin=margin,
        lower_is_better=lower_is_better, adjustment=adjust,
    )  # fmt: skip
    if shown == "json":
        output.emit_json(compare_render.document(result, _side(base), _side(head)))
    elif shown == Format.MARKDOWN:
        output.emit_text(compare_render.markdown(result, base.source, head.source))
    else:
        compare_render.print_table(result, base.source, head.source)


def compare_command(
    baseline: Annotated[
        str, typer.Argument(help="Baseline values (FILE or FILE:COLUMN), or BASE suite or run id.")
    ],
    candidate: Annotated[
        str,
        typer.Argument(help="Candidate values (FILE or FILE:COLUMN), or HEAD suite or run id."),
    ],
    metric: Annotated[
        str | None,
        typer.Option(
            "--metric",
            help=(
                "Name of the metric, used as the title. A CSV with a header is read from "
                "the column of that name, and it is an error if there is none; to read "
                "another column under this name, give it as FILE:COLUMN. Two suites: a "
                "run's metric (default time), or Google Benchmark's real or cpu time."
            ),
        ),
    ] = None,
    lower_is_better: Annotated[
        bool,
        typer.Option(
            "--lower-is-better/--higher-is-better",
            help="Which direction is an improvement (latency: lower; accuracy: higher).",
        ),
    ] = True,
    paired: Annotated[
        bool, typer.Option("--paired", help="Pair the i-th values of both sides (same seed).")
    ] = False,
    margin: Annotated[
        str | None,
        typer.Option(
            "--margin",
            metavar="FRACTION",
            help="Smallest relative change that matters, above 0 and below 100%: 2% or 0.02.",
        ),
    ] = None,
    confidence: Annotated[
        str,
        typer.Option(
            "--confidence",
            metavar="FRACTION",
            help="Confidence level of the interval: 0.95 or 95%.",
        ),
    ] = "0.95",
    test: Annotated[
        StatTest, typer.Option("--test", case_sensitive=False, help="The test to run.")
    ] = StatTest.AUTO,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON for machines instead of a panel.")
    ] = False,
    shown: Annotated[
        Format,
        typer.Option(
            "--format",
            case_sensitive=False,
            help="Two suites: a table for the terminal, or Markdown for a pull-request comment.",
        ),
    ] = Format.TABLE,
    suite: Annotated[
        bool,
        typer.Option(
            "--suite", help="Compare as two suites even when each file holds one benchmark."
        ),
    ] = False,
    adjust: Annotated[
        Adjustment,
        typer.Option(
            "--adjust",
            case_sensitive=False,
            help="Two suites: control the family-wise error (holm) or the false discovery "
            "rate (bh) across the benchmarks.",
        ),
    ] = Adjustment.HOLM,
    db: DbOption = None,
) -> None:
    """Compare two sets of trial values and say whether the candidate is better.

    Or two whole suites, a verdict per benchmark: BASE and HEAD are benchmark results
    files (pyperf, pytest-benchmark, asv, Google Benchmark, hyperfine) or run ids,
    matched by benchmark name.
    """
    from assay.stats import compare

    relative_margin = fraction(margin, field="--margin", what="a relative margin", example=0.02)
    level = parse_fraction(confidence, field="--confidence", what="a level", example=0.95)
    test_name = test.value
    sides = _suites(baseline, candidate, metric, db, suite or shown is Format.MARKDOWN)
    if sides is not None:
        if paired or test is not StatTest.AUTO:
            raise InputError(
                "--paired and --test compare two samples; two suites compare each benchmark "
                "with Welch's t on log values (the default test)"
            )
        _compare_suites(
            sides, lower_is_better=lower_is_better, margin=relative_margin, confidence=level,
            adjust=adjust.value, shown="json" if as_json else shown.value,
        )  # fmt: skip
        return
    base = read_sample(baseline, metric=metric)
    cand = read_sample(candidate, metric=metric)
    if paired and len(base.values) != len(cand.values):
        raise InputError(
            f"--paired needs as many values on each side: {base.label} holds "
            f"{len(base.values)}, {cand.label} holds {len(cand.values)}"
        )
    try:
        result = compare(
            base.values, cand.values, lower_is_better=lower_is_better, paired=paired,
            margin=relative_margin, confidence=level, test=test_name,
        )  # fmt: skip
    except InputError as exc:
        raise InputError(f"{base.label} vs {cand.label}: {exc}") from None
    if as_json:
        output.emit_json(report(metric, base, cand, result))
    else:
        output.console.print(_panel(metric, base, cand, result), soft_wrap=False)


def register(app: typer.Typer) -> None:
    """Add the ``compare`` command to ``app``."""
    app.command("compare")(compare_command)
