"""A workspace written by assay 0.1 (tests/data/workspace-0.1.db, schema 0004) carried
forward to the newest schema: nothing lost, and the current code reads it.

The rows are counted and read with the standard library's ``sqlite3`` before and
after, independently of SQLAlchemy and of assay's models. On PostgreSQL the same
0.1 rows are loaded into a database at revision 0004 and migrated there.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from assay.store import claims, migrations, prototypes
from assay.store import runs as run_rows
from assay.store.database import Database
from assay.store.url import parse_url, sqlite_url

FIXTURE = Path(__file__).parents[2] / "data" / "workspace-0.1.db"

# The JSON values kept as text by 0.1 (revision 0005 makes them JSON columns).
_JSON_TEXT = {
    "runs": ("header", "result"),
    "trials": ("record",),
    "papers": ("authors", "code_checklist"),
    "reading_passes": ("answers",),
    "viability_scores": ("red_flags", "green_flags"),
    "claim_runs": ("trial_values",),
    "red_flags": ("evidence",),
    "predictions": ("tags",),
    "postmortems": ("timeline", "problems", "why_chains", "lessons", "wrong_predictions"),
    "prototypes": ("registration", "point", "evidence_files", "facts", "cost_inputs"),
    "prototype_amendments": ("changes",),
    "gate_decisions": ("advocates", "recommendation", "runs"),
    "ring_move_evidence": ("waived",),
    "review_meetings": ("attendees", "decisions"),
}
_ACTOR_TABLES = (
    "prototypes",
    "prototype_amendments",
    "prototype_runs",
    "technique_artifacts",
    "review_meetings",
    "users",
)


def _tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    return [name for (name,) in rows if name != "alembic_version"]


def _snapshot(path: Path) -> dict[str, Any]:
    """Counts, ids, decoded JSON, claim links and actor names, read with sqlite3."""
    with sqlite3.connect(path) as conn:
        tables = _tables(conn)
        counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        ids = {
            t: [r[0] for r in conn.execute(f'SELECT id FROM "{t}" ORDER BY id')]
            for t in tables
            if "id" in {c[1] for c in conn.execute(f'PRAGMA table_info("{t}")')}
        }
        values = {}
        for table, columns in _JSON_TEXT.items():
            for column in columns:
                rows = conn.execute(f'SELECT "{column}" FROM "{table}" ORDER BY rowid')
                values[table, column] = [None if v is None else json.loads(v) for (v,) in rows]
        return {"counts": counts, "ids": ids, "json": values}


def _old_links(path: Path) -> list[tuple[int, str, str]]:
    with sqlite3.connect(path) as conn:
        return list(conn.execute('SELECT claim_id, run, "by" FROM claim_runs ORDER BY id'))


def _new_links(path: Path) -> list[tuple[int, str, str]]:
    with sqlite3.connect(path) as conn:
        return list(
            conn.execute(
                'SELECT claim_id, coalesce(runs.run_id, elsewhere), claim_runs."by" '
                "FROM claim_runs LEFT JOIN runs ON runs.id = claim_runs.run_pk "
                "ORDER BY claim_runs.id"
            )
        )


def _old_actors(path: Path) -> dict[str, list[str]]:
    with sqlite3.connect(path) as conn:
        found = {
            t: [b for (b,) in conn.execute(f'SELECT "by" FROM {t} ORDER BY id')]
            for t in _ACTOR_TABLES
        }
        found["gate_decisions"] = [
            b for (b,) in conn.execute("SELECT decided_by FROM gate_decisions ORDER BY id")
        ]
        found["papers"] = [b for (b,) in conn.execute("SELECT added_by FROM papers ORDER BY id")]
        return found


def _new_actors(path: Path) -> dict[str, list[str]]:
    def names(conn: sqlite3.Connection, table: str, name_column: str | None) -> list[str]:
        own = f"{table}.{name_column}" if name_column else "NULL"
        query = (
            f"SELECT coalesce(u.name, {own}) FROM {table} "
            f"LEFT JOIN users u ON u.id = {table}.by_id ORDER BY {table}.id"
        )
        return [b for (b,) in conn.execute(query)]

    with sqlite3.connect(path) as conn:
        found = {t: names(conn, t, '"by"') for t in _ACTOR_TABLES}
        found["gate_decisions"] = names(conn, "gate_decisions", None)
        found["papers"] = [b for (b,) in conn.execute('SELECT "by" FROM papers ORDER BY id')]
        return found


@pytest.fixture
def old(tmp_path: Path) -> Path:
    path = tmp_path / "assay.db"
    shutil.copy(FIXTURE, path)
    return path


def _open(path: Path) -> Iterator[Database]:
    db = Database(sqlite_url(path), lock_path=path.with_name("migrate.lock"))
    try:
        yield db
    finally:
        db.close()


def test_the_fixture_is_a_0_1_workspace_with_every_table_filled(old: Path) -> None:
    with sqlite3.connect(old) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0004",)]
    empty = [t for t, n in _snapshot(old)["counts"].items() if n == 0]
    assert empty == []


def test_a_0_1_workspace_migrates_without_losing_anything(old: Path) -> None:
    before, links, actors = _snapshot(old), _old_links(old), _old_actors(old)
    for db in _open(old):
        status = db.migrate()
        assert status.current == migrations.HEAD
    after = _snapshot(old)
    new_tables = set(after["counts"]) - set(before["counts"])
    assert {t: n for t, n in after["counts"].items() if t not in new_tables} == before["counts"]
    assert {t: i for t, i in after["ids"].items() if t not in new_tables} == before["ids"]
    assert after["json"] == before["json"]
    assert _new_links(old) == links
    assert any(run is not None for _, run, _ in links)
    assert _new_actors(old) == actors
    with sqlite3.connect(old) as conn:
        # The actors that are users became foreign keys; the demo's all are.
        assert conn.execute(
            "SELECT count(*) FROM prototype_amendments WHERE by_id IS NULL"
        ).fetchone() == (0,)
        assert conn.execute(
            "SELECT count(*) FROM claim_runs WHERE run_pk IS NOT NULL"
        ).fetchone() == (1,)


def test_the_current_code_reads_a_migrated_0_1_workspace(old: Path) -> None:
    for db in _open(old):
        db.migrate()
        with db.read() as session:
            listed = run_rows.list_runs(session)
            assert [r.run_id for r in listed] == ["20261206-778d4c"]
            assert listed[0].result is not None
            trials = run_rows.load_trials(session, listed[0].run_id)
            assert len(trials) == 50
            assert all(t.samples for t in trials if t.ok)
            record = prototypes.get(session, "tiled-attention-memory")
            assert record.freeze is not None
            assert [a.by for a in record.amendments] == ["Priya"]
            assert [link.run_id for link in record.links] == ["20261206-778d4c"]
            assert record.created_by == "Marco"
            linked = [run.run for c in claims.all_records(session) for run in c.runs]
            assert linked == ["20261206-778d4c", "proto-2026-04-flash", "proto-2026-05-bert"]


# -- the same forward migration on PostgreSQL -------------------------------------------


def _load_0_1_into(url: str, tmp_path: Path) -> None:
    """A PostgreSQL database at revision 0004 holding the fixture's rows."""
    source = sa.create_engine(f"sqlite:///{FIXTURE}")
    target = sa.create_engine(url)
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    with target.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0004")
    old = sa.MetaData()
    old.reflect(target)
    with source.connect() as src, target.begin() as dst:
        dst.execute(sa.text("SET TIME ZONE 'UTC'"))
        for table in old.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = [dict(r._mapping) for r in src.execute(sa.text(f'SELECT * FROM "{table.name}"'))]
            for row in rows:
                for column in table.columns:
                    if isinstance(column.type, sa.Boolean) and row[column.name] is not None:
                        row[column.name] = bool(row[column.name])
            if rows:
                dst.execute(table.insert(), rows)
            if "id" in table.c:
                dst.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f'(SELECT coalesce(max(id), 1) FROM "{table.name}"))'
                    )
                )
    source.dispose()
    target.dispose()


@pytest.mark.postgres
def test_the_0_1_rows_migrate_on_postgresql(postgres_server: Any, tmp_path: Path) -> None:
    url = postgres_server.url(postgres_server.create_database())
    _load_0_1_into(url, tmp_path)
    db = Database(parse_url(url))
    try:
        assert db.current_revision() == "0004"
        assert db.migrate().current == migrations.HEAD
        with db.read() as session:
            listed = run_rows.list_runs(session)
            assert len(run_rows.load_trials(session, listed[0].run_id)) == 50
            record = prototypes.get(session, "tiled-attention-memory")
            assert [a.by for a in record.amendments] == ["Priya"]
            linked = [run.run for c in claims.all_records(session) for run in c.runs]
            assert linked == ["20261206-778d4c", "proto-2026-04-flash", "proto-2026-05-bert"]
        with db.engine.connect() as conn:
            kinds = conn.execute(
                sa.text(
                    "SELECT data_type FROM information_schema.columns "
                    "WHERE table_name = 'runs' AND column_name = 'result'"
                )
            ).scalar()
            assert kinds == "jsonb"
            with sqlite3.connect(FIXTURE) as lite:
                for table in ("trials", "samples", "claim_runs", "users", "ring_moves"):
                    expected = lite.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                    assert (
                        conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() == expected
                    )
    finally:
        db.close()
