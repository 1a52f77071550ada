"""``assay portfolio``: effort across core, adjacent and exploratory work."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.text import Text

from assay.cli import output
from assay.cli.common import DbOption, JsonOption, open_workspace

_POSITION = {"below": "yellow", "within": "green", "above": "yellow"}


def portfolio(db: DbOption = None, json: JsonOption = False) -> None:
    """Active prototypes' time-boxed days per category against the 60-70/20-30/5-10 % guide."""
    with open_workspace(db) as ws:
        result = ws.reports.portfolio()
    if json:
        output.emit_json(result.to_dict())
        return
    k = output.Kind
    table = output.table(
        output.Column("Category", k.LABEL), output.Column("Days", k.NUMBER, justify="right"),
        output.Column("Share", k.NUMBER, justify="right"), output.Column("Guide", k.NUMBER),
        output.Column("", k.LABEL), output.Column("Prototypes"),
        title="Portfolio (time-boxed days of active prototypes)",
    )  # fmt: skip
    for share in result.shares:
        table.add_row(
            share.category,
            str(share.days),
            f"{share.share:.0%}",
            f"{share.low:.0%}-{share.high:.0%}",
            Text(share.position, style=_POSITION[share.position]),
            escape(", ".join(share.prototypes)) or "—",
        )
    output.console.print(table)
    if not result.total_days:
        output.warn("no active prototype has a time-box and a --portfolio category yet")
    if result.uncategorised:
        output.warn(
            "no portfolio category (assay prototype set NAME --portfolio ...): "
            + escape(", ".join(result.uncategorised))
        )
    if result.without_timebox:
        output.warn(
            "no time-box, so no effort counted: " + escape(", ".join(result.without_timebox))
        )


def register(app: typer.Typer) -> None:
    app.command("portfolio")(portfolio)
