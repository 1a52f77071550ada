"""Everything overdue through the CLI (issue 10, problem 8): ``assay status`` said
"Nothing needs attention" while a post-mortem action was 5 days late and a technique's
next action was overdue, and ``review agenda`` omitted the post-mortem action. On
SQLite and PostgreSQL alike, through ``assay.cli.main``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.support import run_main

from assay import Workspace
from assay.pipeline.postmortem import ActionItem, FailureCategory, PostMortem, Problem

TODAY = dt.date.today()  # the commands judge against today's date
DAY = dt.timedelta(days=1)
LONG_AGO = dt.datetime.combine(TODAY - 40 * DAY, dt.time(9), tzinfo=dt.UTC)

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[tuple[Workspace, Run]]:
    monkeypatch.setenv("ASSAY_DATABASE_URL", database_url)
    monkeypatch.setenv("ASSAY_USER", "priya")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)
    ws = Workspace.open(tmp_path, url=database_url, user="priya")
    ws.users.add("priya", "admin")

    def run(*argv: str) -> tuple[int, str, str]:
        return run_main(list(argv), capsys)

    yield ws, run
    ws.close()


def _the_users_case(ws: Workspace) -> int:
    """A post-mortem action 5 days late, a next action 3 days late, a prediction 2 days
    past its date; the post-mortem action's id."""
    ws.radar.add("flash-attn", area="inference", owner="sam", at=LONG_AGO)
    ws.radar.set_next("flash-attn", "benchmark on our traffic", due=TODAY - 3 * DAY)
    problem = Problem(FailureCategory.PROTOTYPE, "benchmarked against naive attention")
    actions = (
        ActionItem("add a P99 check", "aiko", TODAY - 5 * DAY),
        ActionItem("write the runbook", "priya", TODAY + 2 * DAY),
    )
    ws.postmortems.add(PostMortem("flash-attn", timeline=(), problems=(problem,), actions=actions))
    ws.predictions.add("Does tiling cut P99 by 30%?", 0.7, TODAY - 2 * DAY, at=LONG_AGO)
    late = next(a for a in ws.postmortems.actions() if a.action.text == "add a P99 check")
    return int(late.id)


def _due(days: int) -> str:
    return (TODAY - days * DAY).isoformat()


def test_status_lists_everything_overdue_and_does_not_say_nothing(cli) -> None:  # type: ignore[no-untyped-def]
    ws, run = cli
    action = _the_users_case(ws)

    code, out, err = run("status")
    assert code == 0, err
    assert "Nothing needs attention" not in out
    lines = [" ".join(line.split()) for line in out.splitlines()]
    assert (
        f"overdue post-mortem action {action} (flash-attn): add a P99 check, owner aiko, "
        f"due {_due(5)}, 5 days late"
    ) in lines
    assert (
        f"overdue next action of flash-attn: benchmark on our traffic, owner sam, "
        f"due {_due(3)}, 3 days late"
    ) in lines
    assert (
        f"overdue prediction 1 (Does tiling cut P99 by 30%?): not resolved, due {_due(2)}, "
        "2 days late"
    ) in lines
    assert "write the runbook" not in out  # due in two days: not late

    code, out, err = run("status", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [(o["kind"], o["days_late"]) for o in data["overdue"]] == [
        ("post-mortem action", 5),
        ("next action", 3),
        ("prediction", 2),
    ]
    assert {"kill_criteria_fired", "timebox_expired", "awaiting_decision", "stale"} <= set(data)


def test_status_says_nothing_needs_attention_only_when_nothing_is_late(cli) -> None:  # type: ignore[no-untyped-def]
    ws, run = cli
    ws.radar.add("flash-attn", area="inference", owner="sam", at=LONG_AGO)
    ws.radar.set_next("flash-attn", "benchmark on our traffic", due=TODAY)  # due today

    code, out, err = run("status")
    assert code == 0, err
    assert "Nothing needs attention" in out and "overdue" not in out
    code, out, _ = run("status", "--json")
    assert json.loads(out)["overdue"] == []


def test_review_agenda_lists_overdue_postmortem_actions_and_predictions(cli) -> None:  # type: ignore[no-untyped-def]
    ws, run = cli
    action = _the_users_case(ws)

    code, out, err = run("review", "agenda")
    assert code == 0, err
    text = " ".join(out.split())
    assert "Overdue next actions (1) - flash-attn: benchmark on our traffic" in text
    assert "Overdue post-mortem actions and predictions (2)" in text
    assert (
        f"post-mortem action {action} (flash-attn): add a P99 check, owner aiko, "
        f"due {_due(5)}, 5 days late"
    ) in text
    assert f"prediction 1 (Does tiling cut P99 by 30%?): not resolved, due {_due(2)}" in text

    code, out, err = run("review", "agenda", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [t["name"] for t in data["overdue"]] == ["flash-attn"]  # the existing shape
    assert data["overdue"][0]["days_overdue"] == 3
    assert [(o["kind"], o["ref"], o["days_late"]) for o in data["overdue_other"]] == [
        ("post-mortem action", str(action), 5),
        ("prediction", "1", 2),
    ]
