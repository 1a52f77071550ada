"""The workspace: one facade that the CLI and the web app both call.

A workspace is a directory holding ``.assay/`` (settings in ``assay.toml``, records
in ``assay.db``), found by walking up from the current directory like ``.git``, or
any database named by a URL (``--db`` or ``ASSAY_DATABASE_URL``) so a whole team
can share one PostgreSQL server. Every method that writes is one transaction.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from assay.errors import DuplicateError, InputError, NoWorkspaceError, WorkspaceError
from assay.pipeline import radar
from assay.pipeline.radar import RingMove, Technique
from assay.store import Database, SchemaStatus, parse_url, sqlite_url
from assay.store import techniques as technique_rows
from assay.types import Ring
from assay.workspace.actor import resolve_actor
from assay.workspace.settings import Settings, default_toml, load_settings

if TYPE_CHECKING:
    from assay.workspace.decisions import Decisions
    from assay.workspace.research import ResearchRecord
    from assay.workspace.runs import RunBook

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


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Workspace:
    """An open workspace. Use :meth:`init` or :meth:`open`, then :meth:`close`."""

    def __init__(self, db: Database, *, root: Path | None, settings: Settings, user: str) -> None:
        self.db = db
        self.root = root
        self.settings = settings
        self.user = user

    # -- opening ------------------------------------------------------------------

    @classmethod
    def init(
        cls, path: Path, *, url: str | None = None, user: str | None = None, demo: bool = False
    ) -> Workspace:
        """Create ``PATH/.assay/`` with its settings and a migrated database."""
        target = path.expanduser().resolve()
        if target.exists() and not target.is_dir():
            raise InputError(f"{target} is a file; expected a directory for the workspace")
        home = target / DIRNAME
        if home.exists():
            raise WorkspaceError(f"{target} already holds a workspace ({home})")
        if url is not None:
            database = cls._database(None, url)
            database.migrate()  # a bad URL fails here, before anything is written on disk
        home.mkdir(parents=True)
        try:
            (home / "assay.toml").write_text(default_toml(target.name, demo=demo), "utf-8")
            (home / ".gitignore").write_text("assay.db*\n*.lock\n", encoding="utf-8")
            if url is None:
                database = cls._database(home, None)
                database.migrate()
        except BaseException:
            shutil.rmtree(home, ignore_errors=True)
            raise
        return cls(database, root=target, settings=Settings(), user=resolve_actor(user))

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
        if url is not None:
            _check_sqlite_exists(url)
        if url is None and home is not None and not (home / "assay.db").exists():
            raise WorkspaceError(f"{home} has no assay.db; re-create it with: assay init")
        settings = load_settings(home / "assay.toml") if home else Settings()
        database = cls._database(home, url)
        try:
            if migrate:
                database.migrate()
            else:
                database.status()  # refuse a database made by a newer assay
        except BaseException:
            database.close()
            raise
        return cls(database, root=root, settings=settings, user=resolve_actor(user))

    @staticmethod
    def _database(home: Path | None, url: str | None) -> Database:
        if url is not None:
            parsed = parse_url(url)
            lock = None
            if parsed.drivername == "sqlite" and parsed.database:
                lock = Path(parsed.database).with_name(Path(parsed.database).name + ".lock")
            return Database(parsed, lock_path=lock)
        assert home is not None
        return Database(sqlite_url(home / "assay.db"), lock_path=home / "migrate.lock")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- parts of the record, each its own facade --------------------------------------

    @functools.cached_property
    def research(self) -> ResearchRecord:
        """Papers, reading notes, red flags, claims, predictions, post-mortems."""
        from assay.workspace.research import ResearchRecord

        return ResearchRecord(self)

    @functools.cached_property
    def runs(self) -> RunBook:
        """Benchmark runs: start, resume, list, report, import."""
        from assay.workspace.runs import RunBook

        return RunBook(self)

    @functools.cached_property
    def decisions(self) -> Decisions:
        """Prototypes, pre-registration, gates, users and roles, cost, team rhythm."""
        from assay.workspace.decisions import Decisions

        return Decisions(self)

    # -- schema -------------------------------------------------------------------

    def schema_status(self) -> SchemaStatus:
        return self.db.status()

    def upgrade(self) -> SchemaStatus:
        return self.db.migrate()

    # -- radar --------------------------------------------------------------------

    def add_technique(
        self,
        name: str,
        *,
        area: str,
        ring: Ring = Ring.ASSESS,
        owner: str | None = None,
        summary: str | None = None,
        why: str | None = None,
        at: dt.datetime | None = None,
        override: bool = False,
    ) -> Technique:
        """Put a new technique on the radar (ASSESS unless ``ring`` says otherwise).

        Entering straight into TRIAL or ADOPT follows the same evidence rule as a
        move from ASSESS: a new technique has no gate decision yet, so it takes
        ``override`` with a reason (recorded as an override), and ADOPT its artifacts.
        """
        name = radar.check_name(name)
        area = radar.check_name(area, field="area")
        reason = (why or "").strip()
        if ring in radar.REASON_REQUIRED and not reason:
            raise InputError(f"placing {name} in {ring.value} needs --why: say what the team knows")
        if ring is Ring.ADOPT:
            raise InputError(
                f"a new technique cannot enter ADOPT: add {name} in ASSESS or TRIAL, attach its "
                "implementation document, decision record and runbook, then move it"
            )
        with self.db.write() as session:
            added = technique_rows.add(
                session,
                name=name,
                area=area,
                ring=ring,
                owner=_clean(owner) or self.user,
                summary=_clean(summary),
                by=self.user,
                why=reason or "added to the radar",
                at=at or _now(),
            )
            backing = self.decisions.radar_backing(
                session, name, Ring.ASSESS, ring, why=reason, override=override
            )
            if backing is not None:
                self.decisions.record_backing(session, name, backing)
            return added

    def edit_technique(
        self,
        name: str,
        *,
        new_name: str | None = None,
        area: str | None = None,
        owner: str | None = None,
        summary: str | None = None,
    ) -> Technique:
        """Change a technique's name, area, owner or summary (``None``: unchanged)."""
        if new_name is not None:
            new_name = radar.check_name(new_name)
        if area is not None:
            area = radar.check_name(area, field="area")
        with self.db.write() as session:
            return technique_rows.edit(
                session,
                name,
                new_name=new_name,
                area=area,
                owner=owner,
                summary=summary,
                at=_now(),
            )

    def technique(self, name: str) -> Technique:
        with self.db.read() as session:
            return technique_rows.get(session, name)

    def techniques(self) -> list[Technique]:
        with self.db.read() as session:
            return technique_rows.all_techniques(session)

    def move(
        self,
        name: str,
        ring: Ring,
        *,
        why: str | None = None,
        at: dt.datetime | None = None,
        override: bool = False,
    ) -> RingMove:
        """Move a technique to another ring, recording who, when and why.

        A promotion into TRIAL or ADOPT needs a YES gate decision on one of the
        technique's prototypes, or ``override`` with a reason, recorded as an
        override; ADOPT also needs the three knowledge-transfer artifacts (see
        :func:`assay.pipeline.radar.check_backing`).
        """
        with self.db.write() as session:
            stored, current = technique_rows.ring_of(session, name)
            reason = radar.check_move(stored, current, ring, why)
            backing = self.decisions.radar_backing(
                session, stored, current, ring, why=reason, override=override
            )
            if backing is not None and not reason:
                reason = backing.summary
            moved = technique_rows.move(
                session, stored, to=ring, by=self.user, why=reason, at=at or _now()
            )
            if backing is not None:
                self.decisions.record_backing(session, stored, backing)
            return moved

    def import_techniques(
        self, techniques: Sequence[Technique], *, source: str = "the import"
    ) -> list[Technique]:
        """Record techniques with the ring history they had elsewhere, in one transaction.

        For bringing in a radar kept before assay (another tool, a spreadsheet): the
        history is written as it happened, each move with its own author, time and
        reason. The evidence rules bind moves made in assay, not history brought in.
        A name already on the radar refuses the whole import.
        """
        with self.db.write() as session:
            taken = {t.name.casefold() for t in technique_rows.all_techniques(session)}
            clash = [t.name for t in techniques if t.name.casefold() in taken]
            if clash:
                raise DuplicateError(
                    f"{source}: already on the radar: {', '.join(clash)}; nothing imported "
                    "(import into a workspace without them, or rename them in the file)"
                )
            for technique in techniques:
                _import_one(session, technique)
            return [technique_rows.get(session, t.name) for t in techniques]

    def set_next(self, name: str, action: str, *, due: dt.date | None) -> Technique:
        """Set the technique's next action and due date (an empty action clears it)."""
        action = action.strip()
        if action and due is None:
            raise InputError("a next action needs --due YYYY-MM-DD: an action without a date slips")
        with self.db.write() as session:
            return technique_rows.set_next(session, name, action=action, due=due, at=_now())

    def overdue(self, today: dt.date | None = None) -> list[Technique]:
        """Techniques whose next action is past its due date."""
        return radar.overdue(self.techniques(), today or dt.date.today())


def _check_sqlite_exists(url: str) -> None:
    """Opening a SQLite URL never creates the file: a typo would start an empty record."""
    parsed = parse_url(url)
    if parsed.drivername == "sqlite" and parsed.database and not Path(parsed.database).exists():
        raise WorkspaceError(
            f"no database at {parsed.database}; check the path, or create one there with: "
            f"assay init --db {url}"
        )


def _import_one(session: Session, technique: Technique) -> None:
    if not technique.history:
        raise InputError(f"{technique.name}: no placement on the radar to import")
    first, *later = technique.history
    name = radar.check_name(technique.name)
    technique_rows.add(
        session,
        name=name,
        area=radar.check_name(technique.area, field="area"),
        ring=first.to_ring,
        owner=technique.owner,
        summary=technique.summary,
        by=first.by,
        why=first.why,
        at=first.at,
    )
    for move in later:
        technique_rows.move(session, name, to=move.to_ring, by=move.by, why=move.why, at=move.at)
    if technique.next_action:
        technique_rows.set_next(
            session, name, action=technique.next_action, due=technique.due, at=first.at
        )


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    return text.strip() or None
