"""Analyse on write, read what is stored (issue 9), on SQLite and PostgreSQL alike.

A run's analysis is stored when it finishes and read back equal to a fresh
analysis of its trials; each prototype's evidence snapshot is refreshed by every
write that changes it, and reads (gate review, status, agenda, staleness, bench
show) replay nothing: :data:`assay.workspace.evidence_runs.replays` proves it,
and the same counter shows the guard firing when a read must replay.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import delete, func, select, update

from assay import Workspace
from assay.bench import BenchOptions
from assay.bench import analysis as bench_analysis
from assay.bench.options import Isolation
from assay.bench.plan import TrialKey
from assay.bench.sink import RunHeader
from assay.bench.trial import TrialResult, TrialStatus
from assay.pipeline.gates import Answer
from assay.pipeline.prototype import Prototype
from assay.store import runs as run_rows
from assay.store.analysis_models import PrototypeEvidenceRow
from assay.store.decision_models import PrototypeRow
from assay.store.run_models import RunRow
from assay.types import Ring
from assay.workspace import analyses
from assay.workspace.evidence_runs import judges, replays
from assay.workspace.judging import effective_record

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
SOURCE = "/bench/tiling.py"
SHAPE = np.array([0.9, 1.0, 1.0, 1.1, 1.5])
BENCH = """
    import assay

    @assay.workload(params={"n": [200, 400]})
    def data(seed, n):
        return list(range(n, 0, -1))

    @assay.baseline
    def builtin(data):
        return sorted(data)

    @assay.candidate
    def twice(data):
        return sorted(sorted(data))
"""


@pytest.fixture
def ws(database_url: str, tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(tmp_path, url=database_url, user="priya")
    workspace.radar.add("Tiling", area="inference", at=T0 - 10 * DAY)
    yield workspace
    workspace.close()


def store_run(
    ws: Workspace,
    *,
    at: dt.datetime,
    base: Sequence[float] = (0.1,) * 5,
    cand: Sequence[float] = (0.07,) * 5,
    finish: bool = True,
) -> str:
    """A run stored as the runner stores one (trials, then its analysis and the
    snapshots' refresh in one write), as if it began at ``at``."""
    header = RunHeader(
        spec={
            "name": "tiling",
            "source": {"kind": "file", "ref": SOURCE},
            "fingerprint": "f",
            "baseline": "base",
            "candidates": ["cand"],
            "workload": {"name": "w", "params": {}},
            "metrics": [],
        },
        options={"plan_seed": 1, "confidence": 0.95},
        environment={},
        planned=len(base) + len(cand),
    )
    trials = [
        TrialResult(
            key=TrialKey(method, (("n", 64),), seed),
            status=TrialStatus.OK,
            block=seed,
            position=0 if method == "base" else 1,
            values={"time": float(t)},
            samples={"time": t * SHAPE},
        )
        for method, times in (("base", base), ("cand", cand))
        for seed, t in enumerate(times)
    ]
    with ws.db.write() as session:
        run_id = run_rows.create_run(
            session, name="tiling", source=SOURCE, kind="bench", header=header, by="marco", at=at
        )
        for trial in trials:
            run_rows.add_trial(session, run_id, trial)
        if finish:
            result = bench_analysis.analyse(header, trials)
            run_rows.finish_run(session, run_id, result.to_dict(), at + dt.timedelta(minutes=5))
        analyses.refresh_run(session, run_id)
    return run_id


def register(
    ws: Workspace, name: str = "tiling-p1", *, evidence: Sequence[str] = (SOURCE,), **extra: Any
) -> Any:
    prototype = Prototype.from_dict(
        {
            "name": name,
            "technique": "tiling",
            "hypothesis": "tiling cuts latency by a fifth",
            "success": ["effect(latency) <= -20%"],
            "kill": ["candidate.latency.p99 < 1s"],
            "timebox": "30d",
            "evidence": list(evidence),
        },
        today=T0.date(),
    )
    return ws.prototypes.new(prototype, at=T0, **extra)


def live_review(ws: Workspace, name: str, today: dt.date) -> dict[str, Any]:
    """The review computed from the runs (no snapshot): what every read showed before."""
    with ws.db.write() as session:
        session.execute(delete(PrototypeEvidenceRow))
    before = replays["evidence"]
    review = ws.prototypes.review(name, today=today).to_dict()
    assert replays["evidence"] == before + 1  # it was computed, not read
    return review


def snapshots(ws: Workspace) -> int:
    with ws.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(PrototypeEvidenceRow)) or 0)


def test_a_finished_run_reads_back_its_stored_analysis_equal_to_a_fresh_one(
    ws: Workspace, tmp_path: Path
) -> None:
    bench = tmp_path / "sort_bench.py"
    bench.write_text(textwrap.dedent(BENCH), encoding="utf-8")
    fixed = BenchOptions(trials=3, isolation=Isolation.IN_PROCESS, plan_seed=7)
    until = BenchOptions(
        trials=4, until_decided=True, max_trials=8, isolation=Isolation.IN_PROCESS, plan_seed=3
    )
    for options in (fixed, until):
        run_id, _ = ws.runs.start(bench, options)
        before = replays.copy()
        stored = ws.runs.report(run_id, trials=True)
        assert replays == before  # read, not replayed
        info = ws.runs.info(run_id)
        with ws.db.read() as session:
            trials = run_rows.load_trials(session, run_id)
        fresh = bench_analysis.analyse(
            RunHeader.from_dict(info.header), trials, stopped=stored.result.stopped
        )
        assert stored.result.to_dict() == fresh.to_dict()
        assert [t.key for t in stored.result.trials] == [t.key for t in fresh.trials]
        assert ws.runs.report(run_id).to_dict() == stored.to_dict()  # trials or not


def test_the_snapshot_gives_the_review_the_runs_gave(ws: Workspace) -> None:
    register(ws)
    register(ws, "tiling-p2", point={"n": 64})
    store_run(ws, at=T0 + DAY)
    store_run(ws, at=T0 + 2 * DAY, base=(0.1, 0.11, 0.1, 0.12, 0.1), cand=(0.09,) * 5)
    today = (T0 + 40 * DAY).date()  # past the time-box: only the day changes the answer
    for name in ("tiling-p1", "tiling-p2"):
        assert analyses.backfill(ws.db) == (
            [] if name == "tiling-p1" else ["tiling-p1", "tiling-p2"]
        )
        before = replays.copy()
        stored = ws.prototypes.review(name, today=today).to_dict()
        assert replays == before
        assert stored == live_review(ws, name, today)


def test_reads_replay_nothing_and_the_guard_fires_when_one_must(ws: Workspace) -> None:
    team = ws.users
    team.add("priya", "admin")
    register(ws)
    first = store_run(ws, at=T0 + DAY, cand=(0.05,) * 5)
    ws.prototypes.decide("tiling-p1", "yes", why="a third faster", at=T0 + 2 * DAY)
    ws.radar.move("tiling", Ring.TRIAL, why="yes at the gate", at=T0 + 2 * DAY)
    before = replays.copy()
    today = (T0 + 3 * DAY).date()
    ws.prototypes.review("tiling-p1", today=today)
    study = ws.prototypes.study("tiling-p1", today=today)
    assert [len(run.result.trials) for run in study.runs] == [10]  # the reports plot them
    ws.prototypes.check(today=today)
    ws.reports.status(today=today)
    ws.reports.agenda(today=today)
    ws.radar.stale(today=today)
    ws.runs.report(first)
    assert replays == before

    # A run that has not finished is analysed when read (and counted): the guard fires.
    running = store_run(ws, at=T0 + 3 * DAY, finish=False)
    with ws.db.write() as session:  # its process is gone: interrupted
        session.execute(update(RunRow).where(RunRow.run_id == running).values(pid=2**22 + 7))
    before = replays.copy()
    ws.runs.report(running)
    assert replays["analyse"] == before["analyse"] + 1
    review = ws.prototypes.review("tiling-p1", today=today)
    assert replays["evidence"] == before["evidence"] + 1
    assert any("have not finished" in w for w in review.warnings)

    # A snapshot that no longer matches what it was computed from is not trusted.
    with ws.db.write() as session:
        session.execute(delete(RunRow).where(RunRow.run_id == running))
        session.execute(update(PrototypeEvidenceRow).values(basis="0" * 64))
    count = replays["evidence"]
    assert ws.prototypes.review("tiling-p1", today=today).runs == (first,)
    assert replays["evidence"] == count + 1


def test_every_write_refreshes_what_gate_review_and_radar_show(ws: Workspace) -> None:
    ws.users.add("priya", "admin")
    register(ws)
    assert snapshots(ws) == 1  # a new prototype has its snapshot at once
    first = store_run(ws, at=T0 + DAY, cand=(0.05,) * 5)
    today = (T0 + 3 * DAY).date()
    before = replays.copy()

    review = ws.prototypes.review("tiling-p1", today=today)
    assert review.runs == (first,) and review.recommendation.answer is Answer.YES

    # Amending the criteria: the review judges the new ones, from the snapshot.
    ws.prototypes.amend(
        "tiling-p1", success=["effect(latency) <= -60%"], why="the SLA tightened", at=T0 + 2 * DAY
    )
    # (The recommendation stays judged on the registration; the amended criteria are
    # judged beside it: issue 10.)
    review = ws.prototypes.review("tiling-p1", today=today)
    assert review.amended is not None and review.amended.answer is not Answer.YES
    assert review.recommendation.answer is Answer.YES
    assert any("amended" in w for w in review.warnings)
    ws.prototypes.amend(
        "tiling-p1", success=["effect(latency) <= -20%"], why="back", at=T0 + 2 * DAY
    )

    # Deciding YES and moving the blip; then a newer, slower run contradicts the YES.
    ws.prototypes.decide("tiling-p1", "yes", why="fast", at=T0 + 3 * DAY)
    ws.radar.move("tiling", Ring.TRIAL, why="yes at the gate", at=T0 + 3 * DAY)
    assert ws.radar.stale(today=today) == []
    later = store_run(ws, at=T0 + 4 * DAY, cand=(0.2,) * 5)
    stale = ws.radar.stale(today=(T0 + 5 * DAY).date())
    assert [s.technique for s in stale] == ["Tiling"]
    assert later in stale[0].reasons[0] and "contradict" in stale[0].reasons[0]
    assert stale[0].newest_evidence == T0 + 4 * DAY

    # Linking a run to another prototype refreshes that one.
    register(ws, "tiling-p2", evidence=[])
    ws.prototypes.link_run("tiling-p2", later, at=T0 + 5 * DAY)
    assert ws.prototypes.review("tiling-p2", today=today).runs == (later,)
    assert replays == before

    # Without its snapshot the contradiction is found from the runs, and counted.
    with ws.db.write() as session:
        session.execute(delete(PrototypeEvidenceRow))
    assert ws.radar.stale(today=(T0 + 5 * DAY).date()) == stale
    assert replays["evidence"] == before["evidence"] + 1


def test_an_old_store_gets_its_snapshots_once(tmp_path: Path) -> None:
    source = Path(__file__).parents[2] / "data" / "workspace-0.1.db"
    copy = tmp_path / "old.db"
    shutil.copyfile(source, copy)
    with sqlite3.connect(copy) as conn:
        prototypes = conn.execute("SELECT count(*) FROM prototypes").fetchone()[0]
    assert prototypes > 0
    with Workspace.open(tmp_path, url=f"sqlite:///{copy}", user="priya") as ws:
        assert snapshots(ws) == prototypes  # filled when it was opened
        assert analyses.backfill(ws.db) == []  # once
        with ws.db.read() as session:
            names = list(session.scalars(select(PrototypeRow.name)))
            found = {n: judges(session, effective_record(session, n)) for n in names}
        before = replays.copy()
        stored = {n: ws.prototypes.review(n).to_dict() for n in names}
        ws.radar.stale()
        ws.reports.status()
        assert replays == before
        assert any(found.values())  # the fixture's prototypes have runs to judge them
        for name in names:
            assert stored[name] == live_review(ws, name, dt.date.today())
            with ws.db.write() as session:
                analyses.refresh_prototype(session, name)
