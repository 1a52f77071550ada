"""No write without a valid CSRF token (issue 12).

A cookie-authenticated POST must carry its own session's CSRF token (form field
``csrf`` or header ``X-CSRF-Token``): missing, wrong, or another session's token is
refused with 403 and nothing is written (every table but the sessions' and the login
attempts' is unchanged, row for row). The login form has its own double-submit token.
A bearer-token request uses no cookie and needs none (``test_matrix.py`` uploads a run
with the token and no CSRF token).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from support.web import PASSWORDS, LiveServer, Team, csrf_of, form_fields, login

BOOKKEEPING = {"web_sessions", "login_attempts"}  # a refused POST may still touch these


def record_digest(root: Path) -> str:
    """A digest of every row of every table of the record (sessions aside)."""
    con = sqlite3.connect(root / ".assay" / "assay.db")
    try:
        names = [
            r[0]
            for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
            if r[0] not in BOOKKEEPING
        ]
        digest = hashlib.sha256()
        for name in names:
            for row in con.execute(f'SELECT * FROM "{name}" ORDER BY 1'):
                digest.update(repr(row).encode())
        return digest.hexdigest()
    finally:
        con.close()


@pytest.fixture
def approver(server: LiveServer) -> Iterator[httpx.Client]:
    """A fresh session of the approver."""
    client = login(server.url, "approver", PASSWORDS["approver"])
    yield client
    client.close()


def _other_session_csrf(server: LiveServer) -> str:
    other = login(server.url, "approver", PASSWORDS["approver"])
    try:
        return csrf_of(other)
    finally:
        other.close()


TOKENS: dict[str, Callable[[httpx.Client, LiveServer], str | None]] = {
    "missing": lambda client, server: None,
    "empty": lambda client, server: "",
    "wrong": lambda client, server: "x" * 43,
    "another-session": lambda client, server: _other_session_csrf(server),
}


@pytest.mark.parametrize("kind", list(TOKENS))
@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
def test_a_decision_without_its_sessions_csrf_token_is_refused(
    approver: httpx.Client, server: LiveServer, team: Team, kind: str, as_json: bool
) -> None:
    token = TOKENS[kind](approver, server)
    body = {"answer": "yes", "why": "a forged decision", "conditions": ""}
    before = record_digest(team.root)
    if as_json:
        headers = {} if token is None else {"X-CSRF-Token": token}
        answer = approver.post("/gates/flash-proto/decision", json=body, headers=headers)
    else:
        data = body if token is None else body | {"csrf": token}
        answer = approver.post("/gates/flash-proto/decision", data=data)
    assert answer.status_code == 403, (answer.status_code, answer.text[:300])
    assert record_digest(team.root) == before
    assert approver.get("/radar").status_code == 200  # the session itself still works


@pytest.mark.parametrize("kind", list(TOKENS))
def test_a_logout_without_its_sessions_csrf_token_is_refused(
    approver: httpx.Client, server: LiveServer, kind: str
) -> None:
    token = TOKENS[kind](approver, server)
    answer = approver.post("/logout", data={} if token is None else {"csrf": token})
    assert answer.status_code == 403, (answer.status_code, answer.text[:300])
    assert approver.get("/radar").status_code == 200


@pytest.mark.parametrize("kind", list(TOKENS))
def test_an_upload_with_a_cookie_needs_its_csrf_token(
    server: LiveServer, team: Team, kind: str
) -> None:
    contributor = login(server.url, "contributor", PASSWORDS["contributor"])
    try:
        token = TOKENS[kind](contributor, server)
        before = record_digest(team.root)
        headers = {} if token is None else {"X-CSRF-Token": token}
        answer = contributor.post("/api/runs", json={}, headers=headers)
    finally:
        contributor.close()
    assert answer.status_code == 403, (answer.status_code, answer.text[:300])
    assert record_digest(team.root) == before


@pytest.mark.parametrize("kind", ["missing", "empty", "wrong", "another-form"])
def test_the_login_form_needs_its_own_token(server: LiveServer, kind: str) -> None:
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=60) as client:
        mine = form_fields(client.get("/login").text)["csrf"]
        with httpx.Client(base_url=server.url, timeout=60) as stranger:
            theirs = form_fields(stranger.get("/login").text)["csrf"]
        token = {"missing": None, "empty": "", "wrong": mine[::-1], "another-form": theirs}[kind]
        data = {"name": "viewer", "password": PASSWORDS["viewer"], "next": "/radar"}
        answer = client.post("/login", data=data if token is None else data | {"csrf": token})
        assert answer.status_code == 403, (answer.status_code, answer.text[:300])
        assert "assay_session" not in client.cookies
