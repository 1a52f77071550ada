"""``assay coverage`` (issue 16): the integration loop's funnel, papers read →
prototyped → in production, for the team and each reader (see docs/credibility.md)."""

from __future__ import annotations

import typer
from rich.markup import escape

from assay.cli import output
from assay.cli.common import ByOption, DbOption, JsonOption, open_workspace
from assay.cli.credibility import PersonOption


def coverage(
    person: PersonOption = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Papers read → prototypes → production, per person and team."""
    from assay.workspace.credibility import coverage as funnel

    with open_workspace(db, by) as ws:
        doc = funnel(ws, person=person)
    if json:
        output.emit_json(doc)
        return
    table = output.table(
        output.Column("Who", output.Kind.NAMES),
        output.Column("Read", output.Kind.NUMBER, justify="right"),
        output.Column("Prototyped", output.Kind.NUMBER, justify="right"),
        output.Column("In production", output.Kind.NUMBER, justify="right"),
        title="Papers read → prototypes → production",
    )

    def share(n: int, of: int) -> str:
        return f"{n} ({n / of:.0%})" if of else str(n)

    for row in [doc["team"], *doc["people"]]:
        table.add_row(
            escape(row["who"]),
            str(row["read"]),
            share(row["prototyped"], row["read"]),
            share(row["production"], row["read"]),
        )
    output.console.print(table)


def register(app: typer.Typer) -> None:
    app.command("coverage")(coverage)
