"""``assay postmortem``: what failed and why, the actions owed, and the patterns that recur.

A post-mortem is written in a TOML file (``--from pm.toml``; its shape is in
:mod:`assay.formats.postmortem_toml`), or with options for the simple fields.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from assay.cli import output
from assay.cli.common import ByOption, DbOption, JsonOption, date_option, open_workspace
from assay.errors import InputError
from assay.formats.postmortem_toml import PostMortemFile, load_postmortem
from assay.pipeline.postmortem import (
    ActionItem,
    EventKind,
    FailureCategory,
    PostMortem,
    Problem,
    TimelineEvent,
)
from assay.pipeline.reading import RedFlagKind
from assay.store.postmortems import StoredAction, parse_action_id
from assay.types import check_id
from assay.workspace import documents

postmortem_app = typer.Typer(
    help="Post-mortems of failed techniques and prototypes, their actions and patterns.",
    no_args_is_help=True,
)


def _opened(file: PostMortemFile) -> dict[int, tuple[str, str]]:
    """The file's actions that open a technique on the radar: index -> (name, area)."""
    return file.opened_on_radar()


def _split(item: str, field: str, expected: str) -> tuple[str, str]:
    head, sep, tail = item.partition(":")
    if not sep or not head.strip() or not tail.strip():
        raise InputError(f"{field} {item!r}: expected {expected}")
    return head.strip(), tail.strip()


def _enum(kind: type[Any], text: str, field: str) -> Any:
    try:
        return kind(text.strip().lower())
    except ValueError:
        names = ", ".join(m.value for m in kind)
        raise InputError(f"{field} {text!r} is not one of {names}") from None


@postmortem_app.command("new")
def new(
    subject: Annotated[str, typer.Argument(help="The technique or prototype that failed.")],
    from_file: Annotated[
        Path | None, typer.Option("--from", help="The post-mortem as TOML (see the docs).")
    ] = None,
    first_seen: Annotated[
        str | None,
        typer.Option("--first-seen", metavar="DATE", help="When it was first seen (YYYY-MM-DD)."),
    ] = None,
    outcome: Annotated[str | None, typer.Option("--outcome", help="How it ended.")] = None,
    outcome_on: Annotated[
        str | None,
        typer.Option("--outcome-on", metavar="DATE", help="When it ended; default today."),
    ] = None,
    problems: Annotated[
        list[str] | None, typer.Option("--problem", help="CATEGORY: what went wrong.")
    ] = None,
    lessons: Annotated[list[str] | None, typer.Option("--lesson", help="A lesson.")] = None,
    action: Annotated[
        str | None, typer.Option("--action", help="An action item (needs --owner, --due).")
    ] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Who owns --action.")] = None,
    due: Annotated[
        str | None, typer.Option("--due", metavar="DATE", help="When --action is due.")
    ] = None,
    wrong: Annotated[
        list[str] | None, typer.Option("--wrong-prediction", help="A prediction that was wrong.")
    ] = None,
    missed: Annotated[
        list[RedFlagKind] | None,
        typer.Option("--missed-flag", case_sensitive=False, help="A red flag that was missed."),
    ] = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Write a post-mortem; actions with a question and a technique open it on the radar."""
    file = load_postmortem(from_file) if from_file else PostMortemFile()
    timeline = file.timeline_events()
    if first_seen is not None:
        on = date_option(first_seen, field="--first-seen")
        assert on is not None
        timeline.append(TimelineEvent(on, EventKind.FIRST_SEEN, "first seen"))
    if outcome is not None:
        on = date_option(outcome_on, field="--outcome-on") or dt.date.today()
        timeline.append(TimelineEvent(on, EventKind.OUTCOME, outcome))
    found = file.problem_items()
    for item in problems or []:
        category, text = _split(item, "--problem", "CATEGORY: TEXT, e.g. 'prototype: OOM at 8k'")
        found.append(Problem(_enum(FailureCategory, category, "--problem category"), text))
    actions = file.action_items()
    if action is not None:
        when = date_option(due, field="--due")
        if owner is None or when is None:
            raise InputError("--action needs --owner WHO and --due YYYY-MM-DD")
        actions.append(ActionItem(action, owner, when))
    elif owner is not None or due is not None:
        raise InputError("--owner and --due belong to an --action; give --action TEXT too")
    pm = PostMortem(
        subject=subject,
        timeline=tuple(timeline),
        problems=tuple(found),
        why_chains=file.why_chain_items(),
        lessons=tuple([*file.lessons, *(lessons or [])]),
        actions=tuple(actions),
        wrong_predictions=tuple(str(i) for i in [*file.wrong_predictions, *(wrong or [])]),
        missed_red_flags=tuple([*file.missed_red_flags, *(missed or [])]),
    )
    with open_workspace(db, by) as ws:
        stored = ws.postmortems.add(pm, open_on_radar=_opened(file))
    if json:
        output.emit_json(stored.to_dict())
    else:
        output.console.print(f"Wrote post-mortem [bold]{stored.id}[/] of {escape(stored.subject)}.")
        output.console.print(postmortem_panel(stored))


def postmortem_panel(pm: PostMortem) -> Panel:
    parts: list[RenderableType] = []
    timeline = output.table(
        output.Column("On", output.Kind.DATE),
        output.Column("What", output.Kind.LABEL),
        output.Column(""),
        title="Timeline",
        expand=True,
    )
    for e in pm.timeline:
        timeline.add_row(e.on.isoformat(), e.kind.value, Text(e.text))
    parts.append(timeline)
    if pm.problems:
        parts.append(Text("What went wrong", style="bold underline"))
        parts += [Text(f"  [{p.category.value}] {p.text}") for p in pm.problems]
    for chain in pm.why_chains:
        tag = f" [{chain.pattern.value}]" if chain.pattern else ""
        parts.append(Text(f"Why: {chain.problem}{tag}", style="bold"))
        parts += [Text(f"  {'  ' * i}→ {why}") for i, why in enumerate(chain.whys)]
        parts.append(Text(f"  root cause: {chain.root_cause}", style="yellow"))
    if pm.lessons:
        parts.append(Text("Lessons", style="bold underline"))
        parts += [Text(f"  • {lesson}") for lesson in pm.lessons]
    for a in pm.actions:
        done = f"done {a.done_on}" if a.done_on else f"due {a.due}"
        question = f"; opens: {a.question}" if a.question else ""
        parts.append(Text(f"Action: {a.text} ({a.owner}, {done}{question})"))
    if pm.wrong_predictions:
        parts.append(Text(f"Wrong predictions: {', '.join(pm.wrong_predictions)}"))
    if pm.missed_red_flags:
        parts.append(Text(f"Missed red flags: {', '.join(k.value for k in pm.missed_red_flags)}"))
    title = f"post-mortem {pm.id} of {pm.subject}" + (f" by {pm.author}" if pm.author else "")
    lines = Table.grid()
    lines.add_column(overflow="fold")
    for part in parts[1:]:
        lines.add_row(part)
    return Panel(Group(parts[0], lines), title=Text(title), title_align="left")


@postmortem_app.command("list")
def list_(db: DbOption = None, json: JsonOption = False) -> None:
    """List post-mortems."""
    if json:  # with the open action items, as on the web
        with open_workspace(db) as ws:
            document = documents.postmortems(ws)
        output.emit_json(document)
        return
    with open_workspace(db) as ws:
        found = ws.postmortems.list()
    if not found:
        output.console.print("No post-mortems yet: assay postmortem new SUBJECT --from pm.toml")
    for pm in found:
        patterns = ", ".join(p.value for p in pm.patterns) or "no pattern named"
        output.console.print(
            f"[bold]{pm.id}[/] {escape(f'{pm.subject} by {pm.author}')} ({patterns})"
        )


@postmortem_app.command("show")
def show(
    postmortem: Annotated[str, typer.Argument(help="The post-mortem's id.")],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Show a post-mortem: timeline, problems, why-chains, lessons and actions."""
    digits = postmortem.strip().lower().removeprefix("pm").removeprefix("#").strip()
    if not digits.isdigit():
        raise InputError(
            f"post-mortem {postmortem!r} is not an id; expected a number "
            "(see: assay postmortem list)"
        )
    ident = check_id(int(digits), noun="post-mortem", see="assay postmortem list")
    with open_workspace(db) as ws:
        pm = ws.postmortems.get(ident)
    if json:
        output.emit_json(pm.to_dict())
    else:
        output.console.print(postmortem_panel(pm))


def _actions_table(found: list[StoredAction], today: dt.date) -> output.Sheet:
    k = output.Kind
    table = output.table(
        output.Column("ID", k.ID), output.Column("Action", ratio=4),
        output.Column("Owner", k.ID), output.Column("Due", k.DATE),
        output.Column("From the post-mortem of", ratio=2), output.Column("Opens", ratio=2),
        expand=True,
    )  # fmt: skip
    for s in found:
        late = s.overdue(today)
        days = (today - s.action.due).days
        due = Text(s.action.due.isoformat() + (f"\n({days} d late)" if late else ""))
        due.stylize("bold red" if late else "")
        opens = s.technique or s.action.question or "—"
        cells = (s.action.text, s.action.owner, due, s.subject, opens)
        table.add_row(str(s.id), *(Text(c) if isinstance(c, str) else c for c in cells))
    return table


@postmortem_app.command("actions")
def actions(db: DbOption = None, json: JsonOption = False) -> None:
    """List open action items across post-mortems, overdue ones first."""
    today = dt.date.today()
    with open_workspace(db) as ws:
        found = ws.postmortems.actions(today)
    if json:
        output.emit_json({"today": today, "actions": [a.to_dict(today) for a in found]})
    elif not found:
        output.console.print("No open actions.")
    else:
        late = sum(a.overdue(today) for a in found)
        output.console.print(f"{len(found)} open action(s), {late} overdue.")
        output.console.print(_actions_table(found, today))


@postmortem_app.command("done")
def done(
    action: Annotated[str, typer.Argument(help="The action's id (see: assay postmortem actions).")],
    on: Annotated[
        str | None,
        typer.Option("--on", metavar="DATE", help="When (YYYY-MM-DD); default today."),
    ] = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Mark an action item done."""
    ident = parse_action_id(action)
    when = date_option(on, field="--on")
    with open_workspace(db, by) as ws:
        closed = ws.postmortems.close_action(ident, when)
    if json:
        output.emit_json(closed.to_dict(dt.date.today()))
    else:
        output.console.print(escape(f"Done: {closed.action.text} ({closed.action.done_on})"))


@postmortem_app.command("open-question")
def open_question(
    action: Annotated[str, typer.Argument(help="An action that carries a research question.")],
    name: Annotated[str, typer.Option("--name", help="The technique to put on the radar.")],
    area: Annotated[str, typer.Option("--area", help="Its radar area.")],
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Open an action's research question on the radar: a technique in ASSESS."""
    ident = parse_action_id(action)
    with open_workspace(db, by) as ws:
        technique = ws.postmortems.open_question(ident, name, area)
    if json:
        output.emit_json(technique.to_dict())
    else:
        name, summary = escape(technique.name), escape(technique.summary or "")
        output.console.print(f"Opened [bold]{name}[/] in ASSESS: {summary}")


@postmortem_app.command("patterns")
def patterns(db: DbOption = None, json: JsonOption = False) -> None:
    """Count recurring failure patterns, problem categories, missed flags and root causes."""
    with open_workspace(db) as ws:
        report = ws.postmortems.patterns()
    if json:
        output.emit_json(report.to_dict())
        return
    output.console.print(f"Across {report.total} post-mortem(s):")
    table = output.table(
        output.Column("Kind", output.Kind.LABEL),
        output.Column("What"),
        output.Column("Post-mortems", output.Kind.NUMBER, justify="right"),
        expand=True,
    )
    sections: list[tuple[str, dict[Any, int]]] = [
        ("failure pattern", report.patterns),
        ("problem category", report.categories),
        ("missed red flag", report.missed_red_flags),
    ]
    for kind, counts in sections:
        for item, n in sorted(counts.items(), key=lambda kv: -kv[1]):
            table.add_row(kind, item.value, str(n) if n else "[dim]0[/]")
        table.add_section()
    for cause, n in report.recurring_causes:
        table.add_row("recurring root cause", Text(cause), str(n))
    output.console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(postmortem_app, name="postmortem")
