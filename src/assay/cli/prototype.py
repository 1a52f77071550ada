"""``assay prototype``: prototypes with pre-registered criteria, their evidence and facts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from assay.cli import files, output
from assay.cli.common import ByOption, DbOption, JsonOption, open_workspace
from assay.cli.options import LENIENT_CHOICES, Portfolio
from assay.criteria import CriteriaSyntaxError, parse
from assay.errors import InputError
from assay.pipeline.prototype import Prototype, Registration, Stage, Strategy, TimeBox
from assay.store.prototypes import PrototypeRecord
from assay.workspace.evidence import parse_point

if TYPE_CHECKING:
    from assay.workspace.evidence_runs import Judge

prototype_app = typer.Typer(
    help="Prototypes: a hypothesis, pre-registered success and kill criteria, a time-box.",
    no_args_is_help=True,
    context_settings=LENIENT_CHOICES,
)

NameArgument = Annotated[str, typer.Argument(help="The prototype's name (any case).")]
PortfolioOption = Annotated[
    Portfolio | None,
    typer.Option("--portfolio", case_sensitive=False, help="The share of effort it belongs to."),
]


def _criteria(texts: list[str] | None, flag: str) -> list[str] | None:
    """Check each criterion now, so a mistake names the flag and nothing is written."""
    if texts is None:
        return None
    for index, text in enumerate(texts, start=1):
        try:
            parse(text)
        except CriteriaSyntaxError as error:
            raise error.in_field(f"{flag} #{index}") from None
    return texts


def _from_flags(
    technique: str | None,
    name: str | None,
    hypothesis: str | None,
    success: list[str] | None,
    kill: list[str] | None,
    soft_kill: list[str] | None,
    requirement: list[str] | None,
    timebox: str | None,
    stage: Stage,
    strategy: Strategy | None,
    evidence: list[str] | None,
) -> Prototype:
    if technique is None or name is None:
        raise InputError("give TECHNIQUE and NAME, or a file with --from prototype.toml")
    files.check_sources(evidence or [], "--evidence")
    if hypothesis is None or not hypothesis.strip():
        raise InputError(
            "a prototype needs --hypothesis, in words, before the data exists: "
            '"reduces P99 latency by >20% without losing more than 1 point of accuracy"'
        )
    box = None if timebox is None else TimeBox.parse(timebox, start=dt.date.today())
    registration = Registration.build(
        hypothesis=hypothesis,
        success=_criteria(success, "--success") or [],
        kill=_criteria(kill, "--kill") or [],
        soft_kill=_criteria(soft_kill, "--soft-kill") or [],
        requirements=requirement or [],
        timebox_end=box.end if box else None,
    )
    return Prototype(
        name=name,
        technique=technique,
        registration=registration,
        stage=stage,
        strategy=strategy,
        timebox=box,
        evidence=tuple(evidence or ()),
    )


@prototype_app.command("new")
def new(
    technique: Annotated[
        str | None, typer.Argument(help="The technique on the radar it tests.")
    ] = None,
    name: Annotated[str | None, typer.Argument(help="A short unique name.")] = None,
    from_file: Annotated[
        Path | None,
        typer.Option("--from", help="Read everything from a prototype.toml (see the docs)."),
    ] = None,
    hypothesis: Annotated[
        str | None, typer.Option("--hypothesis", help="The hypothesis, in words.")
    ] = None,
    success: Annotated[
        list[str] | None,
        typer.Option("--success", help="A success criterion (repeat for more); all must PASS."),
    ] = None,
    kill: Annotated[
        list[str] | None,
        typer.Option("--kill", help="A hard kill criterion: must hold; when it FAILs, NO."),
    ] = None,
    soft_kill: Annotated[
        list[str] | None,
        typer.Option("--soft-kill", help="A soft kill criterion: when it FAILs, decide."),
    ] = None,
    requirement: Annotated[
        list[str] | None,
        typer.Option(
            "--requirement", help='A qualitative requirement ("works with our tokenizer").'
        ),
    ] = None,
    timebox: Annotated[
        str | None, typer.Option("--timebox", help="Days it may take (5d, 2w) or its last day.")
    ] = None,
    stage: Annotated[
        Stage, typer.Option("--stage", case_sensitive=False, help="The stage it starts at.")
    ] = Stage.DISCOVERY,
    strategy: Annotated[
        Strategy | None,
        typer.Option("--strategy", case_sensitive=False, help="How the technique is implemented."),
    ] = None,
    evidence: Annotated[
        list[str] | None,
        typer.Option("--evidence", help="A benchmark file or module whose runs count (repeat)."),
    ] = None,
    chosen_portfolio: PortfolioOption = None,
    candidate: Annotated[
        str | None,
        typer.Option("--candidate", help="The benchmark method that is the technique."),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="The sweep point the criteria are judged at, e.g. n=4096."),
    ] = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Register a prototype of a technique, from flags or from --from prototype.toml."""
    portfolio: str | None = chosen_portfolio
    point = None if at is None else parse_point(at)
    extras: dict[str, Any] = {"facts": None, "cost_inputs": None, "base": Path.cwd()}
    if from_file is not None:
        from assay.workspace.prototype_file import read_prototype_file

        read = read_prototype_file(from_file, today=dt.date.today())
        prototype = read.prototype
        if technique is not None or name is not None:
            import dataclasses

            prototype = dataclasses.replace(
                prototype, technique=technique or prototype.technique, name=name or prototype.name
            )
        portfolio = portfolio or read.portfolio
        candidate = candidate or read.candidate
        point = point or read.point
        extras = {"facts": read.facts, "cost_inputs": read.cost_inputs, "base": read.base}
    else:
        prototype = _from_flags(
            technique, name, hypothesis, success, kill, soft_kill, requirement,
            timebox, stage, strategy, evidence,
        )  # fmt: skip
    with open_workspace(db, by) as ws:
        record = ws.prototypes.new(
            prototype, portfolio=portfolio, candidate=candidate, point=point, **extras
        )
    if json:
        output.emit_json(record.to_dict())
    else:
        output.console.print(
            f"Registered [bold]{escape(record.name)}[/] for {escape(record.technique)} "
            f"at {record.stage.value}: {len(record.registration.success)} success and "
            f"{len(record.registration.kill)} kill criteria. They freeze when the first run "
            "that judges them starts."
        )


def _timebox(record: PrototypeRecord, today: dt.date) -> Text:
    box = record.prototype.timebox
    if box is None:
        return Text("—", style="dim")
    if box.expired(today):
        return Text(f"EXPIRED {box.end.isoformat()}", style="bold red")
    return Text(f"{box.end.isoformat()} ({box.days_left(today)} days left)")


def _timebox_lines(record: PrototypeRecord, today: dt.date) -> Text:
    """The time-box's end above its days left (or EXPIRED): a line each, for a table."""
    box = record.prototype.timebox
    if box is None:
        return Text("—", style="dim")
    if box.expired(today):
        return Text(f"{box.end.isoformat()}\n").append("EXPIRED", style="bold red")
    return Text(f"{box.end.isoformat()}\n{box.days_left(today)} days left")


@prototype_app.command("list")
def list_(db: DbOption = None, json: JsonOption = False) -> None:
    """List every prototype with its stage, status, time-box and evidence."""
    with open_workspace(db) as ws:
        records = ws.prototypes.list()
        runs = {r.name: ws.prototypes.judging_runs(r.name) for r in records}
    if json:
        output.emit_json({"prototypes": [r.to_dict() | _runs_json(runs[r.name]) for r in records]})
        return
    if not records:
        output.console.print(
            "No prototypes yet. Register one: assay prototype new TECHNIQUE NAME --hypothesis ..."
        )
        return
    today = dt.date.today()
    table = output.table(  # atoms stacked in a cell, one a line, so 80 columns hold them
        output.Column("Prototype", output.Kind.ID),
        output.Column("Technique"),
        output.Column("Stage, status", output.Kind.LABEL),
        output.Column("Time-box ends, frozen", output.Kind.DATE),
        output.Column("Runs", output.Kind.NUMBER, justify="right"),
        expand=True,
    )
    for r in records:
        frozen = r.freeze.at.date().isoformat() if r.freeze else "not frozen"
        table.add_row(
            Text(r.name),
            Text(r.technique),
            f"{r.stage.value}\n{r.status}",
            _timebox_lines(r, today).append(f"\n{frozen}"),
            str(len(runs[r.name])),
        )
    output.console.print(table)


def _counts_because(judge: Judge) -> str:
    link = judge.link
    if link is None:
        return "ran a declared benchmark file"
    online = " (online A/B)" if link.online_ab else ""
    return f"linked by {link.by} ({link.kind}{online})"


def _runs_json(runs: Sequence[Judge]) -> dict[str, Any]:
    """The judging runs for ``--json``: what ``Runs`` counts and ``show`` lists."""
    return {
        "judging_runs": [
            {
                "run": j.run_id,
                "began": j.started_at.isoformat(),
                "linked": j.link is not None,
                "counts_because": _counts_because(j),
                "state": j.state,
            }
            for j in runs
        ]
    }


def _runs_table(runs: Sequence[Judge]) -> output.Sheet:
    table = output.table(
        output.Column("Run", output.Kind.ID),
        output.Column("Began (UTC)", output.Kind.DATE),
        output.Column("Counts because"),
        output.Column("State", output.Kind.LABEL),
        title=f"Runs that are evidence ({len(runs)})",
    )
    for judge in runs:
        began = f"{judge.started_at:%Y-%m-%d %H:%M}"
        table.add_row(judge.run_id, began, escape(_counts_because(judge)), judge.state)
    return table


def prototype_panel(record: PrototypeRecord, runs: Sequence[Judge] = ()) -> Panel:
    """The prototype for people: registration, freeze, amendments, evidence, facts,
    and the runs that are its evidence (``runs``: linked, or of a declared file)."""
    today = dt.date.today()
    reg = record.registration
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column(overflow="fold")
    facts.add_row("Technique", escape(record.technique))
    facts.add_row("Stage", f"{record.stage.value}: {record.stage.question}")
    facts.add_row("Status", record.status)
    facts.add_row("Hypothesis", escape(reg.hypothesis))
    for criterion in reg.success:
        facts.add_row("Success", escape(criterion.canonical))
    for kill in reg.kill:
        facts.add_row(f"Kill ({kill.severity.value})", escape(kill.criterion.canonical))
    for requirement in reg.requirements:
        facts.add_row("Requirement", escape(requirement))
    facts.add_row("Time-box", _timebox(record, today))
    strategy = record.prototype.strategy
    facts.add_row("Strategy", strategy.value if strategy else "—")
    facts.add_row("Portfolio", record.portfolio or "—")
    facts.add_row("Judged at", _judged_at(record))
    frozen = "not yet (freezes when the first run that judges it starts)"
    if record.freeze:
        frozen = f"{record.freeze.at:%Y-%m-%d %H:%M} UTC, hash {record.freeze.content_hash[:16]}"
        from assay.workspace.audit import criteria_problem  # issue 11: tampering shown

        problem = criteria_problem(record)
        if problem is not None:
            frozen = f"[bold red]TAMPERED[/]: {escape(problem)}"
    facts.add_row("Frozen", frozen)
    facts.add_row("Evidence", escape(", ".join(record.evidence_files)) or "—")
    parts: list[Any] = [facts]
    if record.amendments:
        parts += [Text(""), Text("Amendments", style="bold yellow")]
        for a in record.amendments:
            parts.append(
                Text(f"{a.at:%Y-%m-%d %H:%M} by {a.by}: {a.reason}\n  " + "\n  ".join(a.changes))
            )
    if runs:
        parts += [Text(""), _runs_table(runs)]
    else:
        hint = "No run is evidence yet: assay bench run FILE, or assay prototype evidence"
        parts += [Text(""), Text(hint, style="dim")]
    return Panel(Group(*parts), title=escape(record.name), title_align="left")


def _judged_at(record: PrototypeRecord) -> str:
    point = ", ".join(f"{k}={v}" for k, v in (record.point or {}).items())
    who = record.candidate or "the run's candidate"
    return f"{who} at {point or 'the largest sweep point'}"


@prototype_app.command("show")
def show(name: NameArgument, db: DbOption = None, json: JsonOption = False) -> None:
    """Show a prototype: its registration, freeze, amendments, runs and facts."""
    with open_workspace(db) as ws:
        record = ws.prototypes.get(name)
        decisions = ws.prototypes.decisions(name)
        runs = ws.prototypes.judging_runs(name)
    if json:
        from assay.workspace.audit import criteria_problem  # issue 11: tampering shown

        data = record.to_dict() | _runs_json(runs)
        if record.freeze is not None:
            data["frozen"] = dict(data["frozen"]) | {"tampered": criteria_problem(record)}
        output.emit_json(data | {"decisions": [d.to_dict() for d in decisions]})
        return
    output.console.print(prototype_panel(record, runs))
    for d in decisions:
        mark = " [bold red]OVERRIDE[/]" if d.decision.override else ""
        output.prose(
            f"{d.decision.stage.value} gate: [bold]{d.answer.label}[/]{mark} by "
            f"{escape(d.decision.decided_by)} on {d.at:%Y-%m-%d}: {escape(d.decision.why)}"
        )


@prototype_app.command("amend")
def amend(
    name: NameArgument,
    why: Annotated[
        str, typer.Option("--why", help="Why the criteria change; required once frozen.")
    ] = "",
    hypothesis: Annotated[
        str | None, typer.Option("--hypothesis", help="A new hypothesis.")
    ] = None,
    success: Annotated[
        list[str] | None,
        typer.Option("--success", help="The success criteria, replacing them all (repeat)."),
    ] = None,
    kill: Annotated[
        list[str] | None,
        typer.Option("--kill", help="The hard kill criteria, replacing them all (repeat)."),
    ] = None,
    soft_kill: Annotated[
        list[str] | None,
        typer.Option("--soft-kill", help="The soft kill criteria, replacing them all (repeat)."),
    ] = None,
    requirement: Annotated[
        list[str] | None,
        typer.Option("--requirement", help="The requirements, replacing them all (repeat)."),
    ] = None,
    timebox: Annotated[
        str | None, typer.Option("--timebox", help="A new time-box (5d from its start, or a date).")
    ] = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Change the pre-registered content; once frozen this is an amendment, kept for good."""
    given = (hypothesis, success, kill, soft_kill, requirement, timebox)
    if all(value is None for value in given):
        raise InputError(
            "nothing to amend; give what changes: --success, --kill, --soft-kill, "
            "--requirement, --hypothesis or --timebox"
        )
    with open_workspace(db, by) as ws:
        record, amendment = ws.prototypes.amend(
            name,
            why=why,
            hypothesis=hypothesis,
            success=_criteria(success, "--success"),
            kill=_criteria(kill, "--kill"),
            soft_kill=_criteria(soft_kill, "--soft-kill"),
            requirements=requirement,
            timebox=timebox,
        )
    if json:
        output.emit_json(
            record.to_dict() | {"amendment": None if amendment is None else amendment.to_dict()}
        )
    elif amendment is None:
        output.console.print(
            f"Edited [bold]{escape(record.name)}[/] (not frozen yet, so no amendment is recorded)."
        )
    else:
        output.console.print(
            f"Amendment recorded for [bold]{escape(record.name)}[/] by {escape(amendment.by)}: "
            f"{escape(amendment.reason)}"
        )
        for line in amendment.changes:
            output.console.print(f"  {escape(line)}", highlight=False)


@prototype_app.command("evidence")
def evidence(
    name: NameArgument,
    run_id: Annotated[
        str | None, typer.Argument(help="A run to link (see: assay bench list).")
    ] = None,
    file: Annotated[
        list[str] | None,
        typer.Option("--file", help="A benchmark file or module whose runs count (repeat)."),
    ] = None,
    online_ab: Annotated[
        bool, typer.Option("--online-ab", help="The run is an online A/B comparison.")
    ] = False,
    scale: Annotated[
        float | None,
        typer.Option("--scale", help="The scale the run was made at, when it sweeps none."),
    ] = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Link a run as evidence (it freezes the criteria), or declare files whose runs count."""
    if run_id is None and not file:
        raise InputError("give a RUN_ID to link, or --file FILE whose runs count")
    files.check_sources(file or [], "--file")
    with open_workspace(db, by) as ws:
        if file:
            current = ws.prototypes.get(name).evidence_files
            record = ws.prototypes.set_details(name, evidence=[*current, *file])
        if run_id is not None:
            record = ws.prototypes.link_run(name, run_id, online_ab=online_ab, scale=scale)
    if json:
        output.emit_json(record.to_dict())
        return
    if run_id is not None:
        output.console.print(f"Linked run {run_id} to [bold]{escape(record.name)}[/].")
    if file:
        output.console.print(f"Runs of {escape(', '.join(record.evidence_files))} now count.")
    if record.freeze is not None:
        output.console.print(
            f"Criteria frozen at {record.freeze.at:%Y-%m-%d %H:%M} UTC "
            f"(hash {record.freeze.content_hash[:16]})."
        )


@prototype_app.command("facts")
def facts(
    name: NameArgument,
    declared_scale: Annotated[
        float | None,
        typer.Option("--declared-scale", help="The largest scale that matters in production."),
    ] = None,
    scale_unit: Annotated[
        str | None, typer.Option("--scale-unit", help="Its unit, e.g. tokens.")
    ] = None,
    scale_param: Annotated[
        str | None,
        typer.Option("--scale-param", help="The benchmark's sweep parameter that is the scale."),
    ] = None,
    production_data: Annotated[
        bool | None,
        typer.Option(
            "--production-data/--no-production-data",
            help="The evaluation data is production-representative.",
        ),
    ] = None,
    strongest_baseline: Annotated[
        str | None,
        typer.Option(
            "--strongest-baseline",
            help="Record the baseline as the strongest available, with this justification.",
        ),
    ] = None,
    rollout_plan: Annotated[
        str | None, typer.Option("--rollout-plan", help="The rollout plan (integration).")
    ] = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Record the facts the validation and integration gates check."""
    changes: dict[str, Any] = {
        "declared_scale": declared_scale,
        "scale_unit": scale_unit,
        "scale_param": scale_param,
        "production_representative": production_data,
        "rollout_plan": rollout_plan,
    }
    if strongest_baseline is not None:
        changes |= {"baseline_strongest": True, "baseline_justification": strongest_baseline}
    if all(value is None for value in changes.values()):
        raise InputError(
            "no fact given; record at least one: --declared-scale, --production-data, "
            "--strongest-baseline, --rollout-plan..."
        )
    with open_workspace(db, by) as ws:
        record = ws.prototypes.set_facts(name, **changes)
    if json:
        output.emit_json(record.to_dict())
    else:
        output.console.print(f"Recorded the stage facts of [bold]{escape(record.name)}[/].")


@prototype_app.command("set")
def set_(
    name: NameArgument,
    portfolio: PortfolioOption = None,
    candidate: Annotated[
        str | None,
        typer.Option("--candidate", help="The benchmark method that is the technique."),
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="The sweep point to judge at, e.g. n=4096.")
    ] = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Change the portfolio, or (before the freeze) the candidate and sweep point."""
    if portfolio is None and candidate is None and at is None:
        raise InputError("nothing to change; give --portfolio, --candidate or --at")
    point = None if at is None else parse_point(at)
    with open_workspace(db, by) as ws:
        record = ws.prototypes.set_details(
            name, portfolio=portfolio, candidate=candidate, point=point
        )
    if json:
        output.emit_json(record.to_dict())
    else:
        output.console.print(f"Updated [bold]{escape(record.name)}[/].")


def register(app: typer.Typer) -> None:
    app.add_typer(prototype_app, name="prototype")
