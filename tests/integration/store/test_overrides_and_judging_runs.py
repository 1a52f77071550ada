"""Reading back what the explanations show (issue 10, problem 9), on SQLite and
PostgreSQL alike: the ring moves made by override, and a prototype's judging runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from assay import Ring, Workspace
from assay.bench.plan import TrialKey
from assay.bench.sink import RunHeader
from assay.bench.trial import TrialResult, TrialStatus
from assay.pipeline.prototype import Prototype
from assay.store import runs as run_rows

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def ws(database_url: str, tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(tmp_path, url=database_url, user="tester")
    yield workspace
    workspace.close()


def test_overrides_are_read_back_with_what_was_recommended(ws: Workspace) -> None:
    ws.radar.add("Heap sort", area="algorithms")
    ws.radar.add("Argpartition", area="algorithms", ring=Ring.TRIAL, override=True,
                 why="the serving team needs it", at=T0)  # fmt: skip
    ws.radar.move("heap sort", Ring.TRIAL, why="a hunch", override=True, at=T0 + dt.timedelta(2))
    ws.radar.move("Heap sort", Ring.HOLD, why="slower on our data", at=T0 + dt.timedelta(3))
    found = ws.reports.overrides()
    assert [(o.technique, o.from_ring, o.to_ring) for o in found] == [
        ("Argpartition", None, Ring.TRIAL),
        ("Heap sort", Ring.ASSESS, Ring.TRIAL),
    ]
    assert [o.recommended for o in found] == [Ring.ASSESS, Ring.ASSESS]
    assert found[1].describe() == (
        "override: recommended ASSESS; waived a YES gate decision; why: a hunch"
    )
    assert [o.technique for o in ws.reports.overrides("HEAP SORT")] == ["Heap sort"]
    later = ws.reports.overrides(since=(T0 + dt.timedelta(1)).date())
    assert [o.technique for o in later] == ["Heap sort"]
    assert ws.reports.overrides("Nothing by that name") == []
    agenda = ws.reports.agenda(since=T0.date(), today=(T0 + dt.timedelta(5)).date())
    assert [o.technique for o in agenda.overrides] == ["Argpartition", "Heap sort"]
    assert agenda.to_dict()["overrides"][1]["recommended"] == "ASSESS"


def _run(ws: Workspace, source: str, at: dt.datetime) -> str:
    header = RunHeader(spec={"name": "b", "baseline": "a", "candidates": ["c"]}, options={},
                       environment={}, planned=4)  # fmt: skip
    with ws.db.write() as session:
        run_id = run_rows.create_run(
            session, name="b", source=source, kind="bench", header=header, by="t", at=at
        )
        for method in ("a", "c"):
            for seed in range(2):
                key = TrialKey(method, (), seed)
                values = {"time": 0.1 + 0.01 * seed}
                run_rows.add_trial(session, run_id, TrialResult(key, TrialStatus.OK, seed, 0,
                                                                values=values))  # fmt: skip
        run_rows.finish_run(session, run_id, {}, at)
    return run_id


def test_judging_runs_are_the_linked_and_the_declared_files_runs(
    ws: Workspace, tmp_path: Path
) -> None:
    ws.radar.add("Argpartition", area="algorithms")
    bench = tmp_path / "topk_bench.py"
    bench.write_text(
        "import assay\n\n@assay.workload\ndef data(seed):\n    return [seed]\n\n"
        "@assay.baseline\ndef a(data):\n    return data\n\n"
        "@assay.candidate\ndef c(data):\n    return data\n",
        encoding="utf-8",
    )
    now = dt.datetime.now(dt.UTC)
    prototype = Prototype.from_dict(
        {"name": "topk", "technique": "Argpartition", "hypothesis": "c is faster",
         "success": ["effect(time) <= -20%"], "evidence": [str(bench)]},
        today=now.date(),
    )  # fmt: skip
    ws.prototypes.new(prototype, at=now - dt.timedelta(minutes=1))
    before = _run(ws, str(bench.resolve()), now - dt.timedelta(days=30))  # before registration
    declared = [_run(ws, str(bench.resolve()), now + dt.timedelta(minutes=i)) for i in range(3)]
    other = _run(ws, "/elsewhere.py", now + dt.timedelta(minutes=5))
    assert [j.run_id for j in ws.prototypes.judging_runs("topk")] == declared[::-1]
    ws.prototypes.link_run("topk", other)
    runs = ws.prototypes.judging_runs("TOPK")
    assert [j.run_id for j in runs] == [other, *declared[::-1]]
    assert [j.link is not None for j in runs] == [True, False, False, False]
    assert before not in {j.run_id for j in runs}
