"""``assay rollout``: the production ramp of a technique behind a feature flag, with the
A/B evidence at each step (see docs/rollouts.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from assay.cli import output
from assay.cli.common import ByOption, DbOption, JsonOption, date_option, open_workspace
from assay.errors import InputError

if TYPE_CHECKING:
    from assay.pipeline.rollout import Rollout

rollout_app = typer.Typer(
    help="Production rollouts: the ramp behind a feature flag, A/B evidence at each step, "
    "rollbacks.",
    no_args_is_help=True,
)

TechniqueArg = Annotated[str, typer.Argument(metavar="TECHNIQUE", help="The technique's name.")]
PercentOption = Annotated[
    str,
    typer.Option(
        "--percent", metavar="PERCENT", help="The share of traffic behind the flag: 1, 5, 25..."
    ),
]
OnOption = Annotated[
    str | None,
    typer.Option(
        "--on", metavar="DATE", help="The day the flag changed, YYYY-MM-DD; default: today."
    ),
]
AbOption = Annotated[
    list[str] | None,
    typer.Option("--ab", metavar="RUN", help="An A/B run (assay ab analyze) as evidence (repeat)."),
]
OverrideOption = Annotated[
    str | None,
    typer.Option(
        "--override",
        metavar="REASON",
        help="Step up without the evidence the rule needs (approvers; recorded and shown).",
    ),
]
NoteOption = Annotated[str, typer.Option("--note", help="A note kept with the step.")]


def _percent(text: str) -> float:
    cleaned = text.strip().removesuffix("%").strip()
    try:
        return float(cleaned)
    except ValueError:
        raise InputError(
            f"--percent {text!r} is not a number; give a share of traffic: 5"
        ) from None


def _evidence_cell(rollout_step: object) -> str:
    from assay.pipeline.rollout import Step

    assert isinstance(rollout_step, Step)
    if not rollout_step.evidence:
        return "—"
    return "\n".join(escape(e.describe()) for e in rollout_step.evidence)


def _notes(rollout: Rollout, index: int) -> str:
    step = rollout.steps[index]
    parts = []
    if step.reason:
        parts.append(escape(step.reason))
    if step.override is not None:
        waived = "; ".join(step.waived)
        parts.append(f"[bold red]override: {escape(step.override)}[/] (waived: {escape(waived)})")
    return "\n".join(parts)


def print_rollout(rollout: Rollout) -> None:
    """One rollout as a table: date, step, A/B evidence, who, notes."""
    table = output.table(
        output.Column("Date", output.Kind.DATE),
        output.Column("Step", output.Kind.LABEL),
        output.Column("A/B evidence", output.Kind.TEXT, ratio=3),
        output.Column("By", output.Kind.NAMES),
        output.Column("Notes", output.Kind.TEXT, ratio=2),
        title=(
            f"{escape(rollout.technique)}: rollout #{rollout.number} (flag "
            f"{escape(rollout.flag)}), {rollout.stage()}"
        ),
    )
    for i, step in enumerate(rollout.steps):
        kind = "" if step.kind.value == "rollback" else f"{step.kind.value} "
        table.add_row(
            step.on.isoformat(),
            kind + step.label(),
            _evidence_cell(step),
            escape(step.by),
            _notes(rollout, i),
        )
    output.console.print(table)


def _done(rollout: Rollout, json: bool, verb: str) -> None:
    if json:
        output.emit_json(rollout.to_dict())
        return
    output.prose(
        f"{verb} {escape(rollout.technique)} (flag {escape(rollout.flag)}): {rollout.stage()}"
    )
    step = rollout.current
    for found in step.evidence:
        output.prose(escape(found.describe()), bullet="  - ")
    if step.override is not None:
        output.warn(f"override by {step.by}: {step.override} (waived: {'; '.join(step.waived)})")


@rollout_app.command("start")
def start(
    technique: TechniqueArg,
    flag: Annotated[str, typer.Option("--flag", metavar="NAME", help="The feature flag's key.")],
    percent: PercentOption = "1",
    on: OnOption = None,
    ab: AbOption = None,
    note: NoteOption = "",
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Start rolling a validated technique out behind a feature flag (TRIAL/ADOPT, or a
    YES at its Validation or Integration gate)."""
    day = date_option(on, field="--on")
    share = _percent(percent)
    with open_workspace(db, by) as ws:
        rollout = ws.rollouts.start(
            technique, flag=flag, percent=share, on=day, ab=ab or [], note=note
        )
    _done(rollout, json, "Started")


@rollout_app.command("step")
def step(
    technique: TechniqueArg,
    percent: PercentOption,
    on: OnOption = None,
    ab: AbOption = None,
    override: OverrideOption = None,
    note: NoteOption = "",
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Step the rollout up; the step it leaves must carry A/B evidence whose guardrails
    hold. 100 completes it."""
    day = date_option(on, field="--on")
    share = _percent(percent)
    with open_workspace(db, by) as ws:
        rollout = ws.rollouts.step(
            technique, percent=share, on=day, ab=ab or [], override=override, note=note
        )
    _done(rollout, json, "Stepped")


@rollout_app.command("complete")
def complete(
    technique: TechniqueArg,
    on: OnOption = None,
    ab: AbOption = None,
    override: OverrideOption = None,
    note: NoteOption = "",
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Step the rollout to 100% (the same evidence rule as a step)."""
    day = date_option(on, field="--on")
    with open_workspace(db, by) as ws:
        rollout = ws.rollouts.complete(technique, on=day, ab=ab or [], override=override, note=note)
    _done(rollout, json, "Completed")


@rollout_app.command("rollback")
def rollback(
    technique: TechniqueArg,
    reason: Annotated[
        str,
        typer.Option("--reason", help="Why the flag was turned off (what the evidence showed)."),
    ],
    on: OnOption = None,
    ab: AbOption = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Record a rollback: who, when, why, at what percentage, with its evidence."""
    day = date_option(on, field="--on")
    with open_workspace(db, by) as ws:
        rollout = ws.rollouts.rollback(technique, reason=reason, on=day, ab=ab or [])
    _done(rollout, json, "Rolled back")


@rollout_app.command("evidence")
def evidence(
    technique: TechniqueArg,
    ab: Annotated[
        list[str], typer.Option("--ab", metavar="RUN", help="An A/B run to attach (repeat).")
    ],
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Attach A/B runs to the current step of the technique's rollout."""
    with open_workspace(db, by) as ws:
        rollout = ws.rollouts.attach(technique, ab)
    _done(rollout, json, "Attached evidence to")


@rollout_app.command("show")
def show(technique: TechniqueArg, db: DbOption = None, json: JsonOption = False) -> None:
    """The technique's rollouts, step by step, with each step's A/B evidence."""
    with open_workspace(db) as ws:
        history = ws.rollouts.history(technique)
        name = ws.radar.get(technique).name
    if json:
        output.emit_json(
            {
                "technique": name,
                "current": history[-1].to_dict() if history else None,
                "rollouts": [r.to_dict() for r in history],
            }
        )
        return
    if not history:
        output.prose(
            f"{escape(name)} has no rollout; start one: assay rollout start "
            f"{escape(repr(name))} --flag NAME --percent 1"
        )
        return
    for rollout in reversed(history):
        print_rollout(rollout)


@rollout_app.command("list")
def list_(db: DbOption = None, json: JsonOption = False) -> None:
    """Where each technique's newest rollout stands: "25% since 2026-12-01", rolled back,
    complete."""
    with open_workspace(db) as ws:
        latest = ws.rollouts.latest()
    if json:
        output.emit_json({"rollouts": [r.to_dict() for r in latest.values()]})
        return
    if not latest:
        output.prose("No rollouts yet: assay rollout start TECHNIQUE --flag NAME --percent 1")
        return
    table = output.table(
        output.Column("Technique", output.Kind.NAMES),
        output.Column("#", output.Kind.NUMBER),
        output.Column("Flag", output.Kind.ID),
        output.Column("Stage", output.Kind.TEXT),
        output.Column("A/B runs", output.Kind.NUMBER),
    )
    for name, rollout in latest.items():
        table.add_row(
            escape(name),
            str(rollout.number),
            escape(rollout.flag),
            rollout.stage(),
            str(len(rollout.current.evidence)),
        )
    output.console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(rollout_app, name="rollout")
