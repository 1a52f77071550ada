"""Users and roles, reached as ``workspace.users``.

Deciding a gate needs the approver role (or admin) always. Once any user is
registered, adding users needs admin and changing the record needs contributor; a
radar override needs approver. The other services check roles through
:meth:`Users.require`, given to them in their constructors, inside the unit of
work that writes.

:mod:`assay.pipeline.gates` (roles; it loads the criteria language) is imported
when a role is checked, not when the service is built: the radar holds this
service and most radar commands never check a role.
"""

from __future__ import annotations

import builtins
import datetime as dt
from typing import TYPE_CHECKING

from assay.errors import InputError, PermissionDeniedError
from assay.pipeline import radar
from assay.store import users as user_rows
from assay.store.sql import Sql
from assay.store.users import User
from assay.workspace.context import Context, now

if TYPE_CHECKING:
    from assay.pipeline.gates import Role

__all__ = ["User", "Users", "quoted"]


def quoted(name: str) -> str:
    """A name as the user would type it on a command line."""
    return f'"{name}"' if " " in name else name


class Users:
    """Reached as ``workspace.users``; see the module docstring."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def list(self) -> builtins.list[User]:
        """Every registered user, by name."""
        with self.ctx.sql_read() as sql:
            return user_rows.all_users(sql)

    def require(self, needed: Role, action: str, *, always: bool = False) -> Role:
        """The acting user's role, or :class:`PermissionDeniedError` when it is not
        enough. Without registered users only ``always`` actions are checked.

        Called inside a service's unit of work, it reads in that transaction.
        """
        from assay.pipeline.gates import Role, require_role  # see the module docstring

        who = self.ctx.user
        with self.ctx.sql_read() as sql:
            user = user_rows.find(sql, who)
            if user is None and not always and user_rows.count(sql) == 0:
                return Role.ADMIN
        if user is None:
            raise PermissionDeniedError(
                f"{action} needs the {needed.value} role"
                + (" (or admin)" if needed is not Role.ADMIN else "")
                + f"; {who} is not a registered user (act as another user with --by, "
                f"or have an admin run: assay user add {quoted(who)} --role {needed.value})"
            )
        require_role(user.name, user.role, needed, action)
        return user.role

    def add(self, name: str, role: Role | str, *, at: dt.datetime | None = None) -> User:
        """Register a user. The first user must be an admin; after that only an admin
        may add users."""
        from assay.pipeline.gates import Role  # see the module docstring

        role = role if isinstance(role, Role) else Role.parse(role)
        name = radar.check_name(name, field="user name")
        with self.ctx.write() as session:
            if user_rows.count(Sql.of_session(session)) == 0:
                if role is not Role.ADMIN:
                    raise InputError(
                        "the first user must be an admin, who can then add the others; "
                        f"start with: assay user add {quoted(self.ctx.user)} --role admin"
                    )
            else:
                self.require(Role.ADMIN, "adding a user")
            return user_rows.add(session, name, role, by=self.ctx.user, at=at or now())

    def set_role(self, name: str, role: Role | str) -> User:
        """Change a user's role (admin only)."""
        from assay.pipeline.gates import Role  # see the module docstring

        role = role if isinstance(role, Role) else Role.parse(role)
        with self.ctx.write() as session:
            self.require(Role.ADMIN, "changing a role", always=True)
            return user_rows.set_role(session, name, role, at=now(), by=self.ctx.user)
