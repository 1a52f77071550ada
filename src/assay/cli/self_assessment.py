"""``assay self`` (issue 16): capabilities rated 1-5 with their history, growth areas,
shown beside the person's calibration and record. Private: the service lets only the
person and admins read it (see docs/credibility.md)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape

from assay.cli import output
from assay.cli.common import ByOption, DbOption, JsonOption, date_option, open_workspace
from assay.cli.credibility import PersonOption

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


def register(app: typer.Typer) -> None:
    app.add_typer(self_app, name="self")
