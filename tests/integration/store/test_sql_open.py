"""Opening a SQLite workspace on the fast path (a bare connection, no ORM) and falling
back to the full path when the schema is behind or a snapshot is missing; and the
settings file, checked without pydantic."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from assay import InputError, Workspace
from assay.cli import main
from assay.store import migrations
from assay.workspace.settings import Settings, load_settings


def _revision(root: Path) -> str:
    with sqlite3.connect(root / ".assay" / "assay.db") as conn:
        (found,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(found)


def test_an_up_to_date_workspace_opens_without_the_orm(tmp_path: Path) -> None:
    Workspace.init(tmp_path, user="tester").close()
    with Workspace.open(tmp_path) as ws:
        assert ws.ctx._fast is not None
        assert ws.ctx._db is None  # no Database (SQLAlchemy) built to open it
        assert ws.radar.list() == []
        assert ws.ctx._db is None


def test_a_schema_behind_head_still_migrates_on_open(tmp_path: Path) -> None:
    from alembic import command

    Workspace.init(tmp_path, user="tester").close()
    with Workspace.open(tmp_path) as ws:
        config = ws.db._alembic_config()
        with ws.db.engine.connect() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "-1")
            conn.commit()
    assert _revision(tmp_path) != migrations.HEAD
    with Workspace.open(tmp_path) as ws:
        assert ws.ctx._fast is None, "the fallback opened it"
        assert _revision(tmp_path) == migrations.HEAD
    with Workspace.open(tmp_path) as ws:
        assert ws.ctx._fast is not None


def test_a_missing_snapshot_takes_the_full_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A prototype without its evidence snapshot is backfilled by the full open."""
    Workspace.init(tmp_path, user="tester").close()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASSAY_USER", "tester")
    for args in (
        ("technique", "add", "tiling", "--area", "Techniques"),
        ("prototype", "new", "tiling", "proto-0", "--hypothesis", "tiling is faster",
         "--success", "effect(time) <= +100%", "--timebox", "60d"),
    ):  # fmt: skip
        with pytest.raises(SystemExit) as done:
            main(list(args))
        assert done.value.code == 0
    with sqlite3.connect(tmp_path / ".assay" / "assay.db") as conn:
        conn.execute("DELETE FROM prototype_evidence")
    with Workspace.open(tmp_path) as ws:
        assert ws.ctx._fast is None
    with sqlite3.connect(tmp_path / ".assay" / "assay.db") as conn:
        assert conn.execute("SELECT count(*) FROM prototype_evidence").fetchone() == (1,)
    with Workspace.open(tmp_path) as ws:
        assert ws.ctx._fast is not None


def test_a_file_that_is_not_a_database_is_explained(tmp_path: Path) -> None:
    Workspace.init(tmp_path, user="tester").close()
    (tmp_path / ".assay" / "assay.db").write_bytes(b"not a database at all" * 100)
    with pytest.raises(Exception, match="is not a SQLite database"):
        Workspace.open(tmp_path)


def test_an_orm_unit_inside_a_bare_one_is_refused(tmp_path: Path) -> None:
    Workspace.init(tmp_path, user="tester").close()
    with Workspace.open(tmp_path) as ws, ws.ctx.sql_read():
        with pytest.raises(RuntimeError, match="inside a bare SQLite one"), ws.ctx.read():
            pass
        with pytest.raises(RuntimeError, match="read-only"), ws.ctx.sql_write():
            pass


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("[radar]\nstale_after_days = 'soon'\n", "radar.stale_after_days", "valid integer"),
        ("[radar]\nstale_after_days = 0\n", "radar.stale_after_days", "greater than or equal"),
        ("[radar]\nstale_after_days = 1.5\n", "radar.stale_after_days", "valid integer"),
        ("[radar]\nstale_after_days = true\n", "radar.stale_after_days", "valid integer"),
        ("[radar]\nstale_days = 3\n", "radar.stale_days", "Extra inputs"),
        ("colour = 'red'\n", "colour", "Extra inputs"),
        ("radar = 5\n", "radar", "valid dictionary"),
        ("[cost]\nusd_per_hour = -1\n", "cost.usd_per_hour", "greater than or equal to 0"),
        ("[cost]\nusd_per_hour = 'a'\n", "cost.usd_per_hour", "valid number"),
        ("[workspace]\nname = 5\n", "workspace.name", "valid string"),
        ("demo = 'yes please'\n", "demo", "valid boolean"),
    ],
)
def test_bad_settings_name_the_key(tmp_path: Path, text: str, where: str, message: str) -> None:
    path = tmp_path / "assay.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message) as raised:
        load_settings(path)
    assert str(raised.value).startswith(f"{path}: {where}: ")


def test_good_settings_are_read(tmp_path: Path) -> None:
    path = tmp_path / "assay.toml"
    path.write_text(
        "demo = true\n[workspace]\nname = 'team'\n[radar]\nstale_after_days = 30\n"
        "[cost]\nusd_per_hour = 2\n",
        encoding="utf-8",
    )
    settings = load_settings(path)
    assert (settings.workspace.name, settings.radar.stale_after_days) == ("team", 30)
    assert settings.cost.usd_per_hour == 2.0
    assert settings.demo is True
    assert load_settings(tmp_path / "missing.toml") == Settings()
