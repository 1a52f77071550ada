"""``assay learning``: what each prototype taught, kept or killed (see docs/learnings.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from assay.cli import output
from assay.cli.common import ByOption, DbOption, JsonOption, open_workspace
from assay.pipeline.learnings import LearningOutcome

if TYPE_CHECKING:
    from assay.pipeline.learnings import Learning

learning_app = typer.Typer(
    help="Learnings: what each prototype taught, kept or killed; needed before a NO or a SKIP.",
    no_args_is_help=True,
)

_PARTS = (
    ("learned", "Learned"),
    ("surprises", "Surprises"),
    ("implicit", "Implicit knowledge"),
    ("advice", "Advice for the next person"),
)


def print_learning(entry: Learning) -> None:
    """One entry for people: its heading, then its four parts."""
    outcome = f", {entry.outcome.value}" if entry.outcome else ""
    output.prose(
        f"[bold]learnings {entry.id}[/] on [bold]{escape(entry.prototype)}[/] "
        f"({escape(entry.technique)}{outcome}) by {escape(entry.by)}, {entry.at:%Y-%m-%d}"
    )
    for name, label in _PARTS:
        output.prose(f"[bold]{label}:[/] {escape(getattr(entry, name))}", bullet="  ")


@learning_app.command("add")
def add(
    prototype: Annotated[str, typer.Argument(metavar="PROTOTYPE", help="The prototype.")],
    learned: Annotated[str, typer.Option("--learned", help="What was learned.")],
    surprises: Annotated[str, typer.Option("--surprises", help="What surprised.")],
    implicit: Annotated[
        str, typer.Option("--implicit", help="Implicit knowledge nobody wrote down.")
    ],
    advice: Annotated[str, typer.Option("--advice", help="Advice for the next person.")],
    outcome: Annotated[
        LearningOutcome | None,
        typer.Option("--outcome", case_sensitive=False, help="How the prototype ended."),
    ] = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Write the prototype's learnings; a NO at its gate, or a SKIP of its technique,
    needs one first."""
    with open_workspace(db, by) as ws:
        entry = ws.learnings.add(
            prototype,
            learned=learned,
            surprises=surprises,
            implicit=implicit,
            advice=advice,
            outcome=outcome,
        )
    if json:
        output.emit_json(entry.to_dict())
        return
    output.prose(
        f"Recorded learnings {entry.id} on [bold]{escape(entry.prototype)}[/] "
        f"({escape(entry.technique)})."
    )


@learning_app.command("list")
def list_(
    technique: Annotated[
        str | None, typer.Option("--technique", help="Only this technique's prototypes.")
    ] = None,
    prototype: Annotated[str | None, typer.Option("--prototype", help="Only this one.")] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Learnings entries, oldest first."""
    with open_workspace(db) as ws:
        entries = ws.learnings.list(prototype=prototype, technique=technique)
    if json:
        output.emit_json({"learnings": [e.to_dict() for e in entries]})
        return
    if not entries:
        output.prose(
            "No learnings yet: assay learning add PROTOTYPE --learned ... --surprises ... "
            "--implicit ... --advice ..."
        )
        return
    table = output.table(
        output.Column("#", output.Kind.NUMBER),
        output.Column("When", output.Kind.DATE),
        output.Column("Prototype, technique", output.Kind.NAMES),
        output.Column("Outcome", output.Kind.LABEL),
        output.Column("Learned", ratio=2),
        expand=True,
    )
    for e in entries:
        table.add_row(
            str(e.id),
            f"{e.at:%Y-%m-%d}",
            f"{escape(e.prototype)}\n{escape(e.technique)}",
            e.outcome.value if e.outcome else "—",
            escape(e.learned),
        )
    output.console.print(table)


@learning_app.command("show")
def show(
    number: Annotated[int, typer.Argument(metavar="NUMBER", help="The entry's number.")],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """One learnings entry in full."""
    with open_workspace(db) as ws:
        entry = ws.learnings.show(number)
    if json:
        output.emit_json(entry.to_dict())
        return
    print_learning(entry)


@learning_app.command("search")
def search(
    query: Annotated[str, typer.Argument(metavar="QUERY", help="Text to find (any case).")],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Learnings entries that mention QUERY (assay search covers every record)."""
    with open_workspace(db) as ws:
        hits = ws.learnings.search(query)
    if json:
        output.emit_json({"query": query, "hits": [h.to_dict() for h in hits]})
        return
    if not hits:
        output.prose(f"No learnings mention {escape(repr(query))}.")
        return
    for hit in hits:
        output.prose(f"[bold]{escape(hit.title)}[/] ({hit.field}): {escape(hit.snippet)}")


def register(app: typer.Typer) -> None:
    app.add_typer(learning_app, name="learning")
