"""A small team workspace for the web app's functional tests
(``tests/integration/web/test_app_*.py``), built in this process through the real
command line, and Starlette's TestClient over the app.

Users: ``ada`` (admin), ``apu`` (approver), ``cora`` (contributor, with an API
token), ``vic`` (viewer), each with the password ``PASSWORD``; a technique
``Tiling`` with a prototype ``tiling-p1`` awaiting its gate, and the JSON of a real
``assay bench run --json`` for uploads.
"""

from __future__ import annotations

import dataclasses
import json
import re
import warnings
from pathlib import Path
from typing import Any

with warnings.catch_warnings():
    # Starlette asks for httpx2 when its test client is imported with httpx; the client
    # works the same with httpx (the version the project installs).
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

__all__ = ["PASSWORD", "PEOPLE", "Site", "TestClient", "build_site", "cli", "csrf_in", "signed_in"]

PASSWORD = "correct-horse-battery-staple"
PEOPLE = {"ada": "admin", "apu": "approver", "cora": "contributor", "vic": "viewer"}

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
    return sorted(data, reverse=True)[::-1]
"""


@dataclasses.dataclass(frozen=True)
class Site:
    """A built workspace: its root, cora's API token, vic's, and a run's JSON."""

    root: Path
    token: str
    viewer_token: str
    run_json: dict[str, Any]


def cli(root: Path, *args: str, by: str | None = "ada") -> str:
    """``assay ARGS --by BY`` (``by=None``: a read, no ``--by``) in this process, in
    ``root``; its stdout (the test fails on a non-zero exit, with its stderr)."""
    from support.web import cli_in

    return cli_in(root, *args, by=by)


def build_site(folder: Path, *, url: str | None = None) -> Site:
    """The workspace described in the module docstring, in ``folder/site`` (its store
    at ``url`` when given)."""
    from assay.workspace import Workspace

    root = folder / "site"
    Workspace.init(root, user="ada", url=url).close()
    db = ("--db", url) if url else ()
    for name, role in PEOPLE.items():
        cli(root, "user", "add", name, "--role", role, *db)
    cli(root, "technique", "add", "Tiling", "--area", "inference", "--summary", "tiles", *db)
    cli(root, "prototype", "new", "Tiling", "tiling-p1", "--hypothesis", "tiling is faster",
        "--success", "effect(time) <= -20%", "--candidate", "cand", *db)  # fmt: skip
    token = json.loads(cli(root, "token", "create", "--user", "cora", "--json", *db))["token"]
    viewer = json.loads(cli(root, "token", "create", "--user", "vic", "--json", *db))["token"]
    run_json: dict[str, Any] = {}
    if url is None:
        (root / "bench_small.py").write_text(BENCH, "utf-8")
        document = cli(root, "bench", "run", "bench_small.py", "--trials", "2", "--json")
        run_json = json.loads(document)
    with Workspace.open(root, url=url, user="ada") as ws:
        for name in PEOPLE:
            ws.accounts.set_password(name, PASSWORD)
    return Site(root, token, viewer, run_json)


def csrf_in(html: str) -> str:
    """The first ``csrf`` field's value in a page."""
    found = re.search(r'name="csrf" value="([^"]*)"', html)
    assert found, "no csrf field on the page"
    return found.group(1)


def signed_in(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Log ``client`` in through the form as ``name``; the session's CSRF token."""
    form = client.get("/login")
    assert form.status_code == 200, form.text
    answer = client.post(
        "/login",
        data={"name": name, "password": password, "csrf": csrf_in(form.text), "next": "/radar"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return csrf_in(client.get("/account").text)
