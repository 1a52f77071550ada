"""``assay question open`` (issue 16): a post-mortem's action or a production
regression opens a research question on the radar in one command (see
docs/credibility.md)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from assay.cli import output
from assay.cli.common import ByOption, DbOption, JsonOption, date_option, open_workspace

question_app = typer.Typer(
    help="Open a research question on the radar from a post-mortem or a production regression.",
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
    app.add_typer(question_app, name="question")
