"""Explanations that are right (issue 10, problem 9), through ``assay.cli.main`` on a
real SQLite workspace: a claim's sentence, the repro diff's error column, a
prototype's judging runs, and an override on the radar.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assay.bench.plan import TrialKey
from assay.bench.sink import RunHeader
from assay.bench.trial import TrialResult, TrialStatus
from assay.store import runs as run_rows
from assay.workspace import Workspace
from support import new_team, run_main, table_digest

BIBTEX = Path(__file__).parents[2] / "unit" / "formats" / "data" / "refs.bib"
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return new_team(tmp_path, monkeypatch, user="tester", columns=120)


class Cli:
    """``assay ARGS`` in this process: (exit code, stdout, stderr)."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def __call__(self, *args: str | Path) -> tuple[int, str, str]:
        return run_main([str(a) for a in args], self.capsys)

    def ok(self, *args: str | Path) -> str:
        code, out, err = self(*args)
        assert code == 0, out + err
        return out

    def data(self, *args: str | Path) -> Any:
        return json.loads(self.ok(*args, "--json"))

    def refused(self, *args: str | Path) -> str:
        code, out, err = self(*args)
        assert code == 2, out + err
        lines = err.strip().splitlines()
        assert len(lines) == 1, lines
        return lines[0]


@pytest.fixture
def cli(root: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(capsys)


# -- claims ---------------------------------------------------------------------------------


def _topk_run(root: Path, run_id: str = "run-topk") -> str:
    """The user's top-k run: sorted() against argpartition at n=100000, 381.9x apart."""
    header = RunHeader(
        spec={"name": "topk", "baseline": "sorted", "candidates": ["argpartition"],
              "fingerprint": "f"},
        options={"trials": 4}, environment={}, planned=8,
    )  # fmt: skip
    with Workspace.open(root, user="tester") as ws, ws.db.write() as session:
        run_id = run_rows.create_run(
            session, name="topk", source="topk_bench.py", kind="bench", header=header,
            by="tester", at=T0, run_id=run_id, state="finished",
        )  # fmt: skip
        for seed, ratio in enumerate((370.0, 381.9, 393.8, 381.9), start=1):
            for method, time in (("sorted", 0.3819), ("argpartition", 0.3819 / ratio)):
                key = TrialKey(method, (("n", 100000),), seed)
                trial = TrialResult(key, TrialStatus.OK, block=seed, position=0,
                                    values={"time": time})  # fmt: skip
                run_rows.add_trial(session, run_id, trial)
    return run_id


def test_claim_link_as_times_smaller_says_38x_the_claim(cli: Cli, root: Path) -> None:
    run_id = _topk_run(root)
    cli.ok("paper", "add", "--bibtex", BIBTEX)
    cli.ok("claim", "add", "dao2022", "--metric", "time", "--value", "10", "--unit", "x")
    linked = cli.data("claim", "link", "1", run_id, "--as", "times-smaller")
    assert linked["reproduced"]["value"] == pytest.approx(381.9)
    assert linked["reproduced"]["as"] == "times-smaller"
    assert linked["status"] == "reproduced"
    why = linked["explanation"]
    assert why.startswith("measured 381.9x smaller (95% interval ")
    assert why.endswith(" is 38.2x the claimed 10x smaller, better than claimed")
    shown = cli.ok("claim", "show", "1")
    assert "within 10%" not in shown
    assert "none (beyond the claim)" in shown  # not a shortfall of -3719%
    assert "-3719%" not in shown
    assert "+372 (38.2x the claim)" in shown  # the gap, as the explanation says it
    assert "+3719%" not in shown
    # a claim in % compares a reduction in %: 1 - 1/381.9 is 99.74%
    cli.ok("claim", "add", "dao2022", "--metric", "time", "--value", "99.5", "--unit", "%")
    reduced = cli.data("claim", "link", "2", run_id, "--as", "reduction")
    assert reduced["reproduced"]["value"] == pytest.approx(100 * (1 - 1 / 381.9), rel=1e-3)
    assert reduced["explanation"].endswith("is within 10% of the claimed 99.5% lower")
    assert reduced["runs"][0]["source"].endswith("x100 for the claim's %")


def test_a_reading_that_cannot_be_in_the_claims_unit_is_refused(cli: Cli, root: Path) -> None:
    run_id = _topk_run(root)
    cli.ok("paper", "add", "--bibtex", BIBTEX)
    cli.ok("claim", "add", "dao2022", "--metric", "time", "--value", "10", "--unit", "x")
    before = table_digest(root)
    line = cli.refused("claim", "link", "1", run_id, "--as", "reduction")
    assert "read the run with --as times-smaller" in line
    assert table_digest(root) == before
    cli.ok("claim", "add", "dao2022", "--metric", "time", "--value", "10", "--unit", "x",
           "--direction", "lower")  # fmt: skip
    before = table_digest(root)
    line = cli.refused("claim", "link", "2", run_id, "--as", "times-smaller")
    assert "the claim says lower is better" in line  # 381.9x would read as 3719% short
    assert table_digest(root) == before
    cli.ok("claim", "link", "1", run_id, "--as", "times-smaller")
    cli.ok("claim", "link", "1", "elsewhere", "--values", "9,11")  # given: the claim's unit
    second = _topk_run(root, "run-topk-2")
    before = table_digest(root)
    line = cli.refused("claim", "link", "1", second, "--as", "ratio")  # pooled with 381.9x
    assert line.endswith("read this run the same way (--as times-smaller)")
    assert table_digest(root) == before
    both = cli.data("claim", "link", "1", second, "--as", "times-smaller")
    assert [r["as"] for r in both["runs"]] == ["times-smaller", "value", "times-smaller"]


# -- repro diff -----------------------------------------------------------------------------

SIDES = """
import numpy as np

REF = np.linspace(1.0, 8.0, 512) * np.where(np.arange(512) % 2, 1.0, -1.0)


def reference(x):
    yield "fc", x * 2
    yield "ln2", REF


def candidate(x):
    yield "fc", x * 2
    yield "ln2", REF * (1 + 6e-6 * np.linspace(0.2, 1.0, 512))
"""


def test_repro_diff_shows_the_error_the_tolerance_check_used(cli: Cli, root: Path) -> None:
    sides = root / "sides.py"
    sides.write_text(SIDES, encoding="utf-8")
    np.save(root / "x.npy", np.ones(3))
    code, out, _ = cli("repro", "diff", f"{sides}:reference", f"{sides}:candidate",
                       "--input", root / "x.npy")  # fmt: skip
    assert code == 1
    assert "Max rel err" not in out
    assert "Worst vs allowed" in out
    (row,) = [line for line in out.splitlines() if "│ ln2" in line]
    assert "261/512" in row
    error, allowed = (float(v) for v in row.split("│")[5].split(">"))
    assert error > allowed  # the cell shows the break the Outside column counts
    (fc,) = [line for line in out.splitlines() if "│ fc" in line]
    assert "≤" in fc
    assert "0/3" in fc
    assert "worst element off by" in out


# -- prototypes: the runs that judge them ---------------------------------------------------


TOPK_BENCH = """
import assay
import numpy as np


@assay.workload(params={"n": [64]})
def data(seed, n):
    return np.random.default_rng(seed).random(n)


@assay.baseline
def sorted_top(data):
    return sorted(data)[-8:]


@assay.candidate
def argpartition(data):
    return data[np.argpartition(data, -8)[-8:]]
"""


def _judging_run(root: Path, source: Path, at: dt.datetime) -> str:
    """A finished run of ``source`` begun at ``at``: baseline 0.1 s, candidate 0.07 s."""
    header = RunHeader(
        spec={"name": "topk", "baseline": "sorted", "candidates": ["argpartition"]},
        options={"plan_seed": 1, "confidence": 0.95}, environment={}, planned=6,
    )  # fmt: skip
    with Workspace.open(root, user="tester") as ws, ws.db.write() as session:
        run_id = run_rows.create_run(
            session, name="topk", source=str(source), kind="bench", header=header, by="ana",
            at=at,
        )  # fmt: skip
        for method, t in (("sorted", 0.1), ("argpartition", 0.07)):
            for seed in range(3):
                key = TrialKey(method, (("n", 64),), seed)
                value = t * (1 + 0.01 * seed)
                trial = TrialResult(key, TrialStatus.OK, seed, 0, values={"time": value})
                run_rows.add_trial(session, run_id, trial)
        run_rows.finish_run(session, run_id, {}, at)
    return run_id


def test_prototype_list_and_show_count_the_runs_of_its_benchmark_file(cli: Cli, root: Path) -> None:
    bench = root / "topk_bench.py"
    bench.write_text(TOPK_BENCH, encoding="utf-8")
    cli.ok("technique", "add", "Top-k by argpartition", "--area", "algorithms")
    cli.ok("prototype", "new", "Top-k by argpartition", "topk-argpartition",
           "--hypothesis", "argpartition is 20% faster", "--success", "effect(time) <= -20%",
           "--evidence", bench)  # fmt: skip
    cli.ok("prototype", "new", "Top-k by argpartition", "topk-idle",
           "--hypothesis", "nothing runs it", "--success", "effect(time) <= -20%")  # fmt: skip
    start = dt.datetime.now(dt.UTC)
    declared = [_judging_run(root, bench, start + dt.timedelta(minutes=i)) for i in range(4)]
    elsewhere = _judging_run(root, root / "other.py", start + dt.timedelta(minutes=9))
    cli.ok("prototype", "evidence", "topk-argpartition", elsewhere)
    listed = {p["name"]: p for p in cli.data("prototype", "list")["prototypes"]}
    runs = listed["topk-argpartition"]["judging_runs"]
    assert [r["run"] for r in runs] == [elsewhere, *reversed(declared)]  # newest first
    assert [r["linked"] for r in runs] == [True, False, False, False, False]
    assert listed["topk-idle"]["judging_runs"] == []
    table = cli.ok("prototype", "list")
    (row,) = [line for line in table.splitlines() if "topk-argpartition" in line]
    assert row.split("│")[-2].strip() == "5"  # the Runs column: 5, not the 1 linked run
    (idle,) = [line for line in table.splitlines() if "topk-idle" in line]
    assert idle.split("│")[-2].strip() == "0"
    shown = cli.ok("prototype", "show", "topk-argpartition")
    assert "Runs that are evidence (5)" in shown
    for run_id in (*declared, elsewhere):
        assert run_id in shown
    assert shown.count("ran a declared benchmark file") == 4
    assert "linked by tester" in shown
    data = cli.data("prototype", "show", "topk-argpartition")
    assert len(data["judging_runs"]) == 5
    assert "No run is evidence yet" in cli.ok("prototype", "show", "topk-idle")


# -- an override on the radar ---------------------------------------------------------------


def test_an_override_on_radar_move_is_said_and_shown_where_it_is_read(cli: Cli) -> None:
    cli.ok("technique", "add", "Top-k by argpartition", "--area", "algorithms")
    cli.ok("technique", "add", "Heap sort", "--area", "algorithms")
    moved = cli.ok("radar", "move", "top-k by argpartition", "trial", "--override",
                   "--why", "the serving team needs it this quarter")  # fmt: skip
    assert moved.splitlines()[0] == (
        "Moved Top-k by argpartition: ASSESS → TRIAL (override: recommended ASSESS; "
        "waived a YES gate decision; why: the serving team needs it this quarter)"
    )
    plain = cli.data("radar", "move", "Heap sort", "hold", "--why", "slower on our data")
    assert (plain["override"], plain["recommended"]) == (False, None)  # no rule to override
    shown = cli.ok("technique", "show", "Top-k by argpartition")
    assert "Moved by override (1)" in shown
    assert "ASSESS → TRIAL by tester (override: recommended ASSESS;" in shown
    (override,) = cli.data("technique", "show", "Top-k by argpartition")["overrides"]
    assert override["recommended"] == "ASSESS"
    assert override["why"] == "the serving team needs it this quarter"
    assert cli.data("technique", "show", "Heap sort")["overrides"] == []
    assert "override" not in cli.ok("technique", "show", "Heap sort")
    agenda = " ".join(cli.ok("review", "agenda").split())  # lines wrap at the terminal
    (change,) = re.findall(r"- \S+ Top-k by argpartition: ASSESS → TRIAL by tester [^-]*", agenda)
    assert "(override: recommended ASSESS; waived a YES gate decision; why: the serving" in change
    assert "Top-k by argpartition (radar move): to TRIAL by tester, override:" in agenda
    data = cli.data("review", "agenda")
    assert [o["technique"] for o in data["overrides"]] == ["Top-k by argpartition"]
    assert any(d["kind"] == "radar move" for d in data["deep_dives"])
