"""Identities proven by PostgreSQL logins (issue 11): on a real server with two LOGIN
roles, each person acts as themselves; one cannot act as the other by typing their
name (``--by``, ``ASSAY_USER``); an admin may act on behalf of another, which the
audit trail records; a login mapped to no user is refused once logins are mapped,
and so is a retired user's. Each refusal exits 2 with one line and leaves every row
of every table as it was."""

from __future__ import annotations

import contextlib
import io
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from assay import Workspace
from assay.cli.app import main

pytestmark = pytest.mark.postgres


class Team:
    """A database on the test server with two logins, ``alice`` (an admin) and
    ``bob`` (a contributor), and ``carol`` (a viewer without a login)."""

    def __init__(self, server: Any) -> None:
        suffix = uuid.uuid4().hex[:8]
        self.server = server
        self.dbname = server.create_database()
        self.logins = {"alice": f"alice_{suffix}", "bob": f"bob_{suffix}"}
        for login in self.logins.values():
            server.admin(f"CREATE ROLE {login} LOGIN PASSWORD 'pw-{login}'")
        self.superuser = server.url(self.dbname)
        Workspace.open(url=self.superuser, user="alice").close()  # migrates the schema
        grants = ["GRANT USAGE ON SCHEMA public TO {login}"] + [
            f"GRANT {what} ON ALL {kind} IN SCHEMA public TO {{login}}"
            for what, kind in (("SELECT, INSERT, UPDATE, DELETE", "TABLES"), ("USAGE", "SEQUENCES"))
        ]
        engine = sa.create_engine(self.superuser)
        with engine.begin() as conn:
            for login in self.logins.values():
                for grant in grants:
                    conn.execute(sa.text(grant.format(login=login)))
        engine.dispose()

    def url(self, who: str) -> str:
        login = self.logins[who]
        return (
            f"postgresql+psycopg://{login}:pw-{login}@{self.server.host}:{self.server.port}/"
            f"{self.dbname}"
        )

    def rows(self) -> dict[str, list[str]]:
        """Every row of every table, as text, in order: what a refusal must not change."""
        engine = sa.create_engine(self.superuser)
        with engine.connect() as conn:
            tables = conn.execute(
                sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            ).scalars()
            dump = {
                table: [
                    str(row[0])
                    for row in conn.execute(sa.text(f'SELECT t::text FROM "{table}" t ORDER BY 1'))
                ]
                for table in list(tables)
            }
        engine.dispose()
        return dump


def cli(url: str, *args: str, user: str | None = None) -> tuple[int, str, str]:
    """``assay ARGS --db URL`` in this process, with ``ASSAY_USER`` set to ``user``."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("ASSAY_DATABASE_URL", raising=False)
        mp.delenv("ASSAY_TOKEN", raising=False)
        if user is None:
            mp.delenv("ASSAY_USER", raising=False)
        else:
            mp.setenv("ASSAY_USER", user)
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            pytest.raises(SystemExit) as done,
        ):
            main([*args, "--db", url])
    return int(done.value.code or 0), out.getvalue(), err.getvalue()


def ok(result: tuple[int, str, str]) -> str:
    code, out, err = result
    assert code == 0, err
    return out


def refused(team: Team, result: tuple[int, str, str], *words: str) -> None:
    code, out, err = result
    assert code == 2, (out, err)
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in err, err


@pytest.fixture
def team(postgres_server: Any) -> Team:
    made = Team(postgres_server)
    su = made.superuser
    # The first user may be added by anyone; from then on, logins prove who acts.
    ok(cli(su, "user", "add", "alice", "--role", "admin", "--db-role", made.logins["alice"],
           user="alice"))  # fmt: skip
    alice = made.url("alice")
    ok(cli(alice, "user", "add", "bob", "--role", "contributor", "--db-role", made.logins["bob"]))
    ok(cli(alice, "user", "add", "carol", "--role", "viewer"))
    ok(cli(alice, "technique", "add", "Tiling", "--area", "inference"))
    return made


def test_each_login_acts_as_its_user(team: Team) -> None:
    ok(cli(team.url("bob"), "technique", "add", "Paged attention", "--area", "inference"))
    shown = ok(cli(team.url("bob"), "technique", "show", "Paged attention", "--json"))
    assert '"bob"' in shown
    # A name guessed from git or the OS gives way to the login; naming yourself is fine.
    ok(cli(team.url("bob"), "technique", "next", "Tiling", "measure", "--due", "2030-01-01",
           user="Bob"))  # fmt: skip


def test_one_login_cannot_act_as_another(team: Team) -> None:
    bob = team.url("bob")
    before = team.rows()
    refused(team, cli(bob, "user", "set-role", "bob", "admin", "--by", "alice"),
            "bob", "only an admin may act on behalf")  # fmt: skip
    refused(team, cli(bob, "radar", "move", "Tiling", "hold", "--why", "x", user="alice"),
            "may not act as alice")  # fmt: skip
    # As himself, bob has the contributor role: not enough for an admin's action.
    refused(team, cli(bob, "user", "set-role", "bob", "admin"), "admin role", "bob")
    assert team.rows() == before


def test_a_login_mapped_to_no_user_is_refused(team: Team) -> None:
    before = team.rows()
    refused(team, cli(team.superuser, "technique", "add", "X", "--area", "a", user="alice"),
            "is not mapped to an assay user", "assay user set-db-role")  # fmt: skip
    assert team.rows() == before


def test_an_admin_acts_on_behalf_of_another_and_it_is_recorded(team: Team) -> None:
    ok(cli(team.url("alice"), "radar", "move", "Tiling", "hold", "--why", "for bob", "--by", "bob"))
    engine = sa.create_engine(team.superuser)
    with engine.connect() as conn:
        entries = conn.execute(
            sa.text("SELECT actor, on_behalf_of FROM audit_entries WHERE on_behalf_of IS NOT NULL")
        ).all()
    engine.dispose()
    assert entries and {tuple(e) for e in entries} == {("alice", "bob")}
    # On behalf of someone unknown or retired: refused.
    before = team.rows()
    refused(team, cli(team.url("alice"), "technique", "add", "Y", "--area", "a", "--by", "zed"),
            "zed is not a registered user")  # fmt: skip
    assert team.rows() == before


def test_a_retired_users_login_can_no_longer_act(team: Team) -> None:
    ok(cli(team.url("alice"), "user", "retire", "bob", "--why", "left the team"))
    before = team.rows()
    refused(team, cli(team.url("bob"), "technique", "add", "Z", "--area", "a"),
            "bob was retired")  # fmt: skip
    assert team.rows() == before
    listed = ok(cli(team.url("alice"), "user", "list", "--json"))
    assert '"retired_why": "left the team"' in listed


def test_the_server_checks_each_logins_password(team: Team) -> None:
    """Bob, knowing his own password, cannot log in as alice: the server checks it
    (SCRAM, as docs/permissions.md asks of a team's server), and assay says so on one
    line without touching anything."""
    alice, bob = team.logins["alice"], team.logins["bob"]
    host = f"{team.server.host}:{team.server.port}/{team.dbname}"
    before = team.rows()
    posing = f"postgresql+psycopg://{alice}:pw-{bob}@{host}"
    refused(team, cli(posing, "radar", "move", "Tiling", "hold", "--why", "x"),
            alice, "password authentication failed")  # fmt: skip
    without = f"postgresql+psycopg://{alice}@{host}"
    refused(team, cli(without, "radar", "move", "Tiling", "hold", "--why", "x"), alice)
    assert team.rows() == before
