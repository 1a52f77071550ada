"""The reads that ``status`` and ``gate review`` make over plain SQL (issue 9): a
prototype's record, its decisions, the runs that judge it, its effective freeze and its
stored gate review, on SQLite and PostgreSQL alike, each equal to what the ORM reads
from the same rows; and on a fast-opened SQLite workspace, the bare connection reads
what an ORM session reads."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from tests.integration.store.test_pinned_evidence import DAY, T0, register, store_run

from assay import NotFoundError, Workspace
from assay.pipeline.prototype import Amendment, Freeze, Prototype, Stage, TimeBox
from assay.store import gate_reads, prototype_reads
from assay.store import gates as gate_rows
from assay.store.decision_models import DecisionRow, PrototypeRow, PrototypeRunRow
from assay.store.prototype_reads import EvidenceLink, PrototypeRecord, RecordedFacts
from assay.store.run_models import RunRow
from assay.store.sql import Sql
from assay.workspace import judging
from assay.workspace.evidence_runs import Judge, effective_freeze, judges_of, replays

NAME = "topk-argpartition"


@pytest.fixture
def ws(database_url: str, tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(tmp_path, url=database_url, user="priya")
    _fill(workspace)
    yield workspace
    workspace.close()


def _fill(ws: Workspace) -> None:
    """A prototype judged by two runs, decided YES, amended after data, with facts; a
    second prototype without runs (its freeze stays unset)."""
    ws.users.add("priya", "admin")
    ws.users.add("marco", "contributor")
    ws.radar.add("Top-k by argpartition", area="numpy", at=T0 - 10 * DAY)
    register(ws)
    store_run(ws, at=T0 + DAY, ratio=0.5)
    ws.prototypes.decide(NAME, "yes", why="twice as fast", at=T0 + 2 * DAY)
    store_run(ws, at=T0 + 3 * DAY, ratio=1.01)
    ws.user = "marco"
    ws.prototypes.amend(NAME, success=["effect(time) <= -5%"], why="be fair", at=T0 + 4 * DAY)
    ws.user = "priya"
    ws.prototypes.set_facts(NAME, declared_scale=1e5, scale_unit="rows")
    idle = Prototype.from_dict(
        {
            "name": "Idle-one",
            "technique": "Top-k by argpartition",
            "hypothesis": "nothing ran yet",
            "success": ["effect(time) <= -10%"],
            "evidence": ["/bench/other.py"],
        },
        today=T0.date(),
    )
    ws.prototypes.new(idle, at=T0)


def _orm_record(found: PrototypeRow) -> PrototypeRecord:
    """A prototype as the ORM reads its rows (the repository's former reading)."""
    links = tuple(
        EvidenceLink(
            link.run.run_id, link.run.name, link.run.source, link.run.kind,
            link.run.created_at, link.online_ab, link.scale, link.by, link.at,
        )
        for link in found.links
    )  # fmt: skip
    box = None
    if found.timebox_start is not None and found.timebox_end is not None:
        box = TimeBox(found.timebox_start, found.timebox_end)
    prototype = Prototype(
        name=found.name,
        technique=found.technique.name,
        registration=prototype_reads.registration_from_dict(found.registration),
        stage=Stage(found.stage),
        strategy=None,
        timebox=box,
        evidence=(*found.evidence_files, *(link.run_id for link in links)),
    )
    frozen = None
    if found.frozen_hash and found.frozen_at is not None:
        frozen = Freeze(found.frozen_hash, found.frozen_text or "", found.frozen_at)
    return PrototypeRecord(
        prototype=prototype,
        status=found.status,
        portfolio=found.portfolio,
        candidate=found.candidate,
        point=dict(found.point) if found.point else None,
        evidence_files=tuple(found.evidence_files),
        facts=RecordedFacts.from_dict(found.facts),
        cost_inputs=dict(found.cost_inputs) if found.cost_inputs else None,
        registered_at=found.registered_at,
        created_by=found.by,
        created_at=found.created_at,
        updated_at=found.updated_at,
        freeze=frozen,
        amendments=tuple(
            Amendment(a.at, a.by, a.reason, a.old_hash, a.new_hash, tuple(a.changes))
            for a in found.amendments
        ),
        links=links,
    )


def _orm_records(ws: Workspace) -> list[PrototypeRecord]:
    with ws.db.read() as session:
        rows = session.scalars(
            select(PrototypeRow)
            .options(
                selectinload(PrototypeRow.amendments),
                selectinload(PrototypeRow.links).selectinload(PrototypeRunRow.run),
            )
            .order_by(PrototypeRow.key)
        )
        return [_orm_record(found) for found in rows]


def _orm_judges(ws: Workspace, record: PrototypeRecord) -> list[Judge]:
    """The judging runs as the ORM query found them (the former reading)."""
    links = {link.run_id: link for link in record.links}
    with ws.db.read() as session:
        rows = session.execute(
            select(RunRow.run_id, RunRow.created_at, RunRow.state, RunRow.finished_at).where(
                or_(
                    RunRow.run_id.in_(list(links)),
                    RunRow.source.in_(record.evidence_files)
                    & (RunRow.created_at >= record.registered_at),
                )
            )
        )
        found = [
            Judge(r, links[r].started_at if r in links else at, links.get(r), state, done)
            for r, at, state, done in rows
        ]
    return sorted(found, key=lambda j: (j.started_at, j.run_id), reverse=True)


def test_prototype_reads_equal_the_orms(ws: Workspace) -> None:
    with ws.ctx.sql_read() as sql:
        records = prototype_reads.all_records(sql)
        one = prototype_reads.get(sql, "TOPK-ARGPARTITION")
    expected = _orm_records(ws)
    assert records == expected
    assert [r.name for r in records] == ["Idle-one", NAME]
    assert one == expected[1]
    assert one.amendments and one.amendments[0].by == "marco"
    assert len(one.links) == 0 and one.facts.declared_scale == 1e5  # runs of the file


def test_an_unknown_prototype_says_did_you_mean(ws: Workspace) -> None:
    with ws.ctx.sql_read() as sql, pytest.raises(NotFoundError, match="did you mean 'Idle-one'"):
        prototype_reads.get(sql, "idle-on")


def test_decisions_equal_the_orms(ws: Workspace) -> None:
    with ws.ctx.sql_read() as sql:
        pk = prototype_reads.prototype_id(sql, NAME)
        found = gate_reads.decisions_of(sql, pk)
    with ws.db.read() as session:
        row = session.get(PrototypeRow, pk)
        assert row is not None
        rows = session.scalars(select(DecisionRow).where(DecisionRow.prototype_id == pk))
        expected = [gate_rows._record(d, row) for d in rows]
        assert gate_rows.decisions_of(session, row) == expected
    assert found == expected
    assert [(d.answer.value, d.decision.decided_by, len(d.runs)) for d in found] == [
        ("yes", "priya", 1)
    ]


def test_judging_runs_and_the_effective_freeze_equal_the_orms(ws: Workspace) -> None:
    with ws.ctx.sql_read() as sql:
        records = {r.name: r for r in prototype_reads.all_records(sql)}
        found = {name: judges_of(sql, r) for name, r in records.items()}
        frozen = {name: effective_freeze(sql, r).freeze for name, r in records.items()}
    assert found == {name: _orm_judges(ws, r) for name, r in records.items()}
    assert len(found[NAME]) == 2 and found["Idle-one"] == []
    assert frozen["Idle-one"] is None
    assert frozen[NAME] is not None and frozen[NAME].at == T0 + DAY


def test_the_stored_review_equals_the_computed_one(ws: Workspace) -> None:
    with ws.ctx.sql_read() as sql:
        record = effective_freeze(sql, prototype_reads.get(sql, NAME))
        stored = judging.stored_review(sql, record, T0.date() + 5 * DAY)
    with ws.db.read() as session:
        computed = judging.gate_review(session, record, T0.date() + 5 * DAY)
    assert stored is not None
    assert stored[0] == computed[0]
    assert stored[0].amended is not None and stored[0].decided is not None
    assert ws.prototypes.review(NAME, today=T0.date() + 5 * DAY) == computed[0]


def test_a_snapshot_that_is_not_current_is_not_read_as_stored(ws: Workspace) -> None:
    """The check can fail: a record whose basis changed finds no stored review."""
    with ws.ctx.sql_read() as sql:
        record = effective_freeze(sql, prototype_reads.get(sql, NAME))
        changed = dataclasses.replace(record, candidate="another")
        assert judging.stored_review(sql, record, T0.date()) is not None
        assert judging.stored_review(sql, changed, T0.date()) is None


def test_the_fast_connection_reads_what_the_orm_reads(tmp_path: Path) -> None:
    Workspace.init(tmp_path, user="priya").close()
    with Workspace.open(tmp_path, user="priya") as ws:
        _fill(ws)
    with Workspace.open(tmp_path, user="priya") as ws:
        assert ws.ctx._fast is not None, "an up-to-date SQLite workspace opens on the fast path"
        with ws.ctx.sql_read() as fast:
            assert fast.connection is ws.ctx._fast.connection
            records = prototype_reads.all_records(fast)
            decisions = gate_reads.decisions_of(fast, prototype_reads.prototype_id(fast, NAME))
        review = ws.prototypes.review(NAME, today=T0.date() + 5 * DAY)
        assert ws.ctx._db is None, "the stored review was read without the ORM"
        status = ws.reports.status(today=T0.date() + 5 * DAY)
        assert ws.ctx._db is None, "status was read without the ORM"
        assert records == _orm_records(ws)
        with ws.db.read() as session:
            sql = Sql.of_session(session)
            assert decisions == gate_reads.decisions_of(
                sql, prototype_reads.prototype_id(sql, NAME)
            )
            assert review == judging.gate_review(session, records[1], T0.date() + 5 * DAY)[0]
        assert ws.reports.status(today=T0.date() + 5 * DAY) == status
    assert status.active == 2


def test_status_and_review_compute_a_snapshot_that_is_not_current(tmp_path: Path) -> None:
    """A judging run still going: the stored snapshot is not trusted, and both reads
    fall back to an ORM unit of work that computes the evidence."""
    Workspace.init(tmp_path, user="priya").close()
    with Workspace.open(tmp_path, user="priya") as ws:
        _fill(ws)
        day = T0.date() + 5 * DAY
        expected = ws.prototypes.review(NAME, today=day)
        newest = ws.prototypes.judging_runs(NAME)[0].run_id
        with ws.ctx.sql_write() as sql:
            ws.ctx.checked("the test's own write")  # no service writes this: the guard
            sql.execute("UPDATE runs SET state = 'running' WHERE run_id = :id", {"id": newest})
    with Workspace.open(tmp_path, user="priya") as ws:
        before = replays["evidence"]
        review = ws.prototypes.review(NAME, today=day)
        assert replays["evidence"] == before + 1
        status = ws.reports.status(today=day)
        assert replays["evidence"] == before + 2
        assert ws.ctx._db is not None, "the evidence was computed in an ORM unit of work"
    assert review.recommendation == expected.recommendation
    assert any(f"run(s) {newest} have not finished" in w for w in review.warnings)
    assert status.active == 2
