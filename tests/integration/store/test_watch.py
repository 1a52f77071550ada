"""Decisions that stay true (issue 14, part 3), on SQLite and PostgreSQL alike: real
pyperf result files imported through the runs service, a step regression, change
points, revisit-when conditions, reopened decisions, dismissal."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select

from assay import Workspace
from assay.errors import InputError, PermissionDeniedError
from assay.pipeline.gates import Answer
from assay.pipeline.prototype import Prototype
from assay.store.decision_models import DecisionRow
from assay.store.watch_models import DecisionWatchRow, WatchPointRow, WatchReopeningRow
from support import run_main

TECHNIQUE = "Top-k by argpartition"
PROTOTYPE = "topk-argpartition"
BASE = 0.100
FAST = 0.080  # the candidate, 20% faster than the baseline
SLOW = 0.100  # the candidate after the regression (+25%)


def pyperf_document(rng: np.random.Generator, candidate: float) -> dict[str, Any]:
    """A pyperf result file with a baseline and a candidate, 5 runs of 5 values each,
    1% noise."""

    def bench(name: str, level: float) -> dict[str, Any]:
        runs = [
            {
                "metadata": {"date": "2026-12-06 10:00:00"},
                "values": list(level * (1 + 0.01 * rng.standard_normal(5))),
            }
            for _ in range(5)
        ]
        return {"metadata": {"name": name, "unit": "second"}, "runs": runs}

    return {
        "version": "1.0",
        "metadata": {},
        "benchmarks": [bench("base", BASE), bench("cand", candidate)],
    }


class Bench:
    """Imports of one benchmark file (the same path, so the same series)."""

    def __init__(self, ws: Workspace, path: Path) -> None:
        self.ws, self.path, self.rng = ws, path, np.random.default_rng(20261206)

    def run(self, candidate: float) -> str:
        self.path.write_text(json.dumps(pyperf_document(self.rng, candidate)))
        run_id = self.ws.runs.import_file(self.path, baseline="base").run_id
        self.ws.prototypes.link_run(PROTOTYPE, run_id)
        return run_id


@pytest.fixture
def ws(database_url: str, tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(tmp_path, url=database_url, user="priya")
    workspace.users.add("priya", "admin")
    workspace.users.add("ana", "approver")
    workspace.users.add("marco", "contributor")
    workspace.radar.add(TECHNIQUE, area="numpy")
    yield workspace
    workspace.close()


@pytest.fixture
def bench(ws: Workspace, tmp_path: Path) -> Bench:
    path = tmp_path / "topk.json"
    prototype = Prototype.from_dict(
        {
            "name": PROTOTYPE,
            "technique": TECHNIQUE,
            "hypothesis": "argpartition is at least 10% faster than a full sort",
            "success": ["effect(latency) <= -10%"],
            "timebox": "30d",
        },
        today=dt.date.today(),
    )
    ws.prototypes.new(prototype)
    return Bench(ws, path)


def decide(ws: Workspace, *revisit: str) -> int:
    """Decide the current gate as recommended (with the revisit-when conditions)."""
    answer = ws.prototypes.review(PROTOTYPE).recommendation.answer
    if answer.value == "no" and not ws.learnings.list(prototype=PROTOTYPE):
        ws.learnings.add(  # a NO waits for the prototype's learnings (issue 16)
            PROTOTYPE, learned="it regressed", surprises="none", implicit="none", advice="none"
        )
    record = ws.prototypes.decide(
        PROTOTYPE, answer, why="as the evidence says", revisit_when=list(revisit)
    )
    return record.id


def count(ws: Workspace, table: Any) -> int:
    with ws.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_a_step_regression_is_one_change_point_and_reopens_the_decision_once(
    ws: Workspace, bench: Bench
) -> None:
    before = [bench.run(FAST) for _ in range(20)]
    assert ws.prototypes.review(PROTOTYPE).recommendation.answer is Answer.YES
    decision = decide(ws)
    assert ws.watch.reopened() == []
    after = [bench.run(SLOW) for _ in range(10)]

    (history,) = ws.watch.show("topk", "latency", method="cand")
    assert len(history.points) == 30
    assert [p.run_id for p in history.points] == before + after
    (change,) = history.changes
    assert change["index"] == 20 and change["run_id"] == after[0]
    assert change["mean_after"] > change["mean_before"]
    # The baseline did not move: no change point there.
    (base,) = ws.watch.show("topk", "latency", method="base")
    assert base.changes == ()

    (reopened,) = ws.watch.reopened()
    assert reopened.decision_id == decision and reopened.technique == TECHNIQUE
    assert "latency regressed" in reopened.reason and after[0] in reopened.reason
    evidence = reopened.evidence
    assert evidence["series"] == {
        "benchmark": "topk",
        "metric": "latency",
        "method": "cand",
        "point": "",
    }
    # The evidence as of the reopening: the runs on either side of the change.
    assert evidence["runs_before"] == before[-5:] and evidence["runs_after"][0] == after[0]

    # A second scan (another run, and `watch check`) does not reopen it twice.
    bench.run(SLOW)
    ws.watch.check()
    assert count(ws, WatchReopeningRow) == 1
    listed = {s.key.method: s for s in ws.watch.series(benchmark="topk", metric="latency")}
    assert listed["cand"].points == 31 and listed["cand"].change is not None


def test_one_outlying_run_reopens_nothing_until_confirmed(ws: Workspace, bench: Bench) -> None:
    for _ in range(10):
        bench.run(FAST)
    decide(ws)
    bench.run(SLOW)
    bench.run(SLOW)
    assert ws.watch.reopened() == []  # two runs do not confirm a change
    third = bench.run(SLOW)
    (reopened,) = ws.watch.reopened()
    assert reopened.evidence["change"]["index"] == 10 and third in reopened.evidence["runs_after"]


def test_a_change_before_the_decision_does_not_reopen_it(ws: Workspace, bench: Bench) -> None:
    for _ in range(10):
        bench.run(SLOW)
    for _ in range(10):
        bench.run(FAST)
    decide(ws)
    bench.run(FAST)
    (history,) = ws.watch.show("topk", "latency", method="cand")
    assert len(history.changes) == 1  # the improvement, before the decision
    assert ws.watch.reopened() == [] and count(ws, WatchReopeningRow) == 0


def test_change_condition_reopens_in_either_direction(ws: Workspace, bench: Bench) -> None:
    for _ in range(10):
        bench.run(SLOW)
    decision = decide(ws, "change(latency)")  # NO: the candidate is not faster
    for _ in range(10):
        bench.run(FAST)  # an improvement: not a regression, but a change
    (reopened,) = ws.watch.reopened()
    assert reopened.decision_id == decision and reopened.evidence["kind"] == "change"
    assert "revisit-when change(latency) met" in reopened.reason


def test_a_date_condition_is_due_at_read_time_and_stored_by_check(
    ws: Workspace, bench: Bench
) -> None:
    bench.run(FAST)
    decision = decide(ws, "on 2027-03-01")
    assert ws.watch.reopened(today=dt.date(2027, 2, 28)) == []
    (due,) = ws.watch.reopened(today=dt.date(2027, 3, 1))
    assert due.decision_id == decision and not due.stored and "on 2027-03-01" in due.reason
    (stored,) = ws.watch.check(today=dt.date(2027, 3, 1))
    assert stored.stored
    ws.watch.check(today=dt.date(2027, 3, 2))
    assert count(ws, WatchReopeningRow) == 1


def test_a_criteria_condition_reopens_on_the_newest_evidence(ws: Workspace, bench: Bench) -> None:
    for _ in range(3):
        bench.run(FAST)
    decision = decide(ws, "effect(latency) > -5%")
    assert ws.watch.reopened() == []
    bench.run(SLOW)  # the newest run answers: the effect is about 0%
    (reopened,) = [r for r in ws.watch.reopened() if r.evidence["kind"] == "criteria"]
    assert reopened.decision_id == decision
    assert "effect(latency) > -5% holds" in reopened.reason


def test_free_text_is_stored_untouched_and_never_reopens(ws: Workspace, bench: Bench) -> None:
    bench.run(FAST)
    decide(ws, "when the vendor ships v3; on 2027-03-01")
    (record,) = ws.prototypes.decisions(PROTOTYPE)
    assert record.decision.revisit_when == "when the vendor ships v3; on 2027-03-01"
    with ws.db.read() as session:
        kinds = session.scalars(select(DecisionWatchRow.kind).order_by(DecisionWatchRow.id)).all()
    assert kinds == ["metric", "text", "date"]
    assert ws.watch.reopened(today=dt.date(2027, 1, 1)) == []


def test_dismiss_needs_an_approver_and_closes_the_reopening(ws: Workspace, bench: Bench) -> None:
    bench.run(FAST)
    decision = decide(ws, "on 2020-01-01")
    assert len(ws.watch.reopened()) == 1
    ws.user = "marco"
    with pytest.raises(PermissionDeniedError):
        ws.watch.dismiss(decision, why="seen")
    assert count(ws, WatchReopeningRow) == 0
    ws.user = "ana"
    with pytest.raises(InputError):
        ws.watch.dismiss(decision, why=" ")
    assert ws.watch.dismiss(decision, why="the date was a placeholder") == 1
    assert ws.watch.reopened() == []
    with ws.db.read() as session:
        closed = session.execute(
            select(WatchReopeningRow.closed_by, WatchReopeningRow.closed_why)
        ).one()
    assert tuple(closed) == ("ana", "the date was a placeholder")
    with pytest.raises(InputError, match="no open reopening"):
        ws.watch.dismiss(decision, why="again")


def test_a_new_decision_closes_the_reopening(ws: Workspace, bench: Bench) -> None:
    bench.run(FAST)
    first = decide(ws, "on 2020-01-01")
    ws.watch.check()
    assert [r.decision_id for r in ws.watch.reopened()] == [first]
    second = decide(ws)
    assert second != first and ws.watch.reopened() == []
    with ws.db.read() as session:
        by, why = session.execute(
            select(WatchReopeningRow.closed_by, WatchReopeningRow.closed_why)
        ).one()
    assert by == "priya" and f"number {second}" in (why or "")


@pytest.mark.parametrize(
    "condition", ["on 2027-13-01", "change()", "effect(latency) >", "effect(nope) > 3 apples"]
)
def test_a_bad_condition_exits_2_and_writes_nothing(
    ws: Workspace,
    bench: Bench,
    database_url: str,
    condition: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bench.run(FAST)
    argv = ["gate", "decide", PROTOTYPE, "yes", "--why", "fast", "--db", database_url]
    code, _, err = run_main([*argv, "--revisit-when", condition], capsys)
    assert code == 2 and err.strip() and "Traceback" not in err, err
    assert count(ws, DecisionRow) == 0 and count(ws, DecisionWatchRow) == 0


def test_check_adds_runs_stored_before_the_history(ws: Workspace, bench: Bench) -> None:
    for _ in range(3):
        bench.run(FAST)
    with ws.db.write() as session:
        session.execute(WatchPointRow.__table__.delete())
    assert ws.watch.series() == []
    ws.watch.check()
    assert {s.points for s in ws.watch.series(metric="latency")} == {3}


def test_a_reopened_decision_shows_on_the_radar_agenda_status_and_gate_page(
    ws: Workspace, bench: Bench, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from assay.web import create_app
    from support.web_app import PASSWORD, TestClient, signed_in

    before = [bench.run(FAST) for _ in range(8)]
    decision = decide(ws)
    after = [bench.run(SLOW) for _ in range(4)]
    (reopened,) = ws.watch.reopened()
    assert reopened.decision_id == decision

    radar = ws.radar.document()
    (doc,) = [t for t in radar["techniques"] if t["name"] == TECHNIQUE]
    (item,) = doc["reopened"]
    assert item["decision"] == decision and "latency regressed" in item["reason"]
    svg = ws.radar.picture()
    assert 'class="mark-reopened"' in svg and "decision reopened (purple dot)" in svg
    assert "reopened" in svg.split('class="blip"')[1].split("</title>")[0]
    status = ws.reports.status()
    assert [r.decision_id for r in status.reopened] == [decision] and status.needs_attention
    agenda = ws.reports.agenda()
    assert [r.decision_id for r in agenda.reopened] == [decision]

    db = ["--db", database_url]
    code, out, err = run_main(["status", "--json", *db], capsys)
    assert code == 0, err
    assert [r["decision"] for r in json.loads(out)["reopened"]] == [decision]
    code, out, err = run_main(["review", "agenda", *db], capsys)
    flat = " ".join(out.split())
    assert code == 0 and "Reopened decisions (1)" in flat and after[0] in flat, err
    assert before[-1] in flat  # the runs before the change
    code, out, err = run_main(["radar", *db], capsys)
    assert code == 0 and "reopened:" in out, err
    code, out, err = run_main(["watch", "--json", *db], capsys)
    assert code == 0 and [r["decision"] for r in json.loads(out)["reopened"]] == [decision]
    code, out, err = run_main(["watch", "show", "topk", "latency", "--method", "cand", *db], capsys)
    assert code == 0 and after[0] in out and "→" in out, err

    ws.accounts.set_password("marco", PASSWORD)
    client = TestClient(create_app(database_url))
    try:
        signed_in(client, "marco")
        page = client.get(f"/gates/{PROTOTYPE}")
        assert page.status_code == 200, page.text
        assert "Reopened" in page.text and "latency regressed" in page.text
        assert f"/runs/{after[0]}" in page.text and f"/runs/{before[-1]}" in page.text
        data = client.get(f"/gates/{PROTOTYPE}", headers={"accept": "application/json"}).json()
        assert [r["decision"] for r in data["watch"]["reopened"]] == [decision]
        assert {w["kind"] for w in data["watch"]["watching"]} == {"metric"}
    finally:
        client.close()
