"""A team's workspace and a live ``assay serve`` for the web app's tests (issue 12).

- :func:`build_team` makes a SQLite workspace with one user of every role (named after
  the role: ``viewer``, ``contributor``, ``approver``, ``admin``), each with a password
  (:data:`PASSWORDS`), API tokens of a contributor ``ci-bot`` and of the viewer, and a
  record with every kind of text the pages show: techniques, papers with notes,
  prototypes, gate decisions, predictions, post-mortems and runs. Hostile text
  (:data:`TEXTS`: script tags, attribute breakers, ``javascript:`` links, SQL
  metacharacters) sits in every text field of a second set of records. It is written
  through the real command line, in this process, as the CLI's tests do.
- :func:`start_server` runs the real ``assay serve`` as a subprocess on a free port of
  127.0.0.1 and waits for ``/healthz``; :func:`shared_team` and :func:`shared_server`
  give one of each per test process, so the browser tests and the integration tests
  do not each build their own.
- :func:`login` gives an ``httpx.Client`` signed in through the login form;
  :func:`csrf_of` reads the session's CSRF token from a page's forms.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import io
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

__all__ = [
    "FIELDS",
    "PASSWORDS",
    "ROLES",
    "SQL_TEXTS",
    "TEXTS",
    "TOKEN_USER",
    "XSS",
    "LiveServer",
    "Team",
    "artifacts_dir",
    "build_team",
    "cli_in",
    "clients",
    "csrf_of",
    "field",
    "form_fields",
    "login",
    "shared_server",
    "shared_team",
    "start_server",
    "stop_shared",
]

ROLES = ("viewer", "contributor", "approver", "admin")
PASSWORDS = {role: f"{role}-correct-horse-battery" for role in ROLES}
TOKEN_USER = "ci-bot"  # a contributor whose API token the "token" column uses
XSS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
)
SQL_TEXTS = ("'; DROP TABLE techniques; --", "100%_done")  # stored and shown verbatim
TEXTS = XSS + SQL_TEXTS
NEXT_YEAR = f"{time.gmtime().tm_year + 1}-06-30"
# Prototypes left open (awaiting a decision) for the tests that decide them.
OPEN_GATES = ("flash-proto", "gate-approver", "gate-admin", "gate-token", "gate-browser")


@dataclasses.dataclass(frozen=True)
class Team:
    """A built workspace: its root, the token's secret, and the names of its records."""

    root: Path
    token: str  # the contributor ci-bot's API token
    viewer_token: str  # an API token of the viewer
    run: str  # the flash-attn run (two methods: baseline and fast)
    evil_run: str  # a run whose method names are the hostile texts
    techniques: tuple[str, ...]  # the hostile-text techniques, one per text
    prototypes: tuple[str, ...]  # the hostile-text prototypes (decided), one per text
    postmortem: int  # a post-mortem id


def _cli(*args: str, by: str | None = "admin") -> str:
    """``assay ARGS --by BY`` in this process (the current directory is the workspace);
    its stdout, or a failure with its stderr."""
    from assay.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([*args, "--by", by] if by else list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
    if code != 0:
        pytest.fail(f"assay {' '.join(args)} failed ({code}): {err.getvalue().strip()}")
    return out.getvalue()


def cli_in(root: Path, *args: str, by: str | None = None) -> str:
    """``assay ARGS [--by BY]`` in this process, in the workspace ``root``; its stdout."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        for name in [k for k in os.environ if k.startswith("ASSAY_")]:
            patch.delenv(name)
        patch.setenv("COLUMNS", "120")
        return _cli(*args, by=by)


def _pyperf(path: Path, names: tuple[str, ...], means: tuple[float, ...]) -> Path:
    """A small pyperf JSON file: one benchmark per name, 20 runs of 5 values each."""
    benchmarks = []
    for index, (name, mean) in enumerate(zip(names, means, strict=True)):
        runs = [
            {"values": [mean * (1 + 0.01 * ((r * 7 + v * 3 + index) % 5 - 2)) for v in range(5)]}
            for r in range(20)
        ]
        benchmarks.append({"metadata": {"name": name}, "runs": runs})
    data = {"version": "1.0", "metadata": {"unit": "second"}, "benchmarks": benchmarks}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _import_run(folder: Path, file: str, names: tuple[str, ...], means: tuple[float, ...]) -> str:
    path = _pyperf(folder / file, names, means)
    document = json.loads(_cli("bench", "import", str(path), "--baseline", names[0], "--json"))
    run = document.get("run_id") or document.get("run") or document.get("id")
    if isinstance(document.get("runs"), list):
        run = document["runs"][0].get("run_id") or document["runs"][0].get("id")
    assert isinstance(run, str), document
    return run


def _users_and_tokens() -> tuple[str, str]:
    for role in reversed(ROLES):  # the first user must be an admin
        _cli("user", "add", role, "--role", role)
    _cli("user", "add", TOKEN_USER, "--role", "contributor")
    created = json.loads(_cli("token", "create", "--user", TOKEN_USER, "--label", "CI", "--json"))
    viewer = json.loads(_cli("token", "create", "--user", "viewer", "--label", "read", "--json"))
    assert isinstance(created["token"], str)
    assert isinstance(viewer["token"], str)
    return created["token"], viewer["token"]


def _set_passwords(root: Path) -> None:
    from assay.workspace import Workspace

    with Workspace.open(root, user="admin") as ws:
        for role in ROLES:
            ws.accounts.set_password(role, PASSWORDS[role])


def _fatebook(path: Path) -> Path:
    """A Fatebook CSV of two forecasts resolved and due, so that they are scored (the
    calibration chart has something to draw)."""
    today = dt.date.today()
    made, due, resolved = (today - dt.timedelta(days=d) for d in (400, 30, 60))
    header = (
        "Question title,Forecast created by,Forecast (0-1),Forecast created at,"
        "Question created at,Question resolve by,Resolution,Resolved at,"
        "Question notes,Question tags"
    )
    rows = [
        f"{question},admin,{p},{made} 10:00:00,{made} 10:00:00,{due} 00:00:00,"
        f"{outcome},{resolved} 12:00:00,,web"
        for question, p, outcome in (
            ("Will tiling pay off?", 0.7, "YES"),
            ("Will fusing pay off?", 0.2, "NO"),
        )
    ]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _prototype(technique: str, name: str, hypothesis: str) -> None:
    success = ("--success", "effect(time) <= -10%", "--candidate", "fast")
    _cli("prototype", "new", technique, name, "--hypothesis", hypothesis, *success)


def _friendly_record(folder: Path) -> str:
    """flash-attn with a paper, a note, a prototype per open gate and a run each
    counts as evidence; a prediction; returns the run id."""
    _cli("technique", "add", "flash-attn", "--area", "Inference", "--summary", "tiled attention")
    _cli("technique", "next", "flash-attn", "benchmark on our data", "--due", NEXT_YEAR)
    _cli("paper", "add", "--title", "FlashAttention", "--authors", "Tri Dao", "--year", "2022")
    _cli("paper", "link", "FlashAttention", "flash-attn")
    runbook = folder / "runbook.md"
    runbook.write_text("# Runbook\n\nTurn it off with FLASH=0.\n" + "\n".join(TEXTS) + "\n")
    _cli("technique", "attach", "flash-attn", str(runbook), "--kind", "runbook")
    for name in OPEN_GATES:
        _prototype("flash-attn", name, "tiled attention is at least 10% faster")
    run = _import_run(folder, "flash.json", ("baseline", "fast"), (0.010, 0.007))
    for name in OPEN_GATES:
        _cli("prototype", "evidence", name, run, by="contributor")
    _cli("predict", "add", "Will flash-attn ship?", "--p", "70%", "--resolve-by", NEXT_YEAR)
    _cli("predict", "import", str(_fatebook(folder / "fatebook.csv")))
    return run


# The fields of the hostile record, each holding "TEXT LABEL" (the area holds TEXT
# alone, the paper's links TEXT alone: a ``javascript:`` URL must never become a link).
FIELDS = (
    "owner", "summary", "next action", "paper note", "insight", "hypothesis", "why",
    "conditions", "prediction note", "outcome", "lesson", "problem",
)  # fmt: skip


def field(text: str, label: str) -> str:
    """What the hostile record holds in the field ``label``: ``TEXT LABEL``."""
    return f"{text} {label}"


def _hostile_technique(index: int, text: str) -> str:
    name = f"{text} {index}"
    f = functools.partial(field, text)
    _cli("technique", "add", name, "--area", text, "--summary", f("summary"), "--owner", f("owner"))
    _cli("technique", "next", name, f("next action"), "--due", NEXT_YEAR)
    title = f"{text} paper {index}"
    links = ("--url", text, "--code-url", text)
    _cli("paper", "add", "--title", title, "--authors", "Eve Mallory", "--year", "2024", *links)
    _cli("paper", "link", title, name)
    _cli("paper", "note", title, "--relevance", "3", "--summary", f("paper note"),
         "--key-insight", f("insight"))  # fmt: skip
    return name


def _hostile_record(folder: Path) -> tuple[tuple[str, ...], tuple[str, ...], int]:
    """Every text field holding each of :data:`TEXTS` (see :data:`FIELDS`); returns the
    techniques, the prototypes and one post-mortem id."""
    techniques, prototypes = [], []
    postmortem = 0
    for index, text in enumerate(TEXTS):
        f = functools.partial(field, text)
        name = _hostile_technique(index, text)
        techniques.append(name)
        prototype = f"hostile-{index}"
        prototypes.append(prototype)
        _prototype(name, prototype, f("hypothesis"))
        _cli("gate", "decide", prototype, "not-yet", "--why", f("why"),
             "--conditions", f("conditions"), by="approver")  # fmt: skip
        _cli("predict", "add", f"{text} question {index}", "--p", "40%",
             "--resolve-by", NEXT_YEAR, "--note", f("prediction note"))  # fmt: skip
        written = _cli("postmortem", "new", name, "--outcome", f("outcome"),
                       "--lesson", f("lesson"), "--problem", f"process:{f('problem')}",
                       "--json")  # fmt: skip
        postmortem = int(json.loads(written).get("id", 0)) or postmortem
    return tuple(techniques), tuple(prototypes), postmortem


def build_team(folder: Path) -> Team:
    """The workspace ``folder/team`` described in the module docstring."""
    from assay.workspace import Workspace

    root = folder / "team"
    Workspace.init(root, user="admin").close()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        for name in [k for k in os.environ if k.startswith("ASSAY_")]:
            patch.delenv(name)
        patch.setenv("COLUMNS", "120")
        token, viewer_token = _users_and_tokens()
        run = _friendly_record(folder)
        means = (0.010, 0.011, 0.009, 0.010, 0.012)
        evil_run = _import_run(folder, f"{XSS[1]}.json", TEXTS, means)
        techniques, prototypes, postmortem = _hostile_record(folder)
    _set_passwords(root)
    return Team(root, token, viewer_token, run, evil_run, techniques, prototypes, postmortem)


# -- the live server -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclasses.dataclass
class LiveServer:
    """A running ``assay serve``: its base URL, process and log file."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def output(self) -> str:
        """What the server wrote so far (its log)."""
        return self.log.read_text(encoding="utf-8", errors="replace")


def start_server(root: Path, *extra: str, timeout: float = 60) -> LiveServer:
    """``assay serve`` on a free port of 127.0.0.1 in ``root``, once ``/healthz`` answers."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
    log = root.parent / f"serve-{port}.log"
    argv = [sys.executable, "-m", "assay", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*argv, *extra], cwd=root, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    server = LiveServer(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"assay serve exited with {process.returncode}:\n{server.output()}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return server
        time.sleep(0.2)
    server.stop()
    pytest.fail(f"assay serve did not answer /healthz in {timeout} s:\n{server.output()}")


_SHARED: dict[str, object] = {}


def shared_team(factory: pytest.TempPathFactory) -> Team:
    """One :class:`Team` per test process (built on first use)."""
    if "team" not in _SHARED:
        _SHARED["team"] = build_team(factory.mktemp("web"))
    team = _SHARED["team"]
    assert isinstance(team, Team)
    return team


def shared_server(factory: pytest.TempPathFactory) -> LiveServer:
    """One :class:`LiveServer` over :func:`shared_team` per test process; each call
    holds it until a matching :func:`stop_shared`."""
    if "server" not in _SHARED:
        _SHARED["server"] = start_server(shared_team(factory).root)
        _SHARED["holders"] = 0
    _SHARED["holders"] = int(str(_SHARED["holders"])) + 1
    server = _SHARED["server"]
    assert isinstance(server, LiveServer)
    return server


def stop_shared() -> None:
    """Release the shared server (each fixture's teardown calls it once); the last
    holder stops it."""
    _SHARED["holders"] = int(str(_SHARED.get("holders", 1))) - 1
    if int(str(_SHARED["holders"])) > 0:
        return
    server = _SHARED.pop("server", None)
    if isinstance(server, LiveServer):
        server.stop()


# -- clients -----------------------------------------------------------------------------


class _Forms(HTMLParser):
    """The ``name -> value`` of every ``<input>`` of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "input":
            found = dict(attrs)
            if found.get("name"):
                self.fields.setdefault(str(found["name"]), found.get("value") or "")


def form_fields(html: str) -> dict[str, str]:
    """The first value of each named ``<input>`` of ``html``."""
    parser = _Forms()
    parser.feed(html)
    return parser.fields


def login(base_url: str, name: str, password: str) -> httpx.Client:
    """A client signed in as ``name`` through the login form (cookies kept)."""
    client = httpx.Client(base_url=base_url, follow_redirects=False, timeout=60)
    form = client.get("/login")
    assert form.status_code == 200, form.text
    csrf = form_fields(form.text).get("csrf", "")
    data = {"name": name, "password": password, "csrf": csrf, "next": "/radar"}
    answer = client.post("/login", data=data)
    assert answer.status_code == 303, (answer.status_code, answer.text)
    assert "assay_session" in client.cookies, answer.headers
    return client


def csrf_of(client: httpx.Client, path: str = "/account") -> str:
    """The session's CSRF token, from the forms of ``path``."""
    page = client.get(path)
    assert page.status_code == 200, (page.status_code, page.text)
    token = form_fields(page.text).get("csrf", "")
    assert token, f"no csrf field on {path}"
    return token


def artifacts_dir() -> Path:
    """Where tests save screenshots: ``$ASSAY_TEST_ARTIFACTS`` or ``tests/artifacts/``
    (git ignores it)."""
    folder = Path(os.environ.get("ASSAY_TEST_ARTIFACTS") or Path(__file__).parents[1] / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextlib.contextmanager
def clients(server: LiveServer) -> Iterator[dict[str, httpx.Client]]:
    """A signed-in client per role, closed afterwards."""
    made = {role: login(server.url, role, PASSWORDS[role]) for role in ROLES}
    try:
        yield made
    finally:
        for client in made.values():
            client.close()
