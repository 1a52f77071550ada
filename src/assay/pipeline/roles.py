"""Roles: what a user may do, from least to most (viewer < contributor < approver <
admin); each includes the ones before it.

Kept apart from :mod:`assay.pipeline.gates` (which loads the criteria language) so
that checking who may write costs no import: the hot writes (``technique next``)
check a role. :mod:`assay.pipeline.gates` re-exports both names.
"""

from __future__ import annotations

import enum

from assay.errors import InputError, PermissionDeniedError

__all__ = ["Role", "require_role"]


class Role(enum.StrEnum):
    """What a user may do, from least to most: each role includes the ones before it."""

    VIEWER = "viewer"
    CONTRIBUTOR = "contributor"
    APPROVER = "approver"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """0 for viewer up to 3 for admin."""
        return list(Role).index(self)

    def includes(self, other: Role) -> bool:
        """Whether this role may do what ``other`` may."""
        return self.rank >= other.rank

    @classmethod
    def parse(cls, text: str) -> Role:
        """The role named by ``text``, in any case."""
        key = str(text).strip().lower()
        for member in cls:
            if member.value == key:
                return member
        names = ", ".join(member.value for member in cls)
        raise InputError(f"unknown role {text!r}; expected one of {names}")


def require_role(user: str, role: Role, needed: Role, action: str) -> None:
    """Raise :class:`PermissionDeniedError` unless ``role`` includes ``needed``.

    The message names the action, the role needed and the role held.
    """
    if not role.includes(needed):
        also = " (or admin)" if needed is not Role.ADMIN else ""
        raise PermissionDeniedError(
            f"{action} needs the {needed.value} role{also}; {user} has the {role.value} role"
        )
