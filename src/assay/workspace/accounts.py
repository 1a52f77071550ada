"""Passwords and web sessions, reached as ``workspace.accounts``: how a person proves
who they are to the web app.

- :meth:`Accounts.set_password`: the user themself (action ``user.password``) or an
  admin for anyone (``user.password-other``); at least 12 characters, hashed with
  argon2id (``argon2.PasswordHasher`` defaults). A new password ends the user's other
  sessions.
- :meth:`Accounts.login` checks the rate limit first: 5 failed attempts for one name
  or 20 from one client in 15 minutes answer :class:`~assay.errors.RateLimitedError`
  with ``retry_after_s`` (a success erases only the failures of the client that
  succeeded, never those of others). A wrong password, an unknown name, a user with
  no password and a retired user all get the same ``"wrong name or password"``, and
  take comparable time (an unknown name is verified against a dummy hash). A success
  opens a session: a random secret (``secrets.token_urlsafe(32)``: the cookie; only
  its SHA-256 is stored) and a CSRF token; it lasts 12 hours idle, 7 days at most.
  A hash made with older parameters is made again (``check_needs_rehash``).
- :meth:`Accounts.session` reads a session back (``None`` when unknown, revoked,
  expired or its user retired); it notes ``last_seen_at`` at most every 5 minutes.
- :meth:`Accounts.logout` revokes one session; :meth:`Accounts.revoke_sessions` all
  of a user's (themself, ``session.revoke``, or an admin, ``session.revoke-other``).

Every write passes :func:`~assay.workspace.users.authorize` and lands in the audit
trail (never a hash or a secret: see :data:`assay.store.audit.TABLES`). A password
proves its user for the write that opens the session, and a session's secret for the
one that closes it: that write acts as the session's user (``session.login`` and
``session.logout``, viewer). Two writes are bookkeeping, not part of the record, and
are marked checked without a user (:meth:`~assay.workspace.context.Context.checked`):
recording a failed attempt (``session.login``: nobody is proven yet) and noting a
session's ``last_seen_at`` (``session.touch``).

``argon2`` is imported only when a password is hashed or verified.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import math
import secrets
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from assay.errors import InputError, NotFoundError, PermissionDeniedError, RateLimitedError
from assay.store import sessions as session_rows
from assay.store.sessions import IDLE, LIFETIME, Credentials, StoredSession
from assay.store.sql import Sql
from assay.workspace.context import TOUCH_EVERY, Context, now
from assay.workspace.users import authorize, identify

if TYPE_CHECKING:
    from argon2 import PasswordHasher

__all__ = [
    "IDLE",
    "LIFETIME",
    "MIN_PASSWORD",
    "WRONG",
    "Accounts",
    "WebSession",
    "check_password",
]

MIN_PASSWORD = 12
_MAX_PASSWORD = 1024
WRONG = "wrong name or password"
"""The one message for every failed log-in, whatever failed."""
WINDOW = dt.timedelta(minutes=15)
NAME_LIMIT = 5
CLIENT_LIMIT = 20
_KEEP_ATTEMPTS = dt.timedelta(days=1)
_CLIENT = 300


@dataclasses.dataclass(frozen=True)
class WebSession:
    """A web session: its secret (only as :meth:`Accounts.login` returns it; ``""``
    when read back), its user and their role, its CSRF token, when it was opened and
    when it ends unless used again (aware UTC datetimes)."""

    secret: str
    user: str
    role: str
    csrf: str
    created_at: dt.datetime
    expires_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary, without the secret and the CSRF token."""
        return {
            "user": self.user,
            "role": self.role,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
        }


def check_password(password: str) -> str:
    """``password`` when it is acceptable, else :class:`InputError` (nothing of it is
    echoed)."""
    if len(password) < MIN_PASSWORD:
        raise InputError(
            f"the password is {len(password)} characters long; use at least {MIN_PASSWORD} "
            "(a few unrelated words make a good one)"
        )
    if len(password) > _MAX_PASSWORD:
        raise InputError(f"the password is longer than {_MAX_PASSWORD} characters")
    if any(ord(c) < 32 for c in password):
        raise InputError("the password holds control characters (a tab, a newline...)")
    return password


_HASHER: list[PasswordHasher] = []
_DUMMY: list[str] = []


def _hasher() -> PasswordHasher:
    """argon2-cffi's hasher with its defaults (argon2id), built on first use."""
    if not _HASHER:
        try:
            from argon2 import PasswordHasher
        except ImportError as missing:  # pragma: no cover - the web extra installs it
            from assay.errors import MissingDependencyError

            raise MissingDependencyError("argon2-cffi", "web") from missing
        _HASHER.append(PasswordHasher())
    return _HASHER[0]


def _dummy_hash() -> str:
    """A hash no password matches, verified when a name has no hash: the time taken
    does not tell a registered name from an unknown one."""
    if not _DUMMY:
        _DUMMY.append(_hasher().hash(secrets.token_urlsafe(32)))
    return _DUMMY[0]


def _verify(found: Credentials | None, password: str) -> bool:
    """Whether ``password`` is ``found``'s; as slow for an unknown or retired user,
    or one with no password, as for a wrong password."""
    from argon2.exceptions import InvalidHashError, VerificationError

    hashed = found.password_hash if found is not None and found.password_hash else None
    if len(password) > _MAX_PASSWORD:
        password = ""  # still verified: the same time
    try:
        matched: bool = _hasher().verify(hashed or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        matched = False
    return matched and hashed is not None and found is not None and found.retired_at is None


def _client(client: str) -> str:
    return "".join(c for c in client.strip() if ord(c) >= 32)[:_CLIENT]


def _retry_after(failures: list[tuple[dt.datetime, str]], limit: int, at: dt.datetime) -> int:
    """Seconds until fewer than ``limit`` of ``failures`` (oldest first) are in the
    window; 0 when already fewer."""
    if len(failures) < limit:
        return 0
    frees = failures[len(failures) - limit][0] + WINDOW
    return max(1, math.ceil((frees - at).total_seconds()))


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


class Accounts:
    """Reached as ``workspace.accounts``; see the module docstring."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    @contextlib.contextmanager
    def _acting_as(self, name: str) -> Iterator[None]:
        """Act as ``name``, proven (by a password or a session's secret), for one
        write; the context's identity is restored afterwards."""
        ctx = self.ctx
        saved = (ctx.user, ctx.proven, ctx.identified, ctx.on_behalf_of, ctx.named)
        ctx.user, ctx.proven, ctx.identified, ctx.on_behalf_of, ctx.named = (
            name,
            name,
            True,
            None,
            name,
        )
        try:
            yield
        finally:
            ctx.user, ctx.proven, ctx.identified, ctx.on_behalf_of, ctx.named = saved

    # -- passwords --------------------------------------------------------------------

    def set_password(self, name: str, password: str, *, at: dt.datetime | None = None) -> None:
        """Set ``name``'s password (themself, or an admin for anyone); the user's
        other sessions end."""
        hashed = _hasher().hash(check_password(password))
        at = at or now()
        with self.ctx.write() as session:
            sql = Sql.of_session(session)
            identify(self.ctx, sql)
            mine = _same(name, self.ctx.user)
            authorize(self.ctx, "user.password" if mine else "user.password-other")
            target = self._registered(sql, name)
            if target.retired_at is not None:
                raise InputError(
                    f"{target.name} was retired on {target.retired_at:%Y-%m-%d}; "
                    "a retired user cannot log in"
                )
            session_rows.set_password(session, target.name, hashed, at=at)
            keep = self._current(sql, at) if mine else None
            session_rows.revoke_all(session, target.name, at=at, keep=keep)

    @staticmethod
    def _registered(sql: Sql, name: str) -> Credentials:
        found = session_rows.credentials(sql, name)
        if found is None:
            raise NotFoundError(
                f"{name!r} is not a registered user; see them with: assay user list"
            )
        return found

    def _current(self, sql: Sql, at: dt.datetime) -> int | None:
        """The id of the live session this context acts through, if any."""
        secret = self.ctx.web_session
        stored = session_rows.by_secret(sql, secret) if secret else None
        return stored.id if stored is not None and stored.live(at) else None

    # -- logging in and out -----------------------------------------------------------

    def login(
        self, name: str, password: str, *, client: str = "", at: dt.datetime | None = None
    ) -> WebSession:
        """Open a session for ``name`` when ``password`` is theirs; see the module
        docstring for the rate limit and the one message every failure gets."""
        at = at or now()
        client = _client(client)
        with self.ctx.sql_read() as sql:
            self._check_rate(sql, name, client, at)
            found = session_rows.credentials(sql, name)
        if not _verify(found, password):
            with self.ctx.sql_write() as sql:
                self.ctx.checked("session.login")  # nobody is proven: see the docstring
                self._attempt(sql, name, client, at, ok=False)
            raise PermissionDeniedError(WRONG)
        assert found is not None
        assert found.password_hash is not None
        return self._open(found, password, client, at)

    def _check_rate(self, sql: Sql, name: str, client: str, at: dt.datetime) -> None:
        since = at - WINDOW
        by_name = session_rows.failures(sql, since=since, name=name)
        by_client = session_rows.failures(sql, since=since, client=client)
        wait = max(_retry_after(by_name, NAME_LIMIT, at), _retry_after(by_client, CLIENT_LIMIT, at))
        if wait:
            minutes = max(1, math.ceil(wait / 60))
            raise RateLimitedError(
                f"too many failed attempts to log in; try again in {minutes} minute"
                + ("s" if minutes != 1 else ""),
                retry_after_s=wait,
            )

    @staticmethod
    def _attempt(sql: Sql, name: str, client: str, at: dt.datetime, *, ok: bool) -> None:
        session_rows.record_attempt(sql, name, client, at=at, ok=ok)
        session_rows.prune_attempts(sql, at - _KEEP_ATTEMPTS)

    def _open(self, found: Credentials, password: str, client: str, at: dt.datetime) -> WebSession:
        """The session a correct password opens, written as its user."""
        assert found.password_hash is not None
        hasher = _hasher()
        rehashed = hasher.hash(password) if hasher.check_needs_rehash(found.password_hash) else ""
        secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self._acting_as(found.name), self.ctx.write() as session:
            authorize(self.ctx, "session.login")
            self._attempt(Sql.of_session(session), found.name, client, at, ok=True)
            if rehashed:
                session_rows.set_password(session, found.name, rehashed, at=None)
            session_rows.create(
                session,
                found.id,
                secret=secret,
                csrf=csrf,
                at=at,
                expires_at=at + LIFETIME,
                client=client,
            )
        return WebSession(secret, found.name, found.role, csrf, at, min(at + IDLE, at + LIFETIME))

    def session(self, secret: str, *, at: dt.datetime | None = None) -> WebSession | None:
        """The live session whose secret is ``secret`` (``secret`` is ``""`` in the
        result), or ``None``; notes that it was seen (at most every 5 minutes)."""
        if not secret:
            return None
        at = at or now()
        with self.ctx.sql_read() as sql:
            stored = session_rows.by_secret(sql, secret)
        if stored is None or not stored.live(at):
            return None
        if at - stored.last_seen_at >= TOUCH_EVERY:
            seen = stored.id
            self.ctx.bookkeeping("session.touch", lambda sql: session_rows.touch(sql, seen, at=at))
            stored = dataclasses.replace(stored, last_seen_at=at)
        return _web_session(stored)

    def logout(self, secret: str, *, at: dt.datetime | None = None) -> None:
        """End the session whose secret is ``secret``, acting as its user (nothing
        when it is unknown or has ended already)."""
        if not secret:
            return
        at = at or now()
        with self.ctx.sql_read() as sql:
            stored = session_rows.by_secret(sql, secret)
        if stored is None or not stored.live(at):
            return
        with self._acting_as(stored.user), self.ctx.write() as session:
            authorize(self.ctx, "session.logout")
            session_rows.revoke(session, stored.id, at=at)

    def revoke_sessions(self, name: str, *, at: dt.datetime | None = None) -> int:
        """End every live session of ``name`` (themself, or an admin for anyone); how
        many ended."""
        at = at or now()
        with self.ctx.write() as session:
            sql = Sql.of_session(session)
            identify(self.ctx, sql)
            mine = _same(name, self.ctx.user)
            authorize(self.ctx, "session.revoke" if mine else "session.revoke-other")
            target = self._registered(sql, name)
            return session_rows.revoke_all(session, target.name, at=at)

    def with_password(self) -> list[str]:
        """The users who can log in to the web app (a password set, not retired), by
        name: ``assay serve`` refuses to start when there is none."""
        with self.ctx.sql_read() as sql:
            rows = sql.rows(
                "SELECT name FROM users WHERE password_hash IS NOT NULL"
                " AND retired_at IS NULL ORDER BY name"
            )
            return [str(row[0]) for row in rows]


def _web_session(stored: StoredSession) -> WebSession:
    return WebSession(
        "", stored.user, stored.role, stored.csrf, stored.created_at, stored.ends_at()
    )
