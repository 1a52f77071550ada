"""``assay radar``: the team's radar, ring moves and overdue actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from assay.cli import output
from assay.cli.common import ByOption, DbOption, JsonOption, open_workspace
from assay.types import Ring

if TYPE_CHECKING:
    from assay.pipeline.gates import DecisionPin
    from assay.pipeline.radar import Technique

radar_app = typer.Typer(
    help="The research radar: print it, move techniques between rings, list overdue actions.",
    invoke_without_command=True,
)


@radar_app.callback()
def radar(
    ctx: typer.Context,
    db: DbOption = None,
    json: JsonOption = False,
    include_retired: Annotated[
        bool, typer.Option("--include-retired", help="Show retired techniques too, marked so.")
    ] = False,
) -> None:
    """Print the radar grouped by ring and area (or --json). A technique placed by
    override or by an imported radar, with no YES gate since, is marked so."""
    if ctx.invoked_subcommand is not None:
        return
    if json:  # documents straight from the store: a radar of 10,000 answers in a blink
        with open_workspace(db) as ws:
            documents = ws.radar.documents(include_retired=include_retired)
            reasons = {s.technique: list(s.reasons) for s in ws.radar.stale()}
            marks = ws.radar.placements()
            retired = ws.radar.retired() if include_retired else {}
        for document in documents:
            name = document["name"]
            document["stale"] = name in reasons
            document["stale_reasons"] = reasons.get(name, [])
            placement = marks.get(name)
            document["override"] = placement.override_dict() if placement else None
            document["imported"] = placement is not None and placement.kind == "imported"
            if include_retired:
                document["retired"] = name in retired
        output.emit_json({"techniques": documents})
        return
    with open_workspace(db) as ws:
        techniques = ws.radar.list(include_retired=include_retired)
        stale = {s.technique: s for s in ws.radar.stale()}
        backed = [t.name for t in techniques if t.ring in (Ring.TRIAL, Ring.ADOPT)]
        decided = ws.prototypes.decided_all(backed) if backed else {}
        marks = ws.radar.placements()
        retired = ws.radar.retired() if include_retired else {}
    if not techniques:
        output.console.print(
            "The radar is empty. Add a technique: assay technique add NAME --area AREA"
        )
    else:
        from assay.cli import render  # tables for people: --json does not import them

        output.console.print(
            render.radar_table(
                techniques, dt.date.today(), stale=set(stale), marks=marks, retired=set(retired)
            )
        )
        for name, entry in sorted(stale.items()):
            output.prose(f"[yellow]stale:[/] {escape(name)}: {escape('; '.join(entry.reasons))}")
        for name, placement in marks.items():
            output.prose(
                f"[bold red]{placement.mark}:[/] {escape(name)}: {escape(placement.describe())}"
            )
        for name, when in retired.items():
            words = escape(render.retired_words(when))
            output.prose(f"[bold red]retired:[/] {escape(name)}: {words}")
        _print_decided(techniques, decided)


def _print_decided(
    techniques: Sequence[Technique], decided: Mapping[str, Sequence[tuple[str, DecisionPin]]]
) -> None:
    """Under the radar: for each technique with decisions (those in TRIAL or ADOPT
    are asked), its prototypes' newest decisions, the runs each rested on and any
    evidence since."""
    from assay.cli import render

    for technique in techniques:
        for prototype, pin in decided.get(technique.name, ()):
            render.print_decision(f"decided: {technique.name} ({prototype})", pin)


@radar_app.command("move")
def move(
    name: Annotated[str, typer.Argument(help="The technique to move.")],
    ring: Annotated[
        Ring,
        typer.Argument(case_sensitive=False, help="The ring to move it to.", show_default=False),
    ],
    why: Annotated[
        str | None,
        typer.Option("--why", help="The reasoning; required for HOLD, SKIP and --override."),
    ] = None,
    override: Annotated[
        bool,
        typer.Option(
            "--override",
            help="Promote to TRIAL or ADOPT without a YES gate; recorded as an override.",
        ),
    ] = False,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Move a technique to another ring, recording who, when, from where and why.

    A promotion to TRIAL or ADOPT needs a YES gate on one of its prototypes (or
    --override --why); ADOPT also needs its implementation document, decision
    record and runbook attached (assay technique attach).
    """
    target = ring
    with open_workspace(db, by) as ws:
        moved = ws.radar.move(name, target, why=why, override=override)
        technique = ws.radar.get(name)
        recorded = [
            o
            for o in ws.reports.overrides(technique.name)
            if (o.at, o.to_ring) == (moved.at, moved.to_ring)
        ]
    made = recorded[-1] if recorded else None  # None: a YES gate stood behind it, or no rule
    if json:
        extra = {"name": technique.name, "override": made is not None}
        extra["recommended"] = made.recommended.value if made else None
        output.emit_json(moved.to_dict() | extra)
    else:
        source = moved.from_ring.value if moved.from_ring else "—"
        how = f" ({made.describe()})" if made else ""
        output.console.print(
            f"Moved [bold]{escape(technique.name)}[/]: {source} → {moved.to_ring.value}"
            + escape(how)
        )
        if moved.why and made is None:
            output.console.print(f"  because: {moved.why}", markup=False, highlight=False)


@radar_app.command("overdue")
def overdue(db: DbOption = None, json: JsonOption = False) -> None:
    """List next actions past their due date, the most overdue first."""
    today = dt.date.today()
    with open_workspace(db) as ws:
        late = ws.radar.overdue(today)
    if json:
        output.emit_json(
            {
                "today": today.isoformat(),
                "overdue": [
                    t.to_dict() | {"days_overdue": (today - t.due).days if t.due else None}
                    for t in late
                ],
            }
        )
    elif not late:
        output.console.print("No overdue next actions.")
    else:
        from assay.cli import render  # tables for people: --json does not import them

        output.console.print(render.technique_list(late, today))


def register(app: typer.Typer) -> None:
    app.add_typer(radar_app, name="radar")
