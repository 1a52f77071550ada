"""``assay db``: the schema version of the workspace's database."""

from __future__ import annotations

import typer

from assay.cli import output
from assay.cli.common import DbOption, JsonOption
from assay.store import SchemaStatus, describe
from assay.workspace import Workspace

db_app = typer.Typer(
    help="Inspect and upgrade the workspace database's schema.", no_args_is_help=True
)


def _print(status: SchemaStatus, url: str, json: bool) -> None:
    if json:
        output.emit_json(
            {
                "database": url,
                "current": status.current,
                "head": status.head,
                "pending": list(status.pending),
                "up_to_date": status.up_to_date,
            }
        )
        return
    state = "up to date" if status.up_to_date else f"{len(status.pending)} migration(s) pending"
    output.console.print(f"database: {url}")
    output.console.print(f"schema:   {status.current or 'empty'} (newest: {status.head}), {state}")


@db_app.command("status")
def status(db: DbOption = None, json: JsonOption = False) -> None:
    """Show the schema revision of the database against the newest this assay knows."""
    from pathlib import Path

    with Workspace.open(Path.cwd(), url=db, migrate=False) as ws:
        _print(ws.schema_status(), describe(ws.db.url), json)


@db_app.command("upgrade")
def upgrade(db: DbOption = None, json: JsonOption = False) -> None:
    """Apply pending migrations (opening a workspace also does this, under a lock)."""
    from pathlib import Path

    with Workspace.open(Path.cwd(), url=db, migrate=False) as ws:
        _print(ws.upgrade(), describe(ws.db.url), json)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
