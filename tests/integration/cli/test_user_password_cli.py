"""``assay user password`` and ``assay user logout`` (issue 12): a password from a pipe
(a real subprocess) or typed twice at a terminal (a real pseudo-terminal), refusals
with one line, exit 2 and the database unchanged, and sessions ended."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from assay import Workspace
from assay.cli.app import main
from assay.errors import PermissionDeniedError

PASSWORD = "correct horse battery"


class Cli:
    """``assay ARGS`` in this process with ``stdin`` as standard input."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.monkeypatch = monkeypatch
        monkeypatch.chdir(root)
        monkeypatch.delenv("ASSAY_DATABASE_URL", raising=False)
        monkeypatch.delenv("ASSAY_TOKEN", raising=False)

    def __call__(self, *args: str, user: str, stdin: str = "") -> tuple[int, str, str]:
        self.monkeypatch.setenv("ASSAY_USER", user)
        self.monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        out, err = io.StringIO(), io.StringIO()
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            pytest.raises(SystemExit) as done,
        ):
            main(list(args))
        return int(done.value.code or 0), out.getvalue(), err.getvalue()

    def digest(self) -> str:
        path = self.root / ".assay" / "assay.db"
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return hashlib.sha256(path.read_bytes()).hexdigest()

    def hash_of(self, name: str) -> str | None:
        path = self.root / ".assay" / "assay.db"
        with contextlib.closing(sqlite3.connect(path)) as conn:
            row = conn.execute("SELECT password_hash FROM users WHERE key = ?", (name,)).fetchone()
        return None if row is None else row[0]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    Workspace.init(tmp_path, user="ada").close()
    run = Cli(tmp_path, monkeypatch)
    for name, role in (("ada", "admin"), ("vic", "viewer")):
        assert run("user", "add", name, "--role", role, user="ada")[0] == 0
    return run


def _env(user: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
    return env | {"ASSAY_USER": user}


def test_a_password_from_a_pipe(cli: Cli) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "assay", "user", "password", "vic"],
        input=f"{PASSWORD}\nthe second line is ignored\n",
        capture_output=True,
        text=True,
        cwd=cli.root,
        env=_env("vic"),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Set the password of vic" in done.stdout
    assert PASSWORD not in done.stdout + done.stderr
    stored = cli.hash_of("vic")
    assert stored is not None
    assert stored.startswith("$argon2id$")
    with Workspace.open(cli.root, user="ada") as ws:
        assert ws.accounts.login("vic", PASSWORD).user == "vic"
        with pytest.raises(PermissionDeniedError, match="wrong name or password"):
            ws.accounts.login("vic", "the second line is ignored")


def test_a_password_typed_twice_at_a_terminal(cli: Cli) -> None:
    """getpass at a real pseudo-terminal: asked twice, without echo."""
    import pty

    def typed(first: str, second: str) -> tuple[int, str]:
        pid, fd = pty.fork()
        if pid == 0:  # the child: the pty is its controlling terminal
            os.chdir(cli.root)
            os.execve(
                sys.executable,
                [sys.executable, "-m", "assay", "user", "password", "vic"],
                _env("ada"),
            )
        seen = b""
        prompts = [(b"New password for vic: ", first), (b"Again: ", second)]
        while True:
            try:
                chunk = os.read(fd, 1024)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
            if prompts and prompts[0][0] in seen:
                os.write(fd, prompts.pop(0)[1].encode() + b"\n")
        _, status = os.waitpid(pid, 0)
        os.close(fd)
        return os.waitstatus_to_exitcode(status), seen.decode(errors="replace")

    code, seen = typed(PASSWORD, "something else")
    assert code == 2, seen
    assert "the two passwords differ" in seen
    assert cli.hash_of("vic") is None
    code, seen = typed(PASSWORD, PASSWORD)
    assert code == 0, seen
    assert "New password for vic:" in seen and "Again:" in seen
    assert PASSWORD not in seen  # no echo
    assert cli.hash_of("vic") is not None


@pytest.mark.parametrize(
    ("stdin", "words"),
    [
        ("short\n", "at least 12"),
        ("", "no password on standard input"),
        ("\n", "at least 12"),
        ("tab\tinside the password\n", "control characters"),
    ],
)
def test_a_bad_password_exits_2_and_writes_nothing(cli: Cli, stdin: str, words: str) -> None:
    before = cli.digest()
    code, out, err = cli("user", "password", "vic", user="ada", stdin=stdin)
    assert code == 2, (out, err)
    assert err.count("\n") == 1 and err.startswith("error: ") and words in err, err
    assert "Traceback" not in err
    assert cli.digest() == before


def test_a_viewer_cannot_set_someone_elses_password(cli: Cli) -> None:
    before = cli.digest()
    code, _out, err = cli("user", "password", "ada", user="vic", stdin=f"{PASSWORD}\n")
    assert code == 2
    assert "setting another user's password needs the admin role" in err
    assert err.count("\n") == 1
    assert cli.digest() == before
    code, _out, err = cli("user", "password", "vic", user="vic", stdin=f"{PASSWORD}\n")
    assert code == 0, err
    code, _out, err = cli("user", "password", "nobody", user="ada", stdin=f"{PASSWORD}\n")
    assert code == 2
    assert "'nobody' is not a registered user" in err


def test_logout_ends_every_session_of_a_user(cli: Cli) -> None:
    assert cli("user", "password", "vic", user="ada", stdin=f"{PASSWORD}\n")[0] == 0
    with Workspace.open(cli.root, user="ada") as ws:
        first = ws.accounts.login("vic", PASSWORD, client="a")
        ws.accounts.login("vic", PASSWORD, client="b")
    code, out, err = cli("user", "logout", "vic", "--json", user="vic")
    assert code == 0, err
    assert json.loads(out) == {"user": "vic", "sessions_ended": 2}
    with Workspace.open(cli.root, user="ada") as ws:
        assert ws.accounts.session(first.secret) is None
    code, _out, err = cli("user", "logout", "ada", user="vic")
    assert code == 2
    assert "ending another user's web sessions needs the admin role" in err
    code, out, _err = cli("user", "logout", "vic", user="ada")
    assert code == 0
    assert "Ended 0 web sessions of vic" in out


def test_password_json(cli: Cli) -> None:
    code, out, err = cli("user", "password", "vic", "--json", user="ada", stdin=f"{PASSWORD}\n")
    assert code == 0, err
    assert json.loads(out) == {"user": "vic", "password_set": True}
