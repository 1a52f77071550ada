"""``assay technique``: the techniques on the team's radar."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.markup import escape
from rich.text import Text

from assay.cli import output, render
from assay.cli.common import ByOption, DbOption, JsonOption, date_option, open_workspace
from assay.types import Ring
from assay.workspace import documents

technique_app = typer.Typer(
    help="Add, list, show, edit, rename and retire techniques.", no_args_is_help=True
)

IncludeRetired = Annotated[
    bool, typer.Option("--include-retired", help="List retired techniques too, marked so.")
]


@technique_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The technique's name, e.g. FlashAttention.")],
    area: Annotated[str, typer.Option("--area", help="Radar sector, any name the team uses.")],
    owner: Annotated[str | None, typer.Option("--owner", help="Who looks after it.")] = None,
    summary: Annotated[str | None, typer.Option("--summary", help="One sentence.")] = None,
    ring: Annotated[
        Ring, typer.Option("--ring", case_sensitive=False, help="The ring it starts in.")
    ] = Ring.ASSESS,
    why: Annotated[
        str | None, typer.Option("--why", help="Why it goes in that ring (needed for HOLD/SKIP).")
    ] = None,
    override: Annotated[
        bool,
        typer.Option(
            "--override", help="Enter TRIAL without a YES gate; stays on the record with --why."
        ),
    ] = False,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="A tag for radar filters (repeat).")
    ] = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Put a new technique on the radar (in ASSESS unless --ring says otherwise)."""
    target = ring
    with open_workspace(db, by) as ws:
        technique = ws.radar.add(
            name,
            area=area,
            ring=target,
            owner=owner,
            summary=summary,
            why=why,
            override=override,
            tags=tag or (),
        )
    if json:
        output.emit_json(technique.to_dict())
    else:
        output.console.print(
            f"Added [bold]{escape(technique.name)}[/] to {escape(technique.area)}, "
            f"in {technique.ring.value}."
        )


@technique_app.command("list")
def list_(
    db: DbOption = None, json: JsonOption = False, include_retired: IncludeRetired = False
) -> None:
    """List every technique with its ring, owner and next action."""
    with open_workspace(db) as ws:
        techniques = ws.radar.list(include_retired=include_retired)
        retired = set(ws.radar.retired()) if include_retired else set()
    if json:
        output.emit_json(
            {
                "techniques": [
                    t.to_dict() | ({"retired": t.name in retired} if include_retired else {})
                    for t in techniques
                ]
            }
        )
    elif not techniques:
        output.console.print("No techniques yet. Add one: assay technique add NAME --area AREA")
    else:
        output.console.print(render.technique_list(techniques, dt.date.today(), retired=retired))


@technique_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="The technique (any case).")],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Show a technique with its whole ring history, and the moves made by override;
    --json adds everything its web page shows (papers, claims, prototypes, runs, gate
    decisions, predictions, post-mortems, artifacts)."""
    if json:  # everything about it: the same document as its web page
        with open_workspace(db) as ws:
            document = documents.technique(ws, name)
        output.emit_json(document)
        return
    with open_workspace(db) as ws:
        technique = ws.radar.get(name, retired=True)  # a retired one is shown, marked
        overrides = ws.reports.overrides(technique.name)
        decided = ws.prototypes.decided(technique.name)  # the runs behind each decision
        placement = ws.radar.placements().get(technique.name)
        retired = ws.radar.retired().get(technique.name)
        learned = ws.learnings.list(technique=technique.name)
        area_owner = ws.areas.owner_of(technique.area)
    output.console.print(render.technique_panel(technique, dt.date.today()))
    if area_owner:
        output.prose(f"Area {escape(technique.area)} is owned by {escape(area_owner)}.")
    if retired is not None:
        output.prose(Text(f"Retired: {render.retired_words(retired)}", style="bold red"))
    if placement is not None:
        output.prose(Text(f"{render.placement_label(placement)}: {placement.describe()}"))
    if overrides:
        output.console.print(f"[bold red]Moved by override[/] ({len(overrides)})")
    for o in overrides:
        source = o.from_ring.value if o.from_ring else "new"
        output.prose(
            Text(f"{o.at:%Y-%m-%d} {source} → {o.to_ring.value} by {o.by} ({o.describe()})"),
            bullet="  ",
        )
    for prototype, pin in decided:
        render.print_decision(prototype, pin, bullet=" ")
    for entry in learned:  # what its prototypes taught (issue 16)
        outcome = f", {entry.outcome.value}" if entry.outcome else ""
        output.prose(
            f"learnings {entry.id} on {escape(entry.prototype)}{outcome}: "
            f"{escape(entry.learned)} (assay learning show {entry.id})",
            bullet="  ",
        )


@technique_app.command("edit")
def edit(
    name: Annotated[str, typer.Argument(help="The technique to change.")],
    new_name: Annotated[str | None, typer.Option("--name", help="A new name.")] = None,
    area: Annotated[str | None, typer.Option("--area", help="A new area.")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="A new owner.")] = None,
    summary: Annotated[str | None, typer.Option("--summary", help="A new summary.")] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="Its tags (repeat; replaces the tags).")
    ] = None,
    no_tags: Annotated[bool, typer.Option("--no-tags", help="Remove its tags.")] = False,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Change a technique's name, area, owner, summary or tags (rings: `assay radar move`)."""
    tags = [] if no_tags else tag
    with open_workspace(db, by) as ws:
        technique = ws.radar.edit(
            name, new_name=new_name, area=area, owner=owner, summary=summary, tags=tags
        )
    if json:
        output.emit_json(technique.to_dict())
    else:
        output.console.print(f"Updated [bold]{escape(technique.name)}[/].")


@technique_app.command("next")
def next_(
    name: Annotated[str, typer.Argument(help="The technique.")],
    action: Annotated[str, typer.Argument(help="What happens next; empty text clears it.")],
    due: Annotated[
        str | None, typer.Option("--due", metavar="DATE", help="Due date, YYYY-MM-DD.")
    ] = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Set a technique's next action and its due date."""
    when = date_option(due, field="--due")
    with open_workspace(db, by) as ws:
        technique = ws.radar.set_next(name, action, due=when)
    if json:
        output.emit_json(technique.to_dict())
    elif technique.next_action:
        output.console.print(
            f"Next for [bold]{escape(technique.name)}[/]: {escape(technique.next_action)} "
            f"(due {technique.due.isoformat() if technique.due else '—'})"
        )
    else:
        output.console.print(f"Cleared the next action of [bold]{escape(technique.name)}[/].")


def register(app: typer.Typer) -> None:
    app.add_typer(technique_app, name="technique")
