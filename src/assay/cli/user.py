"""``assay user``: who may contribute, decide gates and administer."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from assay.cli import output
from assay.cli.common import ByOption, DbOption, JsonOption, open_workspace
from assay.pipeline.gates import Role

user_app = typer.Typer(
    help="Users and roles: viewer < contributor < approver < admin.", no_args_is_help=True
)

RoleOption = Annotated[
    Role,
    typer.Option("--role", case_sensitive=False, help="What the user may do, from least to most."),
]


DbRoleOption = Annotated[
    str | None,
    typer.Option(
        "--db-role",
        help="The PostgreSQL login that proves who this user is (see docs/permissions.md).",
    ),
]


@user_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The user's name, as --by or ASSAY_USER gives it.")],
    role: RoleOption,
    db_role: DbRoleOption = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Register a user with a role (the first must be an admin; then admins add users)."""
    parsed = role
    with open_workspace(db, by) as ws:
        user = ws.users.add(name, parsed, db_role=db_role)
    if json:
        output.emit_json(user.to_dict())
    else:
        output.console.print(f"Added [bold]{escape(user.name)}[/] as {user.role.value}.")


@user_app.command("set-role")
def set_role(
    name: Annotated[str, typer.Argument(help="The user.")],
    role: Annotated[
        Role,
        typer.Argument(case_sensitive=False, help="The new role.", show_default=False),
    ],
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Change a user's role (admin only)."""
    parsed = role
    with open_workspace(db, by) as ws:
        user = ws.users.set_role(name, parsed)
    if json:
        output.emit_json(user.to_dict())
    else:
        output.console.print(f"[bold]{escape(user.name)}[/] is now {user.role.value}.")


@user_app.command("set-db-role")
def set_db_role(
    name: Annotated[str, typer.Argument(help="The user.")],
    login: Annotated[
        str,
        typer.Argument(help="Their PostgreSQL login; '' to unmap.", show_default=False),
    ],
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Map a user to the PostgreSQL login that proves who they are (admin only)."""
    with open_workspace(db, by) as ws:
        user = ws.users.set_db_role(name, login)
    if json:
        output.emit_json(user.to_dict())
    elif user.db_role is None:
        output.console.print(f"[bold]{escape(user.name)}[/] is mapped to no database login.")
    else:
        output.console.print(
            f"[bold]{escape(user.name)}[/] is proven by the database login {escape(user.db_role)}."
        )


@user_app.command("retire")
def retire(
    name: Annotated[str, typer.Argument(help="The user.")],
    why: Annotated[str, typer.Option("--why", help="Why they no longer act.")],
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Retire a user (admin only): they can no longer act, and stay in the history."""
    with open_workspace(db, by) as ws:
        user = ws.users.retire(name, why=why)
    if json:
        output.emit_json(user.to_dict())
    else:
        output.console.print(f"Retired [bold]{escape(user.name)}[/]; they can no longer act.")


@user_app.command("list")
def list_(db: DbOption = None, json: JsonOption = False) -> None:
    """List the users and their roles."""
    with open_workspace(db) as ws:
        users = ws.users.list()
    if json:
        output.emit_json({"users": [u.to_dict() for u in users]})
        return
    if not users:
        output.console.print(
            "No users yet; anyone may change the record, but no one may decide a gate. "
            "Start with an admin: assay user add NAME --role admin"
        )
        return
    table = output.table(
        output.Column("User", output.Kind.ID),
        output.Column("Role", output.Kind.LABEL),
        output.Column("Added by", output.Kind.ID),
        output.Column("Since", output.Kind.DATE),
        output.Column("Login", output.Kind.ID),
        output.Column("Retired", output.Kind.DATE),
    )
    for u in users:
        table.add_row(
            escape(u.name),
            u.role.value,
            escape(u.by),
            f"{u.created_at:%Y-%m-%d}",
            escape(u.db_role or ""),
            "" if u.retired_at is None else f"{u.retired_at:%Y-%m-%d}",
        )
    output.console.print(table)


def register(app: typer.Typer) -> None:
    from assay.cli import user_password

    if not any(c.name == "password" for c in user_app.registered_commands):
        user_password.add_commands(user_app)
    app.add_typer(user_app, name="user")
