"""``assay init``: create a workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from assay.cli import output
from assay.cli.common import ByOption, DbOption
from assay.store import describe
from assay.workspace import Workspace


def init(
    path: Annotated[
        Path, typer.Argument(help="Directory to hold the workspace (created if missing).")
    ] = Path("."),
    db: DbOption = None,
    by: ByOption = None,
) -> None:
    """Create a workspace: PATH/.assay/ with assay.toml and a SQLite database (WAL mode)."""
    with Workspace.init(path, url=db, user=by) as ws:
        where = describe(ws.db.url)
        output.console.print(
            f"Created an assay workspace in [bold]{escape(str(ws.root))}[/] "
            f"(database: {escape(where)})"
        )
        output.console.print("Next: assay technique add NAME --area AREA")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
