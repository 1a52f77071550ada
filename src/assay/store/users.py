"""Users and their roles: who may contribute, decide gates and administer.

Roles are :class:`assay.pipeline.gates.Role` (viewer < contributor < approver <
admin). Names are unique regardless of case. Who added a user is a user (adding
needs the admin role) except for the first one, whom anyone may add; who last
changed a role is always a user.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assay.errors import DuplicateError, NotFoundError
from assay.pipeline.gates import Role
from assay.store.actors import actor, user_row
from assay.store.decision_models import UserRow

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


def _value(row: UserRow) -> User:
    return User(row.name, Role(row.role), row.by, row.created_at, row.updated_at)


def count(session: Session) -> int:
    """How many users are registered."""
    return int(session.scalar(select(func.count(UserRow.id))) or 0)


def find(session: Session, name: str) -> User | None:
    """The user ``name`` (any case), or ``None``."""
    row = session.scalar(select(UserRow).where(UserRow.key == name.strip().casefold()))
    return None if row is None else _value(row)


def all_users(session: Session) -> list[User]:
    """Every user, by name."""
    return [_value(row) for row in session.scalars(select(UserRow).order_by(UserRow.key))]


def add(session: Session, name: str, role: Role, *, by: str, at: dt.datetime) -> User:
    """Register a user; a taken name is a :class:`DuplicateError`."""
    if find(session, name) is not None:
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
    return _value(row)


def set_role(
    session: Session, name: str, role: Role, *, at: dt.datetime, by: str | None = None
) -> User:
    """Change a user's role; ``by``, when given, must be a registered user (the
    workspace checks they are an admin) and is kept as the one who changed it."""
    row = session.scalar(select(UserRow).where(UserRow.key == name.strip().casefold()))
    if row is None:
        raise NotFoundError(
            f"unknown user {name!r}; add them with: assay user add {name} --role ROLE"
        )
    if by is not None:
        row.role_by = user_row(session, by, "changing a role")
    row.role = role.value
    row.updated_at = at
    session.flush()
    return _value(row)
