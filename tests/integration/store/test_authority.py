"""The service layer's authority (issue 11): the guard that refuses a write unit
changing rows without an authorization check (injected here on every path: an ORM
unit, a plain-SQL unit on the bare SQLite connection, and on PostgreSQL), API tokens
(created once, stored as a hash, acting with their user's role, refused when
unknown, expired or revoked), and retired users."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from assay import Workspace
from assay.errors import InputError, NotFoundError, PermissionDeniedError
from assay.store.sql import Sql
from assay.workspace.context import UncheckedWriteError
from assay.workspace.users import authorize


@pytest.fixture
def ws(database_url: str, tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(tmp_path, url=database_url, user="ada")
    workspace.users.add("ada", "admin")
    workspace.users.add("cora", "contributor")
    workspace.users.add("vic", "viewer")
    workspace.radar.add("Tiling", area="inference")
    yield workspace
    workspace.close()


def _names(ws: Workspace) -> list[str]:
    with ws.db.read() as session:
        return list(session.execute(text("SELECT name FROM techniques ORDER BY name")).scalars())


def test_an_unchecked_orm_write_is_rolled_back(ws: Workspace) -> None:
    unchecked = pytest.raises(UncheckedWriteError, match="without an authorization check")
    with unchecked, ws.ctx.write() as session:
        session.execute(text("UPDATE techniques SET summary = 'sneaked in'"))
    with ws.db.read() as session:
        assert session.execute(text("SELECT summary FROM techniques")).scalar() != "sneaked in"
    # The same write with its check goes through; a unit that only reads needs none.
    with ws.ctx.write() as session:
        authorize(ws.ctx, "technique.edit")
        session.execute(text("UPDATE techniques SET summary = 'checked'"))
    with ws.ctx.write() as session:
        session.execute(text("SELECT count(*) FROM techniques"))


def test_an_unchecked_plain_sql_write_is_rolled_back(tmp_path: Path) -> None:
    """On the fast path (a bare SQLite connection, no ORM) too."""
    Workspace.init(tmp_path, user="ada").close()
    with Workspace.open(tmp_path, user="ada") as ws:
        ws.radar.add("Tiling", area="inference")
    with Workspace.open(tmp_path, user="ada") as ws:
        assert ws.ctx._fast is not None  # the bare connection, as `technique next` uses
        with pytest.raises(UncheckedWriteError), ws.ctx.sql_write() as sql:
            sql.execute("UPDATE techniques SET summary = 'sneaked in'")
        with ws.ctx.sql_read() as sql:
            assert sql.scalar("SELECT summary FROM techniques") != "sneaked in"
        ws.radar.set_next("Tiling", "measure", due=dt.date(2030, 1, 1))  # checked: fine


def test_a_token_is_shown_once_and_stored_as_a_hash(ws: Workspace) -> None:
    token, secret = ws.tokens.create("cora", expires=dt.timedelta(days=90), label="ci")
    assert secret.startswith("assay_") and len(secret) >= 6 + 43
    assert token.prefix == secret[:12] and token.user == "cora" and token.by == "ada"
    with ws.db.read() as session:
        stored = session.execute(text("SELECT * FROM api_tokens")).mappings().one()
    assert stored["sha256"] == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {str(v) for v in stored.values()}
    assert [t.to_dict(dt.datetime.now(dt.UTC))["state"] for t in ws.tokens.list()] == ["active"]


def _as_token(ws: Workspace, secret: str, named: str | None = None) -> Workspace:
    other = Workspace.open(ws.root, url=str(ws.db.url.render_as_string(hide_password=False)))
    other.ctx.token = secret
    other.ctx.named = named
    return other


def test_a_token_acts_as_its_user_with_their_role(ws: Workspace) -> None:
    _, cora = ws.tokens.create("cora", expires=None)
    _, vic = ws.tokens.create("vic", expires=None)
    with _as_token(ws, cora) as as_cora:
        as_cora.radar.add("Paged attention", area="inference")
        assert as_cora.radar.get("Paged attention").history[0].by == "cora"
    with _as_token(ws, vic) as as_vic, pytest.raises(PermissionDeniedError, match="vic"):
        as_vic.radar.add("Viewer added", area="inference")
    # A token's user naming someone else: only an admin may act on their behalf.
    with (
        _as_token(ws, cora, named="ada") as typed,
        pytest.raises(PermissionDeniedError, match="only an admin may act on behalf"),
    ):
        typed.radar.add("Impostor", area="inference")
    assert "Viewer added" not in _names(ws) and "Impostor" not in _names(ws)


def test_unknown_expired_and_revoked_tokens_are_refused(ws: Workspace) -> None:
    _, expired = ws.tokens.create("cora", expires=dt.timedelta(minutes=1))
    with ws.db.write() as session:  # behind the service's back: a token past its time
        session.execute(text("UPDATE api_tokens SET expires_at = created_at"))
    revoked_token, revoked = ws.tokens.create("cora", expires=None)
    ws.tokens.revoke(revoked_token.id)
    cases = {
        "assay_" + "x" * 43: "is not known",
        expired: "expired on",
        revoked: "was revoked on",
    }
    for secret, words in cases.items():
        with _as_token(ws, secret) as other, pytest.raises(PermissionDeniedError, match=words):
            other.radar.add("Never", area="inference")
    assert "Never" not in _names(ws)


def test_tokens_of_others_need_an_admin(ws: Workspace) -> None:
    mine, _ = ws.tokens.create("cora", expires=None)
    ws.user = "cora"
    own, _ = ws.tokens.create(expires=None, label="laptop")  # her own: contributor is enough
    assert own.user == "cora"
    with pytest.raises(PermissionDeniedError, match="creating a token for another user"):
        ws.tokens.create("vic", expires=None)
    ws.user = "vic"
    with pytest.raises(PermissionDeniedError, match="revoking another user's token"):
        ws.tokens.revoke(mine.id)
    with pytest.raises(NotFoundError, match="no token #999"):
        ws.tokens.revoke(999)


def test_a_retired_user_can_no_longer_act(ws: Workspace) -> None:
    retired = ws.users.retire("cora", why="left the team")
    assert retired.retired and retired.retired_by == "ada"
    ws.user = "cora"
    with pytest.raises(PermissionDeniedError, match="cora was retired on"):
        ws.radar.add("Late", area="inference")
    ws.user = "ada"
    with pytest.raises(InputError, match="already retired"):
        ws.users.retire("cora", why="again")
    with pytest.raises(InputError, match="cannot retire yourself"):
        ws.users.retire("ada", why="tired")
    assert [u.name for u in ws.users.list()] == ["ada", "cora", "vic"]  # kept in history


def test_unregistered_names_are_refused_once_users_exist(ws: Workspace) -> None:
    ws.user = "nobody"
    with pytest.raises(PermissionDeniedError, match="nobody is not a registered user"):
        ws.radar.add("Unregistered", area="inference")
    assert "Unregistered" not in _names(ws)


def _last_used(ws: Workspace, ident: int) -> dt.datetime | None:
    return {t.id: t for t in ws.tokens.list()}[ident].last_used_at


def _token_entries(ws: Workspace) -> int:
    """Entries of the audit trail about tokens."""
    with ws.db.read() as session:
        query = "SELECT count(*) FROM audit_entries WHERE record_table = 'api_tokens'"
        return int(session.execute(text(query)).scalar_one())


def test_a_token_notes_when_it_last_proved_its_user(ws: Workspace) -> None:
    """``last_used_at``: noted by a write and by a read that identifies (the web's
    ``me``), not by a refused write (which changes nothing); at most every 5 minutes;
    never in the audit trail."""
    cora_token, cora = ws.tokens.create("cora", expires=None)
    vic_token, vic = ws.tokens.create("vic", expires=None)
    assert _last_used(ws, cora_token.id) is None
    entries = _token_entries(ws)  # their creation
    before = dt.datetime.now(dt.UTC)
    with _as_token(ws, cora) as as_cora:
        as_cora.radar.add("Paged attention", area="inference")
    used = _last_used(ws, cora_token.id)
    assert used is not None and before - dt.timedelta(seconds=1) <= used
    with _as_token(ws, vic) as as_vic, pytest.raises(PermissionDeniedError):
        as_vic.radar.add("Viewer added", area="inference")
    with _as_token(ws, vic) as as_vic, pytest.raises(PermissionDeniedError):
        authorize(as_vic.ctx, "run.start")  # refused outside a write unit: nothing noted
    assert _last_used(ws, vic_token.id) is None
    assert "Viewer added" not in _names(ws)

    def back_dated(minutes: int) -> dt.datetime:
        at = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=minutes)
        with ws.db.write() as session:  # behind the service's back, as the store binds
            sql = Sql.of_session(session)
            sql.execute(
                "UPDATE api_tokens SET last_used_at = :at WHERE id = :id",
                {"at": sql.bind_datetime(at), "id": cora_token.id},
            )
        return at

    recent = back_dated(1)
    with _as_token(ws, cora) as as_cora:  # a read that identifies: within 5 minutes
        me = as_cora.users.me()
    assert me is not None and me.name == "cora"
    assert _last_used(ws, cora_token.id) == recent
    back_dated(10)
    with _as_token(ws, cora) as as_cora:
        as_cora.users.me()
    again = _last_used(ws, cora_token.id)
    assert again is not None and again >= before
    assert ws.tokens.list()[0].to_dict(again)["last_used_at"] == again.isoformat()
    assert _token_entries(ws) == entries  # bookkeeping, not part of the record


def test_a_busy_store_leaves_the_note_for_later_and_the_read_succeeds(tmp_path: Path) -> None:
    """SQLite locked by another writer: the token's read succeeds after one try at the
    note (the busy timeout), not after the write path's retries, and notes nothing."""
    Workspace.init(tmp_path, user="ada").close()
    workspace = Workspace.open(tmp_path, user="ada")
    workspace.users.add("ada", "admin")
    token, secret = workspace.tokens.create("ada", expires=None)
    workspace.close()
    with _locked(tmp_path), _as_token_at(tmp_path, secret) as as_ada:
        me = as_ada.users.me()
    assert me is not None and me.name == "ada"
    with Workspace.open(tmp_path, user="ada") as again:
        assert _last_used(again, token.id) is None  # left for the next use
        with _as_token_at(tmp_path, secret) as as_ada:
            as_ada.users.me()
        assert _last_used(again, token.id) is not None


def _as_token_at(root: Path, secret: str) -> Workspace:
    other = Workspace.open(root)
    other.ctx.token = secret
    return other


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """The workspace's SQLite file held by another writer for as long as the block runs."""
    locker = sqlite3.connect(root / ".assay" / "assay.db", isolation_level=None)
    try:
        locker.execute("BEGIN IMMEDIATE")
        yield
    finally:
        locker.execute("ROLLBACK")
        locker.close()


def test_a_busy_store_leaves_a_web_sessions_note_for_later(tmp_path: Path) -> None:
    """The twin of the token's note: a session read on a locked store is answered, and
    ``last_seen_at`` waits for a later request."""
    Workspace.init(tmp_path, user="ada").close()
    with Workspace.open(tmp_path, user="ada") as ws:
        ws.users.add("ada", "admin")
        ws.accounts.set_password("ada", "a long enough password")
        opened = ws.accounts.login("ada", "a long enough password")

    def seen() -> str:
        with contextlib.closing(sqlite3.connect(tmp_path / ".assay" / "assay.db")) as db:
            return str(db.execute("SELECT last_seen_at FROM web_sessions").fetchone()[0])

    before = seen()
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=6)
    with _locked(tmp_path), Workspace.open(tmp_path) as ws:
        found = ws.accounts.session(opened.secret, at=later)
    assert found is not None and found.user == "ada"
    assert seen() == before  # left for the next request
    with Workspace.open(tmp_path) as ws:
        ws.accounts.session(opened.secret, at=later)
    assert seen() != before
