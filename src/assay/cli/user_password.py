"""``assay user password`` and ``assay user logout``: a user's password for the web app
(``assay serve``) and their web sessions. Thin wrappers over ``workspace.accounts``.

The password is never an argument (it would stay in the shell's history and show in
``ps``): at a terminal it is asked twice without echo; from a pipe, the first line of
standard input is the password (``printf '%s\\n' "$PW" | assay user password sam``).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape

from assay.cli import output
from assay.cli.common import ByOption, DbOption, JsonOption, open_workspace
from assay.errors import InputError

NameArgument = Annotated[str, typer.Argument(help="The user (you, or anyone for an admin).")]


def read_password(name: str) -> str:
    """The new password: asked twice without echo at a terminal, else the first line
    of standard input (its line ending removed). Checked before anything is written."""
    from assay.workspace.accounts import check_password

    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass(f"New password for {name}: ")
        if first != getpass.getpass("Again: "):
            raise InputError("the two passwords differ; nothing was changed")
        return check_password(first)
    try:
        line = sys.stdin.readline()
    except (OSError, ValueError) as exc:  # stdin closed or not readable
        raise InputError(
            f"could not read a password from standard input ({exc}); pipe it in or run "
            "the command at a terminal; nothing was changed"
        ) from None
    if not line:
        raise InputError(
            "no password on standard input; pipe it in (printf '%s\\n' \"$PW\" | "
            f"assay user password {name}) or run the command at a terminal"
        )
    return check_password(line.removesuffix("\n").removesuffix("\r"))


def password(
    name: NameArgument,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Set a user's password for the web app (yourself, or anyone as an admin).

    Their other web sessions end. It is read from stdin, never given as an argument.
    """
    secret = read_password(name)
    with open_workspace(db, by) as ws:
        ws.accounts.set_password(name, secret)
    if json:
        output.emit_json({"user": name, "password_set": True})
    else:
        output.console.print(
            f"Set the password of [bold]{escape(name)}[/]; their other web sessions ended."
        )


def logout(
    name: NameArgument,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """End every web session of a user (yourself, or anyone as an admin)."""
    with open_workspace(db, by) as ws:
        ended = ws.accounts.revoke_sessions(name)
    if json:
        output.emit_json({"user": name, "sessions_ended": ended})
    else:
        output.console.print(
            f"Ended {ended} web session{'s' if ended != 1 else ''} of [bold]{escape(name)}[/]."
        )


def add_commands(app: typer.Typer) -> None:
    """Add ``password`` and ``logout`` to the ``user`` group ``app`` (called by
    :mod:`assay.cli.user`, which the command table names)."""
    app.command("password")(password)
    app.command("logout")(logout)
