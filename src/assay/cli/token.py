"""``assay token``: API tokens for automation, each acting with its user's role."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.markup import escape

from assay.cli import output
from assay.cli.common import ByOption, DbOption, JsonOption, open_workspace
from assay.errors import InputError

token_app = typer.Typer(
    help="API tokens for automation, each acting with its user's role.",
    no_args_is_help=True,
)

_MAX_ID = 2**31 - 1


@token_app.command("create")
def create(
    user: Annotated[
        str | None,
        typer.Option("--user", help="Whose token it is (default: you); another's needs admin."),
    ] = None,
    expires: Annotated[
        str | None,
        typer.Option("--expires", help="How long it acts: 90d, 12h, 2w (default: until revoked)."),
    ] = None,
    label: Annotated[str, typer.Option("--label", help="What it is for (CI, a bot...).")] = "",
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Create a token and print it once: only its SHA-256 is stored."""
    from assay.workspace.tokens import parse_lifetime

    lifetime = None if expires is None else parse_lifetime(expires)
    with open_workspace(db, by) as ws:
        token, secret = ws.tokens.create(user, expires=lifetime, label=label)
    if json:
        output.emit_json({**token.to_dict(token.created_at), "token": secret})
        return
    until = "until revoked" if token.expires_at is None else f"until {token.expires_at:%Y-%m-%d}"
    output.console.print(
        f"Token #{token.id} for [bold]{escape(token.user)}[/] ({token.prefix}…), acting {until}. "
        "It is shown once; keep it secret and give it as ASSAY_TOKEN:"
    )
    output.console.print(secret, markup=False, highlight=False, soft_wrap=True)


@token_app.command("list")
def list_(
    user: Annotated[str | None, typer.Option("--user", help="Only this user's tokens.")] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """List the tokens (never their secrets: the store does not have them)."""
    with open_workspace(db) as ws:
        tokens = ws.tokens.list(user)
    at = dt.datetime.now(dt.UTC)
    if json:
        output.emit_json({"tokens": [t.to_dict(at) for t in tokens]})
        return
    if not tokens:
        output.console.print("No tokens; create one with: assay token create --user NAME")
        return
    table = output.table(
        output.Column("#", output.Kind.NUMBER),
        output.Column("User", output.Kind.ID),
        output.Column("Token", output.Kind.ID),
        output.Column("Label", output.Kind.TEXT),
        output.Column("Created", output.Kind.DATE),
        output.Column("Expires", output.Kind.DATE),
        output.Column("Last used", output.Kind.DATE),
        output.Column("State", output.Kind.LABEL),
    )
    for t in tokens:
        expires = "" if t.expires_at is None else f"{t.expires_at:%Y-%m-%d}"
        table.add_row(
            str(t.id),
            escape(t.user),
            escape(t.prefix) + "…",
            escape(t.label),
            f"{t.created_at:%Y-%m-%d}",
            expires,
            "" if t.last_used_at is None else f"{t.last_used_at:%Y-%m-%d %H:%M}",
            t.state(at),
        )
    output.console.print(table)


@token_app.command("revoke")
def revoke(
    ident: Annotated[int, typer.Argument(metavar="ID", help="The token's number (token list).")],
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Revoke a token: it no longer acts (yours: contributor; another's: admin)."""
    if not 1 <= ident <= _MAX_ID:
        raise InputError(f"no token #{ident}; see them with: assay token list")
    with open_workspace(db, by) as ws:
        token = ws.tokens.revoke(ident)
    if json:
        output.emit_json(token.to_dict(dt.datetime.now(dt.UTC)))
    else:
        output.console.print(f"Revoked token #{token.id} of [bold]{escape(token.user)}[/].")


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token")
