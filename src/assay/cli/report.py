"""``assay report``: the executive, product and engineering reports of a prototype."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from assay.cli import files, output
from assay.cli.common import DbOption, open_workspace
from assay.cli.options import Audience, ReportFormat
from assay.errors import InputError


def report(
    prototype: Annotated[str, typer.Argument(help="The prototype whose record is reported.")],
    audience: Annotated[
        Audience,
        typer.Option(
            "--audience",
            case_sensitive=False,
            help="exec (two paragraphs), pm (one page) or eng (everything, with figures).",
        ),
    ] = Audience.EXEC,
    fmt: Annotated[
        ReportFormat,
        typer.Option(
            "--format", case_sensitive=False, help="md, or html (one self-contained file)."
        ),
    ] = ReportFormat.MD,
    out: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to FILE instead of stdout.")
    ] = None,
    force: files.ForceOption = False,
    db: DbOption = None,
) -> None:
    """Write a report built only from the record: criteria, evidence, decisions, cost."""
    from assay.report import StudyView, render_report, write_report

    if out is None and audience == "eng" and fmt == "md":
        raise InputError(
            "the engineering report in Markdown has figures beside it; "
            "write it to a file with -o FILE.md (or use --format html)"
        )
    if out is not None and out.is_dir():
        raise InputError(
            f"-o {out} is a directory; give a file name such as {out / f'{audience}.{fmt}'}"
        )
    if out is not None and out.parent != Path() and not out.parent.is_dir():
        raise InputError(f"-o {out}: the folder {out.parent} does not exist; create it first")
    if out is not None:
        files.check_output(out, force=force, db=db)
    with open_workspace(db) as ws:
        study = ws.prototypes.study(prototype)
        placed = ws.radar.placements().get(study.technique.name)  # override/import, marked
        rollout = ws.rollouts.latest().get(study.technique.name)  # issue 14
        from assay.workspace.credibility import track_record  # issue 16

        view = StudyView.from_study(
            study,
            placement=placed,
            rollout=rollout.sentence() if rollout else None,
            track_record=track_record(ws, study.technique.owner),
        )
    if out is None:
        output.emit_text(render_report(view, audience, fmt))
        return
    if fmt == "html":  # one file: written whole or not at all
        files.write_text(out, render_report(view, audience, fmt))
        written = [out]
    else:  # Markdown, with its figures beside it
        written = write_report(view, audience, fmt, out)
    for path in written:
        output.console.print(f"wrote {escape(str(path))}")


def register(app: typer.Typer) -> None:
    app.command("report")(report)
