"""``assay compare``: two samples in, a verdict out.

A thin wrapper over :func:`assay.stats.compare`. Each side is read by
:func:`assay.formats.samples.read_sample`: a CSV or text file (``FILE:COLUMN`` for a
named column), a JSON list of numbers, or a pyperf or pytest-benchmark JSON file
(``FILE:BENCHMARK`` picks one benchmark).

Bad input is an :class:`~assay.errors.InputError` naming the file, line or
option; :func:`assay.cli.app.main` prints it on one line and exits with code 2.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import typer

from assay.cli import output
from assay.cli.options import StatTest, fraction
from assay.errors import InputError
from assay.formats.samples import Sample, read_sample
from assay.types import parse_fraction


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


def compare_command(
    baseline: Annotated[str, typer.Argument(help="Baseline values: FILE or FILE:COLUMN.")],
    candidate: Annotated[str, typer.Argument(help="Candidate values: FILE or FILE:COLUMN.")],
    metric: Annotated[
        str | None,
        typer.Option(
            "--metric",
            help=(
                "Name of the metric, used as the title. A CSV with a header is read from "
                "the column of that name, and it is an error if there is none; to read "
                "another column under this name, give it as FILE:COLUMN."
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
) -> None:
    """Compare two sets of trial values and say whether the candidate is better."""
    from assay.stats import compare

    relative_margin = fraction(margin, field="--margin", what="a relative margin", example=0.02)
    level = parse_fraction(confidence, field="--confidence", what="a level", example=0.95)
    test_name = test.value
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
