"""The schema: every migration against the models, on SQLite and PostgreSQL; a new store
created at the head in one step with exactly the schema and rows the migrations build;
opening an up-to-date database without parsing a migration script; the migration lock."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from assay.store import migrations
from assay.store.database import Database, all_models
from assay.store.url import parse_url

DATA = Path(__file__).parents[2] / "data"


def _diff(db: Database, metadata: sa.MetaData) -> list[Any]:
    with db.engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), metadata))


@pytest.fixture
def db(database_url: str, tmp_path: Path) -> Database:
    database = Database(parse_url(database_url), lock_path=tmp_path / "migrate.lock")
    yield database  # type: ignore[misc]
    database.close()


def test_head_constant_is_alembics_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    assert ScriptDirectory.from_config(config).get_current_head() == migrations.HEAD


def test_every_migration_matches_the_models(db: Database) -> None:
    metadata = all_models()
    assert {"runs", "claim_runs", "users", "gate_decisions"} <= set(metadata.tables)
    status = db.migrate(replay=True)
    assert status.current == migrations.HEAD
    assert _diff(db, metadata) == []


def _schema(db: Database) -> dict[str, Any]:
    """Everything a store's schema and seeded rows are, as plain values: per table its
    columns (type, nullability, server default), primary key, foreign keys with their
    options, indexes, unique and check constraints, and its rows."""
    with db.engine.connect() as conn:
        found = sa.inspect(conn)
        tables: dict[str, Any] = {}
        for name in sorted(found.get_table_names()):
            columns = sorted(  # columns a migration added come last: order is not schema
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                for c in found.get_columns(name)
            )
            keys = sorted((
                (tuple(f["constrained_columns"]), f["referred_table"],
                 tuple(f["referred_columns"]), tuple(sorted((f.get("options") or {}).items())))
                for f in found.get_foreign_keys(name)
            ), key=repr)  # fmt: skip
            indexes = sorted(
                (
                    (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                    for i in found.get_indexes(name)
                ),
                key=repr,
            )
            uniques = sorted(
                ((u["name"], tuple(u["column_names"])) for u in found.get_unique_constraints(name)),
                key=repr,
            )
            checks = sorted(
                ((c["name"], c["sqltext"]) for c in found.get_check_constraints(name)), key=repr
            )
            primary = tuple(found.get_pk_constraint(name)["constrained_columns"])
            rows = sorted(map(tuple, conn.execute(sa.text(f'SELECT * FROM "{name}"'))), key=repr)
            tables[name] = {
                "columns": columns, "primary": primary, "foreign": keys, "indexes": indexes,
                "uniques": uniques, "checks": checks, "rows": rows,
            }  # fmt: skip
    return tables


@pytest.fixture
def twin(database_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    """A second empty database on the same kind of store as ``db``."""
    if database_url.startswith("sqlite"):
        path = tmp_path / "twin.db"
        path.touch()
        url = f"sqlite:///{path}"
    else:
        server = request.getfixturevalue("postgres_server")
        url = server.url(server.create_database())
    database = Database(parse_url(url), lock_path=tmp_path / "twin.lock")
    yield database  # type: ignore[misc]
    database.close()


def test_a_new_store_is_created_at_head_exactly_as_the_migrations_build_it(
    db: Database, twin: Database
) -> None:
    """An empty database gets the head schema in one step (every model, the seeded rows,
    the stamp); replaying every migration on its twin gives the same store."""
    assert db.migrate().current == migrations.HEAD
    assert twin.migrate(replay=True).current == migrations.HEAD
    created, replayed = _schema(db), _schema(twin)
    assert set(created) == set(replayed)
    for table in sorted(created):
        assert created[table] == replayed[table], table
    assert created["audit_head"]["rows"] == [(1, None, "", 0)]
    assert created["alembic_version"]["rows"] == [(migrations.HEAD,)]
    assert _diff(db, all_models()) == []


def test_the_comparison_of_the_two_paths_sees_what_differs(db: Database) -> None:
    db.migrate()
    before = _schema(db)
    with db.engine.begin() as conn:
        conn.execute(sa.text("DROP INDEX ix_audit_entries_at"))
        conn.execute(sa.text("DELETE FROM audit_head"))
    after = _schema(db)
    assert after["audit_entries"]["indexes"] != before["audit_entries"]["indexes"]
    assert after["audit_head"]["rows"] == [] != before["audit_head"]["rows"]


def test_the_comparison_sees_a_column_the_migrations_lack(db: Database) -> None:
    db.migrate()
    changed = sa.MetaData()
    for table in all_models().tables.values():
        table.to_metadata(changed)
    changed.tables["runs"].append_column(sa.Column("colour", sa.String(20)))
    diff = _diff(db, changed)
    assert [(d[0], d[2], d[3].name) for d in diff] == [("add_column", "runs", "colour")]


def test_the_comparison_sees_an_index_the_models_lack(db: Database) -> None:
    db.migrate()
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE INDEX ix_trials_run ON trials (run_pk)"))
    diff = _diff(db, all_models())
    assert [(d[0], d[1].name) for d in diff] == [("remove_index", "ix_trials_run")]


def test_no_index_repeats_the_leading_columns_of_a_unique_constraint() -> None:
    for table in all_models().tables.values():
        uniques = [
            tuple(c.name for c in constraint.columns)
            for constraint in table.constraints
            if isinstance(constraint, sa.UniqueConstraint | sa.PrimaryKeyConstraint)
        ]
        for index in table.indexes:
            columns = tuple(c.name for c in index.columns)
            covered = [u for u in uniques if u[: len(columns)] == columns]
            assert not covered, f"{index.name} repeats the start of {covered[0]} on {table.name}"


def test_opening_an_up_to_date_database_parses_no_script(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    db.migrate()

    def parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the migration scripts were parsed")

    monkeypatch.setattr(ScriptDirectory, "from_config", parse)
    status = db.migrate()
    assert status.up_to_date
    assert status.current == migrations.HEAD
    # The guard is real: a database behind the head does reach the scripts.
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0004'"))
    with pytest.raises(AssertionError, match="were parsed"):
        db.migrate()


def test_current_revision_of_an_empty_database_is_none(db: Database) -> None:
    assert db.current_revision() is None
    db.migrate()
    assert db.current_revision() == migrations.HEAD


_OPEN_OLD = """
import sys
from pathlib import Path
from assay.store.database import Database
from assay.store.url import sqlite_url
path = Path(sys.argv[1])
db = Database(sqlite_url(path), lock_path=path.with_name("migrate.lock"))
before = db.current_revision()
status = db.migrate()
print(before, status.current)
"""


def test_two_processes_opening_an_old_store_migrate_it_once(tmp_path: Path) -> None:
    path = tmp_path / "assay.db"
    shutil.copy(DATA / "workspace-0.1.db", path)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _OPEN_OLD, str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [proc.communicate(timeout=300) for proc in procs]
    # A second migration of the same store fails (its columns are gone): both
    # succeeding means the lock made the second one wait and find it done.
    assert [proc.returncode for proc in procs] == [0, 0], results
    assert sorted(out.split()[-1] for out, _ in results) == [migrations.HEAD] * 2
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (migrations.HEAD,)
        ]
        assert conn.execute("SELECT count(*) FROM trials").fetchone() == (50,)


def test_downgrading_below_0005_is_refused_and_a_reopen_restores_head(db: Database) -> None:
    # 0005 rewrites columns in place, so its downgrade refuses with what to do instead;
    # the revisions above it step down cleanly, and the next open migrates back to head.
    from alembic import command

    db.migrate()
    config = db._alembic_config()
    with db.engine.connect() as conn:
        config.attributes["connection"] = conn
        with pytest.raises(NotImplementedError, match="restore the copy of the database"):
            command.downgrade(config, "0004")
        conn.rollback()
    assert db.current_revision() in ("0005", migrations.HEAD)
    assert db.migrate().current == migrations.HEAD
