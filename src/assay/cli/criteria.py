"""``assay criteria``: validate a criterion before any data exists."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from assay.cli import output
from assay.cli.common import JsonOption
from assay.criteria import CriteriaSyntaxError, parse

criteria_app = typer.Typer(
    help="The criteria language: check an expression without data.", no_args_is_help=True
)


@criteria_app.command("check")
def check(
    expression: Annotated[
        str, typer.Argument(help='A criterion, e.g. "effect(latency.p99) <= -20%".')
    ],
    json: JsonOption = False,
) -> None:
    """Parse and check a criterion; a mistake shows a caret under its column (exit code 2)."""
    try:
        criterion = parse(expression)
    except CriteriaSyntaxError as error:
        if json:
            output.emit_json(
                {
                    "valid": False,
                    "error": str(error),
                    "line": error.line,
                    "column": error.column,
                    "expected": error.expected,
                    "found": error.found,
                }
            )
        head, *rest = error.caret_message().split("\n")
        output.err_console.print(
            f"[bold red]error:[/] {escape(head)}", markup=True, highlight=False
        )
        for line in rest:
            output.err_console.print(line, markup=False, highlight=False, emoji=False)
        raise typer.Exit(2) from None
    if json:
        output.emit_json(
            {
                "valid": True,
                "canonical": criterion.canonical,
                "metrics": sorted(criterion.metrics),
            }
        )
    else:
        output.console.print(f"[green]valid[/]: {escape(criterion.canonical)}")
        output.console.print(f"metrics: {escape(', '.join(sorted(criterion.metrics)))}")


def register(app: typer.Typer) -> None:
    app.add_typer(criteria_app, name="criteria")
