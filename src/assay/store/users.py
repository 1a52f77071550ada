"""Users and their roles: who may contribute, decide gates and administer.

Roles are :class:`assay.pipeline.gates.Role` (viewer < contributor < approver <
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
from assay.store.sql import Row, Sql

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from assay.pipeline.gates import Role

__all__ = ["User", "add", "all_users", "count", "find", "set_role"]


@dataclasses.dataclass(frozen=True)
class User:
    """A registered user and their role."""

    name: str
    role: Role
    by: str
    created_at: dt.datetime
    updated_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "name": self.name,
            "role": self.role.value,
            "by": self.by,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


# Who added a user: the adding user's name, or the name stored without a user.
_SELECT = (
    "SELECT u.name, u.role, coalesce(a.name, u.by), u.created_at, u.updated_at"
    " FROM users u LEFT OUTER JOIN users a ON a.id = u.by_id"
)


def _value(found: Row) -> User:
    # Imported here: the roles live with the gate rules, which load the criteria
    # language; reading who acts must not.
    from assay.pipeline.gates import Role

    name, role, by, created_at, updated_at = found
    created, updated = Sql.datetime(created_at), Sql.datetime(updated_at)
    assert created is not None
    assert updated is not None
    assert by is not None
    return User(name, Role(role), by, created, updated)


def count(sql: Sql) -> int:
    """How many users are registered."""
    return int(sql.scalar("SELECT count(*) FROM users") or 0)


def find(sql: Sql, name: str) -> User | None:
    """The user ``name`` (any case), or ``None``."""
    found = sql.one(f"{_SELECT} WHERE u.key = :key", {"key": name.strip().casefold()})
    return None if found is None else _value(found)


def all_users(sql: Sql) -> list[User]:
    """Every user, by name."""
    return [_value(found) for found in sql.rows(f"{_SELECT} ORDER BY u.key")]


def add(session: Session, name: str, role: Role, *, by: str, at: dt.datetime) -> User:
    """Register a user; a taken name is a :class:`DuplicateError`."""
    from assay.store.actors import actor
    from assay.store.decision_models import UserRow

    if find(Sql.of_session(session), name) is not None:
        raise DuplicateError(
            f"a user named {name!r} already exists; change their role with: "
            f"assay user set-role {name} ROLE"
        )
    row = UserRow(
        name=name,
        key=name.casefold(),
        role=role.value,
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


def set_role(
    session: Session, name: str, role: Role, *, at: dt.datetime, by: str | None = None
) -> User:
    """Change a user's role; ``by``, when given, must be a registered user (the
    workspace checks they are an admin) and is kept as the one who changed it."""
    from sqlalchemy import select

    from assay.store.actors import user_row
    from assay.store.decision_models import UserRow

    row = session.scalar(select(UserRow).where(UserRow.key == name.strip().casefold()))
    if row is None:
        raise NotFoundError(
            f"unknown user {name!r}; add them with: assay user add {name} --role ROLE"
        )
    if by is not None:
        row.role_by = user_row(session, by, "changing a role")
    row.role = role.value
    row.updated_at = at
    found = find(Sql.of_session(session), row.name)
    assert found is not None
    return found
