"""``assay gate check --strict`` and what ``gate review`` shows beside the verdict
(issue 10, problems 5, 6 and 7), through the CLI, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.integration.store.test_pinned_evidence import DAY, T0, register, store_run
from tests.support import run_main

from assay import Workspace
from assay.types import Ring

NAME = "topk-argpartition"
TECHNIQUE = "Top-k by argpartition"


@pytest.fixture
def cli(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[tuple[Workspace, object]]:
    monkeypatch.setenv("ASSAY_DATABASE_URL", database_url)
    monkeypatch.setenv("ASSAY_USER", "priya")
    monkeypatch.chdir(tmp_path)
    ws = Workspace.open(tmp_path, url=database_url, user="priya")
    ws.users.add("priya", "admin")
    ws.users.add("marco", "contributor")
    ws.radar.add(TECHNIQUE, area="numpy", at=T0 - 10 * DAY)

    def run(*argv: str) -> tuple[int, str, str]:
        return run_main(list(argv), capsys)

    yield ws, run
    ws.close()


def _decided_yes_then_contradicted(ws: Workspace) -> tuple[str, str]:
    """The user's case: YES on a -50% run, the blip moved to TRIAL, then a run at +1%
    and the success bar amended after that data."""
    register(ws)
    fast = store_run(ws, at=T0 + DAY, ratio=0.5)
    ws.prototypes.decide(NAME, "yes", why="twice as fast", at=T0 + 2 * DAY)
    ws.radar.move(TECHNIQUE, Ring.TRIAL, why="YES at discovery", at=T0 + 2 * DAY)
    slow = store_run(ws, at=T0 + 3 * DAY, ratio=1.01)
    ws.user = "marco"
    ws.prototypes.amend(NAME, success=["effect(time) <= -5%"], why="be fair", at=T0 + 4 * DAY)
    ws.user = "priya"
    return fast, slow


def test_gate_check_passes_a_failing_success_criterion_but_strict_fails_it(cli) -> None:  # type: ignore[no-untyped-def]
    ws, run = cli
    fast, slow = _decided_yes_then_contradicted(ws)

    code, out, _ = run("gate", "check")  # today's behaviour, kept without --strict
    assert code == 0 and f"ok {NAME}" in out

    code, out, err = run("gate", "check", "--strict")
    assert code == 1, err
    lines = out.splitlines()
    assert f"ok {NAME}" not in out
    fail = [line for line in lines if line.startswith(f"FAIL {NAME}: success criterion fails")]
    assert [line.split(": ")[2] for line in fail] == ["effect(time) <= -30%", "effect(time) <= -5%"]
    (amended,) = [line for line in lines if line.startswith(f"AMENDED {NAME}: ")]
    assert "by marco after run(s)" in amended and fast in amended and slow in amended
    assert "- success: effect(time) <= -30%" in amended
    stale = [line for line in lines if line.startswith(f"STALE {TECHNIQUE} (TRIAL): ")]
    assert any(slow in line and "contradict" in line for line in stale)
    assert len(lines) == 3 + len(stale)  # each problem on one line, nothing else

    code, out, _ = run("gate", "check", "--strict", "--json")
    data = json.loads(out)
    assert code == 1 and data["failed"] is True and data["problems"] == lines
    assert data["stale"][0]["technique"] == TECHNIQUE


def test_strict_check_passes_a_prototype_with_nothing_wrong(cli) -> None:  # type: ignore[no-untyped-def]
    ws, run = cli
    recent = dt.datetime.now(dt.UTC) - 3 * DAY  # fresh evidence: nothing is stale
    register(ws, at=recent)
    store_run(ws, at=recent + DAY, ratio=0.5)
    ws.prototypes.decide(NAME, "yes", why="twice as fast", at=recent + 2 * DAY)
    ws.radar.move(TECHNIQUE, Ring.TRIAL, why="YES at discovery", at=recent + 2 * DAY)
    code, out, err = run("gate", "check", NAME, "--strict")
    assert (code, out.strip()) == (0, f"ok {NAME}"), err


def test_gate_review_shows_the_decided_runs_the_new_evidence_and_the_amendment(cli) -> None:  # type: ignore[no-untyped-def]
    ws, run = cli
    fast, slow = _decided_yes_then_contradicted(ws)
    code, out, err = run("gate", "review", NAME)
    assert code == 0, err
    flat = " ".join(out.split())
    assert (
        f"decided: YES at the discovery gate on {T0 + 2 * DAY:%Y-%m-%d} by priya, on run(s) {fast}"
        in flat
    )
    assert f"new evidence since the decision (run(s) {slow}): NO on these runs alone" in flat
    assert "as amended after the freeze: NO" in flat and "effect(time) <= -5%" in flat
    code, out, _ = run("gate", "review", NAME, "--json")
    data = json.loads(out)
    assert data["decided"]["runs"] == [fast] and data["decided"]["since"]["runs"] == [slow]
    assert data["amended"]["criteria"][0]["criterion"] == "effect(time) <= -5%"
    code, out, err = run("technique", "show", TECHNIQUE)
    assert code == 0, err
    flat = " ".join(out.split())
    assert f"{NAME}: YES at the discovery gate on {T0 + 2 * DAY:%Y-%m-%d}" in flat
    assert f"decided on run(s) {fast}" in flat
    assert f"new evidence since the decision, run(s) {slow}: NO on these runs alone" in flat
    code, out, _ = run("technique", "show", TECHNIQUE, "--json")
    (decided,) = json.loads(out)["decisions"]
    assert decided["prototype"] == NAME and decided["runs"] == [fast]


def test_deciding_the_registered_answer_after_an_amendment_is_no_override(cli) -> None:  # type: ignore[no-untyped-def]
    ws, run = cli
    recent = dt.datetime.now(dt.UTC) - 3 * DAY  # the time-box still runs
    register(ws, at=recent)
    decided_on = store_run(ws, at=recent + DAY, ratio=0.90)  # -10%: fails -30%, passes -5%
    ws.prototypes.amend(
        NAME, success=["effect(time) <= -5%"], why="after data", at=recent + 2 * DAY
    )
    code, _, err = run("gate", "decide", NAME, "yes", "--why", "the amended bar passes")
    assert code == 2 and "registered criteria is NO" in err
    ws.learnings.add(NAME, learned="l", surprises="s", implicit="i", advice="a")  # issue 16
    code, out, err = run("gate", "decide", NAME, "no", "--why", "the registered bar was -30%")
    assert code == 0, err
    flat = " ".join(out.split())
    assert "NO by priya" in flat and "override" not in flat
    assert f"Decided on run(s) {decided_on};" in flat
    assert "as amended after the freeze they recommend YES" in flat
    code, out, _ = run("gate", "history", "--json")
    (decision,) = json.loads(out)["decisions"]
    assert decision["override"] is False and decision["runs"] == [decided_on]
