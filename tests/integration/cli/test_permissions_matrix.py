"""The permission matrix (issue 11): every write action of
:mod:`assay.workspace.permissions` through a command that reaches it, as every role
(viewer, contributor, approver, admin), an unregistered name and a retired user.

A refused command exits 2 with one line on stderr, no traceback, and leaves the
database byte for byte as it was (SQLite: the file's SHA-256 after a checkpoint; on
PostgreSQL, every row of every table). An allowed command exits 0, each on its own
copy of the same workspace. The whole walk runs on SQLite; on PostgreSQL a
representative subset (one action of each role level and of each kind of surface:
a plain ORM write, the plain-SQL ``technique next``, a benchmark import, a gate
decision, a user change, a token) runs as every identity.

The table is checked the other way too: every leaf command that is not a read is
reached by some action of the table, so a new write command cannot be left out.
Actions that only the web app reaches (``web POST /login``) are walked by the web's
own matrix (tests/web), not here.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest

from assay import Workspace
from assay.cli.app import main, root_group
from assay.workspace.permissions import ACTIONS, markdown, rank, web_only

DATA = Path(__file__).parents[2] / "unit" / "formats" / "data"
PYPERF = Path(__file__).parents[2] / "unit" / "bench" / "data" / "pyperf-2.11-two-benchmarks.json"
BYOR = Path(__file__).parents[2] / "data" / "radar" / "byor-radar.csv"

# name -> role; "nobody" is not registered, "rita" was a contributor and is retired.
PEOPLE = {"vic": "viewer", "cora": "contributor", "apu": "approver", "ada": "admin"}
IDENTITIES = (*PEOPLE, "nobody", "rita")

BENCH = """
import assay

@assay.workload(params={"n": [3]})
def data(seed, n):
    return list(range(n))

@assay.baseline
def base(data):
    return sorted(data)

@assay.candidate
def cand(data):
    return list(data)
"""

PM = """
[[actions]]
text = "re-test beyond 32k tokens"
owner = "Aiko"
due = 2099-02-01
question = "Does it pay off beyond 32k tokens?"
"""

BIB = "@article{dao2022, title={FlashAttention}, author={Dao, Tri}, year={2022}}\n"
RADAR_CSV = "name,ring,quadrant,isNew,description\nSpeculative decoding,assess,Techniques,TRUE,x\n"

# Every action, through one command. {run2}: a run no prototype uses; {own}: the
# acting user's token; {other}/{other_token}: another user and their token; {me}: the
# acting user. A password is read from stdin (see Cli).
COMMANDS: dict[str, tuple[str, ...]] = {
    "technique.add": ("technique", "add", "Paged attention", "--area", "inference"),
    "technique.edit": ("technique", "edit", "Tiling", "--summary", "tiles the loop"),
    "technique.next": ("technique", "next", "Tiling", "measure it", "--due", "2030-01-01"),
    "technique.attach": ("technique", "attach", "Tiling", "{root}/runbook.md", "--kind", "runbook"),
    "radar.move": ("radar", "move", "Tiling", "hold", "--why", "not now"),
    "radar.import": ("radar", "import", "{root}/radar.csv"),
    "radar.override": ("radar", "move", "Tiling", "trial", "--override", "--why", "trusted"),
    "paper.add": ("paper", "add", "--title", "Another paper", "--year", "2021"),
    "paper.link": ("paper", "link", "dao2022", "Tiling"),
    "paper.read": (
        "paper", "read", "dao2022", "--pass", "1", "--claim", "it is fast",
        "--decision", "continue", "--reason", "relevant",
    ),
    "paper.note": ("paper", "note", "dao2022", "--relevance", "4", "--summary", "tiled"),
    "paper.flag": (
        "paper", "flag", "dao2022", "weak-baselines", "--severity", "low", "--evidence", "T1",
    ),
    "paper.checklist": ("paper", "checklist", "dao2022", "--dependencies"),
    "paper.viability": (
        "paper", "viability", "dao2022", "--efficiency", "5", "--integration", "3",
        "--robustness", "3", "--maintainability", "3",
    ),
    "claim.add": ("claim", "add", "dao2022", "--metric", "speed-up", "--value", "3"),
    "claim.link": ("claim", "link", "1", "{run2}", "--values", "2.0,2.2"),
    "claim.finding": ("claim", "finding", "1", "eps must be 1e-5"),
    "prediction.add": ("predict", "add", "Another", "--p", "0.5", "--resolve-by", "2030-01-01"),
    "prediction.forecast": ("predict", "forecast", "1", "--p", "0.6"),
    "prediction.resolve": ("predict", "resolve", "1", "yes"),
    "prediction.import": ("predict", "import", str(DATA / "fatebook.csv")),
    "postmortem.add": ("postmortem", "new", "Old", "--problem", "integration: it broke"),
    "postmortem.done": ("postmortem", "done", "1"),
    "postmortem.open-question": (
        "postmortem", "open-question", "1", "--name", "Long context", "--area", "inference",
    ),
    "prototype.new": (
        "prototype", "new", "Tiling", "tiling-p2", "--hypothesis", "tiling is faster",
        "--success", "effect(time) <= -20%", "--timebox", "2w",
    ),
    "prototype.amend": (
        "prototype", "amend", "tiling-p1", "--hypothesis", "much faster", "--why", "sharper",
    ),
    "prototype.evidence": ("prototype", "evidence", "tiling-p1", "{run2}"),
    "prototype.facts": ("prototype", "facts", "tiling-p1", "--production-data"),
    "prototype.set": ("prototype", "set", "tiling-p1", "--portfolio", "core"),
    "prototype.cost": (
        "cost", "tiling-p1", "--engineer-weeks", "6", "--cost-per-week", "4000", "--save",
    ),
    "run.start": ("bench", "run", "{root}/bench_small.py", "--trials", "2"),
    "run.import": ("bench", "import", str(PYPERF)),
    "review.record": ("review", "record", "--decision", "keep going"),
    "self.rate": ("self", "rate", "benchmarking", "4"),
    "self.growth": (
        "self", "growth", "add", "stats", "--practice", "p", "--measure", "m",
        "--due", "2099-01-01",
    ),
    "self.rate-other": ("self", "rate", "benchmarking", "4", "--person", "{other}"),
    "question.open": (
        "question", "open", "Long context", "--area", "inference", "--from-postmortem", "1",
    ),
    "token.create": ("token", "create", "--label", "ci"),
    "token.revoke": ("token", "revoke", "{own}"),
    "gate.decide": ("gate", "decide", "tiling-p1", "not-yet", "--why", "more trials"),
    "rollout.start": ("rollout", "start", "Flagged", "--flag", "flagged"),
    "rollout.step": ("rollout", "step", "Ramp", "--percent", "5"),
    "rollout.evidence": ("rollout", "evidence", "Ramp", "--ab", "{ab2}"),
    "rollout.rollback": ("rollout", "rollback", "Ramp", "--reason", "p99 regressed"),
    "rollout.override": ("rollout", "step", "Ramp", "--percent", "5", "--override", "watched"),
    "inbox.import": ("inbox", "import", "{root}/feed2.csv"),
    "inbox.triage": ("inbox", "triage", "1", "--skip", "not our problem"),
    "watch.check": ("watch", "check"),
    "area.owner": ("area", "set-owner", "inference", "cora"),
    "learning.add": (
        "learning", "add", "tiling-p1", "--learned", "tiles", "--surprises", "none",
        "--implicit", "warm caches", "--advice", "measure long sequences",
    ),
    "watch.dismiss": ("watch", "dismiss", "{watched}", "--reason", "the date was a placeholder"),
    "user.add": ("user", "add", "newbie", "--role", "viewer"),
    "user.set-role": ("user", "set-role", "cora", "approver"),
    "user.set-db-role": ("user", "set-db-role", "cora", "cora_login"),
    "user.retire": ("user", "retire", "{other}", "--why", "left the team"),
    "token.create-other": ("token", "create", "--user", "{other}"),
    "token.revoke-other": ("token", "revoke", "{other_token}"),
    "user.password": ("user", "password", "{me}"),
    "user.password-other": ("user", "password", "{other}"),
    "session.revoke": ("user", "logout", "{me}"),
    "session.revoke-other": ("user", "logout", "{other}"),
    "technique.rename": ("technique", "rename", "Old", "Older"),
    "technique.retire": ("technique", "retire", "Old", "--why", "a mistake"),
    "paper.retire": ("paper", "retire", "dao2022", "--why", "a duplicate"),
    "run.retire": ("bench", "retire", "{run2}", "--why", "a broken machine"),
}  # fmt: skip

# Leaf commands that only read (or write files, never the record).
READS = {
    "bench compare", "bench list", "bench show", "claim list", "claim show", "compare",
    "criteria check", "db status", "gate check", "gate export", "gate history",
    "gate review", "paper export", "paper list", "paper show", "portfolio",
    "postmortem actions", "postmortem list", "postmortem patterns", "postmortem show",
    "predict export", "report", "predict list", "predict score", "prototype list",
    "prototype show", "radar export", "radar overdue", "repro diff", "review agenda",
    "review list", "search", "status", "area list", "learning list", "learning show",
    "learning search", "technique artifacts", "technique list",
    "technique show", "token list", "user list", "audit log", "audit verify", "cost",
    "radar diff", "ab show", "watch show", "rollout show", "rollout list",
    "credibility", "coverage", "self show",
    # writes its Markdown or HTML file, never the record
    "writeup",
    "inbox sources", "inbox digest", "cadence", "workspace show",
    # edits the settings file (.assay/assay.toml), not the record
    "workspace set",
    # serves the web app: each of its writes is a route in the table ("web POST /login")
    "serve",
    # measures two commits in git worktrees; writes only its Markdown and JSON files
    "ci",
    # a stored load run, read back as measured
    "load show",
    # a new workspace or database, not a record in one: the database's own rights
    "init", "demo", "db upgrade",
}  # fmt: skip


def _leaves() -> set[str]:
    found: set[str] = set()

    def walk(command: object, path: tuple[str, ...]) -> None:
        subs = getattr(command, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, (*path, name))
        else:
            found.add(" ".join(path))

    walk(root_group(loaded=True), ())
    return found


WEB_ONLY = {name for name, action in ACTIONS.items() if web_only(action)}


def test_every_action_has_a_command_in_the_matrix() -> None:
    assert {"session.login", "session.logout"} <= WEB_ONLY
    assert set(COMMANDS) == set(ACTIONS) - WEB_ONLY
    for name, action in ACTIONS.items():
        if name in WEB_ONLY:
            continue
        typed = " ".join(COMMANDS[name])
        assert any(typed.startswith(c.split(" --")[0]) for c in action.commands), name


def test_the_docs_show_the_table() -> None:
    """docs/permissions.md holds the table as the code generates it."""
    docs = (Path(__file__).parents[3] / "docs" / "permissions.md").read_text("utf-8")
    shown = docs.split("<!-- permissions:begin -->\n")[1].split("<!-- permissions:end -->")[0]
    assert shown == markdown(), "regenerate it: python -m assay.workspace.permissions"


def test_every_write_command_is_in_the_table() -> None:
    """A leaf command is a read, or reached by an action: a new write cannot hide."""
    written = {c.split(" --")[0] for a in ACTIONS.values() for c in a.commands}
    missing = sorted(leaf for leaf in _leaves() if leaf not in READS and leaf not in written)
    assert not missing, f"write commands missing from assay.workspace.permissions: {missing}"


# -- the workspace every case starts from -------------------------------------------------


class Cli:
    """``assay ARGS`` in this process, as ``assay.cli.app.main`` runs it, as ``user``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, url: str | None = None) -> None:
        self.monkeypatch = monkeypatch
        self.url = url

    def __call__(self, *args: str, user: str) -> tuple[int, str, str]:
        self.monkeypatch.setenv("ASSAY_USER", user)
        self.monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
        if self.url is not None:
            self.monkeypatch.setenv("ASSAY_DATABASE_URL", self.url)
        out, err = io.StringIO(), io.StringIO()
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            pytest.raises(SystemExit) as done,
        ):
            main(list(args))
        return int(done.value.code or 0), out.getvalue(), err.getvalue()


def _ok(result: tuple[int, str, str]) -> str:
    code, out, err = result
    assert code == 0, err
    return out


def build(root: Path, cli: Cli) -> dict[str, str]:
    """The workspace: users, records and tokens every command can act on."""
    Workspace.init(root, url=cli.url, user="ada").close()
    (root / "refs.bib").write_text(BIB, "utf-8")
    (root / "pm.toml").write_text(PM, "utf-8")
    (root / "runbook.md").write_text("# Runbook\nRoll back with the flag.\n", "utf-8")
    (root / "radar.csv").write_text(RADAR_CSV, "utf-8")
    (root / "bench_small.py").write_text(BENCH, "utf-8")
    _ok(cli("user", "add", "ada", "--role", "admin", user="ada"))
    for name, role in [*PEOPLE.items(), ("rita", "contributor")]:
        if name != "ada":
            _ok(cli("user", "add", name, "--role", role, user="ada"))
    for name in ("Tiling", "Old"):
        _ok(cli("technique", "add", name, "--area", "inference", user="ada"))
    _ok(cli("paper", "add", "--bibtex", str(root / "refs.bib"), user="ada"))
    for name, title in (("feed.csv", "An inbox item"), ("feed2.csv", "Another inbox item")):
        (root / name).write_text(f"title,authors,url\n{title},A. Author,\n", "utf-8")
    _ok(cli("inbox", "import", str(root / "feed.csv"), user="ada"))  # item 1 (issue 16)
    _ok(cli("claim", "add", "dao2022", "--metric", "speed-up", "--value", "2", user="ada"))
    _ok(cli("predict", "add", "Q", "--p", "0.7", "--resolve-by", "2030-01-01", user="ada"))
    _ok(cli("postmortem", "new", "Old", "--from", str(root / "pm.toml"), user="ada"))
    proto = ("prototype", "new", "Tiling", "tiling-p1", "--hypothesis", "tiling is faster",
             "--success", "effect(time) <= -20%", "--timebox", "2w")  # fmt: skip
    _ok(cli(*proto, user="ada"))
    places = {"root": str(root)}
    for key in ("run1", "run2"):
        out = _ok(cli("bench", "import", str(PYPERF), "--json", user="ada"))
        places[key] = json.loads(out)["run_id"]
    _ok(cli("prototype", "evidence", "tiling-p1", places["run1"], user="ada"))
    # A decision reopened by its revisit date, for `watch dismiss`.
    _ok(cli("technique", "add", "Watched", "--area", "inference", user="ada"))
    _ok(cli(*proto[:2], "Watched", "watched-p1", *proto[4:], user="ada"))
    learned = ("--learned", "l", "--surprises", "s", "--implicit", "i", "--advice", "a")
    _ok(cli("learning", "add", "watched-p1", *learned, user="ada"))  # a NO needs it (issue 16)
    decided = ("gate", "decide", "watched-p1", "no", "--why", "w", "--override", "--json")
    out = _ok(cli(*decided, "--revisit-when", "on 2020-01-01", user="ada"))
    places["watched"] = str(json.loads(out)["id"])
    _rollout(root, cli, places)
    for name in (*PEOPLE, "rita"):
        out = _ok(cli("token", "create", "--user", name, "--json", user="ada"))
        places[f"token:{name}"] = str(json.loads(out)["id"])
    _ok(cli("user", "retire", "rita", "--why", "left", user="ada"))
    return places


def _rollout(root: Path, cli: Cli, places: dict[str, str]) -> None:
    """Two techniques in TRIAL: Ramp rolled out to 1% with an A/B run whose guardrail
    holds, Flagged ready to start; a second A/B run ({ab2}) to attach."""
    import csv
    import random

    rng = random.Random(7)
    with (root / "ab.csv").open("w", newline="") as handle:
        rows = [("control" if i % 2 else "treatment", rng.gauss(100, 10)) for i in range(6000)]
        csv.writer(handle).writerows([("arm", "latency"), *rows])
    for name in ("Ramp", "Flagged"):
        add = ("technique", "add", name, "--area", "inference", "--ring", "trial")
        _ok(cli(*add, "--override", "--why", "pilot", user="ada"))
    analyze = ("ab", "analyze", str(root / "ab.csv"), "--arm", "arm", "--metric", "latency",
               "--guardrail", "latency:5%", "--lower-is-better", "latency", "--json")  # fmt: skip
    for key in ("ab1", "ab2"):
        places[key] = json.loads(_ok(cli(*analyze, user="ada")))["run_id"]
    start = ("rollout", "start", "Ramp", "--flag", "ramp", "--on", "2026-11-01")
    _ok(cli(*start, "--ab", places["ab1"], user="ada"))


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("matrix") / "team"
    root.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        mp.delenv("ASSAY_DATABASE_URL", raising=False)
        mp.delenv("ASSAY_TOKEN", raising=False)
        places = build(root, Cli(mp))
    digest(root)  # the WAL moved into the file: copies start from one file
    return root, places


def digest(root: Path) -> str:
    """The SHA-256 of the database file, after moving the WAL into it."""
    path = root / ".assay" / "assay.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _args(action: str, user: str, places: dict[str, str]) -> list[str]:
    other = "vic" if user != "vic" else "cora"
    values = {
        **places,
        "own": places.get(f"token:{user}", places["token:cora"]),
        "me": user,
        "other": other,
        "other_token": places[f"token:{other}"],
    }
    return [part.format(**values) for part in COMMANDS[action]]


def _allowed(action: str, user: str) -> bool:
    needed = ACTIONS[action].role
    held = PEOPLE.get(user)
    return held is not None and rank(held) >= rank(needed)


def check_refused(result: tuple[int, str, str], action: str, user: str) -> None:
    code, out, err = result
    assert code == 2, (action, user, code, out, err)
    assert "Traceback" not in err + out, (action, user, err)
    assert err.count("\n") == 1 and err.startswith("error: "), (action, user, err)
    assert user in err or "retired" in err, (action, user, err)


@pytest.mark.parametrize("action", sorted(COMMANDS))
def test_matrix_on_sqlite(
    action: str, base: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, places = base
    cli = Cli(monkeypatch)
    monkeypatch.delenv("ASSAY_DATABASE_URL", raising=False)
    monkeypatch.delenv("ASSAY_TOKEN", raising=False)
    refused_root = tmp_path / "refused"
    shutil.copytree(source, refused_root)
    before = digest(refused_root)
    for user in IDENTITIES:
        if _allowed(action, user):
            copy = tmp_path / f"allowed-{user}"
            shutil.copytree(source, copy)
            paths = {**places, "root": str(copy)}
            monkeypatch.chdir(copy)
            code, _out, err = cli(*_args(action, user, paths), user=user)
            assert code == 0, (action, user, err)
        else:
            paths = {**places, "root": str(refused_root)}
            monkeypatch.chdir(refused_root)
            check_refused(cli(*_args(action, user, paths), user=user), action, user)
            assert digest(refused_root) == before, (action, user)


# -- PostgreSQL: a representative subset -----------------------------------------------

# One action of each role level and of each kind of write: ORM writes, the plain-SQL
# `technique next`, a benchmark import, an override, a gate decision, users, tokens.
PG_ACTIONS = (
    "technique.add", "technique.next", "paper.flag", "prototype.new", "run.import",
    "radar.override", "gate.decide", "user.add", "user.set-role", "token.create-other",
)  # fmt: skip


def pg_rows(url: str) -> dict[str, list[str]]:
    """Every row of every table, as text, in order."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        tables = list(
            conn.execute(
                sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            ).scalars()
        )
        dump = {
            table: [
                str(row[0])
                for row in conn.execute(sa.text(f'SELECT t::text FROM "{table}" t ORDER BY 1'))
            ]
            for table in tables
        }
    engine.dispose()
    return dump


@pytest.fixture(scope="module")
def pg_base(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: Any
) -> tuple[Any, str, Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("matrix-pg") / "team"
    root.mkdir()
    name = postgres_server.create_database()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        mp.delenv("ASSAY_TOKEN", raising=False)
        places = build(root, Cli(mp, postgres_server.url(name)))
    return postgres_server, name, root, places


@pytest.mark.postgres
@pytest.mark.parametrize("action", PG_ACTIONS)
def test_matrix_on_postgresql(
    action: str, pg_base: tuple[Any, str, Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, template, root, places = pg_base
    monkeypatch.chdir(root)
    monkeypatch.delenv("ASSAY_TOKEN", raising=False)

    def fresh() -> str:
        name = f"{template}_{uuid.uuid4().hex[:8]}"
        server.admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return str(server.url(name))

    refused_url = fresh()
    before = pg_rows(refused_url)
    for user in IDENTITIES:
        if _allowed(action, user):
            code, _out, err = Cli(monkeypatch, fresh())(*_args(action, user, places), user=user)
            assert code == 0, (action, user, err)
        else:
            result = Cli(monkeypatch, refused_url)(*_args(action, user, places), user=user)
            check_refused(result, action, user)
            assert pg_rows(refused_url) == before, (action, user)
