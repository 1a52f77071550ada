"""Users, roles and who acts, reached as ``workspace.users``.

Every write of every service passes :func:`authorize` with an action of
:mod:`assay.workspace.permissions` (the one table of who may do what), inside its
unit of work; the :class:`~assay.workspace.context.Context` refuses a write unit
that changed rows without it.

Who acts (:func:`identify`, once per context, at the first check):

- a web session (``ctx.web_session``, the web app's cookie) proves its user; an
  unknown, revoked or expired one is refused ("your session has expired");
- an API token (``ASSAY_TOKEN``) proves its user, on any store (and its
  ``last_used_at`` is noted, at most every 5 minutes);
- on PostgreSQL, once any user is mapped to a database login (``--db-role``), the
  login (``session_user``) proves its user, and a login mapped to no one is refused;
- otherwise (SQLite, or PostgreSQL with no login mapped) the name given by ``--by``
  or ``ASSAY_USER`` acts: the file's permissions are the boundary there, and roles
  guard against mistakes, not attacks.

A proven user (by a session, a token or a login) naming someone else (``--by``,
``ASSAY_USER``) is refused unless they are an admin, who then acts on behalf of that
user (``ctx.on_behalf_of``, kept in the audit trail). A workspace with no users is
open to its single local user, except for the actions marked ``always``; once users
exist, an unregistered or retired name is refused.
"""

from __future__ import annotations

import builtins
import datetime as dt
import os

from assay.errors import InputError, PermissionDeniedError
from assay.pipeline import radar
from assay.pipeline.roles import Role, require_role
from assay.store import users as user_rows
from assay.store.sql import Sql
from assay.store.users import User
from assay.workspace import permissions
from assay.workspace.context import TOUCH_EVERY, Context, now

__all__ = ["ENV_TOKEN", "SESSION_EXPIRED", "User", "Users", "authorize", "identify", "quoted"]

ENV_TOKEN = "ASSAY_TOKEN"
SESSION_EXPIRED = "your session has expired; log in again"


def quoted(name: str) -> str:
    """A name as the user would type it on a command line."""
    return f'"{name}"' if " " in name else name


def authorize(ctx: Context, action: str) -> Role:
    """The acting user's role when it allows ``action`` (a name in
    :data:`assay.workspace.permissions.ACTIONS`), else :class:`PermissionDeniedError`.

    Called inside the unit of work that writes, it reads in that transaction and
    marks the unit as checked (see :meth:`Context.checked`).
    """
    act = permissions.action(action)
    role = _check(ctx, Role(act.role), act.description, always=act.always)
    ctx.checked(action)
    return role


def _check(ctx: Context, needed: Role, description: str, *, always: bool) -> Role:
    with ctx.sql_read() as sql:
        identify(ctx, sql)
        who = ctx.user
        user = user_rows.find(sql, who)
        if user is None and not always and ctx.proven is None and user_rows.count(sql) == 0:
            return Role.ADMIN  # a workspace without users: its single local user
    if user is None:
        raise PermissionDeniedError(
            f"{description} needs the {needed.value} role"
            + (" (or admin)" if needed is not Role.ADMIN else "")
            + f"; {who} is not a registered user (act as another user with --by, "
            f"or have an admin run: assay user add {quoted(who)} --role {needed.value})"
        )
    if ctx.proven is not None and user.name.casefold() != ctx.proven.casefold():
        raise PermissionDeniedError(
            f"{ctx.proven} is proven to be acting; {description} as {user.name} is refused"
        )
    _refuse_retired(user)
    require_role(user.name, user.role, needed, description)
    _note_use(ctx)
    return user.role


def _refuse_retired(user: User) -> None:
    if user.retired_at is not None:
        raise PermissionDeniedError(
            f"{user.name} was retired on {user.retired_at:%Y-%m-%d} and can no longer act"
        )


def identify(ctx: Context, sql: Sql) -> None:
    """Settle who acts, once per context: the user a token or a database login
    proves, acting as themselves or (an admin) on behalf of the user named; see the
    module docstring. Refusals are :class:`PermissionDeniedError`."""
    if ctx.identified:
        return
    proven, how = _proven(ctx, sql)
    if proven is not None:
        _refuse_retired(proven)
        named = (ctx.named or "").strip()
        if named and named.casefold() != proven.name.casefold():
            if proven.role is not Role.ADMIN:
                raise PermissionDeniedError(
                    f"{how} proves you are {proven.name}, who may not act as {named}: "
                    "only an admin may act on behalf of another user (drop --by and ASSAY_USER)"
                )
            other = user_rows.find(sql, named)
            if other is None:
                raise PermissionDeniedError(
                    f"{named} is not a registered user; {proven.name} cannot act on their behalf"
                )
            _refuse_retired(other)
            ctx.on_behalf_of = other.name
        ctx.user = proven.name
        ctx.proven = proven.name
    ctx.identified = True


def _proven(ctx: Context, sql: Sql) -> tuple[User | None, str]:
    """The user a web session, a token or the database login proves, and how, or
    ``(None, "")``."""
    if ctx.web_session is not None:
        return _session_user(sql, ctx.web_session), "the web session"
    secret = ctx.token or os.environ.get(ENV_TOKEN) or ""
    if secret.strip():
        return _token_user(ctx, sql, secret), "the API token"
    if sql.dialect != "postgresql" or not user_rows.logins_mapped(sql):
        return None, ""
    login = user_rows.session_user(sql)
    user = user_rows.find_by_db_role(sql, login)
    if user is None:
        raise PermissionDeniedError(
            f"the database login {login} is not mapped to an assay user; an admin maps it "
            f"with: assay user set-db-role NAME {login}"
        )
    return user, f"the database login {login}"


def _session_user(sql: Sql, secret: str) -> User:
    """The user of the live web session ``secret``; a retired user is refused by the
    caller, with its own message."""
    from assay.store import sessions as session_rows  # hashlib: only when a session is given

    stored = session_rows.by_secret(sql, secret) if secret else None
    if stored is None or stored.revoked_at is not None or stored.ends_at() <= now():
        raise PermissionDeniedError(SESSION_EXPIRED)
    user = user_rows.find(sql, stored.user)
    assert user is not None  # a session belongs to a user (a foreign key)
    return user


def _token_user(ctx: Context, sql: Sql, secret: str) -> User:
    from assay.store import tokens as token_rows  # hashlib: only when a token is given

    token = token_rows.by_secret(sql, secret)
    if token is None:
        raise PermissionDeniedError(
            f"the API token given ({ENV_TOKEN} or the Authorization header) is not known "
            "to this workspace; "
            "create one with: assay token create --user NAME"
        )
    state = token.state(now())
    if state != "active":
        when = token.revoked_at if state == "revoked" else token.expires_at
        assert when is not None
        raise PermissionDeniedError(
            f"the API token {token.prefix}… (#{token.id}, {token.user}) "
            f"{'was revoked' if state == 'revoked' else 'expired'} on {when:%Y-%m-%d}; "
            f"create a new one with: assay token create --user {quoted(token.user)}"
        )
    user = user_rows.find(sql, token.user)
    assert user is not None  # a token belongs to a user (a foreign key)
    ctx.proven_token = token  # its use is noted once a check passes (_note_use)
    return user


def _note_use(ctx: Context) -> None:
    """Note when the token that proved the acting user was used (``last_used_at``, at
    most every :data:`~assay.workspace.context.TOUCH_EVERY`): called when a check has
    passed (:func:`_check`) or a read identified the user (:meth:`Users.me`), so a
    refused command changes nothing (:meth:`Context.bookkeeping`)."""
    from assay.store import tokens as token_rows

    token = ctx.proven_token
    at = now()
    if token is None or (token.last_used_at is not None and at - token.last_used_at < TOUCH_EVERY):
        return
    ctx.proven_token = None  # once per identification
    ctx.bookkeeping("token.touch", lambda sql: token_rows.touch(sql, token.id, at=at))


class Users:
    """Reached as ``workspace.users``; see the module docstring."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def list(self) -> builtins.list[User]:
        """Every registered user, by name (retired ones too: they stay in history)."""
        with self.ctx.sql_read() as sql:
            return user_rows.all_users(sql)

    def authorize(self, action: str) -> Role:
        """See :func:`authorize`."""
        return authorize(self.ctx, action)

    def require(self, needed: Role, action: str, *, always: bool = False) -> Role:
        """The acting user's role, or :class:`PermissionDeniedError` when it is not
        ``needed``; ``action`` describes what is done ("renaming a technique").

        Prefer :meth:`authorize` with an action of the permissions table; this marks
        the unit of work as checked all the same.
        """
        role = _check(self.ctx, needed, action, always=always)
        self.ctx.checked(action)
        return role

    def me(self) -> User | None:
        """The acting user (settled as :func:`identify` does), or ``None`` when not
        registered."""
        with self.ctx.sql_read() as sql:
            identify(self.ctx, sql)
            found = user_rows.find(sql, self.ctx.user)
        if found is not None and found.retired_at is None:
            _note_use(self.ctx)
        return found

    def add(
        self,
        name: str,
        role: Role | str,
        *,
        db_role: str | None = None,
        at: dt.datetime | None = None,
    ) -> User:
        """Register a user (and the database login that proves them). The first user
        must be an admin; after that only an admin may add users."""
        role = role if isinstance(role, Role) else Role.parse(role)
        name = radar.check_name(name, field="user name")
        login = _login(db_role)
        with self.ctx.write() as session:
            if user_rows.count(Sql.of_session(session)) == 0 and role is not Role.ADMIN:
                raise InputError(
                    "the first user must be an admin, who can then add the others; "
                    f"start with: assay user add {quoted(self.ctx.user)} --role admin"
                )
            authorize(self.ctx, "user.add")
            if login is not None:
                authorize(self.ctx, "user.set-db-role")
            return user_rows.add(
                session, name, role, by=self.ctx.user, at=at or now(), db_role=login
            )

    def set_role(self, name: str, role: Role | str) -> User:
        """Change a user's role (admin only)."""
        role = role if isinstance(role, Role) else Role.parse(role)
        with self.ctx.write() as session:
            authorize(self.ctx, "user.set-role")
            return user_rows.set_role(session, name, role, at=now(), by=self.ctx.user)

    def set_db_role(self, name: str, db_role: str | None) -> User:
        """Map a user to the database login that proves them (``None``: unmap)."""
        login = _login(db_role)
        with self.ctx.write() as session:
            authorize(self.ctx, "user.set-db-role")
            return user_rows.set_db_role(session, name, login, at=now())

    def retire(self, name: str, *, why: str) -> User:
        """Retire a user (admin only): they can no longer act, and stay in history."""
        why = why.strip()
        if not why:
            raise InputError("retiring a user needs a reason: --why TEXT")
        with self.ctx.write() as session:
            authorize(self.ctx, "user.retire")
            if name.strip().casefold() == self.ctx.user.strip().casefold():
                raise InputError("you cannot retire yourself; ask another admin")
            at = now()
            retired = user_rows.retire(session, name, by=self.ctx.user, why=why, at=at)
            from assay.store import sessions as session_rows

            session_rows.revoke_all(session, retired.name, at=at)  # their web sessions end
            return retired


def _login(db_role: str | None) -> str | None:
    """A database login name as given, checked: ``None`` or ``""`` means none."""
    if db_role is None or not db_role.strip():
        return None
    login = db_role.strip()
    if len(login) > 63 or any(ord(c) < 32 for c in login):
        raise InputError(
            f"{login[:70]!r} is not a PostgreSQL login name (at most 63 printable characters)"
        )
    return login
