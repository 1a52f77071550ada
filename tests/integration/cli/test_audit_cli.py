"""``assay audit log`` and ``assay audit verify`` (issue 11), through the CLI.

The tampering is done as a user would do it, with ``sqlite3`` on the workspace's
file (or an engine of the test's own on PostgreSQL), never through assay.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from tests.integration.store.test_pinned_evidence import DAY, T0, register, store_run
from tests.support import run_main

from assay import Workspace

NAME = "topk-argpartition"
TECHNIQUE = "Top-k by argpartition"

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def invoke(*argv: str) -> tuple[int, str, str]:
        return run_main(list(argv), capsys)

    return invoke


@pytest.fixture
def shared(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Workspace]:
    """A store named by URL, with a frozen, amended prototype (written through the API)."""
    monkeypatch.setenv("ASSAY_DATABASE_URL", database_url)
    monkeypatch.setenv("ASSAY_USER", "priya")
    monkeypatch.chdir(tmp_path)
    ws = Workspace.open(tmp_path, url=database_url, user="priya")
    ws.users.add("priya", "admin")
    ws.users.add("marco", "contributor")
    ws.radar.add(TECHNIQUE, area="numpy", at=T0 - 10 * DAY)
    register(ws)
    store_run(ws, at=T0 + DAY, ratio=0.5)
    ws.prototypes.amend(NAME, success=["effect(time) <= -20%"], why="be fair", at=T0 + 2 * DAY)
    yield ws
    ws.close()


def tamper(ws: Workspace, statement: str) -> None:
    engine = create_engine(ws.db.url)
    try:
        with engine.begin() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


def test_the_log_names_who_what_and_through_which_command(shared: Workspace, run: Run) -> None:
    code, out, err = run("technique", "add", "Heap sort", "--area", "algorithms")
    assert code == 0, err
    code, out, err = run("radar", "move", "Heap sort", "hold", "--why", "slower", "--by", "marco")
    assert code == 0, err
    code, out, _ = run("audit", "log", "--record", "techniques:heap sort", "--json")
    assert code == 0
    moved, added = json.loads(out)
    assert (moved["actor"], moved["via"], moved["action"]) == (
        "marco",
        "assay radar move",
        "update",
    )
    assert moved["before"]["ring"] == "ASSESS" and moved["after"]["ring"] == "HOLD"
    assert (added["actor"], added["via"], added["action"]) == (
        "priya",
        "assay technique add",
        "insert",
    )
    code, out, _ = run("audit", "log", "--user", "MARCO", "--json")
    assert {e["actor"] for e in json.loads(out)} == {"marco"}
    code, out, _ = run("audit", "log", "--limit", "1", "--json")
    assert len(json.loads(out)) == 1
    code, out, _ = run("audit", "log", "--since", "2999-01-01", "--json")
    assert json.loads(out) == []
    code, out, _ = run("audit", "log", "--record", "Heap sort")
    assert code == 0 and "assay radar move" in out and "ring, updated_at" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--record", "nosuchtable:x"], "is not a table of the record"),
        (["--record", "techniques:"], "names no key"),
        (["--since", "yesterday"], "--since"),
        (["--limit", "0"], "--limit"),
    ],
)
def test_bad_filters_are_one_line_and_exit_2(
    shared: Workspace, run: Run, argv: list[str], message: str
) -> None:
    code, out, err = run("audit", "log", *argv)
    assert code == 2 and message in err and out == ""
    assert len(err.strip().splitlines()) == 1


def test_verify_passes_then_names_an_edited_criterion_and_show_stops_vouching(
    shared: Workspace, run: Run
) -> None:
    code, out, err = run("audit", "verify")
    assert code == 0, err
    assert "The audit trail is whole" in out
    code, out, _ = run("prototype", "show", NAME)
    assert "TAMPERED" not in out
    code, out, _ = run("prototype", "show", NAME, "--json")
    assert json.loads(out)["frozen"]["tampered"] is None
    cast, back = ("::text", "::jsonb") if shared.db.dialect == "postgresql" else ("", "")
    tamper(
        shared,
        f"UPDATE prototypes SET registration = replace(registration{cast}, '<= -20%', "
        f"'<= -99%'){back}",
    )
    code, out, err = run("audit", "verify")
    assert code == 1
    assert f"tampering: prototypes:{NAME} differs from its last audited image" in err
    code, out, err = run("audit", "verify", "--json")
    found = json.loads(out)
    assert code == 1 and not found["ok"]
    assert {p["kind"] for p in found["problems"]} == {"record", "criteria"}
    code, out, err = run("gate", "review", NAME)
    assert code == 0 and "no longer match their frozen hash" in " ".join(err.split() + out.split())
    code, out, _ = run("prototype", "show", NAME)
    assert "TAMPERED" in out
    code, out, _ = run("prototype", "show", NAME, "--json")
    assert "no longer match their frozen hash" in json.loads(out)["frozen"]["tampered"]


def test_verify_names_a_deleted_audit_entry(shared: Workspace, run: Run) -> None:
    tamper(shared, "DELETE FROM audit_entries WHERE id = 5")
    code, _, err = run("audit", "verify")
    assert code == 1 and "audit entry #6 does not follow the entry before it" in err


def test_technique_next_on_the_fast_path_is_audited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ASSAY_DATABASE_URL", raising=False)
    monkeypatch.setenv("ASSAY_USER", "priya")
    assert run("init", "team")[0] == 0
    monkeypatch.chdir(tmp_path / "team")
    assert run("technique", "add", "Heap sort", "--area", "algorithms")[0] == 0
    code, _, err = run("technique", "next", "Heap sort", "bench it", "--due", "2027-01-15")
    assert code == 0, err
    code, out, _ = run("audit", "log", "--limit", "1", "--json")
    (entry,) = json.loads(out)
    assert entry["via"] == "assay technique next" and entry["after"]["next_action"] == "bench it"
    assert run("audit", "verify")[0] == 0
    db = sqlite3.connect(tmp_path / "team" / ".assay" / "assay.db")
    with db:
        db.execute("UPDATE techniques SET due = '2099-01-01'")
    db.close()
    code, _, err = run("audit", "verify")
    assert code == 1 and "techniques:heap sort differs" in err and "changed: due" in err


# The demo workspace's trail verifies: see test_demo_builds_and_rebuilds in
# test_radar_cli.py, which builds the demo anyway.


def test_a_flag_withdrawn_is_a_delete_on_the_log(
    shared: Workspace, run: Run, tmp_path: Path
) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@article{dao2022,\n  title = {FlashAttention},\n  author = {Dao, Tri},\n"
        "  year = {2022}\n}\n",
        encoding="utf-8",
    )
    assert run("paper", "add", "--bibtex", str(bib))[0] == 0
    code, _, err = run(
        "paper", "flag", "dao2022", "weak_baselines", "--severity", "medium", "--evidence", "T1"
    )
    assert code == 0, err
    code, _, err = run("paper", "unflag", "dao2022", "weak_baselines")
    assert code == 0, err
    code, out, _ = run("audit", "log", "--limit", "1", "--json")
    (entry,) = json.loads(out)
    assert (entry["action"], entry["record_table"], entry["after"]) == ("delete", "red_flags", None)
    assert entry["before"]["kind"] == "weak-baselines"
    code, _, err = run("audit", "verify")
    assert code == 0, err
