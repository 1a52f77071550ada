"""Area owners, learnings and dissent on the record (issue 16), end to end through the
command line on SQLite and PostgreSQL: every refusal exits 2 with one line and writes
nothing; a NO and a SKIP wait for learnings; a decision without consensus comes back
on the review agenda when its revisit date comes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from assay import Workspace
from support import CliChecks, store_cli

Run = Callable[..., tuple[int, str, str]]

TABLES = ("area_owners", "learnings", "gate_decisions", "ring_moves", "prototypes")
TECH = "Tiling"
PROTO = "tiling-p1"
LEARNED = (
    "--learned", "tiling pays off only beyond 4k tokens",
    "--surprises", "the cache warm-up dominated short sequences",
    "--implicit", "pin the thread count or the timings drift",
    "--advice", "measure at the sequence lengths production serves",
)  # fmt: skip


@pytest.fixture
def cli(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Run:
    return store_cli(database_url, tmp_path, monkeypatch, capsys)


ok, as_json, refused = CliChecks(TABLES).functions()


@pytest.fixture
def team(cli: Run) -> None:
    """Users of every role, a technique in ASSESS with one prototype, one without."""
    for name, role in (("priya", "admin"), ("marco", "contributor"), ("apu", "approver")):
        ok(cli, "user", "add", name, "--role", role)
    ok(cli, "user", "add", "vic", "--role", "viewer")
    ok(cli, "technique", "add", TECH, "--area", "Inference")
    ok(cli, "technique", "add", "Paged attention", "--area", "inference")
    ok(cli, "technique", "add", "Linformer", "--area", "architecture")
    ok(
        cli, "prototype", "new", TECH, PROTO, "--hypothesis", "tiling is faster",
        "--success", "effect(time) <= -20%", "--timebox", "2w",
    )  # fmt: skip


def test_area_owners_on_the_radar(cli: Run, team: None, database_url: str) -> None:
    assert "marco owns Inference" in " ".join(
        ok(cli, "area", "set-owner", "INFERENCE", "marco").split()
    )
    areas = {a["area"]: a for a in as_json(cli, "area", "list")["areas"]}
    assert areas["Inference"]["owner"] == "marco" and areas["Inference"]["techniques"] == 2
    assert areas["architecture"]["owner"] is None
    # the radar shows it, in its table and its JSON
    radar = {t["name"]: t for t in as_json(cli, "radar")["techniques"]}
    assert radar[TECH]["area_owner"] == "marco" and radar["Linformer"]["area_owner"] is None
    assert "owner: marco" in ok(cli, "radar")
    # a new owner replaces the old one; the service says whom new work goes to
    ok(cli, "area", "set-owner", "inference", "apu")
    ws = Workspace.open(Path.cwd(), url=database_url, user="priya")
    try:
        assert ws.areas.owner_of(" inference ") == "apu"
        assert ws.areas.owner_of("architecture") is None
    finally:
        ws.close()
    assert "unknown area 'nowhere'" in refused(
        cli, database_url, "area", "set-owner", "nowhere", "marco"
    )
    assert "'zoe' is not a known user" in refused(
        cli, database_url, "area", "set-owner", "inference", "zoe"
    )
    assert "needs the contributor role" in refused(
        cli, database_url, "area", "set-owner", "inference", "marco", by="vic"
    )


def test_learnings_are_written_listed_and_searched(cli: Run, team: None, database_url: str) -> None:
    entry = as_json(cli, "learning", "add", PROTO, *LEARNED, "--outcome", "killed", by="marco")
    assert entry["prototype"] == PROTO and entry["technique"] == TECH
    assert entry["outcome"] == "killed" and entry["by"] == "marco"
    (listed,) = as_json(cli, "learning", "list", "--technique", "tiling")["learnings"]
    assert listed == entry
    shown = " ".join(ok(cli, "learning", "show", str(entry["id"])).split())
    assert "pin the thread count" in shown and "Advice for the next person" in shown
    hits = as_json(cli, "learning", "search", "THREAD COUNT")["hits"]
    assert [(h["kind"], h["field"]) for h in hits] == [("learning", "implicit")]
    assert as_json(cli, "learning", "search", "no such words")["hits"] == []
    # the workspace's search finds it too, and the technique links it
    assert any(h["kind"] == "learning" for h in as_json(cli, "search", "warm-up")["hits"])
    technique = as_json(cli, "technique", "show", TECH)
    assert [e["id"] for e in technique["learnings"]] == [entry["id"]]
    assert f"assay learning show {entry['id']}" in ok(cli, "technique", "show", TECH)
    # bad input: nothing written
    empty = ("--learned", "x", "--surprises", " ", "--implicit", "i", "--advice", "a")
    assert "--surprises is empty" in refused(cli, database_url, "learning", "add", PROTO, *empty)
    assert "unknown prototype" in refused(cli, database_url, "learning", "add", "nope", *LEARNED)
    assert "needs the contributor role" in refused(
        cli, database_url, "learning", "add", PROTO, *LEARNED, by="vic"
    )
    assert "no learnings entry 99" in refused(cli, database_url, "learning", "show", "99")


def test_a_no_waits_for_learnings(cli: Run, team: None, database_url: str) -> None:
    no = ("gate", "decide", PROTO, "no", "--why", "not worth it", "--override")
    said = refused(cli, database_url, *no, by="apu")
    assert f"{PROTO} has no learnings entry" in said
    assert f"assay learning add {PROTO}" in said
    ok(cli, "learning", "add", PROTO, *LEARNED, by="marco")
    decided = as_json(cli, *no, by="apu")
    assert decided["answer"] == "no" and decided["consensus"] is True


def test_a_skip_waits_for_learnings(cli: Run, team: None, database_url: str) -> None:
    skip = ("radar", "move", TECH, "skip", "--why", "slower than the fused kernel")
    said = refused(cli, database_url, *skip)
    assert f"none of its prototypes ({PROTO}) has a learnings entry" in said
    assert f"assay learning add {PROTO}" in said
    # a technique never prototyped is skipped on its reason alone
    ok(cli, "radar", "move", "Linformer", "skip", "--why", "vanished against FlashAttention")
    ok(cli, "learning", "add", PROTO, *LEARNED)
    ok(cli, *skip)
    assert {t["name"]: t["ring"] for t in as_json(cli, "radar")["techniques"]}[TECH] == "SKIP"


def test_dissent_is_on_the_record_and_comes_back(cli: Run, team: None, database_url: str) -> None:
    yes = ("gate", "decide", PROTO, "not-yet", "--why", "one more run")
    assert "'zoe' is not a known user" in refused(
        cli, database_url, *yes, "--dissent", "zoe:it is fine", by="apu"
    )
    assert "is not NAME:REASON" in refused(cli, database_url, *yes, "--dissent", "marco", by="apu")
    out = " ".join(
        ok(cli, *yes, "--dissent", "MARCO:the gain is real at 8k", "--dissent",
           "priya:ship it", by="apu").split()
    )  # fmt: skip
    revisit = (dt.date.today() + dt.timedelta(days=90)).isoformat()
    assert "Without consensus" in out and "marco: the gain is real at 8k" in out
    assert f"Revisit on {revisit}" in out
    (decision,) = as_json(cli, "gate", "history")["decisions"]
    assert decision["dissents"] == [["marco", "the gain is real at 8k"], ["priya", "ship it"]]
    assert decision["consensus"] is False and decision["revisit_when"] == f"on {revisit}"
    assert "dissent marco: the gain is real at 8k" in " ".join(ok(cli, "gate", "history").split())
    assert any(h["kind"] == "gate decision" for h in as_json(cli, "search", "gain is real")["hits"])
    # the review agenda brings it back when the date has come, not before
    ws = Workspace.open(Path.cwd(), url=database_url, user="priya")
    try:
        assert ws.reports.agenda().without_consensus == ()
        later = ws.reports.agenda(today=dt.date.today() + dt.timedelta(days=91))
        (item,) = later.without_consensus
        assert item.reopened.decision_id == decision["id"]
        assert item.dissents == (("marco", "the gain is real at 8k"), ("priya", "ship it"))
        assert "without consensus" in item.line()
        assert later.to_dict()["without_consensus"][0]["dissents"][0]["name"] == "marco"
    finally:
        ws.close()


def test_a_given_revisit_date_is_kept(cli: Run, team: None) -> None:
    ok(
        cli, "gate", "decide", PROTO, "not-yet", "--why", "w", "--dissent", "marco:x",
        "--revisit-when", "on 2031-01-01", by="apu",
    )  # fmt: skip
    (decision,) = as_json(cli, "gate", "history")["decisions"]
    assert decision["revisit_when"] == "on 2031-01-01"
