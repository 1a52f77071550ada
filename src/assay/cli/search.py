"""``assay search``: what the team already learned, across the whole record."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.text import Text

from assay.cli import output
from assay.cli.common import DbOption, JsonOption, open_workspace
from assay.workspace import documents


def search(
    text: Annotated[str, typer.Argument(help="Words to look for (case-insensitive).")],
    limit: Annotated[
        int | None,
        typer.Option("--limit", min=1, max=1_000_000, help="Show at most this many hits."),
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Search papers, notes, flags, claims, predictions, post-mortems and the radar.

    Failed experiments are included: post-mortems and the reasons techniques went to
    HOLD or SKIP are searched like everything else.
    """
    if json:
        with open_workspace(db) as ws:
            document = documents.search(ws, text, limit=limit)
        output.emit_json(document)
        return
    with open_workspace(db) as ws:
        hits = ws.papers.search(text, limit=limit)
    if not hits:
        output.console.print(escape(f"Nothing in the record mentions {text!r}."))
        return
    table = output.table(
        output.Column("Kind", output.Kind.LABEL),
        output.Column("Ref", output.Kind.NAMES),
        output.Column("Where", ratio=2),
        output.Column("Match", ratio=4),
        expand=True,
    )
    for hit in hits:
        cells = (hit.kind, hit.ref, f"{hit.title} ({hit.field})", hit.snippet)
        table.add_row(*(Text(c) for c in cells))
    output.console.print(table)


def register(app: typer.Typer) -> None:
    app.command("search")(search)
