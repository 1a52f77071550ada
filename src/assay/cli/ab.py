"""``assay ab``: analyse a production A/B test from a file, and show a stored analysis
(see docs/ab.md)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from assay.cli import output
from assay.cli.common import ByOption, DbOption, JsonOption, open_workspace
from assay.stats import ab_text

if TYPE_CHECKING:
    from assay.workspace.ab import ABRun

ab_app = typer.Typer(
    help="Production A/B tests: analyse a file of units or arms, store it as evidence.",
    no_args_is_help=True,
)


def _many(name: str, metavar: str, text: str) -> Any:
    return typer.Option(name, metavar=metavar, help=text)


@ab_app.command("analyze")
def analyze(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="CSV or Parquet: one row per unit or per arm.")
    ],
    arm: Annotated[str, typer.Option("--arm", metavar="COLUMN", help="The arm's column.")],
    metric: Annotated[
        list[str] | None, _many("--metric", "COLUMN", "A metric's column (repeat).")
    ] = None,
    control: Annotated[
        str | None,
        typer.Option(
            "--control", metavar="ARM", help="The control arm; default: control, A or baseline."
        ),
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option("--unit", metavar="COLUMN", help="Unit ids: each must appear once."),
    ] = None,
    covariate: Annotated[
        list[str] | None,
        _many("--covariate", "METRIC=COLUMN", "A pre-period column for CUPED (repeat)."),
    ] = None,
    ratio: Annotated[
        list[str] | None,
        _many("--ratio", "NAME=NUM/DEN", "A ratio metric by the delta method (repeat)."),
    ] = None,
    guardrail: Annotated[
        list[str] | None,
        _many("--guardrail", "METRIC:MARGIN", "A guardrail and its margin, e.g. latency:5%."),
    ] = None,
    lower_is_better: Annotated[
        list[str] | None,
        _many("--lower-is-better", "METRIC", "A metric where lower is better (repeat)."),
    ] = None,
    expected_split: Annotated[
        str,
        typer.Option(
            "--expected-split", metavar="C/T", help="Planned split, control first: 50/50."
        ),
    ] = "50/50",
    margin: Annotated[
        str | None,
        typer.Option("--margin", metavar="PCT", help="Practical margin of the verdicts: 1%."),
    ] = None,
    alpha: Annotated[float, typer.Option("--alpha", help="1 - confidence.")] = 0.05,
    sequential: Annotated[
        bool,
        typer.Option("--sequential", help="Always-valid intervals (mSPRT): safe to peek daily."),
    ] = False,
    mde: Annotated[
        str, typer.Option("--mde", metavar="PCT", help="With --sequential: the lift to tune to.")
    ] = "2%",
    look: Annotated[
        str | None,
        typer.Option(
            "--look",
            metavar="COLUMN",
            help="With --sequential: which look (day 1, 2...) each row arrived in; replayed.",
        ),
    ] = None,
    prototype: Annotated[
        str | None,
        typer.Option("--prototype", metavar="NAME", help="Link it to this prototype as evidence."),
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="The run's name; default: the file's.")
    ] = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Analyse an A/B test (SRM check, effects, CUPED, guardrails) and store it as a run."""
    from assay.stats.ab_options import options_from_text

    options = options_from_text(
        arm=arm,
        metrics=metric or [],
        control=control,
        unit=unit,
        covariates=covariate or [],
        ratios=ratio or [],
        guardrails=guardrail or [],
        lower_is_better=lower_is_better or [],
        expected_split=expected_split,
        margin=margin,
        alpha=alpha,
        sequential=sequential,
        mde=mde,
        look=look,
    )
    with open_workspace(db, by) as ws:
        run = ws.ab.analyze(file, options, name=name, prototype=prototype)
    _print(run, json)


@ab_app.command("show")
def show(
    run_id: Annotated[str, typer.Argument(metavar="RUN", help="The A/B run's id.")],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """A stored A/B analysis: the split check, each metric, the guardrails."""
    with open_workspace(db) as ws:
        run = ws.ab.show(run_id)
    _print(run, json)


def _print(run: ABRun, json: bool) -> None:
    if json:
        output.emit_json(run.to_dict())
    else:
        print_stored(run)


def print_stored(run: ABRun) -> None:
    """An A/B analysis as text (``ab analyze``, ``ab show`` and ``bench show``)."""
    doc = run.document
    source = doc["source"]
    output.prose(
        f"A/B analysis [bold]{escape(run.run_id)}[/] {escape(run.name)!r}: "
        + escape(ab_text.source_sentence(source))
    )
    output.prose(_srm_line(doc))
    if doc["valid"]:
        _metrics_table(doc)
        for line in ab_text.notes(doc):
            output.prose(escape(line), bullet="  - ")
        if doc.get("guardrails"):
            _guardrails_table(doc["guardrails"])
    if run.linked_to:
        output.prose(f"Linked to prototype {escape(run.linked_to)} as online A/B evidence.")


def _srm_line(doc: Mapping[str, Any]) -> str:
    text = escape(ab_text.srm_sentence(doc))
    if doc["valid"]:
        return text + ": [green]OK[/]"
    srm = doc["srm"]
    return (
        text + f" < {srm['alpha']:g}: [bold red]INVALID[/], sample-ratio mismatch; no effect is "
        "reported: fix the assignment or the logging and rerun the experiment"
    )


def _metrics_table(doc: Mapping[str, Any]) -> None:
    table = output.table(
        output.Column("Metric", output.Kind.ID),
        output.Column("Control", output.Kind.NUMBER, justify="right"),
        output.Column("Treatment", output.Kind.NUMBER, justify="right"),
        output.Column("Difference", output.Kind.TEXT, ratio=2),
        output.Column("Lift", output.Kind.TEXT, ratio=2),
        output.Column("p", output.Kind.NUMBER, justify="right"),
        output.Column("Verdict", output.Kind.LABEL),
        title=ab_text.metrics_caption(doc),
    )
    for found in doc["metrics"]:
        table.add_row(*(escape(cell) for cell in ab_text.metric_cells(found)))
    output.console.print(table)


def _guardrails_table(rails: Mapping[str, Any]) -> None:
    table = output.table(
        output.Column("Guardrail", output.Kind.ID),
        output.Column("Margin", output.Kind.NUMBER, justify="right"),
        output.Column("Lift", output.Kind.NUMBER, justify="right"),
        output.Column("p", output.Kind.NUMBER, justify="right"),
        output.Column("p (BH)", output.Kind.NUMBER, justify="right"),
        output.Column("Result", output.Kind.LABEL),
        title=ab_text.guardrails_caption(rails),
    )
    for rail in rails["guardrails"]:
        table.add_row(
            *(escape(cell) for cell in ab_text.guardrail_cells(rail)),
            "[green]holds[/]" if rail["holds"] else "[bold red]FAILS[/]",
        )
    output.console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(ab_app, name="ab")
