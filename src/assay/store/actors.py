"""Who wrote a record: a registered user's row, or a name.

The writes that require a role store their actor as a foreign key to ``users``
(see :class:`assay.store.decision_models.ActorColumns`); the workspace layer passes
a name (``by=name``) and these helpers resolve it, regardless of case.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.errors import InputError
from assay.store.decision_models import UserRow

__all__ = ["actor", "set_actor", "user_row"]


def _find(session: Session, name: str) -> UserRow | None:
    return session.scalar(select(UserRow).where(UserRow.key == name.strip().casefold()))


def actor(session: Session, name: str) -> dict[str, Any]:
    """The actor attributes for ``name``, to pass to a row's constructor: the user
    when ``name`` is a registered user, else the name itself (a workspace without
    users lets anyone write)."""
    found = _find(session, name)
    if found is not None:
        return {"by_user": found, "by_name": None}
    return {"by_user": None, "by_name": name}


def set_actor(session: Session, row: Any, name: str) -> None:
    """Make ``name`` the actor of a stored ``row`` (see :func:`actor`)."""
    for attribute, value in actor(session, name).items():
        setattr(row, attribute, value)


def user_row(session: Session, name: str, action: str) -> UserRow:
    """The registered user ``name``; an :class:`InputError` when there is none."""
    found = _find(session, name)
    if found is None:
        raise InputError(
            f"{action} needs a registered user; {name!r} is not one "
            f"(add them with: assay user add {name} --role ROLE)"
        )
    return found
