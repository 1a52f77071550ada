"""The web app over a store named by URL, on SQLite and on PostgreSQL (issue 12):
log in, read the radar as the CLI prints it, decide a gate as an approver (it lands
in the audit trail with the route), log out."""

from __future__ import annotations

import json
from pathlib import Path

from support.web_app import TestClient, build_site, cli, signed_in


def test_the_web_app_on_a_store_named_by_url(tmp_path: Path, database_url: str) -> None:
    from assay.web import create_app
    from assay.workspace import Workspace

    site = build_site(tmp_path, url=database_url)
    client = TestClient(create_app(database_url))
    try:
        csrf = signed_in(client, "apu")
        radar = client.get("/radar", headers={"accept": "application/json"}).json()
        assert radar == json.loads(cli(site.root, "radar", "--json", "--db", database_url, by=None))
        decided = client.post(
            "/gates/tiling-p1/decision",
            data={"answer": "not-yet", "why": "more data", "csrf": csrf},
            follow_redirects=False,
        )
        assert decided.status_code == 303, decided.text
        assert (
            client.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
        )
        assert client.get("/radar", follow_redirects=False).status_code == 303
    finally:
        client.close()
    with Workspace.open(site.root, url=database_url, user="ada") as ws:
        entries = [e for e in ws.audit.log() if e.record_table == "gate_decisions"]
    assert [(e.actor, e.via) for e in entries] == [("apu", "web POST /gates/{prototype}/decision")]
