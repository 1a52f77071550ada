"""The workspace: one facade that the CLI and the web app both call.

A workspace is a directory holding ``.assay/`` (settings in ``assay.toml``, records
in ``assay.db``), found by walking up from the current directory like ``.git``, or
any database named by a URL (``--db`` or ``ASSAY_DATABASE_URL``) so a whole team
can share one PostgreSQL server.

:class:`Workspace` only assembles the services (one per kind of record, each built
on one :class:`~assay.workspace.context.Context` and opening its own unit of work)
and opens, creates, closes and upgrades the store.
"""

from __future__ import annotations

import functools
import os
import shutil
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from assay.errors import InputError, NoWorkspaceError, WorkspaceError
from assay.store import analyses as analysis_rows
from assay.store.migrations import HEAD
from assay.store.sql import Sql, SqliteUnit, connect_sqlite
from assay.workspace.actor import named_actor, resolve_actor
from assay.workspace.context import Context
from assay.workspace.settings import Settings, default_toml, load_settings

if TYPE_CHECKING:
    from assay.store import Database, SchemaStatus
    from assay.workspace.ab import ABBook
    from assay.workspace.accounts import Accounts
    from assay.workspace.audit import Audit
    from assay.workspace.claims import Claims
    from assay.workspace.inbox import Inbox
    from assay.workspace.learnings import Areas, Learnings
    from assay.workspace.load import LoadBook
    from assay.workspace.papers import Papers
    from assay.workspace.postmortems import PostMortems
    from assay.workspace.predictions import Predictions
    from assay.workspace.prototypes import Prototypes
    from assay.workspace.questions import Questions
    from assay.workspace.radar import Radar
    from assay.workspace.reports import Reports
    from assay.workspace.retiring import Corrections
    from assay.workspace.rollouts import Rollouts
    from assay.workspace.runs import RunBook
    from assay.workspace.self_assessment import SelfAssessment
    from assay.workspace.tokens import Tokens
    from assay.workspace.users import Users
    from assay.workspace.watch import WatchBook

__all__ = ["DIRNAME", "ENV_URL", "Workspace", "find_root"]

DIRNAME = ".assay"
ENV_URL = "ASSAY_DATABASE_URL"


def find_root(start: Path) -> Path | None:
    """The nearest directory at or above ``start`` that holds ``.assay/``."""
    here = start.resolve()
    for directory in (here, *here.parents):
        if (directory / DIRNAME).is_dir():
            return directory
    return None


class Workspace:
    """An open workspace. Use :meth:`init` or :meth:`open`, then :meth:`close`.

    It only assembles the services, each built on one :class:`Context`:
    ``radar``, ``papers``, ``claims``, ``predictions``, ``postmortems``,
    ``prototypes``, ``runs``, ``users``, ``reports`` and ``corrections``.
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # Each service is built on first use, and its module imported then (a documented
    # lazy import): a command that reads the radar does not pay for importing the
    # benchmark engine, the criteria language and the report builders.

    @functools.cached_property
    def users(self) -> Users:
        """Users and roles."""
        from assay.workspace.users import Users

        return Users(self.ctx)

    @functools.cached_property
    def tokens(self) -> Tokens:
        """API tokens: create, list, revoke."""
        from assay.workspace.tokens import Tokens

        return Tokens(self.ctx)

    @functools.cached_property
    def accounts(self) -> Accounts:
        """Passwords and web sessions: set a password, log in and out."""
        from assay.workspace.accounts import Accounts

        return Accounts(self.ctx)

    @functools.cached_property
    def runs(self) -> RunBook:
        """Benchmark runs: start, resume, list, report, import."""
        from assay.workspace.runs import RunBook

        return RunBook(self.ctx)

    @functools.cached_property
    def ab(self) -> ABBook:
        """Production A/B analyses, stored as runs of kind "ab"."""
        from assay.workspace.ab import ABBook

        return ABBook(self.ctx, lambda: self.prototypes)

    @functools.cached_property
    def load(self) -> LoadBook:
        """Load runs (``assay load ... --store``), stored as runs of kind "load"."""
        from assay.workspace.load import LoadBook

        return LoadBook(self.ctx, lambda: self.prototypes)

    @functools.cached_property
    def radar(self) -> Radar:
        """Techniques, rings and their history, artifacts, radar files."""
        from assay.workspace.radar import Radar

        return Radar(self.ctx, self.users)

    @functools.cached_property
    def papers(self) -> Papers:
        """Papers, reading notes, red flags, viability."""
        from assay.workspace.papers import Papers

        return Papers(self.ctx)

    @functools.cached_property
    def claims(self) -> Claims:
        """Claims, findings and reproductions."""
        from assay.workspace.claims import Claims

        return Claims(self.ctx)

    @functools.cached_property
    def predictions(self) -> Predictions:
        """Predictions, forecasts, resolutions and scores."""
        from assay.workspace.predictions import Predictions

        return Predictions(self.ctx)

    @functools.cached_property
    def postmortems(self) -> PostMortems:
        """Post-mortems, their actions and patterns."""
        from assay.workspace.postmortems import PostMortems

        return PostMortems(self.ctx, self.radar)

    @functools.cached_property
    def prototypes(self) -> Prototypes:
        """Prototypes, pre-registration, evidence, gate reviews and decisions, cost."""
        from assay.workspace.prototypes import Prototypes

        return Prototypes(self.ctx, self.users)

    @functools.cached_property
    def audit(self) -> Audit:
        """The audit trail: read it, verify that nothing was changed behind assay's back."""
        from assay.workspace.audit import Audit

        return Audit(self.ctx)

    @functools.cached_property
    def corrections(self) -> Corrections:
        """Renaming a technique; retiring (and unretiring) techniques, papers, runs."""
        from assay.workspace.retiring import Corrections

        return Corrections(self.ctx, self.users)

    @functools.cached_property
    def inbox(self) -> Inbox:
        """The reading inbox: feeds, triage, sources and their yield, cadence, digest."""
        from assay.workspace.inbox import Inbox

        return Inbox(self.ctx, lambda: self.papers)

    @functools.cached_property
    def rollouts(self) -> Rollouts:
        """Production rollouts: the ramp behind a feature flag, its A/B evidence, rollbacks."""
        from assay.workspace.rollouts import Rollouts

        return Rollouts(self.ctx, lambda: self.ab)

    @functools.cached_property
    def watch(self) -> WatchBook:
        """Watched metrics, their change points, reopened decisions (issue 14)."""
        from assay.workspace.watch import WatchBook

        return WatchBook(self.ctx)

    @functools.cached_property
    def areas(self) -> Areas:
        """Areas of the radar and their owners (issue 16)."""
        from assay.workspace.learnings import Areas

        return Areas(self.ctx)

    @functools.cached_property
    def learnings(self) -> Learnings:
        """What each prototype taught, kept or killed (issue 16)."""
        from assay.workspace.learnings import Learnings

        return Learnings(self.ctx)

    @functools.cached_property
    def self_assessment(self) -> SelfAssessment:
        """Capabilities rated 1-5 with history, growth areas: private (issue 16)."""
        from assay.workspace.self_assessment import SelfAssessment

        return SelfAssessment(self.ctx)

    @functools.cached_property
    def questions(self) -> Questions:
        """Research questions opened from post-mortems and production regressions."""
        from assay.workspace.questions import Questions

        return Questions(self.ctx, self.radar, lambda: self.postmortems, lambda: self.watch)

    @functools.cached_property
    def reports(self) -> Reports:
        """Status, review agenda, portfolio, review meetings."""
        from assay.workspace.reports import Reports

        return Reports(self.ctx, self.users, self.radar, lambda: self.prototypes)

    @property
    def db(self) -> Database:
        """The store."""
        return self.ctx.db

    @property
    def root(self) -> Path | None:
        """The directory holding ``.assay/``, or ``None`` for a database named by URL."""
        return self.ctx.root

    @property
    def settings(self) -> Settings:
        """The settings read from ``.assay/assay.toml``."""
        return self.ctx.settings

    @property
    def user(self) -> str:
        """Who acts; assign it to act as someone else from now on."""
        return self.ctx.user

    @user.setter
    def user(self, name: str) -> None:
        self.ctx.user = name

    # -- opening ------------------------------------------------------------------

    @classmethod
    def init(
        cls, path: Path, *, url: str | None = None, user: str | None = None, demo: bool = False
    ) -> Workspace:
        """Create ``PATH/.assay/`` with its settings and a migrated database."""
        target = path.expanduser().resolve()
        if DIRNAME in target.parts:  # e.g. .assay/assay.db-wal: the workspace would break
            from assay.formats.files import shown

            raise InputError(
                f"{shown(target)} is inside a workspace's {DIRNAME}/ folder; "
                "make the new workspace elsewhere"
            )
        if target.exists() and not target.is_dir():
            raise InputError(f"{target} is a file; expected a directory for the workspace")
        home = target / DIRNAME
        if home.exists():
            raise WorkspaceError(f"{target} already holds a workspace ({home})")
        if url is not None:
            database = cls._database(None, url)
            database.migrate()  # a bad URL fails here, before anything is written on disk
        try:
            home.mkdir(parents=True)
        except OSError as exc:
            from assay.formats.files import shown

            reason = "a part of the path is a file" if exc.errno == 20 else exc.strerror
            raise InputError(f"{shown(target)}: cannot make a workspace there ({reason})") from None
        try:
            (home / "assay.toml").write_text(default_toml(target.name, demo=demo), "utf-8")
            (home / ".gitignore").write_text("assay.db*\n*.lock\n", encoding="utf-8")
            if url is None:
                database = cls._database(home, None)
                database.migrate()
        except BaseException:
            shutil.rmtree(home, ignore_errors=True)
            raise
        ctx = Context(Settings(), resolve_actor(user), target, db=database, named=named_actor(user))
        return cls(ctx)

    @classmethod
    def open(
        cls,
        start: Path | None = None,
        *,
        url: str | None = None,
        user: str | None = None,
        migrate: bool = True,
    ) -> Workspace:
        """Open the workspace above ``start`` (default: the current directory).

        ``url`` (or ``ASSAY_DATABASE_URL``) names the database directly; settings
        still come from the nearest ``.assay/assay.toml`` when there is one.
        """
        root = find_root(start or Path.cwd())
        url = url or os.environ.get(ENV_URL) or None
        if root is None and url is None:
            raise NoWorkspaceError(
                f"no assay workspace in {(start or Path.cwd()).resolve()} or above; "
                f"create one with `assay init`, or point at a database with --db URL or {ENV_URL}"
            )
        home = root / DIRNAME if root else None
        if url is None and home is not None and not (home / "assay.db").exists():
            raise WorkspaceError(f"{home} has no assay.db; re-create it with: assay init")
        settings = load_settings(home / "assay.toml") if home else Settings()
        fast = None
        if url is None and home is not None and migrate:
            fast = _open_fast(home / "assay.db")
        if fast is not None:
            return cls(
                Context(
                    settings,
                    resolve_actor(user),
                    root,
                    connect=functools.partial(cls._database, home, url),
                    fast=fast,
                    named=named_actor(user),
                )
            )
        if url is not None:
            _check_sqlite_exists(url)
        database = cls._database(home, url)
        try:
            if migrate:
                database.migrate()
                _backfill(database)  # once: the evidence snapshots a 0.1 workspace lacks
            else:
                database.status()  # refuse a database made by a newer assay
        except BaseException:
            database.close()
            raise
        return cls(
            Context(settings, resolve_actor(user), root, db=database, named=named_actor(user))
        )

    @classmethod
    def for_request(
        cls,
        shared: Workspace,
        *,
        user: str = "",
        web_session: str | None = None,
        token: str | None = None,
        via: str = "",
    ) -> Workspace:
        """A workspace for one web request on the store of ``shared`` (opened once per
        server process): its engine is shared, its :class:`Context` is new, so who
        acts (proven by ``web_session``, the session cookie's secret, or ``token``, an
        API token), ``via`` and the units of work belong to this request alone.

        Nothing is named (no ``--by``): only the session or the token proves the user.
        Do not close it; closing ``shared`` closes the store.
        """
        import copy

        database = copy.copy(shared.db)  # the same engine and sessions...
        database.session_info = {}  # ...but this request's context on its writes
        ctx = Context(shared.settings, user, shared.root, db=database)
        ctx.web_session = web_session
        ctx.token = token
        ctx.via = via
        return cls(ctx)

    @staticmethod
    def _database(home: Path | None, url: str | None) -> Database:
        from assay.store import Database, parse_url, sqlite_url  # SQLAlchemy loads here

        if url is not None:
            parsed = parse_url(url)
            lock = None
            if parsed.drivername == "sqlite" and parsed.database:
                lock = Path(parsed.database).with_name(Path(parsed.database).name + ".lock")
            return Database(parsed, lock_path=lock)
        assert home is not None
        return Database(sqlite_url(home / "assay.db"), lock_path=home / "migrate.lock")

    def close(self) -> None:
        """Close the store's connections."""
        self.ctx.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema -------------------------------------------------------------------

    def schema_status(self) -> SchemaStatus:
        """Where the database's schema stands against this assay's migrations."""
        return self.db.status()

    def upgrade(self) -> SchemaStatus:
        """Migrate the database to this assay's schema."""
        return self.db.migrate()


def _backfill(database: Database) -> None:
    """Store the evidence snapshots that a workspace from before stored analyses lacks.

    The check is one query; the analysis modules are imported only when there is
    something to compute.
    """
    with database.read() as session:
        missing = analysis_rows.missing(Sql.of_session(session), analysis_rows.SNAPSHOT_FORMAT)
    if missing:
        from assay.workspace.analyses import backfill

        backfill(database)


def _open_fast(path: Path) -> SqliteUnit | None:
    """A bare connection to a workspace's SQLite file when nothing needs the ORM on
    opening: its schema is :data:`~assay.store.migrations.HEAD` and every prototype
    has its evidence snapshot (two queries). ``None`` otherwise, or when the file
    cannot be read that way: the full path then migrates, backfills or explains."""
    try:
        connection = connect_sqlite(path)
    except sqlite3.Error:
        return None
    unit = SqliteUnit(connection)
    try:
        with unit.read() as sql:
            current = sql.scalar("SELECT version_num FROM alembic_version")
            ready = current == HEAD and not analysis_rows.missing(
                sql, analysis_rows.SNAPSHOT_FORMAT, limit=1
            )
    except sqlite3.Error:
        ready = False
    if not ready:
        unit.close()
        return None
    return unit


def _check_sqlite_exists(url: str) -> None:
    """Opening a SQLite URL never creates the file: a typo would start an empty record."""
    from assay.store import parse_url

    parsed = parse_url(url)
    if parsed.drivername == "sqlite" and parsed.database and not Path(parsed.database).exists():
        raise WorkspaceError(
            f"no database at {parsed.database}; check the path, or create one there with: "
            f"assay init --db {url}"
        )
