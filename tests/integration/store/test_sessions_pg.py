"""Passwords, web sessions and the login rate limit (issue 12), on SQLite and PostgreSQL.

Every case runs on both stores (the ``database_url`` fixture): setting a password,
logging in, the one message for every failure, the rate limit and its retry-after,
a session read back, idle and absolute expiry (a clock passed as ``at=``, no
sleeping), log-out, retired users, a new password ending the other sessions, a web
session proving its user to :func:`~assay.workspace.users.identify`, audit entries
without hashes or secrets, and the guard against unchecked writes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assay import Workspace
from assay.errors import InputError, NotFoundError, PermissionDeniedError, RateLimitedError
from assay.store import audit as audit_rows
from assay.workspace import accounts
from assay.workspace.accounts import WRONG, WebSession
from assay.workspace.context import UncheckedWriteError, now
from assay.workspace.users import SESSION_EXPIRED, authorize

PW = {"ada": "ada's long passphrase", "vic": "vic's long passphrase"}


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id with the lowest costs: the rate-limit cases verify dozens of
    passwords (tests/unit/workspace/test_accounts.py checks the real parameters)."""
    from argon2 import PasswordHasher

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "_HASHER", [cheap])
    monkeypatch.setattr(accounts, "_DUMMY", [])


@pytest.fixture
def ws(database_url: str, tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(tmp_path, url=database_url, user="ada")
    workspace.users.add("ada", "admin")
    workspace.users.add("vic", "viewer")
    workspace.users.add("cora", "contributor")  # no password
    for name, password in PW.items():
        workspace.accounts.set_password(name, password)
    yield workspace
    workspace.close()


Other = Callable[..., Workspace]


@pytest.fixture
def other(database_url: str, tmp_path: Path) -> Other:
    """Another workspace on the same store (``user``, ``web_session``), as the web
    builds one per request; nobody named unless ``user`` is given."""

    def build(*, user: str = "", web_session: str | None = None) -> Workspace:
        found = Workspace.open(tmp_path, url=database_url, user=user or "somebody")
        found.ctx.named = user or None
        found.ctx.web_session = web_session
        return found

    return build


def _scalar(ws: Workspace, query: str) -> object:
    with ws.ctx.sql_read() as sql:
        return sql.scalar(query)


def _t0() -> dt.datetime:
    return now().replace(microsecond=0)


# -- passwords and logging in -----------------------------------------------------------


def test_a_password_is_stored_as_argon2id_and_opens_a_session(ws: Workspace) -> None:
    stored = str(_scalar(ws, "SELECT password_hash FROM users WHERE key = 'vic'"))
    assert stored.startswith("$argon2id$")
    assert PW["vic"] not in stored
    assert _scalar(ws, "SELECT password_set_at FROM users WHERE key = 'vic'") is not None
    at = _t0()
    opened = ws.accounts.login("VIC", PW["vic"], client="10.0.0.1", at=at)
    assert (opened.user, opened.role) == ("vic", "viewer")
    assert len(opened.secret) == 43 and len(opened.csrf) == 43  # token_urlsafe(32)
    assert opened.created_at == at
    assert opened.expires_at == at + dt.timedelta(hours=12)
    assert "secret" not in opened.to_dict() and "csrf" not in opened.to_dict()
    # Only the SHA-256 of the secret is stored.
    digest = hashlib.sha256(opened.secret.encode()).hexdigest()
    assert _scalar(ws, "SELECT secret_hash FROM web_sessions") == digest
    assert _scalar(ws, "SELECT client FROM web_sessions") == "10.0.0.1"
    back = ws.accounts.session(opened.secret, at=at + dt.timedelta(minutes=1))
    assert back == WebSession("", "vic", "viewer", opened.csrf, at, opened.expires_at)
    assert ws.accounts.session("not-a-session", at=at) is None
    assert ws.accounts.session("", at=at) is None


@pytest.mark.parametrize(
    ("name", "password"),
    [
        ("vic", "a wrong passphrase"),  # wrong password
        ("nobody", PW["vic"]),  # unknown name
        ("cora", PW["vic"]),  # a user with no password
        ("vic", ""),  # empty
        ("vic", "x" * 5000),  # absurdly long: still verified, still wrong
    ],
)
def test_every_failure_gets_the_same_message(ws: Workspace, name: str, password: str) -> None:
    with pytest.raises(PermissionDeniedError) as refused:
        ws.accounts.login(name, password, client="c")
    assert str(refused.value) == WRONG
    assert not isinstance(refused.value, RateLimitedError)
    assert _scalar(ws, "SELECT count(*) FROM web_sessions") == 0
    assert _scalar(ws, "SELECT count(*) FROM login_attempts WHERE ok = false") == 1


def test_an_unknown_name_is_verified_against_a_dummy_hash(ws: Workspace) -> None:
    """The time an unknown name takes is an argon2 verification too (no timing in a
    test: the dummy hash is what makes it so)."""
    accounts._DUMMY.clear()
    with pytest.raises(PermissionDeniedError, match=WRONG):
        ws.accounts.login("nobody", "whatever it is", client="c")
    assert accounts._DUMMY
    assert accounts._DUMMY[0].startswith("$argon2id$")


def test_a_retired_user_cannot_log_in_and_their_sessions_end(ws: Workspace, other: Other) -> None:
    opened = ws.accounts.login("vic", PW["vic"], client="c")
    ws.users.retire("vic", why="left the team")
    assert ws.accounts.session(opened.secret) is None
    assert _scalar(ws, "SELECT revoked_at FROM web_sessions") is not None
    with pytest.raises(PermissionDeniedError) as refused:
        ws.accounts.login("vic", PW["vic"], client="c")
    assert str(refused.value) == WRONG
    # Even a session retiring did not revoke (injected) proves nothing.
    with ws.ctx.sql_write() as sql:
        ws.ctx.checked("test")
        sql.execute("UPDATE web_sessions SET revoked_at = NULL")
    assert ws.accounts.session(opened.secret) is None
    with other(web_session=opened.secret) as web, pytest.raises(PermissionDeniedError) as r:
        web.users.me()
    assert "retired" in str(r.value)


def test_setting_passwords_needs_yourself_or_an_admin(ws: Workspace, other: Other) -> None:
    with other(user="vic") as vic:
        vic.accounts.set_password("vic", "vic's newer passphrase")
        with pytest.raises(PermissionDeniedError, match="another user's password needs the admin"):
            vic.accounts.set_password("ada", "taken over, sorry")
    with pytest.raises(InputError, match="at least 12"):
        ws.accounts.set_password("vic", "short")
    with pytest.raises(InputError, match="control characters"):
        ws.accounts.set_password("vic", "with a\ttab inside")
    with pytest.raises(NotFoundError, match="not a registered user"):
        ws.accounts.set_password("nobody", "a long passphrase")
    ws.users.retire("cora", why="left")
    with pytest.raises(InputError, match="retired"):
        ws.accounts.set_password("cora", "a long passphrase")
    ws.accounts.login("vic", "vic's newer passphrase", client="c")


def test_a_short_password_writes_nothing(ws: Workspace) -> None:
    before = _scalar(ws, "SELECT count(*) FROM audit_entries")
    hashed = _scalar(ws, "SELECT password_hash FROM users WHERE key = 'vic'")
    with pytest.raises(InputError):
        ws.accounts.set_password("vic", "too short")
    assert _scalar(ws, "SELECT count(*) FROM audit_entries") == before
    assert _scalar(ws, "SELECT password_hash FROM users WHERE key = 'vic'") == hashed


def test_a_new_password_ends_the_other_sessions(ws: Workspace, other: Other) -> None:
    kept = ws.accounts.login("vic", PW["vic"], client="laptop")
    second = ws.accounts.login("vic", PW["vic"], client="phone")
    # vic, through the session `kept`, sets a new password: `second` ends.
    with other(web_session=kept.secret) as web:
        web.accounts.set_password("vic", "vic's second passphrase")
    assert ws.accounts.session(kept.secret) is not None
    assert ws.accounts.session(second.secret) is None
    # An admin setting it ends every one.
    ws.accounts.set_password("vic", "vic's third passphrase")
    assert ws.accounts.session(kept.secret) is None


def test_an_old_hash_is_made_again_on_login(ws: Workspace) -> None:
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(PW["vic"])
    set_at = _scalar(ws, "SELECT password_set_at FROM users WHERE key = 'vic'")
    with ws.ctx.sql_write() as sql:
        ws.ctx.checked("test")
        sql.execute("UPDATE users SET password_hash = :h WHERE key = 'vic'", {"h": weak})
    ws.accounts.login("vic", PW["vic"], client="c")
    renewed = str(_scalar(ws, "SELECT password_hash FROM users WHERE key = 'vic'"))
    assert renewed != weak
    assert accounts._hasher().check_needs_rehash(weak)
    assert not accounts._hasher().check_needs_rehash(renewed)
    assert _scalar(ws, "SELECT password_set_at FROM users WHERE key = 'vic'") == set_at
    ws.accounts.login("vic", PW["vic"], client="c")  # the new hash verifies


# -- the rate limit -----------------------------------------------------------------------


def _fail(ws: Workspace, name: str, client: str, at: dt.datetime) -> None:
    with pytest.raises(PermissionDeniedError, match=WRONG):
        ws.accounts.login(name, "not the password", client=client, at=at)


def test_five_failures_for_a_name_lock_it_for_fifteen_minutes(ws: Workspace) -> None:
    t0 = _t0()
    for i in range(5):
        _fail(ws, "vic", f"client-{i}", t0 + dt.timedelta(minutes=i))
    at = t0 + dt.timedelta(minutes=5)
    with pytest.raises(RateLimitedError) as limited:
        ws.accounts.login("vic", PW["vic"], client="elsewhere", at=at)  # even the right one
    assert limited.value.retry_after_s == 10 * 60  # the oldest failure leaves at t0 + 15 min
    assert isinstance(limited.value, PermissionDeniedError)
    assert "try again in 10 minutes" in str(limited.value)
    attempts = _scalar(ws, "SELECT count(*) FROM login_attempts")
    assert attempts == 5  # a refused attempt is not recorded: it does not extend the lock
    # The name is locked, not the others.
    ws.accounts.login("ada", PW["ada"], client="elsewhere", at=at)
    # Once the oldest failure is 15 minutes old, four remain: vic may try again.
    ws.accounts.login(
        "vic", PW["vic"], client="elsewhere", at=t0 + dt.timedelta(minutes=15, seconds=1)
    )


def test_a_success_erases_only_its_own_clients_failures(ws: Workspace) -> None:
    t0 = _t0()
    for i in range(4):
        _fail(ws, "vic", "vic-laptop", t0 + dt.timedelta(seconds=i))
    ws.accounts.login("vic", PW["vic"], client="vic-laptop", at=t0 + dt.timedelta(seconds=5))
    for i in range(4):  # the laptop's earlier failures are forgiven: 4, not 8
        _fail(ws, "vic", "vic-laptop", t0 + dt.timedelta(seconds=10 + i))
    ws.accounts.login("vic", PW["vic"], client="vic-laptop", at=t0 + dt.timedelta(seconds=20))
    # An attacker's failures are not erased by vic's success.
    for i in range(4):
        _fail(ws, "vic", "attacker", t0 + dt.timedelta(seconds=30 + i))
    ws.accounts.login("vic", PW["vic"], client="vic-laptop", at=t0 + dt.timedelta(seconds=40))
    _fail(ws, "vic", "attacker", t0 + dt.timedelta(seconds=41))
    with pytest.raises(RateLimitedError) as limited:
        ws.accounts.login("vic", PW["vic"], client="vic-laptop", at=t0 + dt.timedelta(seconds=42))
    assert limited.value.retry_after_s == 15 * 60 - 12  # the oldest counted: t0 + 30 s


def test_twenty_failures_from_one_client_lock_it(ws: Workspace) -> None:
    t0 = _t0()
    for i in range(20):  # a different name each time: no name reaches its limit
        _fail(ws, f"guess-{i}", "10.6.6.6", t0 + dt.timedelta(seconds=i))
    at = t0 + dt.timedelta(seconds=30)
    with pytest.raises(RateLimitedError) as limited:
        ws.accounts.login("vic", PW["vic"], client="10.6.6.6", at=at)
    assert limited.value.retry_after_s == 15 * 60 - 30
    ws.accounts.login("vic", PW["vic"], client="10.0.0.1", at=at)  # another client may


def test_attempts_older_than_a_day_are_pruned(ws: Workspace) -> None:
    t0 = _t0()
    _fail(ws, "vic", "c", t0 - dt.timedelta(days=2))
    _fail(ws, "ada", "c", t0 - dt.timedelta(days=2, hours=-1))  # an hour later: both kept
    assert _scalar(ws, "SELECT count(*) FROM login_attempts") == 2
    ws.accounts.login("vic", PW["vic"], client="c", at=t0)
    assert _scalar(ws, "SELECT count(*) FROM login_attempts") == 1  # only this one is left


# -- sessions: expiry, log-out, identity -----------------------------------------------------


def test_a_session_ends_after_twelve_idle_hours_or_seven_days(ws: Workspace) -> None:
    t0 = _t0()
    opened = ws.accounts.login("vic", PW["vic"], client="c", at=t0)
    hour = dt.timedelta(hours=1)
    assert ws.accounts.session(opened.secret, at=t0 + 12 * hour) is None  # idle
    # Seen every 11 hours, it lives on, up to 7 days after the log-in.
    busy = ws.accounts.login("vic", PW["vic"], client="c", at=t0)
    at = t0
    while at + 11 * hour < t0 + dt.timedelta(days=7):
        at += 11 * hour
        seen = ws.accounts.session(busy.secret, at=at)
        assert seen is not None, at - t0
        assert seen.expires_at == min(at + 12 * hour, t0 + dt.timedelta(days=7))
    assert ws.accounts.session(busy.secret, at=t0 + dt.timedelta(days=7)) is None


def test_last_seen_is_noted_at_most_every_five_minutes(ws: Workspace) -> None:
    t0 = _t0()
    opened = ws.accounts.login("vic", PW["vic"], client="c", at=t0)
    entries = _scalar(ws, "SELECT count(*) FROM audit_entries")
    ws.accounts.session(opened.secret, at=t0 + dt.timedelta(minutes=4))
    seen = _scalar(ws, "SELECT last_seen_at FROM web_sessions")
    ws.accounts.session(opened.secret, at=t0 + dt.timedelta(minutes=6))
    assert _scalar(ws, "SELECT last_seen_at FROM web_sessions") != seen
    assert _scalar(ws, "SELECT count(*) FROM audit_entries") == entries  # not the record


def test_logout_ends_the_session(ws: Workspace, other: Other) -> None:
    opened = ws.accounts.login("vic", PW["vic"], client="c")
    with other(web_session=opened.secret) as web:
        web.accounts.logout(opened.secret)
    assert ws.accounts.session(opened.secret) is None
    ws.accounts.logout(opened.secret)  # again: nothing
    ws.accounts.logout("unknown")
    web = other(web_session=opened.secret)
    with web, pytest.raises(PermissionDeniedError) as refused:
        web.users.me()
    assert str(refused.value) == SESSION_EXPIRED
    logged = [e for e in ws.audit.log(record="web_sessions:1") if e.action == "update"]
    assert [(e.actor, e.via) for e in logged] == [("vic", "")]


def test_a_web_session_proves_its_user(ws: Workspace, other: Other) -> None:
    vic = ws.accounts.login("vic", PW["vic"], client="c")
    with other(web_session=vic.secret) as web:
        assert web.users.me() is not None
        assert web.ctx.user == "vic"
        with pytest.raises(PermissionDeniedError, match="adding a technique needs"):
            web.radar.add("Tiling", area="inference")
    # It comes before a token and before the name given.
    ada = ws.accounts.login("ada", PW["ada"], client="c")
    _, token = ws.tokens.create("vic", expires=None)
    with other(web_session=ada.secret) as web:
        web.ctx.token = token
        web.radar.add("Tiling", area="inference")
        assert web.ctx.user == "ada"
    # A viewer's session naming someone else is refused, as a token's would be.
    web = other(user="ada", web_session=vic.secret)
    with web, pytest.raises(PermissionDeniedError, match="only an admin may act on behalf"):
        web.users.me()


def test_an_expired_session_is_refused_by_identify(ws: Workspace, other: Other) -> None:
    old = ws.accounts.login("ada", PW["ada"], client="c", at=now() - dt.timedelta(hours=13))
    web = other(web_session=old.secret)
    with web, pytest.raises(PermissionDeniedError) as refused:
        web.radar.add("Tiling", area="inference")
    assert str(refused.value) == SESSION_EXPIRED
    web = other(web_session="never issued")
    with web, pytest.raises(PermissionDeniedError, match="your session has expired"):
        web.users.me()


def test_revoking_sessions_needs_yourself_or_an_admin(ws: Workspace, other: Other) -> None:
    ws.accounts.login("vic", PW["vic"], client="a")
    ws.accounts.login("vic", PW["vic"], client="b")
    with other(user="vic") as vic:
        with pytest.raises(PermissionDeniedError, match="another user's web sessions"):
            vic.accounts.revoke_sessions("ada")
        assert vic.accounts.revoke_sessions("vic") == 2
    assert ws.accounts.revoke_sessions("vic") == 0
    with pytest.raises(NotFoundError):
        ws.accounts.revoke_sessions("nobody")


# -- the audit trail and the guard ----------------------------------------------------------


def test_audit_entries_hold_no_hash_and_no_secret(ws: Workspace) -> None:
    opened = ws.accounts.login("vic", PW["vic"], client="c")
    ws.accounts.logout(opened.secret)
    with ws.ctx.sql_read() as sql:
        raw_hash = str(sql.scalar("SELECT password_hash FROM users WHERE key = 'vic'"))
        secret_hash = str(sql.scalar("SELECT secret_hash FROM web_sessions"))
        texts = [f"{b} {a}" for b, a in sql.rows("SELECT before, after FROM audit_entries")]
    assert raw_hash.startswith("$argon2id$")  # the row holds it...
    logged = " ".join(texts)
    for secret in (raw_hash, "$argon2", secret_hash, opened.secret, opened.csrf, PW["vic"]):
        assert secret not in logged  # ...its audit images do not
    assert "password_hash" not in logged and "secret_hash" not in logged
    assert "password_set_at" in logged  # setting a password is on record
    users = [e for e in ws.audit.log(record="users:vic")]
    assert any(e.action == "update" and "password_set_at" in (e.after or "") for e in users)
    assert {e.action for e in ws.audit.log(record="web_sessions:1")} == {"insert", "update"}
    assert ws.audit.verify().ok


def test_the_images_would_hold_the_hash_without_the_skip(ws: Workspace) -> None:
    """The skip is what keeps the hash out (the check above can fail)."""
    spec = audit_rows.TABLES["users"]
    with ws.ctx.sql_read() as sql:
        plain = audit_rows.Spec(natural=spec.natural)
        audit_rows.TABLES["users"] = plain
        try:
            images = audit_rows.images(sql, "users")
        finally:
            audit_rows.TABLES["users"] = spec
        kept = audit_rows.images(sql, "users")
    assert any("$argon2id$" in image for _, image in images.values())
    assert not any("$argon2id$" in image for _, image in kept.values())


def test_unchecked_session_writes_are_still_refused(ws: Workspace) -> None:
    opened = ws.accounts.login("vic", PW["vic"], client="c")
    with pytest.raises(UncheckedWriteError), ws.ctx.sql_write() as sql:
        sql.execute("UPDATE web_sessions SET expires_at = created_at")
    with pytest.raises(UncheckedWriteError), ws.ctx.sql_write() as sql:
        sql.execute(
            "INSERT INTO login_attempts (name, client, at, ok) VALUES ('x', 'y', :at, false)",
            {"at": sql.bind_datetime(now())},
        )
    assert ws.accounts.session(opened.secret) is not None
    assert _scalar(ws, "SELECT count(*) FROM login_attempts WHERE name = 'x'") == 0
    with ws.ctx.write():
        authorize(ws.ctx, "session.logout")  # and a checked one goes through


def test_a_web_session_comes_before_the_database_login(
    ws: Workspace, other: Other, database_url: str
) -> None:
    """On PostgreSQL with logins mapped, the web app's own login proves no one: its
    requests are proven by their sessions."""
    vic = ws.accounts.login("vic", PW["vic"], client="c")
    ws.users.set_db_role("ada", "a_login_that_is_not_this_one")
    plain = other(user="ada")
    with plain:
        if database_url.startswith("postgresql"):
            with pytest.raises(PermissionDeniedError, match="is not mapped to an assay user"):
                plain.users.me()
        else:  # SQLite: logins prove nothing, the name given acts
            me = plain.users.me()
            assert me is not None
            assert me.name == "ada"
    with other(web_session=vic.secret) as web:
        me = web.users.me()
        assert me is not None
        assert me.name == "vic"
