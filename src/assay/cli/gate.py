"""``assay gate``: review a prototype's gate, decide it, check kill criteria, export MADR."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.text import Text

from assay.cli import files, output
from assay.cli.common import ByOption, DbOption, JsonOption, open_workspace
from assay.cli.options import LENIENT_CHOICES
from assay.criteria import Evaluation
from assay.errors import InputError
from assay.pipeline.gates import Answer
from assay.pipeline.prototype import Stage
from assay.store.study import GateReview
from assay.workspace import documents

gate_app = typer.Typer(
    help="Gates: the recommended answer from the evidence, decisions, CI checks, MADR export.",
    no_args_is_help=True,
    context_settings=LENIENT_CHOICES,  # "not yet" and not_yet are not-yet
)

NameArgument = Annotated[str, typer.Argument(help="The prototype (any case).")]

ANSWER_STYLE = {Answer.YES: "bold green", Answer.NO: "bold red", Answer.NOT_YET: "bold yellow"}
OUTCOME_STYLE = {"PASS": "green", "FAIL": "bold red", "UNDETERMINED": "yellow"}


def _criteria_table(review: GateReview) -> output.Sheet:
    table = output.table(
        output.Column("Kind", output.Kind.LABEL),
        output.Column("Criterion", output.Kind.NAMES, ratio=2),  # expressions stay whole
        output.Column("Outcome", output.Kind.LABEL),
        output.Column("Evidence", ratio=4),
        title="Criteria",
        expand=True,
    )
    for item in review.criteria:
        evaluation = item.evaluation
        reason = _because(evaluation)
        for child in evaluation.children:
            reason += f"\n• {child.outcome.value} {child.expression}: {_because(child)}"
        table.add_row(
            item.kind,
            escape(item.criterion.canonical),
            Text(item.outcome.value, style=OUTCOME_STYLE[item.outcome.value]),
            escape(reason),
        )
    return table


def _because(evaluation: Evaluation) -> str:
    """The evaluation's summary without its outcome and expression (shown beside it)."""
    text = evaluation.summary()
    prefix = f"{evaluation.outcome.value}  {evaluation.expression}: "
    return text[len(prefix) :] if text.startswith(prefix) else text


def print_review(review: GateReview) -> None:
    """The review for people: the answer, its reasons, every criterion, the checks."""
    rec = review.recommendation
    console = output.console
    output.prose(
        f"[bold]{escape(review.prototype)}[/] ({escape(review.technique)}), "
        f"{rec.stage.value} gate: {rec.question}"
    )
    console.print(
        Text("recommended: ", style="bold").append(rec.answer.label, ANSWER_STYLE[rec.answer])
    )
    for reason in rec.reasons:
        output.prose(escape(reason), bullet="  - ")
    if rec.criteria:
        console.print(_criteria_table(review))
    for check in rec.checks:
        state = "[green]met[/]" if check.passed else "[bold red]NOT met[/]"
        output.prose(f"stage check {state}: {escape(check.name)}: {escape(check.detail)}")
    if review.sources:
        sources = sorted(set(review.sources.values()))
        output.prose("evidence: " + escape("; ".join(sources)))
    _print_pins(review)
    frozen = "frozen" if review.frozen else "not frozen yet"
    output.prose(f"[dim]criteria {frozen}; runs judging: {', '.join(review.runs) or 'none'}[/]")
    for warning in review.warnings:
        output.warn(escape(warning))


def _print_pins(review: GateReview) -> None:
    """Beside the review (issue 10): the gate on the amended criteria, the newest
    decision with the runs it was decided on, and the evidence that arrived since."""
    console = output.console
    amended = review.amended
    if amended is not None:
        output.prose(
            Text("as amended after the freeze: ", style="bold")
            .append(amended.answer.label, ANSWER_STYLE[amended.answer])
            .append(" (decisions are compared with the registered criteria above)")
        )
        registered = {item.criterion.canonical for item in review.criteria}
        for item in amended.criteria:
            if item.criterion.canonical not in registered:
                summary = escape(item.evaluation.summary())
                output.prose(f"amended {item.kind}: {summary}", bullet="  ")
    pin = review.decided
    if pin is None:
        return
    runs = ", ".join(pin.runs) or "no run"
    when = f" at the {pin.stage.value} gate on {pin.at:%Y-%m-%d} by {pin.by}"
    output.prose(
        Text("decided: ", style="bold")
        .append(pin.answer.label, ANSWER_STYLE[pin.answer])
        .append(f"{when}, on run(s) {runs}")
    )
    for decided in pin.criteria:
        reason = f"{escape(decided.criterion)}: {escape(decided.reason)}"
        output.prose(f"{decided.outcome} {reason}", bullet="  ")
    if pin.since is None:
        console.print("no new evidence since the decision")
        return
    output.prose(
        Text(f"new evidence since the decision (run(s) {', '.join(pin.since_runs)}): ", "bold")
        .append(pin.since.answer.label, ANSWER_STYLE[pin.since.answer])
        .append(" on these runs alone")
    )
    for since in pin.since.criteria:
        output.prose(escape(since.evaluation.summary()), bullet="  ")


@gate_app.command("review")
def review(name: NameArgument, db: DbOption = None, json: JsonOption = False) -> None:
    """Every criterion with its evaluation and the evidence behind it, and a recommended answer."""
    if json:
        with open_workspace(db) as ws:
            document = documents.gate_review(ws, name)
        output.emit_json(document)
        return
    with open_workspace(db) as ws:
        result = ws.prototypes.review(name)
    print_review(result)


def _advocates(texts: list[str] | None) -> list[tuple[str, str]]:
    pairs = []
    for text in texts or []:
        who, sep, position = text.partition("=")
        if not sep or not who.strip() or not position.strip():
            raise InputError(
                f"--advocate {text!r} is not NAME=POSITION; for example --advocate 'Marco=no: "
                "the P99 gain is within noise'"
            )
        pairs.append((who.strip(), position.strip()))
    return pairs


@gate_app.command("decide")
def decide(
    name: NameArgument,
    answer: Annotated[
        Answer, typer.Argument(case_sensitive=False, help="The answer.", show_default=False)
    ],
    why: Annotated[str, typer.Option("--why", help="What the decision rests on.")],
    conditions: Annotated[
        str, typer.Option("--conditions", help="Conditions attached to the answer.")
    ] = "",
    override: Annotated[
        bool,
        typer.Option(
            "--override", help="Decide against the recommendation; marked as an override for good."
        ),
    ] = False,
    advocate: Annotated[
        list[str] | None,
        typer.Option("--advocate", help="Who argued what: NAME=POSITION (repeat)."),
    ] = None,
    revisit_when: Annotated[
        list[str] | None,
        typer.Option(
            "--revisit-when",
            metavar="CONDITION",
            help="When to look again (repeat, or separate with ;): 'on 2027-03-01', "
            "change(METRIC), a criteria expression, or text (not checked by assay).",
        ),
    ] = None,
    dissent: Annotated[
        list[str] | None,
        typer.Option(
            "--dissent",
            metavar="NAME:REASON",
            help="Who disagreed and why (repeat; NAME is a registered user): the decision is "
            "marked without consensus and revisited (default: 'on' a date 90 days on).",
        ),
    ] = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Answer the gate (approver or admin only); refused decisions leave no trace. A NO
    needs the prototype's learnings first (assay learning add)."""
    from assay.pipeline.learnings import parse_dissent

    parsed = answer
    pairs = _advocates(advocate)
    dissents = [parse_dissent(text) for text in dissent or []]
    with open_workspace(db, by) as ws:
        record = ws.prototypes.decide(
            name,
            parsed,
            why=why,
            conditions=conditions,
            override=override,
            advocates=pairs,
            revisit_when=revisit_when or [],
            dissents=dissents,
        )
        after = ws.prototypes.get(name)
    if json:
        output.emit_json(record.to_dict())
        return
    d = record.decision
    mark = " [bold red](override: recommended " + d.recommended.label + ")[/]" if d.override else ""
    output.console.print(
        f"Recorded {d.stage.value} gate of [bold]{escape(record.prototype)}[/]: "
        f"[{ANSWER_STYLE[d.answer]}]{d.answer.label}[/]{mark} by {escape(d.decided_by)}."
    )
    runs = ", ".join(record.runs) or "no run"
    output.console.print(
        f"Decided on run(s) {runs}; later runs are shown apart, as new evidence since."
    )
    _print_dissents(d.dissents, d.revisit_when)
    amended = record.recommendation.get("amended")
    if amended:
        output.console.print(
            f"Compared with the registered criteria (recommended {d.recommended.label}); "
            f"as amended after the freeze they recommend {Answer(amended['answer']).label}."
        )
    if after.status == "active" and after.stage is not d.stage:
        output.console.print(f"{escape(after.name)} moves to {after.stage.value}.")
    elif after.status != "active":
        output.console.print(f"{escape(after.name)} is now {after.status}.")


def _print_dissents(dissents: tuple[tuple[str, str], ...], revisit_when: str) -> None:
    """A decision without consensus: who disagreed and why, and when it is revisited."""
    if not dissents:
        return
    output.prose("[bold yellow]Without consensus[/]; dissent on the record:")
    for who, why in dissents:
        output.prose(f"{escape(who)}: {escape(why)}", bullet="  - ")
    dates = [c.strip() for c in revisit_when.split(";") if c.strip().lower().startswith("on ")]
    when = dates[0][3:].strip() if dates else "its revisit-when condition"
    output.prose(
        f"Revisit on {escape(when)}: the review agenda brings it back then "
        "(--revisit-when 'on DATE' to choose another day)."
    )


@gate_app.command("check")
def check(
    name: Annotated[
        str | None, typer.Argument(help="One prototype; default: every active one.")
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Also fail on a success criterion that FAILs, a stale TRIAL or ADOPT "
            "technique and an amendment written after data, one line each.",
        ),
    ] = False,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Exit with 1 when any kill criterion fires (for CI); 0 otherwise."""
    if strict:
        _strict_check(name, db, json)
        return
    with open_workspace(db) as ws:
        results = ws.prototypes.check(name)
    fired = [r for r in results if r.fired]
    if json:
        output.emit_json({"fired": bool(fired), "prototypes": [r.to_dict() for r in results]})
    else:
        for result in results:
            if result.fired:
                output.console.print(f"[bold red]KILL[/] {escape(result.prototype)}:")
                for item in result.fired:
                    output.console.print(
                        f"  {item.kind} criterion fires: {escape(item.criterion.canonical)}: "
                        f"{escape(item.evaluation.reason)}"
                    )
            else:
                output.console.print(f"[green]ok[/] {escape(result.prototype)}")
            if result.timebox_expired:
                output.warn(f"the time-box of {escape(result.prototype)} has expired")
        if not results:
            output.console.print("No active prototypes to check.")
    if fired:
        raise typer.Exit(1)


def _strict_check(name: str | None, db: str | None, json: bool) -> None:
    """``gate check --strict``: every problem on one line (the rules are in
    :mod:`assay.workspace.gate_check`), exit 1 when there is any."""
    with open_workspace(db) as ws:
        report = ws.prototypes.strict_check(name)
    if json:
        output.emit_json(report.to_dict())
    else:
        for line in report.lines:
            output.console.print(escape(line), style="bold red", soft_wrap=True)
        for result in report.checks:
            if not (result.fired or result.failing or result.amended_after_data):
                output.console.print(f"[green]ok[/] {escape(result.prototype)}")
        if not report.checks and not report.lines:
            output.console.print("No active prototypes to check.")
    if report.failed:
        raise typer.Exit(1)


@gate_app.command("export")
def export(
    name: NameArgument,
    madr: Annotated[bool, typer.Option("--madr", help="As a MADR 4 decision record.")] = False,
    out: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to FILE instead of stdout.")
    ] = None,
    stage: Annotated[
        Stage | None,
        typer.Option(
            "--stage", case_sensitive=False, help="The gate to export; default: the newest."
        ),
    ] = None,
    force: files.ForceOption = False,
    db: DbOption = None,
) -> None:
    """Export the newest gate decision as a decision record (MADR 4 Markdown)."""
    if not madr:
        raise InputError("choose the format of the record: --madr (MADR 4 Markdown)")
    if out is not None:
        files.check_output(out, force=force, db=db)
    with open_workspace(db) as ws:
        text = ws.prototypes.madr(name, stage=stage)
    if out is None:
        output.console.print(text, markup=False, highlight=False, emoji=False, soft_wrap=True)
        return
    files.write_text(out, text)
    output.console.print(f"Wrote the decision record to {escape(str(out))}.")


@gate_app.command("history")
def history(
    name: Annotated[str | None, typer.Argument(help="One prototype; default: all.")] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """List gate decisions, oldest first, overrides marked."""
    with open_workspace(db) as ws:
        records = ws.prototypes.decisions(name)
    if json:
        output.emit_json({"decisions": [r.to_dict() for r in records]})
        return
    if not records:
        output.console.print("No gate decisions yet.")
        return
    table = output.table(  # atoms stacked in a cell, one a line, so 80 columns hold them
        output.Column("When, gate", output.Kind.DATE),
        output.Column("Prototype, by", output.Kind.ID),
        output.Column("Answer (recommended)"),
        output.Column("Why", ratio=2),
        expand=True,
    )
    for r in records:
        d = r.decision
        answer = Text(d.answer.label, style=ANSWER_STYLE[d.answer])
        if d.override:
            answer.append(" OVERRIDE", style="bold red")
        answer.append(f"\n({d.recommended.label})", style="dim")
        why = Text(d.why)
        for who, reason in d.dissents:  # without consensus (issue 16)
            why.append(f"\ndissent {who}: {reason}", style="yellow")
        table.add_row(
            f"{d.at:%Y-%m-%d}\n{d.stage.value}",
            Text(f"{r.prototype}\n{d.decided_by}"),
            answer,
            why,
        )
    output.console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(gate_app, name="gate")
