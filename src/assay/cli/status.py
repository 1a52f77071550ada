"""``assay status``: what needs attention now."""

from __future__ import annotations

import typer
from rich.markup import escape

from assay.cli import output
from assay.cli.common import DbOption, JsonOption, open_workspace
from assay.workspace import documents


def status(db: DbOption = None, json: JsonOption = False) -> None:
    """Kill criteria that fire, expired time-boxes, gates awaiting a decision, everything
    overdue (next actions, post-mortem actions, predictions), stale blips."""
    if json:
        with open_workspace(db) as ws:
            document = documents.status(ws)
        output.emit_json(document)
        return
    with open_workspace(db) as ws:
        result = ws.reports.status()
        stale = ws.radar.stale(today=result.today)
    console = output.console
    console.print(f"[bold]{result.active}[/] active prototype(s), {result.today.isoformat()}")
    for flag in result.killed:
        output.prose(f"[bold red]kill criteria fire[/] {escape(flag.prototype)}:")
        for text in flag.fired:
            output.prose(escape(text), bullet="  ")
    for flag in result.expired:
        output.prose(
            f"[bold red]time-box expired[/] {escape(flag.prototype)} (ended {flag.timebox_end})"
        )
    for gate in result.awaiting:
        output.prose(
            f"[bold yellow]awaiting a decision[/] {escape(gate.prototype)}, {gate.stage.value} "
            f"gate: recommended {gate.recommended.label}"
        )
    for late in result.overdue:
        output.prose(f"[bold red]overdue[/] {escape(late.describe(result.today))}")
    for item in result.reopened:  # decisions reopened (issue 14)
        output.prose(f"[bold magenta]reopened[/] {escape(item.line())}")
    for note in result.rollouts:  # issue 14
        style = "bold red" if note.attention else "cyan"
        output.prose(f"[{style}]rollout[/] {escape(note.describe())}")
    for blip in stale:
        output.prose(
            f"[magenta]stale[/] {escape(blip.technique)} ({blip.ring.value}): "
            + escape("; ".join(blip.reasons))
        )
    if not (result.needs_attention or stale):
        console.print("[green]Nothing needs attention.[/]")


def register(app: typer.Typer) -> None:
    app.command("status")(status)
