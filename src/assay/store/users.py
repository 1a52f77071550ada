"""Users and their roles: who may contribute, decide gates and administer.

Roles are :class:`assay.pipeline.roles.Role` (viewer < contributor < approver <
admin). Names are unique regardless of case. Who added a user is a user (adding
needs the admin role) except for the first one, whom anyone may add; who last
changed a role is always a user.

The reads are plain SQL over :class:`~assay.store.sql.Sql` (every write that checks
a role reads the acting user); adding a user and changing a role use the ORM.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

from assay.errors import DuplicateError, NotFoundError
from assay.pipeline.roles import Role
from assay.store.sql import Row, Sql

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = [
    "User",
    "add",
    "all_users",
    "count",
    "find",
    "find_by_db_role",
    "logins_mapped",
    "retire",
    "session_user",
    "set_db_role",
    "set_role",
]


@dataclasses.dataclass(frozen=True)
class User:
    """A registered user and their role."""

    name: str
    role: Role
    by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    db_role: str | None = None  # the PostgreSQL login that proves who they are
    retired_at: dt.datetime | None = None  # a retired user can no longer act
    retired_by: str | None = None
    retired_why: str | None = None

    @property
    def retired(self) -> bool:
        """Whether the user was retired (they stay in the history)."""
        return self.retired_at is not None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "name": self.name,
            "role": self.role.value,
            "by": self.by,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "db_role": self.db_role,
            "retired_at": None if self.retired_at is None else self.retired_at.isoformat(),
            "retired_by": self.retired_by,
            "retired_why": self.retired_why,
        }


# Who added a user: the adding user's name, or the name stored without a user.
_SELECT = (
    "SELECT u.name, u.role, coalesce(a.name, u.by), u.created_at, u.updated_at,"
    " u.db_role, u.retired_at, u.retired_by, u.retired_why"
    " FROM users u LEFT OUTER JOIN users a ON a.id = u.by_id"
)


def _value(found: Row) -> User:
    name, role, by, created_at, updated_at, db_role, retired_at, retired_by, why = found
    created, updated = Sql.datetime(created_at), Sql.datetime(updated_at)
    assert created is not None
    assert updated is not None
    assert by is not None
    retired = Sql.datetime(retired_at)
    return User(name, Role(role), by, created, updated, db_role, retired, retired_by, why)


def count(sql: Sql) -> int:
    """How many users are registered."""
    return int(sql.scalar("SELECT count(*) FROM users") or 0)


def find(sql: Sql, name: str) -> User | None:
    """The user ``name`` (any case), or ``None``."""
    found = sql.one(f"{_SELECT} WHERE u.key = :key", {"key": name.strip().casefold()})
    return None if found is None else _value(found)


def find_by_db_role(sql: Sql, login: str) -> User | None:
    """The user whose database login is ``login``, or ``None``."""
    found = sql.one(f"{_SELECT} WHERE u.db_role = :login", {"login": login})
    return None if found is None else _value(found)


def logins_mapped(sql: Sql) -> int:
    """How many users have a database login: once any has, every login must map."""
    return int(sql.scalar("SELECT count(*) FROM users WHERE db_role IS NOT NULL") or 0)


def session_user(sql: Sql) -> str:
    """The PostgreSQL login of this connection (``session_user``: not changed by
    ``SET ROLE``)."""
    return str(sql.scalar("SELECT session_user"))


def all_users(sql: Sql) -> list[User]:
    """Every user, by name."""
    return [_value(found) for found in sql.rows(f"{_SELECT} ORDER BY u.key")]


def add(
    session: Session,
    name: str,
    role: Role,
    *,
    by: str,
    at: dt.datetime,
    db_role: str | None = None,
) -> User:
    """Register a user (with the database login that proves them, if given); a taken
    name or login is a :class:`DuplicateError`."""
    from assay.store.actors import actor
    from assay.store.decision_models import UserRow

    if find(Sql.of_session(session), name) is not None:
        raise DuplicateError(
            f"a user named {name!r} already exists; change their role with: "
            f"assay user set-role {name} ROLE"
        )
    if db_role is not None:
        _check_login_free(session, db_role)
    row = UserRow(
        name=name,
        key=name.casefold(),
        role=role.value,
        db_role=db_role,
        created_at=at,
        updated_at=at,
        **actor(session, by),
    )
    session.add(row)
    session.flush()
    if row.by_user is None and row.key == by.strip().casefold():
        row.by_user, row.by_name = row, None  # the first admin, who added themselves
        session.flush()
    found = find(Sql.of_session(session), name)
    assert found is not None
    return found


def _check_login_free(session: Session, login: str, name: str | None = None) -> None:
    taken = find_by_db_role(Sql.of_session(session), login)
    if taken is not None and (name is None or taken.name.casefold() != name.casefold()):
        raise DuplicateError(
            f"the database login {login!r} already proves {taken.name}; "
            "each person needs a login of their own"
        )


def _row(session: Session, name: str) -> Any:
    from sqlalchemy import select

    from assay.store.decision_models import UserRow

    row = session.scalar(select(UserRow).where(UserRow.key == name.strip().casefold()))
    if row is None:
        raise NotFoundError(
            f"unknown user {name!r}; add them with: assay user add {name} --role ROLE"
        )
    return row


def set_db_role(session: Session, name: str, login: str | None, *, at: dt.datetime) -> User:
    """Map the user ``name`` to the database login ``login`` (``None``: unmap)."""
    row = _row(session, name)
    if login is not None:
        _check_login_free(session, login, row.name)
    row.db_role = login
    row.updated_at = at
    found = find(Sql.of_session(session), row.name)
    assert found is not None
    return found


def retire(session: Session, name: str, *, by: str, why: str, at: dt.datetime) -> User:
    """Retire the user ``name``: they can no longer act, and stay in the history."""
    row = _row(session, name)
    if row.retired_at is not None:
        raise DuplicateError(f"{row.name} was already retired on {row.retired_at:%Y-%m-%d}")
    row.retired_at, row.retired_by, row.retired_why = at, by, why
    row.updated_at = at
    found = find(Sql.of_session(session), row.name)
    assert found is not None
    return found


def set_role(
    session: Session, name: str, role: Role, *, at: dt.datetime, by: str | None = None
) -> User:
    """Change a user's role; ``by``, when given, must be a registered user (the
    workspace checks they are an admin) and is kept as the one who changed it."""
    from assay.store.actors import user_row

    row = _row(session, name)
    if by is not None:
        row.role_by = user_row(session, by, "changing a role")
    row.role = role.value
    row.updated_at = at
    found = find(Sql.of_session(session), row.name)
    assert found is not None
    return found
