"""``assay radar``: the team's radar, ring moves and overdue actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from assay.cli import output
from assay.cli.common import ByOption, DbOption, JsonOption, date_option, open_workspace
from assay.types import Ring, parse_date

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
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", metavar="DATE", help="The radar as it stood at the end of DATE (UTC)."
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="DATE",
            help="Mark movement since DATE (default: the last review, else 30 days ago).",
        ),
    ] = None,
    area: Annotated[str | None, typer.Option("--area", help="Only this area.")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Only this owner's.")] = None,
    tag: Annotated[str | None, typer.Option("--tag", help="Only techniques with this tag.")] = None,
) -> None:
    """Print the radar grouped by ring and area (or --json). A technique placed by
    override or by an imported radar, with no YES gate since, is marked so; new and
    moved techniques since --since are listed under it."""
    if ctx.invoked_subcommand is not None:
        return
    options: dict[str, Any] = {
        "include_retired": include_retired,
        "as_of": date_option(as_of, field="--as-of"),
        "since": date_option(since, field="--since"),
        "area": area,
        "owner": owner,
        "tag": tag,
    }
    if json:  # documents straight from the store: a radar of 10,000 answers in a blink
        with open_workspace(db) as ws:
            output.emit_json(ws.radar.document(**options))
        return
    _print_radar(db, options)


def _print_radar(db: str | None, options: dict[str, Any]) -> None:
    """The radar for people: the table, its marks, and the decisions under it."""
    from assay.workspace.radar_history import techniques_of

    with open_workspace(db) as ws:
        document = ws.radar.document(**options)
        techniques = techniques_of(document["techniques"])
        names = {t.name for t in techniques}
        backed = [t.name for t in techniques if t.ring in (Ring.TRIAL, Ring.ADOPT)]
        decided = ws.prototypes.decided_all(backed) if backed else {}
        marked = {d["name"] for d in document["techniques"] if d["override"] or d["imported"]}
        marks = {n: p for n, p in ws.radar.placements().items() if n in marked}
        gone = {d["name"] for d in document["techniques"] if d.get("retired")}
        retired = {n: w for n, w in ws.radar.retired().items() if n in gone} if gone else {}
    if document["as_of"]:
        output.console.print(f"The radar as of the end of {document['as_of']} (UTC)")
    if not techniques:
        output.console.print(_empty(options))
        return
    from assay.cli import render  # tables for people: --json does not import them

    stale = {d["name"]: d["stale_reasons"] for d in document["techniques"] if d["stale"]}
    today = dt.date.fromisoformat(document["as_of"] or document["today"])
    owners = {d["area"]: d["area_owner"] for d in document["techniques"] if d.get("area_owner")}
    output.console.print(
        render.radar_table(
            techniques, today, stale=set(stale), marks=marks, retired=set(retired), owners=owners
        )
    )
    for name, reasons in sorted(stale.items()):
        output.prose(f"[yellow]stale:[/] {escape(name)}: {escape('; '.join(reasons))}")
    for name, placement in marks.items():
        output.prose(
            f"[bold red]{placement.mark}:[/] {escape(name)}: {escape(placement.describe())}"
        )
    for name, when in retired.items():
        output.prose(f"[bold red]retired:[/] {escape(name)}: {escape(render.retired_words(when))}")
    for d in document["techniques"]:  # where each rollout stands (issue 14)
        if d.get("rollout"):
            output.prose(f"[cyan]rollout:[/] {escape(d['name'])}: {escape(d['rollout']['stage'])}")
        for item in d.get("reopened") or ():  # a decision reopened (issue 14)
            output.prose(
                f"[bold magenta]reopened:[/] {escape(d['name'])}: {escape(item['reason'])}"
            )
    _print_movement(document)
    if names:
        _print_decided(techniques, decided)


def _empty(options: Mapping[str, Any]) -> str:
    """What an empty radar says: filtered to nothing, or nothing on it yet."""
    if options["as_of"] or any(options[k] for k in ("area", "owner", "tag")):
        return "No techniques on the radar match (try without --as-of, --area, --owner, --tag)."
    return "The radar is empty. Add a technique: assay technique add NAME --area AREA"


def _print_movement(document: Mapping[str, Any]) -> None:
    """One line per kind of movement since the document's ``since`` day."""
    words = {"new": "new", "moved_in": "moved in", "moved_out": "moved out"}
    for kind, word in words.items():
        found = [d["name"] for d in document["techniques"] if d["movement"] == kind]
        if found:
            output.prose(f"[cyan]{word} since {document['since']}:[/] {escape(', '.join(found))}")


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


@radar_app.command("diff")
def diff(
    start: Annotated[str, typer.Argument(metavar="FROM", help="The earlier date, YYYY-MM-DD.")],
    end: Annotated[str, typer.Argument(metavar="TO", help="The later date, YYYY-MM-DD.")],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """How the radar changed from the end of FROM to the end of TO (UTC): techniques
    added, removed (retired) and moved, each move with its rings, when and why."""
    first = parse_date(start, field="FROM")
    last = parse_date(end, field="TO")
    with open_workspace(db) as ws:
        changes = ws.radar.diff(first, last)
    if json:
        output.emit_json(changes.to_dict())
        return
    output.console.print(f"The radar from {first.isoformat()} to {last.isoformat()}:")
    if not (changes.added or changes.removed or changes.moved):
        output.console.print("  no change")
    for t in changes.added:
        output.prose(f"  [green]added:[/] {escape(t.name)} in {t.ring.value} ({escape(t.area)})")
    for t in changes.removed:
        output.prose(f"  [red]removed:[/] {escape(t.name)} (was {t.ring.value})")
    for m in changes.moved:
        output.prose(
            f"  [cyan]moved:[/] {escape(m.name)}: {m.from_ring.value} → {m.to_ring.value}"
            f" on {m.at.date().isoformat()} by {escape(m.by)}"
            + (f": {escape(m.why)}" if m.why else "")
        )


def register(app: typer.Typer) -> None:
    app.add_typer(radar_app, name="radar")
