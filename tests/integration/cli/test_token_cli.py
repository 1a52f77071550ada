"""``assay token`` through the command line (issue 11): a token printed once, listed
without its secret, acting as its user through ``ASSAY_TOKEN``, revoked; bad tokens
and bad options refused with one line, exit 2 and the database unchanged."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import sqlite3
from pathlib import Path

import pytest

from assay import Workspace
from assay.cli.app import main


class Cli:
    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.monkeypatch = monkeypatch
        monkeypatch.chdir(root)
        monkeypatch.delenv("ASSAY_DATABASE_URL", raising=False)

    def __call__(self, *args: str, user: str = "", token: str = "") -> tuple[int, str, str]:
        for name, value in (("ASSAY_USER", user), ("ASSAY_TOKEN", token)):
            if value:
                self.monkeypatch.setenv(name, value)
            else:
                self.monkeypatch.delenv(name, raising=False)
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


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    Workspace.init(tmp_path, user="ada").close()
    run = Cli(tmp_path, monkeypatch)
    for name, role in (("ada", "admin"), ("cora", "contributor")):
        assert run("user", "add", name, "--role", role, user="ada")[0] == 0
    return run


def refused(result: tuple[int, str, str], words: str) -> None:
    code, out, err = result
    assert code == 2, (out, err)
    assert err.startswith("error: ") and err.count("\n") == 1 and words in err, err


def test_a_token_is_printed_once_and_acts_as_its_user(cli: Cli) -> None:
    code, out, err = cli("token", "create", "--user", "cora", "--expires", "90d",
                         "--label", "ci", user="ada")  # fmt: skip
    assert code == 0, err
    secret = out.strip().splitlines()[-1]
    assert secret.startswith("assay_") and "Token #1 for cora" in out
    listed = cli("token", "list")[1] + cli("token", "list", "--json")[1]
    assert secret[:12] in listed and secret not in listed
    assert json.loads(cli("token", "list", "--json")[1])["tokens"][0]["state"] == "active"
    # The token proves cora, whatever the environment's name would have guessed.
    code, _, err = cli("technique", "add", "Tiling", "--area", "inference", token=secret)
    assert code == 0, err
    shown = json.loads(cli("technique", "show", "Tiling", "--json")[1])
    assert shown["history"][0]["by"] == "cora"
    # cora's token naming ada: only an admin may act for another.
    before = cli.digest()
    refused(cli("technique", "add", "Impostor", "--area", "x", "--by", "ada", token=secret),
            "only an admin may act on behalf")  # fmt: skip
    assert cli("token", "revoke", "1", user="ada")[0] == 0
    refused(cli("technique", "add", "Late", "--area", "x", token=secret), "was revoked on")
    assert cli.digest() != before  # the revocation, and nothing else
    after = cli.digest()
    refused(cli("technique", "add", "Late", "--area", "x", token=secret), "was revoked on")
    assert cli.digest() == after


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("token", "create", "--expires", "0s"), "--expires '0s' is out of range"),
        (("token", "create", "--expires", "99999999999999999999d"), "99999999999999999999d"),
        (("token", "create", "--expires", "soon"), "is not a duration"),
        (("token", "create", "--user", "nobody"), "nobody"),
        (("token", "revoke", "99999999999999999999"), "no token #99999999999999999999"),
        (("token", "revoke", "7"), "no token #7"),
    ],
)
def test_bad_token_commands_are_refused(cli: Cli, args: tuple[str, ...], words: str) -> None:
    before = cli.digest()
    refused(cli(*args, user="ada"), words)
    assert cli.digest() == before


def test_an_unknown_token_is_refused(cli: Cli) -> None:
    before = cli.digest()
    refused(cli("technique", "add", "X", "--area", "a", token="assay_" + "0" * 43),
            "is not known to this workspace")  # fmt: skip
    assert cli.digest() == before
