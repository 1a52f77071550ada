"""assay.store.sql and the repositories rewritten over it, run alike against SQLite and a
real PostgreSQL server: each plain-SQL read returns what the ORM reads from the same
rows, a value written over plain SQL reads back through the ORM unchanged, and the
bare SQLite connection of a fast-opened workspace reads what an ORM session reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assay import NotFoundError, Ring, Workspace
from assay.pipeline.radar import RingMove, Technique
from assay.store import analyses as analysis_rows
from assay.store import techniques as technique_rows
from assay.store import users as user_rows
from assay.store.decision_models import UserRow
from assay.store.models import TechniqueRow
from assay.store.sql import Sql

T0 = dt.datetime(2026, 1, 5, 9, 0, 0, 123456, tzinfo=dt.UTC)


@pytest.fixture
def ws(database_url: str, tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(tmp_path, url=database_url, user="tester")
    workspace.users.add("tester", "admin", at=T0)
    workspace.radar.add("FlashAttention", area="inference", at=T0, summary="fused kernels")
    workspace.radar.add("Heap sort", area="algorithms", at=T0 + dt.timedelta(hours=1))
    workspace.radar.move("Heap sort", Ring.HOLD, why="slower", at=T0 + dt.timedelta(days=2))
    workspace.radar.set_next("FlashAttention", "benchmark it", due=dt.date(2026, 3, 1))
    yield workspace
    workspace.close()


def _orm_techniques(ws: Workspace) -> list[Technique]:
    """Every technique as the ORM reads its rows (the repository's former reading)."""
    with ws.db.read() as session:
        rows = session.scalars(
            select(TechniqueRow)
            .options(selectinload(TechniqueRow.moves))
            .order_by(TechniqueRow.key)
        ).all()
        return [
            Technique(
                name=row.name,
                area=row.area,
                ring=Ring(row.ring),
                owner=row.owner,
                summary=row.summary,
                next_action=row.next_action,
                due=row.due,
                history=tuple(
                    RingMove(
                        Ring(m.from_ring) if m.from_ring else None,
                        Ring(m.to_ring),
                        m.at,
                        m.by,
                        m.why,
                    )
                    for m in row.moves
                ),
            )
            for row in rows
        ]


def test_technique_reads_equal_the_orms(ws: Workspace) -> None:
    expected = _orm_techniques(ws)
    with ws.db.read() as session:
        sql = Sql.of_session(session)
        assert technique_rows.all_techniques(sql) == expected
        assert [technique_rows.get(sql, t.name.upper()) for t in expected] == expected
        assert technique_rows.ring_of(sql, "heap SORT") == ("Heap sort", Ring.HOLD)
    assert ws.radar.list() == expected
    flash = expected[0]
    assert flash.due == dt.date(2026, 3, 1)
    assert flash.history[0].at == T0  # microseconds and zone kept on both dialects
    assert flash.history[0].at.tzinfo is dt.UTC


def test_technique_documents_equal_the_values_to_dict(ws: Workspace) -> None:
    # radar --json builds its documents straight from the rows: they must stay what
    # Technique.to_dict writes, a move at a whole second (no fraction) included
    ws.radar.move("FlashAttention", Ring.HOLD, why="wait", at=T0.replace(microsecond=0))
    expected = [t.to_dict() for t in ws.radar.list()]
    assert ws.radar.documents() == expected
    times = [m["at"] for d in expected for m in d["history"]]
    assert "2026-01-05T09:00:00+00:00" in times and "2026-01-05T09:00:00.123456+00:00" in times


def test_isotimes_is_isoformat_of_the_datetime(ws: Workspace) -> None:
    with ws.db.read() as session:
        sql = Sql.of_session(session)
        stored = sql.rows("SELECT at FROM ring_moves ORDER BY id")
        read, text = sql.datetimes(), sql.isotimes()
        assert [text(at) for (at,) in stored] == [read(at).isoformat() for (at,) in stored]
    plain = Sql(None, "sqlite").isotimes()
    assert plain("2026-01-05 09:00:00.000000") == "2026-01-05T09:00:00+00:00"
    assert plain("2026-01-05 09:00:00") == "2026-01-05T09:00:00+00:00"  # any other shape
    assert plain("2026-01-05 09:00:00.5") == "2026-01-05T09:00:00.500000+00:00"


def test_unknown_technique_says_did_you_mean(ws: Workspace) -> None:
    with ws.db.read() as session, pytest.raises(NotFoundError, match="did you mean 'Heap sort'"):
        technique_rows.ref(Sql.of_session(session), "Heap srot")


def test_set_next_over_sql_is_read_back_by_the_orm(ws: Workspace) -> None:
    at = dt.datetime(2026, 2, 1, 12, 30, 5, 7, tzinfo=dt.UTC)
    with ws.db.write() as session:
        technique_rows.set_next(
            Sql.of_session(session), "heap sort", action="retry", due=dt.date(2027, 1, 2), at=at
        )
        row = session.scalar(select(TechniqueRow).where(TechniqueRow.key == "heap sort"))
        assert row is not None
        assert (row.next_action, row.due, row.updated_at) == ("retry", dt.date(2027, 1, 2), at)
    with ws.db.write() as session:  # clearing the action clears its date too
        technique_rows.set_next(Sql.of_session(session), "heap sort", action="", due=None, at=at)
    assert _orm_techniques(ws)[1].due is None


def test_a_sql_write_inside_an_orm_write_rolls_back_with_it(ws: Workspace) -> None:
    before = _orm_techniques(ws)

    def fail_after_the_write() -> None:
        with ws.ctx.write():
            ws.radar.set_next("Heap sort", "never", due=dt.date(2030, 1, 1))  # joins it
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_after_the_write()
    assert _orm_techniques(ws) == before


def test_user_reads_equal_the_orms(ws: Workspace) -> None:
    ws.users.add("sam", "viewer", at=T0 + dt.timedelta(days=1))
    with ws.db.read() as session:
        rows = session.scalars(select(UserRow).order_by(UserRow.key)).all()
        expected = [(r.name, r.role, r.by, r.created_at, r.updated_at) for r in rows]
        sql = Sql.of_session(session)
        got = [(u.name, u.role.value, u.by, u.created_at, u.updated_at) for u in ws.users.list()]
        assert got == expected
        assert user_rows.count(sql) == 2
        assert user_rows.find(sql, " SAM ") == ws.users.list()[0]
        assert user_rows.find(sql, "nobody") is None
    assert got[1][2] == "tester"  # the first admin added themselves


def test_analysis_reads_without_prototypes(ws: Workspace) -> None:
    with ws.db.read() as session:
        sql = Sql.of_session(session)
        placed = analysis_rows.placed_in(sql, ["HOLD", "ASSESS"])
        assert [(p.name, p.ring, p.placed_at) for p in placed] == [
            ("FlashAttention", "ASSESS", T0),
            ("Heap sort", "HOLD", T0 + dt.timedelta(days=2)),
        ]
        assert analysis_rows.placed_in(sql, []) == []
        assert analysis_rows.newest_by_technique(sql) == {}
        assert analysis_rows.backings(sql) == {}
        assert analysis_rows.get_many(sql, []) == {}
        assert analysis_rows.missing(sql, analysis_rows.SNAPSHOT_FORMAT) == []


def test_named_parameters_lists_and_values(ws: Workspace) -> None:
    with ws.db.read() as session:
        sql = Sql.of_session(session)
        names = sql.rows(
            "SELECT name FROM techniques WHERE key IN (:keys) AND area != :area ORDER BY key",
            {"keys": ["heap sort", "flashattention", "x"], "area": "nothing"},
        )
        assert names == [("FlashAttention",), ("Heap sort",)]
        assert sql.rows("SELECT name FROM techniques WHERE key IN (:keys)", {"keys": []}) == []
        assert sql.scalar("SELECT count(*) FROM techniques WHERE name LIKE '%sort'") == 1
        assert sql.one("SELECT name FROM techniques WHERE key = :k", {"k": "none"}) is None
    assert Sql.boolean(0) is False
    assert Sql.boolean(None) is None
    assert Sql.json('{"a": [1, null]}') == {"a": [1, None]}
    assert Sql.json({"a": 1}) == {"a": 1}
    assert Sql.date("2026-03-01") == dt.date(2026, 3, 1)
    with pytest.raises(ValueError, match="naive datetime"):
        Sql(None, "sqlite").bind_datetime(dt.datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="unsupported dialect"):
        Sql(None, "mysql")


def test_the_fast_connection_reads_what_the_orm_reads(tmp_path: Path) -> None:
    Workspace.init(tmp_path, user="tester").close()
    with Workspace.open(tmp_path, user="tester") as ws:
        ws.radar.add("FlashAttention", area="inference", at=T0)
        ws.radar.set_next("FlashAttention", "bench", due=dt.date(2026, 2, 1))
        assert ws.ctx._fast is not None, "an up-to-date SQLite workspace opens on the fast path"
        with ws.ctx.sql_read() as fast:
            assert fast.connection is ws.ctx._fast.connection
            techniques = technique_rows.all_techniques(fast)
            placed = analysis_rows.placed_in(fast, ["ASSESS"])
        assert techniques == _orm_techniques(ws)
        with ws.db.read() as session:
            assert analysis_rows.placed_in(Sql.of_session(session), ["ASSESS"]) == placed


def test_sql_and_the_orm_see_each_others_changes_in_one_unit(ws: Workspace) -> None:
    """A change the ORM has not flushed yet is seen by the SQL, and a write over SQL
    is seen by an ORM object loaded before it."""
    with ws.db.write() as session:
        sql = Sql.of_session(session)
        row = session.scalar(select(TechniqueRow).where(TechniqueRow.key == "heap sort"))
        assert row is not None
        row.area = "sorting"  # pending in the session, not flushed
        assert technique_rows.get(sql, "Heap sort").area == "sorting"
        technique_rows.set_next(sql, "Heap sort", action="again", due=dt.date(2027, 5, 1), at=T0)
        assert (row.next_action, row.due) == ("again", dt.date(2027, 5, 1))
