"""Correcting mistakes through the command line (issue 11): ``technique rename`` keeps
history and links, ``technique/paper/bench retire`` take records out of the views and
the evidence (and ``--undo`` brings them back), each refusal is one line, exit 2, and
writes nothing. On SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assay import Workspace
from assay.bench.plan import TrialKey
from assay.bench.sink import RunHeader
from assay.bench.trial import TrialResult, TrialStatus
from assay.store import runs as run_rows
from support import store_cli, store_rows

Run = Callable[..., tuple[int, str, str]]

TABLES = (
    "techniques",
    "ring_moves",
    "papers",
    "paper_techniques",
    "runs",
    "prototypes",
    "prototype_evidence",
    "predictions",
    "postmortems",
)


@pytest.fixture
def cli(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Run:
    return store_cli(database_url, tmp_path, monkeypatch, capsys)


def ok(cli: Run, *args: str) -> str:
    code, out, err = cli(*args)
    assert code == 0, (args, err)
    return out


def as_json(cli: Run, *args: str) -> Any:
    return json.loads(ok(cli, *args, "--json"))


def refused(cli: Run, database_url: str, *args: str) -> str:
    """Run a command that must be refused: exit 2, one line on stderr, nothing written."""
    before = snapshot(database_url)
    code, out, err = cli(*args)
    assert code == 2, (args, out, err)
    assert len(err.strip().splitlines()) == 1, err
    assert snapshot(database_url) == before
    return " ".join(err.split())


def snapshot(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    return store_rows(database_url, TABLES)


def store_run(database_url: str, *, source: str = "/b.py") -> str:
    """A finished run of ``source``, now: five paired trials, the candidate 30% faster."""
    header = RunHeader(
        spec={"name": "tiling", "baseline": "base", "candidates": ["cand"], "metrics": []},
        options={"plan_seed": 1, "confidence": 0.95},
        environment={},
        planned=10,
    )
    at = dt.datetime.now(dt.UTC)
    ws = Workspace.open(Path.cwd(), url=database_url, user="priya")
    try:
        with ws.db.write() as session:
            run_id = run_rows.create_run(
                session, name="tiling", source=source, kind="bench", header=header, by="m", at=at
            )
            for method, t in (("base", 0.1), ("cand", 0.07)):
                for seed in range(5):
                    value = t * (1 + 0.01 * seed)
                    trial = TrialResult(
                        TrialKey(method, (("n", 64),), seed),
                        TrialStatus.OK,
                        seed,
                        0,
                        values={"latency": value},
                        samples={"latency": value * np.array([0.9, 1.0, 1.1])},
                    )
                    run_rows.add_trial(session, run_id, trial)
            run_rows.finish_run(session, run_id, {}, at)
    finally:
        ws.close()
    return run_id


@pytest.fixture
def team(cli: Run, database_url: str) -> str:
    """An admin and a contributor, a technique with a prototype judged by one linked
    run; the run's id."""
    ok(cli, "user", "add", "priya", "--role", "admin")
    ok(cli, "user", "add", "marco", "--role", "contributor")
    ok(cli, "technique", "add", "Tiling", "--area", "inference")
    ok(
        cli, "prototype", "new", "Tiling", "tiling-p1",
        "--hypothesis", "tiling cuts time per call by a fifth",
        "--success", "effect(latency) <= -20%", "--timebox", "2w",
    )  # fmt: skip
    run_id = store_run(database_url)
    ok(cli, "prototype", "evidence", "tiling-p1", run_id)
    return run_id


def test_rename_keeps_history_links_and_every_view(cli: Run, team: str, database_url: str) -> None:
    ok(cli, "gate", "decide", "tiling-p1", "yes", "--why", "30% faster", "--override")
    ok(cli, "radar", "move", "Tiling", "trial", "--why", "the gate said yes")
    ok(cli, "paper", "add", "--title", "Tiling for speed", "--year", "2024")
    ok(cli, "paper", "link", "Tiling for speed", "Tiling")
    ok(cli, "predict", "add", "Tiling ships by June", "--p", "70%",
       "--resolve-by", "2027-06-30", "--tags", "tiling,perf")  # fmt: skip
    ok(cli, "postmortem", "new", "tiling", "--outcome", "too slow on small inputs",
       "--problem", "prototype: measured on one shape", "--lesson", "measure shapes")  # fmt: skip

    done = as_json(cli, "technique", "rename", "tiling", "Loop tiling")
    assert done["name"] == "Loop tiling"

    shown = as_json(cli, "technique", "show", "loop tiling")
    assert [m["to"] for m in shown["history"]] == ["ASSESS", "TRIAL"]
    assert [d["prototype"] for d in shown["decisions"]] == ["tiling-p1"]
    assert as_json(cli, "prototype", "show", "tiling-p1")["technique"] == "Loop tiling"
    paper = as_json(cli, "paper", "show", "Tiling for speed")
    assert paper["techniques"] == ["Loop tiling"]
    (prediction,) = as_json(cli, "predict", "list")["predictions"]
    assert prediction["tags"] == ["loop tiling", "perf"]
    (pm,) = as_json(cli, "postmortem", "list")["postmortems"]
    assert pm["subject"] == "Loop tiling"
    radar = as_json(cli, "radar")["techniques"]
    assert [t["name"] for t in radar] == ["Loop tiling"]
    hits = as_json(cli, "search", "Loop tiling")["hits"]
    assert {h["kind"] for h in hits} >= {"technique", "post-mortem"}
    assert "Tiling" not in [t["name"] for t in as_json(cli, "technique", "list")["techniques"]]
    # The old name is free again; a name another technique has is refused.
    ok(cli, "technique", "add", "Tiling", "--area", "inference")
    assert "already exists" in refused(
        cli, database_url, "technique", "rename", "Tiling", "loop TILING"
    )
    # A rename through `technique edit --name` rewrites the same texts.
    ok(cli, "technique", "edit", "Loop tiling", "--name", "Tiled loops")
    (pm,) = as_json(cli, "postmortem", "list")["postmortems"]
    assert pm["subject"] == "Tiled loops"
    (prediction,) = as_json(cli, "predict", "list")["predictions"]
    assert prediction["tags"] == ["tiled loops", "perf"]


def test_a_retired_run_leaves_the_evidence_and_undo_brings_it_back(cli: Run, team: str) -> None:
    before = as_json(cli, "gate", "review", "tiling-p1")
    assert team in json.dumps(before)
    done = as_json(cli, "bench", "retire", team, "--why", "measured on a throttled laptop")
    assert done["retired"] is True and done["retired_by"] == "priya"
    after = as_json(cli, "gate", "review", "tiling-p1")
    assert team not in json.dumps(after["criteria"])
    assert team not in [r["run_id"] for r in as_json(cli, "bench", "list")["runs"]]
    listed = as_json(cli, "bench", "list", "--include-retired")["runs"]
    assert [(r["run_id"], r["retired"]) for r in listed] == [(team, True)]
    assert team not in json.dumps(as_json(cli, "status"))
    assert (
        as_json(cli, "bench", "show", team)["retired"]["retired_why"]
        == "measured on a throttled laptop"
    )
    assert "Retired: " in ok(cli, "bench", "show", team)
    ok(cli, "bench", "retire", team, "--undo")
    assert as_json(cli, "bench", "show", team)["retired"] is None
    assert as_json(cli, "gate", "review", "tiling-p1")["criteria"] == before["criteria"]


def test_a_retired_technique_leaves_the_radar_and_keeps_its_name(
    cli: Run, team: str, database_url: str
) -> None:
    message = refused(cli, database_url, "technique", "retire", "Tiling", "--why", "entered twice")
    assert "active prototypes (tiling-p1)" in message
    ok(cli, "technique", "add", "Tilling", "--area", "inference")
    ok(cli, "technique", "next", "Tilling", "fix the typo", "--due", "2020-01-01")
    ok(cli, "technique", "retire", "Tilling", "--why", "a typo of Tiling")
    assert [t["name"] for t in as_json(cli, "radar")["techniques"]] == ["Tiling"]
    assert [t["name"] for t in as_json(cli, "technique", "list")["techniques"]] == ["Tiling"]
    assert "Tilling" not in json.dumps(as_json(cli, "radar", "overdue"))
    listed = as_json(cli, "technique", "list", "--include-retired")["techniques"]
    assert [(t["name"], t["retired"]) for t in listed] == [("Tiling", False), ("Tilling", True)]
    radar = as_json(cli, "radar", "--include-retired")["techniques"]
    assert [(t["name"], t["retired"]) for t in radar] == [("Tiling", False), ("Tilling", True)]
    shown = " ".join(ok(cli, "radar", "--include-retired").split())
    assert "Tilling (retired)" in shown and "retired: Tilling: " in shown
    assert "Tilling" not in ok(cli, "radar")
    shown = as_json(cli, "technique", "show", "Tilling")
    assert shown["retired"]["why"] == "a typo of Tiling"
    assert "retired" in refused(cli, database_url, "technique", "add", "tilling", "--area", "x")
    assert "retired" in refused(cli, database_url, "radar", "move", "Tilling", "hold", "--why", "x")
    ok(cli, "technique", "retire", "Tilling", "--undo")
    assert [t["name"] for t in as_json(cli, "radar")["techniques"]] == ["Tiling", "Tilling"]


def test_a_retired_paper_leaves_lists_search_and_export(cli: Run, team: str) -> None:
    ok(cli, "paper", "add", "--title", "Mistaken entry on tiling", "--year", "2023")
    ok(cli, "paper", "add", "--title", "Kept paper on tiling", "--year", "2022")
    key = as_json(cli, "paper", "show", "Mistaken entry")["key"]
    ok(cli, "paper", "retire", key, "--why", "not the paper we meant")
    assert [p["title"] for p in as_json(cli, "paper", "list")["papers"]] == ["Kept paper on tiling"]
    listed = as_json(cli, "paper", "list", "--include-retired")["papers"]
    assert {(p["key"], p["retired"]) for p in listed} >= {(key, True)}
    assert key not in json.dumps(as_json(cli, "search", "tiling"))
    assert "Mistaken" not in ok(cli, "paper", "export", "--format", "bibtex")
    assert as_json(cli, "paper", "show", key)["retired"]["retired_why"] == "not the paper we meant"
    assert "Retired: " in ok(cli, "paper", "show", key)
    assert as_json(cli, "paper", "show", "Kept paper")["retired"] is None


def test_refusals_are_one_line_exit_2_and_write_nothing(
    cli: Run, team: str, database_url: str
) -> None:
    ok(cli, "paper", "add", "--title", "A paper", "--year", "2020")
    ok(cli, "bench", "retire", team, "--why", "bad machine")
    assert "already retired" in refused(
        cli, database_url, "bench", "retire", team, "--why", "again"
    )
    assert "unknown run" in refused(
        cli, database_url, "bench", "retire", "20990101-nope", "--why", "x"
    )
    assert "unknown technique" in refused(
        cli, database_url, "technique", "retire", "Nope", "--why", "x"
    )
    assert "no paper matches" in refused(
        cli, database_url, "paper", "retire", "nope-zz", "--why", "x"
    )
    assert "needs --why" in refused(cli, database_url, "paper", "retire", "A paper")
    assert "not retired" in refused(cli, database_url, "paper", "retire", "A paper", "--undo")
    assert "--undo takes no --why" in refused(
        cli, database_url, "bench", "retire", team, "--undo", "--why", "x"
    )
    assert "admin" in refused(
        cli, database_url, "technique", "rename", "Tiling", "Tiles", "--by", "marco"
    )
    assert "admin" in refused(
        cli, database_url, "paper", "retire", "A paper", "--why", "x", "--by", "marco"
    )
    assert "renaming a technique needs the admin role" in refused(
        cli, database_url, "technique", "edit", "Tiling", "--name", "Tiles", "--by", "marco"
    )
    assert "unknown technique" in refused(cli, database_url, "technique", "rename", "Nope", "Other")
    assert "already has that name" in refused(
        cli, database_url, "technique", "rename", "Tiling", "Tiling"
    )


def test_a_retired_technique_stays_readable_and_its_name_taken(
    cli: Run, team: str, database_url: str, tmp_path: Path
) -> None:
    learned = ("--learned", "l", "--surprises", "s", "--implicit", "i", "--advice", "a")
    ok(cli, "learning", "add", "tiling-p1", *learned)  # a NO needs it (issue 16)
    ok(cli, "gate", "decide", "tiling-p1", "no", "--why", "folded into another", "--override")
    ok(cli, "technique", "retire", "Tiling", "--why", "merged into Loop tiling")
    assert "Tiling" in ok(cli, "report", "tiling-p1", "--audience", "exec")
    assert as_json(cli, "prototype", "show", "tiling-p1")["technique"] == "Tiling"
    shown = as_json(cli, "technique", "show", "Tiling")
    assert shown["retired"]["why"] == "merged into Loop tiling"
    assert [d["answer"] for d in shown["decisions"]] == ["no"]
    ok(cli, "postmortem", "new", "Tiling", "--outcome", "merged", "--lesson", "search first")
    (pm,) = as_json(cli, "postmortem", "list")["postmortems"]
    assert pm["subject"] == "Tiling"
    radar = tmp_path / "radar.csv"
    radar.write_text("name,ring,quadrant,isNew,description\ntiling,Assess,inference,FALSE,x\n")
    assert "already on the radar: tiling" in refused(
        cli, database_url, "radar", "import", str(radar)
    )


def test_a_retired_run_no_longer_reproduces_a_claim(cli: Run, team: str) -> None:
    ok(cli, "paper", "add", "--title", "Tiling for speed", "--year", "2024")
    claim = as_json(cli, "claim", "add", "Tiling for speed", "--metric", "latency",
                    "--value", "0.07", "--direction", "lower", "--unit", "s")  # fmt: skip
    ok(cli, "claim", "link", str(claim["id"]), team, "--metric", "latency")
    linked = as_json(cli, "claim", "show", str(claim["id"]))
    assert linked["reproduced"]["runs"] == [team]
    ok(cli, "bench", "retire", team, "--why", "a throttled machine")
    retired = as_json(cli, "claim", "show", str(claim["id"]))
    assert retired["reproduced"] is None
    assert [r["run"] for r in retired["runs"]] == [team]  # the link stays on the record
