"""``assay cost``: the cost-benefit of adopting what a prototype tested."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from assay.cli import output
from assay.cli.common import ByOption, DbOption, JsonOption, open_workspace
from assay.pipeline.cost import Figure
from assay.store.study import CostReport


def _money(value: float) -> str:
    return "never" if not math.isfinite(value) else f"{value:,.0f} usd"


def _months(value: float) -> str:
    return "never" if not math.isfinite(value) else f"{value:.1f} months"


def _ratio(value: float) -> str:
    return "—" if not math.isfinite(value) else f"{value:+.0%}"


def _figure(figure: Figure, show: Callable[[float], str]) -> str:
    return f"{show(figure.value)}  ({show(figure.low)} to {show(figure.high)})"


def print_cost(report: CostReport) -> None:
    """The cost-benefit for people: figures with intervals, sensitivity, recommendation."""
    r = report.result
    console = output.console
    console.print(f"[bold]Cost-benefit of {escape(report.prototype)}[/] (basis: {r.basis})")
    figures = Table.grid(padding=(0, 2))
    figures.add_column(style="bold")
    figures.add_column()
    figures.add_row("One-off cost", _money(r.one_off_cost))
    figures.add_row("Compute hours / month", f"{r.compute_hours_per_month:,.0f}")
    figures.add_row("Monthly compute saving", _figure(r.monthly_compute_saving, _money))
    figures.add_row("Monthly memory saving", _figure(r.monthly_memory_saving, _money))
    figures.add_row("Monthly benefit", _figure(r.monthly_benefit, _money))
    figures.add_row("Payback", _figure(r.payback_months, _months))
    figures.add_row("12-month ROI", _figure(r.roi_12_months, _ratio))
    console.print(figures)
    console.print(f"[bold]Recommendation:[/] {escape(r.reason)}")
    table = output.table(
        output.Column("Input"),
        *(output.Column(name, output.Kind.NUMBER, justify="right")
          for name in ("Change", "Value", "Monthly benefit", "Payback", "12-month ROI")),
        title="Sensitivity (one input varied, the others held)",
    )  # fmt: skip
    for row in r.sensitivity:
        table.add_row(
            row.input,
            f"{row.change:+.0%}",
            f"{row.value:,.4g}",
            _money(row.monthly_benefit),
            _months(row.payback_months),
            _ratio(row.roi_12_months),
        )
    console.print(table)
    for name, source in report.sources.items():
        console.print(f"[dim]{escape(name)}: {escape(source)}[/]")
    for note in (*r.notes, *report.notes):
        output.warn(escape(note))


def cost(
    prototype: Annotated[str, typer.Argument(help="The prototype.")],
    engineer_weeks: Annotated[
        float | None, typer.Option("--engineer-weeks", help="Engineer-weeks to adopt it.")
    ] = None,
    cost_per_week: Annotated[
        float | None, typer.Option("--cost-per-week", help="Loaded cost of an engineer-week, usd.")
    ] = None,
    infrastructure: Annotated[
        float | None, typer.Option("--infrastructure", help="One-off infrastructure cost, usd.")
    ] = None,
    maintenance: Annotated[
        float | None, typer.Option("--maintenance", help="Maintenance per month, usd.")
    ] = None,
    price_per_hour: Annotated[
        float | None,
        typer.Option("--price-per-hour", help="Price of a compute hour, usd (default: settings)."),
    ] = None,
    requests_per_month: Annotated[
        float | None, typer.Option("--requests-per-month", help="Requests served per month.")
    ] = None,
    seconds_per_request: Annotated[
        float | None,
        typer.Option(
            "--seconds-per-request",
            help="The baseline's compute seconds per request (default: measured).",
        ),
    ] = None,
    compute_hours: Annotated[
        float | None,
        typer.Option("--compute-hours", help="Compute hours per month, instead of requests."),
    ] = None,
    memory_gib: Annotated[
        float | None, typer.Option("--memory-gib", help="Memory provisioned, GiB.")
    ] = None,
    price_per_gib_month: Annotated[
        float | None, typer.Option("--price-per-gib-month", help="Price of a GiB-month, usd.")
    ] = None,
    save: Annotated[
        bool, typer.Option("--save", help="Store the given inputs on the prototype.")
    ] = False,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Monthly benefit, payback and 12-month ROI with intervals from the measured effects."""
    given = {
        "engineer_weeks": engineer_weeks,
        "cost_per_engineer_week": cost_per_week,
        "infrastructure_one_off": infrastructure,
        "maintenance_per_month": maintenance,
        "price_per_compute_hour": price_per_hour,
        "requests_per_month": requests_per_month,
        "seconds_per_request": seconds_per_request,
        "compute_hours_per_month": compute_hours,
        "memory_gib": memory_gib,
        "price_per_gib_month": price_per_gib_month,
    }
    with open_workspace(db, by) as ws:
        report = ws.prototypes.cost(prototype, given, save=save)
    if json:
        output.emit_json(report.to_dict())
    else:
        print_cost(report)
        if save:
            output.console.print("Saved the inputs on the prototype.")


def register(app: typer.Typer) -> None:
    app.command("cost")(cost)
