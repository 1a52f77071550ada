"""``assay review``: the monthly research review's agenda, and its record."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape

from assay.cli import output
from assay.cli.common import ByOption, DbOption, JsonOption, date_option, open_workspace
from assay.cli.options import either, renamed
from assay.pipeline.radar import RingMove
from assay.workspace import documents
from assay.workspace.rhythm import Agenda

review_app = typer.Typer(
    help="The research review: what to discuss, and what was decided.", no_args_is_help=True
)


def _section(title: str, lines: list[str]) -> None:
    output.console.print(f"\n[bold]{title}[/] ({len(lines)})")
    for line in lines or ["nothing"]:
        output.prose(line, bullet="  - ")


def _evidence(evidence: dict[str, Any]) -> str:
    """The runs on either side of a change point that reopened a decision (issue 14)."""
    if "runs_after" not in evidence:
        return ""
    before = ", ".join(evidence.get("runs_before") or []) or "none"
    after = ", ".join(evidence.get("runs_after") or []) or "none"
    return escape(f"; runs before: {before}; after: {after}")


def _change(agenda: Agenda, name: str, move: RingMove) -> str:
    """A radar change; a move made by override says so, with what was recommended."""
    source = move.from_ring.value if move.from_ring else "new"
    line = (
        f"{move.at:%Y-%m-%d} {escape(name)}: {source} → {move.to_ring.value} by {escape(move.by)}"
    )
    made = [o for o in agenda.overrides if (o.technique, o.at) == (name, move.at)]
    if made:
        return f"{line} ([bold red]{escape(made[-1].describe())}[/])"
    return line + (f": {escape(move.why)}" if move.why else "")


def print_agenda(agenda: Agenda) -> None:
    """The agenda for people, one section per topic."""
    last = agenda.last_review
    since = f"since {agenda.since.isoformat()}"
    if last is not None:
        since += f" (last review held {last.held_on.isoformat()})"
    output.prose(f"[bold]Research review agenda[/], {agenda.today.isoformat()}, {since}")
    _section("Radar changes", [_change(agenda, name, move) for name, move in agenda.radar_changes])
    _section(
        "Placed by override or import, no YES gate since",
        [f"{escape(p.technique)}: [bold red]{escape(p.describe())}[/]" for p in agenda.unbacked],
    )
    _section(
        "Overdue next actions",
        [f"{escape(t.name)}: {escape(t.next_action or '')} (due {t.due})" for t in agenda.overdue],
    )
    _section(
        "Overdue post-mortem actions and predictions",
        [escape(o.describe(agenda.today)) for o in agenda.overdue_other],
    )
    _section(
        "Gates awaiting a decision",
        [
            f"{escape(a.prototype)} ({a.stage.value}): recommended {a.recommended.label}: "
            + escape("; ".join(a.reasons))
            for a in agenda.awaiting
        ],
    )
    _section(
        "Past their time-box",
        [f"{escape(p.prototype)}: ended {p.timebox_end}" for p in agenda.past_timebox],
    )
    _section("Rollouts", [escape(note.describe()) for note in agenda.rollouts])
    _section(
        "Reopened decisions",
        [escape(item.line()) + _evidence(item.evidence) for item in agenda.reopened],
    )
    _section(  # issue 16: decided over dissent, and the revisit has come
        "Decisions without consensus to revisit",
        [escape(item.line()) for item in agenda.without_consensus],
    )
    _section(
        "Deep-dive candidates",
        [f"{escape(d.subject)} ({d.kind}): {escape(d.reason)}" for d in agenda.deep_dives],
    )


@review_app.command("agenda")
def agenda(
    since: Annotated[
        str | None,
        typer.Option(
            "--since", metavar="DATE", help="YYYY-MM-DD; default: the last recorded review."
        ),
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Radar changes, overdue actions, gates awaiting a decision, expired time-boxes, deep dives."""
    start = date_option(since, field="--since")
    if json:
        with open_workspace(db) as ws:
            document = documents.review_agenda(ws, since=start)
        output.emit_json(document)
        return
    with open_workspace(db) as ws:
        result = ws.reports.agenda(since=start)
    print_agenda(result)


@review_app.command("record")
def record(
    decision: Annotated[
        list[str] | None, typer.Option("--decision", help="A decision taken (repeat).")
    ] = None,
    attendee: Annotated[
        list[str] | None, typer.Option("--attendee", help="Who attended (repeat).")
    ] = None,
    notes: Annotated[str, typer.Option("--note", help="Notes of the meeting.")] = "",
    old_notes: Annotated[str | None, renamed("--notes", "--note")] = None,
    on: Annotated[
        str | None,
        typer.Option("--on", metavar="DATE", help="When it was held, YYYY-MM-DD; default: today."),
    ] = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Store the meeting's decisions; the next agenda starts from this date."""
    held = date_option(on, field="--on")
    notes = either(notes, old_notes) or ""
    with open_workspace(db, by) as ws:
        meeting = ws.reports.record_review(
            attendees=attendee or [], decisions=decision or [], notes=notes, held_on=held
        )
    if json:
        output.emit_json(meeting.to_dict())
    else:
        output.console.print(
            f"Recorded the review of {meeting.held_on.isoformat()}: "
            f"{len(meeting.decisions)} decision(s)."
        )


@review_app.command("list")
def list_(db: DbOption = None, json: JsonOption = False) -> None:
    """List the recorded reviews and their decisions."""
    with open_workspace(db) as ws:
        meetings = ws.reports.reviews()
    if json:
        output.emit_json({"reviews": [m.to_dict() for m in meetings]})
        return
    if not meetings:
        output.console.print("No reviews recorded yet: assay review record --decision TEXT")
    for m in meetings:
        people = ", ".join(m.attendees) or "—"
        output.console.print(f"[bold]{m.held_on.isoformat()}[/] ({escape(people)})")
        for text in m.decisions:
            output.console.print(f"  - {escape(text)}", highlight=False)
        if m.notes:
            output.console.print(f"  notes: {escape(m.notes)}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(review_app, name="review")
