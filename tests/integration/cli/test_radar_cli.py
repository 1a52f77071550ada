"""The radar through the real command line: a subprocess per command, a real SQLite file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from support import run_assay, table_digest

assay = run_assay
db_digest = table_digest


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    done = assay(tmp_path, "init", "team")
    assert done.returncode == 0, done.stderr
    root = tmp_path / "team"
    assert (root / ".assay" / "assay.db").exists()
    assert (root / ".assay" / "assay.toml").exists()
    ok = assay(
        root, "technique", "add", "FlashAttention", "--area", "inference", "--summary", "IO-aware"
    )
    assert ok.returncode == 0, ok.stderr
    return root


def test_init_uses_wal_mode(workspace: Path) -> None:
    import sqlite3

    con = sqlite3.connect(workspace / ".assay" / "assay.db")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_commands_find_the_workspace_walking_up(workspace: Path) -> None:
    deep = workspace / "src" / "models"
    deep.mkdir(parents=True)
    done = assay(deep, "technique", "list", "--json")
    assert done.returncode == 0, done.stderr
    assert [t["name"] for t in json.loads(done.stdout)["techniques"]] == ["FlashAttention"]


def test_move_and_radar_json(workspace: Path) -> None:
    moved = assay(
        workspace,
        "radar",
        "move",
        "flashattention",
        "trial",
        "--why",
        "prototype matched",
        "--override",
        "--by",
        "Priya",
    )
    assert moved.returncode == 0, moved.stderr
    assert "ASSESS → TRIAL" in moved.stdout
    done = assay(workspace, "radar", "--json")
    assert done.returncode == 0, done.stderr
    (entry,) = json.loads(done.stdout)["techniques"]
    spec = {"name", "area", "ring", "owner", "summary", "next_action", "due", "history"}
    marks = {"stale", "stale_reasons", "override", "imported", "tags", "movement", "overdue"}
    marks |= {"rollout", "reopened"}  # issue 14: the rollout's stage, reopened decisions
    marks |= {"area_owner"}  # issue 16: who owns the technique's area
    assert set(entry) == spec | marks  # issue 12 added tags, movement and overdue
    assert entry["reopened"] == [] and entry["rollout"] is None
    assert entry["stale"] is False
    assert entry["movement"] == "new" and entry["overdue"] is False and entry["tags"] == []
    assert entry["override"]["by"] == "Priya" and entry["imported"] is False
    assert entry["ring"] == "TRIAL"
    first, second = entry["history"]
    assert set(first) == {"from", "to", "at", "by", "why"}
    assert first["from"] is None and first["to"] == "ASSESS" and first["by"] == "tester"
    assert second == {
        **second,
        "from": "ASSESS",
        "to": "TRIAL",
        "by": "Priya",
        "why": "prototype matched",
    }
    assert dt.datetime.fromisoformat(second["at"]).tzinfo is not None


def test_next_and_overdue(workspace: Path) -> None:
    done = assay(
        workspace, "technique", "next", "FlashAttention", "re-run on H100", "--due", "2020-01-31"
    )
    assert done.returncode == 0, done.stderr
    late = json.loads(assay(workspace, "radar", "overdue", "--json").stdout)["overdue"]
    assert [t["name"] for t in late] == ["FlashAttention"]
    assert late[0]["due"] == "2020-01-31"
    shown = assay(workspace, "technique", "show", "FlashAttention")
    assert "re-run on H100" in shown.stdout and "OVERDUE" in shown.stdout


def test_radar_prints_a_table_grouped_by_ring(workspace: Path) -> None:
    assay(
        workspace,
        "technique",
        "add",
        "Linformer",
        "--area",
        "attention",
        "--ring",
        "skip",
        "--why",
        "lost to FA",
    )
    done = assay(workspace, "radar")
    assert done.returncode == 0, done.stderr
    assert done.stdout.index("ASSESS") < done.stdout.index("SKIP")
    assert "\x1b[" not in done.stdout  # no colour codes when stdout is not a terminal


BAD_INPUTS = [
    (("technique", "add", "new\nline", "--area", "x"), "control character"),
    (("technique", "add", "esc\x1b[31mred", "--area", "x"), "control character"),
    (("radar", "move", "FlashAttention"), "Missing argument"),
    (("radar", "move", "FlashAttention", "hold", "--no-such-flag"), "No such option"),
    (("radar", "--db", "sqlite:////nonexistent/dir/typo.db"), "no database at"),
    (("technique", "add", "Y", "--area", "x", "--ring", "adopt"), "cannot enter ADOPT"),
    (("technique", "add", "Y", "--area", "x", "--ring", "trial"), "needs a YES gate"),
    (("technique", "add", "Y", "--area", "x", "--ring", "trial", "--override"), "needs --why"),
    (("technique", "show", "Nope"), "unknown technique 'Nope'"),
    (("radar", "move", "Nope", "trial", "--why", "x"), "unknown technique"),
    (("radar", "move", "FlashAttention", "someday"), "'someday' is not one of 'adopt'"),
    (("radar", "move", "FlashAttention", "skip"), "needs --why"),
    (("radar", "move", "FlashAttention", "hold", "--why", "  "), "needs --why"),
    (("technique", "add", "flashattention", "--area", "x"), "already exists"),
    (("technique", "add", "X", "--area", "x", "--ring", "sometimes"), "'sometimes' is not one of"),
    (
        ("technique", "next", "FlashAttention", "do it", "--due", "31/01/2027"),
        "expected YYYY-MM-DD",
    ),
    (("technique", "next", "FlashAttention", "do it", "--due", "2027-02-30"), "not a date"),
    (("technique", "add", "   ", "--area", "x"), "name is empty"),
    (("radar", "--db", "postgresql+psycopg://u@127.0.0.1:1/assay"), "cannot reach the database"),
    (("radar", "--db", "mysql://u@h/db"), "unsupported database"),
    (("radar", "--db", "postgresql+psycopg://u@h:notaport/db"), "cannot parse the database URL"),
]


@pytest.mark.parametrize(("args", "message"), BAD_INPUTS, ids=[" ".join(a) for a, _ in BAD_INPUTS])
def test_bad_input_exits_2_with_one_line_and_changes_nothing(
    workspace: Path, args: tuple[str, ...], message: str
) -> None:
    before = db_digest(workspace)
    done = assay(workspace, *args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert message in lines[0]
    assert "Traceback" not in done.stderr
    assert db_digest(workspace) == before


def test_no_workspace_found(tmp_path: Path) -> None:
    done = assay(tmp_path, "radar")
    assert done.returncode == 2
    assert "no assay workspace" in done.stderr and "assay init" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / ".assay").exists()


def test_init_twice_is_refused(workspace: Path) -> None:
    done = assay(workspace.parent, "init", "team")
    assert done.returncode == 2
    assert "already holds a workspace" in done.stderr


def test_init_with_an_unreachable_database_writes_nothing(tmp_path: Path) -> None:
    done = assay(tmp_path, "init", "w", "--db", "postgresql+psycopg://u@127.0.0.1:1/x")
    assert done.returncode == 2
    assert not (tmp_path / "w" / ".assay").exists()


def test_newer_database_is_refused(workspace: Path) -> None:
    import sqlite3

    con = sqlite3.connect(workspace / ".assay" / "assay.db")
    con.execute("UPDATE alembic_version SET version_num = 'zzzz'")
    con.commit()
    con.close()
    for args in (("radar",), ("db", "status")):
        done = assay(workspace, *args)
        assert done.returncode == 2
        assert "created by a newer assay" in done.stderr


def test_malformed_settings_file_names_the_file(workspace: Path) -> None:
    (workspace / ".assay" / "assay.toml").write_text("[radar]\nstale_after_days = 'soon'\n")
    done = assay(workspace, "radar")
    assert done.returncode == 2
    assert "assay.toml" in done.stderr and "stale_after_days" in done.stderr


def test_db_status_and_upgrade(workspace: Path) -> None:
    status = json.loads(assay(workspace, "db", "status", "--json").stdout)
    assert status["up_to_date"] is True and status["pending"] == []
    upgraded = assay(workspace, "db", "upgrade")
    assert upgraded.returncode == 0 and "up to date" in upgraded.stdout


def test_environment_url_points_at_another_database(workspace: Path, tmp_path: Path) -> None:
    other = tmp_path / "shared.db"
    env = {"ASSAY_DATABASE_URL": f"sqlite:///{other}"}
    refused = assay(workspace, "technique", "add", "LoRA", "--area", "training", env=env)
    assert refused.returncode == 2
    assert "no database at" in refused.stderr
    assert not other.exists()  # a typo in the URL never starts an empty record
    created = assay(tmp_path, "init", "shared-ws", "--db", f"sqlite:///{other}")
    assert created.returncode == 0, created.stderr
    done = assay(workspace, "technique", "add", "LoRA", "--area", "training", env=env)
    assert done.returncode == 0, done.stderr
    names = [
        t["name"]
        for t in json.loads(assay(workspace, "radar", "--json", env=env).stdout)["techniques"]
    ]
    assert names == ["LoRA"]
    local = [
        t["name"] for t in json.loads(assay(workspace, "radar", "--json").stdout)["techniques"]
    ]
    assert local == ["FlashAttention"]


def test_demo_builds_and_rebuilds(tmp_path: Path) -> None:
    from assay.demo import build_demo

    # A demo is already there (built in process, its quick variant, to spare the suite a
    # second full build): `assay demo` replaces it rather than refusing or adding to it.
    ws, _ = build_demo(tmp_path / "d", quick=True)
    ws.close()
    done = assay(tmp_path, "demo", "d")
    assert done.returncode == 0, done.stderr
    assert "Research radar" in done.stdout
    assert "Priya / demo-priya-2026" in done.stdout  # the web app's demo logins (issue 12)
    data = json.loads(assay(tmp_path / "d", "radar", "--json").stdout)["techniques"]
    assert len(data) >= 12
    assert len({t["area"] for t in data}) >= 3
    skipped = [t for t in data if t["ring"] == "SKIP"]
    assert skipped and all(t["history"][-1]["why"] for t in skipped)
    assert sum(len(t["history"]) > 1 for t in data) >= 5
    late = json.loads(assay(tmp_path / "d", "radar", "overdue", "--json").stdout)["overdue"]
    assert late
    # Every write of the demo is on the audit trail, and the trail verifies (issue 11).
    verified = assay(tmp_path / "d", "audit", "verify", "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["ok"] is True


def test_demo_refuses_to_replace_a_real_workspace(workspace: Path) -> None:
    before = db_digest(workspace)
    done = assay(workspace.parent, "demo", "team")
    assert done.returncode == 2
    assert "not a demo" in done.stderr
    assert db_digest(workspace) == before


def test_names_that_look_like_markup_are_printed_as_typed(workspace: Path) -> None:
    name = "[/x] weird [bold]name"
    added = assay(workspace, "technique", "add", name, "--area", "a[b]")
    assert added.returncode == 0, added.stderr
    assert name in added.stdout
    for args in (("technique", "show", name), ("radar",), ("technique", "list")):
        done = assay(workspace, *args)
        assert done.returncode == 0, done.stderr
        assert "[/x] weird" in done.stdout
    missing = assay(workspace, "technique", "show", "[/y]")
    assert missing.returncode == 2
    assert "'[/y]'" in missing.stderr


def test_a_file_that_is_not_an_assay_database_is_refused(workspace: Path, tmp_path: Path) -> None:
    import sqlite3

    garbage = tmp_path / "garbage.db"
    garbage.write_text("not a database\n")
    foreign = tmp_path / "foreign.db"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE techniques (x)")
    con.commit()
    con.close()
    for path, message in (
        (garbage, "is not a SQLite database"),
        (foreign, "not an assay database"),
    ):
        before = path.read_bytes()
        done = assay(workspace, "technique", "add", "X", "--area", "a", "--db", f"sqlite:///{path}")
        assert done.returncode == 2, done.stderr
        assert message in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
        assert path.read_bytes() == before


def test_radar_as_of_diff_and_filters(workspace: Path) -> None:
    """Issue 12: the radar of a day, the diff between two days, filters, tags."""
    today = dt.datetime.now(dt.UTC).date()
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    added = assay(
        workspace, "technique", "add", "Paging", "--area", "Serving", "--owner", "ana",
        "--tag", "memory", "--tag", "GPU",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    before = json.loads(assay(workspace, "radar", "--as-of", yesterday, "--json").stdout)
    assert before["techniques"] == [] and before["as_of"] == yesterday
    now = json.loads(assay(workspace, "radar", "--json", "--tag", "gpu").stdout)
    assert [t["name"] for t in now["techniques"]] == ["Paging"]
    assert now["techniques"][0]["tags"] == ["memory", "GPU"]
    assert now["techniques"][0]["movement"] == "new"
    assert now["filters"] == {"area": None, "owner": None, "tag": "gpu"}
    shown = assay(workspace, "radar", "--area", "inference")
    assert shown.returncode == 0, shown.stderr
    assert "FlashAttention" in shown.stdout and "Paging" not in shown.stdout
    assert "new since" in shown.stdout
    empty = assay(workspace, "radar", "--owner", "nobody")
    assert "No techniques on the radar match" in empty.stdout
    changes = assay(workspace, "radar", "diff", yesterday, today.isoformat(), "--json")
    assert changes.returncode == 0, changes.stderr
    document = json.loads(changes.stdout)
    assert [t["name"] for t in document["added"]] == ["FlashAttention", "Paging"]
    assert document["removed"] == [] and document["moved"] == []
    said = assay(workspace, "radar", "diff", yesterday, today.isoformat())
    assert "added: Paging in ASSESS (Serving)" in said.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("radar", "--as-of", "2026-02-30"),
        ("radar", "--since", "yesterday", "--json"),
        ("radar", "diff", "2026-03-01", "2026-02-01"),
        ("radar", "diff", "2026-03-01", "soon"),
        ("radar", "--area", " ", "--json"),
        ("technique", "add", "Evil", "--area", "x", "--tag", "a\nb"),
    ],
)
def test_bad_radar_input_is_one_line_and_exit_2(workspace: Path, args: tuple[str, ...]) -> None:
    digest = db_digest(workspace)
    done = assay(workspace, *args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert db_digest(workspace) == digest
