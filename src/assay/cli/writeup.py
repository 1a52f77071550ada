"""``assay writeup`` (issue 16): the write-up of what was built, generated from a
technique's record (see docs/credibility.md)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from assay.cli import files, output
from assay.cli.common import ByOption, DbOption, JsonOption, open_workspace
from assay.errors import InputError


class WriteupFormat(enum.StrEnum):
    MD = "md"
    HTML = "html"


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
    """The write-up of what was built, from a technique's record (Markdown or HTML).

    Papers and reading notes, prototypes with their criteria and evidence, decisions,
    rollouts, post-mortems and learnings."""
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


def register(app: typer.Typer) -> None:
    app.command("writeup")(writeup)
