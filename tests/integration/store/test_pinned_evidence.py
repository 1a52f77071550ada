"""Evidence pinned to decisions, decisions judged on the registration, benchmark files
frozen with the criteria (issue 10, problems 5 and 6), on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import subprocess
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select

from assay import Ring, Workspace
from assay.bench import BenchOptions
from assay.bench import analysis as bench_analysis
from assay.bench.options import Isolation
from assay.bench.plan import TrialKey
from assay.bench.sink import RunHeader
from assay.bench.trial import TrialResult, TrialStatus
from assay.errors import InputError
from assay.pipeline.gates import Answer
from assay.pipeline.prototype import Prototype
from assay.report.findings import headline_sentence
from assay.report.view import StudyView
from assay.store import decision_runs
from assay.store import runs as run_rows
from assay.store.decision_models import DecisionRunRow, FileFreezeRow
from assay.workspace import analyses
from support import run_main

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
SOURCE = "/bench/topk.py"
SHAPE = np.array([0.9, 1.0, 1.0, 1.1, 1.5])
BASE = (0.100, 0.102, 0.098, 0.101, 0.099)


@pytest.fixture
def ws(database_url: str, tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(tmp_path, url=database_url, user="priya")
    workspace.users.add("priya", "admin")
    workspace.users.add("marco", "contributor")
    workspace.radar.add("Top-k by argpartition", area="numpy", at=T0 - 10 * DAY)
    yield workspace
    workspace.close()


def store_run(ws: Workspace, *, at: dt.datetime, ratio: float, fingerprint: str = "f" * 64) -> str:
    """A finished run stored as the runner stores one, as if it began at ``at``: the
    candidate takes ``ratio`` times the baseline's time; ``fingerprint`` is the hash
    of the benchmark file the run recorded at its start."""
    header = RunHeader(
        spec={
            "name": "topk",
            "source": {"kind": "file", "ref": SOURCE},
            "fingerprint": fingerprint,
            "baseline": "base",
            "candidates": ["cand"],
            "workload": {"name": "w", "params": {}},
            "metrics": [],
        },
        options={"plan_seed": 1, "confidence": 0.95},
        environment={"git": {"commit": "c0ffee" * 6 + "abcd", "dirty": False}},
        planned=10,
    )
    arms = (("base", BASE), ("cand", tuple(t * ratio for t in BASE)))
    trials = [
        TrialResult(
            key=TrialKey(method, (("n", 100000),), seed),
            status=TrialStatus.OK,
            block=seed,
            position=0 if method == "base" else 1,
            values={"time": float(t)},
            samples={"time": t * SHAPE},
        )
        for method, times in arms
        for seed, t in enumerate(times)
    ]
    with ws.db.write() as session:
        run_id = run_rows.create_run(
            session, name="topk", source=SOURCE, kind="bench", header=header, by="marco", at=at
        )
        for trial in trials:
            run_rows.add_trial(session, run_id, trial)
        result = bench_analysis.analyse(header, trials)
        run_rows.finish_run(session, run_id, result.to_dict(), at + dt.timedelta(minutes=5))
        analyses.refresh_run(session, run_id)
    return run_id


def register(
    ws: Workspace,
    *,
    success: Sequence[str] = ("effect(time) <= -30%",),
    evidence: Sequence[str] = (SOURCE,),
    at: dt.datetime = T0,
) -> Any:
    prototype = Prototype.from_dict(
        {
            "name": "topk-argpartition",
            "technique": "Top-k by argpartition",
            "hypothesis": "argpartition is at least 30% faster than a full sort for top-k",
            "success": list(success),
            "timebox": "30d",
            "evidence": list(evidence),
        },
        today=at.date(),
    )
    return ws.prototypes.new(prototype, at=at)


def count(ws: Workspace, table: Any) -> int:
    with ws.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


# -- problem 5: the decision keeps its runs; later runs are new evidence, apart -------------


def test_a_decision_keeps_its_runs_and_later_runs_are_shown_apart(ws: Workspace) -> None:
    register(ws)
    decided_on = store_run(ws, at=T0 + DAY, ratio=0.911)  # -8.9%: fails the -30% bar
    today = (T0 + 2 * DAY).date()
    assert ws.prototypes.review("topk-argpartition", today=today).recommendation.answer is Answer.NO
    ws.learnings.add("topk-argpartition", learned="l", surprises="s", implicit="i", advice="a")
    ws.prototypes.decide(
        "topk-argpartition", "no", why="-8.9% is far from -30%", at=T0 + 2 * DAY, today=today
    )
    assert count(ws, DecisionRunRow) == 1
    later = [store_run(ws, at=T0 + (3 + i) * DAY, ratio=1.01) for i in range(2)]

    review = ws.prototypes.review("topk-argpartition", today=(T0 + 6 * DAY).date())
    assert set(review.runs) == {decided_on, *later}
    pin = review.decided
    assert pin is not None and pin.answer is Answer.NO and pin.runs == (decided_on,)
    (criterion,) = pin.criteria
    assert criterion.outcome == "FAIL" and "-8.9%" in criterion.reason  # its effect, kept
    assert pin.since_runs == tuple(reversed(later))
    assert pin.since is not None and pin.since.answer is Answer.NO  # its own verdict
    (since,) = pin.since.criteria
    assert "+1" in since.evaluation.reason and "-8.9%" not in since.evaluation.reason
    data = review.to_dict()["decided"]
    assert data["runs"] == [decided_on] and data["since"]["runs"] == list(reversed(later))
    assert data["since"]["recommendation"]["answer"] == "no"
    # The stored decision names the runs it rested on, and the study carries the pin.
    (record,) = ws.prototypes.decisions("topk-argpartition")
    assert record.runs == (decided_on,)
    study = ws.prototypes.study("topk-argpartition", today=(T0 + 6 * DAY).date())
    assert study.review.decided == pin
    # The reports' headline stays the decided one; the new evidence is said apart.
    view = StudyView.from_study(study)
    assert view.main_run is not None and view.main_run.run_id == decided_on
    assert "8.9%" in headline_sentence(view) and "+1" not in headline_sentence(view)
    (line,) = [w for w in view.warnings if "new evidence since the decision" in w]
    assert decided_on in line and all(run in line for run in later) and "recommends NO" in line


def test_a_decision_without_later_runs_has_no_new_evidence(ws: Workspace) -> None:
    register(ws)
    run = store_run(ws, at=T0 + DAY, ratio=0.5)
    ws.prototypes.decide("topk-argpartition", "yes", why="twice as fast", at=T0 + 2 * DAY)
    pin = ws.prototypes.review("topk-argpartition", today=(T0 + 2 * DAY).date()).decided
    assert pin is not None and pin.runs == (run,) and pin.since_runs == () and pin.since is None


def test_the_radar_shows_what_a_decision_rested_on_and_the_evidence_since(
    ws: Workspace, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    register(ws)
    decided_on = store_run(ws, at=T0 + DAY, ratio=0.5)
    ws.prototypes.decide("topk-argpartition", "yes", why="twice as fast", at=T0 + 2 * DAY)
    ws.radar.move("Top-k by argpartition", Ring.TRIAL, why="YES at discovery")
    later = store_run(ws, at=T0 + 3 * DAY, ratio=1.01)
    found = ws.prototypes.decided_all(["TOP-K BY ARGPARTITION", "unknown"])
    ((prototype, pin),) = found["Top-k by argpartition"]
    assert prototype == "topk-argpartition" and pin.runs == (decided_on,)
    assert pin.since_runs == (later,) and pin.since is not None
    assert ws.prototypes.decided_all([]) == {}
    code, out, err = run_main(["radar", "--db", database_url], capsys)
    assert code == 0, err
    flat = " ".join(out.split())
    assert (
        f"decided: Top-k by argpartition (topk-argpartition): YES at the discovery gate on "
        f"2026-03-04 by priya, decided on run(s) {decided_on}"
    ) in flat
    assert (
        f"new evidence since the decision, run(s) {later}: {pin.since.answer.label} "
        "on these runs alone"
    ) in flat


# -- problem 6: judged on the registration, the amendment shown beside it --------------------


def test_keeping_the_registered_bar_is_not_an_override(ws: Workspace) -> None:
    register(ws)
    store_run(ws, at=T0 + DAY, ratio=0.90)  # -10%: fails -30%, passes -5%
    ws.user = "marco"
    ws.prototypes.amend(
        "topk-argpartition",
        success=["effect(time) <= -5%"],
        why="-30% was ambitious",
        at=T0 + 2 * DAY,
    )
    ws.user = "priya"
    today = (T0 + 3 * DAY).date()
    review = ws.prototypes.review("topk-argpartition", today=today)
    assert review.recommendation.answer is Answer.NO  # on the registration
    assert [c.criterion.canonical for c in review.criteria] == ["effect(time) <= -30%"]
    assert review.amended is not None and review.amended.answer is Answer.YES  # shown beside
    assert [c.criterion.canonical for c in review.amended.criteria] == ["effect(time) <= -5%"]
    assert review.to_dict()["amended"]["answer"] == "yes"
    assert any("amended" in w for w in review.warnings)
    with pytest.raises(InputError, match=r"registered criteria is NO \(on the criteria as amended"):
        ws.prototypes.decide("topk-argpartition", "yes", why="the amended bar passes", today=today)
    ws.learnings.add("topk-argpartition", learned="l", surprises="s", implicit="i", advice="a")
    decided = ws.prototypes.decide(
        "topk-argpartition", "no", why="the registered bar was -30%", at=T0 + 3 * DAY, today=today
    )
    assert decided.decision.override is False and decided.decision.recommended is Answer.NO
    assert decided.recommendation["answer"] == "no"
    assert decided.recommendation["amended"]["answer"] == "yes"


def test_following_only_the_amendment_is_an_override(ws: Workspace) -> None:
    register(ws)
    store_run(ws, at=T0 + DAY, ratio=0.90)
    ws.prototypes.amend(
        "topk-argpartition", success=["effect(time) <= -5%"], why="lower", at=T0 + 2 * DAY
    )
    decided = ws.prototypes.decide(
        "topk-argpartition", "yes", why="amended bar", override=True, at=T0 + 3 * DAY
    )
    assert decided.decision.override is True and decided.decision.recommended is Answer.NO


def test_criteria_amended_back_to_the_registration_show_no_amendment(ws: Workspace) -> None:
    register(ws)
    store_run(ws, at=T0 + DAY, ratio=0.90)
    for bar in ("-5%", "-30%"):
        ws.prototypes.amend(
            "topk-argpartition", success=[f"effect(time) <= {bar}"], why="x", at=T0 + 2 * DAY
        )
    review = ws.prototypes.review("topk-argpartition", today=(T0 + 3 * DAY).date())
    assert review.amended is None and review.recommendation.answer is Answer.NO


# -- problem 5: the benchmark file frozen with the criteria -----------------------------------


def test_a_run_of_a_file_changed_after_the_freeze_is_marked(ws: Workspace) -> None:
    register(ws)
    first = store_run(ws, at=T0 + DAY, ratio=0.5, fingerprint="a" * 64)
    same = store_run(ws, at=T0 + 2 * DAY, ratio=0.5, fingerprint="a" * 64)
    edited = store_run(ws, at=T0 + 3 * DAY, ratio=0.5, fingerprint="b" * 64)
    review = ws.prototypes.review("topk-argpartition", today=(T0 + 3 * DAY).date())
    assert review.changed_files == (edited,)
    (frozen,) = review.frozen_files
    assert frozen["sha256"] == "a" * 64 and frozen["run_id"] == first
    assert frozen["git_commit"] == "c0ffee" * 6 + "abcd"
    (warning,) = [w for w in review.warnings if "changed after the criteria froze" in w]
    assert edited in warning and "aaaaaaaaaaaa" in warning and "bbbbbbbbbbbb" in warning
    assert review.to_dict()["runs_with_changed_file"] == [edited]
    marks = {run.run_id: run.file_changed for run in ws.prototypes.study("topk-argpartition").runs}
    assert marks == {first: False, same: False, edited: True}
    dumped = {
        r.run_id: r.to_dict(result=False) for r in ws.prototypes.study("topk-argpartition").runs
    }
    assert dumped[edited]["file_changed_after_freeze"] is True
    # The next write to the prototype stores the freeze; it does not move after.
    assert count(ws, FileFreezeRow) == 0
    ws.prototypes.set_facts("topk-argpartition", production_representative=True)
    with ws.db.read() as session:
        row = session.scalars(select(FileFreezeRow)).one()
        assert (row.source, row.sha256, row.run_id) == (SOURCE, "a" * 64, first)


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


BENCH = """
    import assay

    @assay.workload(params={"n": [300]})
    def data(seed, n):
        return list(range(n, 0, -1))

    @assay.baseline
    def builtin(data):
        return sorted(data)

    @assay.candidate
    def twice(data):
        return sorted(sorted(data))
"""


def test_a_real_benchmark_file_in_git_is_frozen_and_its_edit_is_marked(
    ws: Workspace, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "t@example.com")
    _git(repo, "config", "user.name", "t")
    bench = repo / "topk_bench.py"
    bench.write_text(textwrap.dedent(BENCH), encoding="utf-8")
    _git(repo, "add", "topk_bench.py")
    _git(repo, "commit", "-q", "-m", "bench")
    commit = _git(repo, "rev-parse", "HEAD")
    register(ws, success=["effect(time) <= -1%"], evidence=[str(bench)])
    options = BenchOptions(trials=3, isolation=Isolation.IN_PROCESS, plan_seed=7)
    first, _ = ws.runs.start(bench, options)
    bench.write_text(textwrap.dedent(BENCH).replace("n, 0, -1", "n, 0, -2"), encoding="utf-8")
    _git(repo, "commit", "-q", "-am", "edited after the freeze")
    second, _ = ws.runs.start(bench, options)

    review = ws.prototypes.review("topk-argpartition")
    (frozen,) = review.frozen_files
    assert frozen["run_id"] == first and frozen["git_commit"] == commit
    assert frozen["source"] == str(bench) and len(frozen["sha256"]) == 64
    assert review.changed_files == (second,)
    assert any(second in w and commit[:12] in w for w in review.warnings)


def test_an_old_store_pins_its_decisions_to_the_runs_they_named(tmp_path: Path) -> None:
    copy = tmp_path / "old.db"
    shutil.copyfile(Path(__file__).parents[2] / "data" / "workspace-0.1.db", copy)
    with sqlite3.connect(copy) as conn:
        named = conn.execute("SELECT id, runs FROM gate_decisions").fetchall()
    assert named and all(runs != "[]" for _, runs in named)
    with Workspace.open(tmp_path, url=f"sqlite:///{copy}", user="priya") as old:
        for decision_id, runs in named:
            with old.db.read() as session:
                pins = decision_runs.pinned(session, [decision_id])[decision_id]
            assert sorted(pins) == sorted(json.loads(runs))
