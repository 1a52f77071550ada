"""Options shared by many commands, and opening the workspace they act on.

This module stays light: every command imports it, and so does the help that lists
them. The workspace is imported only when a command opens one, in
:func:`open_workspace`; on an up-to-date SQLite workspace that costs no SQLAlchemy
until a service needs the ORM (see :mod:`assay.store.sql`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from assay.types import parse_date

if TYPE_CHECKING:
    from assay.workspace import Workspace

# The environment variable naming the database; the same constant as
# ``assay.workspace.ENV_URL`` (a test checks that they agree), written here so that
# declaring the ``--db`` option does not import the workspace.
ENV_URL = "ASSAY_DATABASE_URL"

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar=ENV_URL,
        show_envvar=True,
        metavar="URL",
        help="Database URL (sqlite:///PATH or postgresql+psycopg://USER@HOST/DB); "
        "default: the .assay/ workspace found upward from the current directory.",
    ),
]
ByOption = Annotated[
    str | None,
    typer.Option(
        "--by",
        envvar="ASSAY_USER",
        show_envvar=True,
        metavar="WHO",
        help="Who is acting; default: git's user.name, then the OS user.",
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON for machines instead of tables for people.")
]


def open_workspace(db: str | None, by: str | None = None) -> Workspace:
    """The workspace this command acts on."""
    from assay.workspace import Workspace  # deferred: the heavy layers load here

    ws = Workspace.open(Path.cwd(), url=db, user=by)
    ws.ctx.via = command_path()  # the audit trail records which command wrote
    return ws


def command_path() -> str:
    """The command being run, as typed without its arguments: ``assay radar move``."""
    # Typer 0.28 vendors click; its current-context helper lives in typer._click.
    from typer._click.globals import get_current_context

    ctx = get_current_context(silent=True)
    return str(ctx.command_path) if ctx is not None else "assay"


def date_option(value: str | None, *, field: str) -> dt.date | None:
    """Parse an optional ``YYYY-MM-DD`` option."""
    return None if value is None else parse_date(value, field=field)
