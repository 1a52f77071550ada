"""Everything overdue, read over plain SQL on SQLite and PostgreSQL: next actions,
open post-mortem actions and unresolved predictions past their date (issue 10: `status`
said "Nothing needs attention" while a post-mortem action was 5 days late)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from assay import Workspace
from assay.pipeline.postmortem import ActionItem, FailureCategory, PostMortem, Problem
from assay.pipeline.predictions import Outcome
from assay.store.overdue import Overdue, OverdueKind, overdue

TODAY = dt.date(2026, 12, 6)
DAY = dt.timedelta(days=1)
LONG_AGO = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def ws(database_url: str, tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(tmp_path, url=database_url, user="priya")
    yield workspace
    workspace.close()


def _fill(ws: Workspace) -> None:
    for name in ("late", "due-today", "later", "idle"):
        ws.radar.add(name, area="inference", owner="sam")
    ws.radar.set_next("late", "benchmark on our traffic", due=TODAY - 3 * DAY)
    ws.radar.set_next("due-today", "read the paper", due=TODAY)
    ws.radar.set_next("later", "ask the authors", due=TODAY + DAY)
    actions = (
        ActionItem("add a P99 check", "aiko", TODAY - 5 * DAY),
        ActionItem("retest beyond 32k", "sam", TODAY - 9 * DAY),
        ActionItem("write the runbook", "priya", TODAY + 2 * DAY),
    )
    problem = Problem(FailureCategory.PROTOTYPE, "benchmarked against naive attention")
    pm = ws.postmortems.add(PostMortem("late", timeline=(), problems=(problem,), actions=actions))
    assert pm.id is not None
    done = next(a for a in ws.postmortems.actions() if a.action.text == "retest beyond 32k")
    ws.postmortems.close_action(done.id, on=TODAY - DAY)
    open_late = ws.predictions.add("Does tiling cut P99 by 30%?", 0.7, TODAY - 2 * DAY, at=LONG_AGO)
    resolved = ws.predictions.add("Is FA3 on our GPUs?", 0.4, TODAY - 4 * DAY, at=LONG_AGO)
    assert resolved.id is not None and open_late.id is not None
    ws.predictions.resolve(int(resolved.id), Outcome.YES)
    ws.predictions.add("Will the kernel land upstream?", 0.5, TODAY + 30 * DAY, at=LONG_AGO)


def _overdue(ws: Workspace, today: dt.date = TODAY) -> list[Overdue]:
    with ws.radar.ctx.sql_read() as sql:
        return overdue(sql, today)


def test_everything_past_its_date_and_nothing_else(ws: Workspace) -> None:
    _fill(ws)
    found = _overdue(ws)
    assert [(o.kind, o.subject, o.what, o.owner, o.days_late(TODAY)) for o in found] == [
        (OverdueKind.POSTMORTEM_ACTION, "late", "add a P99 check", "aiko", 5),
        (OverdueKind.NEXT_ACTION, "late", "benchmark on our traffic", "sam", 3),
        (OverdueKind.PREDICTION, "Does tiling cut P99 by 30%?", "not resolved", None, 2),
    ]
    lines = [o.describe(TODAY) for o in found]
    assert lines[0].startswith("post-mortem action ") and lines[0].endswith(
        "(late): add a P99 check, owner aiko, due 2026-12-01, 5 days late"
    )
    assert lines[1] == (
        "next action of late: benchmark on our traffic, owner sam, due 2026-12-03, 3 days late"
    )
    assert found[2].to_dict(TODAY)["days_late"] == 2


def test_a_thing_due_today_is_not_late_and_tomorrow_everything_moves(ws: Workspace) -> None:
    _fill(ws)
    tomorrow = {o.subject for o in _overdue(ws, TODAY + DAY)}
    assert "due-today" in tomorrow and "due-today" not in {o.subject for o in _overdue(ws)}


def test_next_actions_agree_with_the_radar_rule(ws: Workspace) -> None:
    # one rule, two readers: the SQL must say what Technique.is_overdue says
    _fill(ws)
    for day in (TODAY - 4 * DAY, TODAY, TODAY + 2 * DAY):
        from_sql = [o.ref for o in _overdue(ws, day) if o.kind is OverdueKind.NEXT_ACTION]
        assert from_sql == [t.name for t in ws.radar.overdue(day)]


def test_a_cleared_action_and_a_resolved_prediction_leave_the_list(ws: Workspace) -> None:
    _fill(ws)
    ws.radar.set_next("late", "", due=None)
    action = next(a for a in ws.postmortems.actions() if a.action.text == "add a P99 check")
    ws.postmortems.close_action(action.id, on=TODAY)
    late = next(p for p in ws.predictions.list() if p.question.startswith("Does tiling"))
    assert late.id is not None
    ws.predictions.resolve(int(late.id), Outcome.NO)
    assert _overdue(ws) == []
