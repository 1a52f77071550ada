"""The tidy store (revision 0005) on SQLite and PostgreSQL alike: JSON columns that
never hold NaN, claim links as foreign keys to runs, actors as foreign keys to users."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from assay.bench.plan import TrialKey
from assay.bench.sink import RunHeader
from assay.bench.trial import TrialResult, TrialStatus
from assay.errors import InputError
from assay.pipeline.claims import Claim
from assay.pipeline.gates import Role
from assay.pipeline.papers import Paper
from assay.store import claims, papers, reviews, search, users
from assay.store import runs as run_rows
from assay.store.database import Database
from assay.store.decision_models import ReviewMeetingRow
from assay.store.run_models import RunRow
from assay.store.sql import Sql
from assay.store.url import parse_url

AT = dt.datetime(2026, 12, 6, 8, 0, tzinfo=dt.UTC)
HEADER = RunHeader(
    spec={"name": "b", "baseline": "base", "candidates": ["cand"]},
    options={"plan_seed": 7, "trials": 2},
    environment={"python": "3.11"},
    planned=2,
)


@pytest.fixture
def db(database_url: str, tmp_path: Path) -> Iterator[Database]:
    database = Database(parse_url(database_url), lock_path=tmp_path / "migrate.lock")
    database.migrate()
    yield database
    database.close()


def _trial(method: str, seed: int, time: float) -> TrialResult:
    return TrialResult(
        key=TrialKey(method, (), seed),
        status=TrialStatus.OK,
        block=seed,
        position=0,
        values={"time": time},
        samples={"time": np.array([time, 1.0])},
        reason=None,
        wall_time=0.01,
        started_at=1_790_000_000.5,
        details={"ratio": math.inf},
    )


def _run(db: Database, run_id: str = "r1") -> None:
    with db.write() as session:
        run_rows.create_run(
            session,
            name="b",
            source="b.py",
            kind="bench",
            header=HEADER,
            by="t",
            at=AT,
            run_id=run_id,
        )
        run_rows.add_trial(session, run_id, _trial("base", 1, 2.0))
        run_rows.add_trial(session, run_id, _trial("cand", 1, 1.0))


# -- JSON: finite or null ---------------------------------------------------------------


def test_a_nan_in_a_result_is_written_as_null_and_read_back(db: Database) -> None:
    _run(db)
    with db.write() as session:
        run_rows.add_trial(session, "r1", _trial("cand", 2, math.nan))
        result = {"effect": math.nan, "interval": [-0.5, math.inf], "n": 3}
        run_rows.finish_run(session, "r1", result, AT)
    with db.read() as session:
        info = run_rows.get_run(session, "r1")
        trials = run_rows.load_trials(session, "r1")
    assert info.result == {"effect": None, "interval": [-0.5, None], "n": 3}
    assert math.isnan(trials[-1].values["time"])
    assert trials[-1].details == {"ratio": None}
    assert trials[0].values == {"time": 2.0}


def test_the_engine_writes_no_nan_even_when_a_repository_forgets(db: Database) -> None:
    with db.write() as session:
        session.add(
            RunRow(
                run_id="raw",
                name="b",
                source="b.py",
                kind="bench",
                state="finished",
                header={"x": math.nan, "nested": {"y": [math.inf, 1.5]}},
                result=None,
                host="h",
                by="t",
                created_at=AT,
                updated_at=AT,
            )
        )
    with db.engine.connect() as conn:
        text = conn.execute(
            sa.text("SELECT CAST(header AS TEXT) FROM runs WHERE run_id = 'raw'")
        ).scalar()
        stored_null = conn.execute(
            sa.text("SELECT count(*) FROM runs WHERE run_id = 'raw' AND result IS NULL")
        ).scalar()
    assert "NaN" not in text and "Infinity" not in text
    assert stored_null == 1  # None is SQL NULL, not the JSON null


def test_json_text_is_found_by_search_in_any_script(db: Database) -> None:
    paper = Paper("Attention für alle", authors=(), abstract="x", key="alle2026")
    with db.write() as session:
        papers.add(session, paper, by="t", at=AT)
        row = papers.find_row(session, "alle2026")
        row.authors = [{"family": "Müller", "given": "Jörg"}]
    with db.read() as session:
        hits = search.search(session, "müller")
    assert [(h.kind, h.field) for h in hits] == [("paper", "authors")]


# -- claim links ------------------------------------------------------------------------


def _claim(db: Database) -> int:
    with db.write() as session:
        papers.add(session, Paper("Fast things", key="fast2026"), by="t", at=AT)
        row = papers.find_row(session, "fast2026")
        return claims.add(session, row, Claim("fast2026", "speedup", 2.0), by="t", at=AT).id


def test_a_link_to_a_stored_run_is_a_foreign_key(db: Database) -> None:
    _run(db)
    claim_id = _claim(db)
    with db.write() as session:
        record = claims.link_run(
            session, claims.find_row(session, claim_id), "r1", None, by="t", at=AT
        )
    assert [r.run for r in record.runs] == ["r1"]
    with db.engine.connect() as conn:
        links = conn.execute(sa.text("SELECT run_pk, elsewhere FROM claim_runs")).all()
        run_pk = conn.execute(sa.text("SELECT id FROM runs WHERE run_id = 'r1'")).scalar()
    assert [tuple(link) for link in links] == [(run_pk, None)]


def test_a_link_to_a_run_that_does_not_exist_is_refused(db: Database) -> None:
    claim_id = _claim(db)
    with pytest.raises(InputError, match="'ghost' is not in this workspace"), db.write() as session:
        claims.link_run(session, claims.find_row(session, claim_id), "ghost", None, by="t", at=AT)
    with db.read() as session:
        assert claims.record(claims.find_row(session, claim_id)).runs == ()


def test_a_run_recorded_elsewhere_is_linked_with_its_values(db: Database) -> None:
    claim_id = _claim(db)
    with db.write() as session:
        row = claims.find_row(session, claim_id)
        record = claims.link_run(session, row, "their-run", [2.1, 2.2], by="t", at=AT)
    assert [(r.run, r.values, r.source) for r in record.runs] == [
        ("their-run", (2.1, 2.2), "given")
    ]
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT run_pk, elsewhere FROM claim_runs")).one() == (
            None,
            "their-run",
        )


def test_the_database_refuses_a_link_to_a_missing_run(db: Database) -> None:
    claim_id = _claim(db)
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO claim_runs (claim_id, run_pk, \"by\", at) VALUES (:c, 999, 't', :at)"
            ),
            {"c": claim_id, "at": AT.replace(tzinfo=None)},
        )


# -- actors -----------------------------------------------------------------------------


def test_a_registered_actor_is_a_user_and_a_stranger_a_name(db: Database) -> None:
    with db.write() as session:
        users.add(session, "Priya", Role.ADMIN, by="priya", at=AT)
        reviews.add(
            session, held_on=AT.date(), attendees=[], decisions=[], notes="", by="PRIYA", at=AT
        )
        reviews.add(
            session, held_on=AT.date(), attendees=[], decisions=[], notes="", by="guest", at=AT
        )
    with db.read() as session:
        assert [m.by for m in reviews.all_meetings(session)] == ["Priya", "guest"]
        rows = session.scalars(sa.select(ReviewMeetingRow).order_by(ReviewMeetingRow.id)).all()
        assert [(r.by_id is not None, r.by_name) for r in rows] == [(True, None), (False, "guest")]
        added = users.find(Sql.of_session(session), "priya")
    assert added is not None and added.by == "Priya"  # the first admin added themselves


def test_a_role_change_keeps_who_made_it_and_needs_a_user(db: Database) -> None:
    with db.write() as session:
        users.add(session, "Priya", Role.ADMIN, by="Priya", at=AT)
        users.add(session, "Sam", Role.CONTRIBUTOR, by="Priya", at=AT)
    with pytest.raises(InputError, match="'nobody' is not one"), db.write() as session:
        users.set_role(session, "Sam", Role.APPROVER, at=AT, by="nobody")
    with db.write() as session:
        changed = users.set_role(session, "Sam", Role.APPROVER, at=AT, by="priya")
    assert changed.role is Role.APPROVER
    with db.engine.connect() as conn:
        who = conn.execute(
            sa.text(
                "SELECT b.name FROM users s JOIN users b ON b.id = s.role_by_id WHERE s.key = 'sam'"
            )
        ).scalar()
    assert who == "Priya"
