"""``assay area``: the radar's areas and who owns each (see docs/learnings.md)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from assay.cli import output
from assay.cli.common import ByOption, DbOption, JsonOption, open_workspace

area_app = typer.Typer(
    help="Areas of the radar and their owners.",
    no_args_is_help=True,
)


@area_app.command("set-owner")
def set_owner(
    area: Annotated[str, typer.Argument(metavar="AREA", help="An area of the radar (any case).")],
    person: Annotated[
        str, typer.Argument(metavar="PERSON", help="The owner: a registered user, if any.")
    ],
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Make PERSON the owner of AREA (replacing the owner before)."""
    with open_workspace(db, by) as ws:
        owner = ws.areas.set_owner(area, person)
    if json:
        output.emit_json(owner.to_dict())
        return
    output.prose(f"{escape(owner.owner)} owns {escape(owner.area)}.")


@area_app.command("list")
def list_(db: DbOption = None, json: JsonOption = False) -> None:
    """Every area of the radar with its number of techniques and its owner."""
    with open_workspace(db) as ws:
        areas = ws.areas.list()
    if json:
        output.emit_json({"areas": [a.to_dict() for a in areas]})
        return
    if not areas:
        output.prose("No areas yet: techniques bring them (assay technique add NAME --area AREA).")
        return
    table = output.table(
        output.Column("Area", output.Kind.NAMES),
        output.Column("Techniques", output.Kind.NUMBER),
        output.Column("Owner", output.Kind.NAMES),
    )
    for item in areas:
        owner = escape(item.owner.owner) if item.owner else "[dim]none[/]"
        table.add_row(escape(item.area), str(item.techniques), owner)
    output.console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(area_app, name="area")
