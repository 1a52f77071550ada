"""The decision commands through a command line built from their modules' ``register``
functions, against a real workspace database: the workflow end to end, JSON on every
command that reads, exit codes, and bad input that exits 2 with one line and writes
nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer
import typer.main
from sqlalchemy import text

from assay import Workspace
from assay.bench.plan import TrialKey
from assay.bench.sink import RunHeader
from assay.bench.trial import TrialResult, TrialStatus
from assay.cli import (
    bench,
    cost,
    criteria,
    gate,
    output,
    portfolio,
    prototype,
    radar,
    report,
    review,
    status,
    technique,
    technique_attach,
    user,
)
from assay.errors import AssayError
from assay.store import runs as run_rows

MODULES = (
    technique, radar, bench, prototype, criteria, gate, user, cost, review, portfolio, status,
    technique_attach, report,
)  # fmt: skip
ROOT = typer.Typer(name="assay", no_args_is_help=True, add_completion=False)
for _module in MODULES:
    _module.register(ROOT)

PYPERF = Path(__file__).parents[2] / "unit" / "bench" / "data" / "pyperf-2.11-two-benchmarks.json"
TABLES = (
    "techniques",
    "ring_moves",
    "users",
    "prototypes",
    "prototype_amendments",
    "prototype_runs",
    "gate_decisions",
    "ring_move_evidence",
    "technique_artifacts",
    "review_meetings",
    "runs",
)


@dataclasses.dataclass(frozen=True)
class Out:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


Cli = Callable[..., Out]


@pytest.fixture
def url(tmp_path: Path) -> str:
    (tmp_path / "assay.db").touch()  # opening a SQLite URL never creates the file
    return f"sqlite:///{tmp_path / 'assay.db'}"


@pytest.fixture
def cli(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Cli:
    monkeypatch.setenv("ASSAY_DATABASE_URL", url)
    monkeypatch.setenv("ASSAY_USER", "priya")
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> Out:
        capsys.readouterr()
        try:
            returned = ROOT(args=list(args), prog_name="assay", standalone_mode=False)
            code = returned if isinstance(returned, int) else 0  # typer.Exit(code)
        except SystemExit as exc:
            code = int(exc.code or 0)
        except AssayError as exc:  # what assay.cli.app.main does
            output.error(str(exc))
            code = 2
        except typer.TyperException as exc:  # the parser's errors, as assay.cli.app.main does
            output.error(" ".join(exc.format_message().split()))
            code = int(getattr(exc, "exit_code", 2))
        captured = capsys.readouterr()
        return Out(code, captured.out, captured.err)

    return run


@pytest.fixture
def ws(url: str, tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(tmp_path, url=url, user="priya")
    yield workspace
    workspace.close()


def store_run(ws: Workspace, *, at: dt.datetime, cand: float = 0.07) -> str:
    """A finished run begun at ``at``: five paired trials, baseline 0.1 s, candidate ``cand``."""
    header = RunHeader(
        spec={"name": "tiling", "baseline": "base", "candidates": ["cand"], "metrics": []},
        options={"plan_seed": 1, "confidence": 0.95},
        environment={},
        planned=10,
    )
    with ws.db.write() as session:
        run_id = run_rows.create_run(
            session, name="tiling", source="/b.py", kind="bench", header=header, by="m", at=at
        )
        for method, t in (("base", 0.1), ("cand", cand)):
            for seed in range(5):
                value = t * (1 + 0.01 * seed)
                trial = TrialResult(
                    TrialKey(method, (("n", 64),), seed),
                    TrialStatus.OK,
                    seed,
                    0,
                    values={"time": value},
                    samples={"time": value * np.array([0.9, 1.0, 1.1])},
                )
                run_rows.add_trial(session, run_id, trial)
        run_rows.finish_run(session, run_id, {}, at)
    return run_id


def snapshot(ws: Workspace) -> dict[str, list[tuple[Any, ...]]]:
    with ws.db.read() as session:
        return {
            table: [tuple(row) for row in session.execute(text(f"SELECT * FROM {table}"))]
            for table in TABLES
        }


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.fixture
def team(cli: Cli, ws: Workspace) -> str:
    """Users, a technique and a prototype with one linked run; returns the run id."""
    assert cli("user", "add", "priya", "--role", "admin").code == 0
    for name, role in (("sam", "approver"), ("marco", "contributor"), ("vera", "viewer")):
        assert cli("user", "add", name, "--role", role).code == 0
    assert cli("technique", "add", "Tiling", "--area", "inference").code == 0
    made = cli(
        "prototype", "new", "Tiling", "tiling-p1",
        "--hypothesis", "tiling cuts time per call by a fifth",
        "--success", "effect(latency) <= -20%",
        "--kill", "candidate.latency.p99 < 1s",
        "--soft-kill", "verdict(latency) != worse",
        "--timebox", "2w", "--portfolio", "core", "--by", "marco",
    )  # fmt: skip
    assert made.code == 0, made.stderr
    run_id = store_run(ws, at=now())
    linked = cli("prototype", "evidence", "tiling-p1", run_id, "--json", "--by", "marco")
    assert linked.code == 0, linked.stderr
    assert linked.json()["frozen"]["hash"]
    return run_id


def test_criteria_check_shows_a_caret_under_the_column(cli: Cli) -> None:
    bad = cli("criteria", "check", "effect(latency.p99) and x")
    assert bad.code == 2 and bad.stdout == ""
    head, expression, caret = bad.stderr.rstrip("\n").split("\n")
    assert head.startswith("error: invalid criterion: expected a comparison operator")
    assert "column 21" in head
    assert expression == "  effect(latency.p99) and x"
    assert caret == "  " + " " * 20 + "^"
    good = cli("criteria", "check", "effect( latency.p99 )<=-20.0%", "--json")
    assert good.code == 0
    assert good.json() == {
        "valid": True,
        "canonical": "effect(latency.p99) <= -20%",
        "metrics": ["latency.p99"],
    }
    unit = cli("criteria", "check", "candidate.latency.p99 < 200MiB", "--json")
    assert unit.code == 2 and unit.json()["valid"] is False and "^" in unit.stderr


def test_a_prototype_from_a_file_and_its_listing(cli: Cli, tmp_path: Path) -> None:
    assert cli("technique", "add", "Tiled attention", "--area", "inference").code == 0
    (tmp_path / "prototype.toml").write_text(
        'name = "tiled-attention-p99"\ntechnique = "tiled attention"\n'
        'hypothesis = "reduces P99 latency by >20%"\n'
        'success = ["effect(latency.p99) <= -20%"]\nevidence = ["bench/attention.py"]\n'
        'timebox = "5d"\nportfolio = "exploratory"\npoint = "n=4096"\n'
        '[kill]\nhard = ["not_worse(accuracy, margin=2pt)"]\n'
        "[cost]\nengineer_weeks = 3\ncost_per_engineer_week = 4000\n",
        encoding="utf-8",
    )
    made = cli("prototype", "new", "--from", "prototype.toml", "--json")
    assert made.code == 0, made.stderr
    data = made.json()
    assert data["technique"] == "Tiled attention" and data["portfolio"] == "exploratory"
    assert data["evidence_files"] == [str(tmp_path / "bench" / "attention.py")]
    assert data["point"] == {"n": 4096} and data["cost_inputs"]["engineer_weeks"] == 3
    assert data["frozen"] is None
    listed = cli("prototype", "list", "--json").json()["prototypes"]
    assert [p["name"] for p in listed] == ["tiled-attention-p99"]
    shown = cli("prototype", "show", "Tiled-Attention-P99")
    assert shown.code == 0 and "effect(latency.p99) <= -20%" in shown.stdout


def test_the_gate_workflow_end_to_end(cli: Cli, team: str, tmp_path: Path) -> None:
    reviewed = cli("gate", "review", "tiling-p1", "--json")
    assert reviewed.code == 0
    data = reviewed.json()
    assert data["answer"] == "yes" and data["runs"] == [team] and data["frozen"]
    assert {c["criterion"]: c["outcome"] for c in data["criteria"]} == {
        "effect(latency) <= -20%": "PASS",
        "candidate.latency.p99 < 1s": "PASS",
        "verdict(latency) != worse": "PASS",
    }
    assert data["evidence"]["effects"]["latency"]["relative"]["value"] == pytest.approx(-0.3)
    people = cli("gate", "review", "tiling-p1")
    assert people.code == 0 and "recommended: YES" in people.stdout

    decided = cli(
        "gate", "decide", "tiling-p1", "yes", "--why", "all criteria pass",
        "--conditions", "re-check on the new hardware", "--advocate", "vera=not yet",
        "--revisit-when", "the driver upgrade lands", "--by", "sam", "--json",
    )  # fmt: skip
    assert decided.code == 0, decided.stderr
    assert decided.json()["answer"] == "yes" and decided.json()["override"] is False
    assert cli("prototype", "show", "tiling-p1", "--json").json()["stage"] == "validation"
    history = cli("gate", "history", "--json").json()["decisions"]
    assert [(d["answer"], d["decided_by"], d["advocates"]) for d in history] == [
        ("yes", "sam", [["vera", "not yet"]])
    ]

    record = tmp_path / "adr.md"
    exported = cli("gate", "export", "tiling-p1", "--madr", "-o", str(record))
    assert exported.code == 0
    madr = record.read_text(encoding="utf-8")
    assert madr.startswith("---\nstatus: accepted\n") and "## Decision Drivers" in madr
    assert cli("gate", "export", "tiling-p1", "--madr").stdout.startswith("---")

    moved = cli("radar", "move", "Tiling", "trial", "--by", "sam", "--json")
    assert moved.code == 0, moved.stderr
    assert "YES at the discovery gate of tiling-p1" in moved.json()["why"]
    for kind in ("implementation", "decision-record", "runbook"):
        attached = cli(
            "technique", "attach", "Tiling", str(record), "--kind", kind, "--by", "marco"
        )
        assert attached.code == 0, attached.stderr
    listed = cli("technique", "artifacts", "Tiling", "--json").json()
    assert listed["missing"] == [] and len(listed["artifacts"]) == 3
    assert cli("radar", "move", "Tiling", "adopt", "--by", "sam").code == 0

    assert cli("gate", "check", "--json").json()["fired"] is False
    assert cli("gate", "check").code == 0
    state = cli("status", "--json").json()
    assert state["kill_criteria_fired"] == [] and state["stale"] == []


def test_gate_check_exits_1_when_a_kill_criterion_fires(cli: Cli, team: str, ws: Workspace) -> None:
    made = cli(
        "prototype", "new", "Tiling", "tiling-fast", "--hypothesis", "under 10 ms",
        "--success", "effect(latency) <= -20%", "--kill", "candidate.latency.p99 < 10ms",
    )  # fmt: skip
    assert made.code == 0
    assert cli("prototype", "evidence", "tiling-fast", store_run(ws, at=now())).code == 0
    fired = cli("gate", "check", "tiling-fast")
    assert fired.code == 1 and "KILL" in fired.stdout and fired.stderr == ""
    assert cli("gate", "check", "tiling-p1").code == 0
    everything = cli("gate", "check", "--json")
    assert everything.code == 1
    fired_names = [p["prototype"] for p in everything.json()["prototypes"] if p["fired"]]
    assert fired_names == ["tiling-fast"]
    state = cli("status", "--json").json()
    assert [p["prototype"] for p in state["kill_criteria_fired"]] == ["tiling-fast"]
    assert cli("gate", "review", "tiling-fast", "--json").json()["answer"] == "no"


def _learned(prototype: str) -> None:
    """A learnings entry on ``prototype``, written through the workspace."""
    import os

    from assay import Workspace

    url = os.environ["ASSAY_DATABASE_URL"]
    with Workspace.open(Path.cwd(), url=url, user="sam") as ws:
        ws.learnings.add(prototype, learned="l", surprises="s", implicit="i", advice="a")


def test_an_override_is_marked_for_good(cli: Cli, team: str) -> None:
    refused = cli("gate", "decide", "tiling-p1", "no", "--why", "doubt it", "--by", "sam")
    assert refused.code == 2 and "needs an override (--override)" in refused.stderr
    _learned("tiling-p1")  # a NO needs the prototype's learnings (issue 16)
    done = cli(
        "gate", "decide", "tiling-p1", "no", "--why", "doubt it", "--override", "--by", "sam"
    )  # fmt: skip
    assert done.code == 0 and "override" in done.stdout
    (decision,) = cli("gate", "history", "--json").json()["decisions"]
    assert decision["override"] is True and decision["recommended"] == "yes"
    assert cli("prototype", "show", "tiling-p1", "--json").json()["status"] == "stopped"
    agenda = cli("review", "agenda", "--json").json()
    assert any(d["kind"] == "decision" for d in agenda["deep_dives"])


def test_amendments_are_kept_and_shown(cli: Cli, team: str) -> None:
    amended = cli(
        "prototype", "amend", "tiling-p1", "--success", "effect(latency) <= -25%",
        "--why", "the product asks for a quarter", "--by", "marco", "--json",
    )  # fmt: skip
    assert amended.code == 0, amended.stderr
    change = amended.json()["amendment"]
    assert change["by"] == "marco" and change["changes"] == [
        "- success: effect(latency) <= -20%",
        "+ success: effect(latency) <= -25%",
    ]
    shown = cli("prototype", "show", "tiling-p1")
    assert "Amendments" in shown.stdout and "the product asks for a quarter" in shown.stdout
    review_out = cli("gate", "review", "tiling-p1")
    assert "amended" in review_out.stderr


def test_cost_portfolio_review_and_users_read_as_json(cli: Cli, team: str) -> None:
    report = cli(
        "cost", "tiling-p1", "--engineer-weeks", "6", "--cost-per-week", "4000",
        "--infrastructure", "6000", "--maintenance", "1000", "--price-per-hour", "2.5",
        "--requests-per-month", "300000000", "--seconds-per-request", "0.12", "--json",
    )  # fmt: skip
    assert report.code == 0, report.stderr
    data = report.json()
    assert data["one_off_cost"] == 30_000 and data["basis"] == "time per request"
    assert data["sensitivity"] and data["verdict"] in (
        "likely worthwhile",
        "judgement call",
        "needs a strategic reason",
        "not worthwhile",
    )
    people = cli("cost", "tiling-p1", "--engineer-weeks", "6", "--cost-per-week", "4000")
    assert people.code == 0 and "Sensitivity" in people.stdout
    saved = cli(
        "cost", "tiling-p1", "--engineer-weeks", "2", "--cost-per-week", "4000", "--save",
        "--by", "marco",
    )  # fmt: skip
    assert saved.code == 0
    assert cli("cost", "tiling-p1", "--json").json()["one_off_cost"] == 8000

    shares = cli("portfolio", "--json").json()["shares"]
    assert [(s["category"], s["days"]) for s in shares] == [
        ("core", 15),
        ("adjacent", 0),
        ("exploratory", 0),
    ]
    assert cli("portfolio").code == 0
    recorded = cli(
        "review", "record", "--decision", "keep tiling in validation", "--attendee", "priya",
        "--attendee", "sam", "--by", "marco", "--json",
    )  # fmt: skip
    assert recorded.code == 0 and recorded.json()["attendees"] == ["priya", "sam"]
    agenda = cli("review", "agenda", "--json").json()
    assert agenda["last_review"]["decisions"] == ["keep tiling in validation"]
    assert [a["prototype"] for a in agenda["awaiting_decision"]] == ["tiling-p1"]
    assert cli("review", "agenda").code == 0
    assert cli("review", "list", "--json").json()["reviews"][0]["held_on"]
    users = cli("user", "list", "--json").json()["users"]
    assert {u["name"]: u["role"] for u in users}["sam"] == "approver"
    assert cli("status").code == 0


def test_an_imported_run_is_the_online_ab_comparison(cli: Cli, team: str) -> None:
    imported = cli("bench", "import", str(PYPERF), "--baseline", "sorted", "--json")
    assert imported.code == 0, imported.stderr
    run_id = imported.json()["run_id"]
    assert cli("prototype", "evidence", "tiling-p1", run_id).code == 0
    facts = cli("gate", "review", "tiling-p1", "--json").json()["facts"]
    assert facts["online_ab"] is True


BAD = [
    ("prototype", "new", "Tiling", "p2", "--hypothesis", "h", "--success", "effect(latency) <="),
    ("prototype", "new", "Nope", "p2", "--hypothesis", "h"),
    ("prototype", "new", "Tiling", "p2"),
    ("prototype", "new", "Tiling", "p2", "--hypothesis", "h", "--timebox", "5x"),
    ("prototype", "new", "Tiling", "p2", "--hypothesis", "h", "--portfolio", "moonshot"),
    ("prototype", "new", "Tiling", "tiling-p1", "--hypothesis", "h"),
    ("prototype", "new", "--from", "missing.toml"),
    ("prototype", "new", "Tiling", "p2", "--hypothesis", "h", "--at", "n"),
    ("prototype", "show", "nope"),
    ("prototype", "amend", "tiling-p1"),
    ("prototype", "amend", "tiling-p1", "--success", "effect(latency) <= -1%"),
    ("prototype", "amend", "tiling-p1", "--success", "effect(latency) < 2ms"),
    ("prototype", "evidence", "tiling-p1", "nope-run"),
    ("prototype", "evidence", "tiling-p1"),
    ("prototype", "evidence", "tiling-p1", "EARLY"),
    ("prototype", "facts", "tiling-p1"),
    ("prototype", "facts", "tiling-p1", "--strongest-baseline", " "),
    ("prototype", "set", "tiling-p1", "--at", "n=4096"),
    ("gate", "review", "nope"),
    ("gate", "decide", "tiling-p1", "maybe", "--why", "x", "--by", "sam"),
    ("gate", "decide", "tiling-p1", "yes", "--why", "x", "--by", "vera"),
    ("gate", "decide", "tiling-p1", "yes", "--why", "x", "--by", "marco"),
    ("gate", "decide", "tiling-p1", "yes", "--why", "x", "--by", "stranger"),
    ("gate", "decide", "tiling-p1", "no", "--why", "x", "--by", "sam"),
    ("gate", "decide", "tiling-p1", "yes", "--why", " ", "--by", "sam"),
    ("gate", "decide", "tiling-p1", "yes", "--why", "x", "--advocate", "sam", "--by", "sam"),
    ("gate", "export", "tiling-p1"),
    ("gate", "export", "tiling-p1", "--madr"),
    ("gate", "export", "tiling-p1", "--madr", "--stage", "launch"),
    ("user", "add", "zoe", "--role", "king"),
    ("user", "add", "zoe", "--role", "viewer", "--by", "marco"),
    ("user", "add", "sam", "--role", "viewer"),
    ("user", "set-role", "zoe", "admin"),
    ("cost", "tiling-p1"),
    ("cost", "tiling-p1", "--engineer-weeks", "-1", "--cost-per-week", "9", "--save"),
    ("cost", "tiling-p1", "--engineer-weeks", "0", "--cost-per-week", "0", "--save"),
    ("review", "agenda", "--since", "2026-13-01"),
    ("review", "record", "--attendee", "sam"),
    ("radar", "move", "Tiling", "trial"),
    ("radar", "move", "Tiling", "trial", "--override"),
    ("radar", "move", "Tiling", "trial", "--override", "--why", "x", "--by", "marco"),
    ("radar", "move", "Tiling", "adopt", "--override", "--why", "x", "--by", "sam"),
    ("technique", "attach", "Tiling", "missing.md", "--kind", "runbook"),
    ("technique", "attach", "Tiling", "doc.md", "--kind", "poster"),
    ("technique", "artifacts", "Nope"),
    ("report", "tiling-p1", "-o", "."),
    ("report", "tiling-p1", "-o", "no-such-folder/exec.md"),
    (
        "prototype",
        "new",
        "Tiling",
        "p9",
        "--hypothesis",
        "h",
        "--success",
        "effect(latency) <= -20%",
        "--timebox",
        "9999999d",
    ),
    (
        "prototype",
        "new",
        "Tiling",
        "p9",
        "--hypothesis",
        "h",
        "--success",
        "effect(latency) <= -20%",
        "--timebox",
        "99999999999d",
    ),
]


def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    cli: Cli, team: str, ws: Workspace, tmp_path: Path
) -> None:
    early = store_run(ws, at=now() - dt.timedelta(days=30))
    (tmp_path / "doc.md").write_text("# doc\n", encoding="utf-8")
    before = snapshot(ws)
    for args in BAD:
        args = tuple(early if a == "EARLY" else a for a in args)
        out = cli(*args)
        lines = out.stderr.strip().splitlines()
        assert out.code == 2, (args, out)
        assert len(lines) == 1 and lines[0].startswith("error: "), (args, out.stderr)
        assert out.stdout == "", (args, out.stdout)
    assert snapshot(ws) == before


def test_the_new_commands_have_help_and_hyphenated_names() -> None:
    import re

    name = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
    option = re.compile(r"^--?[a-z][a-z0-9]*(-[a-z0-9]+)*$")

    def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
        yield path, command
        for sub_name, sub in sorted(getattr(command, "commands", {}).items()):
            yield from walk(sub, (*path, sub_name))

    mine = ("prototype", "criteria", "gate", "user", "cost", "review", "portfolio", "status")
    found = 0
    for path, command in walk(typer.main.get_command(ROOT)):
        if not path or (path[0] not in mine and path[-1] not in ("attach", "artifacts", "move")):
            continue
        found += 1
        assert (command.help or "").strip(), path
        assert name.match(path[-1]), path
        for param in command.params:
            if param.param_type_name == "option":
                assert all(option.match(o) for o in param.opts), (path, param.opts)
                assert (param.help or "").strip(), (path, param.opts)
    assert found >= 25
