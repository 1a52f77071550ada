"""A fuzz test of the whole command line: hostile values for every parameter of every
leaf command, run in this process against a seeded SQLite workspace.

Each example restores the workspace from a pristine copy and makes the hostile files
afresh, runs one command line through :func:`assay.cli.main` (the real error
handling), and asserts:

- the exit code is 0 or 2 (1 only for the commands documented to exit 1 on a
  failed check: :data:`cli_strategies.EXIT_1`);
- no traceback, and no exception escaped;
- on exit 2 nothing was written: the database holds the same rows and the files
  beside it are unchanged.

The budget is ``ASSAY_FUZZ_EXAMPLES`` (default 250, derandomised so CI sees the same
examples each run); ``make fuzz`` runs a larger, random one and writes a summary of
every invocation to ``ASSAY_FUZZ_REPORT`` when set.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz.cli_strategies import EXIT_1, Hostile, Invocation, invocations, leaf_commands

EXAMPLES = int(os.environ.get("ASSAY_FUZZ_EXAMPLES", "250"))
REPORT = os.environ.get("ASSAY_FUZZ_REPORT", "")
DATA = Path(__file__).parents[1] / "unit" / "formats" / "data"
BENCH_DATA = Path(__file__).parents[1] / "unit" / "bench" / "data"
NEXT_YEAR = (dt.date.today() + dt.timedelta(days=365)).isoformat()
NAMES = ("flash-attn", "flash-proto", "dao2022flashattention", "Inference", "1", "2", "tester")


@dataclasses.dataclass
class Outcome:
    """What one command line did."""

    code: int
    out: str
    err: str
    escaped: str = ""  # the exception that escaped main(), if one did


def run_main(argv: list[str]) -> Outcome:
    """``assay.cli.main(argv)`` in this process, its output captured."""
    from assay.cli import main

    out, err = io.StringIO(), io.StringIO()
    escaped = ""
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(argv)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException as exc:  # what escapes main() is the finding
            code, escaped = 1, f"{type(exc).__name__}: {exc}"[:500]
    return Outcome(code, out.getvalue(), err.getvalue(), escaped)


def _seed() -> tuple[str, ...]:
    """A technique, papers, a prediction, a prototype, a claim, a post-mortem and an
    imported run, so commands that look records up by name get past "no such ..." often
    enough to reach deeper code; returns the names to draw from (the run's id too)."""
    seeds = [
        ["technique", "add", "flash-attn", "--area", "Inference", "--summary", "IO-aware"],
        ["paper", "add", "--bibtex", str(DATA / "refs.bib")],
        ["predict", "add", "Will flash-attn ship?", "--p", "70%", "--resolve-by", NEXT_YEAR],
        ["prototype", "new", "flash-attn", "flash-proto", "--hypothesis", "faster",
         "--success", "effect(time) <= -10%", "--kill", "effect(time) >= 0%"],
        ["claim", "add", "dao2022flashattention", "--metric", "time", "--value", "0.5"],
        ["postmortem", "new", "flash-attn", "--outcome", "dropped", "--action", "re-run",
         "--owner", "ana", "--due", NEXT_YEAR],
        ["bench", "import", str(BENCH_DATA / "pyperf-2.11-two-benchmarks.json")],
    ]  # fmt: skip
    for argv in seeds:
        outcome = run_main(argv)
        assert outcome.code == 0, (argv, outcome.err)
    listed = json.loads(run_main(["bench", "list", "--json"]).out)
    return (*NAMES, *(run["run_id"] for run in listed["runs"]))


@dataclasses.dataclass
class Arena:
    """The seeded workspace, its pristine copy, and the scratch files of one example."""

    root: Path
    hostile: Hostile
    pristine: Path
    counts: Counter[str] = dataclasses.field(default_factory=Counter)
    findings: list[dict[str, object]] = dataclasses.field(default_factory=list)

    def reset(self) -> None:
        """The workspace as seeded, and the hostile files made afresh."""
        home = self.hostile.workspace / ".assay"
        shutil.rmtree(home)
        shutil.copytree(self.pristine, home)
        scratch = self.hostile.scratch
        shutil.rmtree(scratch, ignore_errors=True)
        (scratch / "folder").mkdir(parents=True)
        (scratch / "binary.bin").write_bytes(bytes(range(256)) * 4)
        (scratch / "existing.txt").write_text("keep me\n", encoding="utf-8")
        (scratch / "latin1.csv").write_bytes("caf\xe9,1\n".encode("latin-1"))
        (scratch / "nul.toml").write_bytes(b"a = 1\n\x00\x00")

    def snapshot(self) -> tuple[str, str]:
        """The database's rows and every other file's bytes, as two digests."""
        rows = hashlib.sha256()
        con = sqlite3.connect(self.hostile.database)
        try:
            tables = con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY 1")
            for (name,) in tables.fetchall():
                for row in con.execute(f'SELECT * FROM "{name}" ORDER BY 1'):
                    rows.update(repr(row).encode())
        finally:
            con.close()
        files = hashlib.sha256()
        for base in (self.hostile.workspace, self.hostile.scratch):
            for path in sorted(base.rglob("*")):
                if path.is_file() and not path.name.startswith("assay.db"):
                    files.update(str(path).encode() + b"\0" + path.read_bytes())
        return rows.hexdigest(), files.hexdigest()


@pytest.fixture(scope="module")
def arena(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Arena]:
    from assay.workspace import Workspace

    root = tmp_path_factory.mktemp("fuzz")
    workspace = root / "ws"
    Workspace.init(workspace, user="tester").close()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(workspace)
        mp.delenv("ASSAY_DATABASE_URL", raising=False)
        mp.setenv("ASSAY_USER", "tester")
        mp.setenv("COLUMNS", "100")
        names = _seed()
        pristine = root / "pristine"
        shutil.copytree(workspace / ".assay", pristine)
        hostile = Hostile(workspace, root / "scratch", names)
        arena = Arena(root, hostile, pristine)
        yield arena
        if REPORT:
            summary = _summary(arena)
            Path(REPORT).write_text(json.dumps(summary, indent=2), encoding="utf-8")
            counts = summary["outcomes"]
            assert isinstance(counts, dict)
            if counts.get("traceback") or counts.get("problem"):
                pytest.fail(f"the fuzz found problems; see {REPORT}: {counts}")


def _summary(arena: Arena) -> dict[str, object]:
    return {
        "commands": len(leaf_commands()),
        "invocations": sum(arena.counts.values()),
        "outcomes": dict(arena.counts),
        "findings": arena.findings,
    }


def problems(invocation: Invocation, outcome: Outcome, changed: bool) -> list[str]:
    """What is wrong with one invocation's outcome (nothing, for a good one)."""
    found = []
    allowed = {0, 2} | ({1} if invocation.name in EXIT_1 else set())
    if outcome.escaped:
        found.append(f"exception escaped: {outcome.escaped}")
    elif outcome.code not in allowed:
        found.append(f"exit code {outcome.code}")
    if "Traceback (most recent call last)" in outcome.out + outcome.err:
        found.append("traceback in the output")
    if outcome.code == 2 and changed:
        found.append("exit 2 but something was written")
    return found


def _classify(invocation: Invocation, outcome: Outcome, found: list[str]) -> str:
    if outcome.escaped or any("traceback" in f for f in found):
        return "traceback"
    if found:
        return "problem"
    if outcome.code == 0 and invocation.invalid:
        return "invalid input not refused"
    return f"exit {outcome.code}"


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("ASSAY_FUZZ_RANDOM"),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)
@given(data=st.data())
def test_every_command_refuses_hostile_input_cleanly(arena: Arena, data: st.DataObject) -> None:
    arena.reset()
    invocation = data.draw(invocations(arena.hostile), label="invocation")
    before = arena.snapshot()
    outcome = run_main(invocation.argv)
    changed = arena.snapshot() != before
    found = problems(invocation, outcome, changed)
    kind = _classify(invocation, outcome, found)
    arena.counts[kind] += 1
    if REPORT:
        if found or kind == "invalid input not refused":
            finding = {"kind": kind, "argv": invocation.argv, "problems": found}
            finding |= {"invalid": invocation.invalid, "err": outcome.err[-600:]}
            arena.findings.append(finding)
        return
    assert not found, f"{invocation.argv!r}: {found}\n{outcome.err[-2000:]}"


def test_the_fuzz_covers_every_command() -> None:
    names = {" ".join(path) for path, _ in leaf_commands()}
    assert {"radar export", "predict export", "gate export", "init", "bench run"} <= names
    assert len(names) >= 70


def test_the_checks_can_fail() -> None:
    """Each assertion of the fuzz fires on the outcome it guards against."""
    call = Invocation(("radar", "export"), ("-o", "x"))
    assert problems(call, Outcome(1, "", "Traceback (most recent call last):\n"), False)
    assert problems(call, Outcome(1, "", "", escaped="KeyError: ''"), False)
    assert problems(call, Outcome(2, "", "error: bad\n"), True) == [
        "exit 2 but something was written"
    ]
    assert problems(call, Outcome(1, "", "error: x\n"), False) == ["exit code 1"]
    assert not problems(Invocation(("gate", "check"), ()), Outcome(1, "", "fired\n"), False)
    assert not problems(call, Outcome(2, "", "error: bad\n"), False)
