"""API tokens, reached as ``workspace.tokens``: automation (CI posting runs, the web
app) acting as a user, with that user's role.

A token is printed once, when created, and only its SHA-256 is stored (see
:mod:`assay.store.tokens`). Given as ``ASSAY_TOKEN``, it proves its user (see
:mod:`assay.workspace.users`). Creating or revoking your own token needs the
contributor role; another user's, the admin role. Listing tokens shows no secrets.
"""

from __future__ import annotations

import builtins
import datetime as dt

from assay.errors import InputError, NotFoundError
from assay.store import tokens as token_rows
from assay.store.sql import Sql
from assay.store.tokens import Token
from assay.types import parse_duration
from assay.workspace.context import Context, now
from assay.workspace.users import authorize, identify

__all__ = ["MAX_LIFETIME", "Token", "Tokens", "parse_lifetime"]

MAX_LIFETIME = dt.timedelta(days=3650)
_MIN_LIFETIME = dt.timedelta(minutes=1)
_LABEL = 120


def parse_lifetime(text: str) -> dt.timedelta:
    """How long a token lives, ``90d``, ``12h``, ``2w``: from a minute to ten years."""
    try:
        lifetime = parse_duration(text, field="--expires")
    except OverflowError:
        lifetime = MAX_LIFETIME * 2
    if not _MIN_LIFETIME <= lifetime <= MAX_LIFETIME:
        raise InputError(
            f"--expires {text!r} is out of range; expected from 1m to 3650d, for example 90d"
        )
    return lifetime


class Tokens:
    """Reached as ``workspace.tokens``; see the module docstring."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _mine(self, sql: Sql, user: str) -> bool:
        identify(self.ctx, sql)
        return user.strip().casefold() == self.ctx.user.strip().casefold()

    def create(
        self, user: str | None = None, *, expires: dt.timedelta | None, label: str = ""
    ) -> tuple[Token, str]:
        """A new token for ``user`` (default: the acting user) and its secret, which
        is shown once and not kept; ``expires=None`` lives until revoked."""
        label = " ".join(label.split())
        if len(label) > _LABEL:
            raise InputError(f"--label is {len(label)} characters long; keep it under {_LABEL}")
        if any(ord(c) < 32 for c in label):
            raise InputError("--label holds control characters; give plain text")
        at = now()
        with self.ctx.write() as session:
            target = user if user is not None and user.strip() else None
            mine = target is None or self._mine(Sql.of_session(session), target)
            authorize(self.ctx, "token.create" if mine else "token.create-other")
            return token_rows.create(
                session,
                target or self.ctx.user,
                label=label,
                expires_at=None if expires is None else at + expires,
                by=self.ctx.user,
                at=at,
            )

    def list(self, user: str | None = None) -> builtins.list[Token]:
        """Every token (of ``user``, when given), without secrets."""
        with self.ctx.sql_read() as sql:
            return token_rows.listed(sql, user)

    def revoke(self, ident: int) -> Token:
        """Revoke the token ``ident``: it no longer acts."""
        with self.ctx.write() as session:
            sql = Sql.of_session(session)
            found = token_rows.get(sql, ident)
            if found is None:
                raise NotFoundError(f"no token #{ident}; see them with: assay token list")
            mine = self._mine(sql, found.user)
            authorize(self.ctx, "token.revoke" if mine else "token.revoke-other")
            return token_rows.revoke(session, ident, by=self.ctx.user, at=now())
