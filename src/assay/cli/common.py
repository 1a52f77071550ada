"""Options shared by many commands, and opening the workspace they act on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from assay.types import parse_date
from assay.workspace import ENV_URL, Workspace

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
    return Workspace.open(Path.cwd(), url=db, user=by)


def date_option(value: str | None, *, field: str) -> dt.date | None:
    """Parse an optional ``YYYY-MM-DD`` option."""
    return None if value is None else parse_date(value, field=field)
