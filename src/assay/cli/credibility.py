"""``assay credibility``, ``assay coverage``, ``assay writeup``, ``assay self`` and
``assay question`` (issue 16): the track record, the integration loop, and the
private self-assessment (see docs/credibility.md).

Thin wrappers: the documents come from :mod:`assay.workspace.credibility` and
:mod:`assay.workspace.writeup`, the rules (privacy, who may rate whom) from the
services, the Markdown and HTML from :mod:`assay.report.credibility`.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from assay.cli import files, output
from assay.cli.common import ByOption, DbOption, JsonOption, date_option, open_workspace
from assay.errors import InputError

PersonOption = Annotated[
    str | None,
    typer.Option("--person", metavar="NAME", help="Narrow it to one person."),
]


class WriteupFormat(enum.StrEnum):
    MD = "md"
    HTML = "html"


def credibility(
    person: PersonOption = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Predicted against measured for every adopted or rejected technique, the
    forecasters' calibration, adoptions and owned failures."""
    from assay.report.credibility import credibility_report
    from assay.report.document import to_markdown
    from assay.workspace.credibility import credibility as page

    with open_workspace(db, by) as ws:
        doc = page(ws, person=person)
    if json:
        output.emit_json(doc)
        return
    output.emit_text(to_markdown(credibility_report(doc)))


def coverage(
    person: PersonOption = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Papers read → prototyped → in production, for the team and each reader."""
    from assay.workspace.credibility import coverage as funnel

    with open_workspace(db, by) as ws:
        doc = funnel(ws, person=person)
    if json:
        output.emit_json(doc)
        return
    table = output.table(
        output.Column("Who", output.Kind.NAMES),
        output.Column("Read", output.Kind.NUMBER, justify="right"),
        output.Column("Prototyped", output.Kind.NUMBER, justify="right"),
        output.Column("In production", output.Kind.NUMBER, justify="right"),
        title="Papers read → prototypes → production",
    )

    def share(n: int, of: int) -> str:
        return f"{n} ({n / of:.0%})" if of else str(n)

    for row in [doc["team"], *doc["people"]]:
        table.add_row(
            escape(row["who"]),
            str(row["read"]),
            share(row["prototyped"], row["read"]),
            share(row["production"], row["read"]),
        )
    output.console.print(table)


def writeup(
    technique: Annotated[str, typer.Argument(metavar="TECHNIQUE", help="The technique's name.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to FILE instead of stdout.")
    ] = None,
    fmt: Annotated[
        WriteupFormat,
        typer.Option("--format", case_sensitive=False, help="md, or html (one file)."),
    ] = WriteupFormat.MD,
    force: files.ForceOption = False,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """The write-up of what was built, from the record: papers, prototypes, evidence,
    decisions, rollout, post-mortems, learnings."""
    from assay.report.credibility import writeup_report
    from assay.report.document import to_html, to_markdown
    from assay.workspace.writeup import writeup as build

    if out is not None:
        if out.is_dir():
            raise InputError(f"--out {out} is a directory; give a file name such as writeup.{fmt}")
        if out.parent != Path() and not out.parent.is_dir():
            raise InputError(f"--out {out}: the folder {out.parent} does not exist; create it")
        files.check_output(out, force=force, db=db, option="--out")
    with open_workspace(db, by) as ws:
        doc = build(ws, technique)
    if json:
        output.emit_json(doc)
        return
    document = writeup_report(doc)
    text = to_html(document) if fmt == WriteupFormat.HTML else to_markdown(document)
    if out is None:
        output.emit_text(text)
        return
    files.write_text(out, text)
    output.console.print(f"wrote {escape(str(out))}")


self_app = typer.Typer(
    help="Self-assessment: capabilities rated 1-5 with history, growth areas (private).",
    no_args_is_help=True,
)
growth_app = typer.Typer(help="Growth areas: practice, measure, date.", no_args_is_help=True)
self_app.add_typer(growth_app, name="growth")


@self_app.command("rate")
def rate(
    capability: Annotated[
        str,
        typer.Argument(
            metavar="CAPABILITY",
            help="paper-reading, reproduction, benchmarking, production-judgement, communication.",
        ),
    ],
    score: Annotated[
        int, typer.Argument(metavar="SCORE", help="1 (beginner) to 5 (could teach it).")
    ],
    note: Annotated[str, typer.Option("--note", help="Why this score, now.")] = "",
    person: Annotated[
        str | None,
        typer.Option("--person", metavar="NAME", help="Rate for someone else (admins)."),
    ] = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Rate a capability 1-5; every rating is kept, so the history shows growth."""
    with open_workspace(db, by) as ws:
        rating = ws.self_assessment.rate(capability, score, person=person, note=note)
    if json:
        output.emit_json(rating.to_dict())
        return
    output.prose(f"Rated {escape(rating.capability)} {rating.score}/5 for {escape(rating.person)}")


@growth_app.command("add")
def growth_add(
    area: Annotated[str, typer.Argument(metavar="AREA", help="What to get better at.")],
    practice: Annotated[str, typer.Option("--practice", help="What you will do, regularly.")],
    measure: Annotated[str, typer.Option("--measure", help="How you will know it worked.")],
    due: Annotated[
        str, typer.Option("--due", metavar="DATE", help="When to look back at it, YYYY-MM-DD.")
    ],
    person: Annotated[
        str | None,
        typer.Option("--person", metavar="NAME", help="For someone else (admins)."),
    ] = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Add a growth area with its practice, its measure and a date."""
    day = date_option(due, field="--due")
    assert day is not None
    with open_workspace(db, by) as ws:
        growth = ws.self_assessment.add_growth(
            area, practice=practice, measure=measure, due=day, person=person
        )
    if json:
        output.emit_json(growth.to_dict())
        return
    output.prose(
        f"Growth area #{growth.id} for {escape(growth.person)}: {escape(growth.area)} "
        f"(by {growth.due.isoformat()})"
    )


def _spark(history: list[dict[str, Any]]) -> str:
    return " → ".join(f"{h['score']} ({h['at'][:10]})" for h in history) or "not rated"


@self_app.command("show")
def show(
    person: PersonOption = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Your ratings with their history and growth areas, beside your calibration and
    record (private: the person and admins only)."""
    from assay.workspace.credibility import self_page

    with open_workspace(db, by) as ws:
        doc = self_page(ws, person)
    if json:
        output.emit_json(doc)
        return
    table = output.table(
        output.Column("Capability", output.Kind.LABEL),
        output.Column("Now", output.Kind.NUMBER, justify="right"),
        output.Column("History", output.Kind.TEXT),
        title=f"Self-assessment of {escape(doc['person'])} (private)",
    )
    for row in doc["capabilities"]:
        now = "—" if row["score"] is None else f"{row['score']}/5"
        table.add_row(escape(row["label"]), now, escape(_spark(row["history"])))
    output.console.print(table)
    for g in doc["growth"]:
        late = " [red](past its date)[/]" if g.get("overdue") else ""
        output.prose(
            f"growth: {escape(g['area'])}: practice {escape(g['practice'])}; measure "
            f"{escape(g['measure'])}; by {g['due']}{late}",
            bullet="  - ",
        )
    cal = doc["calibration"]
    if cal is not None and cal["count"]:
        output.prose(
            f"calibration: Brier {cal['brier']:.3f} over {cal['count']} resolved forecast(s)"
        )
    else:
        output.prose("calibration: no resolved forecast yet")
    record = doc["record"]
    output.prose(
        f"record: {record['adopted']} adopted, {record['rejected']} rejected; predictions held "
        f"{record['predictions_held']} of {record['predictions_settled']}; "
        f"{len(record['failures'])} failure(s) owned"
    )


question_app = typer.Typer(
    help="Research questions fed back from production problems onto the radar.",
    no_args_is_help=True,
)


@question_app.command("open")
def open_question(
    title: Annotated[str, typer.Argument(metavar="TITLE", help="The new technique's name.")],
    area: Annotated[str, typer.Option("--area", help="The radar area it goes in.")],
    from_postmortem: Annotated[
        int | None,
        typer.Option("--from-postmortem", metavar="ID", help="The post-mortem it comes from."),
    ] = None,
    action: Annotated[
        int | None,
        typer.Option("--action", metavar="ID", help="Which of its actions (when several)."),
    ] = None,
    from_watch: Annotated[
        int | None,
        typer.Option(
            "--from-watch", metavar="DECISION", help="A decision reopened by a regression."
        ),
    ] = None,
    next_action: Annotated[
        str | None, typer.Option("--next", metavar="TEXT", help="Its next action.")
    ] = None,
    due: Annotated[
        str | None,
        typer.Option("--due", metavar="DATE", help="The next action's date; default: 2 weeks."),
    ] = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Open a research question on the radar (ASSESS, with a next action) from a
    post-mortem's action or a production regression."""
    day = date_option(due, field="--due")
    with open_workspace(db, by) as ws:
        technique, question = ws.questions.open(
            title,
            area=area,
            from_postmortem=from_postmortem,
            action=action,
            from_watch=from_watch,
            next_action=next_action,
            due=day,
        )
    if json:
        output.emit_json(technique.to_dict() | {"question": question})
        return
    output.prose(f"Opened {escape(technique.name)} in {technique.ring.value}: {escape(question)}")
    output.prose(
        f"next: {escape(technique.next_action or '')} (due {technique.due})", bullet="  - "
    )


def register(app: typer.Typer) -> None:
    app.command("credibility")(credibility)
    app.command("coverage")(coverage)
    app.command("writeup")(writeup)
    app.add_typer(self_app, name="self")
    app.add_typer(question_app, name="question")
