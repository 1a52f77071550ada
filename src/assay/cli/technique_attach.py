"""``assay technique attach``: the knowledge-transfer artifacts ADOPT requires."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from assay.cli import output
from assay.cli.common import ByOption, DbOption, JsonOption, open_workspace
from assay.cli.options import ArtifactKind
from assay.cli.technique import technique_app
from assay.pipeline.radar import ARTIFACT_KINDS


def attach(
    name: Annotated[str, typer.Argument(help="The technique.")],
    file: Annotated[Path, typer.Argument(help="The document (Markdown or text, up to 1 MB).")],
    kind: Annotated[
        ArtifactKind, typer.Option("--kind", case_sensitive=False, help="What the document is.")
    ],
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Attach an implementation document, a decision record or a runbook (kept in the record)."""
    with open_workspace(db, by) as ws:
        artifact = ws.radar.attach(name, kind, file)
        have = ws.radar.artifacts(name)
    if json:
        output.emit_json(artifact.to_dict())
        return
    output.console.print(
        f"Attached {escape(artifact.filename)} to [bold]{escape(artifact.technique)}[/] "
        f"as its {artifact.kind}."
    )
    missing = [k for k in ARTIFACT_KINDS if k not in have]
    if missing:
        output.console.print(f"Still missing for ADOPT: {', '.join(missing)}.")


def artifacts(
    name: Annotated[str, typer.Argument(help="The technique.")],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """List the artifacts attached to a technique (the newest of each kind counts)."""
    with open_workspace(db) as ws:
        have = ws.radar.artifacts(name)
    if json:
        output.emit_json(
            {
                "artifacts": [a.to_dict() for a in have.values()],
                "missing": [k for k in ARTIFACT_KINDS if k not in have],
            }
        )
        return
    table = output.table(
        output.Column("Kind", output.Kind.LABEL),
        output.Column("File"),
        output.Column("Attached", output.Kind.DATE),
        output.Column("By", output.Kind.ID),
        output.Column("SHA-256", output.Kind.ID),
    )
    for kind in ARTIFACT_KINDS:
        a = have.get(kind)
        if a is None:
            table.add_row(kind, "[red]missing[/]", "—", "—", "—")
        else:
            table.add_row(kind, escape(a.filename), f"{a.at:%Y-%m-%d}", escape(a.by), a.sha256[:12])
    output.console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``attach`` and ``artifacts`` to ``assay technique`` (``app`` is the root app,
    unused: the commands join the technique group)."""
    del app
    known = {info.name for info in technique_app.registered_commands}
    if "attach" not in known:
        technique_app.command("attach")(attach)
    if "artifacts" not in known:
        technique_app.command("artifacts")(artifacts)
