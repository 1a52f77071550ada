"""``assay credibility`` (issue 16): for every adopted or rejected technique, what was
predicted beside what was measured, the forecasters' calibration, adoptions and owned
failures (see docs/credibility.md). The document comes from
:mod:`assay.workspace.credibility`, the Markdown from :mod:`assay.report.credibility`."""

from __future__ import annotations

from typing import Annotated

import typer

from assay.cli import output
from assay.cli.common import ByOption, DbOption, JsonOption, open_workspace

PersonOption = Annotated[
    str | None,
    typer.Option("--person", metavar="NAME", help="Narrow it to one person."),
]


def credibility(
    person: PersonOption = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Predicted against measured for every adopted or rejected technique; calibration;
    adoptions and owned failures.

    Measured is what the record stored (each prototype's evidence snapshot, the A/B
    analyses of its rollout); see docs/credibility.md."""
    from assay.report.credibility import credibility_report
    from assay.report.document import to_markdown
    from assay.workspace.credibility import credibility as page

    with open_workspace(db, by) as ws:
        doc = page(ws, person=person)
    if json:
        output.emit_json(doc)
        return
    output.emit_text(to_markdown(credibility_report(doc)))


def register(app: typer.Typer) -> None:
    app.command("credibility")(credibility)
